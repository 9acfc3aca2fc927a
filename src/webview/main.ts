// The diff view, in the webview: the page and its messages. The host sends
// the report (init), the row index's state (index), pages of rows (rows) and
// errors; the page renders the header and summary (summary.ts), the fields
// (fields.ts) and the rows (rows.ts), and posts back ready, painted, rows
// requests and open. It owns the state the rows view reads through its
// RowsContext, and what survives hiding the panel and a restart (ViewState,
// kept with vscode.setState together with the host's restore token).
// Every value that came from a file is set with textContent or as an SVG
// attribute value, never parsed as HTML (dom.ts). No inline styles:
// positions are set through the CSSOM, colours come from the stylesheet's
// --vscode-* variables.
import type { TestReport } from '../core/contract/report';
import { DEFAULT_QUERY, type HostMessage, type IndexState, type RowQuery, type WebviewMessage } from '../core/diff/protocol';
import { h } from './dom';
import { fieldsSection } from './fields';
import { RowsView, type RowsContext } from './rows';
import { header, indexText, summary } from './summary';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives hiding the panel and a restart (with the host's restore token). */
export interface ViewState {
  query: RowQuery;
  scrollTop: number;
  activeIndex: number;
  /** Set by the host in init; the serializer reads it back. */
  restore?: unknown;
}

const vscode = acquireVsCodeApi();
const saved = (vscode.getState() ?? {}) as Partial<ViewState>;
let restoreToken: unknown = saved.restore;
let report: TestReport | undefined;
let origin = '';

const ctx: RowsContext = {
  query: { ...DEFAULT_QUERY, ...(saved.query ?? {}) },
  index: { state: 'none', reason: '' },
  canOpen: false,
  post: (m) => vscode.postMessage(m),
  save(scrollTop, activeIndex) {
    const st: ViewState = { query: ctx.query, scrollTop, activeIndex, ...(restoreToken !== undefined ? { restore: restoreToken } : {}) };
    vscode.setState(st);
  },
};

const app = document.getElementById('app')!;
const indexLine = h('p', { class: 'index-state', id: 'index-state', 'aria-live': 'polite' });
let rowsView: RowsView | undefined;

function render(r: TestReport): void {
  updateIndexLine();
  app.replaceChildren();
  app.removeAttribute('aria-busy');
  app.append(header(r, origin, indexLine), summary(r), fieldsSection(r));
  rowsView = new RowsView(r, ctx, saved);
  app.append(rowsView.root);
  ctx.post({ type: 'painted', what: 'summary', rows: 0 });
  rowsView.start();
}

function updateIndexLine(): void {
  indexLine.dataset.state = ctx.index.state;
  indexLine.textContent = indexText(ctx.index);
}

window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
  const m = e.data;
  if (!m || typeof m !== 'object') return;
  switch (m.type) {
    case 'init': {
      const first = report === undefined;
      report = m.report;
      ctx.canOpen = m.canOpen;
      origin = m.origin;
      if (m.restore !== undefined) restoreToken = m.restore;
      if (first || !rowsView) render(report);
      rowsView?.saveState();
      break;
    }
    case 'index': {
      const { type: _t, ...rest } = m;
      void _t;
      ctx.index = rest as IndexState;
      updateIndexLine();
      rowsView?.onIndex();
      break;
    }
    case 'rows':
      rowsView?.onRows(m);
      break;
    case 'error': {
      const el = document.getElementById('rows-status');
      if (el) el.textContent = `Error: ${m.message}`;
      break;
    }
  }
});

ctx.post({ type: 'ready' });
