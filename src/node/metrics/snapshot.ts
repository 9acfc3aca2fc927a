// A metrics snapshot file: trigger metrics as they were at one moment, so a
// dry-run can evaluate triggers offline. JSON, one of:
//
//   { "p99_latency_ms": 182, "score_psi": 0.06 }
//   { "time": "2026-05-01T12:00:00Z", "metrics": { "p99_latency_ms": 182 } }
//
// An entry may also be `{ "value": 312, "series": [[t, v], …], "step": "30s" }`
// to give a `for:` window its history: t is epoch milliseconds or an ISO 8601
// date-time, the samples in time order; `value` defaults to the latest
// sample's, `step` (the samples' spacing, for the window's coverage) to the
// median spacing. The wrapped form's `time` is when the snapshot was taken:
// triggers are then evaluated at that time rather than the caller's now, so a
// committed snapshot keeps its meaning.
//
// A nested report (an Evidently report, a Great Expectations validation
// result) is read through `paths`: metric name → a path into the whole file
// (core/util/valuePath.ts, `metrics[0].result.drift_share`), whose value is a
// number (a boolean reads as 1 or 0, so `success` can be a trigger). A metric
// with a path is read only there; the others as above.
//
// The file is read once, on first use, and only when it lies inside the
// workspace (src/node/workspace.ts, links followed): one outside is refused
// before it is opened, and that refusal fails every reading. A file that cannot be read or is not a
// JSON object fails every reading; an entry that is not a number fails only
// the readings of its metric.
import { promises as fs } from 'node:fs';
import { parseDuration } from '../../core/util/values';
import { followValuePath, parseValuePath } from '../../core/util/valuePath';
import { confinePath } from '../workspace';
import { MetricsError, snippet } from './errors';
import type { MetricsSource } from './source';

interface Entry {
  value?: number;
  series?: Array<[number, number]>;
  stepMs?: number;
}

