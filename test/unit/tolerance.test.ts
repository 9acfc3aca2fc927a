// One tolerance arithmetic, two callers: the contract comparison (the engine,
// src/core/contract/compare.ts) and the diff view's row check
// (src/core/diff/rowCheck.ts) must give every matched row the same verdict
// and the same numbers. Row by row, on hand-made pairs full of edge cases
// (NaN-like values, absent fields, arrays of other lengths, rel and abs
// tolerances of 0, a baseline of 0, labels, exact JSON), in the baseline's
// order and reversed: which rows are flagged, which rules each field breaks,
// its delta, the row's score, and per field the rows compared, the rule
// counts and the largest |Δ| with its key.
import * as assert from 'node:assert/strict';
import { Comparison, type CompareSpec } from '../../src/core/contract/compare';
import type { TestReport } from '../../src/core/contract/report';
import { checkField, diffSpecOf, ruleIds, RULE_ABS, RULE_AGREEMENT, RULE_EXACT, RULE_REL, type FieldCheck } from '../../src/core/diff/rowCheck';

const SPEC: CompareSpec = {
  testId: 'edges',
  key: 'id',
  tolerance: {
    p: { abs: 0.05 },
    r: { rel: 0.2 },
    r0: { rel: 0 },
    a0: { abs: 0 },
    both: { abs: 0.05, rel: 0.1 },
    ne: { abs: 1, exact: true },
    v: { abs: 0.05, rel: 0.5 },
    label: { agreement: 0.9 },
    obj: { exact: true },
  },
  drift: { d: { psi: 0.2 } },
};

type Row = Record<string, unknown>;

/** [id, baseline fields, current fields]: each pair exercises one or a few edges. */
const PAIRS: Array<[string, Row, Row]> = [
  ['inside', { p: 0.5, r: 10, r0: 3, a0: 1, both: 1, ne: 2, v: [0.5, 0.5], label: 'a', obj: { x: 1 }, d: 1 }, { p: 0.54, r: 11, r0: 3, a0: 1, both: 1.01, ne: 2, v: [0.52, 0.49], label: 'a', obj: { x: 1 }, d: 1.1 }],
  // 0.55 - 0.5 is a hair over 0.05 in floating point
  ['abs-boundary', { p: 0.5 }, { p: 0.55 }],
  ['abs-over', { p: 0.5, both: 1 }, { p: 0.9, both: 1.2 }],
  ['rel-over', { r: 10 }, { r: 13 }],
  // rel of 0: any difference is infinitely far outside
  ['rel-zero-tol', { r0: 5 }, { r0: 5.000001 }],
  ['rel-zero-tol-equal', { r0: 0 }, { r0: 0 }],
  // a baseline of 0: |b| floored at EPSILON
  ['rel-zero-base', { r: 0 }, { r: 1e-15 }],
  ['rel-zero-base-tiny', { r: 0 }, { r: 1e-20 }],
  ['abs-zero-tol', { a0: 1 }, { a0: 1.0000001 }],
  ['abs-zero-tol-equal', { a0: -2 }, { a0: -2 }],
  ['exact-number', { ne: 3 }, { ne: 3.5 }],
  ['exact-and-abs', { ne: 3 }, { ne: 5 }],
  // NaN-like: JSON has no NaN; these are the values the engine cannot use
  ['null-current', { p: 0.5, r: 1, label: 'a', obj: { x: 1 } }, { p: null, r: 'NaN', label: null, obj: null }],
  ['null-baseline', { p: null, r: 'NaN', label: null, obj: null }, { p: 0.5, r: 1, label: 'a', obj: { x: 1 } }],
  ['absent-current', { p: 0.5, label: 'a', obj: { x: 1 }, ne: 1 }, {}],
  ['absent-baseline', {}, { p: 0.5, label: 'a', obj: { x: 1 }, ne: 1 }],
  ['string-number', { p: '0.5' }, { p: '0.5' }],
  ['bool-number', { p: true }, { p: 0.5 }],
  // vectors
  ['vec-inside', { v: [1, 2, 3] }, { v: [1.01, 2.02, 3] }],
  ['vec-abs', { v: [1, 2, 3] }, { v: [1, 2.2, 3] }],
  ['vec-rel', { v: [0.01, 2, 3] }, { v: [0.04, 2, 3] }],
  ['vec-shorter', { v: [1, 2, 3] }, { v: [1, 2] }],
  ['vec-longer', { v: [1] }, { v: [1, 5] }],
  ['vec-empty', { v: [] }, { v: [] }],
  ['vec-empty-vs-one', { v: [] }, { v: [0.5] }],
  ['vec-null-element', { v: [1, 2] }, { v: [1, null] }],
  ['vec-string-element', { v: ['1', 2] }, { v: [1, 2] }],
  ['vec-vs-number', { v: [1, 2] }, { v: 1 }],
  ['number-vs-vec', { v: 1 }, { v: [1, 2] }],
  ['vec-ties', { v: [0, 0, 0] }, { v: [0.2, -0.2, 0.2] }],
  // labels
  ['label-flip', { label: 'a' }, { label: 'b' }],
  ['label-number-vs-string', { label: 1 }, { label: '1' }],
  ['label-bool', { label: true }, { label: 'true' }],
  // exact JSON
  ['obj-order', { obj: { x: 1, y: 2 } }, { obj: { y: 2, x: 1 } }],
  ['obj-equal', { obj: [1, { z: null }] }, { obj: [1, { z: null }] }],
  ['obj-absent-both', {}, {}],
  ['obj-absent-one', { obj: 0 }, {}],
  ['negative', { p: -1, r: -10, both: -1 }, { p: -1.2, r: -7, both: -1.04 }],
];

