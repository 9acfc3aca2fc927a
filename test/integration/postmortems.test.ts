// Post-mortems from the editor: the Write post-mortem lens on a runbook with
// a drill recorded (after a drill of the example from its command; none on a
// runbook without), its command writing the review of the newest drill
// beside the runbook and opening it, a second
// run refused (never overwritten), and the action items' findings in the
// problems panel as the open post-mortem is edited, against the pinned
// calendar (2026-11-22).
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RollbackLensApi } from '../../src/extension/extension';
import { EXTENSION_ID, waitForDiagnostics, workspaceRoot, writeFile } from './util';

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
}

describe('post-mortems in VS Code', function () {
  this.timeout(120_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('writes the post-mortem of the newest drill from its lens, opens it, refuses a second, and shows overdue items and unknown owners as problems', async () => {
    await vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
    const runbook = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(runbook));
    const quiet = await writeFile('fixtures/runbooks/undrilled.runbook.yaml', 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\nmetadata: { name: undrilled, owner: ml }\n');
    await vscode.workspace.openTextDocument(quiet);
    assert.deepEqual((await lenses(quiet)).filter((l) => l.command?.command === 'rollbackLens.writePostmortem'), [], 'no drill or rollback recorded: no lens');

    // a drill of its own, so the test stands alone (ROLLBACK_LENS_TEST_GREP): the newest drill is this one
    const drilled = await vscode.commands.executeCommand<{ verdict: string } | undefined>('rollbackLens.runDrill', runbook.toString(), 'repoint-fails');
    assert.equal(drilled?.verdict, 'pass');
    const lens = (await lenses(runbook)).find((l) => l.command?.command === 'rollbackLens.writePostmortem');
    assert.ok(lens, 'a drill is recorded: the lens is there');
    assert.deepEqual([lens.range.start.line, lens.command!.title], [0, '$(notebook) Write post-mortem']);

    const lines = readFileSync(vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/audit.jsonl').fsPath, 'utf8').split('\n');
    const at = lines.map((l, i) => [l, i] as const).filter(([l]) => l.includes('"kind":"drill"') && l.includes('"path":"iris/iris.runbook.yaml"')).at(-1)!;
    const record = JSON.parse(at[0]) as { time: string; scenario: string };
    const hash = `sha256:${createHash('sha256').update(at[0]).digest('hex')}`;

    const written = await vscode.commands.executeCommand<vscode.Uri>(lens.command!.command, ...lens.command!.arguments!);
    assert.equal(vscode.workspace.asRelativePath(written), `iris/postmortems/iris/${record.time.slice(0, 10)}-drill-${record.scenario}.md`);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), written.toString(), 'opened');
    const text = editor.document.getText();
    assert.equal(text.split('\n')[0], `# After-action review: drill \`${record.scenario}\` of iris/iris.runbook.yaml`);
    assert.ok(text.includes(`- **Audit record**: \`${hash}\` (line ${at[1] + 1} of .rollback-lens/audit.jsonl)`), text);

    assert.equal(await vscode.commands.executeCommand('rollbackLens.writePostmortem', runbook.toString()), undefined, 'the same record again: refused');
    assert.equal(editor.document.getText(), text, 'untouched');

    // the due date moved into the past and the owner to a name that is no role: both are problems at their cell, as typed
    const row = text.split('\n').findIndex((l) => l.endsWith('| 2026-12-06 | open |'));
    const line = text.split('\n')[row]!;
    await editor.edit((e) => {
      e.replace(new vscode.Range(row, line.indexOf('2026-12-06'), row, line.indexOf('2026-12-06') + 10), '2026-11-01');
      e.replace(new vscode.Range(row, line.indexOf('| decisionMaker |') + 2, row, line.indexOf('| decisionMaker |') + 2 + 'decisionMaker'.length), 'oncall');
    });
    const edited = editor.document.lineAt(row).text;
    const found = await waitForDiagnostics(written, (d) => d.length === 2);
    assert.deepEqual(
      found.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character, d.code, d.severity, d.message]),
      [
        [row, edited.indexOf('oncall'), edited.indexOf('oncall') + 6, 'postmortem-owner-unknown', vscode.DiagnosticSeverity.Warning, 'owner `oncall` is not a role of the runbook (roles: decisionMaker, technicalLead, dataSteward, commsLiaison, sre)'],
        [
          row,
          edited.indexOf('2026-11-01'),
          edited.indexOf('2026-11-01') + 10,
          'postmortem-action-overdue',
          vscode.DiagnosticSeverity.Warning,
          'action item overdue: "Review this drill with the team: keep, change or add action items" was due on 2026-11-01 (21 days ago) and is still open; owner oncall',
        ],
      ],
    );
    await editor.edit((e) => e.replace(new vscode.Range(row, edited.indexOf('| open |') + 2, row, edited.indexOf('| open |') + 6), 'done'));
    await waitForDiagnostics(written, (d) => d.length === 1 && d[0]!.code === 'postmortem-owner-unknown');
  });
});
