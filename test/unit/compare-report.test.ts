// The whole report of a contract comparison, pinned: generated pairs that
// reach every sentence the report can say (tolerance, agreement, drift,
// keys, labels, schemas, unusable lines and values, arrays, fields never
// compared), through every way in (addBaseline, addCurrent, addCurrentRow,
// addInput, unusableLine), compared as JSON against a file written from the
// engine before its report assembly moved out of compare.ts (issue 9). The
// file changes only when the report is meant to; NaN and ±Infinity are kept
// by name, since JSON would turn them into null.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Comparison, type CompareOptions, type CompareSpec } from '../../src/core/contract/compare';
import type { TestReport } from '../../src/core/contract/report';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'compare', 'reports.json');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LABELS = ['s', 'v', 'g'];

const SPEC: CompareSpec = {
  testId: 'pinned',
  key: 'id',
  labels: LABELS,
  tolerance: {
    probability: { abs: 0.05 },
    score: { rel: 0.2, abs: 3 },
    count: { exact: true },
    'meta.tag': { exact: true },
    label: { agreement: 0.9, exact: true },
    proba: { abs: 0.05 },
    'proba[1]': { rel: 0.5 },
    gone: { abs: 1 },
    words: { agreement: 0.5 },
  },
  drift: { probability: { psi: 0.2, ks: 0.1, bins: 5 }, drifty: { psi: 0.1 }, proba: { ks: 0.3 }, words: { psi: 0.1 }, gone: { ks: 0.1 } },
};

/** Lines of a baseline and a current file with every kind of row and flaw, from a seed. */
function pair(seed: number, rows: number): { baseline: string[]; current: string[] } {
  const rnd = mulberry32(seed);
  const baseline: string[] = [];
  const current: string[] = [];
  for (let i = 0; i < rows; i++) {
    const id = i % 7 === 3 ? i : `r${i}`; // some keys are numbers
    const p = Math.round(rnd() * 1000) / 1000;
    const label = LABELS[Math.floor(rnd() * 3)]!;
    const b: Record<string, unknown> = {
      id,
      probability: i % 23 === 5 ? 'high' : p,
      score: Math.round(rnd() * 100) - 20,
      count: i % 5,
      meta: { tag: i % 4 === 0 ? 'a' : 'b' },
      label,
      proba: i % 11 === 0 ? 0.3 : [p, 1 - p, 0.5],
      drifty: rnd(),
      words: i % 2 ? 'yes' : 'no',
    };
    const c: Record<string, unknown> = { ...b, meta: { ...(b.meta as object) } };
    if (typeof b.probability === 'number') c.probability = i % 9 === 0 ? p + 0.2 : p + (rnd() - 0.5) * 0.02;
    if (i % 13 === 0) delete c.probability;
    if (i % 17 === 0) c.probability = null;
    c.score = (b.score as number) * (i % 6 === 0 ? 1.5 : 1.05);
    if (i % 19 === 0) c.count = (b.count as number) + 1;
    if (i % 10 === 0) (c.meta as Record<string, unknown>).tag = 'z';
    if (i % 8 === 0) c.label = LABELS[(LABELS.indexOf(label) + 1) % 3];
    if (i % 29 === 0) c.label = 'outside';
    if (Array.isArray(b.proba)) c.proba = i % 14 === 0 ? [p, 1 - p] : [p + (i % 3 === 0 ? 0.1 : 0.01), (1 - p) * (i % 4 === 0 ? 2 : 1), 0.5];
    c.drifty = (b.drifty as number) + 0.3;
    if (i % 31 === 0) delete c.words;
    baseline.push(JSON.stringify(b));
    current.push(JSON.stringify(c));
  }
  // flaws: not JSON, NaN, an array, no key, a key that is an object, duplicates, extras, missing
  baseline.splice(4, 0, '{"id": "broken"', '{"id":"nan","probability":NaN}', '[1,2]', '{"probability":0.5}', JSON.stringify({ id: 'r1' }));
  current.splice(7, 0, 'not json at all, and a long line that goes on and on and on past sixty characters', '{"id":{"x":1}}', '42', JSON.stringify({ id: 'r2', probability: 0.1 }));
  current.push(JSON.stringify({ id: 'extra-1', probability: 0.5 }), JSON.stringify({ id: 'extra-1', probability: 0.5 }), JSON.stringify({ id: 'extra-2' }));
  current.splice(current.length - 10, 3); // three baseline keys without an output
  return { baseline, current };
}

