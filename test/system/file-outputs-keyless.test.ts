// A `source.file` of outputs without a key, shaped like a command's or an
// http source's: `output.key: { fromInput: id }` (the n-th output line takes
// the key of the n-th input) and `output.fields` (bare predictions mapped to
// named fields). The outputs file is the example's 1.4.2 baseline with the id
// removed (as objects, or reduced to bare arrays), so the test must pass with
// every row matched; the CLI runs as a real process. A count mismatch fails
// with both counts, never a shifted join.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeTable } from '../../src/node/tabular';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

interface Row {
  id: string;
  label: string;
  probability: number;
  scores: Record<string, number>;
}

/** A copy of the example whose contract reads `data/outputs.jsonl` (each baseline row through `reshape`) with `output` as given. */
function workspace(reshape: (r: Row) => unknown, output: string, drop?: number, outputs = 'data/outputs.jsonl'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-file-keyless-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  const rows = readFileSync(path.join(dir, 'data', 'baseline-1.4.2.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  const kept = rows.filter((_r, i) => i !== drop);
  writeFileSync(path.join(dir, 'data', 'outputs.jsonl'), kept.map((r) => JSON.stringify(reshape(r)) + '\n').join(''));
  const file = path.join(dir, 'iris.contract.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of [
    ['output:\n  key: id\n', `output:\n${output}`],
    ['  command: node model/predict.mjs --model model/v2.json\n  seed: 42\n  timeout: 60s\n  concurrency: 1\n  batch: 500\n', `  file: ${outputs}\n  seed: 42\n`],
  ] as const) {
    assert.ok(text.includes(from), from);
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
  return dir;
}

describe('source.file outputs without a key, shaped by output.key fromInput and output.fields', function () {
  this.timeout(60_000);

  it('objects without `id`, `key: { fromInput: id }`: every row matched by the key of its input; the kept outputs carry it', () => {
    const dir = workspace(({ id: _id, ...rest }) => rest, '  key: { fromInput: id }\n');
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as { tests: Array<{ testId: string; verdict: string; matched: number; missing: unknown[]; extra: unknown[]; files?: { current?: string } }> };
    const parity = report.tests[0]!;
    assert.deepEqual([parity.testId, parity.verdict], ['parity', 'pass']);
    const kept = readFileSync(path.join(dir, parity.files!.current!), 'utf8').split('\n').filter(Boolean);
    assert.equal(kept.length, 150);
    assert.deepEqual(Object.keys(JSON.parse(kept[68]!) as object), ['id', 'label', 'probability', 'scores']);
    assert.equal((JSON.parse(kept[68]!) as Row).id, 'iris-069');
    const text = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.match(text.stdout, /PASS parity — 150 rows matched, 0 missing, 0 extra/);
  });

  it('bare arrays `[label, probability, scores]` mapped by `fields`: the same verdict', () => {
    const dir = workspace((r) => [r.label, r.probability, r.scores], '  key: { fromInput: id }\n  fields: { label: "$[0]", probability: "$[1]", scores: "$[2]" }\n');
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASS parity — 150 rows matched, 0 missing, 0 extra/);
  });

  it('a file with one output fewer than the inputs: an error with both counts, exit 2', () => {
    const dir = workspace((r) => [r.label, r.probability, r.scores], '  key: { fromInput: id }\n  fields: { label: "$[0]", probability: "$[1]", scores: "$[2]" }\n', 6);
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /ERROR parity — the source gave 149 outputs for 150 inputs; outputs without a key join by position, so the counts must agree/);
  });
});

/** The example's workspace whose outputs are a table (`data/outputs.<format>`) of the baseline rows through `reshape`. */
async function tableWorkspace(format: 'csv' | 'parquet' | 'json', reshape: (r: Row) => Record<string, unknown>, output: string): Promise<string> {
  const dir = workspace(() => ({}), output, undefined, `data/outputs.${format}`);
  const rows = readFileSync(path.join(dir, 'data', 'baseline-1.4.2.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => reshape(JSON.parse(l) as Row));
  const w = await writeTable(path.join(dir, 'data', `outputs.${format}`), format);
  for (const r of rows) await w.add(r);
  await w.finish();
  return dir;
}

describe('source.file tables (CSV, Parquet, JSON array) without a key, shaped by output.key fromInput and output.fields', function () {
  this.timeout(60_000);

  for (const format of ['csv', 'parquet', 'json'] as const) {
    it(`a ${format} file of rows without \`id\`, \`key: { fromInput: id }\`: every row matched by the key of its input; the kept outputs carry it`, async () => {
      const dir = await tableWorkspace(format, ({ id: _id, ...rest }) => rest, '  key: { fromInput: id }\n');
      const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const parity = (JSON.parse(r.stdout) as { tests: Array<{ testId: string; verdict: string; files?: { current?: string } }> }).tests[0]!;
      assert.deepEqual([parity.testId, parity.verdict], ['parity', 'pass']);
      const kept = readFileSync(path.join(dir, parity.files!.current!), 'utf8').split('\n').filter(Boolean);
      assert.equal(kept.length, 150);
      assert.deepEqual(JSON.parse(kept[68]!), { id: 'iris-069', label: 'versicolor', probability: 0.657031, scores: { setosa: 0.000022, versicolor: 0.657031, virginica: 0.342947 } });
      const text = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
      assert.match(text.stdout, /PASS parity — 150 rows matched, 0 missing, 0 extra/);
    });
  }

  it('a CSV of bare columns `pred,p` mapped by `fields` (`p` typed as the number `probability` is): the same verdict', async () => {
    const dir = await tableWorkspace('csv', (r) => ({ pred: r.label, p: r.probability }), '  key: { fromInput: id }\n  fields: { label: "$.pred", probability: "$.p" }\n');
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASS parity — 150 rows matched, 0 missing, 0 extra/);
  });

  it('a CSV row that cannot be used: an error naming the file and the row, exit 2 (a join by position cannot skip it)', async () => {
    const dir = await tableWorkspace('csv', ({ id: _id, ...rest }) => rest, '  key: { fromInput: id }\n');
    const file = path.join(dir, 'data', 'outputs.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[7] = lines[7]!.replace(/,0\.\d+,/, ',high,');
    writeFileSync(file, lines.join('\n'));
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /ERROR parity — the outputs file `data\/outputs\.csv` row 7: column `probability` is "high", expected number; outputs without a key join by position, so every row must be usable/);
  });
});
