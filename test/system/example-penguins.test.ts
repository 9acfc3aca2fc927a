// The second example workspace, examples/penguins, run as a user runs it: its
// Open Inference Protocol server (model/serve.mjs) started as a real process on
// a free loopback port, its contracts tested by the CLI as a real process, in a
// temporary copy of the example whose penguins.contract.yaml names that port
// instead of 8081. The verdicts and numbers are those the contracts' comments
// and model/README.md quote: served 3.2.0 fails parity on probability.abs
// alone, 3.1.0 passes with every statistic exact, the schema-only tests pass
// with the 2020-12 validator's reasons, the batch contract reports what the
// served model does. The model scripts reproduce the committed files byte for
// byte, and the server answers a malformed request with the protocol's 400.
import { parquetReadObjects } from 'hyparquet';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'penguins');
const CONTRACT = 'penguins.contract.yaml';
const BATCH = 'penguins-batch.contract.yaml';
const URL_LINE = '    url: http://127.0.0.1:8081\n';

/** A fresh copy of the example (without an audit log). */
function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-penguins-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  return dir;
}

interface Server {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `node model/serve.mjs --model <model> --port 0` in dir, once it has printed its URL. */
function serve(dir: string, model: string): Promise<Server> {
  const child = spawn(process.execPath, ['model/serve.mjs', '--model', model, '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Server>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve.mjs printed no URL within 10s: ${out}${err}`)), 10_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          child,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.mjs exited ${code} before listening: ${out}${err}`));
    });
  });
}

/** The copy's http contract pointed at the server. */
function pointAt(dir: string, url: string): void {
  const file = path.join(dir, CONTRACT);
  const text = readFileSync(file, 'utf8');
  assert.equal(text.split(URL_LINE).length, 2, `${CONTRACT} has the line ${JSON.stringify(URL_LINE)} once`);
  writeFileSync(file, text.replace(URL_LINE, `    url: ${url}\n`));
}

interface Rule {
  id: string;
  verdict: string;
  value?: number;
  violations?: number;
  message?: string;
}
interface Test {
  testId: string;
  verdict: string;
  counts: { matched: number; missing: number; extra: number; inputRows: number; baselineRows: number; currentRows: number };
  rules: Rule[];
  offending: Array<{ key: string; fields: Array<{ field: string; baseline: unknown; current: unknown }> }>;
  units?: Record<string, string>;
}

