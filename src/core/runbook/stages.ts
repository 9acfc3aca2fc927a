// A runbook's staged reintroduction, pure: the stage plan read from
// `reintroduction` (each stage's percent, hold, checks, approvals, and the
// abortOn triggers every stage evaluates), the problems a schema cannot see
// (percentages that do not strictly increase, a last stage short of 100, no
// flag to drive, a drill scenario's `inject.reintroduction.stage` or
// `expect.reintroduction: aborted-at-N` naming a stage that does not exist),
// each at the exact key, and the reports of a run and of the plan. The flag
// edit a stage makes (the flagd fractional split) is fractional.ts, kept out
// of this module so the language checks that import it do not pull in the
// JSON parser. Pure.
import { formatDuration, parseDuration } from '../util/values';
import type { PathSegment } from '../yaml';

export type StageCheck =
  | { kind: 'trigger'; trigger: string; text: string; path: PathSegment[] }
  | { kind: 'metric'; metric: string; when: string; text: string; path: PathSegment[] }
  | { kind: 'contract-test'; contract: string; test: string; text: string; path: PathSegment[] }
  | { kind: 'command'; run: string; text: string; path: PathSegment[] };

export interface Stage {
  /** 1-based, as reports and `aborted-at-N` name it. */
  number: number;
  percent: number;
  /** The hold as written (`1h`), and in milliseconds (0 without one). */
  hold?: string;
  holdMs: number;
  checks: StageCheck[];
  approve: string[];
}

export interface StagePlan {
  flag?: { file: string; name: string; variant: string };
  abortOn: string[];
  stages: Stage[];
}

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The stage plan of a runbook (its parsed value); undefined when it has no `reintroduction`. */
export function stagePlan(runbook: unknown): StagePlan | undefined {
  const r = obj(runbook).reintroduction;
  if (r === undefined) return undefined;
  const reintro = obj(r);
  const f = obj(reintro.flag);
  const flag = typeof f.file === 'string' && typeof f.name === 'string' && typeof f.variant === 'string' ? { file: f.file, name: f.name, variant: f.variant } : undefined;
  const stages = arr(reintro.stages).map((raw, i): Stage => {
    const s = obj(raw);
    const hold = typeof s.hold === 'string' ? s.hold : undefined;
    const parsed = hold === undefined ? undefined : parseDuration(hold);
    return {
      number: i + 1,
      percent: typeof s.percent === 'number' ? s.percent : NaN,
      ...(hold !== undefined ? { hold } : {}),
      holdMs: parsed?.ok ? parsed.value : 0,
      checks: arr(s.checks).flatMap((c, j) => checkOf(c, ['reintroduction', 'stages', i, 'checks', j])),
      approve: arr(s.approve).filter((x): x is string => typeof x === 'string'),
    };
  });
  return { ...(flag ? { flag } : {}), abortOn: arr(reintro.abortOn).filter((x): x is string => typeof x === 'string'), stages };
}

function checkOf(c: unknown, path: PathSegment[]): StageCheck[] {
  if (typeof c === 'string') return [{ kind: 'trigger', trigger: c, text: `trigger ${c} stays quiet`, path }];
  const o = obj(c);
  if (typeof o.trigger === 'string') return [{ kind: 'trigger', trigger: o.trigger, text: `trigger ${o.trigger} stays quiet`, path }];
  if (typeof o.metric === 'string' && typeof o.when === 'string') return [{ kind: 'metric', metric: o.metric, when: o.when, text: `${o.metric} ${o.when}`, path }];
  const v = obj(o.verify);
  if (typeof v.contract === 'string' && typeof v.test === 'string') return [{ kind: 'contract-test', contract: v.contract, test: v.test, text: `contract test ${v.test} of ${v.contract} passes`, path }];
  if (typeof o.run === 'string') return [{ kind: 'command', run: o.run, text: `\`${o.run}\` exits 0`, path }];
  return [];
}

/** A problem of the plan at `path`; `key`: on the key there rather than on its value. */
export interface StageProblem {
  code: 'stage-order' | 'stage-incomplete' | 'reintroduction-no-flag' | 'unknown-stage';
  path: PathSegment[];
  key?: boolean;
  /** Default error; a `run` that reintroduce does not drive is a warning (the schema allows it). */
  severity?: 'warning';
  message: string;
}

