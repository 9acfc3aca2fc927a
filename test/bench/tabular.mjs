// npm run bench, the tables: a contract comparison of 1M-row Parquet and CSV
// baseline/current pairs (src/node/tabular's readers, bundled as
// dist/tabular.js, feeding the core Comparison row by row, as
// src/node/contract/tables.ts does: Parquet outputs in one refilled row
// object, each handled at once), against a floor that reads the same two
// files with the same reader doing nothing else: hyparquet decoding every
// column of every row group (one row group at a time, as the reader does),
// csv-parse yielding every record (the options the contract run uses: no
// record info). Modules are loaded before the clock starts. Every run in a
// fresh child process, median of 3, with the child's peak RSS; inside the
// child each one runs in a worker thread with the contract-test worker's V8
// limits (contractWorkerLimits, src/node/contract/runner.ts), where the
// editor and the bundled CLI run contract tests.
//
// Two Parquet layouts of the same rows: 50,000-row groups (what `baseline
// record` writes) and one row group of 1M rows in 1 MiB pages (pyarrow's
// default for a table of up to 1Mi rows). The floor decodes each row group
// whole with hyparquet's parquetRead; the reader decodes flat columns page by
// page (src/node/tabular/parquetPages.ts), so the one-group floor holds the
// whole file decoded and the comparison a page per column.
//
//   node test/bench/tabular.mjs [--quick]        (also: run.mjs --tabular-only)
//   node test/bench/tabular.mjs --child <floor|compare|compare-all> <parquet|csv> <baseline> <current>
//
// The comparison reads what src/node/contract/tables.ts reads: a Parquet
// file's columns the contract compares (key, label, tolerance and drift
// fields; the floor decodes all six), and, as `compare-all`, every column of
// the outputs (a contract with an output schema validates whole output rows;
// baseline rows are never validated, so their unused columns stay undecoded).
//
// Targets: comparison ≤ 1.3× the floor; peak RSS ≤ 200 MB at 1M rows.
import { createRequire } from 'node:module';
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeBenchResults } from './results.mjs';
import { mulberry32, r6 } from './random.mjs';
import { peakRssKB } from './rss.mjs';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..', '..');
const tabular = require(join(root, 'dist/tabular.js'));
// loaded before any timing starts, in the floor's process too: what is measured is reading and comparing
const core = require(join(root, 'dist/bench/core.js'));
require('hyparquet');
require('hyparquet-compressors');
const { parquetWriteFile } = require('hyparquet-writer');
require('csv-parse');

const LABELS = ['setosa', 'versicolor', 'virginica'];
const SPEC = {
  testId: 'bench',
  key: 'id',
  labels: LABELS,
  tolerance: { probability: { abs: 0.05 }, label: { agreement: 0.98 } },
  drift: { probability: { psi: 0.1, ks: 0.1 } },
};
const SCHEMA = { properties: { id: { type: 'string' }, label: { type: 'string' }, probability: { type: 'number' }, setosa: { type: 'number' }, versicolor: { type: 'number' }, virginica: { type: 'number' } } };
const SEED = 20270115;


/** Baseline and current row i: the contracts bench's rows, the scores as three columns. */
export function rowPair(i) {
  const rnd = mulberry32(Math.imul(i + 1, 0x9e3779b1) ^ SEED);
  const w = [rnd() + 0.05, rnd() + 0.05, rnd() + 0.05];
  const sum = w[0] + w[1] + w[2];
  const p = w.map((x) => r6(x / sum));
  let best = 0;
  if (p[1] > p[best]) best = 1;
  if (p[2] > p[best]) best = 2;
  const id = `r${String(i + 1).padStart(7, '0')}`;
  const prob = r6(Math.min(1, Math.max(0, p[best] + (rnd() * 2 - 1) * 0.01)));
  const label = rnd() < 0.018 ? LABELS[(best + 1 + Math.floor(rnd() * 2)) % 3] : LABELS[best];
  const scores = { setosa: p[0], versicolor: p[1], virginica: p[2] };
  return [{ id, label: LABELS[best], probability: p[best], ...scores }, { id, label, probability: prob, ...scores }];
}

