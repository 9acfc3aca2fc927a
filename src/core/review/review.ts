// The readiness review: what the decision repository (the audit log's
// records) says of each runbook over a period, and across them. Pure: the
// records, the runbooks' facts (windows, drill cadence, waivers written in
// the runbook, post-mortem action items), `now` and the period's start are
// given (src/node/review reads them).
// Invariants: every figure carries what it rests on (n drills, n rollbacks,
// n measured runs); a figure with nothing under it is absent (the renderers
// say "no data"), never 0 or 0%. What counts:
//   - runs: `drill` and `rollback` records from `since` on; a cancelled one
//     (stopped by a person) is counted as cancelled and judged in no figure;
//   - success rate: pass / (pass + fail) of the runs;
//   - time to restore: timings.restoreMs of the runs whose outcome is
//     `restored`; time to decide: timings.decideMs of every judged run;
//     each with median (middle value, mean of the two middle ones), p90
//     (nearest rank: the ceil(0.9 n)-th smallest), the share within the
//     runbook's window, and a trend (median of the later half of the runs
//     against the earlier half, n >= 4; within 10% is steady);
//   - fidelity: findings.fidelity of the runs where it was measured
//     (label agreement, rows within tolerance), summed over them;
//   - overdue drill: judged on the whole log, not only the period (the
//     language service's rule: the cadence counts from the last non-cancelled
//     drill, else from the log's first record of the runbook);
//   - unsigned: approval and sign-off records in the period without a
//     `signature` field;
//   - waivers: the `waivers` of the period's records, else the runbook's own.
// Records about files that are no runbook (contracts) only count as unsigned
// approvals/sign-offs when they are approvals/sign-offs; paths are
// workspace-relative posix paths, normalized.
import { normalizeRelPath } from '../util/path';

export interface ReviewRecord {
  line: number;
  record: Record<string, unknown>;
}

export interface Waiver {
  rule: string;
  reason: string;
}

export interface ActionItemFact {
  action: string;
  owner: string;
  due: string;
  status: string;
  /** The post-mortem holding it (workspace-relative). */
  file: string;
}

export interface RunbookFacts {
  /** Workspace-relative posix path. */
  path: string;
  /** metadata.name, when the runbook has one. */
  name?: string;
  windows?: { restoreMs?: number; decideMs?: number };
  /** drills.every as written, and in ms. */
  drillEvery?: { text: string; ms: number };
  /** The runbook's own top-level `waivers` (the fallback when no record carries any). */
  waivers?: Waiver[];
  actionItems?: ActionItemFact[];
  /** Why the runbook's facts could not be read (it is reviewed from its records only). */
  problem?: string;
}

export interface ReviewInput {
  records: Iterable<ReviewRecord>;
  runbooks: RunbookFacts[];
  /** Epoch ms. */
  now: number;
  /** Start of the period, epoch ms. */
  since: number;
}

export type TrendDirection = 'faster' | 'slower' | 'steady';

export interface DurationFigure {
  /** Runs measured. */
  n: number;
  median?: number;
  p90?: number;
  window?: number;
  /** Of the n, those within the window (when there is one). */
  withinWindow?: number;
  /** Earlier half's median against the later half's (n >= 4). */
  trend?: { direction: TrendDirection; earlier: number; later: number };
}

export interface RunPoint {
  /** Epoch ms. */
  time: number;
  kind: 'drill' | 'rollback';
  scenario?: string;
  verdict: string;
  outcome?: string;
  restoreMs?: number;
  decideMs?: number;
  /** Label agreement, else rows within tolerance, when fidelity was measured. */
  fidelity?: { measure: 'agreement' | 'withinTolerance'; value: number; agree: number; of: number };
  /** The record's line in the audit log. */
  line: number;
}

export interface Share {
  value: number;
  part: number;
  of: number;
}

export interface FidelityFigure {
  /** Runs whose fidelity was measured. */
  measured: number;
  /** Judged runs (where it could have been). */
  of: number;
  agreement?: Share;
  withinTolerance?: Share;
}

export type DrillStatus =
  | { state: 'no-cadence' }
  | { state: 'ok'; last?: number; due: number }
  | { state: 'overdue'; last?: number; due: number; days: number }
  | { state: 'no-history' };

