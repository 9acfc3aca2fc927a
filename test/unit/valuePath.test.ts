// The value paths of a step's capture and a metrics snapshot's `paths`:
// parsed with the offset of what goes wrong, followed to the value or to the
// first part that is missing.
import * as assert from 'node:assert/strict';
import { followValuePath, parseValuePath, showValuePath } from '../../src/core/util/valuePath';

describe('value paths', () => {
  it('parses names, indexes and quoted names, with or without $', () => {
    assert.deepEqual(parseValuePath('$.model_version.version'), { ok: true, segments: ['model_version', 'version'] });
    assert.deepEqual(parseValuePath('metrics[0].result.drift_share'), { ok: true, segments: ['metrics', 0, 'result', 'drift_share'] });
    assert.deepEqual(parseValuePath('$["a.b"][12]'), { ok: true, segments: ['a.b', 12] });
    assert.deepEqual(parseValuePath('$'), { ok: true, segments: [] });
  });

  it('a bad path says where it goes wrong', () => {
    assert.deepEqual(parseValuePath('metrics[x].a'), { ok: false, message: '`[x]` is neither an index nor a quoted name', at: 7 });
    assert.deepEqual(parseValuePath('a[0'), { ok: false, message: '`[` is not closed', at: 1 });
    assert.deepEqual(parseValuePath('a..b'), { ok: false, message: 'a name is missing', at: 2 });
    assert.deepEqual(parseValuePath('$model'), { ok: false, message: '`m` after `$`: write `$.model`', at: 1 });
    assert.deepEqual(parseValuePath(''), { ok: false, message: 'the path is empty', at: 0 });
  });

  it('follows a path to its value, or names the first missing part', () => {
    const v = { metrics: [{ result: { drift_share: 0.25 } }] };
    assert.deepEqual(followValuePath(v, ['metrics', 0, 'result', 'drift_share']), { found: true, value: 0.25 });
    assert.deepEqual(followValuePath(v, ['metrics', 1, 'result']), { found: false, missing: '$.metrics[1]' });
    assert.deepEqual(followValuePath(v, ['metrics', 'x']), { found: false, missing: '$.metrics.x' });
    assert.equal(showValuePath(['a b', 0, 'c']), '$["a b"][0].c');
  });
});
