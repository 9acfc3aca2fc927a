// The diff view, in the webview: the verdict and rules at a glance, per-field
// statistics with histograms and confusion tables, and a virtualized table of
// rows (only the visible rows are in the DOM) paged from the host on demand.
// Every value that came from a file is set with textContent or as an SVG
// attribute value, never parsed as HTML. No inline styles: positions are set
// through the CSSOM, colours come from the stylesheet's --vscode-* variables.
// Long because the split into dom, format, summary and rows modules (issue 9)
// is not done yet: RowsView still reads module-level state.
import type { FieldReport, OffendingRow, Provenance, RuleResult, TestReport } from '../core/contract/report';
import { DEFAULT_QUERY, type DiffCell, type DiffRow, type HostMessage, type IndexState, type RowQuery, type WebviewMessage } from '../core/diff/protocol';

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
const ROW_HEIGHT = 24;
const PAGE = 100;
/** Largest height given to the scroll spacer; beyond it scrolling is scaled (browsers cap element heights). */
const MAX_SPACER = 4_000_000;

const saved = (vscode.getState() ?? {}) as Partial<ViewState>;
let query: RowQuery = { ...DEFAULT_QUERY, ...(saved.query ?? {}) };
let restoreToken: unknown = saved.restore;
let report: TestReport | undefined;
let canOpen = false;
let index: IndexState = { state: 'none', reason: '' };

// ---------------------------------------------------------------- DOM helpers

type Child = Node | string | number | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

const SVG = 'http://www.w3.org/2000/svg';
function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

/** A number for people: up to 4 significant digits, exact integers as they are. */
export function fmt(x: number | undefined): string {
  if (x === undefined || x === null) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(4)));
  return x.toExponential(3);
}

