// A Parquet file written as one big row group (pyarrow's default: up to 1Mi
// rows in one group) is read with bounded memory: page by page, not the
// group whole. The reader runs in a worker thread whose heap is too small to
// hold the group's decoded columns (as the contract-test worker would run
// it), bundled from the current sources; it must read every row and compare
// them, where decoding the group whole ran out of heap. The file has many
// pages (a 64 KiB page size), so a page is a small part of it.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { parquetWriteFile } from 'hyparquet-writer';

const ROOT = path.resolve(__dirname, '..', '..');
const ROWS = 300_000;

describe('Parquet: one big row group is read page by page', function () {
  this.timeout(120_000);
  let dir: string;
  let worker: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rl-parquet-memory-'));
    const ids: string[] = [];
    const labels: string[] = [];
    const p = new Float64Array(ROWS);
    for (let i = 0; i < ROWS; i++) {
      ids.push(`row-${String(i).padStart(9, '0')}-${'x'.repeat(24)}`);
      labels.push(['setosa', 'versicolor', 'virginica'][i % 3]!);
      p[i] = (i % 1000) / 1000;
    }
    parquetWriteFile({
      filename: path.join(dir, 'big.parquet'),
      rowGroupSize: ROWS,
      pageSize: 64 * 1024,
      columnData: [
        { name: 'id', data: ids, type: 'STRING' },
        { name: 'label', data: labels, type: 'STRING' },
        { name: 'p', data: p, type: 'DOUBLE' },
      ],
    });
    // the reader (src/node/tabular) and a contract comparison of the file with itself, in a worker
    writeFileSync(
      path.join(dir, 'entry.ts'),
      [
        `import { parentPort, workerData } from 'node:worker_threads';`,
        `import { readTable } from ${JSON.stringify(path.join(ROOT, 'src/node/tabular/index.ts'))};`,
        `import { Comparison } from ${JSON.stringify(path.join(ROOT, 'src/core/contract/compare.ts'))};`,
        `(async () => {`,
        `  const c = new Comparison({ testId: 't', key: 'id', labels: ['setosa', 'versicolor', 'virginica'], tolerance: { p: { abs: 0 } }, drift: {} }, { units: { baseline: 'row', current: 'row' } });`,
        `  const columns = (w: 'baseline' | 'current') => ({ columns: c.columnsNeeded(w) });`,
        `  await readTable(workerData, 'parquet', { row: (n, v) => c.addBaselineRow(n, v), bad: (n, m) => c.unusableLine('baseline', n, m), rows: (t) => c.expectRows('baseline', t) }, columns('baseline'));`,
        `  await readTable(workerData, 'parquet', { row: (n, v) => c.addCurrentRow(n, v), bad: (n, m) => c.unusableLine('current', n, m), rows: (t) => c.expectRows('current', t) }, { ...columns('current'), reuseRow: true });`,
        `  const r = c.finish({ contractPath: 'big' });`,
        `  parentPort!.postMessage({ verdict: r.verdict, matched: r.counts.matched, missing: r.counts.missing, extra: r.counts.extra });`,
        `})();`,
      ].join('\n'),
    );
    worker = path.join(dir, 'worker.js');
    await esbuild.build({ entryPoints: [path.join(dir, 'entry.ts')], outfile: worker, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`compares ${ROWS.toLocaleString('en')} rows of a single row group within a 16 MB heap`, async () => {
    // decoded whole, the group's id strings alone are ~20 MB: the old reader ran out of heap at 24 MB (it passed at 40); page by page it passes in 8
    const result = await new Promise((resolve, reject) => {
      const w = new Worker(worker, { workerData: path.join(dir, 'big.parquet'), resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 8 } });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`the worker exited (${code}) without an answer`)));
    });
    assert.deepEqual(result, { verdict: 'pass', matched: ROWS, missing: 0, extra: 0 });
  });
});
