// What the dry-run and the drill need of a step kind, as one interface: each
// kind (run, http, flag, approve, notify, verify) is one module of this shape
// under steps/, and steps/index.ts is the table from kind to module. The runs
// (dryrun.ts, drill.ts) are loops over the plan that look a step's kind up in
// that table and never name a kind themselves; what is the same for every kind
// (a step's cwd and env, its `check` before a dry-run, an injected failStep,
// the do → do → undo → do of --verify-idempotent, timing) stays in the loops.
// The pure parts of a kind (the kind list, the undo stub the lint offers, the
// flag edit) live in the core (src/core/runbook/steps.ts, flag.ts).
import type { TestReport } from '../../../core/contract/report';
import type { PlannedStep } from '../../../core/runbook/plan';
import type { DrillApproval, Finding, GateReply, StepResult } from '../../../core/runbook/report';
import type { StepKind } from '../../../core/runbook/steps';
import type { PathSegment } from '../../../core/yaml';
import type { Unavailable } from '../effects';
import type { StepSetup } from '../shell';
import type { Mutation } from '../stepState';

/** Where a finding points in the runbook, as a span of offsets: the key at a path (`at`), or the value at it (`atValue`, where the language service locates a file reference). */
export type Place = Pick<Finding, 'span'>;

/** One step as a run hands it to its kind. */
export interface StepInput {
  step: PlannedStep;
  /** The step as written. */
  raw: Record<string, unknown>;
  /** Its commands' cwd and env. */
  setup: StepSetup;
  /** How long its command or request may take (its timeout, else the run's default). */
  timeoutMs: number;
}

export interface DryRunContext {
  dir: string;
  workspace: string;
  /** The runbook. */
  value: Record<string, unknown>;
  /** The values its `{{placeholders}}` are rendered with. */
  values: Record<string, unknown>;
  /** windows.decide, when it parses. */
  decideMs: number | undefined;
  /** A role as the report names it: `decisionMaker (On-call ML lead, #ml-oncall)`. */
  who(role: string): string;
  at(p: PathSegment[]): Place;
  atValue(p: PathSegment[]): Place;
  signal?: AbortSignal;
}

/** What a kind's dry-run made of one step: its line of the report, its findings, and its lines of the decide and verify phases. */
export interface DryRunStep {
  result: Omit<StepResult, 'id' | 'order' | 'kind'>;
  findings?: Finding[];
  decide?: string;
  verify?: string;
}

export interface DrillContext {
  dir: string;
  /** The runbook, parsed. */
  value: Record<string, unknown>;
  workspace: string;
  values: Record<string, unknown>;
  unavailable: Unavailable;
  /** The scenario's `approvals`. */
  approvals: unknown;
  /** Answers an approval the scenario does not give (a person). */
  ask?: (role: string, stepId: string) => Promise<GateReply>;
  /** Check `format` keywords in the schemas of the contracts a verify step tests (default true). */
  formats?: boolean;
  signal?: AbortSignal;
  /** A notify step's rendered message, kept with the run's messages and sent in a run that sends; says where it went (../comms.ts). */
  notify?: (step: string, audience: string, text: string) => Promise<string>;
  /** Hears each verify step's contract test report, passed or failed (the drill's fidelity: ../fidelity.ts). */
  verified?: (step: string, contract: string, report: TestReport) => void;
}

/** What a kind's drill did with a step: a change the drill drives (do, undo, observed by --verify-idempotent), or a message. */
export type Executed = { mutation: Mutation<unknown> } | { message?: string };

/** An approval gate's answers, every role's (a cancel while one is asked stops the asking). */
export interface GateAnswer {
  approved: boolean;
  given: DrillApproval[];
  /** The longest simulated answer time of the scenario. */
  simulatedMs: number;
}

export interface StepKindModule {
  kind: StepKind;
  /**
   * The drill phase the step's time counts in: a gate's in decide (it is
   * answered, not executed), a verify's in verify, every other in execute.
   */
  phase: 'decide' | 'execute' | 'verify';
  /** The dry-run of the step: nothing that mutates runs. */
  dryRun(ctx: DryRunContext, s: StepInput): Promise<DryRunStep>;
  /** The drill of the step; throws when it fails. Absent for a gate, which is answered instead. */
  execute?(ctx: DrillContext, s: StepInput): Promise<Executed>;
  /** A gate's answers (a kind of phase decide); throws a DrillError when a role has no one to answer. */
  answer?(ctx: DrillContext, s: StepInput): Promise<GateAnswer>;
  /**
   * How the step hangs when the scenario makes it hang: resolves when its
   * timeout has passed (or the drill is cancelled), or throws an
   * InjectedFault saying how it was stopped. Default: a wait of the timeout.
   */
  hang?(ctx: DrillContext, s: StepInput): Promise<void>;
}
