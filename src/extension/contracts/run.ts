// Contract tests in the editor: every test of every contract in the workspace
// as a TestItem (discovered from files, updated on change), a run profile,
// CodeLens above each test that starts the same runs, progress with
// cancellation (cancel kills the model's process tree), a status-bar verdict
// for the active contract. Running anything needs a trusted workspace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyze } from '../../core/language/analysis';
import { num } from '../../core/contract/compare';
import { contractModel } from '../../core/contract/model';
import type { ContractReport, RuleResult, TestReport } from '../../core/contract/report';
import { LineIndex } from '../../core/util/text';
import { locate, type PathSegment } from '../../core/yaml';
import { appendAuditRecord } from '../../node/audit';
import { recordBaseline } from '../../node/contract/baseline';
import { loadContract } from '../../node/contract/run';
import { runContractTestsInWorker } from '../../node/contract/runner';
import { contractTestRecord } from '../../node/contract/records';
import { range } from '../convert';

export const CONTRACT_GLOB = '**/*.contract.{yaml,yml}';
const UNTRUSTED = 'Running contract tests executes the model command from this workspace, so it needs a trusted workspace (Restricted Mode is on).';

export interface RunRecord {
  itemId: string;
  state: 'passed' | 'failed' | 'errored' | 'skipped';
  messages: string[];
  /** Where each message points in the contract, `line:character` (0-based). */
  locations?: string[];
  report?: TestReport;
}

