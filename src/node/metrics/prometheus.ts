// Trigger metrics from a Prometheus HTTP API: one PromQL query per metric
// (`metrics.prometheus.queries`). The latest value comes from
// GET /api/v1/query?query=…&time=…, a `for:` window from
// GET /api/v1/query_range?query=…&start=…&end=…&step=…. Each query must
// return exactly one series (or a scalar); anything else is a MetricsError
// whose message names the metric.
import * as http from 'node:http';
import * as https from 'node:https';
import { formatDuration, parseDuration } from '../../core/util/values';
import { MetricsError, snippet } from './errors';
import type { MetricsSource } from './source';

export const DEFAULT_STEP = '30s';
export const DEFAULT_TIMEOUT = '10s';
/** Prometheus refuses range queries of more than 11,000 points per series. */
export const MAX_POINTS = 11_000;
/** Largest answer read; a trigger query returns one series, so this is generous. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface PrometheusSettings {
  /** Base URL, without /api/v1. */
  url: URL;
  queries: Record<string, string>;
  stepMs: number;
  timeoutMs: number;
  /** Extra headers, Authorization included when a bearer token is set. */
  headers: Record<string, string>;
}

/** Reads `metrics.prometheus` (as written in the runbook) into settings; a `config` error when it cannot be used. */
export function prometheusSettings(spec: unknown, env: NodeJS.ProcessEnv = process.env): PrometheusSettings {
  const o = isObject(spec) ? spec : {};
  if (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)) {
    throw new MetricsError('config', `metrics.prometheus.url must be an http:// or https:// URL, not ${o.url === undefined ? 'missing' : snippet(String(o.url))}`);
  }
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new MetricsError('config', `metrics.prometheus.url ${snippet(o.url)} is not a URL`);
  }
  const queries: Record<string, string> = {};
  // without queries every trigger must come from a rule (whose query is added under the alert's name)
  if (o.queries !== undefined && !isObject(o.queries)) throw new MetricsError('config', 'metrics.prometheus.queries must map each metric name to a PromQL query');
  for (const [k, v] of Object.entries(o.queries ?? {})) {
    if (typeof v !== 'string' || !v.trim()) throw new MetricsError('config', `metrics.prometheus.queries.${k} must be a PromQL query, not ${snippet(JSON.stringify(v) ?? String(v))}`);
    queries[k] = v;
  }
  const duration = (key: 'step' | 'timeout', fallback: string): number => {
    const text = o[key] === undefined ? fallback : String(o[key]);
    const d = parseDuration(text);
    if (!d.ok) throw new MetricsError('config', `metrics.prometheus.${key} \`${text}\` is not a duration: ${d.error.message}`);
    if (d.value <= 0) throw new MetricsError('config', `metrics.prometheus.${key} must be longer than 0s`);
    return d.value;
  };
  const headers: Record<string, string> = {};
  if (o.headers !== undefined) {
    if (!isObject(o.headers)) throw new MetricsError('config', 'metrics.prometheus.headers must map header names to values');
    for (const [k, v] of Object.entries(o.headers)) headers[k] = String(v);
  }
  if (o.bearerTokenEnv !== undefined) {
    const name = String(o.bearerTokenEnv);
    const token = env[name];
    if (!token) throw new MetricsError('config', `metrics.prometheus.bearerTokenEnv names the environment variable ${name}, which is not set`);
    headers.Authorization = `Bearer ${token}`;
  }
  return { url, queries, stepMs: duration('step', DEFAULT_STEP), timeoutMs: duration('timeout', DEFAULT_TIMEOUT), headers };
}

export class PrometheusSource implements MetricsSource {
  readonly label: string;
  private readonly shown: string;

  constructor(
    readonly settings: PrometheusSettings,
    private readonly signal?: AbortSignal,
  ) {
    this.shown = displayUrl(settings.url);
    this.label = `Prometheus at ${this.shown}`;
  }

  missing(metric: string): string {
    return `no query for ${metric} in metrics.prometheus.queries`;
  }

