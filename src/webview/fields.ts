// The per-field sections of the diff view: for a numeric field its summary
// statistics (count, mean, min, quantiles, max) on both sides, the deltas and
// the largest |Δ| with its key, and an SVG histogram of baseline and current
// shares per bin; for a label field the agreement and the confusion table.
// Each section's title carries the worst verdict of the field's rules.
import type { FieldReport, TestReport } from '../core/contract/report';
import { h, s, type Child } from './dom';
import { fmt, pct } from './format';
import { verdictBadge } from './summary';

export function fieldsSection(r: TestReport): HTMLElement {
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
