// The contract-test comparison engine: exact numbers for every rule, joins by
// key, bad lines reported by line number while the comparison goes on.
import * as assert from 'node:assert/strict';
import { Comparison, type CompareSpec } from '../../src/core/contract/compare';
import { hashKey, KeyTable } from '../../src/core/contract/keys';
import { binCounts, histogram, ks, psi, quantileEdges, quantileSorted, PSI_EPSILON, sortFloats } from '../../src/core/contract/stats';
import { runSchemaOnlyTest } from '../../src/core/contract/schemaOnly';

const META = { contractPath: 'iris.contract.yaml' };

function run(spec: Partial<CompareSpec>, baseline: string[], current: string[], options = {}) {
  const c = new Comparison({ testId: 't', key: 'id', tolerance: {}, drift: {}, ...spec }, options);
  baseline.forEach((l, i) => c.addBaseline(i + 1, l));
  current.forEach((l, i) => c.addCurrent(i + 1, l));
  return c.finish(META);
}

const row = (id: string, label: string, probability: number) => JSON.stringify({ id, label, probability });

describe('contract comparison', () => {
  it('abs tolerance: counts rows over the limit, names the worst key, keeps the offending rows worst first', () => {
    const r = run(
      { tolerance: { probability: { abs: 0.05 } } },
      [row('a', 'x', 0.9), row('b', 'x', 0.8), row('c', 'x', 0.5)],
      [row('c', 'x', 0.2), row('a', 'x', 0.91), row('b', 'x', 0.7)],
    );
    assert.equal(r.verdict, 'fail');
    const rule = r.rules.find((x) => x.id === 'probability.abs')!;
    assert.equal(rule.verdict, 'fail');
    assert.equal(rule.violations, 2);
    assert.equal(rule.value, 0.3);
    assert.equal(rule.message, '`probability`: 2 of 3 rows differ from the baseline by more than 0.05 (max |Δ| 0.3 at `c`)');
    assert.deepEqual(
      r.offending.map((o) => [o.key, o.baselineLine, o.currentLine, o.fields[0]!.rules]),
      [
        ['c', 3, 1, ['probability.abs']],
        ['b', 2, 3, ['probability.abs']],
      ],
    );
    assert.equal(r.counts.matched, 3);
    const f = r.fields[0]!;
    assert.equal(f.outsideTolerance, 2);
    assert.equal(f.delta!.maxAbsKey, 'c');
  });

  it('rel tolerance and exact', () => {
    const r = run({ tolerance: { probability: { rel: 0.1 }, label: { exact: true } } }, [row('a', 'x', 1), row('b', 'y', 2)], [row('a', 'x', 1.05), row('b', 'z', 2.5)]);
    assert.deepEqual(
      r.rules.filter((x) => x.field).map((x) => [x.id, x.verdict, x.violations, x.message]),
      [
        ['probability.rel', 'fail', 1, '`probability`: 1 of 2 rows differ from the baseline by more than 10%'],
        ['label.exact', 'fail', 1, '`label`: 1 of 2 rows differ from the baseline (exact match required)'],
      ],
    );
  });

  it('label agreement with a confusion matrix in the contract label order', () => {
    const base = ['a', 'b', 'c', 'd'].map((id, i) => row(id, ['s', 'v', 'v', 'g'][i]!, 0.9));
    const cur = ['a', 'b', 'c', 'd'].map((id, i) => row(id, ['s', 'v', 'g', 'g'][i]!, 0.9));
    const r = run({ labels: ['s', 'v', 'g'], tolerance: { label: { agreement: 0.9 } } }, base, cur);
    const rule = r.rules.find((x) => x.id === 'label.agreement')!;
    assert.equal(rule.verdict, 'fail');
    assert.equal(rule.message, '`label`: agreement 75% (3 of 4 rows) < required 90%');
    assert.deepEqual(r.fields[0]!.confusion, {
      labels: ['s', 'v', 'g'],
      matrix: [
        [1, 0, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
    assert.equal(r.rules.find((x) => x.id === 'labels')!.verdict, 'pass');
  });

  it('a label outside the contract labels fails the labels rule with its line', () => {
    const r = run({ labels: ['s', 'v'], tolerance: { label: { agreement: 0 } } }, [row('a', 's', 1), row('b', 's', 1)], [row('a', 's', 1), row('b', 'Iris-setosa', 1)]);
    const rule = r.rules.find((x) => x.id === 'labels')!;
    assert.equal(rule.verdict, 'fail');
    assert.equal(rule.message, '1 output has a label outside the contract\'s labels (e.g. `Iris-setosa` at line 2)');
    assert.deepEqual(r.problems, [{ file: 'current', line: 2, message: 'label `Iris-setosa` is not one of `s`, `v`' }]);
  });

  it('missing, extra and duplicate keys, with samples and line numbers', () => {
    const r = run(
      { tolerance: { probability: { abs: 1 } }, missingKeys: 'fail', extraKeys: 'warn' },
      [row('a', 'x', 1), row('b', 'x', 1), row('b', 'x', 1), row('c', 'x', 1)],
      [row('a', 'x', 1), row('z', 'x', 1), row('a', 'x', 1)],
    );
    assert.deepEqual(r.counts, {
      inputRows: 0,
      baselineRows: 4,
      currentRows: 3,
      matched: 1,
      missing: 2,
      extra: 1,
      duplicateBaseline: 1,
      duplicateCurrent: 1,
      invalidInputs: 0,
      invalidBaseline: 0,
      invalidCurrent: 0,
    });
    const byId = Object.fromEntries(r.rules.map((x) => [x.id, [x.verdict, x.message]]));
    assert.deepEqual(byId['missing-keys'], ['fail', '2 baseline keys have no current output (e.g. `b`)']);
    assert.deepEqual(byId['extra-keys'], ['warn', '1 current output has a key not in the baseline (e.g. `z`)']);
    assert.deepEqual(byId['duplicate-keys'], ['fail', 'duplicate keys: 1 in the baseline, 1 in the current outputs (e.g. `b` at baseline line 3)']);
    assert.deepEqual(r.missingSample, [
      { key: 'b', line: 2 },
      { key: 'c', line: 4 },
    ]);
  });

  it('bad lines (not JSON, NaN, wrong types, no key) are reported by line and the others still compared', () => {
    const r = run(
      { tolerance: { probability: { abs: 0.1 } } },
      [row('a', 'x', 0.5), row('b', 'x', 0.5), row('c', 'x', 0.5), row('d', 'x', 0.5)],
      ['{"id":"a","probability":NaN}', '{"id":"b","probability":"0.5"}', 'garbage', '{"probability":0.5}', row('c', 'x', 0.55), '[1]'],
    );
    assert.deepEqual(r.problems, [
      { file: 'current', line: 1, message: 'not JSON: NaN and Infinity are not JSON numbers' },
      { file: 'current', line: 2, message: 'field `probability` is a string ("0.5"), expected a number' },
      { file: 'current', line: 3, message: 'not JSON: `garbage`' },
      { file: 'current', line: 4, message: 'has no key `id`' },
      { file: 'current', line: 6, message: 'expected a JSON object, found an array' },
    ]);
    assert.equal(r.counts.matched, 2);
    assert.equal(r.fields[0]!.count, 1); // only c had a usable number on both sides
    const invalid = r.rules.find((x) => x.id === 'invalid-lines')!;
    assert.equal(invalid.message, '4 lines could not be used (0 baseline, 4 current, 0 inputs); first: current line 1: not JSON: NaN and Infinity are not JSON numbers');
    assert.equal(r.rules.find((x) => x.id === 'probability.abs')!.verdict, 'pass');
  });

  it('a tolerance rule whose field is absent in every row fails with that reason, not "all 0 rows within"', () => {
    const base = [row('a', 'x', 0.9), row('b', 'x', 0.8)];
    const r = run({ tolerance: { probabilty: { abs: 0.05 }, labl: { exact: true } } }, base, base);
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(
      r.rules.filter((x) => x.field).map((x) => [x.id, x.verdict, x.message]),
      [
        ['probabilty.abs', 'fail', '`probabilty`: no row compared (absent in 2 of 2 baseline rows; absent in 2 of 2 current rows)'],
        ['labl.exact', 'fail', '`labl`: no row compared (absent in 2 of 2 baseline rows; absent in 2 of 2 current rows)'],
      ],
    );
    assert.equal(r.rules.find((x) => x.id === 'probabilty.abs')!.value, undefined);
  });

  it('a tolerance, agreement or drift rule over a field of the wrong type in every row fails, naming the type', () => {
    const base = Array.from({ length: 4 }, (_, i) => row(`k${i}`, i % 2 ? 'x' : 'y', 0.5));
    const nested = (id: string) => JSON.stringify({ id, label: 'x', score: { p: 1 }, n: 1 });
    const r = run(
      { tolerance: { label: { abs: 0.05 }, score: { rel: 0.1 }, n: { agreement: 1 } }, drift: { label: { psi: 0.2, ks: 0.1 } } },
      base.map((_, i) => nested(`k${i}`)),
      base,
    );
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(
      r.rules.filter((x) => x.field).map((x) => [x.id, x.verdict, x.message]),
      [
        ['label.abs', 'fail', '`label`: no row compared (a string in 4 of 4 baseline rows; a string in 4 of 4 current rows)'],
        ['label.psi', 'fail', '`label`: PSI not computed: no numeric value (a string in 4 of 4 baseline rows; a string in 4 of 4 current rows)'],
        ['label.ks', 'fail', '`label`: KS not computed: no numeric value (a string in 4 of 4 baseline rows; a string in 4 of 4 current rows)'],
        ['score.rel', 'fail', '`score`: no row compared (an object in 4 of 4 baseline rows; absent in 4 of 4 current rows)'],
        ['n.agreement', 'fail', '`n`: no row compared (absent in 4 of 4 current rows)'],
      ],
    );
  });

  it('a rule whose field is missing in some rows passes on the others and says how many were not compared', () => {
    const r = run(
      { tolerance: { probability: { abs: 0.1 } }, drift: { probability: { ks: 1 } } },
      [row('a', 'x', 0.5), JSON.stringify({ id: 'b', label: 'x' }), row('c', 'x', 0.5), row('d', 'x', 0.5)],
      [row('a', 'x', 0.55), row('b', 'x', 0.5), JSON.stringify({ id: 'c', probability: null }), JSON.stringify({ id: 'd', probability: 'high' })],
    );
    assert.deepEqual(
      r.rules.filter((x) => x.field).map((x) => [x.id, x.verdict, x.message]),
      [
        ['probability.abs', 'pass', '`probability`: all 1 rows within 0.1 of the baseline (max |Δ| 0.05); 3 of 4 matched rows not compared (absent in 1 of 4 baseline rows; null in 1, a string in 1 of 4 current rows)'],
        ['probability.ks', 'pass', '`probability`: KS statistic 0.5 ≤ 1; left out: absent in 1 of 4 baseline rows; null in 1, a string in 1 of 4 current rows'],
      ],
    );
  });

  it('arrays: `proba[0]` and `proba.0` address an element; a tolerance on the whole numeric array is element-wise and names the worst element', () => {
    const arow = (id: string, proba: unknown) => JSON.stringify({ id, proba });
    const base = [arow('a', [0.9, 0.05, 0.05]), arow('b', [0.2, 0.7, 0.1]), arow('c', [0.1, 0.1, 0.8])];
    const cur = [arow('a', [0.88, 0.07, 0.05]), arow('b', [0.2, 0.4, 0.3]), arow('c', [0.1, 0.1])];
    const r = run({ tolerance: { proba: { abs: 0.05 }, 'proba[1]': { abs: 0.05 }, 'proba.2': { rel: 1 } } }, base, cur);
    assert.deepEqual(
      r.rules.filter((x) => x.field).map((x) => [x.id, x.verdict, x.violations, x.message]),
      [
        ['proba.abs', 'fail', 2, '`proba`: 2 of 3 rows differ from the baseline by more than 0.05 (max |Δ| 0.3 at `b`, element 1); 1 row has an array of another length than the baseline\'s'],
        ['proba[1].abs', 'fail', 1, '`proba[1]`: 1 of 3 rows differ from the baseline by more than 0.05 (max |Δ| 0.3 at `b`)'],
        ['proba.2.rel', 'fail', 1, '`proba.2`: 1 of 2 rows differ from the baseline by more than 100%; 1 of 3 matched rows not compared (absent in 1 of 3 current rows)'],
      ],
    );
    const f = r.fields.find((x) => x.field === 'proba')!;
    assert.equal(f.count, 3);
    assert.deepEqual([f.delta!.maxAbs, f.delta!.maxAbsKey, f.delta!.maxAbsIndex], [r.rules[0]!.value, 'b', 1]);
    assert.equal(f.baseline!.count, 9); // every element of the baseline arrays
    const b = r.offending.find((o) => o.key === 'b')!.fields.find((x) => x.field === 'proba')!;
    assert.deepEqual(b, { field: 'proba', baseline: [0.2, 0.7, 0.1], current: [0.2, 0.4, 0.3], delta: 0.4 - 0.7, index: 1, rules: ['proba.abs'] });
  });

  it('drift on a whole array fails: PSI and KS need one number per row', () => {
    const arow = (id: string, proba: unknown) => JSON.stringify({ id, proba });
    const base = [arow('a', [0.9, 0.1]), arow('b', [0.2, 0.8])];
    const r = run({ drift: { proba: { psi: 0.2, ks: 0.2 } } }, base, base);
    assert.deepEqual(
      r.rules.filter((x) => x.field).map((x) => [x.id, x.verdict, x.message]),
      [
        ['proba.psi', 'fail', '`proba`: PSI not computed: `proba` holds arrays and PSI needs one number per row; address an element, e.g. `proba[0]`'],
        ['proba.ks', 'fail', '`proba`: KS not computed: `proba` holds arrays and KS needs one number per row; address an element, e.g. `proba[0]`'],
      ],
    );
  });

  it('output and input schema failures are counted with their line numbers, not stopping at the first', () => {
    const validate = (r: unknown) => ((r as { probability: number }).probability > 1 ? 'probability must be <= 1' : undefined);
    const c = new Comparison({ testId: 't', key: 'id', tolerance: { probability: { abs: 1 } }, drift: {} }, { validateOutput: validate, validateInput: (r) => ('x' in (r as object) ? undefined : 'must have required property \'x\'') });
    c.addInput(1, '{"id":"a","x":1}');
    c.addInput(2, '{"id":"b"}');
    c.addBaseline(1, row('a', 'x', 0.5));
    c.addBaseline(2, row('b', 'x', 0.5));
    c.addCurrent(1, row('a', 'x', 1.5));
    c.addCurrent(2, row('b', 'x', 1.2));
    const r = c.finish(META);
    assert.deepEqual(r.problems, [
      { file: 'inputs', line: 2, message: "does not match the input schema: must have required property 'x'" },
      { file: 'current', line: 1, message: 'does not match the output schema: probability must be <= 1' },
      { file: 'current', line: 2, message: 'does not match the output schema: probability must be <= 1' },
    ]);
    assert.equal(r.rules.find((x) => x.id === 'output-schema')!.message, '2 outputs do not match the output schema; first: current line 1: does not match the output schema: probability must be <= 1');
    assert.equal(r.rules.find((x) => x.id === 'input-schema')!.verdict, 'fail');
  });

  it('drift: PSI over baseline-quantile bins (documented epsilon) and the KS statistic', () => {
    // baseline 0..99; current shifted by 20 and capped at 99
    const base = Array.from({ length: 100 }, (_, i) => row(`k${i}`, 'x', i));
    const cur = Array.from({ length: 100 }, (_, i) => row(`k${i}`, 'x', Math.min(99, i + 20)));
    const r = run({ drift: { probability: { psi: 0.1, ks: 0.1, bins: 10 } } }, base, cur);
    const p = r.rules.find((x) => x.id === 'probability.psi')!;
    const k = r.rules.find((x) => x.id === 'probability.ks')!;
    assert.equal(k.value, 0.2); // at 19: 20% of the baseline, none of the current
    assert.equal(k.message, '`probability`: KS statistic 0.2 > 0.1');
    // decile bins of the baseline hold 10% each; the current has 0, 0, 10% × 7 and 30% (the capped 99s)
    const expected = 2 * (PSI_EPSILON - 0.1) * Math.log(PSI_EPSILON / 0.1) + (0.3 - 0.1) * Math.log(0.3 / 0.1);
    assert.ok(Math.abs(p.value! - expected) < 1e-12, `${p.value} vs ${expected}`);
    assert.equal(p.verdict, 'fail');
    assert.equal(p.message, '`probability`: PSI 1.6 > 0.1 over 10 baseline-quantile bins');
  });

  it('stats: quantiles, KS and PSI on known inputs', () => {
    assert.equal(quantileSorted(Float64Array.from([1, 2, 3, 4]), 0.5), 2.5);
    assert.equal(ks(Float64Array.from([1, 2, 3]), Float64Array.from([1, 2, 3])), 0);
    assert.equal(ks(Float64Array.from([1, 2]), Float64Array.from([3, 4])), 1);
    // identical distributions: PSI 0; a bin empty on one side uses the epsilon
    const same = Float64Array.from([1, 2, 3, 4]);
    assert.equal(psi(same, same, 4).value, 0);
    const shifted = psi(Float64Array.from([1, 2, 3, 4]), Float64Array.from([10, 10, 10, 10]), 2);
    assert.deepEqual([shifted.baseline, shifted.current], [[2, 2], [0, 4]]);
    assert.equal(shifted.value, (PSI_EPSILON - 0.5) * Math.log(PSI_EPSILON / 0.5) + (1 - 0.5) * Math.log(1 / 0.5));
  });

  it('a passing test: verdict pass and every rule says so with its numbers', () => {
    const r = run({ labels: ['x'], tolerance: { probability: { abs: 0.05 }, label: { agreement: 1 } } }, [row('a', 'x', 0.5)], [row('a', 'x', 0.52)]);
    assert.equal(r.verdict, 'pass');
    assert.deepEqual(
      r.rules.map((x) => x.message),
      [
        '`probability`: all 1 rows within 0.05 of the baseline (max |Δ| 0.02)',
        '`label`: agreement 100% (1 of 1 rows) ≥ required 100%',
        'every baseline key has a current output',
        'no current output without a baseline row',
        'every key is unique',
        'every label is one of `x`',
      ],
    );
  });

  it('schema-only tests: accept and reject cases', () => {
    const validate = (r: unknown) => (typeof (r as { n?: unknown }).n === 'number' ? undefined : 'n must be number');
    const r = runSchemaOnlyTest({ testId: 'edge', against: 'input', accept: [{ id: 'ok', n: 1 }, { id: 'bad', n: 'x' }], reject: [{ n: 'x' }, { id: 'oops', n: 2 }] }, validate, META);
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(
      r.rules.map((x) => [x.id, x.verdict, x.message]),
      [
        ['accept[0]', 'pass', 'the input schema accepts `ok`'],
        ['accept[1]', 'fail', 'the input schema rejects `bad`, which it must accept: n must be number'],
        ['reject[0]', 'pass', 'the input schema rejects {"n":"x"} (n must be number)'],
        ['reject[1]', 'fail', 'the input schema accepts `oops`, which it must reject'],
      ],
    );
  });

  it('the report for many rows stays small: bounded samples, no per-row arrays', () => {
    const n = 20000;
    const c = new Comparison({ testId: 't', key: 'id', tolerance: { probability: { abs: 0.01 } }, drift: { probability: { psi: 0.1 } } });
    for (let i = 0; i < n; i++) c.addBaseline(i + 1, row(`k${i}`, 'x', (i % 100) / 100));
    for (let i = 0; i < n; i++) c.addCurrent(i + 1, row(`k${i}`, 'x', ((i % 100) + 5) / 100));
    const r = c.finish(META);
    assert.equal(r.offending.length, 100);
    assert.ok(JSON.stringify(r).length < 100_000, `report is ${JSON.stringify(r).length} bytes`);
  });
});

// The join by key keeps the baseline's keys in a typed-array hash table and
// takes lines in batches (src/core/contract/keys.ts, Comparison.flush). These
// tests hold it to a plain Map-based join, on keys chosen to be hard for it.
describe('contract comparison: the join by key', () => {
  /** Pairs of keys of the same length with the same 32-bit hashKey (found by search): the table must tell them apart by their characters. */
  const COLLIDING: Array<[string, string]> = [
    ['r0667786', 'r1526240'],
    ['é2775246', 'é3034780'],
  ];
  /** The same with a character above U+00FF (the table then holds every key in UTF-16). */
  const COLLIDING_WIDE: [string, string] = ['日522789', '日739192'];

  it('the colliding pairs do collide', () => {
    for (const [a, b] of [...COLLIDING, COLLIDING_WIDE]) assert.equal(hashKey(a), hashKey(b));
  });

  for (const wide of [false, true]) it(`KeyTable: numbers keys in order, finds them, tells colliding keys apart, rejects repeats (${wide ? 'with' : 'without'} characters above U+00FF)`, () => {
    const keys = ['', 'a', 'A', 'ä', 'é', 'x'.repeat(20000), ...COLLIDING.flat(), ...(wide ? ['日本', '😀', '\ud800', ...COLLIDING_WIDE] : [])];
    for (let i = 0; i < 5000; i++) keys.push(`k${i}`, `é${i}`);
    const t = new KeyTable();
    keys.forEach((k, i) => assert.equal(t.add(k), i, JSON.stringify(k).slice(0, 40)));
    assert.equal(t.size, keys.length);
    keys.forEach((k, i) => {
      assert.equal(t.find(k), i);
      assert.equal(t.add(k), -1);
      assert.equal(t.keyAt(i), k);
      assert.ok(t.equals(i, k));
    });
    for (const k of ['b', 'k5000', 'ä ', '日', '\udc00', 'x'.repeat(19999), 'r0667786 ', 'r0667787']) assert.equal(t.find(k), -1, k);
    assert.ok(!t.equals(keys.length, 'a'));
  });

  it('KeyTable: keys of one length (no end offsets kept), then one of another length', () => {
    const keys = [...COLLIDING.flat()];
    for (let i = 0; i < 3000; i++) keys.push(`r${String(i).padStart(7, '0')}`);
    const t = new KeyTable();
    const check = () =>
      keys.forEach((k, i) => {
        assert.equal(t.find(k), i);
        assert.equal(t.keyAt(i), k);
        assert.ok(t.equals(i, k) && !t.equals(i, `${k}x`) && (k === '' || !t.equals(i, k.slice(1))));
      });
    keys.forEach((k, i) => assert.equal(t.add(k), i));
    assert.equal(t.variableWidth, false);
    check();
    for (const k of ['r0667787', 'r000000', 'r00000000', 'x'.repeat(8)]) assert.equal(t.find(k), -1, k);
    const n = keys.length;
    keys.push('short', '', 'a much longer key', ...Array.from({ length: 3000 }, (_, i) => `k${i}`), 'r9999999');
    keys.slice(n).forEach((k, i) => assert.equal(t.add(k), n + i));
    assert.equal(t.variableWidth, true);
    check();
    assert.equal(t.add('r0001234'), -1);
  });

  /** What the join must give: a Map from key to baseline row, in plain code. */
  function referenceJoin(baseline: unknown[], current: unknown[]) {
    const key = (v: unknown) => {
      const k = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { id?: unknown }).id : undefined;
      return typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)) ? String(k) : undefined;
    };
    const index = new Map<string, number>();
    const baseLine: number[] = [];
    const duplicateSample: Array<{ key: string; line: number; file: string }> = [];
    const extraSample: Array<{ key: string; line: number }> = [];
    let duplicateBaseline = 0;
    let duplicateCurrent = 0;
    baseline.forEach((v, i) => {
      const k = key(v);
      if (k === undefined) return;
      if (index.has(k)) {
        duplicateBaseline++;
        duplicateSample.push({ key: k, line: i + 1, file: 'baseline' });
      } else {
        index.set(k, baseLine.length);
        baseLine.push(i + 1);
      }
    });
    const matched = new Set<number>();
    const extra = new Set<string>();
    current.forEach((v, i) => {
      const k = key(v);
      if (k === undefined) return;
      const idx = index.get(k);
      if (idx === undefined ? extra.has(k) : matched.has(idx)) {
        duplicateCurrent++;
        duplicateSample.push({ key: k, line: i + 1, file: 'current' });
      } else if (idx === undefined) {
        extra.add(k);
        extraSample.push({ key: k, line: i + 1 });
      } else matched.add(idx);
    });
    const missingSample = [...index].filter(([, idx]) => !matched.has(idx)).map(([k, idx]) => ({ key: k, line: baseLine[idx]! }));
    return { matched: matched.size, missing: missingSample.length, extra: extra.size, duplicateBaseline, duplicateCurrent, missingSample, extraSample, duplicateSample };
  }

  it('matches a plain Map join: shuffled and ordered outputs, duplicates, missing and extra keys, numeric keys, colliding and unicode keys, bad lines', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const [order, wide] of [['ordered', false], ['shuffled', false], ['nearly ordered', false], ['shuffled', true], ['ordered', true]] as const) {
      const pool: unknown[] = [...COLLIDING.flat(), '', 'ä', 'a"b', 1, '1', 2.5, '2.5', -0, 1e21, ...(wide ? ['日本', '😀', '\ud800', ...COLLIDING_WIDE] : [])];
      for (let i = 0; i < 3000; i++) pool.push(i % 3 ? `r${String(i).padStart(7, '0')}` : `é${i}`);
      const baseline: unknown[] = [];
      for (const id of pool) {
        if (rnd() < 0.9) baseline.push({ id, label: 'x', probability: rnd() });
        if (rnd() < 0.03) baseline.push({ id, label: 'x', probability: rnd() }); // duplicate
        if (rnd() < 0.01) baseline.push({ id: null }, [id], 'not json');
      }
      let current: unknown[] = baseline.filter(() => rnd() < 0.95).map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, probability: rnd() } : v));
      for (let i = 0; i < 50; i++) current.push({ id: `new-${i}`, label: 'x', probability: 0.5 }, ...(i % 10 ? [] : [{ id: `new-${i}` }]));
      if (order === 'shuffled') current = current.map((v) => [rnd(), v] as const).sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      if (order === 'nearly ordered') for (let i = 0; i + 3 < current.length; i += 97) [current[i], current[i + 3]] = [current[i + 3], current[i]];
      const text = (v: unknown) => (v === 'not json' ? '{"id": nope' : JSON.stringify(v));
      const c = new Comparison({ testId: 't', key: 'id', tolerance: { probability: { abs: 0.5 } }, drift: {} }, { keySampleLimit: 100000, problemLimit: 100000 });
      baseline.forEach((v, i) => c.addBaseline(i + 1, text(v)));
      current.forEach((v, i) => c.addCurrent(i + 1, text(v)));
      const r = c.finish(META);
      const want = referenceJoin(baseline, current);
      const { matched, missing, extra, duplicateBaseline, duplicateCurrent } = r.counts;
      assert.deepEqual({ matched, missing, extra, duplicateBaseline, duplicateCurrent, missingSample: r.missingSample, extraSample: r.extraSample, duplicateSample: r.duplicateSample }, want, `${order}, wide: ${wide}`);
      assert.ok(want.matched > 2500 && want.duplicateCurrent > 0 && want.duplicateBaseline > 0, 'the data exercises every case');
    }
  });

  it('lines handled in batches report exactly what rows handled one by one do, with unusable lines in between', () => {
    const spec: CompareSpec = { testId: 't', key: 'id', labels: ['s', 'v'], tolerance: { probability: { abs: 0.05, rel: 0.5 }, label: { agreement: 0.9 } }, drift: { probability: { psi: 0.1, ks: 0.1 } } };
    const options = { validateOutput: (v: unknown) => ((v as { probability?: number }).probability === 0.25 ? 'no quarters' : undefined), offendingLimit: 7 };
    const baseline = Array.from({ length: 1500 }, (_, i) => row(`k${(i * 7919) % 1500}`, i % 3 ? 's' : 'v', (i % 40) / 40));
    const current = Array.from({ length: 1600 }, (_, i) => (i % 211 === 5 ? '{"id":"k1","probability":NaN}' : i % 97 === 3 ? '{"probability":0.1}' : row(`k${(i * 7919 + (i % 5 === 0 ? 1 : 0)) % 1600}`, i % 4 ? 's' : i % 13 ? 'v' : 'w', ((i + (i % 9)) % 40) / 40)));
    const feed = (oneByOne: boolean) => {
      const c = new Comparison(spec, options);
      baseline.forEach((l, i) => (i % 300 === 299 ? c.unusableLine('baseline', i + 1, 'too long') : c.addBaseline(i + 1, l)));
      current.forEach((l, i) => {
        if (i % 500 === 499) c.unusableLine('current', i + 1, 'too long');
        else if (oneByOne && !l.includes('NaN')) c.addCurrentRow(i + 1, JSON.parse(l) as Record<string, unknown>);
        else c.addCurrent(i + 1, l);
      });
      return c.finish(META);
    };
    const batched = feed(false);
    assert.deepEqual(batched, feed(true));
    assert.ok(batched.offending.length === 7 && batched.problems.length > 20 && batched.counts.extra > 0 && batched.counts.duplicateCurrent > 0);
  });

  it('confusion matrix with more labels than the small counting array holds: counts, and labels in the order the pairs came', () => {
    const names = Array.from({ length: 40 }, (_, i) => `L${i}`);
    const base = names.flatMap((_, i) => [row(`a${i}`, names[i % 40]!, 0.5), row(`b${i}`, names[(i * 3) % 17]!, 0.5)]);
    const current = names.flatMap((_, i) => [row(`b${39 - i}`, names[(i * 7) % 40]!, 0.5), row(`a${39 - i}`, names[(39 - i) % 40]!, 0.5)]);
    const r = run({ tolerance: { label: { agreement: 0.5 } } }, base, current);
    // what the report must say: counts per (baseline, current) label pair, labels in the order the pairs were first seen
    const baseLabel = new Map(base.map((l) => [JSON.parse(l).id as string, JSON.parse(l).label as string]));
    const pairs = new Map<string, number>();
    for (const l of current) {
      const { id, label } = JSON.parse(l) as { id: string; label: string };
      const k = `${baseLabel.get(id)} ${label}`;
      pairs.set(k, (pairs.get(k) ?? 0) + 1);
    }
    const labels = [...new Set([...pairs.keys()].flatMap((k) => k.split(' ')))];
    const matrix = labels.map((b) => labels.map((c) => pairs.get(`${b} ${c}`) ?? 0));
    assert.deepEqual(r.fields[0]!.confusion, { labels, matrix });
    assert.ok(labels.length === 40 && [...pairs.keys()].length > 40);
  });

  it('sortFloats sorts like Float64Array.prototype.sort, -0 before +0, in a subarray too', () => {
    let seed = 3;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const n of [0, 7, 1024, 5000, 100000]) {
      const a = Float64Array.from({ length: n }, () => {
        const u = rnd();
        return u < 0.05 ? 0 : u < 0.1 ? -0 : u < 0.12 ? Infinity : u < 0.14 ? -Infinity : u < 0.2 ? 5e-324 * Math.floor(rnd() * 10) * (rnd() < 0.5 ? -1 : 1) : u < 0.5 ? Math.round(rnd() * 100) / 100 : (rnd() - 0.5) * 1e300;
      });
      const expected = Float64Array.from(a).sort();
      const within = new Float64Array(n + 3).fill(9);
      within.set(a, 3);
      for (const got of [sortFloats(Float64Array.from(a)), sortFloats(within.subarray(3), new Uint32Array(4))]) assert.deepEqual(new Uint8Array(got.slice().buffer), new Uint8Array(expected.buffer), `n = ${n}`);
      assert.deepEqual([...within.subarray(0, 3)], [9, 9, 9]);
    }
    const withNaN = Float64Array.from({ length: 2000 }, (_, i) => (i === 1000 ? NaN : 2000 - i));
    assert.deepEqual(sortFloats(Float64Array.from(withNaN)), Float64Array.from(withNaN).sort());
  });

  it('histogram, binCounts and psi on sorted values: the same as the pass over every value', () => {
    let seed = 11;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const series = (n: number, kind: number) =>
      Float64Array.from({ length: n }, () => {
        const u = rnd();
        if (kind === 0) return Math.round(u * 20) / 20; // many ties
        if (kind === 1) return u < 0.3 ? -0 : u < 0.6 ? 0 : u; // signed zeros
        if (kind === 2) return 7; // one value
        if (kind === 3) return u < 0.4 ? -0 : u < 0.7 ? 0 : -u; // the largest values are zeros of both signs
        return (u - 0.3) * 1e3;
      }).sort();
    for (let t = 0; t < 60; t++) {
      const a = series([0, 1, 5, 300, 3000][t % 5]!, t % 5);
      const b = series([3000, 0, 7, 299, 1][t % 5]!, t % 3 ? t % 5 : (t + 1) % 5);
      const bins = [20, 1, 3, 10][t % 4]!;
      assert.deepStrictEqual(histogram(a, b, bins, true), histogram(a, b, bins), `histogram ${t}`);
      if (a.length) {
        const edges = quantileEdges(a, bins);
        assert.deepStrictEqual(binCounts(b, edges, true), binCounts(b, edges), `binCounts ${t}`);
        assert.deepStrictEqual(psi(a, b, bins, true), psi(a, b, bins), `psi ${t}`);
      }
    }
  });
});

describe('Comparison: no key samples kept', () => {
  it('keySampleLimit 0 with duplicate, missing and extra keys: the rules say the counts, without an example', () => {
    const c = new Comparison({ testId: 't', key: 'id', tolerance: { p: { abs: 0.1 } }, drift: {} }, { keySampleLimit: 0 });
    ['{"id":"a","p":1}', '{"id":"a","p":1}', '{"id":"b","p":1}'].forEach((l, i) => c.addBaseline(i + 1, l));
    ['{"id":"a","p":1}', '{"id":"x","p":1}'].forEach((l, i) => c.addCurrent(i + 1, l));
    const r = c.finish({ contractPath: 'c.contract.yaml' });
    const msg = (id: string) => r.rules.find((x) => x.id === id)!.message;
    assert.equal(msg('duplicate-keys'), 'duplicate keys: 1 in the baseline, 0 in the current outputs');
    assert.equal(msg('missing-keys'), '1 baseline key has no current output');
    assert.equal(msg('extra-keys'), '1 current output has a key not in the baseline');
    assert.deepEqual([r.duplicateSample, r.missingSample, r.extraSample], [[], [], []]);
  });
});
