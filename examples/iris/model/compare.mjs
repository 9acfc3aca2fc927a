#!/usr/bin/env node
// Compares model outputs with the 1.4.2 baseline and prints the statistics the
// contract's parity test judges, as JSON: an independent check of the numbers
// quoted in model/README.md and of what `rollback-lens test` reports.
//
//   node examples/iris/model/compare.mjs                       # 2.0.0 (model/v2.json) vs the baseline
//   node examples/iris/model/compare.mjs --current out.jsonl   # any recorded outputs vs the baseline
//   options: --baseline <jsonl> (default data/baseline-1.4.2.jsonl), --abs 0.05, --bins 10
//
// Statistics, over the rows whose id is in both files:
//   label.agreement   share of rows with the same label
//   probability       max |current - baseline|, the row it happens on, rows with |delta| > abs
//   probability psi   population stability index over `bins` bins cut at the baseline's
//                     quantiles (linear interpolation; ties merged; bin = (lower, upper];
//                     empty bins count as a share of 1e-4)
//   probability ks    largest gap between the two empirical CDFs
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const example = join(dirname(fileURLToPath(import.meta.url)), '..');
const opts = { baseline: join(example, 'data/baseline-1.4.2.jsonl'), current: undefined, abs: '0.05', bins: '10' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const m = /^--(baseline|current|abs|bins)(?:=(.*))?$/.exec(argv[i]);
  const value = m && (m[2] ?? argv[++i]);
  if (!value) {
    console.error('usage: node examples/iris/model/compare.mjs [--current <jsonl>] [--baseline <jsonl>] [--abs 0.05] [--bins 10]');
    process.exit(2);
  }
  opts[m[1]] = m[1] === 'abs' || m[1] === 'bins' ? value : resolve(value);
}
const abs = Number(opts.abs);
const bins = Number(opts.bins);

const parse = (text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const baseline = parse(readFileSync(opts.baseline, 'utf8'));
const current = opts.current
  ? parse(readFileSync(opts.current, 'utf8'))
  : parse(
      execFileSync(process.execPath, ['model/predict.mjs', '--model', 'model/v2.json'], {
        cwd: example,
        input: readFileSync(join(example, 'data/inputs.jsonl')),
        env: { ...process.env, ROLLBACK_LENS_SEED: '42' },
        encoding: 'utf8',
      }),
    );

const byId = new Map(current.map((r) => [r.id, r]));
const pairs = baseline.filter((b) => byId.has(b.id)).map((b) => [b, byId.get(b.id)]);

let agree = 0;
let over = 0;
let maxDelta = 0;
let maxDeltaId = null;
const disagreements = [];
for (const [b, c] of pairs) {
  if (b.label === c.label) agree++;
  else disagreements.push({ id: b.id, baseline: b.label, current: c.label });
  const d = Math.abs(c.probability - b.probability);
  if (d > abs) over++;
  if (d > maxDelta) [maxDelta, maxDeltaId] = [d, b.id];
}

const sortNum = (xs) => Float64Array.from(xs).sort();
const bp = sortNum(pairs.map(([b]) => b.probability));
const cp = sortNum(pairs.map(([, c]) => c.probability));

function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function psi(sortedBase, sortedCur, nBins) {
  const edges = [];
  for (let i = 1; i < nBins; i++) {
    const e = quantile(sortedBase, i / nBins);
    if (!edges.length || e > edges[edges.length - 1]) edges.push(e);
  }
  const shares = (xs) => {
    const counts = new Array(edges.length + 1).fill(0);
    for (const x of xs) {
      let k = 0;
      while (k < edges.length && edges[k] < x) k++;
      counts[k]++;
    }
    return counts.map((n) => Math.max(n / xs.length, 1e-4));
  };
  const pb = shares(sortedBase);
  const pc = shares(sortedCur);
  return pb.reduce((s, p, k) => s + (pc[k] - p) * Math.log(pc[k] / p), 0);
}

function ks(a, b) {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= x) i++;
    while (j < b.length && b[j] <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

const round = (x) => Math.round(x * 1e6) / 1e6;
console.log(
  JSON.stringify(
    {
      rows: { baseline: baseline.length, current: current.length, matched: pairs.length },
      label: { agree, agreement: round(agree / pairs.length), disagreements },
      probability: {
        maxAbsDelta: round(maxDelta),
        maxAbsDeltaId: maxDeltaId,
        abs,
        rowsOverAbs: over,
        psi: round(psi(bp, cp, bins)),
        bins,
        ks: round(ks(bp, cp)),
      },
    },
    null,
    2,
  ),
);