function report(dir: string, ...argv: string[]): { code: number | null; tests: Test[]; stderr: string } {
  const r = runCliProcess(dir, ['test', ...argv, '--format', 'json']);
  assert.ok(r.stdout, `no report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, tests: (JSON.parse(r.stdout) as { tests: Test[] }).tests, stderr: r.stderr };
}

const statistics = (t: Test) => t.rules.map((r) => [r.id, r.verdict, r.value, r.violations]);

/** What served 3.2.0 gives against the 3.1.0 baseline: penguins.contract.yaml's comment and model/README.md. */
const PARITY_3_2_0 = [
  ['species.agreement', 'pass', 332 / 333, 1],
  ['probability.abs', 'fail', 0.253792, 19],
  ['probability.psi', 'pass', 0.07823575919831889, undefined],
  ['probability.ks', 'pass', 30 / 333, undefined],
  ['missing-keys', 'pass', 0, undefined],
  ['extra-keys', 'pass', 0, undefined],
  ['duplicate-keys', 'pass', 0, undefined],
  ['labels', 'pass', 0, undefined],
  ['output-schema', 'pass', 0, undefined],
  ['input-schema', 'pass', 0, undefined],
];
const ABS_FAILURE = '`probability`: 19 of 333 rows differ from the baseline by more than 0.1 (max |Δ| 0.2538 at `penguin-074`)';

const post = async (url: string, body: unknown) => {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as unknown };
};

const row = { island: 'Torgersen', bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, sex: 'male' };
const tensors = (n = 1) =>
  Object.entries(row).map(([name, v]) => ({ name, shape: [n, 1], datatype: typeof v === 'string' ? 'BYTES' : Number.isInteger(v) ? 'INT64' : 'FP64', data: Array.from({ length: n }, () => v) }));

describe('examples/penguins: the Open Inference Protocol server and the contracts through the CLI', function () {
  this.timeout(120_000);
  const servers: Server[] = [];
  after(async () => {
    await Promise.all(servers.filter((s) => s.child.exitCode === null).map((s) => s.stop()));
  });
  const start = async (dir: string, model: string) => {
    const s = await serve(dir, model);
    servers.push(s);
    return s;
  };

  it('serve.mjs: health, model metadata, an answer equal to predict.mjs\'s, the protocol\'s 400 for malformed requests, exit 0 on SIGTERM', async () => {
    const dir = copy();
    const s = await start(dir, 'model/v2.json');
    assert.deepEqual(await (await fetch(`${s.url}/v2/health/live`)).json(), { live: true });
    assert.deepEqual(await (await fetch(`${s.url}/v2/health/ready`)).json(), { ready: true });
    assert.deepEqual(await (await fetch(`${s.url}/v2/models/penguins/versions/3.2.0/ready`)).json(), { name: 'penguins', ready: true });
    assert.deepEqual(await (await fetch(`${s.url}/v2/models/penguins`)).json(), {
      name: 'penguins',
      versions: ['3.2.0'],
      platform: 'rollback-lens-example/softmax-regression',
      inputs: ['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'].map((name) => ({ name, datatype: name === 'island' || name === 'sex' ? 'BYTES' : 'FP64', shape: [-1, 1] })),
      outputs: [
        { name: 'species', datatype: 'BYTES', shape: [-1, 1] },
        { name: 'probability', datatype: 'FP64', shape: [-1, 1] },
        { name: 'probabilities', datatype: 'FP64', shape: [-1, 3] },
      ],
    });

    // the answer is the model process's own: predict.mjs on the same penguin
    const predicted = spawnSync(process.execPath, ['model/predict.mjs', '--model', 'model/v2.json'], { cwd: dir, input: JSON.stringify({ id: 'penguin-001', ...row }) + '\n', encoding: 'utf8' });
    const expected = JSON.parse(predicted.stdout) as { species: string; probability: number; probabilities: number[] };
    assert.deepEqual(await post(`${s.url}/v2/models/penguins/infer`, { id: 'req-1', inputs: tensors(2) }), {
      status: 200,
      body: {
        model_name: 'penguins',
        model_version: '3.2.0',
        id: 'req-1',
        outputs: [
          { name: 'species', datatype: 'BYTES', shape: [2, 1], data: [expected.species, expected.species] },
          { name: 'probability', datatype: 'FP64', shape: [2, 1], data: [expected.probability, expected.probability] },
          { name: 'probabilities', datatype: 'FP64', shape: [2, 3], data: [...expected.probabilities, ...expected.probabilities] },
        ],
      },
    });
    assert.deepEqual(await post(`${s.url}/v2/models/penguins/infer`, { inputs: tensors(), outputs: [{ name: 'species' }] }), {
      status: 200,
      body: { model_name: 'penguins', model_version: '3.2.0', outputs: [{ name: 'species', datatype: 'BYTES', shape: [1, 1], data: [expected.species] }] },
    });

    const infer = `${s.url}/v2/models/penguins/infer`;
    const notJson = '{"inputs": [';
    const parseError = (() => {
      try {
        JSON.parse(notJson);
      } catch (e) {
        return (e as Error).message; // the server runs on this same node
      }
      throw new Error('parsed');
    })();
    const malformed: Array<[unknown, string]> = [
      [notJson, `the request is not JSON: ${parseError}`],
      [{ inputs: [] }, '`inputs` must be a non-empty list of tensors'],
      [{ inputs: tensors().map((t) => (t.name === 'island' ? { ...t, shape: [2, 1] } : t)) }, "input 'island': 1 values do not fill shape [2, 1] (2 values)"],
      [{ inputs: tensors().map((t) => (t.name === 'island' ? { ...t, datatype: 'STRING' } : t)) }, "input 'island': unknown datatype 'STRING'"],
      [{ inputs: tensors().map((t) => (t.name === 'island' ? { ...t, datatype: 'FP64' } : t)) }, "input 'island': datatype FP64 is not one the model takes (BYTES)"],
      [{ inputs: tensors().map((t) => (t.name === 'body_mass_g' ? { ...t, data: ['3750'] } : t)) }, 'input \'body_mass_g\': value 1 ("3750") is not INT64'],
      [{ inputs: [{ name: 'id', shape: [1, 1], datatype: 'BYTES', data: ['penguin-001'] }, ...tensors()] }, "unknown input 'id': the model's inputs are island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex"],
      [{ inputs: tensors().filter((t) => t.name !== 'sex') }, "missing input 'sex': the model's inputs are island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex"],
      [{ inputs: tensors().map((t) => (t.name === 'island' ? { ...t, data: ['Anvers'] } : t)) }, 'row 1: island must be one of Biscoe, Dream, Torgersen, got "Anvers"'],
      [{ inputs: tensors(), outputs: [{ name: 'label' }] }, "unknown output 'label': the model's outputs are species, probability, probabilities"],
    ];
    for (const [body, error] of malformed) assert.deepEqual(await post(infer, body), { status: 400, body: { error } }, error);
    assert.deepEqual(await post(`${s.url}/v2/models/penguins/versions/3.1.0/infer`, { inputs: tensors() }), { status: 404, body: { error: "unknown version '3.1.0' of model 'penguins': this server serves 3.2.0" } });
    assert.deepEqual(await post(`${s.url}/v2/models/iris/infer`, { inputs: tensors() }), { status: 404, body: { error: "unknown model 'iris': this server serves 'penguins'" } });
    const get = await fetch(infer);
    assert.deepEqual([get.status, await get.json()], [405, { error: 'GET /v2/models/penguins/infer: use POST' }]);
    assert.equal(await s.stop(), 0);
  });

  it('served 3.2.0: parity fails on probability.abs alone, with the quoted numbers; the schema-only tests pass with the 2020-12 validator\'s reasons', async () => {
    const dir = copy();
    const s = await start(dir, 'model/v2.json');
    pointAt(dir, s.url);
    const r = report(dir, CONTRACT);
    assert.equal(r.code, 1, r.stderr);
    const [parity, edges, shape] = r.tests;
    assert.deepEqual(r.tests.map((t) => [t.testId, t.verdict]), [
      ['parity', 'fail'],
      ['edge-cases', 'pass'],
      ['output-shape', 'pass'],
    ]);
    assert.deepEqual([parity!.counts.inputRows, parity!.counts.baselineRows, parity!.counts.currentRows, parity!.counts.matched, parity!.counts.missing, parity!.counts.extra], [333, 333, 333, 333, 0, 0]);
    assert.deepEqual(statistics(parity!), PARITY_3_2_0);
    assert.equal(parity!.rules.find((x) => x.id === 'probability.abs')!.message, ABS_FAILURE);
    assert.equal(parity!.rules.find((x) => x.id === 'species.agreement')!.message, '`species`: agreement 99.7% (332 of 333 rows) ≥ required 99%');
    assert.deepEqual(parity!.offending.slice(0, 3).map((o) => [o.key, o.fields.map((f) => [f.field, f.baseline, f.current])]), [
      ['penguin-074', [['probability', 0.819899, 0.566107]]],
      ['penguin-020', [['probability', 0.914191, 0.698269]]],
      ['penguin-013', [['probability', 0.924622, 0.720391]]],
    ]);
    // the 19 rows over 0.1, and the one species flip (its probability moved 0.05109, inside 0.1)
    assert.equal(parity!.offending.length, 20);
    assert.deepEqual(parity!.offending.find((o) => o.key === 'penguin-207')!.fields.map((f) => [f.field, f.baseline, f.current]), [['species', 'Chinstrap', 'Adelie']]);
    assert.deepEqual(edges!.rules.map((x) => [x.id, x.verdict, x.message]), [
      ['accept[0]', 'pass', 'the input schema accepts `penguin-900`'],
      ['accept[1]', 'pass', 'the input schema accepts `penguin-901`'],
      ['reject[0]', 'pass', 'the input schema rejects `penguin-902` (missing required property `island`)'],
      ['reject[1]', 'pass', 'the input schema rejects `penguin-903` (`island`: `Anvers` is not one of `Biscoe`, `Dream` or `Torgersen`)'],
      ['reject[2]', 'pass', 'the input schema rejects `penguin-904` (`sex`: `FEMALE` is not one of `female` or `male`)'],
      ['reject[3]', 'pass', 'the input schema rejects `penguin-905` (`bill_length_mm`: expected a number, found a string)'],
      ['reject[4]', 'pass', 'the input schema rejects `penguin-906` (missing required property `body_mass_g`)'],
      // the pattern lives in common.schema.json#/$defs/id, the closing keyword is unevaluatedProperties
      ['reject[5]', 'pass', 'the input schema rejects `P-907` (`id`: `P-907` does not match the expected form `^penguin-[0-9]{3}$`)'],
      ['reject[6]', 'pass', 'the input schema rejects `penguin-908` (the record: unknown property `species`)'],
    ]);
    assert.deepEqual(shape!.rules.map((x) => [x.id, x.verdict, x.message]), [
      ['accept[0]', 'pass', 'the output schema accepts `penguin-001`'],
      ['accept[1]', 'pass', 'the output schema accepts `penguin-002`'],
      ['reject[0]', 'pass', 'the output schema rejects `penguin-003` (`species`: `gentoo` is not one of `Adelie`, `Chinstrap` or `Gentoo`)'],
      ['reject[1]', 'pass', 'the output schema rejects `penguin-004` (`probability`: must be at most 1, not 1.2)'],
      // prefixItems with items: false: exactly three probabilities
      ['reject[2]', 'pass', 'the output schema rejects `penguin-005` (`probabilities`: needs at least 3 items)'],
      ['reject[3]', 'pass', 'the output schema rejects `penguin-006` (`probabilities`: must NOT have more than 3 items)'],
    ]);
    // the text report, as the README shows it
    const text = runCliProcess(dir, ['test', CONTRACT, '--test', 'parity']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^ {2}FAIL parity — 333 rows matched, 0 missing, 0 extra \(\d+\.\d s\)$/m);
    assert.ok(text.stdout.includes(`    ✗ probability.abs: ${ABS_FAILURE}\n    ✓ 9 rules passed\n      penguin-074 (baseline line 68, current line 68): probability 0.8199 → 0.5661 (Δ -0.2538)\n`), text.stdout);
  });

  it('served 3.1.0 (the rollback target): every test passes, every parity statistic exact', async () => {
    const dir = copy();
    const s = await start(dir, 'model/v1.json');
    pointAt(dir, s.url);
    const r = report(dir, CONTRACT);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.tests.map((t) => [t.testId, t.verdict]), [
      ['parity', 'pass'],
      ['edge-cases', 'pass'],
      ['output-shape', 'pass'],
    ]);
    assert.deepEqual(statistics(r.tests[0]!), [
      ['species.agreement', 'pass', 1, 0],
      ['probability.abs', 'pass', 0, 0],
      ...PARITY_3_2_0.slice(2).map(([id, verdict, value, violations]) => [id, verdict, id === 'probability.psi' || id === 'probability.ks' ? 0 : value, violations]),
    ]);
    assert.equal(r.tests[0]!.counts.matched, 333);
  });

  it('`baseline record` from served 3.1.0 writes the committed baseline byte for byte, with the same digests', async () => {
    const dir = copy();
    const s = await start(dir, 'model/v1.json');
    pointAt(dir, s.url);
    const r = runCliProcess(dir, ['baseline', 'record', CONTRACT, '--test', 'parity', '--model-version', '3.1.0', '--model-file', 'model/v1.json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^recorded 333 outputs of penguin-species 3\.1\.0 \(seed none\) into data\/baseline-3\.1\.0\.jsonl\n/);
    assert.equal(readFileSync(path.join(dir, 'data/baseline-3.1.0.jsonl'), 'utf8'), readFileSync(path.join(EXAMPLE, 'data/baseline-3.1.0.jsonl'), 'utf8'));
    const meta = (file: string) => {
      const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      // when, from which server, and by which build of the tool (the tests' bundle says 0.0.0-test) differ
      return { ...m, recordedAt: undefined, url: undefined, tool: (m.tool as { name: string }).name };
    };
    assert.deepEqual(meta(path.join(dir, 'data/baseline-3.1.0.meta.json')), meta(path.join(EXAMPLE, 'data/baseline-3.1.0.meta.json')));
    assert.equal((JSON.parse(readFileSync(path.join(dir, 'data/baseline-3.1.0.meta.json'), 'utf8')) as { url: string }).url, s.url);
  });

  it('the batch contract: score.mjs rewrites the committed Parquet scores byte for byte, and testing them reports what the served model does', async () => {
    const dir = copy();
    // score.mjs of the repository (where hyparquet-writer is installed), writing into the copy
    const scored = spawnSync(process.execPath, [path.join(EXAMPLE, 'model/score.mjs'), '--model', 'model/v2.json', '--inputs', 'data/inputs.jsonl', '--out', 'data/scores-3.2.0.parquet'], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual([scored.status, scored.stdout, scored.stderr], [0, 'data/scores-3.2.0.parquet: 333 rows from penguin-species 3.2.0 (parquet)\n', '']);
    assert.ok(readFileSync(path.join(dir, 'data/scores-3.2.0.parquet')).equals(readFileSync(path.join(EXAMPLE, 'data/scores-3.2.0.parquet'))));
    // the rows are 3.2.0's answers: the JSONL the same script writes, read back from the Parquet file with hyparquet
    const jsonl = spawnSync(process.execPath, [path.join(EXAMPLE, 'model/score.mjs'), '--model', 'model/v2.json', '--inputs', 'data/inputs.jsonl', '--out', 'scores.jsonl'], { cwd: dir, encoding: 'utf8' });
    assert.equal(jsonl.status, 0, jsonl.stderr);
    const bytes = readFileSync(path.join(dir, 'data/scores-3.2.0.parquet'));
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    assert.deepEqual(rows, readFileSync(path.join(dir, 'scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    const r = report(dir, BATCH);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.tests.map((t) => [t.testId, t.verdict]), [['parity', 'fail']]);
    assert.deepEqual(statistics(r.tests[0]!), PARITY_3_2_0);
    assert.equal(r.tests[0]!.rules.find((x) => x.id === 'probability.abs')!.message, ABS_FAILURE);
    assert.deepEqual(r.tests[0]!.units, { current: 'row' }); // the outputs are a table: rows, not lines
  });

  it('train.mjs rewrites data/inputs.jsonl, model/v1.json and model/v2.json byte for byte', () => {
    const dir = copy();
    const r = spawnSync(process.execPath, ['model/train.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], "data/inputs.jsonl: 333 penguins with every input known, of the CSV's 344");
    for (const f of ['data/inputs.jsonl', 'model/v1.json', 'model/v2.json']) assert.equal(readFileSync(path.join(dir, f), 'utf8'), readFileSync(path.join(EXAMPLE, f), 'utf8'), f);
  });

  it('validate: both contracts clean', () => {
    const r = runCliProcess(copy(), ['validate']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '2 files checked: 0 errors, 0 warnings\n']);
  });
});