function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${Number((x * 100).toPrecision(4))}%`;
}

/** A value from a file, as text: strings as they are, anything else as JSON. */
function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return fmt(v);
  return JSON.stringify(v) ?? String(v);
}

function verdictBadge(v: string): HTMLElement {
  return h('span', { class: `badge verdict-${v}` }, v.toUpperCase());
}

// ---------------------------------------------------------------- the page

const app = document.getElementById('app')!;
let rowsView: RowsView | undefined;
let indexLine: HTMLElement | undefined;

function render(): void {
  const r = report!;
  app.replaceChildren();
  app.removeAttribute('aria-busy');
  app.append(header(r), summary(r), fieldsSection(r));
  rowsView = new RowsView(r);
  app.append(rowsView.root);
  post({ type: 'painted', what: 'summary', rows: 0 });
  rowsView.start();
}

function header(r: TestReport): HTMLElement {
  indexLine = h('p', { class: 'index-state', id: 'index-state', 'aria-live': 'polite' });
  updateIndexLine();
  return h(
    'header',
    {},
    h('h1', {}, verdictBadge(r.verdict), ' ', h('span', { class: 'test-id' }, r.testId), ' ', h('span', { class: 'contract' }, `${r.contract.name ?? r.contract.path}${r.contract.version !== undefined ? ` v${r.contract.version}` : ''}`)),
    h('p', { class: 'origin' }, originText),
    r.reason ? h('p', { class: 'reason', role: 'alert' }, r.reason) : null,
    indexLine,
  );
}
let originText = '';

function summary(r: TestReport): HTMLElement {
  const failing = r.rules.filter((x) => x.verdict !== 'pass');
  const c = r.counts;
  const counts = h(
    'dl',
    { class: 'counts' },
    ...[
      ['matched', c.matched],
      ['missing', c.missing],
      ['extra', c.extra],
      ['duplicate (baseline)', c.duplicateBaseline],
      ['duplicate (current)', c.duplicateCurrent],
      ['unusable lines', c.invalidBaseline + c.invalidCurrent + c.invalidInputs],
    ].flatMap(([k, v]) => [h('dt', {}, String(k)), h('dd', { class: Number(v) > 0 && k !== 'matched' ? 'nonzero' : undefined }, String(v))]),
  );
  return h(
    'section',
    { class: 'summary', 'aria-label': 'Summary' },
    h('p', { class: 'headline', id: 'headline' }, headline(r, failing)),
    counts,
    rulesTable(r.rules),
    provenance(r.baseline, r.current),
  );
}

function headline(r: TestReport, failing: RuleResult[]): string {
  if (r.verdict === 'error') return `The test could not compare: ${r.reason ?? 'error'}`;
  const passed = r.rules.length - failing.length;
  const fails = failing.filter((x) => x.verdict === 'fail').length;
  const warns = failing.length - fails;
  return `${r.verdict === 'pass' ? 'Passed' : 'Failed'}: ${fails} rule${fails === 1 ? '' : 's'} failed, ${warns} warned, ${passed} passed — ${r.counts.matched} rows matched`;
}

function rulesTable(rules: RuleResult[]): HTMLElement {
  const order = { fail: 0, warn: 1, pass: 2 } as const;
  const sorted = [...rules].sort((a, b) => order[a.verdict] - order[b.verdict]);
  return h(
    'table',
    { class: 'rules', 'aria-label': 'Rules' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'rule'), h('th', { scope: 'col' }, 'verdict'), h('th', { scope: 'col', class: 'num' }, 'value'), h('th', { scope: 'col', class: 'num' }, 'threshold'), h('th', { scope: 'col', class: 'num' }, 'rows outside'), h('th', { scope: 'col' }, 'detail'))),
    h(
      'tbody',
      {},
      ...sorted.map((r) =>
        h(
          'tr',
          { class: `rule rule-${r.verdict}`, 'data-rule': r.id },
          h('th', { scope: 'row' }, r.id),
          h('td', {}, verdictBadge(r.verdict)),
          h('td', { class: 'num' }, r.value === undefined ? '—' : r.kind === 'agreement' ? pct(r.value) : fmt(r.value)),
          h('td', { class: 'num' }, r.threshold === undefined ? '—' : `${r.kind === 'agreement' ? '≥' : '≤'} ${r.kind === 'agreement' ? pct(r.threshold) : fmt(r.threshold)}`),
          h('td', { class: 'num' }, r.violations === undefined ? '—' : String(r.violations)),
          h('td', { class: 'message' }, r.message),
        ),
      ),
    ),
  );
}

function provenance(b?: Provenance, c?: Provenance): HTMLElement {
  const keys: Array<[keyof Provenance, string]> = [
    ['model', 'model'],
    ['version', 'version'],
    ['seed', 'seed'],
    ['digest', 'outputs digest'],
    ['inputsDigest', 'inputs digest'],
    ['recordedAt', 'recorded'],
    ['command', 'command'],
    ['file', 'file'],
  ];
  const present = keys.filter(([k]) => b?.[k] !== undefined || c?.[k] !== undefined);
  return h(
    'table',
    { class: 'provenance', 'aria-label': 'Provenance' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'baseline'), h('th', { scope: 'col' }, 'current'))),
    h('tbody', {}, ...present.map(([k, label]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'mono' }, show(b?.[k])), h('td', { class: 'mono' }, show(c?.[k]))))),
  );
}

// ---------------------------------------------------------------- fields

function fieldsSection(r: TestReport): HTMLElement {
  return h('section', { class: 'fields', 'aria-label': 'Fields' }, ...r.fields.map((f) => (f.kind === 'numeric' ? numericField(f, r) : categoricalField(f, r))));
}

function fieldTitle(f: FieldReport, r: TestReport): HTMLElement {
  const rules = r.rules.filter((x) => x.field === f.field);
  const worst = rules.some((x) => x.verdict === 'fail') ? 'fail' : rules.some((x) => x.verdict === 'warn') ? 'warn' : 'pass';
  return h('h2', {}, verdictBadge(worst), ' ', h('span', { class: 'field-name' }, f.field), ' ', h('span', { class: 'sub' }, `${f.count} rows compared, ${f.outsideTolerance} outside tolerance (${pct(f.count ? f.outsideTolerance / f.count : NaN)})`));
}

function numericField(f: FieldReport, r: TestReport): HTMLElement {
  const qs = ['p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99'];
  const row = (label: string, x?: FieldReport['baseline']) =>
    h('tr', {}, h('th', { scope: 'row' }, label), ...[x?.count, x?.mean, x?.min, ...qs.map((q) => x?.quantiles[q]), x?.max].map((v) => h('td', { class: 'num' }, fmt(v))));
  const stats = h(
    'table',
    { class: 'stats', 'aria-label': `Statistics of ${f.field}` },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), ...['count', 'mean', 'min', ...qs, 'max'].map((k) => h('th', { scope: 'col', class: 'num' }, k)))),
    h('tbody', {}, row('baseline', f.baseline), row('current', f.current)),
  );
  const d = f.delta;
  const delta = h(
    'p',
    { class: 'delta' },
    `Δ mean ${fmt(d?.mean)} · mean |Δ| ${fmt(d?.meanAbs)} · max |Δ| ${fmt(d?.maxAbs)}`,
    d?.maxAbsKey ? h('span', {}, ' at ', h('code', {}, d.maxAbsKey), d.maxAbsIndex !== undefined ? `, element ${d.maxAbsIndex}` : '') : null,
    ` · outside tolerance ${f.outsideTolerance} of ${f.count} (${pct(f.count ? f.outsideTolerance / f.count : NaN)})`,
  );
  return h('article', { class: 'field', 'data-field': f.field }, fieldTitle(f, r), stats, delta, f.histogram ? histogram(f) : null);
}

function histogram(f: FieldReport): HTMLElement {
  const hg = f.histogram!;
  const W = 480;
  const H = 140;
  const pad = { l: 36, r: 8, t: 8, b: 22 };
  const n = hg.baseline.length;
  const totalB = hg.baseline.reduce((a, b) => a + b, 0) || 1;
  const totalC = hg.current.reduce((a, b) => a + b, 0) || 1;
  const shares = [hg.baseline.map((v) => v / totalB), hg.current.map((v) => v / totalC)];
  const max = Math.max(1e-12, ...shares[0]!, ...shares[1]!);
  const bw = (W - pad.l - pad.r) / Math.max(1, n);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'histogram', role: 'img', 'aria-label': `Histogram of ${f.field}: baseline and current, share of rows per bin` });
  svg.append(s('title', {}, `Histogram of ${f.field}`));
  svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, class: 'axis' }));
  ['baseline', 'current'].forEach((which, k) => {
    for (let i = 0; i < n; i++) {
      const v = shares[k]![i]!;
      const lo = hg.edges[i]!;
      const hi = hg.edges[i + 1]!;
      const x = pad.l + i * bw + (k === 1 ? bw * 0.15 : 0);
      const rect = s('rect', { x: x.toFixed(2), y: y(v).toFixed(2), width: (bw * 0.85).toFixed(2), height: Math.max(0, H - pad.b - y(v)).toFixed(2), class: `bar bar-${which}` });
      rect.append(s('title', {}, `${which} [${fmt(lo)}, ${fmt(hi)}): ${(k ? hg.current : hg.baseline)[i]} rows (${pct(v)})`));
      svg.append(rect);
    }
  });
  svg.append(s('text', { x: pad.l, y: H - 6, class: 'tick', 'text-anchor': 'start' }, fmt(hg.edges[0])));
  svg.append(s('text', { x: W - pad.r, y: H - 6, class: 'tick', 'text-anchor': 'end' }, fmt(hg.edges[hg.edges.length - 1])));
  svg.append(s('text', { x: pad.l - 4, y: pad.t + 8, class: 'tick', 'text-anchor': 'end' }, pct(max)));
  const legend = h('p', { class: 'legend' }, h('span', { class: 'swatch swatch-baseline' }), ' baseline ', h('span', { class: 'swatch swatch-current' }), ' current (share of rows per bin)');
  return h('figure', { class: 'histogram-figure' }, svg, legend);
}

function categoricalField(f: FieldReport, r: TestReport): HTMLElement {
  const parts: Child[] = [fieldTitle(f, r)];
  if (f.agreement !== undefined) parts.push(h('p', { class: 'delta' }, `agreement ${pct(f.agreement)} (${f.count - f.outsideTolerance} of ${f.count} rows)`));
  if (f.confusion) {
    const { labels, matrix } = f.confusion;
    parts.push(
      h(
        'table',
        { class: 'confusion', 'aria-label': `Confusion of ${f.field}: baseline label by row, current label by column` },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'corner' }, 'baseline ↓ / current →'), ...labels.map((l) => h('th', { scope: 'col' }, l)))),
        h(
          'tbody',
          {},
          ...labels.map((l, i) =>
            h('tr', {}, h('th', { scope: 'row' }, l), ...labels.map((_, j) => h('td', { class: `num ${i === j ? 'diag' : matrix[i]![j]! > 0 ? 'off nonzero' : 'off'}` }, String(matrix[i]![j] ?? 0)))),
          ),
        ),
      ),
    );
  }
  return h('article', { class: 'field', 'data-field': f.field }, ...parts);
}

// ---------------------------------------------------------------- rows

/** The report's offending sample as rows (before the index is ready, or without one). */
function sampleRows(r: TestReport): DiffRow[] {
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

class RowsView {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly status: HTMLElement;
  private readonly head: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly fields: string[];
  private total = 0;
  private activeIndex = saved.activeIndex ?? 0;
  /** Pages of the current query (index mode). */
  private pages = new Map<number, DiffRow[]>();
  private requested = new Set<number>();
  private nextRequest = 1;
  private pendingQuery = '';
  private local: DiffRow[] | undefined;
  private mode: 'sample' | 'index' = 'sample';
  private firstRowsPainted = false;
  private renderQueued = false;
  private restoredScroll = saved.scrollTop ?? 0;

  constructor(private readonly r: TestReport) {
    this.fields = r.fields.map((f) => f.field);
    const fieldSelect = h('select', { id: 'filter-field', 'aria-label': 'Field' }, h('option', { value: '' }, 'all fields'), ...this.fields.map((f) => h('option', { value: f }, f)));
    fieldSelect.value = this.fields.includes(query.field) ? query.field : '';
    const outside = h('input', { type: 'checkbox', id: 'filter-outside' });
    outside.checked = query.outsideOnly;
    const search = h('input', { type: 'search', id: 'filter-search', placeholder: 'search keys', 'aria-label': 'Search by key' });
    search.value = query.search;
    const sort = h('select', { id: 'sort', 'aria-label': 'Sort' });
    const sorts: Array<[string, string]> = [
      ['score:desc', 'outside tolerance first'],
      ['line:asc', 'current file order'],
      ['key:asc', 'key A→Z'],
      ['key:desc', 'key Z→A'],
      ...r.fields.filter((f) => f.kind === 'numeric').flatMap((f): Array<[string, string]> => [[`absdelta:${f.field}:desc`, `|Δ ${f.field}| largest first`], [`delta:${f.field}:asc`, `Δ ${f.field} ascending`], [`delta:${f.field}:desc`, `Δ ${f.field} descending`]]),
    ];
    for (const [v, label] of sorts) sort.append(h('option', { value: v }, label));
    sort.value = `${query.sort}:${query.desc ? 'desc' : 'asc'}`;
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

  private visibleFields(): string[] {
    return query.field ? [query.field] : this.fields;
  }

  private renderHead(): void {
    const cols = [h('span', { class: 'c key', role: 'columnheader' }, 'key'), h('span', { class: 'c line', role: 'columnheader' }, 'lines b / c')];
    for (const f of this.visibleFields()) {
      cols.push(h('span', { class: 'c val', role: 'columnheader' }, `${f} baseline`), h('span', { class: 'c val', role: 'columnheader' }, `${f} current`), h('span', { class: 'c delta', role: 'columnheader' }, 'Δ'));
    }
    this.head.replaceChildren(...cols);
    // the column count of the grid template, for any number of fields (CSSOM: allowed by the CSP)
    this.grid.style.setProperty('--cols', String(Math.max(1, this.visibleFields().length)));
  }

  /** The index changed state: switch from the report's sample to host pages when it is ready. */
  onIndex(): void {
    if (index.state === 'ready') {
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
    query = { ...query, ...p };
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
    let rows = sampleRows(this.r);
    if (query.field) rows = rows.filter((r) => !query.outsideOnly || r.cells.some((c) => c.field === query.field && c.outside));
    if (query.search) rows = rows.filter((r) => r.key.toLowerCase().includes(query.search.toLowerCase()));
    const sign = query.desc ? -1 : 1;
    const field = query.sort.includes(':') ? query.sort.slice(query.sort.indexOf(':') + 1) : '';
    const deltaOf = (r: DiffRow) => {
      const d = r.cells.find((c) => c.field === field)?.delta;
      return d === undefined ? NaN : query.sort.startsWith('abs') ? Math.abs(d) : d;
    };
    rows.sort((a, b) => {
      if (query.sort === 'score') return sign * (a.score - b.score) || a.id - b.id;
      if (query.sort === 'key') return sign * (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      if (query.sort === 'line') return sign * (a.currentLine - b.currentLine);
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
    this.pendingQuery = JSON.stringify(query);
    this.total = -1; // unknown until the first page
    this.request(0);
  }

  private request(page: number): void {
    if (this.requested.has(page)) return;
    this.requested.add(page);
    post({ type: 'rows', requestId: this.nextRequest++, query, offset: page * PAGE, count: PAGE });
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
    const n = Math.max(0, this.total);
    const filters = [query.outsideOnly ? 'outside tolerance' : '', query.field ? `field ${query.field}` : '', query.search ? `key contains "${query.search}"` : ''].filter(Boolean).join(', ');
    if (this.mode === 'sample') {
      const why = index.state === 'building' ? 'every row appears when the row index is ready' : index.state === 'none' ? index.reason : index.state === 'error' ? `the row index failed: ${index.message}` : '';
      this.status.textContent = `${n} of the ${this.r.offending.length} worst rows from the report${filters ? ` (${filters})` : ''}${why ? `; ${why}` : ''}`;
    } else {
      this.status.textContent = this.total < 0 ? 'loading rows…' : `${n} row${n === 1 ? '' : 's'}${filters ? ` (${filters})` : ''} of ${this.r.counts.matched} matched`;
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
        if (canOpen) el.title = `line ${row.baselineLine} of the baseline, line ${row.currentLine} of the current outputs: Enter or click opens both`;
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
      requestAnimationFrame(() => post({ type: 'painted', what: 'rows', rows: loaded }));
    }
    if (this.mode === 'index' && loaded > 0 && this.total >= 0) this.signalIndexRows(loaded);
  }

  private lastSignal = '';
  /** Tells the host (tests, benchmark) that the rows of a query are on screen. */
  private signalIndexRows(loaded: number): void {
    const sig = `${this.pendingQuery}:${this.total}`;
    if (sig === this.lastSignal) return;
    this.lastSignal = sig;
    requestAnimationFrame(() => post({ type: 'painted', what: 'index-rows', rows: loaded }));
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
    if (!row || !canOpen) return;
    post({ type: 'open', key: row.key, baselineLine: row.baselineLine, currentLine: row.currentLine });
  }

  saveState(): void {
    const st: ViewState = { query, scrollTop: this.body.scrollTop, activeIndex: this.activeIndex, ...(restoreToken !== undefined ? { restore: restoreToken } : {}) };
    vscode.setState(st);
  }
}

// ---------------------------------------------------------------- messages

function updateIndexLine(): void {
  if (!indexLine) return;
  const s = index;
  indexLine.dataset.state = s.state;
  indexLine.textContent =
    s.state === 'building'
      ? `Indexing every row… ${Math.round(s.progress * 100)}% (${s.rows} rows so far)`
      : s.state === 'ready'
        ? `Every row indexed: ${s.rows} matched rows, ${s.outside} outside tolerance (${(s.ms / 1000).toFixed(1)} s)`
        : s.state === 'error'
          ? `The row index failed: ${s.message}`
          : s.reason
            ? `Showing the report's sample of rows: ${s.reason}`
            : '';
}

function post(m: WebviewMessage): void {
  vscode.postMessage(m);
}

window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
  const m = e.data;
  if (!m || typeof m !== 'object') return;
  switch (m.type) {
    case 'init': {
      const first = report === undefined;
      report = m.report;
      canOpen = m.canOpen;
      originText = m.origin;
      if (m.restore !== undefined) restoreToken = m.restore;
      if (first || !rowsView) render();
      rowsView?.saveState();
      break;
    }
    case 'index': {
      const { type: _t, ...rest } = m;
      void _t;
      index = rest as IndexState;
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

post({ type: 'ready' });
