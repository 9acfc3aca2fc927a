// What the Rollback Lens view shows of the audit log, computed from its
// records (read by src/node/audit): per runbook its newest dry-run and the
// newest drill of each scenario (verdict, outcome, timings), per contract its
// newest test run with each test's result. "Newest" is by the record's time,
// whatever order the records come in; a record without a parseable time is
// left out, and so are kinds that are no run (approval, sign-off). Paths are
// workspace-relative posix paths, normalized (./a and a are one file). Pure.
import { normalizeRelPath } from '../util/path';
export interface RunRecordLike {
  kind: string;
  path: string;
  time: string;
  verdict: string;
  scenario?: unknown;
  outcome?: unknown;
  timings?: Record<string, number>;
  findings?: Record<string, unknown>;
}

export interface LastDryRun {
  /** Epoch milliseconds. */
  time: number;
  verdict: string;
  errors?: number;
  warnings?: number;
}

export interface LastDrill {
  time: number;
  verdict: string;
  outcome?: string;
  timings?: Record<string, number>;
}

export interface LastContractRun {
  time: number;
  verdict: string;
  durationMs?: number;
  /** Test id -> 'pass', or what failed (the rules, or the reason). */
  tests: Record<string, string>;
}

export interface LatestOfFile {
  dryRun?: LastDryRun;
  /** By scenario id, in the order the scenarios first appear in the log. */
  drills: Map<string, LastDrill>;
  contract?: LastContractRun;
}

/** The newest run of each kind per file, in the order the files first appear in the log. */
export function latestRuns(records: Iterable<RunRecordLike>): Map<string, LatestOfFile> {
  const out = new Map<string, LatestOfFile>();
  const of = (p: string): LatestOfFile => {
    let f = out.get(p);
    if (!f) out.set(p, (f = { drills: new Map() }));
    return f;
  };
  for (const r of records) {
    const time = Date.parse(r.time);
    if (!Number.isFinite(time)) continue;
    const p = normalizeRelPath(r.path);
    if (r.kind === 'dry-run') {
      const f = of(p);
      if (f.dryRun && f.dryRun.time > time) continue;
      const errors = num(r.findings?.errors);
      const warnings = num(r.findings?.warnings);
      f.dryRun = { time, verdict: r.verdict, ...(errors !== undefined ? { errors } : {}), ...(warnings !== undefined ? { warnings } : {}) };
    } else if (r.kind === 'drill' && typeof r.scenario === 'string') {
      const f = of(p);
      const last = f.drills.get(r.scenario);
      if (last && last.time > time) continue;
      f.drills.set(r.scenario, { time, verdict: r.verdict, ...(typeof r.outcome === 'string' ? { outcome: r.outcome } : {}), ...(r.timings ? { timings: r.timings } : {}) });
    } else if (r.kind === 'contract-test') {
      const f = of(p);
      if (f.contract && f.contract.time > time) continue;
      const durationMs = num(r.timings?.durationMs);
      const tests = Object.fromEntries(Object.entries(r.findings ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
      f.contract = { time, verdict: r.verdict, ...(durationMs !== undefined ? { durationMs } : {}), tests };
    }
  }
  return out;
}

/** How long before `now` a run was: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(time: number, now: number): string {
  const s = Math.floor((now - time) / 1000);
  if (s < 60) return 'just now';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(h / 24);
  return d === 1 ? '1 day ago' : `${d} days ago`;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

