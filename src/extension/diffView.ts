// The diff view in VS Code: a webview panel per report (from a contract
// test's CodeLens or Test Explorer item after a run, or from a saved report
// JSON), a serializer that restores it after a restart, and opening a row in
// VS Code's own diff editor (its baseline and current lines formatted, the
// row's input beside them; src/node/diff/rowTexts.ts). Each panel's listeners belong to its DiffPanel
// (diffPanel.ts); the view-wide list holds only the commands and serializer. The page, the paging and the row index live in
// src/webview and src/node/diff; this file only wires them to the editor.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestReport } from '../core/contract/report';
import { diffViewHtml } from '../core/diff/html';
import type { IndexState, WebviewMessage } from '../core/diff/protocol';
import { keepReport } from '../node/diff/keptOutputs';
import { workerRows } from '../node/diff/rows';
import { DiffSession, readReportFile, resolveRowFiles, rootsFor, type RowFiles } from '../node/diff/session';
import { rowTexts } from '../node/diff/rowTexts';
import { DiffPanel } from './diffPanel';

export const DIFF_VIEW_TYPE = 'rollbackLens.diff';

/** What the webview keeps in its state so the serializer can reopen the report. */
interface RestoreToken {
  reportFile: string;
  testId: string;
}

/** An open diff view, as tests see it. */
export interface DiffHandle {
  panel: vscode.WebviewPanel;
  report: TestReport;
  files: RowFiles;
  /** Resolves when the row index is ready (or failed, or there is none). */
  indexed: Promise<IndexState>;
  /** Handles a message as if the webview had sent it; resolves when it was acted on. */
  receive(m: WebviewMessage): Promise<void>;
}

