// Restricted Mode (an untrusted workspace): the extension activates with its
// limited support and the language features work; nothing runs. The
// newcomer's commands: New Runbook and Validate Workspace work, Run All
// Contract Tests skips every test with the reason; the readiness review
// opens (it only reads).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RollbackLensApi } from '../../src/extension/extension';
import { brief, EXTENSION_ID, waitForDiagnostics, writeFile } from './util';

// The roles are a flow mapping on two lines: a technicalLead for the run step (so its
// missing-role warning is not among what this runbook gets wrong) without moving the lines below.
const BROKEN = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: broken, owner: ml-platform }
release:
  current: { model: iris-classifier, version: 2.0.0 }
  target: { model: iris-classifier, version: 1.4.2 }
roles: { technicalLead: { name: Serving engineer, contact: "#serving" },
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" } }
steps:
  - id: repoint
    run: ./scripts/set-alias.sh iris champion 1.4.2
    timeout: 60s
`;

describe('Rollback Lens in Restricted Mode', function () {
  this.timeout(60_000);

  it('runs in an untrusted workspace', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness opened the folder untrusted');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    // the script the broken runbook's repoint step runs, so that what it gets wrong is only what it means to
    await writeFile('scripts/set-alias.sh', '#!/bin/sh\n');
    const doc = await vscode.workspace.openTextDocument(await writeFile('restricted.runbook.yaml', BROKEN));
    await vscode.window.showTextDocument(doc);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('validates, completes and hovers', async () => {
    const uri = await writeFile('restricted-2.runbook.yaml', BROKEN);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const found = await waitForDiagnostics(uri, (d) => d.length > 0);
    assert.deepEqual(found.map(brief), ['10:4-10:7 missing-undo']);
    // at the start of the `timeout` key: the other keys a step may have
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(11, 4));
    const keys = list.items.filter((i) => i.kind === vscode.CompletionItemKind.Property).map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(keys.includes('dryRun') && keys.includes('undo'), keys.join(', '));
    assert.ok(!keys.includes('run') && !keys.includes('http'), `present and excluded kinds are not offered: ${keys.join(', ')}`);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(11, 6));
    assert.match(hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n'), /\*\*timeout\*\*/);
  });

  it('shows the readiness review, which only reads: the example runbook is reviewed and the audit log is left as it was', async () => {
    const api = await vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
    const log = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, '.rollback-lens/audit.jsonl');
    const before = await vscode.workspace.fs.readFile(log).then((b) => Buffer.from(b).toString('utf8'), () => undefined);
    await vscode.commands.executeCommand('rollbackLens.showReview');
    const panel = await api.reviews.show();
    assert.ok(panel.review, 'the review was read');
    assert.ok(panel.review.runbooks.some((b) => b.path === 'iris/iris.runbook.yaml'), panel.review.runbooks.map((b) => b.path).join(', '));
    assert.match(panel.panel.webview.html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;nonce-[0-9a-f]{32}&#39;; img-src data:; script-src &#39;nonce-[0-9a-f]{32}&#39;">/);
    const after = await vscode.workspace.fs.readFile(log).then((b) => Buffer.from(b).toString('utf8'), () => undefined);
    assert.equal(after, before, 'nothing was recorded');
    panel.panel.dispose();
  });

  it('refuses to run contract tests and says why, in the CodeLens and the run', async () => {
    const ext = vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    const contract = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'iris/iris.contract.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(contract));
    await api.contracts.discoverAll();
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', contract);
    assert.ok(lenses.length >= 3 && lenses.every((l) => l.command?.title === '$(lock) Run test — needs a trusted workspace'), lenses.map((l) => l.command?.title).join(', '));
    const records = await api.contracts.runFromCommand(contract, 'parity');
    assert.deepEqual(
      records.map((r) => [r.state, r.messages]),
      [['skipped', ['Running contract tests executes the model command from this workspace, so it needs a trusted workspace (Restricted Mode is on).']]],
    );
  });

  it('refuses dry-runs, drills and rollbacks and says why in the CodeLens; runs nothing', async () => {
    const ext = vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    const runbook = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'iris/iris.runbook.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(runbook));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', runbook);
    const titles = lenses.map((l) => l.command?.title);
    // signing off runs nothing: it and the closure's progress (read from the audit log) stay
    const signOff = ['$(pass-filled) Sign off…', '$(checklist) signed 0/2: decisionMaker —, dataSteward —'];
    assert.deepEqual(
      // (the closure status and its actions are closure.test.ts's)
      titles.filter((t) => !signOff.includes(t!) && !t!.startsWith('$(checklist) closure:')),
      [
        '$(lock) Dry-run — needs a trusted workspace',
        '$(lock) Roll back — needs a trusted workspace',
        '$(lock) Run drill — needs a trusted workspace',
        '$(lock) Run drill — needs a trusted workspace',
        '$(lock) Run drill — needs a trusted workspace',
        // the staged reintroduction's (src/extension/reintroduce.ts): its rehearsal scenario, and the reintroduction key
        '$(lock) Rehearse reintroduction — needs a trusted workspace',
        '$(lock) Reintroduce — needs a trusted workspace',
      ],
    );
    assert.deepEqual(titles.filter((t) => signOff.includes(t!)), signOff);
    assert.ok(lenses.filter((l) => l.command?.title.startsWith('$(lock)')).every((l) => l.command?.command === 'rollbackLens.explainRestrictedRunbook'));
    assert.equal(await api.runbooks.dryRun(runbook), undefined);
    assert.equal(await api.runbooks.drill(runbook, 'repoint-fails'), undefined);
    // Roll back is never enabled here: its lens explains, its command refuses before it confirms or runs anything
    assert.ok(!titles.includes('$(history) Roll back…'));
    assert.equal(await api.runbooks.rollback(runbook), undefined);
    assert.deepEqual(api.runbooks.lastRuns(runbook), { drills: {} }, 'nothing ran');
  });

  it('New Runbook and Validate Workspace work untrusted; Run All Contract Tests skips every test and says why', async () => {
    const api = await vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
    const uri = await vscode.commands.executeCommand<vscode.Uri>('rollbackLens.newRunbook');
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'rollback-runbook');
    await api.diagnosticsCurrent(uri);
    assert.deepEqual(vscode.languages.getDiagnostics(uri).map(brief), []);
    const check = await vscode.commands.executeCommand<{ files: number; errors: number }>('rollbackLens.validateWorkspace');
    assert.ok(check.files > 0 && check.errors > 0, JSON.stringify(check)); // the fixtures' broken files
    const records = await vscode.commands.executeCommand<Array<{ state: string; messages: string[] }>>('rollbackLens.runAllContractTests');
    assert.ok(records.length > 0);
    assert.deepEqual([...new Set(records.map((r) => `${r.state}: ${r.messages.join()}`))], [
      'skipped: Running contract tests executes the model command from this workspace, so it needs a trusted workspace (Restricted Mode is on).',
    ]);
    await vscode.workspace.fs.delete(uri);
  });
});
