// The Roll back… lens in a real VS Code (code-server): on the runbook's first
// key beside Dry-run, running rollbackLens.rollback on it, and its modal
// confirmation naming the release pair and the approvals needed. Under the
// integration runner the workbench refuses every dialog ("refused to show
// dialog in tests"): a confirmation that cannot be shown is no confirmation,
// so nothing runs and nothing is recorded. Pressing the modal's Cancel and
// Roll back buttons, the gate's quick pick and the run itself are checked
// in the page by test/vscode/rollback.mjs, where dialogs are shown. A runbook
// the dry-run finds NOT READY is refused before the confirmation, with the
// dry-run's findings as diagnostics, as the CLI refuses before it asks.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RollbackLensApi } from '../../src/extension/extension';
import { EXTENSION_ID, workspaceRoot, writeFile } from './util';

function auditLines(): number {
  const file = path.join(workspaceRoot().fsPath, '.rollback-lens', 'audit.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

describe('the Roll back… lens in VS Code', function () {
  this.timeout(60_000);
  let runbook: vscode.Uri;

  before(async () => {
    runbook = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(runbook));
  });

  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('is on the first key beside Dry-run; its confirmation names the release pair and the approvals; unconfirmed, nothing runs or is recorded', async () => {
    const doc = await vscode.workspace.openTextDocument(runbook);
    const top = doc.getText().split('\n').findIndex((l) => l.startsWith('apiVersion:'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', runbook);
    const atTop = lenses.filter((l) => l.range.start.line === top).map((l) => l.command?.title);
    assert.deepEqual(atTop.filter((t) => /Dry-run|Roll back/.test(t ?? '')).slice(0, 2), ['$(debug-alt) Dry-run', '$(history) Roll back…']);
    const lens = lenses.find((l) => l.command?.title === '$(history) Roll back…')!;
    assert.deepEqual([lens.command!.command, lens.command!.arguments], ['rollbackLens.rollback', [runbook.toString()]]);

    const { runbooks } = await vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
    const asked: Array<{ message: string; detail: string }> = [];
    const sub = runbooks.onWillConfirmRollback((c) => asked.push(c));
    const before = auditLines();
    const flags = readFileSync(path.join(workspaceRoot().fsPath, 'iris', 'flags.flagd.json'), 'utf8');
    try {
      assert.equal(await vscode.commands.executeCommand(lens.command!.command, ...lens.command!.arguments!), undefined);
    } finally {
      sub.dispose();
    }
    assert.deepEqual(asked, [
      {
        message: 'Roll back iris-classifier 2.0.0 → iris-classifier 1.4.2 for real?',
        detail:
          'iris/iris.runbook.yaml: the steps run for real, not in the drill sandbox; a failed step or a cancel undoes the completed steps.\n\nApprovals needed:\napprove: decisionMaker (On-call ML lead, #ml-oncall)',
      },
    ]);
    assert.equal(auditLines(), before, 'nothing recorded');
    assert.equal(readFileSync(path.join(workspaceRoot().fsPath, 'iris', 'flags.flagd.json'), 'utf8'), flags, 'nothing changed');
  });

  it('a runbook the dry-run finds NOT READY is refused before its confirmation: the findings shown where they are, nothing asked, run or recorded', async () => {
    // the iris runbook with its flag variant misspelt: the dry-run's flag-invalid blocks it, as the CLI's refusal
    const text = readFileSync(runbook.fsPath, 'utf8').replace('name: iris-v2, variant: "off"', 'name: iris-v2, variant: "nope"');
    const uri = await writeFile('iris/not-ready.runbook.yaml', text);
    try {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const { runbooks } = await vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
      const asked: string[] = [];
      const sub = runbooks.onWillConfirmRollback((c) => asked.push(c.message));
      const before = auditLines();
      const flags = readFileSync(path.join(workspaceRoot().fsPath, 'iris', 'flags.flagd.json'), 'utf8');
      try {
        assert.equal(await vscode.commands.executeCommand('rollbackLens.rollback', uri.toString()), undefined);
      } finally {
        sub.dispose();
      }
      assert.deepEqual(asked, [], 'no confirmation is asked for a rollback that would be refused');
      const row = text.split('\n').findIndex((l) => l.includes('variant: "nope"'));
      const col = text.split('\n')[row]!.indexOf('flag:');
      const shown = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rollback-lens dry-run');
      assert.deepEqual(
        shown.map((d) => [d.range.start.line, d.range.start.character, String(d.code), d.severity, d.message]),
        [[row, col, 'flag-invalid', vscode.DiagnosticSeverity.Error, 'step `flag-off`: flag `iris-v2` has no variant `nope` (it has `on`, `off`)']],
      );
      assert.equal(auditLines(), before, 'nothing recorded');
      assert.equal(readFileSync(path.join(workspaceRoot().fsPath, 'iris', 'flags.flagd.json'), 'utf8'), flags, 'nothing changed');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await vscode.workspace.fs.delete(uri);
    }
  });
});