interface Loaded {
  /** The whole file, which `paths` lead into. */
  root: Record<string, unknown>;
  time?: number;
  entries: Record<string, unknown>;
  parsed: Map<string, Entry>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export class SnapshotSource implements MetricsSource {
  readonly label: string;
  private loading?: Promise<Loaded>;

  /**
   * @param file the file's absolute path
   * @param shown the path as the runbook writes it, for messages
   * @param workspace the folder the file must lie in (links followed); a file outside it is never opened
   * @param paths metric name → path into the file (`metrics[0].result.drift_share`), for a nested report
   */
  constructor(
    readonly file: string,
    readonly shown: string = file,
    readonly workspace?: string,
    readonly paths: Record<string, string> = {},
  ) {
    this.label = `the snapshot ${shown}`;
  }

  missing(metric: string): string {
    return `no value for ${metric} in the snapshot`;
  }

  async time(): Promise<number | undefined> {
    return (await this.load()).time;
  }

  async instant(metric: string): Promise<number | undefined> {
    const e = await this.entry(metric);
    if (!e) return undefined;
    return e.value ?? e.series?.[e.series.length - 1]?.[1];
  }

  async windowStep(metric: string): Promise<number | undefined> {
    const e = await this.entry(metric);
    return e?.series ? e.stepMs ?? 0 : undefined;
  }

  /** The entry's samples inside [sinceMs, untilMs]; the step is the file's own. */
  async range(metric: string, sinceMs: number, untilMs: number): Promise<Array<[number, number]>> {
    const e = await this.entry(metric);
    if (!e) return [];
    if (!e.series) {
      throw new MetricsError('config', `${metric} in ${this.shown} is a single value with no series, so it has no samples over time`, { metric });
    }
    return e.series.filter(([t]) => t >= sinceMs && t <= untilMs);
  }

  private load(): Promise<Loaded> {
    this.loading ??= this.read();
    return this.loading;
  }

  private async read(): Promise<Loaded> {
    let text: string;
    let file = this.file;
    if (this.workspace !== undefined) {
      const c = await confinePath(this.workspace, this.file, this.shown, 'the metrics snapshot');
      if (!c.ok) throw new MetricsError('file', c.message);
      file = c.real;
    }
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? `does not exist (looked for ${this.file})` : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read: ${(e as Error).message}`;
      throw new MetricsError('file', `the metrics snapshot ${this.shown} ${why}`, { cause: e });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new MetricsError('not-json', `the metrics snapshot ${this.shown} is not JSON: ${(e as Error).message}`, { cause: e });
    }
    if (!isObject(data)) {
      throw new MetricsError('not-json', `the metrics snapshot ${this.shown} must be a JSON object of metric name → number, not ${describe(data)}`);
    }
    // the same reading of the two forms as the runbook linter's unknown-metric check
    if (isObject(data.metrics)) {
      let time: number | undefined;
      if (data.time !== undefined) {
        time = timeOf(data.time);
        if (time === undefined) {
          throw new MetricsError('not-json', `the metrics snapshot ${this.shown} has \`time\` ${snippet(JSON.stringify(data.time))}, which is neither epoch milliseconds nor an ISO 8601 date-time`);
        }
      }
      return { root: data, time, entries: data.metrics, parsed: new Map() };
    }
    return { root: data, entries: data, parsed: new Map() };
  }

  private async entry(metric: string): Promise<Entry | undefined> {
    const l = await this.load();
    const cached = l.parsed.get(metric);
    if (cached) return cached;
    if (Object.prototype.hasOwnProperty.call(this.paths, metric)) {
      const e = this.atPath(metric, l.root);
      l.parsed.set(metric, e);
      return e;
    }
    if (!Object.prototype.hasOwnProperty.call(l.entries, metric)) return undefined;
    const e = this.parseEntry(metric, l.entries[metric]);
    l.parsed.set(metric, e);
    return e;
  }

  /** The metric at its `paths` entry: a number, or a boolean as 1 or 0. */
  private atPath(metric: string, root: unknown): Entry {
    const written = this.paths[metric]!;
    const p = parseValuePath(written);
    if (!p.ok) throw new MetricsError('config', `metrics.paths.${metric} \`${written}\` is not a path: ${p.message}`, { metric });
    const at = followValuePath(root, p.segments);
    const where = `${metric} (\`${written}\` in the metrics snapshot ${this.shown})`;
    if (!at.found) throw new MetricsError('not-number', `${where}: the file has no ${at.missing}`, { metric });
    if (typeof at.value === 'number') return { value: at.value };
    if (typeof at.value === 'boolean') return { value: at.value ? 1 : 0 };
    throw new MetricsError('not-number', `${where} is ${describe(at.value)}, not a number`, { metric });
  }

  private parseEntry(metric: string, raw: unknown): Entry {
    const where = `${metric} in the metrics snapshot ${this.shown}`;
    if (typeof raw === 'number') return { value: raw };
    if (!isObject(raw)) throw new MetricsError('not-number', `${where} is ${describe(raw)}, not a number`, { metric });
    const e: Entry = {};
    if (raw.value !== undefined) {
      if (typeof raw.value !== 'number') throw new MetricsError('not-number', `${where} has \`value\` ${describe(raw.value)}, not a number`, { metric });
      e.value = raw.value;
    }
    if (raw.series !== undefined) {
      if (!Array.isArray(raw.series)) throw new MetricsError('not-number', `${where} has \`series\` ${describe(raw.series)}, not a list of [time, value] pairs`, { metric });
      const series: Array<[number, number]> = [];
      raw.series.forEach((s, i) => {
        const t = Array.isArray(s) && s.length === 2 ? timeOf(s[0]) : undefined;
        if (t === undefined || typeof s[1] !== 'number') {
          throw new MetricsError('not-number', `${where}: series entry ${i + 1} is ${snippet(JSON.stringify(s) ?? String(s), 60)}, not [time, number] (time in epoch milliseconds or ISO 8601)`, { metric });
        }
        const prev = series[series.length - 1];
        if (prev && t <= prev[0]) throw new MetricsError('not-number', `${where}: series entry ${i + 1} is not later than the one before it; list the samples in time order`, { metric });
        series.push([t, s[1]]);
      });
      e.series = series;
      if (raw.step !== undefined) {
        const d = parseDuration(String(raw.step));
        if (!d.ok) throw new MetricsError('not-number', `${where} has \`step\` ${snippet(String(raw.step))}, not a duration: ${d.error.message}`, { metric });
        e.stepMs = d.value;
      } else {
        e.stepMs = medianSpacing(series);
      }
    }
    if (e.value === undefined && !e.series?.length) throw new MetricsError('not-number', `${where} has neither a \`value\` nor \`series\` samples`, { metric });
    return e;
  }
}

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function medianSpacing(series: Array<[number, number]>): number {
  if (series.length < 2) return 0;
  const gaps = series.slice(1).map(([t], i) => t - series[i]![0]).sort((a, b) => a - b);
  return gaps[Math.floor((gaps.length - 1) / 2)]!;
}

/** `"fast"`, `null`, `true`, `a list`, `an object`: the kind of a JSON value, for messages. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return snippet(JSON.stringify(v), 40).slice(1, -1);
  if (typeof v === 'object') return 'an object';
  return String(v);
}
