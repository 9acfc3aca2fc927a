// Outputs without a key, joined by position (`output.key: { fromInput: id }`),
// and bare predictions mapped to named fields (`output.fields`): the example's
// real model behind a pipe that drops the id (or reduces each output to a bare
// array), run through `rollback-lens test` as a user would. The report must be
// the keyed example's own, row for row; a count mismatch fails with both counts.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-keyless-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  return dir;
}

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${from} in ${file}`);
  writeFileSync(file, text.replace(from, to));
};

/** The example, its model's outputs piped through `reshape` (a JS expression of `o`, one output object). */
function keyless(reshape: string, output: string, extra = ''): string {
  const dir = copy();
  writeFileSync(
    path.join(dir, 'reshape.mjs'),
    `import { createInterface } from 'node:readline';\nlet n = 0;\nfor await (const line of createInterface({ input: process.stdin })) { const o = JSON.parse(line); n++; ${extra} process.stdout.write(JSON.stringify(${reshape}) + '\\n'); }\n`,
  );
  const contract = path.join(dir, 'iris.contract.yaml');
  edit(contract, 'command: node model/predict.mjs --model model/v2.json', 'command: node model/predict.mjs --model model/v2.json | node reshape.mjs');
  edit(contract, 'output:\n  key: id\n', `output:\n${output}`);
  return dir;
}

const HEAD = [
  'iris.contract.yaml (iris-classifier v3)',
  '  FAIL parity — 150 rows matched, 0 missing, 0 extra',
  '    ✗ probability.abs: `probability`: 20 of 150 rows differ from the baseline by more than 0.05 (max |Δ| 0.2155 at `iris-069`)',
  '    ✓ 9 rules passed',
  '      iris-069 (baseline line 69, current line 69): probability 0.657 → 0.8725 (Δ 0.2155)',
  '      iris-073 (baseline line 73, current line 73): probability 0.5795 → 0.7327 (Δ 0.1532)',
];

const lines = (stdout: string) => stdout.split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));

describe('outputs without a key (joined by position) and bare predictions (mapped to fields)', function () {
  this.timeout(60_000);

  it('outputs without `id`, `key: { fromInput: id }`: the keyed example\'s report, row keys and lines included; the kept outputs carry the key', async () => {
    const dir = keyless('{ label: o.label, probability: o.probability, scores: o.scores }', '  key: { fromInput: id }\n');
    const r = await runCli(dir, 'test', 'iris.contract.yaml', '--format', 'json');
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { tests: { testId: string; verdict: string; files?: { current?: string } }[] };
    const parity = report.tests.find((t) => t.testId === 'parity')!;
    assert.equal(parity.verdict, 'fail');
    const kept = readFileSync(path.join(dir, parity.files!.current!), 'utf8').split('\n').filter(Boolean);
    assert.equal(kept.length, 150);
    assert.deepEqual(JSON.parse(kept[68]!), { id: 'iris-069', label: 'versicolor', probability: 0.872492, scores: JSON.parse(kept[68]!).scores });
    const text = await runCli(dir, 'test', 'iris.contract.yaml');
    assert.deepEqual(lines(text.stdout).slice(0, 6), HEAD);
  });

  it('bare arrays `[label, probability, scores]` mapped by `fields: { label: $[0], … }`: the same report', async () => {
    const dir = keyless('[o.label, o.probability, o.scores]', '  key: { fromInput: id }\n  fields: { label: "$[0]", probability: "$[1]", scores: "$[2]" }\n');
    const r = await runCli(dir, 'test', 'iris.contract.yaml');
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(lines(r.stdout).slice(0, 6), HEAD);
  });

  it('fewer outputs than inputs fails with both counts, never a shifted join', async () => {
    const dir = keyless('{ label: o.label, probability: o.probability, scores: o.scores }', '  key: { fromInput: id }\n', 'if (n === 7) continue;');
    const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stdout + r.stderr, /the source gave 149 outputs for 150 inputs; outputs without a key join by position, so the counts must agree/);
  });

  it('more outputs than inputs fails with both counts', async () => {
    const dir = keyless('{ label: o.label, probability: o.probability, scores: o.scores }', '  key: { fromInput: id }\n', 'if (n === 150) process.stdout.write(JSON.stringify({ label: "setosa" }) + "\\n");');
    const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stdout, /ERROR parity — the run for input lines 1-150 wrote more outputs than its 150 inputs/);
    // without batches the command is one run, and the join by position sees the 151st output
    edit(path.join(dir, 'iris.contract.yaml'), '  batch: 500\n', '');
    const one = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(one.code, 2, one.stdout);
    assert.match(one.stdout, /ERROR parity — the source gave more than 150 outputs for 150 inputs; outputs without a key join by position, so the counts must agree/);
  });
});

describe('baseline record for outputs without a key', function () {
  this.timeout(60_000);

  it('the recorded baseline carries the key taken from the inputs, and the test then passes against it', async () => {
    const dir = keyless('[o.label, o.probability, o.scores]', '  key: { fromInput: id }\n  fields: { label: "$[0]", probability: "$[1]", scores: "$[2]" }\n');
    const rec = await runCli(dir, 'baseline', 'record', 'iris.contract.yaml', '--test', 'parity', '--force');
    assert.equal(rec.code, 0, rec.stderr);
    const lines = readFileSync(path.join(dir, 'data', 'baseline-1.4.2.jsonl'), 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 150);
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as object), ['id', 'label', 'probability', 'scores']);
    assert.equal((JSON.parse(lines[149]!) as { id: string }).id, 'iris-150');
    const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /PASS parity — 150 rows matched, 0 missing, 0 extra/);
  });
});
