// The format's own scalar syntaxes: durations, comparisons, dates. Errors must
// say where inside the string the problem starts (`at`) and how long it is, so
// the editor can underline exactly the offending characters.
import * as assert from 'node:assert/strict';
import { compare, formatDuration, parseComparison, parseDate, parseDuration } from '../../src/core';

const UNITS = 'ms, s, m, h, d, w';

describe('values: parseDuration', () => {
  const ok: Array<[string, number]> = [
    ['5m', 5 * 60_000],
    ['1h30m', 90 * 60_000],
    ['90d', 90 * 86_400_000],
    ['250ms', 250],
    ['30s', 30_000],
    ['2w', 14 * 86_400_000],
    ['0s', 0],
    ['1h1m1s1ms', 3_600_000 + 60_000 + 1000 + 1],
  ];
  for (const [s, ms] of ok) {
    it(`parses \`${s}\` as ${ms} ms`, () => {
      assert.deepEqual(parseDuration(s), { ok: true, value: ms });
    });
  }

  it('`5x`: points at the unit `x`', () => {
    assert.deepEqual(parseDuration('5x'), {
      ok: false,
      error: { at: 1, length: 1, message: `unknown duration unit \`x\`; use one of ${UNITS}` },
    });
  });

  it('`10min`: points at the whole unknown unit `min`', () => {
    assert.deepEqual(parseDuration('10min'), {
      ok: false,
      error: { at: 2, length: 3, message: `unknown duration unit \`min\`; use one of ${UNITS}` },
    });
  });

  it('`1h3O` (letter O): points at the second unit', () => {
    assert.deepEqual(parseDuration('1h3O'), {
      ok: false,
      error: { at: 3, length: 1, message: `unknown duration unit \`O\`; use one of ${UNITS}` },
    });
  });

  it('`m5`: a unit before any number points at the first character', () => {
    assert.deepEqual(parseDuration('m5'), {
      ok: false,
      error: { at: 0, length: 1, message: `expected a number at \`m\`; a duration is a number and a unit (${UNITS}), e.g. \`5m\` or \`1h30m\`` },
    });
  });

  it('empty string: zero-length error at 0', () => {
    assert.deepEqual(parseDuration(''), {
      ok: false,
      error: { at: 0, length: 0, message: 'empty duration; write a number and a unit, e.g. `5m`' },
    });
  });

  it('`5`: a number without unit is an error whose message names the number', () => {
    const r = parseDuration('5');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.message, `missing unit after \`5\`; use one of ${UNITS}`);
    // (where it points is checked in known-bugs.test.ts)
  });

  it('formatDuration round-trips the largest units first', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(90 * 60_000), '1h30m');
    assert.equal(formatDuration(60_000), '1m');
    assert.equal(formatDuration(86_400_000 + 1), '1d1ms');
  });
});

describe('values: parseComparison', () => {
  const ok: Array<[string, string, number]> = [
    ['> 250', '>', 250],
    ['<=0.9', '<=', 0.9],
    ['== -1e3', '==', -1000],
    ['  >= 0.2  ', '>=', 0.2],
    ['!= 0', '!=', 0],
    ['< -0.02', '<', -0.02],
  ];
  for (const [s, op, threshold] of ok) {
    it(`parses \`${s}\` as ${op} ${threshold}`, () => {
      assert.deepEqual(parseComparison(s), { ok: true, value: { op, threshold } });
    });
  }

  it('`=> 250`: points at the two characters where the operator should be', () => {
    assert.deepEqual(parseComparison('=> 250'), {
      ok: false,
      error: { at: 0, length: 2, message: 'expected a comparison operator (>= <= == != > <) at the start, e.g. `> 250`' },
    });
  });

  it('`> abc`: points at `abc`', () => {
    assert.deepEqual(parseComparison('> abc'), {
      ok: false,
      error: { at: 2, length: 3, message: 'expected a number after `>` (digits, e.g. `0.5`)' },
    });
  });

  it('`> 5apples`: points at `apples`', () => {
    assert.deepEqual(parseComparison('> 5apples'), {
      ok: false,
      error: { at: 3, length: 6, message: 'unexpected `apples` after the threshold' },
    });
  });

  it('`> 5 apples`: is an error naming `apples`', () => {
    const r = parseComparison('> 5 apples');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.message, 'unexpected `apples` after the threshold');
    // (the exact sub-range is checked in known-bugs.test.ts)
  });

  it('compare() applies every operator', () => {
    assert.equal(compare(251, { op: '>', threshold: 250 }), true);
    assert.equal(compare(250, { op: '>', threshold: 250 }), false);
    assert.equal(compare(250, { op: '>=', threshold: 250 }), true);
    assert.equal(compare(1, { op: '<', threshold: 2 }), true);
    assert.equal(compare(2, { op: '<=', threshold: 2 }), true);
    assert.equal(compare(0, { op: '==', threshold: 0 }), true);
    assert.equal(compare(0, { op: '!=', threshold: 0 }), false);
  });
});

describe('values: parseDate', () => {
  it('parses a calendar date as UTC midnight', () => {
    assert.deepEqual(parseDate('2027-01-01'), { ok: true, value: Date.UTC(2027, 0, 1) });
    assert.deepEqual(parseDate('2028-02-29'), { ok: true, value: Date.UTC(2028, 1, 29) });
  });

  it('`2026-13-01`: points at the month', () => {
    assert.deepEqual(parseDate('2026-13-01'), {
      ok: false,
      error: { at: 5, length: 2, message: 'month `13` is not between 01 and 12' },
    });
  });

  it('`2026-00-10`: month 00 points at the month', () => {
    assert.deepEqual(parseDate('2026-00-10'), {
      ok: false,
      error: { at: 5, length: 2, message: 'month `00` is not between 01 and 12' },
    });
  });

  it('`2026-02-30`: points at the day and says how many days the month has', () => {
    assert.deepEqual(parseDate('2026-02-30'), {
      ok: false,
      error: { at: 8, length: 2, message: 'day `30` does not exist in 2026-02 (it has 28 days)' },
    });
  });

  it('`2026/01/01`: the wrong form points at the whole string', () => {
    assert.deepEqual(parseDate('2026/01/01'), {
      ok: false,
      error: { at: 0, length: 10, message: 'expected a date as YYYY-MM-DD, e.g. `2027-01-01`' },
    });
  });
});
