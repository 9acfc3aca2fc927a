// Metrics sources (src/node/metrics) without a server: the snapshot file,
// evaluateTriggers on the iris example's snapshot, and the Prometheus
// settings. Against a real Prometheus and loopback HTTP servers:
// test/system/metrics.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  evaluateTriggers,
  type MetricsError,
  metricsSourceFor,
  PrometheusSource,
  prometheusSettings,
  SnapshotSource,
} from '../../src/node/metrics';
import { samples } from '../prometheus/server';
import { M, rejectsWith, S, said } from '../support/metrics';

const IRIS = path.resolve(__dirname, '..', '..', 'examples', 'iris');

describe('metrics: snapshot file', () => {
  let dir: string;
  const file = (name: string, content: unknown): SnapshotSource => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return new SnapshotSource(p, `metrics/${name}`);
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-metrics-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads metric -> number, and the {metrics: {...}} form', async () => {
    const flat = file('flat.json', { p99_latency_ms: 182, score_psi: 0.06 });
    assert.equal(await flat.instant('p99_latency_ms'), 182);
    assert.equal(await flat.instant('nope'), undefined);
    assert.equal(await flat.windowStep('p99_latency_ms'), undefined);
    assert.equal(flat.missing('nope'), 'no value for nope in the snapshot');
    const wrapped = file('wrapped.json', { time: '2026-11-22T12:00:00Z', metrics: { score_psi: 0.35 } });
    assert.equal(await wrapped.instant('score_psi'), 0.35);
    assert.equal(await wrapped.time(), Date.UTC(2026, 10, 22, 12));
  });

  it('a value that is not a number is an error naming the metric and the file; other metrics still read', async () => {
    const s = file('bad.json', { p99_latency_ms: 'fast', score_psi: 0.06, error_rate: null, flags: [1] });
    await rejectsWith(s.instant('p99_latency_ms'), 'not-number', 'p99_latency_ms in the metrics snapshot metrics/bad.json is "fast", not a number');
    await rejectsWith(s.instant('error_rate'), 'not-number', 'error_rate in the metrics snapshot metrics/bad.json is null, not a number');
    await rejectsWith(s.instant('flags'), 'not-number', 'flags in the metrics snapshot metrics/bad.json is a list, not a number');
    assert.equal(await s.instant('score_psi'), 0.06);
  });

  it('a file that is not JSON, not an object, or missing is an error for every metric', async () => {
    await rejectsWith(file('text.json', 'p99: 182\n').instant('p99'), 'not-json', /^the metrics snapshot metrics\/text\.json is not JSON: /);
    await rejectsWith(file('list.json', [1, 2]).instant('p99'), 'not-json', 'the metrics snapshot metrics/list.json must be a JSON object of metric name → number, not a list');
    const gone = new SnapshotSource(path.join(dir, 'gone.json'), 'metrics/gone.json');
    await rejectsWith(gone.instant('p99'), 'file', `the metrics snapshot metrics/gone.json does not exist (looked for ${path.join(dir, 'gone.json')})`);
  });

  it('series give a for: window its history; step defaults to the median spacing', async () => {
    const end = Date.UTC(2026, 10, 22, 12);
    const s = file('series.json', {
      time: new Date(end).toISOString(),
      metrics: {
        p99_latency_ms: { series: samples(end, 10 * M, 30 * S, () => 312) },
        error_rate: { value: 0.05, series: [['2026-11-22T11:59:00Z', 0.01], ['2026-11-22T12:00:00Z', 0.05]], step: '1m' },
      },
    });
    assert.equal(await s.windowStep('p99_latency_ms'), 30 * S);
    assert.equal(await s.windowStep('error_rate'), M);
    assert.equal((await s.range('p99_latency_ms', end - 5 * M, end)).length, 11);
    assert.equal(await s.instant('p99_latency_ms'), 312);
    assert.deepEqual(await s.range('error_rate', end - 5 * M, end), [
      [end - M, 0.01],
      [end, 0.05],
    ]);
  });

  it('a bad series is an error naming the entry', async () => {
    const s = file('badseries.json', { m: { series: [[1, 2], [3, 'x']] }, o: { series: [[5, 1], [4, 1]] } });
    await rejectsWith(s.instant('m'), 'not-number', 'm in the metrics snapshot metrics/badseries.json: series entry 2 is `[3,"x"]`, not [time, number] (time in epoch milliseconds or ISO 8601)');
    await rejectsWith(s.instant('o'), 'not-number', 'o in the metrics snapshot metrics/badseries.json: series entry 2 is not later than the one before it; list the samples in time order');
  });

  it('evaluates series triggers at the snapshot time, not the caller now', async () => {
    const end = Date.UTC(2026, 10, 22, 12);
    const p = path.join(dir, 'timed.json');
    fs.writeFileSync(
      p,
      JSON.stringify({
        time: end,
        metrics: {
          p99_latency_ms: { series: samples(end, 30 * M, 15 * S, (ago) => (ago <= 10 * M ? 312 : 200)) },
          error_rate: { series: samples(end, 30 * M, 15 * S, (ago) => (ago <= 3 * M ? 0.05 : 0.01)) },
        },
      }),
    );
    const runbook = {
      metrics: { file: 'timed.json' },
      triggers: [
        { id: 'slow', metric: 'p99_latency_ms', when: '> 250', for: '5m' },
        { id: 'errors', metric: 'error_rate', when: '> 0.02', for: '5m' },
      ],
    };
    assert.deepEqual(said(await evaluateTriggers(runbook, dir, { workspace: dir, now: Date.now() })), [
      ['slow', 'fires', 'p99_latency_ms is 312 > 250 for all 21 samples over 5m: fires'],
      ['errors', 'quiet', 'error_rate stayed > 0.02 for only 3m of 5m'],
    ]);
  });
});

