// Recording a baseline with its sidecar (the iris example's, byte for byte)
// from real model processes, and atomic replacement: a failing, cancelled or
// killed recorder leaves the old files as they were. What needs no process
// (a config error before anything runs, the sidecar checks):
// test/unit/baseline.test.ts.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recordBaseline, type Sidecar } from '../../src/node/contract/baseline';
import { sha256File } from '../../src/node/jsonl';
import { liveMembers, SourceError } from '../../src/node/sources';
import { assertOldFilesIntact, MODEL, node, OLD_BASELINE, OLD_SIDECAR, recordingWorkspace } from '../support/baseline';

const ROOT = path.resolve(__dirname, '../..');
const IRIS = path.join(ROOT, 'examples/iris');
const HANG = path.join(ROOT, 'test/fixtures/models/hang.sh');
const TOOL_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('baseline: record', function () {
  this.timeout(15000);
  let dir: string;
  const test = { id: 't', inputs: 'data/inputs.jsonl', baseline: 'data/b.jsonl' };

  beforeEach(() => {
    dir = recordingWorkspace();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const oldFilesIntact = (): void => assertOldFilesIntact(dir);

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

});
