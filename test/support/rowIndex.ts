// What test/unit/diff-rowindex.test.ts and test/system/diff-rowindex.test.ts
// both do: build the diff view's row index from a contract test's report (its
// recorded compare spec and files), and check that the index's counts are the
// engine's, field by field and rule by rule.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { TestReport } from '../../src/core/contract/report';
import { diffSpecOf } from '../../src/core/diff/rowCheck';
import { RowIndex } from '../../src/node/diff/rowIndex';

/** The row index of a report's baseline and current files (relative to dir). */
export async function indexOf(report: TestReport, dir: string): Promise<RowIndex> {
  const spec = diffSpecOf(report);
  assert.ok(spec, 'the report records its compare spec');
  assert.ok(report.files?.baseline && report.files.current, `the report names both files: ${JSON.stringify(report.files)}`);
  return RowIndex.build(spec, { baseline: path.resolve(dir, report.files.baseline), current: path.resolve(dir, report.files.current) });
}

/** The index's counts must be the engine's, field by field and rule by rule. */
export function assertSameCounts(report: TestReport, index: RowIndex): void {
  const counts = index.counts();
  assert.equal(counts.matched, report.counts.matched, 'matched rows');
  for (const f of report.fields) {
    const mine = counts.fields[f.field]!;
    assert.ok(mine, `the index has field ${f.field}`);
    assert.equal(mine.compared, f.count, `${f.field}: rows compared`);
    // the engine's outsideTolerance is the largest of its rule counts
    const engineOutside = f.kind === 'numeric' ? Math.max(mine.abs, mine.rel, mine.exact) : Math.max(mine.agreement, mine.exact);
    assert.equal(engineOutside, f.outsideTolerance, `${f.field}: outsideTolerance`);
    for (const r of report.rules.filter((x) => x.field === f.field && x.violations !== undefined)) {
      const kind = r.kind as 'abs' | 'rel' | 'exact' | 'agreement';
      const n = kind === 'exact' && f.kind === 'categorical' && mine.agreement ? mine.agreement : mine[kind];
      assert.equal(n, r.violations, `${r.id}: violations`);
    }
  }
}
