// Trigger evaluation (src/core/runbook/triggers): the latest value, the `for:` window
// (every sample, coverage at both ends, gaps), single values taken to hold,
// confidence bounds, bad triggers; each with its exact message.
import * as assert from 'node:assert/strict';
import { evaluateTriggers, planTriggers, readingsNeeded, type Reading, type ReadingLookup, type TriggerResult } from '../../src/core/runbook/triggers';
import { reading } from '../../src/core/util/number';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const S = 1000;
const M = 60_000;

/** Samples every `step` ms over [NOW - span, NOW], valued by `f(msAgo)`. */
function series(spanMs: number, stepMs: number, f: (msAgo: number) => number): Reading {
  const samples: Array<[number, number]> = [];
  for (let ago = spanMs; ago >= 0; ago -= stepMs) samples.push([NOW - ago, f(ago)]);
  return { kind: 'series', samples, stepMs };
}

function lookup(readings: Record<string, Reading>): ReadingLookup {
  return (metric) => readings[metric] ?? { kind: 'missing', message: `no value for ${metric} in the snapshot` };
}

function one(trigger: Record<string, unknown>, readings: Record<string, Reading>): TriggerResult {
  const [r] = evaluateTriggers([trigger], lookup(readings), NOW);
  return r!;
}

const slow = { id: 'slow', metric: 'p99_latency_ms', when: '> 250', for: '5m' };
const drift = { id: 'drift', metric: 'score_psi', when: '> 0.2' };

describe('triggers: the latest value decides without for:', () => {
  it('fires when the value satisfies the comparison', () => {
    assert.deepEqual(one(drift, { score_psi: { kind: 'value', value: 0.35 } }), {
      id: 'drift',
      metric: 'score_psi',
      severity: 'rollback',
      threshold: 0.2,
      op: '>',
      fires: true,
      state: 'fires',
      value: 0.35,
      message: 'score_psi is 0.35 > 0.2: fires',
    });
  });

  it('is quiet when it does not', () => {
    const r = one(drift, { score_psi: { kind: 'value', value: 0.05 } });
    assert.equal(r.state, 'quiet');
    assert.equal(r.fires, false);
    assert.equal(r.message, 'score_psi is 0.05, not > 0.2: quiet');
  });

  it('has no data when the source has no value', () => {
    const r = one(drift, {});
    assert.deepEqual([r.state, r.fires, r.value, r.message], ['no-data', false, undefined, 'no value for score_psi in the snapshot']);
  });

  it('reports the source error as the error state', () => {
    const r = one(drift, { score_psi: { kind: 'error', message: 'cannot reach Prometheus at http://127.0.0.1:9/: ECONNREFUSED' } });
    assert.deepEqual([r.state, r.message], ['error', 'cannot reach Prometheus at http://127.0.0.1:9/: ECONNREFUSED']);
  });

  it('every operator, the threshold itself included', () => {
    const at = (when: string, value: number) => one({ id: 't', metric: 'm', when }, { m: { kind: 'value', value } }).message;
    assert.equal(at('>= 250', 250), 'm is 250 >= 250: fires');
    assert.equal(at('> 250', 250), 'm is 250, not > 250: quiet');
    assert.equal(at('< 0.9', 0.95), 'm is 0.95, not < 0.9: quiet');
    assert.equal(at('<= -0.02', -0.02), 'm is -0.02 <= -0.02: fires');
    assert.equal(at('== 0', 0), 'm is 0 == 0: fires');
    assert.equal(at('!= 0', 0), 'm is 0, not != 0: quiet');
  });

  it('NaN is an error, never a comparison that holds (not even != 0)', () => {
    const r = one({ id: 't', metric: 'm', when: '!= 0' }, { m: { kind: 'value', value: NaN } });
    assert.deepEqual([r.state, r.message], ['error', 'm is NaN, which no comparison holds for']);
  });

  it('a series for a trigger without for: is judged on its latest sample', () => {
    const r = one(drift, { score_psi: series(2 * M, 30 * S, (ago) => (ago === 0 ? 0.3 : 0.1)) });
    assert.equal(r.message, 'score_psi is 0.3 > 0.2: fires');
  });
});