export class ContractTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('rollbackLens.contracts', 'Rollback Lens contracts');
  private readonly disposables: vscode.Disposable[] = [];
  private readonly lastReports = new Map<string, TestReport>();
  private readonly finished = new vscode.EventEmitter<RunRecord[]>();
  /** Fires after every run with what was reported to the Test Explorer. */
  readonly onDidFinishRun = this.finished.event;
  private readonly statusBar = vscode.window.createStatusBarItem('rollbackLens.contractVerdict', vscode.StatusBarAlignment.Left, 50);
  private readonly lensChanged = new vscode.EventEmitter<void>();
  /** Test items that compare with a baseline (and so can record one). */
  private readonly recordable = new Set<string>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => { timeoutMs?: number; concurrency?: number },
    private readonly toolVersion: string,
    /** dist/contract-worker.js: runs execute there, off the extension host's thread. */
    private readonly workerPath: string,
  ) {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discoverAll();
    };
    this.controller.refreshHandler = () => this.discoverAll();
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, async (req, token) => void (await this.run(req, token)), true);
    const watcher = vscode.workspace.createFileSystemWatcher(CONTRACT_GLOB);
    this.statusBar.name = 'Rollback Lens contract verdict';
    this.disposables.push(
      this.controller,
      watcher,
      this.statusBar,
      this.finished,
      this.lensChanged,
      watcher.onDidCreate((u) => void this.discoverFile(u)),
      watcher.onDidChange((u) => void this.discoverFile(u)),
      watcher.onDidDelete((u) => this.controller.items.delete(u.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === 'rollback-contract') this.discoverText(e.document.uri, e.document.getText());
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()),
      vscode.languages.registerCodeLensProvider({ language: 'rollback-contract' }, { provideCodeLenses: (doc) => this.lenses(doc), onDidChangeCodeLenses: this.lensChanged.event }),
      vscode.commands.registerCommand('rollbackLens.runContractTest', (uri?: vscode.Uri | string, testId?: string) => this.runFromCommand(uri, testId)),
      vscode.commands.registerCommand('rollbackLens.recordBaseline', (uri: vscode.Uri | string, testId: string, version?: string) => this.recordBaseline(uri, testId, version)),
      vscode.commands.registerCommand('rollbackLens.explainRestricted', () => vscode.window.showInformationMessage(UNTRUSTED, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'))),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.lensChanged.fire()),
    );
    void this.discoverAll();
  }

  /** The report of the last run of a contract's test (the diff view opens it). */
  lastReport(contract: vscode.Uri, testId: string): TestReport | undefined {
    return this.lastReports.get(`${contract.toString()}#${testId}`);
  }

  // ---- discovery --------------------------------------------------------------------------

  async discoverAll(): Promise<void> {
    const files = await vscode.workspace.findFiles(CONTRACT_GLOB, '**/node_modules/**');
    await Promise.all(files.map((f) => this.discoverFile(f)));
  }

  private async discoverFile(uri: vscode.Uri): Promise<void> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    try {
      const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      this.discoverText(uri, text);
    } catch (e) {
      this.log.warn(`cannot read ${uri.fsPath}: ${(e as Error).message}`);
    }
  }

  /** The contract's tests as children of its file item, with their ranges. */
  discoverText(uri: vscode.Uri, text: string): void {
    const analysis = analyze({ path: path.basename(uri.fsPath), text });
    const root = analysis.parsed?.root ?? null;
    if (analysis.kind !== 'InterfaceContract' || !root) return;
    const model = contractModel(analysis.parsed!.value);
    const label = vscode.workspace.asRelativePath(uri);
    let file = this.controller.items.get(uri.toString());
    if (!file) {
      file = this.controller.createTestItem(uri.toString(), label, uri);
      this.controller.items.add(file);
    }
    const index = new LineIndex(text);
    const doc = {
      positionAt: (o: number) => {
        const p = index.positionAt(o);
        return new vscode.Position(p.line, p.character);
      },
    } as vscode.TextDocument;
    const children: vscode.TestItem[] = [];
    model.tests.forEach((t, i) => {
      if (!t.id) return;
      if (t.inputs && t.baseline) this.recordable.add(`${uri.toString()}#${t.id}`);
      const item = this.controller.createTestItem(`${uri.toString()}#${t.id}`, t.id, uri);
      const span = locate(root, ['tests', i]).node;
      if (span) item.range = range(doc, span);
      if (t.description) item.description = t.description;
      children.push(item);
    });
    file.children.replace(children);
    this.lensChanged.fire();
  }

  // ---- running ---------------------------------------------------------------------------

  /** Runs a request the way the Test Explorer does; resolves with what was reported. */
  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<RunRecord[]> {
    const run = this.controller.createTestRun(request, 'Rollback Lens contract tests', true);
    const records: RunRecord[] = [];
    const queue: vscode.TestItem[] = [];
    const add = (item: vscode.TestItem) => {
      if (request.exclude?.some((x) => x.id === item.id)) return;
      if (item.children.size) item.children.forEach(add);
      else if (item.id.includes('#')) queue.push(item);
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);
    try {
      if (!vscode.workspace.isTrusted) {
        for (const item of queue) {
          run.skipped(item);
          run.appendOutput(`${item.label}: ${UNTRUSTED}\r\n`);
          records.push({ itemId: item.id, state: 'skipped', messages: [UNTRUSTED] });
        }
        void vscode.window.showWarningMessage(UNTRUSTED);
        return records;
      }
      // one run per contract file, with the tests asked for
      const byFile = new Map<string, vscode.TestItem[]>();
      for (const item of queue) {
        const key = item.uri!.toString();
        (byFile.get(key) ?? byFile.set(key, []).get(key)!).push(item);
      }
      for (const [, items] of byFile) {
        if (token.isCancellationRequested) break;
        const uri = items[0]!.uri!;
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        for (const item of items) run.started(item);
        const workspace = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
        const s = this.settings();
        this.log.info(`running ${items.map((i) => i.label).join(', ')} of ${vscode.workspace.asRelativePath(uri)}`);
        let report: ContractReport | undefined;
        try {
          report = await runContractTestsInWorker(this.workerPath, uri.fsPath, {
            workspace,
            testIds: items.map((i) => i.label),
            signal: controller.signal,
            ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
            ...(s.concurrency ? { concurrency: s.concurrency } : {}),
            onProgress: (e) => e.phase === 'outputs' && run.appendOutput(`${e.testId}: ${e.rows} outputs\r\n`),
          });
        } catch (e) {
          for (const item of items) {
            const message = (e as Error).message;
            run.errored(item, new vscode.TestMessage(message));
            records.push({ itemId: item.id, state: 'errored', messages: [message] });
          }
          this.log.error(`${vscode.workspace.asRelativePath(uri)}: ${(e as Error).message}`);
          continue;
        } finally {
          sub.dispose();
        }
        await this.recordRun(workspace, uri.fsPath, report);
        for (const item of items) {
          const t = report.tests.find((x) => x.testId === item.label);
          if (!t) {
            run.skipped(item);
            records.push({ itemId: item.id, state: 'skipped', messages: ['cancelled'] });
            continue;
          }
          this.lastReports.set(item.id, t);
          records.push(await this.report(run, item, uri, t));
        }
      }
    } finally {
      run.end();
      this.updateStatus();
      this.lensChanged.fire();
      this.finished.fire(records);
    }
    return records;
  }

  /** Every run leaves a record in the workspace's audit log, as from the CLI. */
  private async recordRun(workspace: string, file: string, report: ContractReport): Promise<void> {
    try {
      await appendAuditRecord(workspace, contractTestRecord(file, report));
    } catch (e) {
      this.log.warn(`could not record the contract test in the audit log: ${(e as Error).message}`);
    }
  }

  private async report(run: vscode.TestRun, item: vscode.TestItem, uri: vscode.Uri, t: TestReport): Promise<RunRecord> {
    const duration = t.durationMs;
    this.log.info(`${item.label}: ${t.verdict}${t.reason ? ` — ${t.reason}` : ''}`);
    if (t.verdict === 'pass') {
      run.passed(item, duration);
      return { itemId: item.id, state: 'passed', messages: [], report: t };
    }
    if (t.verdict === 'error') {
      const m = new vscode.TestMessage(t.reason ?? 'error');
      if (item.range) m.location = new vscode.Location(uri, item.range);
      run.errored(item, m, duration);
      return { itemId: item.id, state: 'errored', messages: [t.reason ?? 'error'], report: t };
    }
    const failing = t.rules.filter((r) => r.verdict === 'fail');
    const where = await this.ruleLocations(uri, item.label);
    const messages = failing.map((r) => {
      const m = r.threshold !== undefined && r.value !== undefined ? vscode.TestMessage.diff(r.message, expected(r), actual(r)) : new vscode.TestMessage(r.message);
      const loc = (r.field && where.get(`${r.kind === 'psi' || r.kind === 'ks' ? 'drift' : 'tolerance'}.${r.field}`)) ?? where.get('');
      if (loc) m.location = new vscode.Location(uri, loc);
      return m;
    });
    run.failed(item, messages, duration);
    const locations = messages.map((m) => (m.location ? `${m.location.range.start.line}:${m.location.range.start.character}` : ''));
    return { itemId: item.id, state: 'failed', messages: failing.map((r) => r.message), locations, report: t };
  }

  /** Where each rule lives in the contract: `tolerance.<field>`, `drift.<field>`, '' (the test). */
  private async ruleLocations(uri: vscode.Uri, testId: string): Promise<Map<string, vscode.Range>> {
    const out = new Map<string, vscode.Range>();
    const doc = await vscode.workspace.openTextDocument(uri);
    const analysis = analyze({ path: path.basename(uri.fsPath), text: doc.getText() });
    const root = analysis.parsed?.root ?? null;
    const model = analysis.parsed ? contractModel(analysis.parsed.value) : undefined;
    const i = model?.tests.findIndex((t) => t.id === testId) ?? -1;
    if (!root || i < 0) return out;
    const at = (p: PathSegment[]) => {
      const l = locate(root, p);
      return l.pair ? range(doc, l.pair.key) : l.node ? range(doc, l.node) : undefined;
    };
    const idRange = at(['tests', i, 'id']);
    if (idRange) out.set('', idRange);
    const t = model!.tests[i]!;
    for (const f of Object.keys(t.compare?.tolerance ?? {})) {
      const r = at(['tests', i, 'tolerance', f]);
      if (r) out.set(`tolerance.${f}`, r);
    }
    for (const f of Object.keys(t.compare?.drift ?? {})) {
      const r = at(['tests', i, 'drift', f]);
      if (r) out.set(`drift.${f}`, r);
    }
    return out;
  }

  /** The CodeLens command: the same run as the Test Explorer's, with a cancellable notification. */
  async runFromCommand(uriArg?: vscode.Uri | string, testId?: string): Promise<RunRecord[]> {
    const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : (uriArg ?? vscode.window.activeTextEditor?.document.uri);
    if (!uri) return [];
    if (!this.controller.items.get(uri.toString())) await this.discoverFile(uri);
    const file = this.controller.items.get(uri.toString());
    if (!file) {
      void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(uri)} has no contract tests`);
      return [];
    }
    const item = testId ? file.children.get(`${uri.toString()}#${testId}`) : file;
    if (!item) {
      void vscode.window.showErrorMessage(`no test \`${testId}\` in ${vscode.workspace.asRelativePath(uri)}`);
      return [];
    }
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Rollback Lens: ${testId ?? 'contract tests'}`, cancellable: true },
      (_progress, token) => this.run(new vscode.TestRunRequest([item]), token),
    );
  }

  /** Runs the source on the test's inputs and replaces its baseline (after asking). */
  async recordBaseline(uriArg: vscode.Uri | string, testId: string, version?: string): Promise<string | undefined> {
    const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : uriArg;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(UNTRUSTED);
      return undefined;
    }
    const workspace = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
    const contract = await loadContract(uri.fsPath, workspace);
    const test = contract.model.tests.find((t) => t.id === testId);
    if (!test?.inputs || !test.baseline || !contract.model.source) return undefined;
    // tests pass the version; a person is asked, and confirms the overwrite
    const modelVersion =
      version ??
      (await vscode.window.showInputBox({
        title: `Record the baseline of ${testId}`,
        prompt: `Outputs of the model the source runs now replace ${test.baseline}. Which model version is it?`,
        value: contract.model.modelVersion ?? '',
        ignoreFocusOut: true,
      }));
    if (!modelVersion) return undefined;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Rollback Lens: recording ${test.baseline}`, cancellable: true },
      async (_p, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const r = await recordBaseline({
            contractDir: contract.dir,
            test: { id: test.id, inputs: test.inputs!, baseline: test.baseline! },
            source: contract.model.source!,
            model: { name: contract.model.model ?? contract.model.name ?? 'model', version: modelVersion },
            toolVersion: this.toolVersion,
            signal: controller.signal,
          });
          const message = `recorded ${r.rows} outputs of ${r.meta.model} ${r.meta.version} into ${test.baseline}`;
          this.log.info(message);
          void vscode.window.showInformationMessage(`Rollback Lens: ${message}`);
          return message;
        } catch (e) {
          this.log.error(`record baseline ${testId}: ${(e as Error).message}`);
          void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    );
  }

  // ---- CodeLens and status bar -------------------------------------------------------------------

  private lenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const file = this.controller.items.get(doc.uri.toString());
    if (!file) {
      this.discoverText(doc.uri, doc.getText());
      return [];
    }
    const out: vscode.CodeLens[] = [];
    file.children.forEach((item) => {
      if (!item.range) return;
      const at = new vscode.Range(item.range.start, item.range.start);
      if (!vscode.workspace.isTrusted) {
        out.push(new vscode.CodeLens(at, { title: '$(lock) Run test — needs a trusted workspace', command: 'rollbackLens.explainRestricted', tooltip: UNTRUSTED }));
        return;
      }
      out.push(new vscode.CodeLens(at, { title: '$(play) Run test', command: 'rollbackLens.runContractTest', arguments: [doc.uri.toString(), item.label] }));
      if (this.recordable.has(item.id)) {
        out.push(new vscode.CodeLens(at, { title: '$(record) Record baseline', command: 'rollbackLens.recordBaseline', arguments: [doc.uri.toString(), item.label] }));
      }
      const last = this.lastReports.get(item.id);
      if (last) out.push(new vscode.CodeLens(at, { title: verdictTitle(last), command: 'testing.showMostRecentOutput' }));
      if (last && last.counts.matched > 0) out.push(new vscode.CodeLens(at, { title: '$(diff) Open diff', command: 'rollbackLens.openDiff', arguments: [doc.uri.toString(), item.label], tooltip: 'Baseline against current outputs, row by row' }));
    });
    return out;
  }

  private updateStatus(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const file = doc && this.controller.items.get(doc.uri.toString());
    const reports: TestReport[] = [];
    file?.children.forEach((c) => {
      const r = this.lastReports.get(c.id);
      if (r) reports.push(r);
    });
    if (!reports.length) {
      this.statusBar.hide();
      return;
    }
    const failed = reports.filter((r) => r.verdict !== 'pass');
    this.statusBar.text = failed.length ? `$(error) ${failed.map((r) => r.testId).join(', ')} ${failed.some((r) => r.verdict === 'error') ? 'error' : 'failed'}` : `$(pass) ${reports.length} contract test${reports.length === 1 ? '' : 's'} passed`;
    this.statusBar.tooltip = reports.map((r) => `${r.testId}: ${r.verdict}`).join('\n');
    this.statusBar.command = 'workbench.view.testing.focus';
    this.statusBar.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function verdictTitle(t: TestReport): string {
  if (t.verdict === 'pass') return '$(pass) passed';
  if (t.verdict === 'error') return `$(warning) error: ${t.reason ?? ''}`.slice(0, 80);
  const failing = t.rules.filter((r) => r.verdict === 'fail').map((r) => r.id);
  return `$(error) failed: ${failing.join(', ')}`;
}

function expected(r: RuleResult): string {
  const op = r.kind === 'agreement' ? '≥' : '≤';
  return `${r.id} ${op} ${num(r.threshold!)}`;
}

function actual(r: RuleResult): string {
  const what = r.kind === 'abs' ? 'max |Δ|' : r.kind === 'agreement' ? 'agreement' : r.kind.toUpperCase();
  return `${r.id}: ${what} ${num(r.value!)}${r.violations ? ` (${r.violations} rows outside)` : ''}`;
}
