// The top of the diff view: the verdict line (badge, test, contract, where
// the outputs came from, the row index's state), the headline sentence, the
// counts, the rules (failing first, each with its value, threshold and rows
// outside) and the provenance of both sides. Built once per report; only the
// index line's text changes later (indexText). Values from files are text.
import type { IndexState } from '../core/diff/protocol';
import type { Provenance, RuleResult, TestReport } from '../core/contract/report';
import { noun } from '../core/util/plural';
import { h } from './dom';
import { fmt, pct, show } from './format';

/** The verdict as a badge (`PASS`, `FAIL`, `WARN`, `ERROR`), coloured by the stylesheet. */
export function verdictBadge(v: string): HTMLElement {
  return h('span', { class: `badge verdict-${v}` }, v.toUpperCase());
}

/** The header: verdict, test id, contract and version, the outputs' origin, the reason of an error, and the index line (filled by indexText). */
export function header(r: TestReport, origin: string, indexLine: HTMLElement): HTMLElement {
  return h(
    'header',
    {},
    h('h1', {}, verdictBadge(r.verdict), ' ', h('span', { class: 'test-id' }, r.testId), ' ', h('span', { class: 'contract' }, `${r.contract.name ?? r.contract.path}${r.contract.version !== undefined ? ` v${r.contract.version}` : ''}`)),
    h('p', { class: 'origin' }, origin),
    r.reason ? h('p', { class: 'reason', role: 'alert' }, r.reason) : null,
    indexLine,
  );
}

/** What the index line says about the row index: building (with progress), ready (with counts and time), failed, or why only the sample is shown. */
export function indexText(s: IndexState): string {
  return s.state === 'building'
    ? `Indexing every row… ${Math.round(s.progress * 100)}% (${s.rows} rows so far)`
    : s.state === 'ready'
      ? `Every row indexed: ${s.rows} matched rows, ${s.outside} outside tolerance (${(s.ms / 1000).toFixed(1)} s)`
      : s.state === 'error'
        ? `The row index failed: ${s.message}`
        : s.reason
          ? `Showing the report's sample of rows: ${s.reason}`
          : '';
}

export function summary(r: TestReport): HTMLElement {
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
  return `${r.verdict === 'pass' ? 'Passed' : 'Failed'}: ${fails} ${noun(fails, 'rule')} failed, ${warns} warned, ${passed} passed — ${r.counts.matched} rows matched`;
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