export async function generate(dir, n) {
  const files = {
    parquet: [join(dir, 'baseline.parquet'), join(dir, 'current.parquet')],
    'parquet-1group': [join(dir, 'baseline-1group.parquet'), join(dir, 'current-1group.parquet')],
    csv: [join(dir, 'baseline.csv'), join(dir, 'current.csv')],
  };
  // the same rows as one row group of 1 MiB pages: how pyarrow writes a table of up to 1Mi rows by default
  const whole = [0, 1].map(() => ({ id: [], label: [], probability: new Float64Array(n), setosa: new Float64Array(n), versicolor: new Float64Array(n), virginica: new Float64Array(n) }));
  const pw = [await tabular.writeTable(files.parquet[0], 'parquet'), await tabular.writeTable(files.parquet[1], 'parquet')];
  const fds = files.csv.map((f) => openSync(f, 'w'));
  const header = 'id,label,probability,setosa,versicolor,virginica\n';
  fds.forEach((fd) => writeSync(fd, header));
  let parts = [[], []];
  for (let i = 0; i < n; i++) {
    const pair = rowPair(i);
    for (let k = 0; k < 2; k++) {
      await pw[k].add(pair[k]);
      const r = pair[k];
      const w = whole[k];
      w.id.push(r.id);
      w.label.push(r.label);
      for (const f of ['probability', 'setosa', 'versicolor', 'virginica']) w[f][i] = r[f];
      parts[k].push(`${r.id},${r.label},${r.probability},${r.setosa},${r.versicolor},${r.virginica}\n`);
      if (parts[k].length === 8192) {
        writeSync(fds[k], parts[k].join(''));
        parts[k] = [];
      }
    }
  }
  for (let k = 0; k < 2; k++) {
    writeSync(fds[k], parts[k].join(''));
    closeSync(fds[k]);
    await pw[k].finish();
    const w = whole[k];
    parquetWriteFile({
      filename: files['parquet-1group'][k],
      rowGroupSize: n,
      columnData: [{ name: 'id', data: w.id, type: 'STRING' }, { name: 'label', data: w.label, type: 'STRING' }, ...['probability', 'setosa', 'versicolor', 'virginica'].map((f) => ({ name: f, data: w[f], type: 'DOUBLE' }))],
    });
  }
  return files;
}

// ---- what a child measures ---------------------------------------------------------

async function floorParquet(file) {
  const { parquetRead } = require('hyparquet');
  const { compressors } = require('hyparquet-compressors');
  const { buffer, close } = await tabular.openParquet(file);
  const groups = tabular.groupsOf(await tabular.parquetFooter(buffer));
  let cells = 0;
  for (let g = 0; g < groups.metadata.row_groups.length; g++) {
    await parquetRead({ file: buffer, metadata: groups.metadata, rowStart: groups.starts[g], rowEnd: groups.starts[g + 1], compressors, onChunk: (c) => (cells += c.columnData.length) });
  }
  await close();
  return cells;
}

async function floorCsv(file) {
  const { parse } = require('csv-parse');
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
  createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(parser);
  let n = 0;
  for await (const rec of parser) n += rec.length;
  return n;
}

async function compare(format, baseline, current, { allColumns = false } = {}) {
  const c = new core.Comparison(SPEC, { units: { baseline: 'row', current: 'row' } });
  // as src/node/contract/tables.ts reads them: typed by the schema, no byte offsets, the row count as a
  // sizing hint, a Parquet file's columns the comparison does not read left undecoded (allColumns: every
  // column of the outputs, as when an output schema validates them), outputs handled at once in one refilled object
  const reuse = format === 'parquet';
  const options = (which) => ({ types: tabular.columnTypes(SCHEMA), noPlaces: true, ...(allColumns && which === 'current' ? {} : { columns: c.columnsNeeded(which) }), ...(reuse && which === 'current' ? { reuseRow: true } : {}) });
  await tabular.readTable(baseline, format, { row: (n, v) => c.addBaselineRow(n, v), bad: (n, m) => c.unusableLine('baseline', n, m), rows: (t) => c.expectRows('baseline', t) }, options('baseline'));
  const addCurrent = reuse ? (n, v) => c.addCurrentRow(n, v) : (n, v) => c.addCurrentTableRow(n, v);
  await tabular.readTable(current, format, { row: addCurrent, bad: (n, m) => c.unusableLine('current', n, m), rows: (t) => c.expectRows('current', t) }, options('current'));
  const r = c.finish({ contractPath: 'bench' });
  return { matched: r.counts.matched, verdict: r.verdict };
}

const MEASURES = {
  floor: async (format, b, c) => ({ cells: format === 'parquet' ? (await floorParquet(b)) + (await floorParquet(c)) : (await floorCsv(b)) + (await floorCsv(c)) }),
  compare,
  'compare-all': (format, b, c) => compare(format, b, c, { allColumns: true }),
};

