// Metrics sources (src/node/metrics): the snapshot file, the Prometheus HTTP
// API against a REAL Prometheus (Debian's package, started per run on a free
// loopback port with backfilled data: test/prometheus/server.ts), and
// evaluateTriggers end to end. Small loopback HTTP servers stand in for what a
// real Prometheus will not do on demand (hang, answer 502 from a proxy, check
// a bearer token).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  evaluateTriggers,
  MetricsError,
  metricsSourceFor,
  PrometheusSource,
  prometheusSettings,
  SnapshotSource,
  type TriggerResult,
} from '../../src/node/metrics';
import { dryRun } from '../../src/node/runbook/dryrun';
import { freePort, prometheusInstalled, samples, startPrometheus, type RunningPrometheus, type Series } from '../prometheus/server';

const S = 1000;
const M = 60_000;
const IRIS = path.resolve(__dirname, '..', '..', 'examples', 'iris');

/** `[id, state, message]` of each result: what a person reads. */
const said = (rs: TriggerResult[]) => rs.map((r) => [r.id, r.state, r.message]);

async function rejectsWith(p: Promise<unknown>, kind: string, message: string | RegExp): Promise<MetricsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MetricsError, `not a MetricsError: ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return e;
  }
  assert.fail('expected a MetricsError');
}

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

/** A loopback server answering every request with `handler`; returns its URL and the requests it saw. */
async function fakeServer(handler: http.RequestListener): Promise<{ url: string; requests: http.IncomingMessage[]; close: () => Promise<void> }> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('metrics: Prometheus HTTP API, what a real server will not do on demand', () => {
  it('sends the headers and the bearer token, the time and the timeout', async () => {
    const fake = await fakeServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '42'] }] } }));
    });
    try {
      const src = new PrometheusSource(
        prometheusSettings({ url: `${fake.url}/prom/`, queries: { m: 'sum(up)' }, headers: { 'X-Scope-OrgID': 'ml' }, bearerTokenEnv: 'T', timeout: '2s' }, { T: 'tok' }),
      );
      assert.equal(await src.instant('m', 1_795_326_995_500), 42);
      const req = fake.requests[0]!;
      const u = new URL(req.url!, fake.url);
      assert.equal(u.pathname, '/prom/api/v1/query');
      assert.deepEqual(Object.fromEntries(u.searchParams), { query: 'sum(up)', time: '1795326995.5', timeout: '2' });
      assert.equal(req.headers.authorization, 'Bearer tok');
      assert.equal(req.headers['x-scope-orgid'], 'ml');
    } finally {
      await fake.close();
    }
  });

  it('an HTTP error status without a Prometheus body (a proxy) is an http error', async () => {
    const fake = await fakeServer((_req, res) => {
      res.statusCode = 502;
      res.end('<html>Bad Gateway</html>');
    });
    try {
      const src = new PrometheusSource(prometheusSettings({ url: fake.url, queries: { m: 'up' } }));
      const e = await rejectsWith(src.instant('m'), 'http', `Prometheus at ${fake.url}/ answered 502 Bad Gateway to the query for m: \`<html>Bad Gateway</html>\``);
      assert.equal(e.status, 502);
    } finally {
      await fake.close();
    }
  });

  it('an answer that is not JSON', async () => {
    const fake = await fakeServer((_req, res) => res.end('hello'));
    try {
      const src = new PrometheusSource(prometheusSettings({ url: fake.url, queries: { m: 'up' } }));
      await rejectsWith(src.instant('m'), 'bad-response', `the answer of Prometheus at ${fake.url}/ to the query for m is not a JSON object: \`hello\``);
    } finally {
      await fake.close();
    }
  });

  it('no answer within the timeout', async () => {
    const fake = await fakeServer(() => undefined);
    try {
      const src = new PrometheusSource(prometheusSettings({ url: fake.url, queries: { m: 'up' }, timeout: '200ms' }));
      const t0 = Date.now();
      await rejectsWith(src.instant('m'), 'timeout', `Prometheus at ${fake.url}/ gave no answer within 200ms to the query for m`);
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await fake.close();
    }
  });

  it('a cancel through the signal', async () => {
    const fake = await fakeServer(() => undefined);
    try {
      const ac = new AbortController();
      const src = new PrometheusSource(prometheusSettings({ url: fake.url, queries: { m: 'up' } }), ac.signal);
      setTimeout(() => ac.abort(), 50);
      await rejectsWith(src.instant('m'), 'cancelled', `cancelled while waiting for Prometheus at ${fake.url}/ to answer the query for m`);
    } finally {
      await fake.close();
    }
  });
});

