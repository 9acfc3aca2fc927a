// `rollback-lens test` and `baseline record` on tables: CSV inputs, Parquet
// and CSV baselines, Parquet / CSV / JSON array outputs of a `source.file`,
// CSV inputs handed to the example's command source. The tables are the
// example's own JSONL files converted here, so every number is derived from
// a JSONL run of the same data: the same rules, the same counts. The CLI
// runs as a real process (its bundle beside the tabular bundle). The diff
// view's row index pages the same tables.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_QUERY } from '../../src/core/diff/protocol';
import { runContractTests } from '../../src/node/contract/run';
import { writeTable } from '../../src/node/tabular';
import { assertSameCounts, indexOf } from '../support/rowIndex';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

type Row = Record<string, unknown>;

function jsonl(file: string): Row[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
}

async function table(file: string, rows: Row[]): Promise<void> {
  const format = path.extname(file).slice(1) as 'csv' | 'parquet' | 'json';
  const w = await writeTable(file, format);
  for (const r of rows) await w.add(r);
  await w.finish();
}

function csv(rows: Row[]): string {
  const cols = Object.keys(rows[0]!);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => (typeof r[c] === 'object' ? `"${JSON.stringify(r[c]).replace(/"/g, '""')}"` : String(r[c]))).join(','))].join('\r\n') + '\r\n';
}

/** A copy of the example with the contract edited by the [from, to] pairs. */
function workspace(edits: Array<[string, string]>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-tabular-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  const file = path.join(dir, 'iris.contract.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of edits) {
    assert.ok(text.includes(from), from);
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
  return dir;
}

const COMMAND = '  command: node model/predict.mjs --model model/v2.json\n  seed: 42\n  timeout: 60s\n  concurrency: 1\n  batch: 500\n';
const fileSource = (f: string): [string, string] => [COMMAND, `  file: ${f}\n  seed: 42\n`];
const files = (inputs: string, baseline: string): [string, string] => ['    inputs: data/inputs.jsonl\n    baseline: data/baseline-1.4.2.jsonl\n', `    inputs: ${inputs}\n    baseline: ${baseline}\n`];

interface Report {
  tests: Array<{
    verdict: string;
    reason?: string;
    counts: Record<string, number>;
    rules: Array<{ id: string; verdict: string; message: string; violations?: number; value?: number }>;
    offending: Array<{ key: string; baselineLine: number; currentLine: number }>;
    problems: Array<{ file: string; line: number; message: string }>;
    units?: Record<string, string>;
  }>;
}

function test(dir: string): { code: number | null; report: Report; stdout: string } {
  const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, r.stdout + r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stdout: r.stdout };
}

/** The example's baseline with iris-069's probability moved by +0.2 and iris-120's label flipped. */
function changed(baseline: Row[]): Row[] {
  return baseline.map((r) => (r.id === 'iris-069' ? { ...r, probability: (r.probability as number) + 0.2 > 1 ? (r.probability as number) - 0.2 : (r.probability as number) + 0.2 } : r.id === 'iris-120' ? { ...r, label: r.label === 'virginica' ? 'versicolor' : 'virginica' } : r));
}