describe('triggers: for: windows', () => {
  it('fires when every sample over the window satisfies it (11 samples at a 30s step over 5m)', () => {
    const r = one(slow, { p99_latency_ms: series(5 * M, 30 * S, (ago) => (ago === 0 ? 312 : 280)) });
    assert.deepEqual(r, {
      id: 'slow',
      metric: 'p99_latency_ms',
      severity: 'rollback',
      threshold: 250,
      op: '>',
      fires: true,
      state: 'fires',
      value: 312,
      window: { forMs: 5 * M, samples: 11, heldMs: 5 * M },
      message: 'p99_latency_ms is 312 > 250 for all 11 samples over 5m: fires',
    });
  });

  it('ignores samples before the window (they may have been quiet)', () => {
    const r = one(slow, { p99_latency_ms: series(30 * M, 30 * S, (ago) => (ago <= 5 * M ? 312 : 100)) });
    assert.equal(r.message, 'p99_latency_ms is 312 > 250 for all 11 samples over 5m: fires');
  });

  it('is quiet when the comparison held for only part of the window, saying for how long', () => {
    const r = one(slow, { p99_latency_ms: series(30 * M, 30 * S, (ago) => (ago <= 3 * M ? 312 : 200)) });
    assert.equal(r.state, 'quiet');
    assert.equal(r.message, 'p99_latency_ms stayed > 250 for only 3m of 5m');
    assert.deepEqual(r.window, { forMs: 5 * M, samples: 11, heldMs: 3 * M });
  });

  it('a single dip in the middle of the window breaks it', () => {
    const r = one(slow, { p99_latency_ms: series(5 * M, 30 * S, (ago) => (ago === 90 * S ? 240 : 300)) });
    assert.equal(r.message, 'p99_latency_ms stayed > 250 for only 1m of 5m');
  });

  it('only the latest sample breaching: held for 0s', () => {
    const r = one(slow, { p99_latency_ms: series(5 * M, 30 * S, (ago) => (ago === 0 ? 300 : 100)) });
    assert.equal(r.message, 'p99_latency_ms stayed > 250 for only 0s of 5m');
  });

  it('is quiet on the latest value alone when that does not satisfy it', () => {
    const r = one(slow, { p99_latency_ms: series(5 * M, 30 * S, (ago) => (ago === 0 ? 182 : 300)) });
    assert.equal(r.message, 'p99_latency_ms is 182, not > 250: quiet');
  });

  it('has no data when the samples start too late to cover the window', () => {
    const r = one(slow, { p99_latency_ms: series(2 * M, 30 * S, () => 312) });
    assert.equal(r.state, 'no-data');
    assert.equal(r.fires, false);
    assert.equal(r.message, 'not enough data for 5m: the first sample of p99_latency_ms is from 2m ago');
    assert.deepEqual(r.window, { forMs: 5 * M, samples: 5, heldMs: 2 * M });
  });

  it('a first sample within one step of the window start covers it', () => {
    const s = series(5 * M, 30 * S, () => 312) as Extract<Reading, { kind: 'series' }>;
    const late = { ...s, samples: s.samples.map(([t, v]) => [t + 20 * S, v] as [number, number]).filter(([t]) => t <= NOW) };
    const r = one(slow, { p99_latency_ms: late });
    assert.equal(r.message, 'p99_latency_ms is 312 > 250 for all 10 samples over 5m: fires');
  });

  it('has no data when the latest sample is older than one step', () => {
    const s = series(10 * M, 30 * S, () => 312) as Extract<Reading, { kind: 'series' }>;
    const stale = { ...s, samples: s.samples.filter(([t]) => t <= NOW - 2 * M) };
    assert.equal(one(slow, { p99_latency_ms: stale }).message, 'not enough data for 5m: the latest sample of p99_latency_ms is 2m old');
    assert.equal(one({ ...slow, for: undefined }, { p99_latency_ms: stale }).message, 'no current value: the latest sample of p99_latency_ms is 2m old');
  });

  it('has no data when a gap of more than two steps breaks the window', () => {
    const s = series(5 * M, 30 * S, () => 312) as Extract<Reading, { kind: 'series' }>;
    const holed = { ...s, samples: s.samples.filter(([t]) => t < NOW - 3 * M || t > NOW - M) };
    assert.equal(one(slow, { p99_latency_ms: holed }).message, 'not enough data for 5m: p99_latency_ms has a 3m gap between samples inside the window');
  });

  it('no samples at all: no data', () => {
    const r = one(slow, { p99_latency_ms: { kind: 'series', samples: [], stepMs: 30 * S } });
    assert.deepEqual([r.state, r.message], ['no-data', 'no samples of p99_latency_ms up to the evaluation time']);
  });

  it('samples after now are ignored', () => {
    const s = series(5 * M, 30 * S, () => 312) as Extract<Reading, { kind: 'series' }>;
    const r = one(slow, { p99_latency_ms: { ...s, samples: [...s.samples, [NOW + 30 * S, 100]] } });
    assert.equal(r.message, 'p99_latency_ms is 312 > 250 for all 11 samples over 5m: fires');
  });

  it('a NaN inside the window is an error', () => {
    const r = one(slow, { p99_latency_ms: series(5 * M, 30 * S, (ago) => (ago === 2 * M ? NaN : 300)) });
    assert.deepEqual([r.state, r.message], ['error', 'p99_latency_ms is NaN at 2m ago, inside the 5m window']);
  });

  it('a single value (a snapshot number, an injected value) is taken to hold for the window, and says so', () => {
    const r = one(slow, { p99_latency_ms: { kind: 'value', value: 400 } });
    assert.equal(r.message, 'p99_latency_ms is 400 > 250 (a single value, taken to hold for 5m): fires');
    assert.deepEqual(r.window, { forMs: 5 * M, samples: 1, heldMs: 5 * M, assumed: true });
    assert.equal(one(slow, { p99_latency_ms: { kind: 'value', value: 182 } }).message, 'p99_latency_ms is 182, not > 250: quiet');
  });

  it('keeps `for:` as written in messages (1h30m)', () => {
    const r = one({ ...slow, for: '1h30m' }, { p99_latency_ms: series(90 * M, M, () => 260) });
    assert.equal(r.message, 'p99_latency_ms is 260 > 250 for all 91 samples over 1h30m: fires');
  });
});

