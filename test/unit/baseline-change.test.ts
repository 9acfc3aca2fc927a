// What replacing a baseline would change (src/node/contract/baselineChange.ts):
// the version a file name carries, rows paired by key (or by position) and
// compared as parsed JSON, rows only one side has, the warnings where the
// versions disagree, the one-line summary, and the dated copies. The CLI on
// the example: test/system/baseline-replace.test.ts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { changeSummary, describeChange, keepCopies, keepDirFor, versionInFileName } from '../../src/node/contract/baselineChange';

function files(old: string | undefined, next: string): { baseline: string; next: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-change-'));
  const baseline = path.join(dir, 'baseline-1.4.2.jsonl');
  if (old !== undefined) writeFileSync(baseline, old);
  writeFileSync(path.join(dir, 'next.tmp'), next);
  return { baseline, next: path.join(dir, 'next.tmp') };
}

describe('baseline change: what replacing a baseline changes', () => {
  it('the version in a file name: the last version-like part', () => {
    assert.equal(versionInFileName('data/baseline-1.4.2.jsonl'), '1.4.2');
    assert.equal(versionInFileName('b-v2.0.0-rc1.csv'), '2.0.0-rc1');
    assert.equal(versionInFileName('outputs-2024-01-02.jsonl'), undefined);
    assert.equal(versionInFileName('baseline.jsonl'), undefined);
    assert.equal(versionInFileName('model1.2-vs-3.4.jsonl'), '3.4');
  });

  it('rows paired by key, compared as parsed JSON: formatting and key order are no difference; new and gone keys counted', async () => {
    const f = files('{"id":"a","p":0.5}\n{"id":"b","p":0.25}\n{"id":"c","p":1}\n', '{"p":0.50,"id":"a"}\n{"id":"c","p":0.9}\n{"id":"d","p":0.1}\n');
    const c = await describeChange({ ...f, rows: 3, version: '1.4.2', previous: { model: 'iris', version: '1.4.2', recordedAt: '2036-01-01T00:00:00Z' }, key: 'id' });
    assert.deepEqual(c, {
      previous: { rows: 3, model: 'iris', version: '1.4.2', recordedAt: '2036-01-01T00:00:00Z' },
      rows: 3,
      differ: 1,
      added: 1,
      removed: 1,
      version: '1.4.2',
      fileVersion: '1.4.2',
      warnings: [],
    });
    assert.equal(changeSummary(c), '1 of 3 rows differ from the baseline it replaces (iris 1.4.2, recorded 2036-01-01T00:00:00Z); 1 new, 1 gone');
  });

  it('without a key: by position', async () => {
    const f = files('[1,0.5]\n[0,0.4]\n', '[1,0.5]\n[1,0.6]\n');
    const c = await describeChange({ ...f, rows: 2, version: '1.4.2' });
    assert.deepEqual([c.differ, c.added, c.removed], [1, 0, 0]);
  });

  it('versions that disagree with the file name or the old sidecar: one warning each', async () => {
    const f = files('{"id":"a"}\n', '{"id":"a"}\n');
    const c = await describeChange({ ...f, rows: 1, version: '2.0.0', previous: { model: 'iris', version: '1.4.2' }, key: 'id' });
    assert.deepEqual(c.warnings, [
      'the file name says 1.4.2, the outputs are recorded as 2.0.0',
      'baseline-1.4.2.jsonl holds outputs of iris 1.4.2 (its sidecar), the new ones are recorded as 2.0.0',
    ]);
  });

  it('no baseline yet: nothing replaced, only the file-name check', async () => {
    const f = files(undefined, '{"id":"a"}\n');
    const c = await describeChange({ ...f, rows: 1, version: '2.0.0', key: 'id' });
    assert.deepEqual(c, { rows: 1, differ: 0, added: 0, removed: 0, version: '2.0.0', fileVersion: '1.4.2', warnings: ['the file name says 1.4.2, the outputs are recorded as 2.0.0'] });
    assert.equal(changeSummary(c), 'there is no baseline yet');
  });

  it('dated copies in the keep folder, byte for byte; a baseline without a sidecar keeps only itself', async () => {
    const f = files('{"id":"a"}\n', '');
    const sidecar = f.baseline.replace(/\.jsonl$/, '.meta.json');
    writeFileSync(sidecar, '{"version":"1.4.2"}\n');
    const keep = path.join(path.dirname(f.baseline), 'keep');
    const kept = await keepCopies(f.baseline, sidecar, keep, '2036-02-03T04:05:06Z');
    assert.deepEqual(kept, { baseline: path.join(keep, 'baseline-1.4.2.replaced-2036-02-03T04-05-06Z.jsonl'), sidecar: path.join(keep, 'baseline-1.4.2.replaced-2036-02-03T04-05-06Z.meta.json') });
    assert.equal(readFileSync(kept.baseline, 'utf8'), '{"id":"a"}\n');
    assert.equal(readFileSync(kept.sidecar!, 'utf8'), '{"version":"1.4.2"}\n');
    const alone = await keepCopies(f.baseline, path.join(keep, 'none.meta.json'), path.join(keep, 'b'), '2036-02-03T04:05:06Z');
    assert.deepEqual(alone, { baseline: path.join(keep, 'b', 'baseline-1.4.2.replaced-2036-02-03T04-05-06Z.jsonl') });
    assert.deepEqual(readdirSync(path.join(keep, 'b')), ['baseline-1.4.2.replaced-2036-02-03T04-05-06Z.jsonl']);
  });

  it('the keep folder mirrors the baseline folder under .rollback-lens/baselines', () => {
    assert.equal(keepDirFor('/ws', '/ws/examples/iris/data/baseline-1.4.2.jsonl'), path.join('/ws', '.rollback-lens', 'baselines', 'examples/iris/data'));
  });
});