/** Percentages strictly increasing and ending at 100, a flag to drive, and every drill scenario's stage naming a stage. */
export function stageProblems(runbook: unknown): StageProblem[] {
  const plan = stagePlan(runbook);
  if (!plan) return [];
  const out: StageProblem[] = [];
  const reintro = obj(obj(runbook).reintroduction);
  if (!plan.flag && reintro.flag === undefined) {
    out.push({
      code: 'reintroduction-no-flag',
      path: ['reintroduction'],
      key: true,
      ...(reintro.run !== undefined ? { severity: 'warning' as const } : {}),
      message:
        reintro.run !== undefined
          ? '`reintroduction` sets traffic with `run`, which `rollback-lens reintroduce` does not drive: add a `flag` (a flagd file, name and variant) whose fractional split each stage sets'
          : '`reintroduction` has no `flag`: add the flagd flag (file, name, variant) whose fractional split each stage sets',
    });
  }
  let prev: Stage | undefined;
  for (const s of plan.stages) {
    if (!Number.isFinite(s.percent)) continue;
    if (prev && s.percent <= prev.percent) {
      out.push({ code: 'stage-order', path: ['reintroduction', 'stages', s.number - 1, 'percent'], message: `stage ${s.number} sends ${s.percent}% of traffic, not more than stage ${prev.number}'s ${prev.percent}%: percentages must strictly increase` });
    }
    prev = s;
  }
  const last = plan.stages[plan.stages.length - 1];
  if (last && Number.isFinite(last.percent) && last.percent !== 100) {
    out.push({ code: 'stage-incomplete', path: ['reintroduction', 'stages', last.number - 1, 'percent'], message: `the last stage sends ${last.percent}% of traffic: the reintroduction must end at 100%` });
  }
  const n = plan.stages.length;
  arr(obj(obj(runbook).drills).scenarios).forEach((sc, i) => {
    const s = obj(sc);
    const stage = obj(obj(s.inject).reintroduction).stage;
    if (typeof stage === 'number' && Number.isInteger(stage) && (stage < 1 || stage > n)) {
      out.push({ code: 'unknown-stage', path: ['drills', 'scenarios', i, 'inject', 'reintroduction', 'stage'], message: `scenario \`${String(s.id)}\` injects at stage ${stage}, but the reintroduction has ${n} stage${n === 1 ? '' : 's'}` });
    }
    const want = parseExpectation(obj(s.expect).reintroduction);
    if (want?.abortedAt !== undefined && want.abortedAt > n) {
      out.push({ code: 'unknown-stage', path: ['drills', 'scenarios', i, 'expect', 'reintroduction'], message: `scenario \`${String(s.id)}\` expects it to stop at stage ${want.abortedAt}, but the reintroduction has ${n} stage${n === 1 ? '' : 's'}` });
    }
  });
  return out;
}

/** Whether a drill scenario rehearses the reintroduction only (its faults are all under `inject.reintroduction`): `reintroduce --scenario` runs it, not `drill`. */
export function rehearsesReintroduction(scenario: unknown): boolean {
  const s = obj(scenario);
  const keys = Object.keys(obj(s.inject));
  return (keys.length > 0 && keys.every((k) => k === 'reintroduction')) || (!keys.length && obj(s.expect).reintroduction !== undefined);
}

/** `expect.reintroduction` of a drill scenario: `completed`, `aborted-at-N` (a breach or a failed check) or `rejected-at-N` (an approval refused); `abortedAt` is N. */
export function parseExpectation(v: unknown): { text: string; abortedAt?: number } | undefined {
  if (v === 'completed') return { text: v };
  const m = typeof v === 'string' ? /^(?:aborted|rejected)-at-([1-9][0-9]*)$/.exec(v) : null;
  return m ? { text: v as string, abortedAt: Number(m[1]) } : undefined;
}