describe('triggers: confidence bounds', () => {
  const acc = {
    id: 'accuracy-drop',
    metric: 'accuracy_delta',
    when: '< -0.03',
    for: '30m',
    confidence: { level: 0.95, lower: 'acc_lo', upper: 'acc_hi', bound: 'upper' },
  };
  const dropping = series(30 * M, M, () => -0.05);

  it('fires when the metric and the chosen bound both satisfy the comparison', () => {
    const r = one(acc, { accuracy_delta: dropping, acc_lo: { kind: 'value', value: -0.07 }, acc_hi: { kind: 'value', value: -0.035 } });
    assert.equal(r.message, 'accuracy_delta is -0.05 < -0.03 for all 31 samples over 30m and its upper bound acc_hi is -0.035 < -0.03: fires');
    assert.deepEqual(r.bounds, [{ bound: 'upper', metric: 'acc_hi', value: -0.035, holds: true }]);
    assert.equal(r.fires, true);
  });

  it('is quiet when the chosen bound does not (the breach is not significant)', () => {
    const r = one(acc, { accuracy_delta: dropping, acc_lo: { kind: 'value', value: -0.07 }, acc_hi: { kind: 'value', value: -0.01 } });
    assert.equal(r.state, 'quiet');
    assert.equal(r.message, 'accuracy_delta is -0.05 < -0.03 for all 31 samples over 30m but its upper bound acc_hi is -0.01, not < -0.03: quiet');
    assert.deepEqual(r.bounds, [{ bound: 'upper', metric: 'acc_hi', value: -0.01, holds: false }]);
  });

  it('bound: both needs both ends', () => {
    const both = { ...acc, confidence: { ...acc.confidence, bound: 'both' } };
    const r = one(both, { accuracy_delta: dropping, acc_lo: { kind: 'value', value: -0.07 }, acc_hi: { kind: 'value', value: -0.01 } });
    assert.equal(r.message, 'accuracy_delta is -0.05 < -0.03 for all 31 samples over 30m but its lower bound acc_lo is -0.07 < -0.03 and its upper bound acc_hi is -0.01, not < -0.03: quiet');
  });

  it('without bound: the lower bound for >, the upper bound for <', () => {
    const gt = { id: 'slow', metric: 'lat', when: '> 250', confidence: { lower: 'lat_lo', upper: 'lat_hi' } };
    const r = one(gt, { lat: { kind: 'value', value: 300 }, lat_lo: { kind: 'value', value: 240 }, lat_hi: { kind: 'value', value: 360 } });
    assert.equal(r.message, 'lat is 300 > 250 but its lower bound lat_lo is 240, not > 250: quiet');
    const lt = { ...acc, confidence: { lower: 'acc_lo', upper: 'acc_hi' } };
    assert.deepEqual(planTriggers([lt])[0]!.bounds, [{ bound: 'upper', metric: 'acc_hi' }]);
  });

  it('the bounds do not matter when the metric itself is quiet', () => {
    const r = one(acc, { accuracy_delta: series(30 * M, M, () => 0.01) });
    assert.equal(r.message, 'accuracy_delta is 0.01, not < -0.03: quiet');
    assert.equal(r.bounds, undefined);
  });

  it('a bound without a value: no data, naming the bound', () => {
    const r = one(acc, { accuracy_delta: dropping });
    assert.equal(r.state, 'no-data');
    assert.equal(r.message, 'accuracy_delta is -0.05 < -0.03 for all 31 samples over 30m, but the upper bound of accuracy_delta is unknown: no value for acc_hi in the snapshot');
  });

  it('a bound that is NaN or fails to read: error', () => {
    assert.equal(
      one(acc, { accuracy_delta: dropping, acc_hi: { kind: 'value', value: NaN } }).message,
      'accuracy_delta is -0.05 < -0.03 for all 31 samples over 30m, but the upper bound of accuracy_delta, acc_hi, is NaN',
    );
    const r = one(acc, { accuracy_delta: dropping, acc_hi: { kind: 'error', message: 'the query for acc_hi returned 2 series; a trigger query must return one: {a="1"}, {a="2"}' } });
    assert.equal(r.state, 'error');
    assert.match(r.message, /, but the upper bound of accuracy_delta is unknown: the query for acc_hi returned 2 series/);
  });

  it('a chosen bound whose metric is not named is an error of the trigger', () => {
    const r = one({ ...acc, confidence: { lower: 'acc_lo', bound: 'upper' } }, {});
    assert.deepEqual([r.state, r.message], ['error', '`confidence` names no `upper` metric, but the upper bound must satisfy the comparison']);
    const d = one({ ...acc, confidence: { lower: 'acc_lo' } }, {});
    assert.equal(d.message, '`confidence` names no `upper` metric, but the upper bound must satisfy the comparison (for a "<" trigger without `confidence.bound`, the upper bound is what makes a breach significant)');
  });

  it('asks for the bound metrics as latest values', () => {
    assert.deepEqual(readingsNeeded(planTriggers([acc, slow, { ...slow, id: 'slow2' }])), [
      { metric: 'accuracy_delta', forMs: 30 * M },
      { metric: 'acc_hi', forMs: undefined },
      { metric: 'p99_latency_ms', forMs: 5 * M },
    ]);
  });
});

