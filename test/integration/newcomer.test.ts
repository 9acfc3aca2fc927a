// A newcomer's first ten minutes, in the real VS Code: the commands of the
// walkthrough are in the palette with no file open; New Runbook and New
// Contract open a file of the right language with no diagnostic; Validate
// Workspace puts the problems of files that are not open into the Problems
// panel and counts them as the CLI does (the CLI runs as a real process on the
// same workspace); Run All Contract Tests runs every test of every contract;
// the Rollback Lens view shows the new runbook's dry-run and drill, and the
// contracts' last test runs, after each run, from the audit log.
// Runs before the other suites: it starts from a workspace with no audit log
// and leaves none (nor its new files) behind.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DryRunReport } from '../../src/core/runbook/report';
import { plural } from '../../src/core/util/plural';
import type { RollbackLensApi } from '../../src/extension/extension';
import type { OverviewRow } from '../../src/extension/overview';
import { brief, EXTENSION_ID, sleep, workspaceRoot } from './util';

const START_COMMANDS = ['rollbackLens.newRunbook', 'rollbackLens.newContract', 'rollbackLens.validateWorkspace', 'rollbackLens.runAllContractTests', 'rollbackLens.showLog'];

async function api(): Promise<RollbackLensApi> {
  return vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
}

/** The view's rows as `label — description`, nested by two spaces. */
function shown(rows: OverviewRow[], depth = 0): string[] {
  return rows.flatMap((r) => [`${'  '.repeat(depth)}${r.label} — ${r.description}`, ...shown(r.children, depth + 1)]);
}

function nextChange(a: RollbackLensApi): Promise<void> {
  return new Promise((resolve) => {
    const sub = a.overview.onDidChangeTreeData(() => {
      sub.dispose();
      resolve();
    });
  });
}

