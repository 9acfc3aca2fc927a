// Running contract tests from the editor: a Test Explorer request (or the
// CodeLens command's) becomes one run per contract file in the contract
// worker, off the extension host's thread, with progress and cancellation
// (cancel kills the model's process tree). Each test's verdict goes to the
// Test Explorer (a failure with its numbers and the key of the rule it broke)
// and into the last reports the lenses, status bar and diff view show; every
// run leaves a record in the workspace's audit log. Nothing runs untrusted.
// Which test an item is comes from the tree's WeakMap, not its id string.
import { contractReportText } from '../../core/contract/text';
import * as vscode from 'vscode';
import { measured } from '../../core/util/number';
import type { ContractReport, RuleResult, TestReport } from '../../core/contract/report';
import { appendAuditRecord } from '../../node/audit';
import { runContractTestsInWorker } from '../../node/contract/runner';
import { contractTestRecord } from '../../node/contract/records';
import { UNTRUSTED, workspaceOf } from './shared';
import type { ContractTree } from './tree';

export interface RunRecord {
  itemId: string;
  state: 'passed' | 'failed' | 'errored' | 'skipped';
  messages: string[];
  /** Where each message points in the contract, `line:character` (0-based). */
  locations?: string[];
  report?: TestReport;
  /** The report text the run appended to the Test Results output (the CLI's text for the same run). */
  output?: string;
}

/** The report of each test's last run, per contract. */
export class LastReports {
  private readonly byContract = new Map<string, Map<string, TestReport>>();

  get(contract: vscode.Uri, testId: string): TestReport | undefined {
    return this.byContract.get(contract.toString())?.get(testId);
  }

  set(contract: vscode.Uri, testId: string, report: TestReport): void {
    const key = contract.toString();
    (this.byContract.get(key) ?? this.byContract.set(key, new Map()).get(key)!).set(testId, report);
  }

  /** Forgets the test's last report (its baseline was replaced, so the verdict no longer holds). */
  delete(contract: vscode.Uri, testId: string): void {
    this.byContract.get(contract.toString())?.delete(testId);
  }
}

export class ContractRuns implements vscode.Disposable {
  private readonly finished = new vscode.EventEmitter<RunRecord[]>();
  /** Fires after every run with what was reported to the Test Explorer. */
  readonly onDidFinishRun = this.finished.event;

  constructor(
    private readonly controller: vscode.TestController,
    private readonly tree: ContractTree,
    private readonly reports: LastReports,
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => { timeoutMs?: number; concurrency?: number; formats?: boolean },
    /** dist/contract-worker.js: runs execute there, off the extension host's thread. */
    private readonly workerPath: string,
  ) {}

  /** Runs a request the way the Test Explorer does; resolves with what was reported. */
  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<RunRecord[]> {
    const run = this.controller.createTestRun(request, 'Rollback Lens contract tests', true);
    const records: RunRecord[] = [];
    const queue: vscode.TestItem[] = [];
    // one run per contract file, with the tests asked for
    const byFile = new Map<string, { uri: vscode.Uri; tests: Array<{ item: vscode.TestItem; testId: string }> }>();
    const add = (item: vscode.TestItem) => {
      if (request.exclude?.some((x) => x.id === item.id)) return;
      const data = this.tree.dataOf(item);
      if (data?.kind === 'test') {
        queue.push(item);
        const key = data.uri.toString();
        (byFile.get(key) ?? byFile.set(key, { uri: data.uri, tests: [] }).get(key)!).tests.push({ item, testId: data.testId });
      } else item.children.forEach(add);
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
      for (const { uri, tests } of byFile.values()) {
        if (token.isCancellationRequested) break;
        await this.runFile(run, uri, tests, token, records);
      }
    } finally {
      run.end();
      this.finished.fire(records);
    }
    return records;
  }

  private async runFile(run: vscode.TestRun, uri: vscode.Uri, tests: Array<{ item: vscode.TestItem; testId: string }>, token: vscode.CancellationToken, records: RunRecord[]): Promise<void> {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    for (const { item } of tests) run.started(item);
    const workspace = workspaceOf(uri);
    const s = this.settings();
    this.log.info(`running ${tests.map((t) => t.testId).join(', ')} of ${vscode.workspace.asRelativePath(uri)}`);
    let report: ContractReport;
    try {
      report = await runContractTestsInWorker(this.workerPath, uri.fsPath, {
        workspace,
        testIds: tests.map((t) => t.testId),
        signal: controller.signal,
        ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
        ...(s.concurrency ? { concurrency: s.concurrency } : {}),
        ...(s.formats === false ? { formats: false } : {}),
        onProgress: (e) => e.phase === 'outputs' && run.appendOutput(`${e.testId}: ${e.rows} outputs\r\n`),
      });
    } catch (e) {
      for (const { item } of tests) {
        const message = (e as Error).message;
        run.errored(item, new vscode.TestMessage(message));
        records.push({ itemId: item.id, state: 'errored', messages: [message] });
      }
      this.log.error(`${vscode.workspace.asRelativePath(uri)}: ${(e as Error).message}`);
      return;
    } finally {
      sub.dispose();
    }
    await this.recordRun(workspace, uri.fsPath, report);
    // the Test Results output holds what `rollback-lens test` prints for the same run
    const text = contractReportText(report);
    run.appendOutput(`${text.replace(/\n/g, '\r\n')}\r\n`);
    const first = records.length;
    for (const { item, testId } of tests) {
      const t = report.tests.find((x) => x.testId === testId);
      if (!t) {
        run.skipped(item);
        records.push({ itemId: item.id, state: 'skipped', messages: ['cancelled'] });
        continue;
      }
      this.reports.set(uri, testId, t);
      records.push(await this.report(run, item, uri, t));
    }
    for (const r of records.slice(first)) r.output = text;
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
    this.log.info(`${t.testId}: ${t.verdict}${t.reason ? ` — ${t.reason}` : ''}`);
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
    const where = await this.tree.ruleLocations(uri, t.testId);
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

  dispose(): void {
    this.finished.dispose();
  }
}

function expected(r: RuleResult): string {
  const op = r.kind === 'agreement' ? '≥' : '≤';
  return `${r.id} ${op} ${measured(r.threshold!)}`;
}

function actual(r: RuleResult): string {
  const what = r.kind === 'abs' ? 'max |Δ|' : r.kind === 'agreement' ? 'agreement' : r.kind.toUpperCase();
  return `${r.id}: ${what} ${measured(r.value!)}${r.violations ? ` (${r.violations} rows outside)` : ''}`;
}
