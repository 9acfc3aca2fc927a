// What a dry-run and a drill report: the CLI prints them, the editor shows
// them (step lenses, diagnostics, a markdown view) and the audit log keeps a
// summary. JSON-serialisable. Pure: the node layer produces them. A dry-run
// finding has its place as a span of offsets (what the editor shows) and, for
// the CLI and the JSON report, the line and column of its start.
// A drill's verdict rests on what happened: every injected fault is listed
// with whether the drill reached it, and an expectation of a phase that never
// ran is not met (it says why it was not measured).

import type { StagePlanReport } from './stages';
import type { Span } from '../types';
import type { DetectTiming } from './detect';
import type { Fidelity } from './fidelity';

export type Phase = 'detect' | 'decide' | 'execute' | 'verify' | 'close' | 'communicate';

export const PHASES: readonly Phase[] = ['detect', 'decide', 'execute', 'verify', 'close', 'communicate'];

export interface Finding {
  severity: 'error' | 'warning' | 'info';
  /** A code of src/core/runbook/codes.ts (the dry-run's own), or of src/core/language/codes.ts (the language service's). */
  code: string;
  message: string;
  /** 1-based line and column in the runbook, when the finding has a place: the start of `span`, for the CLI and the JSON report. */
  line?: number;
  column?: number;
  /** Where the finding points, in offsets (UTF-16 code units) of the runbook's text, when it has a place. */
  span?: Span;
}

export interface StepResult {
  id: string;
  order: number;
  kind: string;
  /** What the dry-run did or would do, in one line. */
  action: string;
  outcome: 'ran' | 'would-run' | 'failed' | 'shown';
  durationMs?: number;
  output?: string;
  /** The values the step's `capture` read (the dry-run performs these reads: they are GETs). */
  captured?: Record<string, string>;
}

export interface DryRunReport {
  runbook: string;
  verdict: 'ready' | 'not-ready';
  phases: Record<Phase, string[]>;
  steps: StepResult[];
  findings: Finding[];
  /** restoreMs, decideMs, detectMs: the windows; `detect`: the worst case to detect, the slowest trigger's for: window (src/core/runbook/detect.ts). */
  worstCase: { ms: number; path: string[]; restoreMs?: number; decideMs?: number; detectMs?: number; detect?: { ms: number; trigger?: string } };
  /** The staged reintroduction's plan, with each stage's flag edit (src/core/runbook/stages.ts); absent without `reintroduction`. */
  reintroduction?: StagePlanReport;
  /** The policy rules the runbook waives, with their reasons (its `waivers:` that give one); absent when none. */
  waivers?: Array<{ rule: string; reason: string }>;
}

export interface DrillStep {
  id: string;
  kind: string;
  /** `cancelled`: the step was running (or its approval asked) when the drill was cancelled. */
  outcome: 'done' | 'failed' | 'undone' | 'undo-failed' | 'skipped' | 'approved' | 'rejected' | 'cancelled';
  durationMs: number;
  message?: string;
  /** The values the step's `capture` read before its do, which its undo used. */
  captured?: Record<string, string>;
}

/** One answer at an approval gate: from the scenario, or from a person (terminal, editor). */
export interface DrillApproval {
  step: string;
  role: string;
  decision: 'approve' | 'reject';
  /** `flag`: a rollback's `--approve role=name`. */
  by: 'scenario' | 'person' | 'flag';
  /** Who answered for the role (a rollback's approver). */
  name?: string;
  /** Why, when the gate said it itself (no one could be asked). */
  note?: string;
  /** The scenario's simulated answer time. */
  afterMs?: number;
}

/** An answer to DrillOptions.ask: yes or no (a person), or who answered and how. */
export type GateReply = boolean | { approve: boolean; by?: 'person' | 'flag'; name?: string; note?: string };

/** One fault the scenario injects, and whether the drill got to it. */
export interface DrillFault {
  fault: 'failStep' | 'hangStep' | 'unavailable';
  /** The step id, or the endpoint as the scenario names it. */
  target: string;
  reached: boolean;
}

export interface DrillExpectation {
  what: string;
  limitMs: number;
  actualMs: number;
  met: boolean;
  /** Why the phase was not measured (it never ran); then `met` is false. */
  notReached?: string;
}

export interface DrillReport {
  runbook: string;
  scenario: string;
  /** `cancelled`: stopped by a person (Ctrl+C, Cancel) before it ended; not judged, and not a drill for drills.every. */
  verdict: 'pass' | 'fail' | 'cancelled';
  outcome: 'restored' | 'undone' | 'aborted' | 'cancelled';
  reason?: string;
  timings: { detectMs: number; decideMs: number; executeMs: number; verifyMs: number; restoreMs: number };
  expectations: DrillExpectation[];
  /** Every fault the scenario injects; a drill passes only when each was reached. */
  faults: DrillFault[];
  /** `rule`: for a `fromRule` trigger, the alerting rule it took (its `fromRule`, expr and for:). */
  triggers: Array<{ id: string; metric: string; value?: number; fired: boolean; message: string; rule?: { ref: string; expr: string; for?: string } }>;
  steps: DrillStep[];
  approvals: DrillApproval[];
  restored: string[];
  /** What the verify steps compared after the restore (src/core/runbook/fidelity.ts); absent when the rollback did not start. */
  fidelity?: Fidelity;
  /** How detectMs was reached: the first trigger's for: window (simulated) + the evaluation (src/core/runbook/detect.ts). */
  detect?: DetectTiming;
  /** The `communication` messages the run rendered, in the order they fired, each sent or not and why (src/core/runbook/comms.ts). */
  messages?: RenderedMessage[];
  /** The policy rules the runbook waives, with their reasons (its `waivers:` that give one); absent when none. */
  waivers?: Array<{ rule: string; reason: string }>;
}

/** One message a run rendered (src/core/runbook/comms.ts), and whether and where it went. */
export interface RenderedMessage {
  audience: string;
  owner: string;
  /** A run event, or `notify`: a notify step's own message to its audience (sent while the step runs, so without an outcome). */
  event: 'start' | 'update' | 'close' | 'every' | 'notify';
  /** The step whose result an `update` tells, and that result (`done`, `undone`, ...); the step of a `notify`. */
  step?: string;
  stepOutcome?: string;
  channel?: string;
  /** Run time (since detect began, with the scenario's simulated answer times) when it fired, in ms. */
  atMs: number;
  text: string;
  sent: boolean;
  /** Not sent: why (`drill`, no webhook); a failed send: what failed, located at the entry's `to` (file:line:col). */
  why?: string;
  /** Where it went or would have gone, without the secret: `webhook $SLACK_URL`, `webhook https://hooks.example.com/…`. */
  to?: string;
  /** The webhook's answer status, when it answered. */
  status?: number;
}

/**
 * What a drill says while it runs (DrillOptions.onProgress), in order: the
 * plan once the triggers fired and every step's setup was checked, then for
 * each step (and, after a failure or cancel, each undo) its start and the
 * result the report will hold.
 */
export type DrillProgress =
  | { kind: 'plan'; steps: Array<{ id: string; timeoutMs: number }> }
  | { kind: 'start'; id: string; phase: 'do' | 'undo'; timeoutMs: number }
  | { kind: 'result'; step: DrillStep };
