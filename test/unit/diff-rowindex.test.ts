// The diff view's row index against the contract-test engine: the index
// re-checks every matched row with src/core/diff/rowCheck.ts, and its counts
// per field and rule must be the engine's (FieldReport.outsideTolerance and
// each rule's violations), on generated pairs full of edge cases. Then
// queries: order, filters, search, pages read back by byte offset. The
// example's parity test, whose outputs come from a real model process, is in
// test/system/diff-rowindex.test.ts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_QUERY } from '../../src/core/diff/protocol';
import { checkNumeric, RULE_ABS, RULE_REL } from '../../src/core/diff/rowCheck';
import { runContractTests } from '../../src/node/contract/run';
import { RowIndex } from '../../src/node/diff/rowIndex';
import { assertSameCounts, indexOf } from '../support/rowIndex';

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'rl-diff-'));
}

describe('diff view: per-row checks agree with the engine', function () {
  this.timeout(60_000);

  it('checkNumeric: abs, rel and exact as the engine applies them', () => {
    assert.deepEqual(checkNumeric({ abs: 0.05 }, 0.5, 0.54), { compared: true, rules: 0, score: 0, delta: 0.54 - 0.5 });
    // floating point as the engine sees it: 0.55 - 0.5 is a hair over 0.05
    assert.equal(checkNumeric({ abs: 0.05 }, 0.5, 0.55).rules, RULE_ABS);
    const c = checkNumeric({ abs: 0.05, rel: 0.1 }, 1, 1.2);
    assert.equal(c.rules, RULE_ABS | RULE_REL);
    assert.equal(Number(c.score.toFixed(6)), 4); // 0.2 / 0.05
    assert.equal(checkNumeric({ abs: 0.05 }, NaN, 1).compared, false);
    assert.equal(checkNumeric({ rel: 0.1 }, 0, 1e-15).rules, RULE_REL); // |b| floored at EPSILON: 1e-15 / 2.2e-16 > 0.1
    assert.equal(checkNumeric({ rel: 0.1 }, 0, 1e-20).rules, 0);
  });

  it('generated pairs with abs, rel, exact numbers, exact objects, labels, NaN-like values, duplicates, extras and bad lines', async () => {
    for (const seed of [1, 2, 3]) {
      const dir = tmp();
      const { baseline, current } = edgePair(seed, 2000);
      writeFileSync(path.join(dir, 'baseline.jsonl'), baseline);
      writeFileSync(path.join(dir, 'current.jsonl'), current);
      writeFileSync(path.join(dir, 'inputs.jsonl'), '{"id":"x"}\n');
      writeFileSync(
        path.join(dir, 'edge.contract.yaml'),
        [
          'apiVersion: rollback-lens/v1',
          'kind: InterfaceContract',
          'metadata: { name: edge, version: 1 }',
          'input: { schema: { type: object } }',
          'output: { key: id }',
          'source: { file: current.jsonl }',
          'tests:',
          '  - id: edge',
          '    inputs: inputs.jsonl',
          '    baseline: baseline.jsonl',
          '    tolerance:',
          '      score: { rel: 0.2 }',
          '      p: { abs: 0.1 }',
          '      count: { exact: true }',
          '      meta.tag: { exact: true }',
          '      label: { agreement: 0.9 }',
          '      zero: { abs: 0 }',
          '      gone: { exact: true }', // in no row: neither the engine nor the index compares it
          '      proba: { abs: 0.05 }', // element-wise
          '      proba.1: { rel: 0.5 }',
          '      proba[2]: { abs: 0.05 }',
          '      proba.0: { exact: true }',
          '    drift:',
          '      drifty: { psi: 0.2 }',
          '',
        ].join('\n'),
      );
      const report = (await runContractTests(path.join(dir, 'edge.contract.yaml'), { workspace: dir })).tests[0]!;
      assert.equal(report.verdict, 'fail', report.reason);
      assert.ok(report.counts.duplicateCurrent > 0 && report.counts.duplicateBaseline > 0 && report.counts.extra > 0 && report.counts.invalidCurrent > 0, JSON.stringify(report.counts));
      const index = await indexOf(report, dir);
      assertSameCounts(report, index);
      const f = index.counts().fields.score!;
      assert.ok(f.outside > 0 && index.counts().fields.p!.outside > 0, 'both numeric fields have rows outside');
      const proba = index.counts().fields.proba!;
      assert.ok(proba.compared > 1000 && proba.abs > 0 && proba.abs < proba.compared && index.counts().fields['proba.1']!.rel > 0, `arrays compared element-wise: ${JSON.stringify(proba)}`);
      assert.ok(report.rules.find((x) => x.id === 'proba.abs')!.message.includes('of another length'), 'some arrays are one element short');
      // the outside-only filter returns exactly the rows with a flag
      const outside = index.select({ ...DEFAULT_QUERY, outsideOnly: true });
      assert.equal(outside.length, index.counts().outside);
      const inScore = index.select({ ...DEFAULT_QUERY, outsideOnly: true, field: 'score' });
      assert.equal(inScore.length, f.outside);
      await index.dispose();
    }
  });

  it('queries: sort by key and by |Δ|, search by key, pages by offset', async () => {
    const dir = tmp();
    const rows = (n: number, shift: (i: number) => number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `k-${String(i).padStart(3, '0')}`, score: i / 10 + shift(i) })).join('\n') + '\n';
    writeFileSync(path.join(dir, 'b.jsonl'), rows(200, () => 0));
    writeFileSync(path.join(dir, 'c.jsonl'), rows(200, (i) => (i % 7 === 0 ? 0.5 : 0.01 * (i % 3))));
    const spec = { key: 'id', fields: [{ name: 'score', path: ['score'], kind: 'numeric' as const, tolerance: { abs: 0.1 } }] };
    const index = await RowIndex.build(spec, { baseline: path.join(dir, 'b.jsonl'), current: path.join(dir, 'c.jsonl') });
    assert.equal(index.rows, 200);
    assert.equal(index.counts().outside, 29); // i % 7 === 0 for i in 0..199
    const byKeyDesc = await index.page({ ...DEFAULT_QUERY, sort: 'key', desc: true }, 0, 2);
    assert.deepEqual(byKeyDesc.rows.map((r) => r.key), ['k-199', 'k-198']);
    const absDelta = await index.page({ ...DEFAULT_QUERY, sort: 'absdelta:score', desc: false }, 0, 1);
    assert.equal(absDelta.rows[0]!.cells[0]!.delta, 0);
    const search = await index.page({ ...DEFAULT_QUERY, search: 'K-19', sort: 'line', desc: false }, 0, 50);
    assert.deepEqual(search.rows.map((r) => r.key), [...Array.from({ length: 10 }, (_, i) => `k-19${i}`)]);
    const late = await index.page({ ...DEFAULT_QUERY, sort: 'line', desc: false }, 195, 50);
    assert.deepEqual([late.total, late.rows.length, late.rows[0]!.key, late.rows[0]!.currentLine], [200, 5, 'k-195', 196]);
    // the files changed since the index was built: a page refuses rather than misreads
    writeFileSync(path.join(dir, 'c.jsonl'), rows(200, () => 1));
    await assert.rejects(index.page(DEFAULT_QUERY, 0, 1), /the current file changed after its rows were indexed/);
    await index.dispose();
  });
});