  /**
   * The configured step, made coarser when the window would need more than
   * MAX_POINTS points, and at most the window itself; undefined for a metric
   * without a query (then the reading is the missing value).
   */
  async windowStep(metric: string, forMs: number): Promise<number | undefined> {
    if (this.settings.queries[metric] === undefined) return undefined;
    const step = Math.max(this.settings.stepMs, Math.ceil(forMs / (MAX_POINTS - 1) / 1000) * 1000);
    return Math.min(step, forMs);
  }

  async instant(metric: string, atMs: number = Date.now()): Promise<number | undefined> {
    const query = this.settings.queries[metric];
    if (query === undefined) return undefined;
    const data = await this.get(metric, query, 'query', { query, time: seconds(atMs), timeout: seconds(this.settings.timeoutMs) });
    const q = `the query for ${metric}`;
    if (data.resultType === 'scalar') return this.value(metric, data.result, q);
    if (data.resultType !== 'vector') throw new MetricsError('bad-response', `${q} returned a ${resultName(data.resultType)}; a trigger query must return one number`, { metric });
    const series = this.oneSeries(metric, data.result, q);
    return this.value(metric, series.value, q);
  }

  async range(metric: string, sinceMs: number, untilMs: number, stepMs: number): Promise<Array<[number, number]>> {
    const query = this.settings.queries[metric];
    if (query === undefined) return [];
    const data = await this.get(metric, query, 'query_range', {
      query,
      start: seconds(sinceMs),
      end: seconds(untilMs),
      step: seconds(stepMs),
      timeout: seconds(this.settings.timeoutMs),
    });
    const q = `the query for ${metric}`;
    if (data.resultType !== 'matrix') throw new MetricsError('bad-response', `${q} returned a ${resultName(data.resultType)} to a range query`, { metric });
    const series = this.oneSeries(metric, data.result, q, ` over ${formatDuration(untilMs - sinceMs)}`);
    if (!Array.isArray(series.values)) throw new MetricsError('bad-response', `${q}: the series has no \`values\``, { metric });
    return series.values.map((p) => {
      const t = Array.isArray(p) ? Number(p[0]) * 1000 : NaN;
      return [t, this.value(metric, p, q)] as [number, number];
    });
  }

  private oneSeries(metric: string, result: unknown, q: string, over = ''): Record<string, unknown> {
    if (!Array.isArray(result)) throw new MetricsError('bad-response', `${q}: the answer has no result list`, { metric });
    if (result.length === 0) throw new MetricsError('no-series', `${q} returned no series${over}`, { metric, series: 0 });
    if (result.length > 1) {
      const shown = result.slice(0, 3).map((s) => labels(isObject(s) ? s.metric : undefined));
      const more = result.length > 3 ? `, … (${result.length - 3} more)` : '';
      throw new MetricsError('many-series', `${q} returned ${result.length} series; a trigger query must return one: ${shown.join(', ')}${more}`, { metric, series: result.length });
    }
    const s = result[0];
    if (!isObject(s)) throw new MetricsError('bad-response', `${q}: the series is not an object`, { metric });
    return s;
  }