describe('contract tests on CSV, Parquet and JSON array files', function () {
  this.timeout(120_000);

  it('CSV inputs, a Parquet baseline and Parquet outputs give the numbers the same rows give as JSONL', async () => {
    const jsonlDir = workspace([fileSource('data/outputs.jsonl')]);
    const baseline = jsonl(path.join(jsonlDir, 'data', 'baseline-1.4.2.jsonl'));
    writeFileSync(path.join(jsonlDir, 'data', 'outputs.jsonl'), changed(baseline).map((r) => JSON.stringify(r) + '\n').join(''));
    const reference = test(jsonlDir).report.tests[0]!;
    assert.equal(reference.counts.matched, 150);

    const dir = workspace([fileSource('data/outputs.parquet'), files('data/inputs.csv', 'data/baseline-1.4.2.parquet')]);
    writeFileSync(path.join(dir, 'data', 'inputs.csv'), csv(jsonl(path.join(dir, 'data', 'inputs.jsonl'))));
    await table(path.join(dir, 'data', 'baseline-1.4.2.parquet'), baseline);
    // its sidecar would be the JSONL baseline's (baseline-1.4.2.meta.json), which describes other bytes
    rmSync(path.join(dir, 'data', 'baseline-1.4.2.meta.json'));
    await table(path.join(dir, 'data', 'outputs.parquet'), changed(baseline));
    const { code, report } = test(dir);
    const t = report.tests[0]!;
    assert.equal(code, 1, JSON.stringify(t.reason ?? t.problems));
    const text = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']).stdout;
    assert.match(text, /^ {6}iris-069 \(baseline row 69, current row 69\): probability /m);
    assert.deepEqual(t.units, { inputs: 'row', baseline: 'row', current: 'row' });
    assert.deepEqual(t.counts, { ...reference.counts, inputRows: 150 });
    assert.deepEqual(t.rules, reference.rules);
    assert.deepEqual(
      t.offending.map((o) => [o.key, o.baselineLine, o.currentLine]),
      [
        ['iris-069', 69, 69],
        ['iris-120', 120, 120],
      ],
    );
    assert.equal(t.rules.find((r) => r.id === 'probability.abs')!.violations, 1);
  });

  it('a bad CSV output row is an unusable row reported by its row number; the other rows are compared', () => {
    const dir = workspace([fileSource('data/outputs.csv')]);
    const baseline = jsonl(path.join(dir, 'data', 'baseline-1.4.2.jsonl')).map(({ scores: _s, ...r }) => r);
    const text = csv(baseline).replace(/^iris-005,setosa,[^\r]*/m, 'iris-005,setosa,high');
    writeFileSync(path.join(dir, 'data', 'outputs.csv'), text);
    const { report, stdout } = test(dir);
    const t = report.tests[0]!;
    assert.deepEqual(t.units, { current: 'row' });
    assert.deepEqual(t.problems, [{ file: 'current', line: 5, message: 'column `probability` is "high", expected number' }]);
    assert.equal(t.counts.matched, 149);
    assert.equal(t.rules.find((r) => r.id === 'invalid-lines')!.message, '1 record could not be used (0 baseline, 1 current, 0 inputs); first: current row 5: column `probability` is "high", expected number');
    const text2 = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']).stdout;
    assert.match(text2, /^ {6}current row 5: column `probability` is "high", expected number$/m);
    void stdout;
  });

  it('JSON array outputs (pandas orient="records") with an explicit format: pass against the JSONL baseline', () => {
    const dir = workspace([[COMMAND, '  file: { file: data/outputs.txt, format: json }\n  seed: 42\n']]);
    const baseline = jsonl(path.join(dir, 'data', 'baseline-1.4.2.jsonl'));
    writeFileSync(path.join(dir, 'data', 'outputs.txt'), JSON.stringify(baseline));
    const { code, report } = test(dir);
    assert.equal(code, 0, JSON.stringify(report.tests[0]!.rules));
    assert.equal(report.tests[0]!.counts.matched, 150);
  });

  it('a Parquet file named .jsonl is said to be Parquet, its bytes are not echoed as "not JSON"', async () => {
    const dir = workspace([fileSource('data/outputs.jsonl')]);
    await table(path.join(dir, 'data', 'outputs.parquet'), jsonl(path.join(dir, 'data', 'baseline-1.4.2.jsonl')));
    writeFileSync(path.join(dir, 'data', 'outputs.jsonl'), readFileSync(path.join(dir, 'data', 'outputs.parquet')));
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /ERROR parity — the outputs file `data\/outputs.jsonl` is a Parquet file \(it starts with `PAR1`\): name it `.parquet` or give `format: parquet`/);
  });

  it('CSV inputs reach the command source as JSONL: the example model gives the JSONL run\'s rules', () => {
    const reference = test(workspace([])).report.tests[0]!;
    const dir = workspace([files('data/inputs.csv', 'data/baseline-1.4.2.jsonl')]);
    writeFileSync(path.join(dir, 'data', 'inputs.csv'), csv(jsonl(path.join(dir, 'data', 'inputs.jsonl'))));
    // the sidecar's inputs digest is of the JSONL inputs: this test is about rows, not provenance
    const meta = path.join(dir, 'data', 'baseline-1.4.2.meta.json');
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { inputs: { digest?: string } };
    delete m.inputs.digest;
    writeFileSync(meta, JSON.stringify(m));
    const t = test(dir).report.tests[0]!;
    assert.deepEqual(t.rules, reference.rules);
    assert.deepEqual(t.counts, reference.counts);
  });

  it('baseline record writes a Parquet baseline (sidecar beside it, named as for JSONL) and the test passes against it', () => {
    const dir = workspace([[COMMAND, '  command: node model/predict.mjs --model model/v1.json\n  seed: 42\n  timeout: 60s\n  concurrency: 1\n  batch: 500\n'], files('data/inputs.jsonl', 'data/baseline-new.parquet')]);
    const r = runCliProcess(dir, ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity', '--model-version', '1.4.2']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^recorded 150 outputs of iris-classifier 1\.4\.2 \(seed 42\) into data\/baseline-new\.parquet\n/);
    assert.equal(readFileSync(path.join(dir, 'data', 'baseline-new.parquet')).subarray(0, 4).toString(), 'PAR1');
    assert.ok(existsSync(path.join(dir, 'data', 'baseline-new.meta.json')));
    const { code, report } = test(dir);
    assert.equal(code, 0, JSON.stringify(report.tests[0]!.rules));
    assert.deepEqual([report.tests[0]!.counts.matched, report.tests[0]!.units], [150, { baseline: 'row' }]);
  });
});