describe('a newcomer in VS Code', function () {
  this.timeout(180_000);
  const created: vscode.Uri[] = [];

  before(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const u of created) await vscode.workspace.fs.delete(u);
    rmSync(path.join(workspaceRoot().fsPath, '.rollback-lens'), { recursive: true, force: true });
  });

  it('offers every start command in the palette with no file open', async () => {
    assert.equal(vscode.window.activeTextEditor, undefined);
    const all = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(START_COMMANDS.filter((c) => !all.has(c)), []);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: Array<{ command: string; category: string }>; menus: { commandPalette: Array<{ command: string }> } } };
    // contributed with a category, and no palette `when` hides them (none is bound to an open editor)
    assert.deepEqual(
      START_COMMANDS.map((c) => pkg.contributes.commands.find((x) => x.command === c)?.category),
      START_COMMANDS.map(() => 'Rollback Lens'),
    );
    assert.deepEqual(pkg.contributes.menus.commandPalette.filter((m) => START_COMMANDS.includes(m.command)), []);
  });

  it('New Runbook and New Contract open a named file from the skeleton, of their language, with no diagnostic and 2-space indentation', async () => {
    const a = await api();
    for (const [command, file, language] of [
      ['rollbackLens.newRunbook', 'new.runbook.yaml', 'rollback-runbook'],
      ['rollbackLens.newContract', 'new.contract.yaml', 'rollback-contract'],
    ] as const) {
      const uri = await vscode.commands.executeCommand<vscode.Uri>(command);
      created.push(uri);
      assert.equal(uri.toString(), vscode.Uri.joinPath(workspaceRoot(), file).toString());
      const editor = vscode.window.activeTextEditor!;
      assert.equal(editor.document.uri.toString(), uri.toString());
      assert.equal(editor.document.languageId, language);
      assert.equal(editor.document.getText(), new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
      await a.diagnosticsCurrent(uri);
      assert.deepEqual(vscode.languages.getDiagnostics(uri).map(brief), []);
      // configurationDefaults: 2 spaces, not detected from the file
      assert.deepEqual([editor.options.tabSize, editor.options.insertSpaces], [2, true]);
      const config = vscode.workspace.getConfiguration('editor', { languageId: language });
      assert.deepEqual([config.get('tabSize'), config.get('insertSpaces'), config.get('detectIndentation')], [2, true, false]);
    }
    // a second one never overwrites the first
    const second = await vscode.commands.executeCommand<vscode.Uri>('rollbackLens.newRunbook');
    created.push(second);
    assert.equal(path.basename(second.fsPath), 'new-2.runbook.yaml');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Validate Workspace fills the Problems panel for files that are not open, and counts as the CLI does', async () => {
    const broken = vscode.Uri.joinPath(workspaceRoot(), 'fixtures/broken/iris-broken.runbook.yaml');
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === broken.toString()), 'the broken runbook is not open');
    assert.deepEqual(vscode.languages.getDiagnostics(broken), []);
    const check = await vscode.commands.executeCommand<{ files: number; errors: number; warnings: number; summary: string }>('rollbackLens.validateWorkspace');
    // the CLI, as a real process, on the same workspace
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    let out: string;
    let stderr = '';
    try {
      out = execFileSync(process.execPath, [path.join(ext.extensionPath, 'dist/cli.js'), 'validate', '--format', 'json', '.'], { cwd: workspaceRoot().fsPath, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      out = String((e as { stdout: string }).stdout);
      stderr = String((e as { stderr: string }).stderr);
    }
    const cli = JSON.parse(out) as Array<{ file: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; severity: string; code: string }>;
    const files = await vscode.workspace.findFiles('**/*.{runbook,contract,policy}.{yaml,yml}');
    const count = (sev: string) => cli.filter((d) => d.severity === sev).length;
    assert.equal(check.summary, `${plural(files.length, 'file')} checked: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}`, stderr);
    assert.deepEqual([check.files, check.errors, check.warnings], [files.length, count('error'), count('warning')]);
    // the broken runbook's problems: exactly the CLI's, at the same places
    const ours = vscode.languages.getDiagnostics(broken).filter((d) => d.source === 'rollback-lens').map(brief);
    const expected = cli
      .filter((d) => d.file === 'fixtures/broken/iris-broken.runbook.yaml')
      .map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code}`);
    assert.ok(expected.length > 0, `the CLI finds problems in the broken runbook: ${out.slice(0, 500)}`);
    assert.deepEqual(ours, expected);
    // and every file's problems are in the panel: their counts add up to the summary
    const all = files.flatMap((u) => vscode.languages.getDiagnostics(u).filter((d) => d.source === 'rollback-lens'));
    assert.equal(all.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length, check.errors);
  });

  it('the Rollback Lens view shows the new runbook\'s dry-run and drill after each run, and opens their reports', async () => {
    const a = await api();
    const runbook = vscode.Uri.joinPath(workspaceRoot(), 'new.runbook.yaml');
    const before = shown(await a.overview.snapshot());
    assert.ok(before.includes('new.runbook.yaml — '), before.join('\n'));
    assert.ok(before.includes('  Dry-run — never run'), before.join('\n'));
    let changed = nextChange(a);
    const dry = await a.runbooks.dryRun(runbook);
    await changed;
    assert.equal(dry?.verdict, 'not-ready'); // the skeleton has no metrics source yet: the dry-run says so
    let rows = await a.overview.snapshot();
    const row = () => rows.find((r) => r.label === 'new.runbook.yaml')!;
    assert.deepEqual(shown([row()]), ['new.runbook.yaml — not ready', '  Dry-run — not ready (1 error) · just now']);
    assert.deepEqual(row().children[0]!.command, { command: 'rollbackLens.showRunbookReport', arguments: [runbook.toString()] });
    changed = nextChange(a);
    const drill = await a.runbooks.drill(runbook, 'latency-spike');
    await changed;
    assert.equal(drill?.verdict, 'pass');
    rows = await a.overview.snapshot();
    const restore = drill!.timings.restoreMs;
    const human = restore < 1000 ? `${Math.round(restore)} ms` : `${(restore / 1000).toFixed(1)} s`;
    assert.deepEqual(shown([row()]), ['new.runbook.yaml — not ready', '  Dry-run — not ready (1 error) · just now', `  Drill latency-spike — pass: restored · restored in ${human} · just now`]);
    assert.deepEqual(row().children[1]!.command, { command: 'rollbackLens.showRunbookReport', arguments: [runbook.toString(), 'latency-spike'] });
    const opened = await vscode.commands.executeCommand<vscode.Uri>(row().children[1]!.command!.command, ...row().children[1]!.command!.arguments);
    assert.equal(opened.fsPath, vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/reports/new.runbook drill latency-spike.md').fsPath);
  });

  it('the walkthrough\'s Dry-run button (the command with no argument) acts on the runbook beside the walkthrough', async () => {
    const runbook = vscode.Uri.joinPath(workspaceRoot(), 'new.runbook.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(runbook), vscode.ViewColumn.One);
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#gettingStarted`, true);
    for (let i = 0; i < 50 && vscode.window.activeTextEditor; i++) await sleep(100);
    assert.equal(vscode.window.activeTextEditor, undefined, 'the walkthrough has the focus');
    const report = await vscode.commands.executeCommand<DryRunReport | undefined>('rollbackLens.dryRun');
    assert.deepEqual(report?.findings.filter((f) => f.severity === 'error').map((f) => f.code), ['trigger-unreadable']);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Run All Contract Tests runs every test of every contract, and the view shows each contract\'s last run', async () => {
    const a = await api();
    await a.contracts.discoverAll();
    const items: string[] = [];
    a.contracts.controller.items.forEach((f) => f.children.forEach((t) => void items.push(t.id)));
    const changed = nextChange(a);
    const records = await vscode.commands.executeCommand<Array<{ itemId: string; state: string }>>('rollbackLens.runAllContractTests');
    await changed;
    assert.deepEqual(records.map((r) => r.itemId).sort(), items.sort());
    const rows = await a.overview.snapshot();
    const contract = rows.find((r) => r.label === 'new.contract.yaml')!;
    assert.match(contract.description, /^tests pass in \d+(\.\d)? (ms|s) · just now$/);
    assert.deepEqual(shown(contract.children), ['input-edge-cases — pass']);
    assert.deepEqual(contract.children[0]!.command, { command: 'testing.showMostRecentOutput', arguments: [] });
    const iris = rows.find((r) => r.label === 'iris/iris.contract.yaml')!;
    const prefix = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.contract.yaml').toString() + '#';
    const irisRuns = records.filter((r) => r.itemId.startsWith(prefix));
    assert.deepEqual(iris.children.map((c) => c.label).sort(), irisRuns.map((r) => r.itemId.slice(prefix.length)).sort());
    for (const r of irisRuns) {
      const c = iris.children.find((x) => x.label === r.itemId.slice(prefix.length))!;
      if (r.state === 'passed') assert.equal(c.description, 'pass');
      else assert.match(c.description, /^fail: ./);
    }
  });
});
