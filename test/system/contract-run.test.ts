// `rollback-lens test` and `baseline record` end to end on a copy of the
// example: the real model process, the real files, exact summaries.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli, runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-contract-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  return dir;
}

const cli = runCli;

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${from} in ${file}`);
  writeFileSync(file, text.replace(from, to));
};

describe('rollback-lens test (the example contract, a real model process)', function () {
  this.timeout(60_000);

  it('text: 2.0.0 fails parity on probabilities only, with the numbers and the worst rows; exit 1', async () => {
    const dir = copy();
    const r = await cli(dir, 'test', 'iris.contract.yaml');
    assert.equal(r.code, 1);
    const lines = r.stdout.split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));
    assert.deepEqual(lines.slice(0, 6), [
      'iris.contract.yaml (iris-classifier v3)',
      '  FAIL parity — 150 rows matched, 0 missing, 0 extra',
      '    ✗ probability.abs: `probability`: 20 of 150 rows differ from the baseline by more than 0.05 (max |Δ| 0.2155 at `iris-069`)',
      '    ✓ 9 rules passed',
      '      iris-069 (baseline line 69, current line 69): probability 0.657 → 0.8725 (Δ 0.2155)',
      '      iris-073 (baseline line 73, current line 73): probability 0.5795 → 0.7327 (Δ 0.1532)',
    ]);
    assert.equal(lines.at(-2), '2 passed, 1 failed');
  });

  it('json: the versioned report; junit: one testcase per rule', async () => {
    const dir = copy();
    const json = await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
    const report = JSON.parse(json.stdout);
    assert.equal(report.reportVersion, 1);
    assert.equal(report.tests[0].fields.find((f: { field: string }) => f.field === 'label').agreement, 149 / 150);
    assert.deepEqual(report.tests[0].baseline.version, '1.4.2');
    const junit = await cli(dir, 'test', 'iris.contract.yaml', '--format', 'junit');
    assert.equal((junit.stdout.match(/<testcase /g) ?? []).length, 10 + 6 + 3);
    assert.equal((junit.stdout.match(/<failure /g) ?? []).length, 1);
    assert.match(junit.stdout, /<testcase classname="iris-classifier.parity" name="probability.abs"><failure message="`probability`: 20 of 150 rows/);
  });

  it('a misspelt tolerance key (`probabilty`) fails parity with the reason, as a real process; exit 1', () => {
    const dir = copy();
    edit(path.join(dir, 'iris.contract.yaml'), '      probability: { abs: 0.05 }', '      probabilty: { abs: 0.05 }');
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));
    assert.deepEqual(lines.slice(0, 4), [
      'iris.contract.yaml (iris-classifier v3)',
      '  FAIL parity — 150 rows matched, 0 missing, 0 extra',
      '    ✗ probabilty.abs: `probabilty`: no row compared (absent in 150 of 150 baseline rows; absent in 150 of 150 current rows)',
      '    ✓ 9 rules passed',
    ]);
    assert.equal(lines.at(-2), '0 passed, 1 failed');
  });

  it('validate catches the misspelt field before any run: unknown-field on its key with a did-you-mean, as a real process; exit 1', () => {
    const dir = copy();
    const file = path.join(dir, 'iris.contract.yaml');
    edit(file, '      probability: { abs: 0.05 }', '      probabilty: { abs: 0.05 }');
    const text = readFileSync(file, 'utf8');
    const before = text.slice(0, text.indexOf('probabilty: { abs'));
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    const r = runCliProcess(dir, ['validate', 'iris.contract.yaml']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stdout,
      `iris.contract.yaml:${line}:${col}: error unknown-field \`probabilty\` is not a field of the output schema (\`schemas/iris-output.schema.json\`), so no row can be compared — did you mean \`probability\`?\n`,
    );
    assert.equal(r.stderr, '1 file checked: 1 error, 0 warnings\n');
  });

  it('arrays as a real process: a whole-array tolerance is element-wise and names the worst element; `proba[2]` addresses one; drift on the whole array fails; exit 1', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-arrays-'));
    const rows = (ps: number[][]) => ps.map((p, i) => JSON.stringify({ id: `r${i}`, proba: p })).join('\n') + '\n';
    writeFileSync(path.join(dir, 'inputs.jsonl'), '{"id":"r0"}\n{"id":"r1"}\n');
    writeFileSync(path.join(dir, 'baseline.jsonl'), rows([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]]));
    writeFileSync(path.join(dir, 'current.jsonl'), rows([[0.88, 0.07, 0.05], [0.2, 0.4, 0.3]]));
    writeFileSync(
      path.join(dir, 'a.contract.yaml'),
      [
        'apiVersion: rollback-lens/v1',
        'kind: InterfaceContract',
        'metadata: { name: arrays, version: 1 }',
        'input: { schema: { type: object } }',
        'output: { key: id }',
        'source: { file: current.jsonl }',
        'tests:',
        '  - id: t',
        '    inputs: inputs.jsonl',
        '    baseline: baseline.jsonl',
        '    tolerance:',
        '      proba: { abs: 0.05 }',
        '      proba[2]: { abs: 0.25 }',
        '    drift:',
        '      proba: { ks: 0.5 }',
        '',
      ].join('\n'),
    );
    const r = runCliProcess(dir, ['test', 'a.contract.yaml']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));
    assert.deepEqual(lines.slice(1, 7), [
      '  FAIL t — 2 rows matched, 0 missing, 0 extra',
      '    ✗ proba.abs: `proba`: 1 of 2 rows differ from the baseline by more than 0.05 (max |Δ| 0.3 at `r1`, element 1)',
      '    ✗ proba.ks: `proba`: KS not computed: `proba` holds arrays and KS needs one number per row; address an element, e.g. `proba[0]`',
      '    ✓ 5 rules passed', // proba[2].abs, the three key rules, input-schema
      '      r1 (baseline line 2, current line 2): proba[1] 0.7 → 0.4 (Δ -0.3)',
      '0 passed, 1 failed',
    ]);
  });

  it('a baseline recorded with another seed fails with that reason, not with deltas', async () => {
    const dir = copy();
    edit(path.join(dir, 'iris.contract.yaml'), '  seed: 42', '  seed: 7');
    const r = await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^ {2}FAIL parity — baseline was recorded with seed 42, the contract now uses 7/m);
    assert.match(r.stdout, /✗ provenance: baseline was recorded with seed 42, the contract now uses 7/);
  });

  it('an edited baseline fails with "baseline changed since it was recorded", as a real process; baseline record accepts a new one', () => {
    const dir = copy();
    const baseline = path.join(dir, 'data/baseline-1.4.2.jsonl');
    const meta = JSON.parse(readFileSync(path.join(dir, 'data/baseline-1.4.2.meta.json'), 'utf8'));
    // one probability nudged inside the tolerance: the comparison alone would not notice
    edit(baseline, '"probability":0.657', '"probability":0.658');
    const now = `sha256:${createHash('sha256').update(readFileSync(baseline)).digest('hex')}`;
    const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.code, 1, r.stderr);
    const reason = `baseline changed since it was recorded: its sidecar says ${meta.digest.slice(0, 19)}…, the file is ${now.slice(0, 19)}… now; \`rollback-lens baseline record\` accepts a new one`;
    assert.equal(r.stdout.split('\n')[1]!.replace(/ \(\d+\.\d s\)$/, ''), `  FAIL parity — ${reason}`);
    assert.ok(r.stdout.includes(`    ✗ provenance: ${reason}\n`), r.stdout);
    const rec = runCliProcess(dir, ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity', '--model-file', 'model/v2.json', '--force']);
    assert.equal(rec.code, 0, rec.stderr);
    const again = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(again.code, 0, again.stdout); // the served model against its own new baseline
    assert.doesNotMatch(again.stdout, /provenance|changed/);
  });

  it('baseline record writes the baseline and its sidecar; the test then passes against itself', async () => {
    const dir = copy();
    const rec = await cli(dir, 'baseline', 'record', 'iris.contract.yaml', '--test', 'parity', '--model-file', 'model/v2.json', '--force');
    assert.equal(rec.code, 0, rec.stderr);
    assert.equal(rec.stdout.split('\n')[0], 'recorded 150 outputs of iris-classifier 2.0.0 (seed 42) into data/baseline-1.4.2.jsonl');
    const meta = JSON.parse(readFileSync(path.join(dir, 'data/baseline-1.4.2.meta.json'), 'utf8'));
    assert.equal(meta.version, '2.0.0');
    assert.equal(meta.seed, 42);
    assert.equal(meta.tool.name, 'rollback-lens');
    assert.equal((await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity')).code, 0);
  });

  it('errors exit 2 with a clear message: missing schema, schema outside the workspace, unknown test', async () => {
    const dir = copy();
    const c = path.join(dir, 'iris.contract.yaml');
    edit(c, '$ref: schemas/iris-output.schema.json', '$ref: schemas/nope.schema.json');
    let r = await cli(dir, 'test', 'iris.contract.yaml');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'rollback-lens: the output schema `schemas/nope.schema.json` does not exist\n');
    edit(c, '$ref: schemas/nope.schema.json', '$ref: ../../etc/passwd');
    r = await cli(dir, 'test', 'iris.contract.yaml');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'rollback-lens: the output schema `../../etc/passwd` is outside the workspace\n');
    r = await cli(path.resolve(EXAMPLE, '..', '..'), 'test', 'examples/iris/iris.contract.yaml', '--test', 'nope');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'rollback-lens: examples/iris/iris.contract.yaml has no test `nope` (it has `parity`, `input-edge-cases`, `output-labels`)\n');
  });

  it('bad data is reported by line while the rest is compared: duplicate baseline keys, inputs that are not JSONL', async () => {
    const dir = copy();
    const baseline = path.join(dir, 'data/baseline-1.4.2.jsonl');
    const lines = readFileSync(baseline, 'utf8').split('\n');
    lines.splice(1, 0, lines[0]!);
    writeFileSync(baseline, lines.join('\n'));
    const sidecar = path.join(dir, 'data/baseline-1.4.2.meta.json');
    const meta = JSON.parse(readFileSync(sidecar, 'utf8'));
    delete meta.digest;
    writeFileSync(sidecar, JSON.stringify(meta));
    const r = await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
    const t = JSON.parse(r.stdout).tests[0];
    assert.deepEqual(t.duplicateSample, [{ key: 'iris-001', line: 2, file: 'baseline' }]);
    assert.equal(t.rules.find((x: { id: string }) => x.id === 'duplicate-keys').verdict, 'fail');
    assert.equal(t.counts.matched, 150);
  });

  it('an inputs file that is not JSONL: the model refuses the line, the test errors naming it (exit 2)', async () => {
    const dir = copy();
    const inputs = path.join(dir, 'data/inputs.jsonl');
    const lines = readFileSync(inputs, 'utf8').split('\n');
    lines[4] = 'this is not json';
    writeFileSync(inputs, lines.join('\n'));
    const r = await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(r.code, 1, 'first the provenance: the baseline was recorded for other inputs');
    assert.match(r.stdout, /baseline was recorded for other inputs: the inputs file \(inputs\.jsonl\) was sha256:9e76ad809dba… then/);
    // without the sidecar the comparison runs and the model itself rejects line 5
    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir, 'data/baseline-1.4.2.meta.json'));
    const r2 = await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(r2.code, 2);
    assert.match(r2.stdout, /ERROR parity — the run for input lines 1-150 exited with code 1 after 149 of 150 outputs; stderr: predict\.mjs: stdin line 5: not valid JSON/);
  });

  it('a file source with NaN and garbage lines: each reported by line, the other rows still compared', async () => {
    const dir = copy();
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['model/predict.mjs', '--model', 'model/v1.json'], { cwd: dir, input: readFileSync(path.join(dir, 'data/inputs.jsonl')) }).toString();
    const lines = out.split('\n');
    lines[6] = '{"id":"iris-007","label":"setosa","probability":NaN}';
    lines[8] = 'garbage';
    writeFileSync(path.join(dir, 'data/current.jsonl'), lines.join('\n'));
    edit(path.join(dir, 'iris.contract.yaml'), '  command: node model/predict.mjs --model model/v2.json', '  file: data/current.jsonl');
    const r = await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
    assert.equal(r.code, 1);
    const t = JSON.parse(r.stdout).tests[0];
    assert.deepEqual(t.problems, [
      { file: 'current', line: 7, message: 'not JSON: NaN and Infinity are not JSON numbers' },
      { file: 'current', line: 9, message: 'not JSON: `garbage`' },
    ]);
    assert.equal(t.counts.matched, 148);
    assert.deepEqual(
      t.rules.filter((x: { verdict: string }) => x.verdict !== 'pass').map((x: { id: string }) => x.id),
      ['missing-keys', 'invalid-lines'],
    );
  });

  it('each run leaves a record in the audit log, and the chain verifies', async () => {
    const dir = copy();
    await cli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    await cli(dir, 'dry-run', 'iris.runbook.yaml');
    const log = readFileSync(path.join(dir, '.rollback-lens/audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      log.map((r) => [r.kind, r.path, r.verdict]),
      [
        ['contract-test', 'iris.contract.yaml', 'fail'],
        ['dry-run', 'iris.runbook.yaml', 'ready'],
      ],
    );
    assert.deepEqual(log[0].findings, { parity: 'probability.abs' });
    const v = await cli(dir, 'audit', 'verify');
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