describe('metrics: a nested report read through `paths`', () => {
  const REPORTS = path.resolve(__dirname, '..', 'fixtures', 'metrics-reports');
  const runbook = (file: string, paths: Record<string, string>, triggers: unknown[]) => ({ metrics: { file, paths }, triggers });
  const at = (rb: unknown) => evaluateTriggers(rb, REPORTS, { workspace: REPORTS, now: Date.UTC(2026, 4, 1) });

  it('an Evidently report: drift share and one column\'s drift score, by path', async () => {
    const rb = runbook('evidently-report.json', { drift_share: 'metrics[0].result.share_of_drifted_columns', petal_drift: '$.metrics[1].result.drift_by_columns["petal length (cm)"].drift_score', dataset_drift: 'metrics[0].result.dataset_drift' }, [
      { id: 'drift', metric: 'drift_share', when: '> 0.5' },
      { id: 'petal', metric: 'petal_drift', when: '< 0.05' },
      { id: 'dataset', metric: 'dataset_drift', when: '>= 1' },
    ]);
    assert.deepEqual(said(await at(rb)), [
      ['drift', 'fires', 'drift_share is 0.75 > 0.5: fires'],
      ['petal', 'fires', 'petal_drift is 0.00017 < 0.05: fires'],
      ['dataset', 'fires', 'dataset_drift is 1 >= 1: fires'],
    ]);
  });

  it('a Great Expectations validation result: success percent, one expectation\'s unexpected percent, overall success as 1/0', async () => {
    const rb = runbook('ge-validation-result.json', { ge_success_percent: 'statistics.success_percent', petal_unexpected: 'results[1].result.unexpected_percent', ge_success: 'success' }, [
      { id: 'suite', metric: 'ge_success_percent', when: '< 100' },
      { id: 'range', metric: 'petal_unexpected', when: '> 5' },
      { id: 'failed', metric: 'ge_success', when: '< 1' },
    ]);
    assert.deepEqual(said(await at(rb)), [
      ['suite', 'fires', 'ge_success_percent is 50 < 100: fires'],
      ['range', 'quiet', 'petal_unexpected is 4, not > 5: quiet'],
      ['failed', 'fires', 'ge_success is 0 < 1: fires'],
    ]);
  });

  it('a path that leads nowhere, to an object, or is not a path: that trigger is an error naming the path and the file', async () => {
    const rb = runbook('evidently-report.json', { a: 'metrics[2].result', b: 'metrics[1].result', c: 'metrics[' }, [
      { id: 'a', metric: 'a', when: '> 0' },
      { id: 'b', metric: 'b', when: '> 0' },
      { id: 'c', metric: 'c', when: '> 0' },
    ]);
    assert.deepEqual(said(await at(rb)), [
      ['a', 'error', 'a (`metrics[2].result` in the metrics snapshot evidently-report.json): the file has no $.metrics[2]'],
      ['b', 'error', 'b (`metrics[1].result` in the metrics snapshot evidently-report.json) is an object, not a number'],
      ['c', 'error', 'metrics.paths.c `metrics[` is not a path: `[` is not closed'],
    ]);
  });
});

