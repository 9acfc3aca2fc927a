// What the workspace says about the names a document uses, gathered through
// the host before a completion or hover request (both stay synchronous over
// what is gathered here): the metrics source's names with their current
// values (a snapshot file's keys and `paths`, its nested numeric leaves for
// `metrics.paths`; Prometheus `queries`), the newest recorded drill of a
// runbook, the newest recorded contract-test run of a contract. Pure: files
// and the audit log come through the host; nothing here throws (a file that
// cannot be read or parsed is simply not known).
import type { Analysis } from './analysis';
import type { LanguageHost, LastContractRun, LastDrillRun } from './host';
import { asObject } from '../util/object';
import { resolveWorkspacePath } from '../util/path';
import { followValuePath, parseValuePath } from '../util/valuePath';

export interface MetricFact {
  name: string;
  /** The current value, when the source gives one (a snapshot does, Prometheus is not asked). */
  value?: number;
  /** The PromQL query it is read with (Prometheus). */
  query?: string;
}

export interface MetricsFacts {
  /** How the source is named in messages: `metrics/now.json`, `Prometheus`. */
  source: string;
  names: MetricFact[];
  /** A snapshot's nested numeric leaves, as `metrics.paths` writes them (`metrics[0].result.drift_share`). */
  leaves: Array<{ path: string; value: number }>;
}

export interface Facts {
  metrics?: MetricsFacts;
  /** undefined: no history available; null: none recorded. */
  drill?: LastDrillRun | null;
  contract?: LastContractRun | null;
}

/** Most nested leaves offered for `metrics.paths` (a large report stays cheap). */
const MAX_LEAVES = 500;

export async function gatherFacts(analysis: Analysis, host: LanguageHost): Promise<Facts> {
  const value = asObject(analysis.parsed?.value);
  const path = analysis.input.path;
  const facts: Facts = {};
  const guard = async <T>(p: Promise<T> | undefined): Promise<T | undefined> => {
    try {
      return await p;
    } catch {
      return undefined;
    }
  };
  if (analysis.kind === 'RollbackRunbook') {
    const [metrics, drill] = await Promise.all([guard(metricsFacts(value, path, host)), guard(host.lastDrillRun?.(path))]);
    if (metrics) facts.metrics = metrics;
    if (drill !== undefined) facts.drill = drill;
  } else if (analysis.kind === 'InterfaceContract') {
    const contract = await guard(host.lastContractRun?.(path));
    if (contract !== undefined) facts.contract = contract;
  }
  return facts;
}

async function metricsFacts(value: Record<string, unknown>, documentPath: string, host: LanguageHost): Promise<MetricsFacts | undefined> {
  const metrics = asObject(value.metrics);
  if (typeof metrics.file === 'string') {
    const resolved = resolveWorkspacePath(documentPath, metrics.file);
    const text = resolved === undefined ? undefined : await host.readFile(resolved);
    if (text === undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
    const obj = data as Record<string, unknown>;
    const inner = obj.metrics && typeof obj.metrics === 'object' && !Array.isArray(obj.metrics) ? (obj.metrics as Record<string, unknown>) : obj;
    const paths = asObject(metrics.paths);
    const names: MetricFact[] = [];
    // a metric with a path is read only there (as the snapshot source reads it)
    for (const [name, written] of Object.entries(paths)) {
      if (typeof written !== 'string') continue;
      const p = parseValuePath(written);
      const found = p.ok ? followValuePath(data, p.segments) : undefined;
      const v = found?.found ? numberOf(found.value) : undefined;
      names.push({ name, ...(v !== undefined ? { value: v } : {}) });
    }
    for (const [name, entry] of Object.entries(inner)) {
      if (Object.prototype.hasOwnProperty.call(paths, name)) continue;
      // what holds no number (a nested report's sections) is no metric a trigger can read
      const v = entryValue(entry);
      if (v !== undefined) names.push({ name, value: v });
    }
    return { source: metrics.file, names, leaves: leavesOf(data) };
  }
  if (metrics.prometheus !== undefined) {
    const queries = asObject(asObject(metrics.prometheus).queries);
    return {
      source: 'Prometheus',
      names: Object.entries(queries).map(([name, q]) => ({ name, ...(typeof q === 'string' ? { query: q } : {}) })),
      leaves: [],
    };
  }
  return undefined;
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** A snapshot entry's current value: a number, or `{ value }`, or the last sample of `{ series }`. */
function entryValue(entry: unknown): number | undefined {
  const n = numberOf(entry);
  if (n !== undefined || !entry || typeof entry !== 'object' || Array.isArray(entry)) return n;
  const e = entry as Record<string, unknown>;
  const v = numberOf(e.value);
  if (v !== undefined) return v;
  const series = Array.isArray(e.series) ? e.series : [];
  const last = series[series.length - 1];
  return Array.isArray(last) ? numberOf(last[1]) : undefined;
}

/** Every number (or boolean) inside `data`, by its path in the syntax `metrics.paths` reads. */
function leavesOf(data: unknown): Array<{ path: string; value: number }> {
  const out: Array<{ path: string; value: number }> = [];
  const walk = (v: unknown, at: string, depth: number): void => {
    if (out.length >= MAX_LEAVES || depth > 12) return;
    const n = numberOf(v);
    if (n !== undefined) {
      if (at) out.push({ path: at, value: n });
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, /^[A-Za-z_][\w-]*$/.test(k) ? (at ? `${at}.${k}` : k) : `${at}[${JSON.stringify(k)}]`, depth + 1);
    }
  };
  walk(data, '', 0);
  return out;
}
