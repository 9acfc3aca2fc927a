// Evaluating a runbook's triggers against its metrics source:
//
//   const results = await evaluateTriggers(runbook, path.dirname(runbookFile), { now: Date.now() });
//
// The source is the runbook's `metrics`: a snapshot `file` (resolved against
// the runbook's folder; with `paths` into a nested report) or a Prometheus HTTP API. Every trigger's metric is
// read (over its `for:` window when it has one) and so is every confidence
// bound metric; then src/core/runbook/triggers decides. `overrides` replaces readings
// with fixed values (a drill injecting `p99_latency_ms: 400`): an overridden
// metric is not read from the source at all.
//
// Never throws for a source problem: a source that cannot be used, or a
// reading that fails, shows as the `error` (or `no-data`) state of the
// triggers concerned, with the source's message.
//
// A `fromRule` trigger's rule file is read first (rules.ts); with
// `metrics.prometheus` the rule's query (`count((expr)) or vector(0)`) is
// asked under the alert's name, replacing a query of that name; a snapshot
// (or an override, a drill injecting `IrisHighLatency: 1`) gives the alert's
// series count under its name.
import * as path from 'node:path';
import type { RuleResolver } from '../../core/runbook/rules';
import { evaluatePlan, planTriggers, readingKey, readingsNeeded, type Reading, type TriggerPlan, type TriggerResult } from '../../core/runbook/triggers';
import { ruleResolver } from './rules';
import { MetricsError } from './errors';
import { PrometheusSource, prometheusSettings } from './prometheus';
import { SnapshotSource } from './snapshot';
import type { MetricsSource } from './source';

export { MetricsError, type MetricsErrorDetails, type MetricsErrorKind } from './errors';
export { DEFAULT_STEP, DEFAULT_TIMEOUT, MAX_POINTS, PrometheusSource, prometheusSettings, type PrometheusSettings } from './prometheus';
export { SnapshotSource } from './snapshot';
export type { MetricsSource } from './source';
export type { Reading, TriggerResult, TriggerState } from '../../core/runbook/triggers';

export interface EvaluateOptions {
  /** The workspace a metrics snapshot must lie in; one outside it is never opened. */
  workspace: string;
  /** The end of every `for:` window, epoch milliseconds (a snapshot with its own `time` is evaluated at that time instead). */
  now: number;
  /** Metric values that replace the source's readings. */
  overrides?: Record<string, number>;
  /** Where `bearerTokenEnv` is looked up (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Cancels the queries in flight. */
  signal?: AbortSignal;
  /** Queries in flight at once (default 4). */
  concurrency?: number;
}