  /** `[time, "312"]` -> 312; NaN is an error, `+Inf` / `-Inf` are infinities. */
  private value(metric: string, pair: unknown, q: string): number {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') {
      throw new MetricsError('bad-response', `${q}: ${snippet(JSON.stringify(pair) ?? String(pair), 60)} is not a [time, "value"] sample`, { metric });
    }
    const text = pair[1];
    const v = text === '+Inf' || text === 'Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
    if (Number.isNaN(v)) {
      const at = new Date(Number(pair[0]) * 1000);
      const when = Number.isNaN(at.getTime()) ? '' : ` at ${at.toISOString()}`;
      if (text === 'NaN') throw new MetricsError('nan', `${q} returned NaN${when} (a division by zero, or no data in a rate?)`, { metric });
      throw new MetricsError('bad-response', `${q} returned ${snippet(text, 40)}${when}, not a number`, { metric });
    }
    return v;
  }

  private async get(metric: string, query: string, endpoint: 'query' | 'query_range', params: Record<string, string>): Promise<Record<string, unknown>> {
    const u = new URL(this.settings.url.href);
    u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v1/${endpoint}`;
    u.search = new URLSearchParams(params).toString();
    const q = `the query for ${metric}`;
    let res: Answer;
    try {
      res = await get(u, this.settings.headers, this.settings.timeoutMs, this.signal);
    } catch (e) {
      if (e instanceof Timeout) throw new MetricsError('timeout', `${this.label} gave no answer within ${formatDuration(this.settings.timeoutMs)} to ${q}`, { metric, cause: e });
      if (e instanceof Cancelled) throw new MetricsError('cancelled', `cancelled while waiting for ${this.label} to answer ${q}`, { metric, cause: e });
      if (e instanceof TooLong) throw new MetricsError('bad-response', `the answer of ${this.label} to ${q} is longer than ${MAX_BODY_BYTES / 1024 / 1024} MiB`, { metric, cause: e });
      const err = e as NodeJS.ErrnoException;
      throw new MetricsError('unreachable', `cannot reach Prometheus at ${this.shown}: ${err.code ?? err.message}`, { metric, cause: e });
    }
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = undefined;
    }
    const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (isObject(body) && body.status === 'error') {
      const type = typeof body.errorType === 'string' ? body.errorType : undefined;
      const error = typeof body.error === 'string' ? body.error : 'no reason given';
      throw new MetricsError('api', `${this.label} rejected ${q}, ${snippet(query)}: ${type ? `${type}: ` : ''}${error}`, { metric, status: res.status, ...(type ? { errorType: type } : {}) });
    }
    if (res.status < 200 || res.status >= 300) {
      throw new MetricsError('http', `${this.label} answered ${status} to ${q}${res.body.trim() ? `: ${snippet(res.body)}` : ''}`, { metric, status: res.status });
    }
    if (!isObject(body)) throw new MetricsError('bad-response', `the answer of ${this.label} to ${q} is not a JSON object: ${snippet(res.body)}`, { metric, status: res.status });
    if (body.status !== 'success' || !isObject(body.data)) {
      throw new MetricsError('bad-response', `the answer of ${this.label} to ${q} is not a Prometheus API answer (no \`status: success\` with \`data\`): ${snippet(res.body)}`, { metric, status: res.status });
    }
    return body.data;
  }
}

interface Answer {
  status: number;
  statusText: string;
  body: string;
}

class Timeout extends Error {}
class Cancelled extends Error {}
class TooLong extends Error {}

/** One GET, bounded by `timeoutMs` from the request to the last byte of the answer. */
function get(u: URL, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Cancelled());
      return;
    }
    let settled = false;
    /** Why we ended the request ourselves: it wins over the socket error that follows. */
    let reason: Error | undefined;
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(u, { method: 'GET', headers: { Accept: 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) stop(new TooLong());
        else chunks.push(c);
      });
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (e) => finish(() => reject(reason ?? e)));
    });
    const stop = (why: Error): void => {
      reason ??= why;
      req.destroy(why);
    };
    const timer = setTimeout(() => stop(new Timeout()), timeoutMs);
    const onAbort = (): void => stop(new Cancelled());
    signal?.addEventListener('abort', onAbort);
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    req.on('error', (e) => finish(() => reject(reason ?? e)));
    req.end();
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Milliseconds as the API's seconds: `1795326995.5`. */
const seconds = (ms: number): string => String(ms / 1000);

/** The URL without credentials, query or fragment, for messages: `http://127.0.0.1:9/`. */
export function displayUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** `{instance="a", job="api"}` (the metric name first, as PromQL writes it). */
function labels(metric: unknown): string {
  if (!isObject(metric)) return '{}';
  const { __name__: name, ...rest } = metric;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
    .join(', ');
  return `${typeof name === 'string' ? name : ''}{${inner}}`;
}

function resultName(t: unknown): string {
  if (t === 'matrix') return 'range vector (matrix)';
  if (t === 'string') return 'string';
  if (t === 'vector') return 'instant vector';
  return `result of type ${snippet(String(t), 20)}`;
}