function inChild(what, format, baseline, current) {
  return JSON.parse(execFileSync(process.execPath, [here, '--child', what, format, baseline, current], { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runTabularBench({ quick = false } = {}) {
  const n = quick ? 100_000 : 1_000_000;
  const runs = 3;
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-tabular-'));
  const out = {};
  try {
    console.log(`\ncontract comparison on tables, ${n.toLocaleString('en')} rows (fresh process per run, median of ${runs}; floor: the same reader, nothing else)`);
    const files = await generate(dir, n);
    for (const layout of ['parquet', 'parquet-1group', 'csv']) {
      const [b, c] = files[layout];
      const format = layout === 'csv' ? 'csv' : 'parquet';
      // Parquet also as a contract that validates its outputs reads it: every column of the outputs decoded
      const kinds = format === 'parquet' ? ['floor', 'compare', 'compare-all'] : ['floor', 'compare'];
      const ms = Object.fromEntries(kinds.map((k) => [k, []]));
      const cpu = Object.fromEntries(kinds.map((k) => [k, []]));
      const rss = Object.fromEntries(kinds.map((k) => [k, []]));
      let matched;
      for (let i = 0; i < runs; i++) {
        for (const what of kinds) {
          const r = inChild(what, format, b, c);
          ms[what].push(r.ms);
          cpu[what].push(r.cpuMs);
          rss[what].push(r.maxRSSKB / 1024);
          if (what === 'compare') matched = r.matched;
        }
      }
      const r2 = (x) => Math.round(x * 100) / 100;
      const floor = median(ms.floor);
      const res = { rows: n, bytes: statSync(b).size, floorMs: Math.round(floor), floorCpuMs: Math.round(median(cpu.floor)), floorPeakRssMB: Math.round(Math.max(...rss.floor)), matched };
      for (const what of kinds.slice(1)) {
        const key = what === 'compare' ? '' : 'All';
        Object.assign(res, {
          [`compare${key}Ms`]: Math.round(median(ms[what])),
          [`compare${key}CpuMs`]: Math.round(median(cpu[what])),
          [key ? 'ratioAll' : 'ratio']: r2(median(ms[what]) / floor),
          [key ? 'cpuRatioAll' : 'cpuRatio']: r2(median(cpu[what]) / median(cpu.floor)),
          [key ? 'peakRssAllMB' : 'peakRssMB']: Math.round(Math.max(...rss[what])),
        });
      }
      out[layout] = res;
      console.log(
        `  ${(layout === 'parquet-1group' ? 'parquet, one row group' : layout === 'parquet' ? 'parquet, 50,000-row groups' : layout).padEnd(27)} floor ${String(res.floorMs).padStart(6)} ms  compare ${String(res.compareMs).padStart(6)} ms  ${res.ratio.toFixed(2)}× (target ≤ 1.30×; CPU time ${res.cpuRatio.toFixed(2)}×)  peak RSS ${res.peakRssMB} MB (floor ${res.floorPeakRssMB} MB; target ≤ 200 MB)  matched ${matched}`,
      );
      if (res.compareAllMs !== undefined) {
        console.log(`  ${''.padEnd(27)} every output column decoded (an output schema validates them): compare ${String(res.compareAllMs).padStart(6)} ms  ${res.ratioAll.toFixed(2)}× (CPU time ${res.cpuRatioAll.toFixed(2)}×)  peak RSS ${res.peakRssAllMB} MB`);
      }
    }
    mergeBenchResults('tabular', out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** One measurement in a worker thread with the contract-test worker's limits: its time and CPU time there, the process' peak RSS. */
function inWorker(what, format, baseline, current) {
  return new Promise((resolve, reject) => {
    const w = new Worker(here, { workerData: { what, format, baseline, current }, resourceLimits: core.contractWorkerLimits() });
    w.once('message', (r) => resolve({ ...r, maxRSSKB: peakRssKB() }));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the measuring worker exited (${code}) before reporting`)));
  });
}

if (!isMainThread && workerData?.what) {
  const { what, format, baseline, current } = workerData;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await MEASURES[what](format, baseline, current);
  const ms = performance.now() - t0;
  // a worker's process.cpuUsage() is the whole process' (libuv has no per-thread figure): the child does nothing else
  const cpu = process.cpuUsage(c0);
  parentPort.postMessage({ ms, cpuMs: (cpu.user + cpu.system) / 1000, ...r });
} else if (process.argv[1] === here) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, what, format, baseline, current] = argv;
    process.stdout.write(JSON.stringify(await inWorker(what, format, baseline, current)));
  } else {
    await runTabularBench({ quick: argv.includes('--quick') });
  }
}
