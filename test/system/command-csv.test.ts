// A `command` source whose stdout is CSV (`source.format: csv`): a header row,
// then one record per input, typed by the output schema as a CSV outputs
// file is. The command is the example's own model piped through a real
// converter process (JSONL to CSV, `scores` as JSON text), so every number
// must be the JSONL run's: the same rules, the same counts, the same kept
// outputs. With `batch`, each run writes its own header. A record that
// cannot be used is an error naming its row and its input line; without
// `format: csv` the CSV is what it always was, an output line that is not JSON.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const COMMAND = '  command: node model/predict.mjs --model model/v2.json\n  seed: 42\n  timeout: 60s\n  concurrency: 1\n  batch: 500\n';

/** JSONL on stdin, CSV on stdout: a header from the first record, objects as JSON text (quoted), `bad` replacing row 7's probability when given. */
const TO_CSV = `import { createInterface } from 'node:readline';
const bad = process.argv[2];
let cols; let n = 0;
const cell = (v) => { const s = typeof v === 'object' ? JSON.stringify(v) : String(v); return /[",\\r\\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  if (!cols) { cols = Object.keys(r); process.stdout.write(cols.join(',') + '\\r\\n'); }
  n++;
  if (bad && n === 7) r.probability = bad;
  process.stdout.write(cols.map((c) => cell(r[c])).join(',') + '\\r\\n');
}
`;

interface Report {
  tests: Array<{ verdict: string; reason?: string; counts: Record<string, number>; rules: unknown[]; offending: unknown[]; files?: { current?: string } }>;
}

function workspace(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-command-csv-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  writeFileSync(path.join(dir, 'model', 'to-csv.mjs'), TO_CSV);
  const file = path.join(dir, 'iris.contract.yaml');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(COMMAND));
  writeFileSync(file, text.replace(COMMAND, source));
  return dir;
}

function run(dir: string): { code: number | null; report: Report; stdout: string } {
  const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1 || r.code === 2, r.stdout + r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stdout: r.stdout };
}

describe('a command source that writes CSV (`format: csv`)', function () {
  this.timeout(120_000);

  const reference = (): Report['tests'][number] => run(workspace(COMMAND)).report.tests[0]!;

  it('one run for all the inputs: the JSONL run’s verdict, counts, rules and offending rows; the kept outputs are the same JSON objects', () => {
    const want = reference();
    assert.equal(want.verdict, 'fail');
    const dir = workspace('  command: node model/predict.mjs --model model/v2.json | node model/to-csv.mjs\n  format: csv\n  seed: 42\n  timeout: 60s\n');
    const { code, report } = run(dir);
    const t = report.tests[0]!;
    assert.equal(code, 1, JSON.stringify(t.reason));
    assert.deepEqual([t.verdict, t.counts, t.rules, t.offending], [want.verdict, want.counts, want.rules, want.offending]);
    const kept = readFileSync(path.join(dir, t.files!.current!), 'utf8').split('\n').filter(Boolean);
    assert.equal(kept.length, 150);
    assert.deepEqual(Object.keys(JSON.parse(kept[0]!) as object), ['id', 'label', 'probability', 'scores']);
    const text = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']).stdout;
    assert.match(text, /FAIL parity — 150 rows matched, 0 missing, 0 extra/);
  });

  it('with `batch: 40` (four runs, each writing its own header): the same numbers', () => {
    const want = reference();
    const dir = workspace('  command: node model/predict.mjs --model model/v2.json | node model/to-csv.mjs\n  format: csv\n  seed: 42\n  timeout: 60s\n  batch: 40\n');
    const t = run(dir).report.tests[0]!;
    assert.deepEqual([t.verdict, t.counts, t.rules, t.offending], [want.verdict, want.counts, want.rules, want.offending]);
  });

  it('`baseline record` from a CSV stdout writes the JSONL baseline the JSONL command writes', () => {
    const plain = workspace(COMMAND);
    const dir = workspace('  command: node model/predict.mjs --model model/v2.json | node model/to-csv.mjs\n  format: csv\n  seed: 42\n  timeout: 60s\n');
    for (const d of [plain, dir]) {
      const r = runCliProcess(d, ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity', '--model-version', '2.0.0', '--force']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    const read = (d: string): string => readFileSync(path.join(d, 'data', 'baseline-1.4.2.jsonl'), 'utf8');
    assert.equal(read(dir).split('\n').filter(Boolean).length, 150);
    assert.equal(read(dir), read(plain));
  });

  it('a cell that does not fit its column: an error naming the output row and its input line, exit 2', () => {
    const dir = workspace('  command: node model/predict.mjs --model model/v2.json | node model/to-csv.mjs high\n  format: csv\n  seed: 42\n  timeout: 60s\n');
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /ERROR parity — output row 7: column `probability` is "high", expected number \(input line 7\)/);
  });

  it('a quote that is never closed: an error naming the row, exit 2', () => {
    const dir = workspace(`  command: printf 'id,label,probability\\niris-001,"setosa,0.9\\n'\n  format: csv\n  seed: 42\n  timeout: 60s\n`);
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /ERROR parity — output row 1: the parsing is finished with an opening quote at line 2 \(/);
  });

  it('`format` on a file source: a config error saying where a file’s format goes', () => {
    const dir = workspace('  file: data/baseline-1.4.2.jsonl\n  format: csv\n  seed: 42\n');
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /`source\.format` is the format of a command's stdout/);
  });

  it('without `format: csv` the CSV is an output line that is not JSON, as before', () => {
    const dir = workspace('  command: node model/predict.mjs --model model/v2.json | node model/to-csv.mjs\n  seed: 42\n  timeout: 60s\n');
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /ERROR parity — output line 1 is not JSON: `id,label,probability,scores` \(input line 1\)/);
  });
});