export interface RunbookReview {
  path: string;
  name?: string;
  problem?: string;
  drills: { n: number; pass: number; fail: number; cancelled: number };
  rollbacks: { n: number; pass: number; fail: number; cancelled: number };
  successRate?: Share;
  restore: DurationFigure;
  decide: DurationFigure;
  fidelity: FidelityFigure;
  drillCadence?: string;
  drillStatus: DrillStatus;
  /** The newest judged run in the period failed. */
  lastRunFailed: boolean;
  actionItems: { open: ActionItemFact[]; overdue: ActionItemFact[]; done: number };
  unsigned: { approvals: number; signOffs: number; of: number };
  waivers: Array<Waiver & { from: 'records' | 'runbook' }>;
  /** The period's drills and rollbacks, oldest first. */
  points: RunPoint[];
}

export interface Review {
  now: number;
  since: number;
  runbooks: RunbookReview[];
  across: {
    runbooks: number;
    drills: number;
    rollbacks: number;
    successRate?: Share;
    restore: DurationFigure;
    decide: DurationFigure;
    fidelity: FidelityFigure;
    overdueDrills: string[];
    openActionItems: number;
    overdueActionItems: number;
    unsigned: { approvals: number; signOffs: number; of: number };
    waivers: number;
  };
  /** Something needs attention: an overdue drill, an overdue action item, or a runbook whose newest run failed. */
  attention: string[];
}

const DAY = 86_400_000;

/** The middle value (mean of the two middle ones); undefined for none. */
export function median(xs: readonly number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest rank: the ceil(q n)-th smallest; undefined for none. */
export function percentile(xs: readonly number[], q: number): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil(q * s.length))) - 1]!;
}

/** Median, p90, within the window and the trend of durations in time order. */
export function durationFigure(values: readonly number[], window?: number): DurationFigure {
  const n = values.length;
  const out: DurationFigure = { n };
  if (window !== undefined) out.window = window;
  if (!n) return out;
  out.median = median(values)!;
  out.p90 = percentile(values, 0.9)!;
  if (window !== undefined) out.withinWindow = values.filter((v) => v <= window).length;
  if (n >= 4) {
    const half = n >> 1;
    const earlier = median(values.slice(0, half))!;
    const later = median(values.slice(n - half))!;
    const direction: TrendDirection = Math.abs(later - earlier) <= 0.1 * Math.max(earlier, later) ? 'steady' : later < earlier ? 'faster' : 'slower';
    out.trend = { direction, earlier, later };
  }
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}


/** `waivers: [{ rule, reason }]` of a record or a runbook: the well-formed ones. */
export function waiversOf(v: unknown): Waiver[] {
  if (!Array.isArray(v)) return [];
  const out: Waiver[] = [];
  for (const w of v) {
    const o = obj(w);
    const rule = str(o?.rule);
    const reason = str(o?.reason);
    if (rule && reason?.trim()) out.push({ rule, reason });
  }
  return out;
}

function fidelityPoint(findings: Record<string, unknown> | undefined): RunPoint['fidelity'] {
  const f = obj(findings?.fidelity);
  if (!f || f.measured !== true) return undefined;
  const a = obj(f.agreement);
  const av = num(a?.value);
  const agree = num(a?.agree);
  const aof = num(a?.of);
  if (av !== undefined && agree !== undefined && aof !== undefined && aof > 0) return { measure: 'agreement', value: av, agree, of: aof };
  const rows = num(f.rowsCompared);
  const within = num(f.rowsWithinTolerance);
  if (rows !== undefined && within !== undefined && rows > 0) return { measure: 'withinTolerance', value: within / rows, agree: within, of: rows };
  return undefined;
}

function share(part: number, of: number): Share | undefined {
  return of > 0 ? { value: part / of, part, of } : undefined;
}

interface Acc {
  facts?: RunbookFacts;
  points: RunPoint[];
  /** Every non-cancelled drill's time, over the whole log. */
  lastDrill?: number;
  firstSeen?: number;
  unsigned: { approvals: number; signOffs: number; of: number };
  recordWaivers: Map<string, Waiver>;
}

