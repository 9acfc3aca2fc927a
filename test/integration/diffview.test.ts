// The diff view in the real extension host: after a run of the example's
// parity test its CodeLens offers "Open diff"; the panel's row index comes
// up with the engine's numbers; a row opens its line in both JSONL files; a
// saved CLI report opens through rollbackLens.openReport. (The webview's
// own content is driven from Playwright in test/vscode/diffview.mjs.)
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RollbackLensApi } from '../../src/extension/extension';
import type { DiffHandle } from '../../src/extension/diffView';
import { runContractTests } from '../../src/node/contract/run';
import { EXTENSION_ID, workspaceRoot } from './util';

async function api(): Promise<RollbackLensApi> {
  return vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
}

const lensTitles = async (uri: vscode.Uri) => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)).map((l) => l.command);

describe('diff view in VS Code', function () {
  this.timeout(120_000);
  let contract: vscode.Uri;

  before(async () => {
    // the suites before this one leave editors (and a Markdown preview) in other groups
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    contract = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.contract.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(contract));
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('after a run, the CodeLens opens the diff; the row index agrees with the report; a row opens in the diff editor with its input beside', async () => {
    await vscode.commands.executeCommand('rollbackLens.runContractTest', contract.toString(), 'parity');
    const lens = (await lensTitles(contract)).find((c) => c?.title === '$(diff) Open diff' && c.arguments?.[1] === 'parity');
    assert.ok(lens, 'an Open diff lens on parity after its run');
    const handle = (await vscode.commands.executeCommand<DiffHandle>(lens.command, ...lens.arguments!))!;
    assert.equal(handle.panel.viewType, 'rollbackLens.diff');
    assert.equal(handle.panel.title, 'Diff: parity (fail)');
    // scripts on, only media/ readable, no retained context
    assert.equal(handle.panel.webview.options.enableScripts, true);
    assert.deepEqual(handle.panel.webview.options.localResourceRoots?.map((u) => path.basename(u.fsPath)), ['media']);
    assert.match(handle.panel.webview.html, /default-src 'none'; script-src 'nonce-[0-9a-f]{32}'; style-src /);
    assert.doesNotMatch(handle.panel.webview.html, /unsafe-inline|unsafe-eval/);
    const state = await handle.indexed;
    assert.equal(state.state, 'ready', JSON.stringify(state));
    assert.deepEqual([state.state === 'ready' && state.rows, state.state === 'ready' && state.outside], [150, 21]);
    // the current outputs of the command source were kept for the table
    assert.ok(!('reason' in handle.files));
    // kept under this run's own id, so a later run cannot replace what this report shows
    const kept = `iris_iris.contract.yaml--parity--${handle.report.runId}.jsonl`;
    assert.equal(path.relative(workspaceRoot().fsPath, handle.files.files.current), `.rollback-lens/outputs/${kept}`);
    // clicking a row: VS Code's diff editor on its baseline and current lines (formatted, keys sorted), its input beside
    await handle.receive({ type: 'open', key: 'iris-069', baselineLine: 69, currentLine: 69 });
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.ok(tab, vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)).join(', '));
    assert.equal(tab.label, 'iris-069: baseline line 69 ↔ current line 69');
    assert.equal(tab.group.viewColumn, 2);
    const diff = tab.input as vscode.TabInputTextDiff;
    const [left, right] = await Promise.all([vscode.workspace.openTextDocument(diff.original), vscode.workspace.openTextDocument(diff.modified)]);
    const lines = (d: vscode.TextDocument) => d.getText().split('\n');
    // one field a line, in the same order on both sides: the probability (and the scores) are the changed lines
    const f = handle.report.offending.find((o) => o.key === 'iris-069')!.fields.find((x) => x.field === 'probability')!;
    const changed = (a: vscode.TextDocument, b: vscode.TextDocument) => lines(a).filter((l) => !lines(b).includes(l));
    assert.ok(changed(left, right).includes(`  "probability": ${String(f.baseline)},`), changed(left, right).join('|'));
    assert.ok(changed(right, left).includes(`  "probability": ${String(f.current)},`), changed(right, left).join('|'));
    for (const l of [...changed(left, right), ...changed(right, left)]) assert.match(l, /^ {2,4}"(probability|setosa|versicolor|virginica)": /);
    assert.equal(lines(left).length, lines(right).length);
    assert.equal(JSON.parse(left.getText()).id, 'iris-069');
    const input = vscode.window.visibleTextEditors.find((e) => e.document.uri.path.endsWith('iris-069 input.json'));
    assert.ok(input, vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()).join(', '));
    assert.equal(input.viewColumn, 3);
    assert.deepEqual(Object.keys(JSON.parse(input.document.getText())), ['id', 'petal_length', 'petal_width', 'sepal_length', 'sepal_width']);
    handle.panel.dispose();
  });

  // before the next test: its run replaces the kept outputs this report names
  it('the Test Explorer item opens the same diff', async () => {
    const { contracts } = await api();
    const item = contracts.controller.items.get(contract.toString())!.children.get(`${contract.toString()}#parity`)!;
    const handle = (await vscode.commands.executeCommand<DiffHandle>('rollbackLens.openDiff', item))!;
    assert.equal(handle.report.testId, 'parity');
    assert.equal((await handle.indexed).state, 'ready'); // let the webview load before closing it
    handle.panel.dispose();
  });

  it('a saved CLI report (rollback-lens test --format json --out) opens through rollbackLens.openReport', async () => {
    const ws = workspaceRoot().fsPath;
    const report = await runContractTests(path.join(ws, 'iris/iris.contract.yaml'), { workspace: ws });
    const file = vscode.Uri.file(path.join(ws, 'parity-report.json'));
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify(report)));
    const handle = (await vscode.commands.executeCommand<DiffHandle>('rollbackLens.openReport', file, 'parity'))!;
    assert.equal(handle.report.testId, 'parity');
    const state = await handle.indexed;
    assert.deepEqual(state.state === 'ready' ? [state.rows, state.outside] : state, [150, 21]);
    handle.panel.dispose();
    // a schema-only test of the same report has no rows: the summary only, with the reason
    const edge = (await vscode.commands.executeCommand<DiffHandle>('rollbackLens.openReport', file, 'input-edge-cases'))!;
    assert.deepEqual(await edge.indexed, { state: 'none', reason: 'no rows were compared' });
    await new Promise((r) => setTimeout(r, 1000)); // let the webview load before closing it
    edge.panel.dispose();
  });
});
