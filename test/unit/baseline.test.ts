// Baselines without a recorder process: a missing inputs file is a config
// error before anything runs and leaves the old files as they were; the
// sidecar's path, reading and checks. Recording from real model processes
// and atomic replacement: test/system/baseline.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkSidecar, readSidecar, recordBaseline, sidecarPath, type Sidecar } from '../../src/node/contract/baseline';
import { SourceError } from '../../src/node/sources';
import { assertOldFilesIntact, MODEL, node, recordingWorkspace } from '../support/baseline';

const IRIS = path.resolve(__dirname, '../../examples/iris');

describe('baseline: record', () => {
  let dir: string;
  const test = { id: 't', inputs: 'data/inputs.jsonl', baseline: 'data/b.jsonl' };

  beforeEach(() => {
    dir = recordingWorkspace();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const oldFilesIntact = (): void => assertOldFilesIntact(dir);

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
    // tables are named as JSONL baselines are
    assert.deepEqual(
      ['data/b.parquet', 'data/b.csv', 'data/b.json'].map(sidecarPath),
      ['data/b.meta.json', 'data/b.meta.json', 'data/b.meta.json'],
    );
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
