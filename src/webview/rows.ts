// The rows of the diff view: a virtualized grid of baseline and current
// values per matched row (only the visible rows are in the DOM), with a
// field filter, "outside tolerance only", a key search and sorts. Until the
// host's row index is ready it shows the report's bounded sample of the worst
// rows, filtered and sorted here; then it asks the host for pages of 100 rows
// of the current query and drops answers to an older query. Past
// MAX_SPACER pixels the scroll position is scaled onto the rows, since
// browsers cap element heights. The arrow keys, Page Up/Down, Home and End
// move the active row; Enter or a click asks the host to open both lines.
// The page's state reaches it through a RowsContext (main.ts owns it): the
// query it edits, the index state and whether rows can be opened, and the
// way to post to the host and to save the view's state.
import type { OffendingRow, TestReport } from '../core/contract/report';
import type { DiffCell, DiffRow, HostMessage, IndexState, RowQuery, WebviewMessage } from '../core/diff/protocol';
import { plural } from '../core/util/plural';
import { h } from './dom';
import { fmt, show } from './format';

const ROW_HEIGHT = 24;
const PAGE = 100;
/** Largest height given to the scroll spacer; beyond it scrolling is scaled (browsers cap element heights). */
const MAX_SPACER = 4_000_000;

/** What the rows view shares with the page: main.ts sets index and canOpen from the host's messages; the view edits query. */
export interface RowsContext {
  query: RowQuery;
  index: IndexState;
  canOpen: boolean;
  post(m: WebviewMessage): void;
  /** Keeps the query and this scroll position and active row in the webview's state. */
  save(scrollTop: number, activeIndex: number): void;
}

/** The report's offending sample as rows (before the index is ready, or without one). */
export function sampleRows(r: TestReport): DiffRow[] {
  return r.offending.map(
    (o: OffendingRow, id): DiffRow => ({
      id,
      key: o.key,
      baselineLine: o.baselineLine,
      currentLine: o.currentLine,
      score: o.score,
      cells: o.fields.map((f): DiffCell => ({ field: f.field, baseline: f.baseline, current: f.current, ...(f.delta !== undefined ? { delta: f.delta } : {}), outside: true, rules: f.rules })),
    }),
  );
}

export class RowsView {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly status: HTMLElement;
  private readonly head: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly fields: string[];
  private total = 0;
  private activeIndex: number;
  /** Pages of the current query (index mode). */
  private pages = new Map<number, DiffRow[]>();
  private requested = new Set<number>();
  private nextRequest = 1;
  private pendingQuery = '';
  private local: DiffRow[] | undefined;
  private mode: 'sample' | 'index' = 'sample';
  private firstRowsPainted = false;
  private renderQueued = false;
  private restoredScroll: number;

