// Recording a baseline with its sidecar (the iris example's, byte for byte),
// atomic replacement (a failing, cancelled or killed recorder leaves the old
// files as they were), and the sidecar checks.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkSidecar, readSidecar, recordBaseline, sidecarPath, type Sidecar } from '../../src/node/contract/baseline';
import { sha256File } from '../../src/node/jsonl';
import { liveMembers, SourceError } from '../../src/node/sources';

const ROOT = path.resolve(__dirname, '../..');
const IRIS = path.join(ROOT, 'examples/iris');
const MODEL = path.join(ROOT, 'test/fixtures/models/model.mjs');
const HANG = path.join(ROOT, 'test/fixtures/models/hang.sh');
const TOOL_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const node = (script: string, flags = ''): string => `${JSON.stringify(process.execPath)} ${JSON.stringify(script)}${flags ? ` ${flags}` : ''}`;

const OLD_BASELINE = '{"id":"a","x2":-1}\n{"id":"b","x2":-2}\n';
const OLD_SIDECAR = '{ "model": "m", "version": "0.9", "seed": 1 }\n';

describe('baseline: record', function () {
  this.timeout(15000);
  let dir: string;
  const test = { id: 't', inputs: 'data/inputs.jsonl', baseline: 'data/b.jsonl' };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-baseline-'));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data/inputs.jsonl'), '{"id":"a","x":1}\n{"id":"b","x":2}\n{"id":"c","x":3}\n{"id":"d","x":4}\n');
    fs.writeFileSync(path.join(dir, 'data/b.jsonl'), OLD_BASELINE);
    fs.writeFileSync(path.join(dir, 'data/b.meta.json'), OLD_SIDECAR);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const oldFilesIntact = (): void => {
    assert.equal(fs.readFileSync(path.join(dir, 'data/b.jsonl'), 'utf8'), OLD_BASELINE);
    assert.equal(fs.readFileSync(path.join(dir, 'data/b.meta.json'), 'utf8'), OLD_SIDECAR);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'data')).sort(), ['b.jsonl', 'b.meta.json', 'inputs.jsonl'], 'no temporary file left behind');
  };

  it('writes the iris baseline and sidecar exactly as the example has them', async () => {
    fs.cpSync(path.join(IRIS, 'model'), path.join(dir, 'model'), { recursive: true });
    fs.copyFileSync(path.join(IRIS, 'data/inputs.jsonl'), path.join(dir, 'data/inputs.jsonl'));
    const example = JSON.parse(fs.readFileSync(path.join(IRIS, 'data/baseline-1.4.2.meta.json'), 'utf8')) as Sidecar;
    const v1 = JSON.parse(fs.readFileSync(path.join(IRIS, 'model/v1.json'), 'utf8')) as { model: string; version: string };
    const recorded = await recordBaseline({
      contractDir: dir,
      test: { id: 'parity', inputs: 'data/inputs.jsonl', baseline: 'data/baseline-1.4.2.jsonl' },
      source: { command: 'node model/predict.mjs --model model/v1.json', seed: 42, timeout: '60s' },
      model: { name: v1.model, version: v1.version, file: 'model/v1.json' },
      toolVersion: TOOL_VERSION,
      now: new Date(example.recordedAt!),
    });
    assert.equal(recorded.rows, 150);
    assert.equal(recorded.baseline, path.join(dir, 'data/baseline-1.4.2.jsonl'));
    assert.equal(recorded.sidecar, path.join(dir, 'data/baseline-1.4.2.meta.json'));
    assert.equal(fs.readFileSync(recorded.baseline, 'utf8'), fs.readFileSync(path.join(IRIS, 'data/baseline-1.4.2.jsonl'), 'utf8'));
    assert.equal(fs.readFileSync(recorded.sidecar, 'utf8'), fs.readFileSync(path.join(IRIS, 'data/baseline-1.4.2.meta.json'), 'utf8'));
    assert.equal(recorded.meta.digest, await sha256File(recorded.baseline));
  });

  it('replaces the old baseline and sidecar; the seed comes from the options, the model digest from `digest`', async () => {
    const recorded = await recordBaseline({
      contractDir: dir,
      test,
      source: { command: node(MODEL, '--seed {{seed}}'), seed: 42 },
      seed: 7,
      model: { name: 'toy', version: 2, digest: 'sha256:abc' },
      toolVersion: '9.9.9',
      now: new Date('2027-01-02T03:04:05.678Z'),
    });
    const rows = fs.readFileSync(path.join(dir, 'data/b.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows.map((r) => [r.id, r.seed, r.argSeed]), ['a', 'b', 'c', 'd'].map((id) => [id, '7', '7']));
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'data/b.meta.json'), 'utf8')) as Sidecar;
    assert.deepEqual(Object.keys(sidecar), ['description', 'model', 'version', 'seed', 'recordedAt', 'command', 'inputs', 'modelDigest', 'digest', 'tool']);
    assert.deepEqual(sidecar, {
      description: 'Provenance of b.jsonl: outputs of toy 2 for inputs.jsonl.',
      model: 'toy',
      version: '2',
      seed: 7,
      recordedAt: '2027-01-02T03:04:05Z',
      command: node(MODEL, '--seed {{seed}}'),
      inputs: { file: 'inputs.jsonl', digest: await sha256File(path.join(dir, 'data/inputs.jsonl')) },
      modelDigest: 'sha256:abc',
      digest: await sha256File(path.join(dir, 'data/b.jsonl')),
      tool: { name: 'rollback-lens', version: '9.9.9' },
    });
    assert.deepEqual(recorded.meta, sidecar);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'data')).sort(), ['b.jsonl', 'b.meta.json', 'inputs.jsonl']);
  });

  it('a baseline in another folder than its inputs: the sidecar names the inputs relative to it; the folder is created', async () => {
    const recorded = await recordBaseline({ contractDir: dir, test: { ...test, baseline: 'baselines/v1/b.jsonl' }, source: { command: node(MODEL) }, model: { name: 'toy', version: '1' }, toolVersion: '1' });
    assert.equal(recorded.meta.inputs!.file, '../../data/inputs.jsonl');
    assert.equal(recorded.meta.description, 'Provenance of b.jsonl: outputs of toy 1 for ../../data/inputs.jsonl.');
    assert.equal('seed' in recorded.meta, false, 'no seed: none recorded');
    assert.ok(fs.existsSync(path.join(dir, 'baselines/v1/b.meta.json')));
  });

  it('a source that fails half-way leaves the old baseline and sidecar byte for byte', async () => {
    await assert.rejects(
      recordBaseline({ contractDir: dir, test, source: { command: node(MODEL, '--fail-after 2') }, model: { name: 'toy', version: '1' }, toolVersion: '1' }),
      (e: unknown) => e instanceof SourceError && e.message === 'the command exited with code 3 after 2 of 4 outputs; stderr: model: out of memory at row 3',
    );
    oldFilesIntact();
  });

  it('garbage half-way, or no outputs at all: the old files stay', async () => {
    await assert.rejects(recordBaseline({ contractDir: dir, test, source: { command: node(MODEL, '--garbage-at 3') }, model: { name: 'toy', version: '1' }, toolVersion: '1' }), {
      message: 'output line 3 is not JSON: `this is not json` (input line 3)',
    });
    oldFilesIntact();
    await assert.rejects(recordBaseline({ contractDir: dir, test, source: { command: 'cat > /dev/null' }, model: { name: 'toy', version: '1' }, toolVersion: '1' }), {
      name: 'SourceError',
      message: 'the source gave no outputs; data/b.jsonl was not recorded',
    });
    oldFilesIntact();
  });

  it('cancelled half-way: the process tree is killed and the old files stay', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    let pgid = 0;
    await assert.rejects(
      recordBaseline({ contractDir: dir, test, source: { command: `sh ${JSON.stringify(HANG)}` }, model: { name: 'toy', version: '1' }, toolVersion: '1', signal: ac.signal, obtain: { killGraceMs: 100 } }),
      (e: unknown) => {
        pgid = (e as SourceError).pgid ?? 0;
        return e instanceof SourceError && e.message === 'cancelled; killed the process tree after 1 of 4 outputs; stderr: model: hanging after 1 output';
      },
    );
    assert.ok(pgid > 1);
    assert.deepEqual(await liveMembers(pgid), []);
    oldFilesIntact();
  });

  it('a recorder killed with SIGKILL half-way leaves the old files (a stray temporary file at most)', async () => {
    const pidFile = path.join(dir, 'model.pid');
    const script = `
      require(${JSON.stringify(path.join(ROOT, 'src/node/contract/baseline.ts'))}).recordBaseline({
        contractDir: ${JSON.stringify(dir)},
        test: ${JSON.stringify(test)},
        source: { command: ${JSON.stringify(node(MODEL, `--hang-after 2 --pid-file ${JSON.stringify(pidFile)}`))} },
        model: { name: 'toy', version: '1' },
        toolVersion: '1',
      });`;
    const recorder = spawn(process.execPath, ['-r', path.join(ROOT, 'test/unit/register.cjs'), '-e', script], { stdio: 'ignore' });
    try {
      // wait until the model has written its outputs and hangs
      for (let i = 0; i < 200 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 200));
      recorder.kill('SIGKILL');
      await new Promise((r) => recorder.once('exit', r));
    } finally {
      // the model runs in its own process group, which outlives a killed recorder: end it here
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      process.kill(-pgid, 'SIGKILL');
    }
    assert.equal(fs.readFileSync(path.join(dir, 'data/b.jsonl'), 'utf8'), OLD_BASELINE);
    assert.equal(fs.readFileSync(path.join(dir, 'data/b.meta.json'), 'utf8'), OLD_SIDECAR);
    const strays = fs.readdirSync(path.join(dir, 'data')).filter((f) => !['b.jsonl', 'b.meta.json', 'inputs.jsonl'].includes(f));
    assert.ok(strays.every((f) => /^\.b\.jsonl\.\d+\.[0-9a-f]{8}\.tmp$/.test(f)), strays.join(', '));
  });

  it('missing inputs: a config error before anything runs', async () => {
    await assert.rejects(recordBaseline({ contractDir: dir, test: { ...test, inputs: 'data/none.jsonl' }, source: { command: node(MODEL) }, model: { name: 'toy', version: '1' }, toolVersion: '1' }), {
      name: 'SourceError',
      message: 'the inputs file data/none.jsonl does not exist',
    });
    oldFilesIntact();
  });
});

