// The diff view's row index on the example's failing parity test, whose
// current outputs come from a real model process (examples/iris's
// model/predict.mjs): the kept outputs file, the index's counts against the
// engine's, and the worst rows first as in the report's offending sample.
// The generated edge cases and the queries are in test/unit/diff-rowindex.test.ts.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_QUERY } from '../../src/core/diff/protocol';
import { runContractTests } from '../../src/node/contract/run';
import { assertSameCounts, indexOf } from '../support/rowIndex';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'rl-diff-'));
}

describe('diff view: per-row checks agree with the engine (a real model)', function () {
  this.timeout(60_000);

  it("the example's failing parity test (a real model): 20 probability rows, 1 label flip, as the engine counts", async () => {
    const dir = tmp();
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
    const report = (await runContractTests(path.join(dir, 'iris.contract.yaml'), { workspace: dir, testIds: ['parity'] })).tests[0]!;
    assert.equal(report.verdict, 'fail');
    // the command's outputs were kept so every row can be paged
    assert.equal(report.files!.current, `.rollback-lens/outputs/iris.contract.yaml--parity--${report.runId}.jsonl`);
    assert.equal(readFileSync(path.join(dir, '.rollback-lens/outputs/.gitignore'), 'utf8'), '*\n');
    assert.deepEqual(report.compare, { key: 'id', tolerance: { label: { agreement: 0.98 }, probability: { abs: 0.05 } }, drift: { probability: { psi: 0.25, ks: 0.2, bins: 10 } } });
    const index = await indexOf(report, dir);
    assertSameCounts(report, index);
    const counts = index.counts();
    assert.deepEqual(counts.fields.probability, { compared: 150, outside: 20, abs: 20, rel: 0, exact: 0, agreement: 0 });
    assert.deepEqual(counts.fields.label, { compared: 150, outside: 1, abs: 0, rel: 0, exact: 0, agreement: 1 });
    assert.equal(counts.outside, 21); // the flipped label's row (iris-120) is inside on probability

    // worst first, as the report's offending sample
    const page = await index.page(DEFAULT_QUERY, 0, 3);
    assert.equal(page.total, 150);
    assert.deepEqual(
      page.rows.map((r) => r.key),
      report.offending.slice(0, 3).map((o) => o.key),
    );
    const top = page.rows[0]!;
    assert.deepEqual([top.key, top.baselineLine, top.currentLine], ['iris-069', 69, 69]);
    const prob = top.cells.find((c) => c.field === 'probability')!;
    assert.deepEqual([prob.baseline, prob.current, prob.outside, prob.rules], [0.657031, 0.872492, true, ['probability.abs']]);
    await index.dispose();
  });
});