/** A baseline array of 3 probabilities, sometimes a string or a single number instead. */
function probaOf(rnd: () => number): unknown {
  const x = rnd();
  if (x < 0.02) return 'x';
  if (x < 0.04) return 0.5;
  const a = rnd();
  const b = rnd() * (1 - a);
  return [a, b, 1 - a - b];
}

/** The current array: each element moved by up to ±0.06, sometimes one element short or with a null. */
function noisy(a: number[], rnd: () => number): unknown[] {
  const out: unknown[] = a.map((v) => v + (rnd() - 0.5) * 0.12);
  const x = rnd();
  if (x < 0.03) out.pop();
  else if (x < 0.05) out[1] = null;
  return out;
}

/** A deterministic baseline/current pair with every kind of edge case. */
function edgePair(seed: number, n: number): { baseline: string; current: string } {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const labels = ['a', 'b', 'c'];
  const b: string[] = [];
  const c: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = rnd() < 0.02 ? i : `r-${i}`; // some numeric keys
    const score = rnd() < 0.03 ? (rnd() < 0.5 ? 'oops' : null) : Math.round(rnd() * 1000) / 100;
    const base = { id, score, p: rnd(), count: Math.floor(rnd() * 5), meta: { tag: rnd() < 0.5 ? 'x' : ['x', 1] }, label: rnd() < 0.02 ? null : labels[i % 3], zero: 1, drifty: rnd(), proba: probaOf(rnd) };
    b.push(JSON.stringify(base));
    if (rnd() < 0.01) b.push(JSON.stringify({ ...base, score: -5 })); // duplicate baseline key
    if (rnd() < 0.01) continue; // missing in current
    const cur = {
      id: typeof id === 'number' && rnd() < 0.5 ? String(id) : id,
      score: typeof base.score === 'number' ? (rnd() < 0.1 ? base.score * (1 + (rnd() - 0.5)) : base.score + (rnd() - 0.5) * 0.15) : base.score,
      p: rnd() < 0.05 ? 'NaN' : base.p + (rnd() - 0.5) * 0.25,
      count: rnd() < 0.05 ? base.count + 1 : base.count,
      meta: rnd() < 0.05 ? { tag: 'y' } : rnd() < 0.02 ? {} : base.meta,
      label: rnd() < 0.08 ? labels[(i + 1) % 3] : rnd() < 0.01 ? undefined : base.label,
      zero: rnd() < 0.05 ? 1.0000001 : 1,
      drifty: rnd() * 2,
      proba: Array.isArray(base.proba) ? noisy(base.proba, rnd) : base.proba,
    };
    c.push(JSON.stringify(cur));
    if (rnd() < 0.01) c.push(JSON.stringify({ ...cur, score: 99 })); // duplicate current key
    if (rnd() < 0.01) c.push(JSON.stringify({ ...cur, id: `extra-${i}` }));
    if (rnd() < 0.01) c.push('{not json');
    if (rnd() < 0.01) c.push('');
  }
  // shuffle part of the current rows: the join must not rely on order
  for (let i = 0; i < c.length / 10; i++) {
    const a = Math.floor(rnd() * c.length);
    const z = Math.floor(rnd() * c.length);
    [c[a], c[z]] = [c[z]!, c[a]!];
  }
  return { baseline: b.join('\n') + '\n', current: c.join('\n') + '\n' };
}