describe('baseline: sidecar', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-sidecar-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sidecarPath: <name>.jsonl -> <name>.meta.json; other names get .meta.json appended', () => {
    assert.equal(sidecarPath('data/baseline-1.4.2.jsonl'), 'data/baseline-1.4.2.meta.json');
    assert.equal(sidecarPath('/x/out.ndjson'), '/x/out.ndjson.meta.json');
  });

  it('readSidecar: the example sidecar; undefined when there is none', async () => {
    const s = await readSidecar(path.join(IRIS, 'data/baseline-1.4.2.jsonl'));
    assert.equal(s?.model, 'iris-classifier');
    assert.equal(s?.seed, 42);
    assert.match(s?.inputs?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(await readSidecar(path.join(dir, 'none.jsonl')), undefined);
  });

  it('readSidecar: a sidecar that is not JSON, not an object, or has a wrongly typed field is a config error', async () => {
    const write = (name: string, text: string): string => {
      fs.writeFileSync(path.join(dir, `${name}.meta.json`), text);
      return path.join(dir, `${name}.jsonl`);
    };
    await assert.rejects(readSidecar(write('a', '{ "seed": 4')), (e: unknown) => e instanceof SourceError && e.kind === 'config' && e.message.startsWith('the sidecar a.meta.json is not valid JSON: '));
    await assert.rejects(readSidecar(write('b', '[1]')), { message: 'the sidecar b.meta.json is not a JSON object' });
    await assert.rejects(readSidecar(write('c', '{ "seed": "42" }')), { message: 'the sidecar c.meta.json: `seed` must be a whole number' });
    await assert.rejects(readSidecar(write('d', '{ "inputs": { "digest": 5 } }')), { message: 'the sidecar d.meta.json: `inputs.digest` must be a string' });
    assert.deepEqual(await readSidecar(write('e', '\ufeff{ "version": 3 }')), { version: '3' });
  });

  const sidecar: Sidecar = { seed: 7, inputs: { file: 'inputs.jsonl', digest: `sha256:${'1'.repeat(64)}` }, digest: `sha256:${'a'.repeat(64)}` };

  it('checkSidecar: nothing to say when seed and digests agree', () => {
    assert.equal(checkSidecar(sidecar, { seed: 7, inputsDigest: sidecar.inputs!.digest!, digest: sidecar.digest! }), undefined);
    assert.equal(checkSidecar({}, {}), undefined, 'no seed on either side, no digests to compare');
  });

  it('checkSidecar: a different seed, or a seed on one side only', () => {
    assert.equal(checkSidecar(sidecar, { seed: 42 }), 'baseline was recorded with seed 7, the contract now uses 42');
    assert.equal(checkSidecar(sidecar, {}), 'baseline was recorded with seed 7, the contract now sets no seed');
    assert.equal(checkSidecar({}, { seed: 42 }), 'baseline was recorded without a seed, the contract now uses 42');
  });

  it('checkSidecar: other inputs, a changed baseline file, and several reasons at once', () => {
    const now = `sha256:${'2'.repeat(64)}`;
    assert.equal(checkSidecar(sidecar, { seed: 7, inputsDigest: now }), 'baseline was recorded for other inputs: the inputs file (inputs.jsonl) was sha256:111111111111… then and is sha256:222222222222… now');
    assert.equal(checkSidecar(sidecar, { seed: 7, digest: now }), 'baseline changed since it was recorded: its sidecar says sha256:aaaaaaaaaaaa…, the file is sha256:222222222222… now; `rollback-lens baseline record` accepts a new one');
    assert.equal(
      checkSidecar(sidecar, { seed: 1, inputsDigest: now }),
      'baseline was recorded with seed 7, the contract now uses 1; baseline was recorded for other inputs: the inputs file (inputs.jsonl) was sha256:111111111111… then and is sha256:222222222222… now',
    );
  });
});