function engineReport(order: Array<[string, Row, Row]>): TestReport {
  const c = new Comparison(SPEC, { offendingLimit: PAIRS.length + 1 });
  PAIRS.forEach(([id, b], i) => c.addBaseline(i + 1, JSON.stringify({ id, ...b })));
  order.forEach(([id, , cur], i) => c.addCurrent(i + 1, JSON.stringify({ id, ...cur })));
  return c.finish({ contractPath: 'edges.contract.yaml' });
}

/** The row check's verdict on every pair, field by field, in the given order. */
function rowChecks(order: Array<[string, Row, Row]>, report: TestReport) {
  const spec = diffSpecOf({ ...report, compare: { key: SPEC.key, tolerance: SPEC.tolerance, drift: SPEC.drift } })!;
  return {
    spec,
    rows: order.map(([id, b, c]) => ({ id, checks: spec.fields.map((f) => ({ field: f.name, check: checkField(f, { id, ...b }, { id, ...c }) })) })),
  };
}

/** Infinity and NaN survive a deepEqual as themselves; this only names them in a failure. */
const n = (x: number | undefined) => (x === undefined ? 'absent' : Number.isNaN(x) ? 'NaN' : x);

for (const [name, order] of [
  ['in the baseline order', PAIRS],
  ['reversed (every row found through the hash table)', [...PAIRS].reverse()],
] as const) {
  describe(`tolerance: the diff view's row check and the contract comparison agree, ${name}`, () => {
    const report = engineReport(order);
    const { spec, rows } = rowChecks(order, report);

    it('flag the same rows, with the same rules, deltas and score per row', () => {
      const engine = new Map(report.offending.map((o) => [o.key, o]));
      assert.equal(engine.size, report.offending.length, 'one offending entry per key');
      const mine = rows.filter((r) => r.checks.some((c) => c.check.rules !== 0));
      assert.deepEqual(mine.map((r) => r.id).sort(), [...engine.keys()].sort());
      for (const r of mine) {
        const o = engine.get(r.id)!;
        const broken = r.checks.filter((c) => c.check.rules !== 0);
        assert.deepEqual(
          broken.map((c) => ({ field: c.field, rules: ruleIds(c.field, c.check.rules), delta: n(Number.isNaN(c.check.delta) ? undefined : c.check.delta) })),
          o.fields.map((f) => ({ field: f.field, rules: f.rules, delta: n(f.delta) })),
          r.id,
        );
        assert.equal(Math.max(...broken.map((c) => c.check.score)), o.score, `${r.id}: score`);
      }
    });

    it('compare the same rows per field, count the same violations per rule, find the same largest |Δ|', () => {
      for (const f of spec.fields) {
        const checks: Array<[string, FieldCheck]> = rows.map((r) => [r.id, r.checks.find((c) => c.field === f.name)!.check]);
        const fr = report.fields.find((x) => x.field === f.name)!;
        assert.equal(checks.filter(([, c]) => c.compared).length, fr.count, `${f.name}: rows compared`);
        const bits = (b: number) => checks.filter(([, c]) => c.rules & b).length;
        const byKind: Record<string, number> = { abs: bits(RULE_ABS), rel: bits(RULE_REL), exact: bits(RULE_EXACT | RULE_AGREEMENT), agreement: bits(RULE_AGREEMENT) };
        for (const rule of report.rules.filter((x) => x.field === f.name && x.violations !== undefined)) {
          assert.equal(byKind[rule.kind], rule.violations, rule.id);
        }
        if (f.kind !== 'numeric') continue;
        let maxAbs = 0;
        let maxAbsKey = '';
        for (const [id, c] of checks) {
          if (!c.compared || Number.isNaN(c.delta)) continue;
          if (Math.abs(c.delta) > maxAbs || maxAbsKey === '') {
            maxAbs = Math.abs(c.delta);
            maxAbsKey = id;
          }
        }
        assert.deepEqual([fr.delta!.maxAbs, fr.delta!.maxAbsKey], [maxAbs, maxAbsKey], `${f.name}: largest |Δ|`);
      }
    });

    it('the pairs reach every edge they are meant to (the comparison above cannot pass on nothing)', () => {
      const check = (id: string, field: string) => rows.find((r) => r.id === id)!.checks.find((c) => c.field === field)!.check;
      assert.deepEqual(check('abs-boundary', 'p'), { compared: true, rules: RULE_ABS, score: (0.55 - 0.5) / 0.05, delta: 0.55 - 0.5 });
      assert.deepEqual(check('rel-zero-tol', 'r0'), { compared: true, rules: RULE_REL, score: Infinity, delta: 5.000001 - 5 });
      assert.deepEqual(check('rel-zero-tol-equal', 'r0'), { compared: true, rules: 0, score: 0, delta: 0 });
      assert.equal(check('rel-zero-base', 'r').rules, RULE_REL);
      assert.equal(check('rel-zero-base-tiny', 'r').rules, 0);
      assert.deepEqual(check('abs-zero-tol', 'a0'), { compared: true, rules: RULE_ABS, score: Infinity, delta: 1.0000001 - 1 });
      assert.equal(check('exact-and-abs', 'ne').rules, RULE_ABS | RULE_EXACT);
      assert.equal(check('null-current', 'p').compared, false);
      assert.equal(check('null-baseline', 'label').compared, false);
      assert.equal(check('absent-current', 'obj').rules, RULE_EXACT);
      assert.equal(check('obj-absent-both', 'obj').compared, false);
      assert.deepEqual(check('vec-shorter', 'v'), { compared: true, rules: RULE_ABS | RULE_REL, score: Infinity, delta: NaN });
      assert.deepEqual(check('vec-empty', 'v'), { compared: true, rules: 0, score: 0, delta: NaN });
      assert.equal(check('vec-null-element', 'v').compared, false);
      assert.equal(check('vec-vs-number', 'v').compared, false);
      assert.equal(check('number-vs-vec', 'v').compared, false);
      assert.equal(check('vec-ties', 'v').delta, 0.2);
      assert.equal(check('label-flip', 'label').rules, RULE_AGREEMENT);
      assert.equal(check('label-number-vs-string', 'label').rules, 0);
      assert.equal(check('obj-order', 'obj').rules, RULE_EXACT);
      assert.deepEqual(
        report.offending.map((o) => o.key).sort(),
        [
          'abs-boundary', 'abs-over', 'abs-zero-tol', 'absent-baseline', 'absent-current', 'exact-and-abs', 'exact-number', 'label-flip', 'negative', 'null-baseline', 'null-current',
          'obj-absent-one', 'obj-order', 'rel-over', 'rel-zero-base', 'rel-zero-tol', 'vec-abs', 'vec-empty-vs-one', 'vec-longer', 'vec-rel', 'vec-shorter', 'vec-ties',
        ],
      );
      assert.equal(report.counts.matched, PAIRS.length);
    });
  });
}
