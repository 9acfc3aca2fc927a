// The message helpers of src/core/util: counts (plural, noun) and measured
// statistics (measured, 4 significant digits); reading() is pinned beside the
// trigger messages that use it (triggers.test.ts).
import * as assert from 'node:assert/strict';
import { measured } from '../../src/core/util/number';
import { noun, plural } from '../../src/core/util/plural';

describe('util: counts and numbers in messages', () => {
  it('plural: singular for exactly 1, the given or the -s plural otherwise', () => {
    assert.deepEqual([0, 1, 2].map((n) => plural(n, 'file')), ['0 files', '1 file', '2 files']);
    assert.equal(plural(3, 'entry', 'entries'), '3 entries');
    assert.equal(plural(-1, 'day'), '-1 days');
    assert.deepEqual([1, 2].map((n) => noun(n, 'argument')), ['argument', 'arguments']);
  });

  it('measured: 4 significant digits, 0 as 0, non-finite as JavaScript writes it', () => {
    assert.deepEqual([0.98194, 0, 12345, 1.23456e-7, -0.05, NaN, -Infinity].map(measured), ['0.9819', '0', '12350', '1.235e-7', '-0.05', 'NaN', '-Infinity']);
  });
});