  constructor(
    private readonly r: TestReport,
    private readonly ctx: RowsContext,
    start: { scrollTop?: number; activeIndex?: number },
  ) {
    this.activeIndex = start.activeIndex ?? 0;
    this.restoredScroll = start.scrollTop ?? 0;
    this.fields = r.fields.map((f) => f.field);
    const fieldSelect = h('select', { id: 'filter-field', 'aria-label': 'Field' }, h('option', { value: '' }, 'all fields'), ...this.fields.map((f) => h('option', { value: f }, f)));
    fieldSelect.value = this.fields.includes(this.ctx.query.field) ? this.ctx.query.field : '';
    const outside = h('input', { type: 'checkbox', id: 'filter-outside' });
    outside.checked = this.ctx.query.outsideOnly;
    const search = h('input', { type: 'search', id: 'filter-search', placeholder: 'search keys', 'aria-label': 'Search by key' });
    search.value = this.ctx.query.search;
    const sort = h('select', { id: 'sort', 'aria-label': 'Sort' });
    const sorts: Array<[string, string]> = [
      ['score:desc', 'outside tolerance first'],
      ['line:asc', 'current file order'],
      ['key:asc', 'key A→Z'],
      ['key:desc', 'key Z→A'],
      ...r.fields.filter((f) => f.kind === 'numeric').flatMap((f): Array<[string, string]> => [[`absdelta:${f.field}:desc`, `|Δ ${f.field}| largest first`], [`delta:${f.field}:asc`, `Δ ${f.field} ascending`], [`delta:${f.field}:desc`, `Δ ${f.field} descending`]]),
    ];
    for (const [v, label] of sorts) sort.append(h('option', { value: v }, label));
    sort.value = `${this.ctx.query.sort}:${this.ctx.query.desc ? 'desc' : 'asc'}`;
    if (!sort.value) sort.value = 'score:desc';
    fieldSelect.addEventListener('change', () => this.setQuery({ field: fieldSelect.value }));
    outside.addEventListener('change', () => this.setQuery({ outsideOnly: outside.checked }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.setQuery({ search: search.value.trim() }), 150);
    });
    sort.addEventListener('change', () => {
      const v = sort.value;
      const i = v.lastIndexOf(':');
      this.setQuery({ sort: v.slice(0, i) as RowQuery['sort'], desc: v.slice(i + 1) === 'desc' });
    });
    this.status = h('p', { class: 'rows-status', id: 'rows-status', 'aria-live': 'polite' });
    this.head = h('div', { class: 'grid-head', role: 'row' });
    this.spacer = h('div', { class: 'spacer' });
    this.layer = h('div', { class: 'layer', role: 'presentation' });
    this.body = h('div', { class: 'grid-body', id: 'rows-body', tabindex: '0', role: 'rowgroup', 'aria-label': 'Rows' }, this.spacer, this.layer);
    this.grid = h('div', { class: 'grid', role: 'grid', 'aria-label': 'Baseline and current values per row', id: 'rows-grid' }, this.head, this.body);
    this.root = h(
      'section',
      { class: 'rows', 'aria-label': 'Rows' },
      h('h2', {}, 'Rows'),
      h('div', { class: 'toolbar' }, h('label', {}, 'Field ', fieldSelect), h('label', {}, outside, ' outside tolerance only'), h('label', {}, 'Sort ', sort), search),
      this.status,
      this.grid,
    );
    this.body.addEventListener('scroll', () => {
      this.queueRender();
      this.saveState();
    });
    this.body.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => {
      const rowEl = (e.target as Element).closest<HTMLElement>('.row');
      if (!rowEl) return;
      this.activeIndex = Number(rowEl.dataset.index);
      this.open(this.rowAt(this.activeIndex));
      this.queueRender();
    });
    window.addEventListener('resize', () => this.queueRender());
  }

  start(): void {
    this.renderHead();
    this.onIndex();
  }

  /** What the numbers of a file count: JSONL lines, or the rows of a table (the report's `units`). */
  private unit(file: 'baseline' | 'current'): 'line' | 'row' {
    return this.r.units?.[file] ?? 'line';
  }

  private visibleFields(): string[] {
    return this.ctx.query.field ? [this.ctx.query.field] : this.fields;
  }

  private renderHead(): void {
    const [b, c] = [this.unit('baseline'), this.unit('current')];
    const cols = [h('span', { class: 'c key', role: 'columnheader' }, 'key'), h('span', { class: 'c line', role: 'columnheader' }, b === c ? `${b}s b / c` : `${b} / ${c}`)];
    for (const f of this.visibleFields()) {
      cols.push(h('span', { class: 'c val', role: 'columnheader' }, `${f} baseline`), h('span', { class: 'c val', role: 'columnheader' }, `${f} current`), h('span', { class: 'c delta', role: 'columnheader' }, 'Δ'));
    }
    this.head.replaceChildren(...cols);
    // the column count of the grid template, for any number of fields (CSSOM: allowed by the CSP)
    this.grid.style.setProperty('--cols', String(Math.max(1, this.visibleFields().length)));
  }

  /** The index changed state: switch from the report's sample to host pages when it is ready. */
  onIndex(): void {
    if (this.ctx.index.state === 'ready') {
      if (this.mode !== 'index') {
        this.mode = 'index';
        this.local = undefined;
        this.resetPages();
      }
    } else {
      this.mode = 'sample';
      this.applyLocal();
    }
    this.updateStatus();
    this.queueRender();
  }

  private setQuery(p: Partial<RowQuery>): void {
    this.ctx.query = { ...this.ctx.query, ...p };
    this.activeIndex = 0;
    this.body.scrollTop = 0;
    this.renderHead();
    if (this.mode === 'index') this.resetPages();
    else this.applyLocal();
    this.saveState();
    this.updateStatus();
    this.queueRender();
  }

  private applyLocal(): void {
    const q = this.ctx.query;
    let rows = sampleRows(this.r);
    if (q.field) rows = rows.filter((r) => !q.outsideOnly || r.cells.some((c) => c.field === q.field && c.outside));
    if (q.search) rows = rows.filter((r) => r.key.toLowerCase().includes(q.search.toLowerCase()));
    const sign = q.desc ? -1 : 1;
    const field = q.sort.includes(':') ? q.sort.slice(q.sort.indexOf(':') + 1) : '';
    const deltaOf = (r: DiffRow) => {
      const d = r.cells.find((c) => c.field === field)?.delta;
      return d === undefined ? NaN : q.sort.startsWith('abs') ? Math.abs(d) : d;
    };
    rows.sort((a, b) => {
      if (q.sort === 'score') return sign * (a.score - b.score) || a.id - b.id;
      if (q.sort === 'key') return sign * (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      if (q.sort === 'line') return sign * (a.currentLine - b.currentLine);
      const x = deltaOf(a);
      const y = deltaOf(b);
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
      if (Number.isNaN(y)) return -1;
      return sign * (x - y);
    });
    this.local = rows;
    this.total = rows.length;
  }

  private resetPages(): void {
    this.pages = new Map();
    this.requested = new Set();
    this.pendingQuery = JSON.stringify(this.ctx.query);
    this.total = -1; // unknown until the first page
    this.request(0);
  }

  private request(page: number): void {
    if (this.requested.has(page)) return;
    this.requested.add(page);
    this.ctx.post({ type: 'rows', requestId: this.nextRequest++, query: this.ctx.query, offset: page * PAGE, count: PAGE });
  }

  onRows(m: Extract<HostMessage, { type: 'rows' }>): void {
    if (JSON.stringify(m.query) !== this.pendingQuery || this.mode !== 'index') return; // a stale answer
    this.pages.set(Math.floor(m.offset / PAGE), m.rows);
    const first = this.total < 0;
    this.total = m.total;
    if (first) {
      this.updateStatus();
      if (this.restoredScroll) {
        this.geometry(); // sizes the spacer first, or the scroll position would be clamped
        this.body.scrollTop = this.restoredScroll;
        this.restoredScroll = 0;
      }
    }
    this.queueRender();
  }

  private rowAt(i: number): DiffRow | undefined {
    if (this.local) return this.local[i];
    return this.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  private updateStatus(): void {
    const q = this.ctx.query;
    const n = Math.max(0, this.total);
    const filters = [q.outsideOnly ? 'outside tolerance' : '', q.field ? `field ${q.field}` : '', q.search ? `key contains "${q.search}"` : ''].filter(Boolean).join(', ');
    if (this.mode === 'sample') {
      const why = this.ctx.index.state === 'building' ? 'every row appears when the row index is ready' : this.ctx.index.state === 'none' ? this.ctx.index.reason : this.ctx.index.state === 'error' ? `the row index failed: ${this.ctx.index.message}` : '';
      this.status.textContent = `${n} of the ${this.r.offending.length} worst rows from the report${filters ? ` (${filters})` : ''}${why ? `; ${why}` : ''}`;
    } else {
      this.status.textContent = this.total < 0 ? 'loading rows…' : `${plural(n, 'row')}${filters ? ` (${filters})` : ''} of ${this.r.counts.matched} matched`;
    }
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderRows();
    });
  }

  /** Maps the scroll position to the first row, scaling when the rows are taller than MAX_SPACER. */
  private geometry(): { first: number; count: number; offset: number } {
    const n = Math.max(0, this.total);
    const view = this.body.clientHeight || 400;
    const full = n * ROW_HEIGHT;
    const spacer = Math.min(full, MAX_SPACER);
    this.spacer.style.height = `${spacer}px`;
    const count = Math.ceil(view / ROW_HEIGHT) + 1;
    if (full <= MAX_SPACER) {
      const first = Math.floor(this.body.scrollTop / ROW_HEIGHT);
      return { first, count, offset: first * ROW_HEIGHT };
    }
    const maxScroll = Math.max(1, spacer - view);
    const frac = Math.min(1, this.body.scrollTop / maxScroll);
    const first = Math.floor(frac * Math.max(0, n - count + 1));
    return { first, count, offset: this.body.scrollTop };
  }

  private renderRows(): void {
    const { first, count, offset } = this.geometry();
    const n = Math.max(0, this.total);
    const last = Math.min(n, first + count);
    if (this.mode === 'index') {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last - 1) / PAGE); p++) if (!this.pages.has(p)) this.request(p);
    }
    const fields = this.visibleFields();
    const els: HTMLElement[] = [];
    let loaded = 0;
    for (let i = first; i < last; i++) {
      const row = this.rowAt(i);
      const el = h('div', { class: `row${i === this.activeIndex ? ' active' : ''}`, role: 'row', 'data-index': String(i), 'aria-rowindex': String(i + 2), tabindex: i === this.activeIndex ? '0' : '-1', id: `row-${i}` });
      if (!row) {
        el.classList.add('pending');
        el.append(h('span', { class: 'c key', role: 'gridcell' }, '…'));
      } else {
        loaded++;
        if (row.score > 0) el.classList.add('outside');
        el.dataset.key = row.key;
        el.append(h('span', { class: 'c key mono', role: 'gridcell', title: row.key }, row.key), h('span', { class: 'c line mono', role: 'gridcell' }, `${row.baselineLine} / ${row.currentLine}`));
        for (const f of fields) {
          const cell = row.cells.find((c) => c.field === f);
          const cls = cell ? (cell.outside ? 'outside' : 'inside') : 'none';
          const tip = cell?.rules?.length ? `outside: ${cell.rules.join(', ')}` : cell ? 'inside tolerance' : 'not in this row';
          el.append(
            h('span', { class: `c val mono ${cls}`, role: 'gridcell', title: tip }, cell ? show(cell.baseline) : ''),
            h('span', { class: `c val mono ${cls}`, role: 'gridcell', title: tip }, cell ? show(cell.current) : ''),
            h('span', { class: `c delta mono ${cls}`, role: 'gridcell', title: tip }, cell?.delta !== undefined ? fmt(cell.delta) : cell && cell.outside ? '≠' : ''),
          );
        }
        if (this.ctx.canOpen) el.title = `line ${row.baselineLine} of the baseline, line ${row.currentLine} of the current outputs: Enter or click opens both`;
        else if (this.r.units) el.title = `${this.unit('baseline')} ${row.baselineLine} of the baseline, ${this.unit('current')} ${row.currentLine} of the current outputs`;
      }
      els.push(el);
    }
    // re-rendering replaces the focused row: keep the focus on the active row
    const hadFocus = this.layer.contains(document.activeElement);
    this.layer.style.transform = `translateY(${offset}px)`;
    this.layer.replaceChildren(...els);
    if (hadFocus) (document.getElementById(`row-${this.activeIndex}`) ?? this.body).focus({ preventScroll: true });
    this.root.dataset.rendered = String(els.length);
    if (loaded > 0 && !this.firstRowsPainted && (this.mode === 'sample' || this.total >= 0)) {
      this.firstRowsPainted = true;
      requestAnimationFrame(() => this.ctx.post({ type: 'painted', what: 'rows', rows: loaded }));
    }
    if (this.mode === 'index' && loaded > 0 && this.total >= 0) this.signalIndexRows(loaded);
  }

  private lastSignal = '';
  /** Tells the host (tests, benchmark) that the rows of a query are on screen. */
  private signalIndexRows(loaded: number): void {
    const sig = `${this.pendingQuery}:${this.total}`;
    if (sig === this.lastSignal) return;
    this.lastSignal = sig;
    requestAnimationFrame(() => this.ctx.post({ type: 'painted', what: 'index-rows', rows: loaded }));
  }

  private onKey(e: KeyboardEvent): void {
    const n = Math.max(0, this.total);
    if (!n) return;
    const page = Math.max(1, Math.floor((this.body.clientHeight || 400) / ROW_HEIGHT) - 1);
    let i = this.activeIndex;
    switch (e.key) {
      case 'ArrowDown':
        i++;
        break;
      case 'ArrowUp':
        i--;
        break;
      case 'PageDown':
        i += page;
        break;
      case 'PageUp':
        i -= page;
        break;
      case 'Home':
        i = 0;
        break;
      case 'End':
        i = n - 1;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.open(this.rowAt(i));
        return;
      default:
        return;
    }
    e.preventDefault();
    this.activeIndex = Math.max(0, Math.min(n - 1, i));
    this.scrollToActive();
    this.saveState();
    this.queueRender();
    requestAnimationFrame(() => document.getElementById(`row-${this.activeIndex}`)?.focus({ preventScroll: true }));
  }

  private scrollToActive(): void {
    const { first, count } = this.geometry();
    const n = Math.max(0, this.total);
    if (this.activeIndex >= first && this.activeIndex < first + count - 1) return;
    const full = n * ROW_HEIGHT;
    const view = this.body.clientHeight || 400;
    if (full <= MAX_SPACER) {
      this.body.scrollTop = this.activeIndex < first ? this.activeIndex * ROW_HEIGHT : (this.activeIndex + 2) * ROW_HEIGHT - view;
    } else {
      const target = Math.max(0, this.activeIndex - (this.activeIndex < first ? 0 : count - 2));
      this.body.scrollTop = (target / Math.max(1, n - count + 1)) * Math.max(1, Math.min(full, MAX_SPACER) - view);
    }
  }

  private open(row: DiffRow | undefined): void {
    if (!row || !this.ctx.canOpen) return;
    this.ctx.post({ type: 'open', key: row.key, baselineLine: row.baselineLine, currentLine: row.currentLine });
  }

  saveState(): void {
    this.ctx.save(this.body.scrollTop, this.activeIndex);
  }
}