describe('metrics: a real Prometheus', function () {
  this.timeout(30_000);
  let prom: RunningPrometheus | undefined;
  /** The end of the backfilled data, on a 15 s boundary in the recent past: the evaluation time of every query. */
  const END = Math.floor((Date.now() - 15 * S) / (15 * S)) * 15 * S;
  const every15s = (f: (msAgo: number) => number, span = 30 * M) => samples(END, span, 15 * S, f);
  const data: Series[] = [
    { name: 'iris_p99_latency_ms', labels: { job: 'iris' }, samples: every15s((ago) => (ago <= 10 * M ? 312 : 180)) },
    { name: 'iris_error_rate', labels: { job: 'iris' }, samples: every15s((ago) => (ago <= 3 * M ? 0.05 : 0.01)) },
    { name: 'iris_score_psi', labels: { job: 'iris' }, samples: every15s(() => 0.35, 2 * M) },
    { name: 'iris_accuracy_delta', labels: { job: 'iris' }, samples: every15s(() => -0.05) },
    { name: 'iris_accuracy_delta_ci_high', labels: { job: 'iris' }, samples: every15s(() => -0.01) },
    { name: 'iris_broken_ratio', labels: { job: 'iris' }, samples: every15s(() => NaN) },
    ...['a', 'b', 'c'].map((replica) => ({ name: 'iris_replica_latency_ms', labels: { job: 'iris', replica }, samples: every15s(() => 200) })),
  ];
  const queries = {
    p99_latency_ms: 'max(iris_p99_latency_ms)',
    error_rate: 'iris_error_rate',
    score_psi: 'iris_score_psi',
    accuracy_delta: 'iris_accuracy_delta',
    accuracy_delta_ci_high: 'iris_accuracy_delta_ci_high',
    broken_ratio: 'iris_broken_ratio',
    replica_latency_ms: 'iris_replica_latency_ms',
    unknown_label_rate: 'iris_unknown_label_rate',
    syntax: 'rate(iris_p99_latency_ms[5m]',
    scalar: 'scalar(max(iris_p99_latency_ms)) * 2',
  };
  const source = (): PrometheusSource => new PrometheusSource(prometheusSettings({ url: prom!.url, queries, timeout: '5s' }));

  before(async function () {
    if (!prometheusInstalled()) {
      if (process.env.CI) throw new Error('Prometheus is not installed: run `bash test/prometheus/setup.sh` (npm run setup does)');
      console.log('    (Prometheus is not installed: run `bash test/prometheus/setup.sh`; skipping the real-Prometheus tests)');
      this.skip();
    }
    prom = await startPrometheus({ series: data, timeoutMs: 20_000 });
    console.log(`    (Prometheus on ${prom.url}: backfill ${prom.timings.backfillMs} ms, ready ${prom.timings.readyMs} ms)`);
  });

  after(async () => {
    await prom?.stop();
  });

  it('an instant query: the latest value', async () => {
    assert.equal(await source().instant('p99_latency_ms', END), 312);
    assert.equal(await source().instant('scalar', END), 624);
  });

  it('a range query over a for: window: one point per step, ending at now', async () => {
    const points = await source().range('p99_latency_ms', END - 5 * M, END, 30 * S);
    assert.equal(points.length, 11);
    assert.deepEqual(points[0], [END - 5 * M, 312]);
    assert.deepEqual(points[10], [END, 312]);
  });

  it('an empty vector: the query returned no series', async () => {
    await rejectsWith(source().instant('unknown_label_rate', END), 'no-series', 'the query for unknown_label_rate returned no series');
    await rejectsWith(source().range('unknown_label_rate', END - 5 * M, END, 30 * S), 'no-series', 'the query for unknown_label_rate returned no series over 5m');
  });

  it('more than one series', async () => {
    const e = await rejectsWith(
      source().instant('replica_latency_ms', END),
      'many-series',
      'the query for replica_latency_ms returned 3 series; a trigger query must return one: iris_replica_latency_ms{job="iris", replica="a"}, iris_replica_latency_ms{job="iris", replica="b"}, iris_replica_latency_ms{job="iris", replica="c"}',
    );
    assert.equal(e.series, 3);
  });

  it('a PromQL syntax error: status "error" with its errorType and error', async () => {
    const e = await rejectsWith(
      source().instant('syntax', END),
      'api',
      `Prometheus at ${prom!.url}/ rejected the query for syntax, \`rate(iris_p99_latency_ms[5m]\`: bad_data: invalid parameter "query": 1:29: parse error: unclosed left parenthesis`,
    );
    assert.deepEqual([e.status, e.errorType], [400, 'bad_data']);
  });

  it('NaN values', async () => {
    await rejectsWith(source().instant('broken_ratio', END), 'nan', `the query for broken_ratio returned NaN at ${new Date(END).toISOString()} (a division by zero, or no data in a rate?)`);
  });

  it('evaluateTriggers: fires, only part of the window, not enough data, a bound that is not significant, no series, errors', async () => {
    const runbook = {
      metrics: { prometheus: { url: prom!.url, queries, step: '30s', timeout: '5s' } },
      triggers: [
        { id: 'slow', metric: 'p99_latency_ms', when: '> 250', for: '5m' },
        { id: 'slow-long', metric: 'p99_latency_ms', when: '> 250', for: '15m' },
        { id: 'errors', metric: 'error_rate', when: '> 0.02', for: '5m' },
        { id: 'drift', metric: 'score_psi', when: '> 0.2', for: '5m' },
        { id: 'drift-now', metric: 'score_psi', when: '> 0.2' },
        { id: 'accuracy-drop', metric: 'accuracy_delta', when: '< -0.03', for: '10m', confidence: { upper: 'accuracy_delta_ci_high', bound: 'upper' } },
        { id: 'unknown-label', metric: 'unknown_label_rate', when: '> 0' },
        { id: 'replicas', metric: 'replica_latency_ms', when: '> 250' },
        { id: 'typo', metric: 'p99_latency', when: '> 250' },
        { id: 'typo-for', metric: 'p99_latency', when: '> 250', for: '5m' },
      ],
    };
    const t0 = Date.now();
    const rs = await evaluateTriggers(runbook, '/', { workspace: '/', now: END });
    assert.ok(Date.now() - t0 < 5000);
    assert.deepEqual(said(rs), [
      ['slow', 'fires', 'p99_latency_ms is 312 > 250 for all 11 samples over 5m: fires'],
      ['slow-long', 'quiet', 'p99_latency_ms stayed > 250 for only 10m of 15m'],
      ['errors', 'quiet', 'error_rate stayed > 0.02 for only 3m of 5m'],
      ['drift', 'no-data', 'not enough data for 5m: the first sample of score_psi is from 2m ago'],
      ['drift-now', 'fires', 'score_psi is 0.35 > 0.2: fires'],
      ['accuracy-drop', 'quiet', 'accuracy_delta is -0.05 < -0.03 for all 21 samples over 10m but its upper bound accuracy_delta_ci_high is -0.01, not < -0.03: quiet'],
      ['unknown-label', 'no-data', 'the query for unknown_label_rate returned no series'],
      ['replicas', 'error', 'the query for replica_latency_ms returned 3 series; a trigger query must return one: iris_replica_latency_ms{job="iris", replica="a"}, iris_replica_latency_ms{job="iris", replica="b"}, iris_replica_latency_ms{job="iris", replica="c"}'],
      ['typo', 'no-data', 'no query for p99_latency in metrics.prometheus.queries'],
      ['typo-for', 'no-data', 'no query for p99_latency in metrics.prometheus.queries'],
    ]);
    assert.deepEqual(rs[0]!.window, { forMs: 5 * M, samples: 11, heldMs: 5 * M });
  });

  it('dry-run of the example pointed at this Prometheus: the detect phase says what would fire and why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-prom-dry-'));
    fs.cpSync(path.resolve(__dirname, '../../examples/iris'), dir, { recursive: true });
    const file = path.join(dir, 'iris.runbook.yaml');
    const promQueries = {
      p99_latency_ms: 'max(iris_p99_latency_ms)',
      error_rate: 'iris_error_rate',
      accuracy_delta: 'iris_accuracy_delta',
      accuracy_delta_ci_low: 'iris_accuracy_delta - 0.02',
      accuracy_delta_ci_high: 'iris_accuracy_delta_ci_high',
      score_psi: 'iris_score_psi',
      null_feature_rate: 'iris_null_feature_rate',
      unknown_label_rate: 'iris_unknown_label_rate',
    };
    const text = fs.readFileSync(file, 'utf8').replace('metrics: { file: metrics/now.json }', `metrics: { prometheus: { url: "${prom!.url}", queries: ${JSON.stringify(promQueries)}, timeout: 5s } }`);
    assert.notEqual(text, fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, text);
    const report = await dryRun(file, { workspace: dir, now: () => END });
    assert.deepEqual(report.phases.detect, [
      'slow: p99_latency_ms is 312 > 250 for all 11 samples over 5m: fires',
      'errors: error_rate stayed > 0.02 for only 3m of 5m',
      'accuracy-drop: accuracy_delta is -0.05 < -0.03 for all 61 samples over 30m but its upper bound accuracy_delta_ci_high is -0.01, not < -0.03: quiet',
      'drift: score_psi is 0.35 > 0.2: fires',
      'bad-input: the query for null_feature_rate returned no series over 10m',
      'unknown-label: the query for unknown_label_rate returned no series',
      'would fire now: slow, drift',
    ]);
    assert.deepEqual(
      report.findings.filter((f) => f.code.startsWith('trigger-')).map((f) => `${f.line}:${f.column} ${f.severity} ${f.code}`),
      ['76:5 warning trigger-no-data', '82:5 warning trigger-no-data'], 'on the metric of bad-input and unknown-label',
    );
  });

  it('an override replaces a reading; the server is not asked for it', async () => {
    const runbook = { metrics: { prometheus: { url: prom!.url, queries } }, triggers: [{ id: 'errors', metric: 'error_rate', when: '> 0.02', for: '5m' }] };
    assert.deepEqual(said(await evaluateTriggers(runbook, '/', { workspace: '/', now: END, overrides: { error_rate: 0.08 } })), [
      ['errors', 'fires', 'error_rate is 0.08 > 0.02 (a single value, taken to hold for 5m): fires'],
    ]);
  });
});

describe('metrics: Prometheus not running', () => {
  it('connection refused is an error of every trigger that reads it, never a crash', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const src = new PrometheusSource(prometheusSettings({ url, queries: { m: 'up' } }));
    await rejectsWith(src.instant('m'), 'unreachable', `cannot reach Prometheus at ${url}/: ECONNREFUSED`);
    const runbook = { metrics: { prometheus: { url, queries: { m: 'up' } } }, triggers: [{ id: 'a', metric: 'm', when: '> 1', for: '5m' }] };
    assert.deepEqual(said(await evaluateTriggers(runbook, '/', { workspace: '/', now: Date.now() })), [['a', 'error', `cannot reach Prometheus at ${url}/: ECONNREFUSED`]]);
  });
});