function fidelityFigure(points: RunPoint[]): FidelityFigure {
  const judged = points.filter((p) => p.verdict !== 'cancelled');
  const measured = judged.filter((p) => p.fidelity);
  const ag = measured.filter((p) => p.fidelity!.measure === 'agreement');
  const wt = measured.filter((p) => p.fidelity!.measure === 'withinTolerance');
  const sum = (ps: RunPoint[], k: 'agree' | 'of') => ps.reduce((n, p) => n + p.fidelity![k], 0);
  const agreement = share(sum(ag, 'agree'), sum(ag, 'of'));
  const withinTolerance = share(sum(wt, 'agree'), sum(wt, 'of'));
  return { measured: measured.length, of: judged.length, ...(agreement ? { agreement } : {}), ...(withinTolerance ? { withinTolerance } : {}) };
}

function counts(points: RunPoint[], kind: RunPoint['kind']) {
  const ps = points.filter((p) => p.kind === kind);
  return { n: ps.length, pass: ps.filter((p) => p.verdict === 'pass').length, fail: ps.filter((p) => p.verdict === 'fail').length, cancelled: ps.filter((p) => p.verdict === 'cancelled').length };
}

function drillStatus(a: Acc, now: number): DrillStatus {
  const every = a.facts?.drillEvery;
  if (!every) return { state: 'no-cadence' };
  const from = a.lastDrill ?? a.firstSeen;
  if (from === undefined) return { state: 'no-history' };
  const due = from + every.ms;
  const last = a.lastDrill !== undefined ? { last: a.lastDrill } : {};
  if (now - from <= every.ms) return { state: 'ok', ...last, due };
  return { state: 'overdue', ...last, due, days: Math.floor((now - due) / DAY) };
}