describe('diff view: the row index pages tables', function () {
  this.timeout(120_000);

  for (const [baselineName, currentName] of [
    ['baseline-1.4.2.parquet', 'outputs.csv'],
    ['baseline-1.4.2.csv', 'outputs.json'],
  ] as const) {
    it(`a ${path.extname(baselineName)} baseline and ${path.extname(currentName)} outputs: the engine's counts, rows read back by row number`, async () => {
      const dir = workspace([fileSource(`data/${currentName}`), files('data/inputs.jsonl', `data/${baselineName}`)]);
      rmSync(path.join(dir, 'data', 'baseline-1.4.2.meta.json'));
      const baseline = jsonl(path.join(dir, 'data', 'baseline-1.4.2.jsonl'));
      const flat = (rows: Row[]): Row[] => rows.map(({ scores: _s, ...r }) => r);
      for (const [name, rows] of [
        [baselineName, flat(baseline)],
        [currentName, flat(changed(baseline))],
      ] as const) {
        if (name.endsWith('.csv')) writeFileSync(path.join(dir, 'data', name), csv(rows));
        else await table(path.join(dir, 'data', name), rows);
      }
      const report = (await runContractTests(path.join(dir, 'iris.contract.yaml'), { workspace: dir, testIds: ['parity'] })).tests[0]!;
      assert.equal(report.counts.matched, 150);
      const index = await indexOf(report, dir);
      assertSameCounts(report, index);
      assert.equal(index.counts().outside, 2);
      const page = await index.page(DEFAULT_QUERY, 0, 2);
      assert.deepEqual(
        page.rows.map((r) => [r.key, r.baselineLine, r.currentLine]),
        [
          ['iris-069', 69, 69],
          ['iris-120', 120, 120],
        ],
      );
      const b69 = baseline[68]!;
      const prob = page.rows[0]!.cells.find((c) => c.field === 'probability')!;
      assert.deepEqual([prob.baseline, prob.current, prob.outside], [b69.probability, changed(baseline)[68]!.probability, true]);
      const label = page.rows[1]!.cells.find((c) => c.field === 'label')!;
      assert.deepEqual([label.baseline, label.current, label.outside], [baseline[119]!.label, changed(baseline)[119]!.label, true]);
      // rows on the last page too (the last Parquet row group, the end of the CSV)
      const last = await index.page({ ...DEFAULT_QUERY, sort: 'line', desc: false }, 149, 1);
      assert.deepEqual([last.rows[0]!.key, last.rows[0]!.baselineLine, last.rows[0]!.cells.find((c) => c.field === 'probability')!.baseline], ['iris-150', 150, baseline[149]!.probability]);
      await index.dispose();
    });
  }
});