describe('metrics: evaluateTriggers on the iris example (snapshot)', () => {
  const runbook = parseYaml(fs.readFileSync(path.join(IRIS, 'iris.runbook.yaml'), 'utf8'));

  it('every trigger is quiet on metrics/now.json', async () => {
    assert.deepEqual(said(await evaluateTriggers(runbook, IRIS, { workspace: IRIS, now: Date.UTC(2026, 10, 22) })), [
      ['slow', 'quiet', 'p99_latency_ms is 182, not > 250: quiet'],
      ['errors', 'quiet', 'error_rate is 0.0031, not > 0.02: quiet'],
      ['accuracy-drop', 'quiet', 'accuracy_delta is -0.004, not < -0.03: quiet'],
      ['drift', 'quiet', 'score_psi is 0.06, not > 0.2: quiet'],
      ['bad-input', 'quiet', 'null_feature_rate is 0.002, not > 0.05: quiet'],
      ['unknown-label', 'quiet', 'unknown_label_rate is 0, not > 0: quiet'],
    ]);
  });

  it("a drill's injected values replace the readings (and the confidence bound decides)", async () => {
    const rs = await evaluateTriggers(runbook, IRIS, {
      workspace: IRIS,
      now: Date.UTC(2026, 10, 22),
      overrides: { p99_latency_ms: 400, accuracy_delta: -0.05 },
    });
    assert.deepEqual(said(rs).slice(0, 3), [
      ['slow', 'fires', 'p99_latency_ms is 400 > 250 (a single value, taken to hold for 5m): fires'],
      ['errors', 'quiet', 'error_rate is 0.0031, not > 0.02: quiet'],
      ['accuracy-drop', 'quiet', 'accuracy_delta is -0.05 < -0.03 (a single value, taken to hold for 30m) but its upper bound accuracy_delta_ci_high is 0.011, not < -0.03: quiet'],
    ]);
    assert.equal(rs[0]!.value, 400);
    const sure = await evaluateTriggers(runbook, IRIS, { workspace: IRIS, now: 0, overrides: { accuracy_delta: -0.05, accuracy_delta_ci_high: -0.04 } });
    assert.equal(sure[2]!.message, 'accuracy_delta is -0.05 < -0.03 (a single value, taken to hold for 30m) and its upper bound accuracy_delta_ci_high is -0.04 < -0.03: fires');
  });

  it('a metric missing from the snapshot: no data', async () => {
    const rb = { ...runbook, triggers: [{ id: 'drift', metric: 'score_psi_v2', when: '> 0.2' }] };
    assert.deepEqual(said(await evaluateTriggers(rb, IRIS, { workspace: IRIS, now: 0 })), [['drift', 'no-data', 'no value for score_psi_v2 in the snapshot']]);
  });

  it('a runbook without a usable metrics source: every trigger is an error, overrides still evaluate', async () => {
    const rb = { triggers: [{ id: 'a', metric: 'm', when: '> 1' }, { id: 'b', metric: 'n', when: '> 1' }] };
    assert.deepEqual(said(await evaluateTriggers(rb, IRIS, { workspace: IRIS, now: 0, overrides: { n: 2 } })), [
      ['a', 'error', 'the runbook has no `metrics` source: give a snapshot `file` or `prometheus`'],
      ['b', 'fires', 'n is 2 > 1: fires'],
    ]);
    assert.throws(() => metricsSourceFor({ metrics: { file: 'a.json', prometheus: { url: 'http://x', queries: { a: 'a' } } } }, IRIS, { workspace: IRIS }), /sets both `file` and `prometheus`/);
  });
});

describe('metrics: Prometheus settings', () => {
  it('defaults: step 30s, timeout 10s', () => {
    const s = prometheusSettings({ url: 'http://prometheus:9090', queries: { m: 'up' } });
    assert.deepEqual([s.url.href, s.stepMs, s.timeoutMs, s.headers], ['http://prometheus:9090/', 30 * S, 10 * S, {}]);
  });

  it('a bearer token from the environment; a clear error when the variable is not set', () => {
    const spec = { url: 'http://p:9090', queries: { m: 'up' }, headers: { 'X-Scope-OrgID': 'ml' }, bearerTokenEnv: 'PROM_TOKEN' };
    assert.deepEqual(prometheusSettings(spec, { PROM_TOKEN: 's3cret' }).headers, { 'X-Scope-OrgID': 'ml', Authorization: 'Bearer s3cret' });
    assert.throws(() => prometheusSettings(spec, {}), (e: MetricsError) => e.kind === 'config' && e.message === 'metrics.prometheus.bearerTokenEnv names the environment variable PROM_TOKEN, which is not set');
  });

  it('bad durations and URLs are config errors', () => {
    assert.throws(() => prometheusSettings({ url: 'http://p', queries: { m: 'up' }, step: '30 s' }), /^MetricsError: metrics\.prometheus\.step `30 s` is not a duration: /);
    assert.throws(() => prometheusSettings({ url: 'ftp://p', queries: { m: 'up' } }), /must be an http:\/\/ or https:\/\/ URL/);
  });

  it('a window that would need more than 11,000 points gets a coarser step', async () => {
    const src = new PrometheusSource(prometheusSettings({ url: 'http://p', queries: { m: 'up' } }));
    assert.equal(await src.windowStep('m', 5 * M), 30 * S);
    assert.equal(await src.windowStep('m', 10 * S), 10 * S);
    assert.equal(await src.windowStep('m', 90 * 86_400_000), 707 * S);
  });
});
