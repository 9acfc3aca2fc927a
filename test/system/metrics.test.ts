// Metrics sources (src/node/metrics) over HTTP: the Prometheus HTTP API
// against a REAL Prometheus (Debian's package, started per run on a free
// loopback port with backfilled data: test/prometheus/server.ts) and
// evaluateTriggers and a dry-run end to end against it; small loopback HTTP
// servers stand in for what a real Prometheus will not do on demand (hang,
// answer 502 from a proxy, check a bearer token); and one that is not
// running. The snapshot file and the settings: test/unit/metrics.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateTriggers, PrometheusSource, prometheusSettings } from '../../src/node/metrics';
import { dryRun } from '../../src/node/runbook/dryrun';
import { freePort, needPrometheus, samples, startPrometheus, type RunningPrometheus, type Series } from '../prometheus/server';
import { M, rejectsWith, S, said } from '../support/metrics';

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
    needPrometheus(this);
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
      'worst case to detect: 30m (`accuracy-drop` must hold for 30m); windows.detect 35m',
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
