// Contract tests in the editor, wired: every test of every contract in the
// workspace as a TestItem (tree.ts: discovered by the language worker, updated
// on change and on file events), a run profile and the CodeLens command that
// start the same runs (run.ts), the lenses (lenses.ts), the status-bar verdict
// of the active contract (statusBar.ts) and baseline recording (baseline.ts).
// Running anything needs a trusted workspace. This file only connects them
// and is the API the diff view and the integration tests use.
import * as vscode from 'vscode';
import type { TestReport } from '../../core/contract/report';
import type { LanguageClient } from '../../node/language/client';
import { recordBaseline } from './baseline';
import { ContractLenses } from './lenses';
import { ContractRuns, LastReports, type RunRecord } from './run';
import { CONTRACT_GLOB, UNTRUSTED } from './shared';
import { ContractStatusBar } from './statusBar';
import { ContractTree } from './tree';

export type { RunRecord } from './run';
export { CONTRACT_GLOB } from './shared';

export class ContractTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('rollbackLens.contracts', 'Rollback Lens contracts');
  private readonly disposables: vscode.Disposable[] = [];
  private readonly reports = new LastReports();
  private readonly tree: ContractTree;
  private readonly runs: ContractRuns;
  private readonly lenses: ContractLenses;
  /** Fires after every run with what was reported to the Test Explorer. */
  readonly onDidFinishRun: vscode.Event<RunRecord[]>;

  constructor(
    client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
    settings: () => { timeoutMs?: number; concurrency?: number },
    private readonly toolVersion: string,
    /** dist/contract-worker.js: runs execute there, off the extension host's thread. */
    workerPath: string,
  ) {
    this.tree = new ContractTree(this.controller, client, log);
    this.runs = new ContractRuns(this.controller, this.tree, this.reports, log, settings, workerPath);
    this.onDidFinishRun = this.runs.onDidFinishRun;
    const lenses = (this.lenses = new ContractLenses(this.tree, this.reports));
    const statusBar = new ContractStatusBar(this.tree, this.reports);
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discoverAll();
    };
    this.controller.refreshHandler = () => this.discoverAll();
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, async (req, token) => void (await this.run(req, token)), true);
    const watcher = vscode.workspace.createFileSystemWatcher(CONTRACT_GLOB);
    this.disposables.push(
      this.controller,
      watcher,
      this.tree,
      this.runs,
      lenses,
      statusBar,
      // before any other listener: a run's verdicts are on screen when it is reported finished
      this.runs.onDidFinishRun(() => {
        statusBar.update();
        lenses.refresh();
      }),
      this.tree.onDidChange(() => lenses.refresh()),
      watcher.onDidCreate((u) => void this.tree.discoverFile(u)),
      watcher.onDidChange((u) => void this.tree.discoverFile(u)),
      watcher.onDidDelete((u) => this.tree.forget(u)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === 'rollback-contract') void this.tree.discoverDocument(e.document);
      }),
      vscode.languages.registerCodeLensProvider({ language: 'rollback-contract' }, lenses),
      vscode.commands.registerCommand('rollbackLens.runContractTest', (uri?: vscode.Uri | string, testId?: string) => this.runFromCommand(uri, testId)),
      vscode.commands.registerCommand('rollbackLens.recordBaseline', (uri: vscode.Uri | string, testId: string, version?: string, confirmed?: boolean) => this.recordBaseline(uri, testId, version, confirmed)),
      vscode.commands.registerCommand('rollbackLens.explainRestricted', () => vscode.window.showInformationMessage(UNTRUSTED, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'))),
      vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()),
    );
    void this.discoverAll();
  }

  /** The report of the last run of a contract's test (the diff view opens it). */
  lastReport(contract: vscode.Uri, testId: string): TestReport | undefined {
    return this.reports.get(contract, testId);
  }

  /** Which contract and test an item of this controller is (undefined for a file item or another controller's). */
  testOf(item: vscode.TestItem): { uri: vscode.Uri; testId: string } | undefined {
    const data = this.tree.dataOf(item);
    return data?.kind === 'test' ? { uri: data.uri, testId: data.testId } : undefined;
  }

  discoverAll(): Promise<void> {
    return this.tree.discoverAll();
  }

  /** The contract's tests as children of its file item, with their ranges, from this text. */
  discoverText(uri: vscode.Uri, text: string): Promise<void> {
    return this.tree.discoverText(uri, text);
  }

  /** Runs a request the way the Test Explorer does; resolves with what was reported. */
  run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<RunRecord[]> {
    return this.runs.run(request, token);
  }

  /** The CodeLens command: the same run as the Test Explorer's, with a cancellable notification. */
  async runFromCommand(uriArg?: vscode.Uri | string, testId?: string): Promise<RunRecord[]> {
    const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : (uriArg ?? vscode.window.activeTextEditor?.document.uri);
    if (!uri) return [];
    if (!this.tree.file(uri)) await this.tree.discoverFile(uri);
    const file = this.tree.file(uri);
    if (!file) {
      void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(uri)} has no contract tests`);
      return [];
    }
    const item = testId ? this.tree.test(uri, testId) : file;
    if (!item) {
      void vscode.window.showErrorMessage(`no test \`${testId}\` in ${vscode.workspace.asRelativePath(uri)}`);
      return [];
    }
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Rollback Lens: ${testId ?? 'contract tests'}`, cancellable: true },
      (_progress, token) => this.run(new vscode.TestRunRequest([item]), token),
    );
  }

  /**
   * Runs the source on the test's inputs and replaces its baseline (after
   * asking). A replaced baseline makes the test's last result stale: its
   * verdict lens goes and the Test Explorer marks it outdated.
   */
  async recordBaseline(uriArg: vscode.Uri | string, testId: string, version?: string, confirmed?: boolean): Promise<string | undefined> {
    const said = await recordBaseline(this.log, this.toolVersion, uriArg, testId, version, confirmed);
    if (said) {
      const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : uriArg;
      this.reports.delete(uri, testId);
      const item = this.tree.test(uri, testId);
      if (item) this.controller.invalidateTestResults(item);
      this.lenses.refresh();
    }
    return said;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