export class DiffViews implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly open = new Set<DiffHandle>();
  /** The texts the diff editor shows for opened rows, by their ROW_SCHEME uri (kept for the window's life: a few KB a row). */
  private readonly rowDocs = new Map<string, string>();
  private rowCount = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    /** The last report of a contract's test, from the contract tests. */
    private readonly lastReport: (contract: vscode.Uri, testId: string) => TestReport | undefined,
    /** Which contract and test a Test Explorer item is, from the contract tests. */
    private readonly testOf: (item: vscode.TestItem) => { uri: vscode.Uri; testId: string } | undefined,
  ) {
    this.disposables.push(
      vscode.commands.registerCommand('rollbackLens.openDiff', (arg?: vscode.Uri | string | vscode.TestItem, testId?: string) => this.openFromRun(arg, testId)),
      vscode.commands.registerCommand('rollbackLens.openReport', (uri?: vscode.Uri, testId?: string) => this.openReportFile(uri, testId)),
      vscode.window.registerWebviewPanelSerializer(DIFF_VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => this.restore(panel, state) }),
      vscode.workspace.registerTextDocumentContentProvider(ROW_SCHEME, { provideTextDocumentContent: (u) => this.rowDocs.get(u.toString()) ?? '' }),
    );
  }

  /** The diff of the last run of a test (CodeLens: contract uri and test id; Test Explorer: the item). */
  async openFromRun(arg?: vscode.Uri | string | vscode.TestItem, testIdArg?: string): Promise<DiffHandle | undefined> {
    let uri: vscode.Uri | undefined;
    let testId = testIdArg;
    if (arg && typeof arg === 'object' && 'id' in arg && 'children' in arg) {
      const test = this.testOf(arg);
      uri = test?.uri;
      testId = test?.testId;
    } else uri = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg;
    if (!uri || !testId) return undefined;
    const report = this.lastReport(uri, testId);
    if (!report) {
      void vscode.window.showInformationMessage(`Rollback Lens: run \`${testId}\` first; its diff opens from the run's report.`);
      return undefined;
    }
    const workspace = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
    let reportFile: string | undefined;
    try {
      reportFile = await keepReport(workspace, report);
    } catch (e) {
      this.log.warn(`could not keep the report for restoring the diff view: ${(e as Error).message}`);
    }
    const panel = this.createPanel(report);
    return this.setup(panel, report, { origin: `last run, ${report.startedAt ?? ''}`.replace(/, $/, ''), roots: [workspace, ...this.folders()], ...(reportFile ? { restore: { reportFile, testId } } : {}) });
  }

  /** A saved report (`rollback-lens test --format json --out file`): asks for the file and, with several tests, which one. */
  async openReportFile(uri?: vscode.Uri, testId?: string): Promise<DiffHandle | undefined> {
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Contract test report': ['json'] }, title: 'Open a contract-test report' });
      uri = picked?.[0];
      if (!uri) return undefined;
    }
    let tests: TestReport[];
    try {
      tests = await readReportFile(uri.fsPath);
    } catch (e) {
      void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
      return undefined;
    }
    let report = testId ? tests.find((t) => t.testId === testId) : tests.length === 1 ? tests[0] : undefined;
    if (!report && !testId && tests.length > 1) {
      const pick = await vscode.window.showQuickPick(
        tests.map((t) => ({ label: t.testId, description: `${t.verdict} — ${t.counts.matched} rows matched`, t })),
        { title: `Which test of ${path.basename(uri.fsPath)}?` },
      );
      report = pick?.t;
    }
    if (!report) {
      if (testId) void vscode.window.showErrorMessage(`Rollback Lens: ${path.basename(uri.fsPath)} has no test \`${testId}\``);
      return undefined;
    }
    const panel = this.createPanel(report);
    return this.setup(panel, report, { origin: vscode.workspace.asRelativePath(uri), roots: rootsFor(uri.fsPath, this.folders()), restore: { reportFile: uri.fsPath, testId: report.testId } });
  }

  private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const token = (state as { restore?: Partial<RestoreToken> } | undefined)?.restore;
    try {
      if (typeof token?.reportFile !== 'string' || typeof token.testId !== 'string') throw new Error('nothing to restore');
      const report = (await readReportFile(token.reportFile)).find((t) => t.testId === token.testId);
      if (!report) throw new Error(`no test \`${token.testId}\` in ${token.reportFile}`);
      await this.setup(panel, report, { origin: vscode.workspace.asRelativePath(token.reportFile), roots: rootsFor(token.reportFile, this.folders()), restore: token as RestoreToken });
    } catch (e) {
      this.log.info(`diff view not restored: ${(e as Error).message}`);
      panel.dispose();
    }
  }

  private folders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  }

  private createPanel(report: TestReport): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(DIFF_VIEW_TYPE, title(report), vscode.ViewColumn.Active, {});
  }

  private setup(panel: vscode.WebviewPanel, report: TestReport, o: { origin: string; roots: string[]; restore?: RestoreToken }): DiffHandle {
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    // scripts on, and only media/ readable; no retainContextWhenHidden: the webview keeps its state with setState
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.title = title(report);
    const files = resolveRowFiles(report, o.roots);
    const rows = 'reason' in files ? files : workerRows(path.join(this.context.extensionPath, 'dist', 'diff-worker.js'), files.spec, files.files);
    let indexed!: (s: IndexState) => void;
    const indexedP = new Promise<IndexState>((r) => (indexed = r));
    if ('reason' in files) indexed({ state: 'none', reason: files.reason });
    const session = new DiffSession({
      report,
      title: title(report),
      origin: o.origin,
      // rows of a table (CSV, Parquet, JSON array) are not lines an editor can open at
      canOpen: !('reason' in files) && !report.units?.baseline && !report.units?.current,
      rows,
      post: (m) => panel.webview.postMessage(o.restore && m.type === 'init' ? { ...m, restore: o.restore } : m),
      onIndexState: (s) => {
        if (s.state !== 'building') indexed(s);
        if (s.state === 'error') this.log.error(`diff view of ${report.testId}: ${s.message}`);
      },
    });
    const receive = async (raw: unknown) => {
      const m = await session.handle(raw);
      if (m?.type === 'open' && !('reason' in files)) await this.openRow(files, m, panel.viewColumn ?? vscode.ViewColumn.One);
    };
    const handle: DiffHandle = { panel, report, files, indexed: indexedP, receive };
    this.open.add(handle);
    // the panel's listeners are its own, gone when it closes
    new DiffPanel(panel, {
      onMessage: (m) => void receive(m).catch((e: Error) => this.log.error(`diff view: ${e.message}`)),
      onDispose: () => {
        this.open.delete(handle);
        void session.dispose();
      },
    });
    panel.webview.html = diffViewHtml({
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(16).toString('hex'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'diffview.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'diffview-style.css')).toString(),
      title: title(report),
    });
    return handle;
  }

  /**
   * A row opened from the diff view: VS Code's own diff editor on the row's baseline and current
   * lines (formatted, keys sorted, so a differing field is a changed line), right of the diff view,
   * and the row's input beside it.
   */
  private async openRow(files: Exclude<RowFiles, { reason: string }>, m: { key: string; baselineLine: number; currentLine: number }, panelColumn: vscode.ViewColumn): Promise<void> {
    const t = await rowTexts({ ...files.files, ...(files.inputs ? { inputs: files.inputs } : {}) }, { ...m, keyField: files.spec.key });
    const n = ++this.rowCount;
    const uri = (name: string, text: string): vscode.Uri => {
      const u = vscode.Uri.from({ scheme: ROW_SCHEME, path: `/${n}/${name}` });
      this.rowDocs.set(u.toString(), text);
      return u;
    };
    const left = uri(`${m.key} baseline line ${m.baselineLine}.json`, t.baseline);
    const right = uri(`${m.key} current line ${m.currentLine}.json`, t.current);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${m.key}: baseline line ${m.baselineLine} ↔ current line ${m.currentLine}`, { viewColumn: panelColumn + 1, preview: true, preserveFocus: true });
    if (t.input !== undefined) {
      const doc = await vscode.workspace.openTextDocument(uri(`${m.key} input.json`, t.input));
      await vscode.window.showTextDocument(doc, { viewColumn: panelColumn + 2, preview: true, preserveFocus: true });
    }
  }

  dispose(): void {
    for (const h of this.open) h.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function title(r: TestReport): string {
  return `Diff: ${r.testId} (${r.verdict})`;
}

/** Where a row's formatted lines live while VS Code's diff editor shows them: `rollback-lens-row:/<n>/<name>`. */
export const ROW_SCHEME = 'rollback-lens-row';