describe('triggers: triggers that cannot be evaluated', () => {
  it('a `when` that is not a comparison', () => {
    const r = one({ id: 'x', metric: 'm', when: '>> 3' }, {});
    assert.equal(r.state, 'error');
    assert.equal(r.threshold, undefined);
    assert.match(r.message, /^`when: ">> 3"` is not a comparison: /);
  });

  it('a `for` that is not a duration', () => {
    const r = one({ ...slow, for: '5 minutes' }, {});
    assert.equal(r.state, 'error');
    assert.match(r.message, /^`for: 5 minutes` is not a duration: /);
    assert.equal(one({ ...slow, for: '0s' }, {}).message, '`for: 0s` must be longer than 0s');
  });

  it('no metric, no when, not a mapping', () => {
    assert.deepEqual(
      evaluateTriggers([{ id: 'a', when: '> 1' }, { id: 'b', metric: 'm' }, 'c'], lookup({}), NOW).map((r) => [r.id, r.state, r.message]),
      [
        ['a', 'error', 'trigger a names no metric'],
        ['b', 'error', 'trigger b has no `when` comparison, e.g. "> 250"'],
        ['#3', 'error', 'trigger #3 is not a mapping'],
      ],
    );
  });

  it('no triggers at all: no results', () => {
    assert.deepEqual(evaluateTriggers(undefined, lookup({}), NOW), []);
  });

  it('keeps severity', () => {
    assert.equal(one({ ...drift, severity: 'warn' }, { score_psi: { kind: 'value', value: 1 } }).severity, 'warn');
  });
});

describe('triggers: numbers in messages', () => {
  it('integers as they are, others to 6 significant digits', () => {
    assert.deepEqual([312, 0.0031, 0.1 + 0.2, 312.00000000000006, 1234567.891, -0.035, Infinity].map(reading), ['312', '0.0031', '0.3', '312', '1234568', '-0.035', 'Infinity']);
  });
});