/** A stage's line of the plan: `stage 2: 25% for 4h; checks: ...; abort on: ...; approve: ...`. */
export function stageLine(s: Stage, abortOn: readonly string[]): string {
  return [
    `stage ${s.number}: ${s.percent}%${s.hold ? ` for ${s.hold}` : ' (no hold)'}`,
    s.checks.length ? `checks: ${s.checks.map((c) => c.text).join(', ')}` : 'no checks',
    abortOn.length ? `abort on: ${abortOn.join(', ')}` : undefined,
    s.approve.length ? `approve: ${s.approve.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
}

/** The plan's holds in words, for a drill that does not wait them. */
export function holdsText(stages: readonly Stage[]): string {
  const held = stages.filter((s) => s.holdMs > 0);
  return held.length ? `holds not waited in a drill (${held.map((s) => `stage ${s.number}: ${formatDuration(s.holdMs)}`).join(', ')})` : 'no stage has a hold';
}

// ---- what a reintroduction did (the CLI's, the editor's and the audit log's report) ----

/** One check of a stage, and what it compared. */
export interface StageCheckResult {
  check: string;
  kind: StageCheck['kind'];
  outcome: 'pass' | 'fail';
  /** The metric's value a trigger or metric check read. */
  value?: number;
  message: string;
}

/** One abortOn trigger at a stage: `fires` is a breach; `no-data` and `error` are no evidence of health, so they stop too. */
export interface StageTrigger {
  id: string;
  state: 'fires' | 'quiet' | 'no-data' | 'error';
  value?: number;
  message: string;
}

export interface StageApproval {
  stage: number;
  role: string;
  decision: 'approve' | 'reject';
  /** `flag`: --approve role=name (automation); `person`: a terminal prompt or the editor; `scenario`: a drill scenario's approvals. */
  by: 'flag' | 'person' | 'scenario';
  name?: string;
}

export interface StageResult {
  stage: number;
  percent: number;
  hold?: string;
  /** How the hold went: waited, not waited (a drill), none, or cancelled while waiting. */
  held: 'waited' | 'not waited (drill)' | 'none' | 'cancelled' | 'cut short';
  /** The flag edit, in words (describeTargetingEdit). */
  edit: string;
  /** Metric values a drill scenario injected at this stage. */
  injected?: Record<string, number>;
  checks: StageCheckResult[];
  abortOn: StageTrigger[];
  approvals: StageApproval[];
  outcome: 'passed' | 'aborted' | 'rejected' | 'cancelled' | 'failed';
  durationMs: number;
}

export interface ReintroductionReport {
  runbook: string;
  mode: 'reintroduce' | 'drill';
  scenario?: string;
  verdict: 'pass' | 'fail' | 'cancelled';
  /** `completed`, or how and where it stopped: `aborted-at-2`, `rejected-at-3`, `failed-at-1`, `cancelled-at-2`. */
  outcome: string;
  reason?: string;
  flag: { file: string; name: string; variant: string };
  stages: StageResult[];
  /** Where traffic went back to after a stop, in words. */
  rolledBack?: string;
  /** A drill: that the holds were not waited, and that the flag file was put back. */
  drill?: { holds: string; restored: string; expect: string; met: boolean };
  approvals: StageApproval[];
}

/** The report as text, one block per stage: what was set, what was compared, how it ended. */
export function reintroductionText(r: ReintroductionReport): string {
  const lines: string[] = [`${r.runbook}: reintroduction ${r.mode === 'drill' ? `drill ${r.scenario ?? ''} ` : ''}${r.verdict.toUpperCase()} (${r.outcome})`];
  lines.push(`  flag ${r.flag.name} in ${r.flag.file}: variant ${r.flag.variant} by fractional split`);
  if (r.drill) lines.push(`  drill: ${r.drill.holds}`);
  for (const s of r.stages) {
    lines.push(`  stage ${s.stage}: ${s.percent}% — ${s.outcome}`);
    lines.push(`    set: ${s.edit}`);
    lines.push(`    hold: ${s.hold ? `${s.hold}, ${s.held}` : 'none'}`);
    if (s.injected) lines.push(`    injected: ${Object.entries(s.injected).map(([k, v]) => `${k} = ${v}`).join(', ')}`);
    for (const c of s.checks) lines.push(`    check ${c.outcome.toUpperCase()} ${c.check}: ${c.message}`);
    for (const t of s.abortOn) lines.push(`    abortOn ${t.id}: ${t.state}: ${t.message}`);
    for (const a of s.approvals) lines.push(`    approval: ${a.role} ${a.decision === 'approve' ? 'approved' : 'rejected'} (${a.by}${a.name ? `: ${a.name}` : ''})`);
  }
  if (r.reason) lines.push(`  ${r.reason}`);
  if (r.rolledBack) lines.push(`  traffic: ${r.rolledBack}`);
  if (r.drill) lines.push(`  drill: ${r.drill.restored}`, `  drill: expected ${r.drill.expect}, got ${r.outcome}: ${r.drill.met ? 'met' : 'not met'}`);
  return lines.join('\n');
}

/** The whole stage plan as the dry-run shows it: each stage's split, hold, checks, abort triggers, approvals and flag edit. */
export interface StagePlanReport {
  flag?: { file: string; name: string; variant: string };
  abortOn: string[];
  stages: Array<{ stage: number; percent: number; hold?: string; checks: string[]; approve: string[]; edit: string }>;
  /** Why the plan cannot be performed (no flag, a flag file that cannot be edited). */
  problem?: string;
}

export function stagePlanText(p: StagePlanReport): string[] {
  const out = [p.flag ? `flag ${p.flag.name} in ${p.flag.file}: variant ${p.flag.variant} by fractional split; abort on: ${p.abortOn.join(', ') || '(none)'}` : 'no flag to set'];
  for (const s of p.stages) {
    out.push(`stage ${s.stage}: ${s.percent}%${s.hold ? ` for ${s.hold}` : ' (no hold)'}; checks: ${s.checks.join(', ') || '(none)'}${s.approve.length ? `; approve: ${s.approve.join(', ')}` : ''}`);
    out.push(`  would set ${s.edit}`);
  }
  if (p.problem) out.push(`cannot reintroduce: ${p.problem}`);
  return out;
}
