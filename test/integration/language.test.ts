// The language features inside a real VS Code extension host: diagnostics on
// open/change/close at exact ranges, completion, hover, quick fixes and the
// outline, all through the editor's own provider commands. "Help where the
// cursor is" (issue 11): each language's own snippets, only where a key goes;
// completion and hover from what the workspace declares (roles, the metrics
// snapshot, the last drill and contract-test run in the audit log); the quoted
// `when: > 250`; Insert a skeleton and Create a missing file.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DrillReport } from '../../src/core/runbook/report';
import { brief, EXTENSION_ID, sleep, waitForDiagnostics, workspaceRoot, writeFile } from './util';

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
    // the script the broken runbooks' repoint step runs: present, so that what they get wrong is only what they mean to
    await writeFile('broken/scripts/set-alias.sh', '#!/bin/sh\n');
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

describe('Help where the cursor is (issue 11)', function () {
  this.timeout(60_000);

  const completions = async (doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.CompletionItem[]> =>
    (await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos)).items;
  const labelOf = (i: vscode.CompletionItem): string => (typeof i.label === 'string' ? i.label : i.label.label);

  it('offers the contract snippets (contract, test, tolerance) in contract files, not the runbook ones', async () => {
    // a runbook tokenized first: the two languages shared a grammar scope, and VS Code keeps one grammar per scope, with the
    // language id of the first file it tokenized, so a contract's lines read as runbook lines and got the runbook's snippets
    const runbook = await open('broken/it-snippets.runbook.yaml', 'kind: RollbackRunbook\n\n');
    const ofRunbook = (await completions(runbook, new vscode.Position(1, 0))).filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map(labelOf);
    assert.ok(ofRunbook.includes('runbook') && !ofRunbook.includes('contract'), ofRunbook.join(', '));
    const text = ['apiVersion: rollback-lens/v1', 'kind: InterfaceContract', 'metadata: { name: snip, version: 1 }', 'tests:', '  ', ''].join('\n');
    const doc = await open('broken/it-snippets.contract.yaml', text);
    for (const pos of [new vscode.Position(4, 2), new vscode.Position(5, 0)]) {
      const snippets = (await completions(doc, pos)).filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map(labelOf);
      for (const s of ['contract', 'test', 'tolerance']) assert.ok(snippets.includes(s), `contract snippets include ${s}: ${snippets.join(', ')}`);
      for (const s of ['runbook', 'step-run', 'trigger']) assert.ok(!snippets.includes(s), `no runbook snippet ${s}: ${snippets.join(', ')}`);
    }
  });

  it('says to quote an unquoted `when: > 250`, keeps the other diagnostics, and its quick fix quotes it', async () => {
    const text = BROKEN + 'triggers:\n  - id: slow\n    metric: p99_latency_ms\n    when: > 250\n';
    const doc = await open('broken/it-indicator.runbook.yaml', text);
    const found = await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'yaml-unquoted-indicator'));
    const line = text.split('\n').findIndex((l) => l === '    when: > 250');
    assert.deepEqual(found.map(brief), [
      '10:29-10:40 undeclared-role',
      '12:4-12:7 missing-undo',
      '13:4-13:9 schema-unknown-property',
      '15:15-15:21 unknown-step',
      `${line}:10-${line}:15 yaml-unquoted-indicator`,
    ]);
    const quote = found.find((d) => d.code === 'yaml-unquoted-indicator')!;
    assert.equal(quote.message, 'YAML reads `>` at the start of a value as a folded block scalar, so `> 250` is not the text it looks like; quote it: `when: "> 250"`');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, quote.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Quote it: `"> 250"`');
    assert.ok(fix?.edit, actions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.lineAt(line).text, '    when: "> 250"');
    const after = await waitForDiagnostics(doc.uri, (d) => !d.some((x) => x.code === 'yaml-unquoted-indicator'));
    assert.deepEqual(after.map(brief), ['10:29-10:40 undeclared-role', '12:4-12:7 missing-undo', '13:4-13:9 schema-unknown-property', '15:15-15:21 unknown-step']);
  });

  it('offers "Insert a skeleton" in an empty runbook and contract, and the skeleton validates clean', async () => {
    for (const rel of ['broken/it-skeleton.runbook.yaml', 'broken/it-skeleton.contract.yaml']) {
      const doc = await open(rel, '');
      const [empty] = await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'empty-document'));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, empty!.range, vscode.CodeActionKind.QuickFix.value);
      assert.deepEqual(actions.map((a) => a.title), ['Insert a skeleton'], rel);
      assert.ok(await vscode.workspace.applyEdit(actions[0]!.edit!));
      assert.equal(doc.lineAt(1).text, rel.endsWith('.runbook.yaml') ? 'kind: RollbackRunbook' : 'kind: InterfaceContract');
      const after = await waitForDiagnostics(doc.uri, (d) => !d.some((x) => x.code === 'empty-document'));
      assert.deepEqual(after.map(brief), [], rel);
    }
  });

  it('offers "Create" on a missing inputs file and schema: the files are written and the errors go', async () => {
    const text = [
      'apiVersion: rollback-lens/v1',
      'kind: InterfaceContract',
      'metadata: { name: created, version: 1 }',
      'input:',
      '  schema: { $ref: schemas/it-created.schema.json }',
      'output:',
      '  key: id',
      '  schema: { type: object, properties: { id: { type: string } } }',
      'tests:',
      '  - id: parity',
      '    inputs: data/it-created.jsonl',
      '    baseline: data/it-created.jsonl',
      '',
    ].join('\n');
    const doc = await open('broken/it-create.contract.yaml', text);
    const found = await waitForDiagnostics(doc.uri, (d) => d.filter((x) => x.code === 'missing-file').length === 3);
    const created: Record<string, string> = {};
    for (const [line, file] of [
      [4, 'broken/schemas/it-created.schema.json'],
      [10, 'broken/data/it-created.jsonl'],
    ] as const) {
      const d = found.find((x) => x.range.start.line === line)!;
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
      const create = actions.find((a) => a.title === `Create \`${file}\``);
      assert.ok(create?.command, actions.map((a) => a.title).join(', '));
      assert.equal(await vscode.commands.executeCommand(create.command.command, ...(create.command.arguments ?? [])), true);
      created[file] = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), file)));
    }
    assert.deepEqual(created, {
      'broken/schemas/it-created.schema.json': '{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n  "type": "object",\n  "properties": {}\n}\n',
      'broken/data/it-created.jsonl': '',
    });
    // inputs and baseline name the same file: creating it once clears both
    const after = await waitForDiagnostics(doc.uri, (d) => !d.some((x) => x.code === 'missing-file'));
    assert.deepEqual(after.map(brief), []);
    // never over an existing file
    assert.equal(await vscode.commands.executeCommand('rollbackLens.createFile', doc.uri, { path: 'broken/data/it-created.jsonl', content: 'x' }), false);
  });

  it('creates a script with its shebang, executable, from the missing-file error of a step that runs it', async () => {
    const doc = await open('broken/it-script.runbook.yaml', BROKEN.replace('    undoo: ./scripts/set-alias.sh iris champion 2.0.0\n', '    undo: ./scripts/it-new.sh iris champion 2.0.0\n'));
    const mine = (x: vscode.Diagnostic) => x.code === 'missing-file' && x.message.includes('it-new.sh');
    const found = await waitForDiagnostics(doc.uri, (d) => d.some(mine));
    const missing = found.find(mine)!;
    assert.equal(missing.message, 'script `./scripts/it-new.sh` does not exist (looked for `broken/scripts/it-new.sh`)');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, missing.range, vscode.CodeActionKind.QuickFix.value);
    const create = actions.find((a) => a.title === 'Create `broken/scripts/it-new.sh`');
    assert.ok(create?.command, actions.map((a) => a.title).join(', '));
    assert.equal(await vscode.commands.executeCommand(create.command.command, ...(create.command.arguments ?? [])), true);
    await waitForDiagnostics(doc.uri, (d) => !d.some(mine));
    const file = vscode.Uri.joinPath(workspaceRoot(), 'broken/scripts/it-new.sh');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)), '#!/bin/sh\nset -eu\n');
    const { statSync } = await import('node:fs');
    assert.equal(statSync(file.fsPath).mode & 0o777, 0o755);
  });

  it('completes `owner:` with the declared roles (sre too) and `metric:` with the snapshot names and values; no snippets in value positions', async () => {
    const iris = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml')));
    const text = iris.replace('    owner: sre\n', '    owner: \n').replace('    metric: score_psi\n', '    metric: \n');
    const doc = await open('iris/it-complete-help.runbook.yaml', text);
    const lines = text.split('\n');
    const ownerLine = lines.findIndex((l) => l === '    owner: ');
    const metricLine = lines.findIndex((l) => l === '    metric: ');
    const owner = await completions(doc, new vscode.Position(ownerLine, 11));
    assert.deepEqual(
      owner.filter((i) => i.kind !== vscode.CompletionItemKind.Text).map((i) => [labelOf(i), i.kind, i.detail]).sort(),
      [
        ['decisionMaker', vscode.CompletionItemKind.Reference, 'role · On-call ML lead'],
        ['technicalLead', vscode.CompletionItemKind.Reference, 'role · Serving engineer'],
        ['dataSteward', vscode.CompletionItemKind.Reference, 'role · Data steward'],
        ['commsLiaison', vscode.CompletionItemKind.Reference, 'role · Support lead'],
        ['sre', vscode.CompletionItemKind.Reference, 'role · Platform SRE'],
      ].sort(),
    );
    const metric = await completions(doc, new vscode.Position(metricLine, 12));
    const ours = metric.filter((i) => i.kind === vscode.CompletionItemKind.Reference).map((i) => [labelOf(i), i.detail]);
    // the example's snapshot (examples/iris/metrics/now.json), each with its value, in VS Code's (label) order
    const snapshot = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), 'iris/metrics/now.json')))) as Record<string, number>;
    assert.deepEqual(ours, Object.entries(snapshot).map(([k, v]) => [k, `metric · ${v} now (metrics/now.json)`]).sort());
    for (const items of [owner, metric]) assert.deepEqual(items.filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map(labelOf), [], 'no snippet in a value position');
    // where a key goes, the runbook snippets are there
    const atKey = await completions(doc, new vscode.Position(lines.length - 1, 0));
    assert.ok(atKey.some((i) => i.kind === vscode.CompletionItemKind.Snippet && labelOf(i) === 'runbook'), atKey.map(labelOf).join(', '));
  });

  it('hovers a role with its contact, a metric with its value and trigger, a step with its last drill, a tolerance with its last run', async () => {
    const auditLog = vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/audit.jsonl');
    const { existsSync, readFileSync, rmSync } = await import('node:fs');
    const hadLog = existsSync(auditLog.fsPath);
    const iris = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml')));
    const doc = await open('iris/it-hover-help.runbook.yaml', iris);
    const lines = iris.split('\n');
    const hoverText = async (d: vscode.TextDocument, line: number, needle: string): Promise<string[]> => {
      const character = d.lineAt(line).text.indexOf(needle) + 1;
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', d.uri, new vscode.Position(line, character));
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n\n').split('\n\n');
    };
    try {
      const role = await hoverText(doc, lines.indexOf('    owner: sre'), 'sre');
      assert.ok(role.includes('Role `sre`: Platform SRE, contact `pagerduty:platform-sre`'), role.join(' | '));
      const metric = await hoverText(doc, lines.indexOf('    metric: p99_latency_ms'), 'p99_latency_ms');
      assert.deepEqual(metric.slice(1, 3), ['Metric `p99_latency_ms` = 182 now (`metrics/now.json`)', 'Trigger `slow` does not fire: 182 is not > 250']);
      // a real drill of this runbook: the step hover then shows what repoint did in it
      const report = await vscode.commands.executeCommand<DrillReport>('rollbackLens.runDrill', doc.uri.toString(), 'repoint-fails');
      const repoint = report.steps.find((st) => st.id === 'repoint' && st.kind !== 'undo')!;
      const record = readFileSync(auditLog.fsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; path: string; time: string }).filter((r) => r.kind === 'drill').at(-1)!;
      assert.equal(record.path, 'iris/it-hover-help.runbook.yaml');
      const ms = repoint.durationMs < 1000 ? `${Math.round(repoint.durationMs)} ms` : `${(repoint.durationMs / 1000).toFixed(1)} s`;
      const step = await hoverText(doc, lines.indexOf('    requires: [repoint]'), 'repoint');
      assert.deepEqual(step.slice(1, 3), ['Step `repoint` · `run`: Point the champion alias back at 1.4.2.', `Last drill (\`repoint-fails\`, ${record.time.slice(0, 10)}, pass): ${repoint.outcome} in ${ms}`]);
      // a real contract-test run: the tolerance hover shows what it measured against the limit
      const contract = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.contract.yaml');
      const records = await vscode.commands.executeCommand<Array<{ report?: { rules: Array<{ id: string; value?: number; threshold?: number; verdict: string }> } }>>('rollbackLens.runContractTest', contract, 'parity');
      const abs = records[0]!.report!.rules.find((r) => r.id === 'probability.abs')!;
      const cdoc = await vscode.workspace.openTextDocument(contract);
      const run = readFileSync(auditLog.fsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; time: string }).filter((r) => r.kind === 'contract-test').at(-1)!;
      const tolerance = await hoverText(cdoc, cdoc.getText().split('\n').indexOf('      probability: { abs: 0.05 }'), 'abs');
      assert.ok(tolerance.includes(`Last run (${run.time.slice(0, 10)}): \`probability.abs\` measured ${abs.value} against the limit ${abs.threshold}: ${abs.verdict}`), tolerance.join(' | '));
    } finally {
      // the suites after this one start from the workspace as it was
      if (!hadLog) rmSync(auditLog.fsPath, { force: true });
    }
  });
});