/** The review of every runbook (the facts' runbooks, then any other the records name, by path) and across them. */
export function review(input: ReviewInput): Review {
  const { now, since } = input;
  const by = new Map<string, Acc>();
  const acc = (p: string): Acc => {
    let a = by.get(p);
    if (!a) by.set(p, (a = { points: [], unsigned: { approvals: 0, signOffs: 0, of: 0 }, recordWaivers: new Map() }));
    return a;
  };
  const facts = input.runbooks.map((f) => ({ ...f, path: normalizeRelPath(f.path) }));
  for (const f of facts.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))) acc(f.path).facts = f;
  const unsignedOther = { approvals: 0, signOffs: 0, of: 0 };

  for (const { line, record: r } of input.records) {
    const time = Date.parse(str(r.time) ?? '');
    const p = str(r.path);
    if (!Number.isFinite(time) || p === undefined) continue;
    const rel = normalizeRelPath(p);
    const kind = str(r.kind);
    const known = by.get(rel);
    const isRun = kind === 'drill' || kind === 'rollback';
    // a record about a runbook: whole-log history (first seen, last drill)
    if (known || isRun) {
      const a = known ?? acc(rel);
      if (a.firstSeen === undefined || time < a.firstSeen) a.firstSeen = time;
      if (kind === 'drill' && r.verdict !== 'cancelled' && (a.lastDrill === undefined || time > a.lastDrill)) a.lastDrill = time;
    }
    // records after the calendar's now still count: only the calendar is pinned (ROLLBACK_LENS_NOW), record times are real
    if (time < since) continue;
    if (kind === 'approval' || kind === 'sign-off') {
      const u = by.get(rel)?.unsigned ?? unsignedOther;
      u.of++;
      if (r.signature === undefined) {
        if (kind === 'approval') u.approvals++;
        else u.signOffs++;
      }
    }
    const target = by.get(rel);
    if (target) for (const w of waiversOf(r.waivers)) target.recordWaivers.set(`${w.rule}\u0000${w.reason}`, w);
    if (!isRun) continue;
    const a = by.get(rel)!;
    const timings = obj(r.timings);
    const findings = obj(r.findings);
    const verdict = str(r.verdict) ?? 'unknown';
    const outcome = str(r.outcome);
    const restoreMs = num(timings?.restoreMs);
    const decideMs = num(timings?.decideMs);
    const fid = fidelityPoint(findings);
    const scenario = str(r.scenario);
    a.points.push({
      time,
      kind: kind as RunPoint['kind'],
      ...(scenario ? { scenario } : {}),
      verdict,
      ...(outcome ? { outcome } : {}),
      ...(outcome === 'restored' && restoreMs !== undefined ? { restoreMs } : {}),
      ...(verdict !== 'cancelled' && decideMs !== undefined ? { decideMs } : {}),
      ...(verdict !== 'cancelled' && fid ? { fidelity: fid } : {}),
      line,
    });
  }

  const runbooks: RunbookReview[] = [];
  for (const [p, a] of by) {
    // a path only approvals or sign-offs named, and no runbook file: not a runbook (a contract)
    if (!a.facts && !a.points.length) continue;
    a.points.sort((x, y) => x.time - y.time || x.line - y.line);
    const judged = a.points.filter((x) => x.verdict !== 'cancelled');
    const pass = judged.filter((x) => x.verdict === 'pass').length;
    const successRate = share(pass, judged.length);
    const recordWaivers = [...a.recordWaivers.values()].map((w) => ({ ...w, from: 'records' as const }));
    const waivers = recordWaivers.length ? recordWaivers : (a.facts?.waivers ?? []).map((w) => ({ ...w, from: 'runbook' as const }));
    const items = a.facts?.actionItems ?? [];
    const open = items.filter((i) => i.status === 'open');
    const today = Math.floor(now / DAY) * DAY;
    const overdue = open.filter((i) => {
      const due = Date.parse(`${i.due}T00:00:00Z`);
      return Number.isFinite(due) && due < today;
    });
    const last = judged.at(-1);
    const name = a.facts?.name;
    runbooks.push({
      path: p,
      ...(name ? { name } : {}),
      ...(a.facts?.problem ? { problem: a.facts.problem } : {}),
      drills: counts(a.points, 'drill'),
      rollbacks: counts(a.points, 'rollback'),
      ...(successRate ? { successRate } : {}),
      restore: durationFigure(
        a.points.filter((x) => x.restoreMs !== undefined).map((x) => x.restoreMs!),
        a.facts?.windows?.restoreMs,
      ),
      decide: durationFigure(
        a.points.filter((x) => x.decideMs !== undefined).map((x) => x.decideMs!),
        a.facts?.windows?.decideMs,
      ),
      fidelity: fidelityFigure(a.points),
      ...(a.facts?.drillEvery ? { drillCadence: a.facts.drillEvery.text } : {}),
      drillStatus: drillStatus(a, now),
      lastRunFailed: last?.verdict === 'fail',
      actionItems: { open, overdue, done: items.filter((i) => i.status === 'done').length },
      unsigned: a.unsigned,
      waivers,
      points: a.points,
    });
  }

  const all = runbooks.flatMap((r) => r.points);
  const allJudged = all.filter((x) => x.verdict !== 'cancelled');
  const successRate = share(allJudged.filter((x) => x.verdict === 'pass').length, allJudged.length);
  const sortedAll = [...all].sort((x, y) => x.time - y.time || x.line - y.line);
  const unsigned = { approvals: unsignedOther.approvals, signOffs: unsignedOther.signOffs, of: unsignedOther.of };
  for (const r of runbooks) {
    unsigned.approvals += r.unsigned.approvals;
    unsigned.signOffs += r.unsigned.signOffs;
    unsigned.of += r.unsigned.of;
  }
  const attention: string[] = [];
  for (const r of runbooks) {
    if (r.drillStatus.state === 'overdue') attention.push(`${r.path}: drill overdue by ${r.drillStatus.days} days (due every ${r.drillCadence})`);
    if (r.actionItems.overdue.length) attention.push(`${r.path}: ${r.actionItems.overdue.length} post-mortem action ${r.actionItems.overdue.length === 1 ? 'item' : 'items'} overdue`);
    if (r.lastRunFailed) attention.push(`${r.path}: the newest drill or rollback failed`);
  }
  return {
    now,
    since,
    runbooks,
    across: {
      runbooks: runbooks.length,
      drills: all.filter((x) => x.kind === 'drill').length,
      rollbacks: all.filter((x) => x.kind === 'rollback').length,
      ...(successRate ? { successRate } : {}),
      // across runbooks there is no one window
      restore: durationFigure(sortedAll.filter((x) => x.restoreMs !== undefined).map((x) => x.restoreMs!)),
      decide: durationFigure(sortedAll.filter((x) => x.decideMs !== undefined).map((x) => x.decideMs!)),
      fidelity: fidelityFigure(all),
      overdueDrills: runbooks.filter((r) => r.drillStatus.state === 'overdue').map((r) => r.path),
      openActionItems: runbooks.reduce((n, r) => n + r.actionItems.open.length, 0),
      overdueActionItems: runbooks.reduce((n, r) => n + r.actionItems.overdue.length, 0),
      unsigned,
      waivers: runbooks.reduce((n, r) => n + r.waivers.length, 0),
    },
    attention,
  };
}