function shuffle<T>(xs: T[], seed: number): T[] {
  const rnd = mulberry32(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const requireId = (row: unknown) => (row && typeof row === 'object' && 'id' in row ? undefined : 'must have required property `id`');
const noOutside = (row: unknown) => ((row as { label?: unknown }).label === 'outside' ? '`label` must be one of the allowed values' : undefined);

const CASES: Array<{ name: string; spec: CompareSpec; options: CompareOptions; seed: number; rows: number; shuffled: boolean }> = [
  { name: 'every rule, in order', spec: SPEC, options: { validateOutput: noOutside, validateInput: requireId }, seed: 1, rows: 240, shuffled: false },
  { name: 'every rule, shuffled, small samples', spec: { ...SPEC, missingKeys: 'warn', extraKeys: 'fail' }, options: { offendingLimit: 5, problemLimit: 7, keySampleLimit: 0 }, seed: 2, rows: 180, shuffled: true },
  { name: 'no labels declared', spec: { ...SPEC, labels: undefined, labelField: 'words' }, options: { offendingLimit: 3 }, seed: 3, rows: 60, shuffled: true },
];

function report(c: (typeof CASES)[number]): TestReport {
  const { baseline, current } = pair(c.seed, c.rows);
  const cmp = new Comparison(c.spec, c.options);
  cmp.addInput(1, '{"id":"r0"}');
  cmp.addInput(2, '{"x":1}');
  cmp.addInput(3, 'nope');
  baseline.forEach((l, i) => cmp.addBaseline(i + 1, l));
  cmp.unusableLine('baseline', baseline.length + 1, 'line longer than 1 MiB');
  const cur = c.shuffled ? shuffle(current, c.seed) : current;
  cur.forEach((l, i) => {
    // every fifth line arrives already parsed, as a source gives it
    if (i % 5 === 4 && l.startsWith('{"id":"r')) cmp.addCurrentRow(i + 1, JSON.parse(l) as Record<string, unknown>);
    else cmp.addCurrent(i + 1, l);
  });
  cmp.unusableLine('current', cur.length + 1, 'line longer than 1 MiB');
  return cmp.finish({ contractPath: 'pinned.contract.yaml', contractName: 'pinned', contractVersion: 3 });
}

/** JSON that keeps NaN and ±Infinity by name. */
function text(reports: Record<string, TestReport>): string {
  return `${JSON.stringify(reports, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `#${String(v)}` : v), 1)}\n`;
}

describe('contract comparison: the whole report, pinned', () => {
  const reports = Object.fromEntries(CASES.map((c) => [c.name, report(c)]));

  // RL_UPDATE_PINNED=1 rewrites the file from the engine (only when a report change is intended)
  if (process.env.RL_UPDATE_PINNED === '1') writeFileSync(FIXTURE, text(reports));

  for (const c of CASES) {
    it(`${c.name}: the report is the pinned one`, () => {
      const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(JSON.parse(text({ [c.name]: reports[c.name]! })), { [c.name]: pinned[c.name] });
    });
  }

  it('the pinned reports say what they are meant to reach', () => {
    const all = Object.values(reports);
    const messages = all.flatMap((r) => r.rules.map((x) => x.message)).join('\n');
    for (const part of [
      'of another length',
      'holds arrays and KS needs one number per row',
      'no row compared',
      'not compared (',
      'duplicate keys: ',
      'not in the baseline',
      'no current output',
      "outside the contract's labels",
      'not match the output schema',
      'not match the input schema',
      'could not be used',
      'PSI ',
      'KS statistic',
      'left out: ',
      'agreement ',
      'exact match required',
      ', element ',
    ]) {
      assert.ok(messages.includes(part), `some rule says "${part}"`);
    }
    assert.deepEqual(
      all.map((r) => r.verdict),
      ['fail', 'fail', 'fail'],
    );
  });
});
