// The language features inside a real VS Code extension host: diagnostics on
// open/change/close at exact ranges, completion, hover, quick fixes and the
// outline, all through the editor's own provider commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { brief, EXTENSION_ID, sleep, waitForDiagnostics, workspaceRoot, writeFile } from './util';

const BROKEN = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: broken, owner: ml-platform }
release:
  current: { model: iris-classifier, version: 2.0.0 }
  target: { model: iris-classifier, version: 1.4.2 }
roles:
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }
steps:
  - id: approve
    approve: [decisionMaker, dataSteward]
  - id: repoint
    run: ./scripts/set-alias.sh iris champion 1.4.2
    undoo: ./scripts/set-alias.sh iris champion 2.0.0
    timeout: 60s
    requires: [aprove]
`;

const CYCLE = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: cycle, owner: ml-platform }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.0.0 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
steps:
  - id: a
    approve: [decisionMaker]
    requires: [b]
  - id: b
    approve: [decisionMaker]
    requires: [a]
`;

async function open(rel: string, text: string): Promise<vscode.TextDocument> {
  const uri = await writeFile(rel, text);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  return doc;
}

describe('Rollback Lens in VS Code', function () {
  this.timeout(60_000);

  before(async () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `${EXTENSION_ID} is installed`);
  });

  it('gives runbooks and contracts their own languages and activates on them', async () => {
    const runbook = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml'));
    const contract = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.contract.yaml'));
    assert.equal(runbook.languageId, 'rollback-runbook');
    assert.equal(contract.languageId, 'rollback-contract');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('publishes no diagnostics for the clean example files', async () => {
    for (const rel of ['iris/iris.runbook.yaml', 'iris/iris.contract.yaml']) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), rel));
      await vscode.window.showTextDocument(doc);
      // an empty result is published too: wait until a run has happened, then check
      await sleep(1500);
      // the calendar is pinned (ROLLBACK_LENS_NOW, test/vscode/harness.mjs) and the example's dates are years from it: nothing at all
      const found = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'rollback-lens');
      assert.deepEqual(found.map(brief), [], rel);
    }
  });

  it('judges dates against the calendar ROLLBACK_LENS_NOW pins: it reaches the language worker', async () => {
    const pinned = process.env.ROLLBACK_LENS_NOW;
    assert.ok(pinned && /^\d{4}-\d\d-\d\d$/.test(pinned), `the harness pins a date: ${pinned}`);
    const removeAfter = new Date(Date.parse(`${pinned}T00:00:00Z`) - 21 * 86_400_000).toISOString().slice(0, 10);
    const lines = [
      'apiVersion: rollback-lens/v1',
      'kind: InterfaceContract',
      'metadata: { name: dated, version: 1 }',
      'input:',
      '  schema: { type: object, properties: { old_len: { type: number } } }',
      'output:',
      '  key: id',
      '  schema: { type: object }',
      'deprecations:',
      `  - { field: input.old_len, since: 2020-01-01, removeAfter: ${removeAfter} }`,
    ];
    const doc = await open('broken/it-dated.contract.yaml', lines.join('\n') + '\n');
    const found = await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'deprecation-expired'));
    const expired = found.find((d) => d.code === 'deprecation-expired')!;
    const at = lines[9]!.indexOf('input.old_len');
    assert.equal(brief(expired), `9:${at}-9:${at + 'input.old_len'.length} deprecation-expired`);
    assert.equal(expired.message, `\`input.old_len\` was to be removed after ${removeAfter} (21 days ago)`);
  });

  it('shows diagnostics of a broken runbook at their exact ranges', async () => {
    const doc = await open('broken/it-broken.runbook.yaml', BROKEN);
    const found = await waitForDiagnostics(doc.uri, (d) => d.length >= 4);
    assert.deepEqual(found.map(brief), [
      '10:29-10:40 undeclared-role',
      '12:4-12:7 missing-undo',
      '13:4-13:9 schema-unknown-property',
      '15:15-15:21 unknown-step',
    ]);
    assert.equal(found[2]!.message, 'unknown property `undoo` — did you mean `undo`?');
    assert.equal(found[2]!.severity, vscode.DiagnosticSeverity.Error);
  });

  it('points a dependency cycle at both requires entries (related information)', async () => {
    const doc = await open('broken/it-cycle.runbook.yaml', CYCLE);
    const [cycle] = await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'dependency-cycle'));
    assert.equal(brief(cycle!), '14:15-14:16 dependency-cycle');
    assert.equal(cycle!.message, 'dependency cycle: `a` requires `b` requires `a`');
    assert.deepEqual(
      cycle!.relatedInformation?.map((r) => `${r.location.range.start.line}:${r.location.range.start.character} ${r.message}`),
      ['11:15 `a` requires `b`'],
    );
  });

  it('re-validates on change and never shows a result for an older version', async () => {
    const doc = await open('broken/it-edit.runbook.yaml', BROKEN);
    await waitForDiagnostics(doc.uri, (d) => d.length === 4);
    const editor = await vscode.window.showTextDocument(doc);
    // several quick edits: fix the key, then the step id, then drop the undeclared role
    const line13 = doc.lineAt(13).range;
    await editor.edit((b) => b.replace(new vscode.Range(line13.start.translate(0, 4), line13.start.translate(0, 9)), 'undo'));
    const line15 = doc.lineAt(15).range;
    await editor.edit((b) => b.replace(new vscode.Range(line15.start.translate(0, 15), line15.start.translate(0, 21)), 'approve'));
    const line10 = doc.lineAt(10).range;
    await editor.edit((b) => b.replace(new vscode.Range(line10.start.translate(0, 27), line10.start.translate(0, 40)), ''));
    assert.equal(doc.lineAt(10).text, '    approve: [decisionMaker]');
    const finalVersion = doc.version;
    await waitForDiagnostics(doc.uri, (d) => d.length === 0);
    await sleep(1000); // nothing stale may arrive afterwards
    assert.equal(doc.version, finalVersion);
    assert.deepEqual(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'rollback-lens').map(brief), []);
  });

  it('clears diagnostics when the document is closed', async () => {
    const doc = await open('broken/it-close.runbook.yaml', BROKEN);
    await waitForDiagnostics(doc.uri, (d) => d.length === 4);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // a closed document is disposed by VS Code some time after its editor closes
    await vscode.languages.setTextDocumentLanguage(doc, 'plaintext').then(undefined, () => undefined);
    await waitForDiagnostics(doc.uri, (d) => d.length === 0);
  });

  it('completes keys valid inside a step, step ids in requires and declared roles in approve', async () => {
    const doc = await open('broken/it-complete.runbook.yaml', BROKEN);
    await waitForDiagnostics(doc.uri, (d) => d.length === 4);
    // our items only: snippets and word-based suggestions are VS Code's own
    const ours = [vscode.CompletionItemKind.Property, vscode.CompletionItemKind.Reference, vscode.CompletionItemKind.EnumMember, vscode.CompletionItemKind.Value];
    const labels = async (pos: vscode.Position) => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
      return list.items.filter((i) => i.kind !== undefined && ours.includes(i.kind)).map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    };
    // inside `requires: [aprove]`, at the start of the value
    const inRequires = await labels(new vscode.Position(15, 15));
    assert.ok(inRequires.includes('approve'), `requires offers step ids: ${inRequires.join(', ')}`);
    assert.ok(!inRequires.includes('repoint'), 'a step does not require itself');
    // inside `approve: [decisionMaker, ...]`
    const inApprove = await labels(new vscode.Position(10, 14));
    assert.ok(inApprove.includes('decisionMaker'), `approve offers roles: ${inApprove.join(', ')}`);
    // a new key at the indentation of the step's keys
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((b) => b.insert(new vscode.Position(15, doc.lineAt(15).text.length), '\n    '));
    const keys = await labels(new vscode.Position(16, 4));
    for (const k of ['dryRun', 'check', 'description']) assert.ok(keys.includes(k), `step keys include ${k}: ${keys.join(', ')}`);
    for (const k of ['id', 'run', 'timeout', 'requires']) assert.ok(!keys.includes(k), `already present key ${k} is not offered`);
  });

  it('hovers a key with its schema description and type', async () => {
    const doc = await open('broken/it-hover.runbook.yaml', BROKEN);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(14, 6));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /\*\*timeout\*\*/);
    assert.match(text, /`60s` = 1m \(60 s\)/);
  });

  it('offers quick fixes that remove the problem', async () => {
    const doc = await open('broken/it-fix.runbook.yaml', BROKEN);
    const found = await waitForDiagnostics(doc.uri, (d) => d.length === 4);
    const undo = found.find((d) => d.code === 'missing-undo')!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, undo.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Add an `undo` stub'), titles.join(', '));
    const typo = found.find((d) => d.code === 'schema-unknown-property')!;
    const typoActions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, typo.range, vscode.CodeActionKind.QuickFix.value);
    const rename = typoActions.find((a) => a.title === 'Change `undoo` to `undo`');
    assert.ok(rename?.edit, typoActions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(rename.edit));
    assert.equal(doc.lineAt(13).text, '    undo: ./scripts/set-alias.sh iris champion 2.0.0');
    const after = await waitForDiagnostics(doc.uri, (d) => !d.some((x) => x.code === 'schema-unknown-property'));
    assert.deepEqual(after.map(brief), ['10:29-10:40 undeclared-role', '15:15-15:21 unknown-step']);
  });

  it('the undo stub the quick fix writes keeps an undo-placeholder warning until it is replaced', async () => {
    const doc = await open('broken/it-stub.runbook.yaml', BROKEN.replace('    undoo: ./scripts/set-alias.sh iris champion 2.0.0\n', ''));
    const found = await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'missing-undo'));
    const undo = found.find((d) => d.code === 'missing-undo')!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, undo.range, vscode.CodeActionKind.QuickFix.value);
    const stub = actions.find((a) => a.title === 'Add an `undo` stub');
    assert.ok(stub?.edit, actions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(stub.edit));
    const line = doc.getText().split('\n').findIndex((l) => l.includes('undo: exit 1'));
    assert.equal(doc.lineAt(line).text, '    undo: exit 1  # TODO: the command that reverses this step');
    const after = await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'undo-placeholder'));
    const placeholder = after.find((d) => d.code === 'undo-placeholder')!;
    assert.equal(brief(placeholder), `${line}:10-${line}:${doc.lineAt(line).text.length} undo-placeholder`);
    assert.equal(placeholder.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(!after.some((d) => d.code === 'missing-undo'), after.map(brief).join(', '));
    // replaced by a real command: the warning goes
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(line, 10, line, doc.lineAt(line).text.length), './scripts/set-alias.sh iris champion 2.0.0');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitForDiagnostics(doc.uri, (d) => !d.some((x) => x.code === 'undo-placeholder'));
  });

  it('outlines steps, roles and sections', async () => {
    const doc = await open('broken/it-symbols.runbook.yaml', BROKEN);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['apiVersion', 'kind', 'metadata', 'release', 'roles', 'steps'],
    );
    const steps = symbols.find((s) => s.name === 'steps')!;
    assert.deepEqual(
      steps.children.map((c) => `${c.name} ${c.detail} ${c.selectionRange.start.line}:${c.selectionRange.start.character}`),
      ['approve approve 9:8', 'repoint run 11:8'],
    );
  });

  it('reports bad input without breaking: syntax error, alias bomb, empty, unknown apiVersion (binary files: VS Code refuses to open them as text; the unit tests cover them)', async () => {
    const cases: Array<[string, string, string]> = [
      ['broken/it-syntax.runbook.yaml', 'apiVersion: rollback-lens/v1\nkind: [RollbackRunbook\n', 'yaml-syntax'],
      ['broken/it-empty.contract.yaml', '', '0:0-0:0 empty-document'],
      ['broken/it-api.runbook.yaml', 'apiVersion: rollback-lens/v9\nkind: RollbackRunbook\n', '0:12-0:28 unknown-api-version'],
    ];
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 1; i < 9; i++) bomb += `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]\n`;
    cases.push(['broken/it-bomb.runbook.yaml', bomb, 'yaml-alias-limit']);
    for (const [rel, text, expected] of cases) {
      const doc = await open(rel, text);
      const found = await waitForDiagnostics(doc.uri, (d) => d.length > 0);
      assert.ok(found.map(brief).some((b) => b.endsWith(expected) || b === expected), `${rel}: ${found.map(brief).join(', ')}`);
    }
  });
});
