// What the editor's runbook lenses say at a glance, as text from values: a
// running drill step's clock against its timeout (`running pin-serving…
// 0:42 / 2:00`), the state of each planned step as a drill goes (ran,
// running, waiting; skipped once it ended without reaching it), and a
// closure's sign-off progress from the audit log's sign-off records (the
// latest record of each role counts). Pure: the caller gives the records,
// the plan and the time. Also the titles of the verdict and step lenses
// after a run (with their codicons).
import { humanDuration } from './render';
import type { DrillReport, DrillStep, StepResult } from './report';

/** A duration as a stopwatch shows it: m:ss, or h:mm:ss from an hour; whole seconds, rounded down. */
export function stopwatch(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The running step's lens: its id, how long it has run and the timeout that will stop it. */
export function runningStepTitle(id: string, phase: 'do' | 'undo', elapsedMs: number, timeoutMs: number): string {
  return `${phase === 'undo' ? 'undoing' : 'running'} ${id}… ${stopwatch(elapsedMs)} / ${stopwatch(timeoutMs)}`;
}

export interface StepState {
  id: string;
  /** `ran`: it has results (done, failed, undone…); `skipped`: the drill ended without reaching it. */
  state: 'ran' | 'running' | 'waiting' | 'skipped';
  /** What the drill did with the step so far, in order (its do, then maybe its undo). */
  results: DrillStep[];
}

/**
 * Each planned step's state: `running` is the step that runs now (its undo
 * too: it has results then, the running state wins), steps without results
 * wait while the drill goes on and were skipped once it `ended`.
 */
export function drillStepStates(plan: readonly string[], results: readonly DrillStep[], running: string | undefined, ended: boolean): StepState[] {
  return plan.map((id) => {
    const mine = results.filter((r) => r.id === id);
    const state = id === running ? 'running' : mine.length ? 'ran' : ended ? 'skipped' : 'waiting';
    return { id, state, results: mine };
  });
}

/** A sign-off as the audit log keeps it (the fields this view reads). */
export interface SignOffRecordView {
  role: string;
  /** `signed-off` or `refused`. */
  verdict: string;
  user: string;
  /** ISO 8601 UTC. */
  time: string;
}

export interface SignOffProgress {
  signed: number;
  total: number;
  roles: Array<{ role: string; state: 'signed' | 'refused' | 'open'; user?: string; date?: string }>;
}

/** The closure's roles, each by its latest record (records in log order); other roles' records are ignored. */
export function signOffProgress(roles: readonly string[], records: readonly SignOffRecordView[]): SignOffProgress {
  const latest = new Map<string, SignOffRecordView>();
  for (const r of records) if (roles.includes(r.role)) latest.set(r.role, r);
  const out = roles.map((role) => {
    const r = latest.get(role);
    if (!r) return { role, state: 'open' as const };
    return { role, state: r.verdict === 'signed-off' ? ('signed' as const) : ('refused' as const), user: r.user, date: r.time.slice(0, 10) };
  });
  return { signed: out.filter((r) => r.state === 'signed').length, total: roles.length, roles: out };
}

/** `signed 1/2: decisionMaker ✓ (name, date), dataSteward —`; a refusal is `✗ refused (name, date)`. */
export function signOffTitle(p: SignOffProgress): string {
  const each = p.roles.map((r) => (r.state === 'open' ? `${r.role} —` : `${r.role} ${r.state === 'signed' ? '✓' : '✗ refused'} (${r.user}, ${r.date})`));
  return `signed ${p.signed}/${p.total}: ${each.join(', ')}`;
}

/** A step's results in a drill so far, folded as after the drill (an undo adds to what the step did). */
export function stepResultsTitle(results: DrillStep[]): string {
  let title: string | undefined;
  for (const r of results) title = drillStepTitle(r, title);
  return title ?? '';
}


export function dryRunStepTitle(r: StepResult): string {
  switch (r.outcome) {
    case 'ran':
      return `$(pass) dry-run variant ran in ${humanDuration(r.durationMs ?? 0)}`;
    case 'failed':
      return `$(error) failed: ${r.action}`.slice(0, 120);
    case 'would-run':
      return '$(circle-outline) would run (no dryRun variant)';
    case 'shown':
      return `$(eye) ${r.action}`.slice(0, 120);
  }
}

export function drillVerdictWord(r: DrillReport): string {
  return r.verdict === 'pass' ? 'passed' : r.verdict === 'fail' ? 'failed' : 'cancelled';
}

/** The scenario's lens after a run: a cancelled drill says so, it is neither passed nor failed. */
export function drillLensTitle(r: DrillReport): string {
  if (r.verdict === 'cancelled') return '$(circle-slash) drill cancelled';
  return `${r.verdict === 'pass' ? '$(pass)' : '$(error)'} drill ${drillVerdictWord(r)}: ${r.outcome}`;
}

/** A step's drill result; an undo after a failure adds to what the step did. */
export function drillStepTitle(r: DrillStep, before?: string): string {
  switch (r.outcome) {
    case 'done':
      return `$(pass) ran in ${humanDuration(r.durationMs)}`;
    case 'failed':
      return `$(error) failed after ${humanDuration(r.durationMs)}${r.message ? `: ${r.message}` : ''}`.slice(0, 120);
    case 'undone':
      return `${before ? `${before.replace(/^\$\([a-z-]+\) /, '')} · ` : ''}$(discard) undone`;
    case 'undo-failed':
      return `$(error) undo failed${r.message ? `: ${r.message}` : ''}`.slice(0, 120);
    case 'approved':
      return `$(pass) approved${r.message ? ` (${r.message})` : ''}`;
    case 'rejected':
      return '$(error) rejected';
    case 'skipped':
      return '$(circle-slash) skipped';
    case 'cancelled':
      return `$(circle-slash) cancelled after ${humanDuration(r.durationMs)}`;
  }
}