/** The source the runbook's `metrics` names (a snapshot confined to `workspace`); a `config` MetricsError when it names none or a bad one. */
export function metricsSourceFor(runbook: unknown, runbookDir: string, options: { workspace: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): MetricsSource {
  const metrics = isObject(runbook) ? runbook.metrics : undefined;
  if (!isObject(metrics)) throw new MetricsError('config', 'the runbook has no `metrics` source: give a snapshot `file` or `prometheus`');
  const hasFile = metrics.file !== undefined;
  const hasProm = metrics.prometheus !== undefined;
  if (hasFile && hasProm) throw new MetricsError('config', '`metrics` sets both `file` and `prometheus`; it must set one');
  if (hasFile) {
    if (typeof metrics.file !== 'string' || !metrics.file) throw new MetricsError('config', '`metrics.file` must be the path of a JSON snapshot');
    const paths = isObject(metrics.paths) ? (Object.fromEntries(Object.entries(metrics.paths).map(([k, v]) => [k, String(v)])) as Record<string, string>) : {};
    return new SnapshotSource(path.resolve(runbookDir, metrics.file), metrics.file, options.workspace, paths);
  }
  if (hasProm) return new PrometheusSource(prometheusSettings(metrics.prometheus, options.env ?? process.env), options.signal);
  throw new MetricsError('config', '`metrics` sets neither `file` nor `prometheus`');
}

/** Evaluates every trigger of `runbook` (its parsed YAML value) against its metrics source. */
export async function evaluateTriggers(runbook: unknown, runbookDir: string, options: EvaluateOptions): Promise<TriggerResult[]> {
  const triggers = isObject(runbook) ? runbook.triggers : undefined;
  const plans = planTriggers(triggers, await ruleResolver(triggers, runbookDir, options.workspace));
  let source: MetricsSource;
  try {
    source = metricsSourceFor(withRuleQueries(runbook, plans), runbookDir, options);
  } catch (e) {
    source = failingSource(e);
  }
  return evaluatePlans(source, plans, options);
}

/** Evaluates `triggers` (a runbook's `triggers` value) against a given source; `resolve` answers their `fromRule`s. */
export async function evaluateTriggersWith(source: MetricsSource, triggers: unknown, options: EvaluateOptions, resolve?: RuleResolver): Promise<TriggerResult[]> {
  return evaluatePlans(source, planTriggers(triggers, resolve), options);
}

/** The runbook with each rule trigger's query under its alert's name in `metrics.prometheus.queries` (a snapshot is left alone). */
function withRuleQueries(runbook: unknown, plans: TriggerPlan[]): unknown {
  const rules = plans.filter((p) => p.rule && !p.error);
  if (!rules.length || !isObject(runbook) || !isObject(runbook.metrics) || !isObject(runbook.metrics.prometheus)) return runbook;
  const prometheus = runbook.metrics.prometheus;
  const queries = { ...(isObject(prometheus.queries) ? prometheus.queries : {}), ...Object.fromEntries(rules.map((p) => [p.metric, p.rule!.query])) };
  return { ...runbook, metrics: { ...runbook.metrics, prometheus: { ...prometheus, queries } } };
}

async function evaluatePlans(source: MetricsSource, plans: TriggerPlan[], options: EvaluateOptions): Promise<TriggerResult[]> {
  const overrides = options.overrides ?? {};
  const needed = readingsNeeded(plans);
  const fromSource = needed.filter((n) => !Object.prototype.hasOwnProperty.call(overrides, n.metric));
  let now = options.now;
  if (fromSource.length && source.time) {
    try {
      now = (await source.time()) ?? now;
    } catch {
      // the source's own failure shows in every reading below
    }
  }
  const readings = new Map<string, Reading>();
  await forEachLimited(fromSource, options.concurrency ?? 4, async ({ metric, forMs }) => {
    readings.set(readingKey(metric, forMs), await readFrom(source, metric, forMs, now));
  });
  return plans.map((p) =>
    evaluatePlan(
      p,
      (metric, forMs) => {
        const o = overrides[metric];
        if (o !== undefined) return { kind: 'value', value: o };
        return readings.get(readingKey(metric, forMs)) ?? { kind: 'missing', message: source.missing(metric) };
      },
      now,
    ),
  );
}

/** One reading; a MetricsError becomes a `missing` (no series) or `error` reading. */
export async function readFrom(source: MetricsSource, metric: string, forMs: number | undefined, now: number): Promise<Reading> {
  try {
    const step = forMs === undefined ? undefined : await source.windowStep(metric, forMs);
    if (forMs === undefined || step === undefined) {
      const value = await source.instant(metric, now);
      return value === undefined ? { kind: 'missing', message: source.missing(metric) } : { kind: 'value', value };
    }
    const samples = await source.range(metric, now - forMs, now, step);
    return { kind: 'series', samples, stepMs: step };
  } catch (e) {
    if (e instanceof MetricsError) return { kind: e.kind === 'no-series' ? 'missing' : 'error', message: e.message };
    return { kind: 'error', message: `reading ${metric} from ${source.label} failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** A source that fails every reading with `e` (a runbook whose `metrics` cannot be used). */
function failingSource(e: unknown): MetricsSource {
  const fail = (): never => {
    throw e;
  };
  return { label: 'the metrics source', instant: fail, range: fail, windowStep: fail, missing: (m) => `no value for ${m}` };
}

async function forEachLimited<T>(items: T[], limit: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await f(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
