// `rollback-lens baseline record` never replaces a baseline unseen, on a copy
// of examples/iris through the CLI as a real process: the example's baseline
// holds 1.4.2's outputs (its sidecar says so) while the contract's served
// release is 2.0.0, so recording with the default version is refused before
// the source runs (exit 2, both files untouched); with --force it is
// replaced, the old baseline and sidecar are kept byte for byte as dated
// copies under .rollback-lens/baselines/, and the output says how many rows
// differ and that the file name disagrees. Recording the same release again
// says 0 rows differ and warns of nothing. The row pairing and the version in
// a file name one by one: test/unit/baseline-change.test.ts.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-baseline-replace-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  return dir;
}

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel));

describe('baseline record: never replaces a baseline unseen', function () {
  this.timeout(60_000);

  it('a baseline whose sidecar names another version is refused without --force, before the source runs; nothing is written', () => {
    const dir = copy();
    // a source that would leave a mark if it ran
    const contract = path.join(dir, 'iris.contract.yaml');
    writeFileSync(contract, readFileSync(contract, 'utf8').replace('command: node model/predict.mjs --model model/v2.json', 'command: touch ran.txt; node model/predict.mjs --model model/v2.json'));
    const before = [read(dir, 'data/baseline-1.4.2.jsonl'), read(dir, 'data/baseline-1.4.2.meta.json')];
    const r = runCliProcess(dir, ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity']);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'rollback-lens: data/baseline-1.4.2.jsonl holds outputs of iris-classifier 1.4.2 (its sidecar says so); refusing to replace them with outputs recorded as 2.0.0. ' +
        'Give --model-version with the version the source runs, or --force to replace it (the old baseline is kept under .rollback-lens/baselines/)\n',
    );
    assert.equal(r.code, 2);
    assert.deepEqual([read(dir, 'data/baseline-1.4.2.jsonl'), read(dir, 'data/baseline-1.4.2.meta.json')], before);
    assert.equal(existsSync(path.join(dir, 'ran.txt')), false);
    assert.equal(existsSync(path.join(dir, '.rollback-lens')), false);
    assert.deepEqual(readdirSync(path.join(dir, 'data')).sort(), ['baseline-1.4.2.jsonl', 'baseline-1.4.2.meta.json', 'inputs.jsonl']);
  });

  it('--force replaces it: the old baseline and sidecar kept as dated copies, what changed said, the version disagreement warned of', () => {
    const dir = copy();
    const before = [read(dir, 'data/baseline-1.4.2.jsonl'), read(dir, 'data/baseline-1.4.2.meta.json')];
    const oldMeta = JSON.parse(before[1]!.toString('utf8')) as { recordedAt: string };
    const r = runCliProcess(dir, ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity', '--force']);
    assert.equal(r.code, 0, r.stderr);
    const kept = readdirSync(path.join(dir, '.rollback-lens/baselines/data')).sort();
    assert.equal(kept.length, 2, kept.join(', '));
    const stamp = /^baseline-1\.4\.2\.replaced-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)\.jsonl$/.exec(kept[0]!)?.[1];
    assert.ok(stamp, kept[0]);
    assert.deepEqual(kept, [`baseline-1.4.2.replaced-${stamp}.jsonl`, `baseline-1.4.2.replaced-${stamp}.meta.json`]);
    // the stamp is the new recording's time
    const meta = JSON.parse(read(dir, 'data/baseline-1.4.2.meta.json').toString('utf8')) as { version: string; recordedAt: string; digest: string };
    assert.equal(meta.recordedAt.replace(/:/g, '-'), stamp);
    assert.equal(meta.version, '2.0.0');
    assert.deepEqual([read(dir, `.rollback-lens/baselines/data/${kept[0]}`), read(dir, `.rollback-lens/baselines/data/${kept[1]}`)], before);
    assert.deepEqual(r.stdout.split('\n'), [
      'recorded 150 outputs of iris-classifier 2.0.0 (seed 42) into data/baseline-1.4.2.jsonl',
      `provenance: data/baseline-1.4.2.meta.json (outputs ${meta.digest})`,
      `change: 150 of 150 rows differ from the baseline it replaces (iris-classifier 1.4.2, recorded ${oldMeta.recordedAt})`,
      `kept: .rollback-lens/baselines/data/${kept[0]} and .rollback-lens/baselines/data/${kept[1]}`,
      '',
    ]);
    assert.equal(
      r.stderr,
      'rollback-lens: warning: the file name says 1.4.2, the outputs are recorded as 2.0.0\n' +
        'rollback-lens: warning: baseline-1.4.2.jsonl holds outputs of iris-classifier 1.4.2 (its sidecar), the new ones are recorded as 2.0.0\n',
    );
  });

  it('recording the release the baseline holds: 0 rows differ, no warning, no --force needed', () => {
    const dir = copy();
    const contract = path.join(dir, 'iris.contract.yaml');
    writeFileSync(contract, readFileSync(contract, 'utf8').replace('--model model/v2.json', '--model model/v1.json'));
    const r = runCliProcess(dir, ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity', '--model-version', '1.4.2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^change: 0 of 150 rows differ from the baseline it replaces \(iris-classifier 1\.4\.2, recorded [0-9T:-]+Z\)$/m);
    const again = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
    assert.match(again.stdout, /PASS parity — 150 rows matched, 0 missing, 0 extra/);
  });
});
