// The readiness review in the editor: the command "Rollback Lens: Show
// Readiness Review" opens one webview panel (ReviewPanel; shown again, not
// duplicated, when the command runs again) with the same page as
// `rollback-lens review --format html` (src/core/review/html.ts) over the
// first workspace folder's audit log and runbooks (src/node/review), the
// period the setting rollbackLens.review.since gives (default 90d). The
// diff view's rules: a fresh nonce per load, a CSP allowing only that nonce's
// stylesheet and script (media/review.js, which keeps the period in the
// webview's state), nothing else readable but media/, colours from VS Code's
// theme variables; a serializer reopens the panel after a restart. It only
// reads files: it works in Restricted Mode. The panel's listeners are its
// own and disposed with it; the panel re-renders when the audit log changes.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reviewHtml } from '../core/review/html';
import type { Review } from '../core/review/review';
import { parseDuration } from '../core/util/values';
import { calendarClockOrReal } from '../node/clock';
import { loadReview } from '../node/review';

export const REVIEW_VIEW_TYPE = 'rollbackLens.review';
const DEFAULT_SINCE = '90d';

/** One open review panel and the listeners it owns. */
export class ReviewPanel {
  private readonly disposables: vscode.Disposable[] = [];
  /** The review now shown (for tests). */
  review: Review | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly media: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    onDispose: () => void,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.webview.onDidReceiveMessage(() => undefined, undefined, this.disposables);
    panel.onDidDispose(
      () => {
        for (const d of this.disposables.splice(0)) d.dispose();
        onDispose();
      },
      undefined,
      this.disposables,
    );
  }

  /** Reads the log and the runbooks again and shows the page. */
  async render(workspace: string | undefined, since: string): Promise<void> {
    const w = this.panel.webview;
    const nonce = randomBytes(16).toString('hex');
    const script = { src: w.asWebviewUri(vscode.Uri.joinPath(this.media, 'review.js')).toString(), nonce, cspSource: w.cspSource };
    if (!workspace) {
      w.html = `<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>Open a folder: the readiness review reads its audit log (.rollback-lens/audit.jsonl).</p></body></html>`;
      return;
    }
    const period = parseDuration(since);
    const sinceMs = period.ok && period.value > 0 ? period.value : 90 * 86_400_000;
    try {
      const loaded = await loadReview({ workspace, now: calendarClockOrReal()(), sinceMs });
      this.review = loaded.review;
      w.html = reviewHtml(loaded.review, { title: path.basename(workspace), styleSrc: `'nonce-${nonce}'`, styleNonce: nonce, script, state: since });
    } catch (e) {
      this.log.error(`readiness review: ${(e as Error).message}`);
      this.review = undefined;
      const msg = (e as Error).message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      w.html = `<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>The readiness review could not be read: ${msg}</p></body></html>`;
    }
  }
}

/** The command, the serializer and the one panel. */
export class ReadinessReviews implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private current: ReviewPanel | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    /** Fire when the audit log changes. */
    auditChanged: Array<vscode.Event<unknown>>,
  ) {
    this.disposables.push(
      vscode.commands.registerCommand('rollbackLens.showReview', () => this.show()),
      vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => this.restore(panel, state) }),
      ...auditChanged.map((e) => e(() => void this.current?.render(this.workspace(), this.since()))),
    );
  }

  /** The panel shown, once its page is rendered. */
  async show(): Promise<ReviewPanel> {
    if (this.current) {
      this.current.panel.reveal();
    } else {
      const panel = vscode.window.createWebviewPanel(REVIEW_VIEW_TYPE, 'Readiness Review', vscode.ViewColumn.Active, {});
      this.current = this.adopt(panel);
    }
    await this.current.render(this.workspace(), this.since());
    return this.current;
  }

  private adopt(panel: vscode.WebviewPanel): ReviewPanel {
    const p: ReviewPanel = new ReviewPanel(panel, vscode.Uri.joinPath(this.context.extensionUri, 'media'), this.log, () => {
      if (this.current === p) this.current = undefined;
    });
    return p;
  }

  private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (this.current) {
      panel.dispose();
      return;
    }
    this.current = this.adopt(panel);
    const saved = (state as { review?: unknown } | undefined)?.review;
    await this.current.render(this.workspace(), typeof saved === 'string' ? saved : this.since());
  }

  private workspace(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  private since(): string {
    return vscode.workspace.getConfiguration('rollbackLens').get<string>('review.since', DEFAULT_SINCE) || DEFAULT_SINCE;
  }

  dispose(): void {
    this.current?.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
