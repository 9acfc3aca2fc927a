// The Comparison fed parsed rows (tables: addInputRow, addBaselineRow,
// addCurrentTableRow, batched like lines) reports exactly what it reports
// when fed the same rows as JSONL text, duplicates, extra and missing keys,
// rows without a key and out-of-order rows included.
import * as assert from 'node:assert/strict';
import { Comparison, type CompareSpec } from '../../src/core/contract/compare';

const SPEC: CompareSpec = {
  testId: 't',
  key: 'id',
  labels: ['a', 'b', 'c'],
  tolerance: { p: { abs: 0.05 }, label: { agreement: 0.9 } },
  drift: { p: { psi: 0.2, ks: 0.2 } },
};

function rows(): { baseline: Array<Record<string, unknown>>; current: Array<Record<string, unknown>> } {
  const baseline: Array<Record<string, unknown>> = [];
  const current: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 1500; i++) {
    const p = ((i * 7919) % 1000) / 1000;
    baseline.push({ id: `k${i}`, label: 'abc'[i % 3], p });
    if (i % 97 === 5) continue; // missing
    current.push({ id: `k${i}`, label: 'abc'[(i + (i % 41 === 0 ? 1 : 0)) % 3], p: p + (i % 13 === 0 ? 0.1 : 0.001) });
  }
  baseline.push({ id: 'k7', label: 'a', p: 0 }); // duplicate in the baseline
  baseline.push({ label: 'a', p: 0 }); // no key
  current.push({ id: 'extra', label: 'a', p: 0 });
  current.push({ id: 'k9', label: 'a', p: 0 }); // duplicate
  // out of order: swap blocks
  const moved = current.splice(300, 400);
  current.push(...moved);
  return { baseline, current };
}

describe('comparison: parsed rows are compared exactly as lines', () => {
  it('the same report from rows as from JSONL text', () => {
    const { baseline, current } = rows();
    const text = new Comparison(SPEC);
    const parsed = new Comparison(SPEC);
    baseline.forEach((r, i) => text.addBaseline(i + 1, JSON.stringify(r)));
    current.forEach((r, i) => text.addCurrent(i + 1, JSON.stringify(r)));
    baseline.forEach((r, i) => parsed.addBaselineRow(i + 1, structuredClone(r)));
    current.forEach((r, i) => parsed.addCurrentTableRow(i + 1, structuredClone(r)));
    const a = text.finish({ contractPath: 'c' });
    const b = parsed.finish({ contractPath: 'c' });
    assert.deepEqual(b, a);
    assert.deepEqual([a.counts.matched, a.counts.missing, a.counts.extra, a.counts.duplicateBaseline, a.counts.duplicateCurrent, a.counts.invalidBaseline], [1500 - 16, 16, 1, 1, 1, 1]);
  });
});
