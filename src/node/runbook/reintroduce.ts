// Staged reintroduction: bring the rolled-back release back one stage at a
// time (src/core/runbook/stages.ts reads the plan and makes the flag edit).
// Each stage: set the flag's flagd `fractional` split (only the targeting's
// bytes change, atomically), wait the stage's `hold`, then evaluate the
// abortOn triggers and the stage's checks against the metrics source
// (src/node/metrics; a trigger check must be quiet, a metric check must hold,
// a contract test must pass, a command must exit 0), then ask the stage's
// approvals (--approve role=name, a terminal prompt, the editor, a drill
// scenario). A breach (an abortOn trigger firing, or one that cannot be read:
// no evidence of health), a failed check, a rejection or a cancel puts the
// flag file back to the bytes from before the stage, i.e. the previous stage's
// split (before stage 1: the file as it was, 0 %), byte for byte when nobody
// changed it since, else only the targeting in place; and stops with a
// verdict naming the trigger and its value. A stage that compares nothing
// (no checks, no abortOn) fails: a pass needs evidence.
// With a drill scenario (`--scenario`), the walk rehearses in the sandbox
// env: holds are not waited (the report says so), the scenario's
// `inject.reintroduction` metric values replace the source's readings at its
// stage, its approvals answer the gates, its `expect.reintroduction`
// (`completed`, `aborted-at-N`; default completed) is the verdict, and at the
// end the flag file is put back as it was before the drill.
// Every file is confined to the workspace before it is opened.
import { promises as fs } from 'node:fs';
import { compare, formatDuration, parseComparison } from '../../core/util/values';
import { locate } from '../../core/yaml';
import { describeTargetingEdit, editFractional, restoreTargeting } from '../../core/runbook/fractional';
import {
  holdsText,
  parseExpectation,
  stagePlan,
  stageProblems,
  type ReintroductionReport,
  type Stage,
  type StageApproval,
  type StageCheckResult,
  type StagePlanReport,
  type StageResult,
  type StageTrigger,
} from '../../core/runbook/stages';
import { asObject as obj } from '../../core/language/checks/context';
import { writeFileAtomic } from '../atomic';
import type { AuditInput } from '../audit';
import { loadDocument } from '../documents';
import { evaluateTriggers, metricsSourceFor, readFrom, type TriggerResult } from '../metrics';
import { runContractTests } from '../contract/run';
import { confine } from '../workspace';
import { sleep } from './effects';
import { runStepCommand, stepSetup } from './shell';

export type { ReintroductionReport, StagePlanReport } from '../../core/runbook/stages';

/** A reintroduction that cannot start: no plan, a plan with errors, an approval nobody can give, an unusable flag file. */
export class ReintroductionError extends Error {}

export type ReintroductionProgress =
  | { kind: 'stage'; stage: number; percent: number; of: number; edit: string }
  | { kind: 'hold'; stage: number; holdMs: number; waited: boolean }
  | { kind: 'result'; result: StageResult }
  | { kind: 'rollback'; stage: number; to: string };

export interface ReintroduceOptions {
  workspace: string;
  /** A drill scenario: rehearse in the sandbox, holds not waited, its breach injected, its expectation the verdict. */
  scenario?: string;
  /** Approvals given up front, role → who (`--approve role=name`): recorded as by flag. */
  approvals?: Record<string, string>;
  /** Asks a person (terminal, editor); the answer is recorded as by person, with `name`. */
  ask?: (role: string, stage: number, percent: number) => Promise<boolean>;
  /** Who answers `ask` (default the OS user). */
  person?: string;
  signal?: AbortSignal;
  onProgress?: (e: ReintroductionProgress) => void;
  /** Check `format` keywords in the schemas of the contracts verify checks test (default true). */
  formats?: boolean;
  /** How often the abortOn triggers are evaluated while a stage holds (default 30 s; `--poll`). */
  pollMs?: number;
  /** The runbook's path as the caller shows it (the CLI: relative to its cwd) in the places it names; default relative to the workspace. */
  shownAs?: string;
}

export const DEFAULT_POLL_MS = 30_000;

const CHECK_TIMEOUT_MS = 5 * 60_000;

/** The stage plan with each stage's flag edit, for the dry-run: nothing is written. */
export async function planReintroduction(value: Record<string, unknown>, dir: string, workspace: string): Promise<StagePlanReport | undefined> {
  const plan = stagePlan(value);
  if (!plan) return undefined;
  const roles = obj(value.roles);
  const who = (r: string) => (obj(roles[r]).contact ? `${r} (${String(obj(roles[r]).name ?? r)}, ${String(obj(roles[r]).contact)})` : r);
  let text: string | undefined;
  let problem: string | undefined;
  if (!plan.flag) problem = '`reintroduction` has no `flag`';
  else {
    const c = await confine(workspace, dir, plan.flag.file, 'flag file');
    if (!c.ok) problem = c.message;
    else text = await fs.readFile(c.real, 'utf8').catch((e: NodeJS.ErrnoException) => ((problem = e.code === 'ENOENT' ? `flag file \`${plan.flag!.file}\` does not exist` : `flag file \`${plan.flag!.file}\` cannot be read`), undefined));
  }
  const stages = plan.stages.map((s) => {
    let edit = '(not shown)';
    if (text !== undefined && plan.flag && !problem) {
      const e = editFractional(text, plan.flag.file, plan.flag.name, plan.flag.variant, s.percent);
      if (e.ok) {
        edit = describeTargetingEdit(plan.flag.name, e);
        text = e.text;
      } else problem = `stage ${s.number}: ${e.error}`;
    }
    return { stage: s.number, percent: s.percent, ...(s.hold ? { hold: s.hold } : {}), checks: s.checks.map((c) => c.text), approve: s.approve.map(who), edit };
  });
  return { ...(plan.flag ? { flag: plan.flag } : {}), abortOn: plan.abortOn, stages, ...(problem ? { problem } : {}) };
}

/** What a stage wrote, to put back. */
interface Written {
  before: Buffer;
  written: Buffer;
  /** The targeting value before the stage (undefined: none). */
  from: string | undefined;
}

export async function reintroduce(file: string, options: ReintroduceOptions): Promise<ReintroductionReport> {
  const { rel, dir, index, analysis, value } = await loadDocument(file, 'RollbackRunbook', { workspace: options.workspace });
  const shown = options.shownAs ?? rel;
  const plan = stagePlan(value);
  /** `file:line:col` of the key at `p` (`value`: of its value). */
  const where = (p: (string | number)[], value = false): string => {
    const l = locate(analysis.parsed!.root, p);
    const n = value ? (l.node ?? l.pair?.key) : (l.pair?.key ?? l.node);
    const at = n ? index.positionAt(n.start) : undefined;
    return `${shown}${at ? `:${at.line + 1}:${at.character + 1}` : ''}`;
  };
  if (!plan) throw new ReintroductionError(`${shown} has no \`reintroduction\``);
  const problem = stageProblems(value)[0];
  if (problem) throw new ReintroductionError(`${where(problem.path, !problem.key)}: ${problem.message}`);
  const flag = plan.flag!;

  // a drill scenario: its breach, its approvals, its expectation
  const scenarios = (Array.isArray(obj(value.drills).scenarios) ? (obj(value.drills).scenarios as unknown[]) : []).map(obj);
  const scenario = options.scenario === undefined ? undefined : scenarios.find((s) => s.id === options.scenario);
  if (options.scenario !== undefined && !scenario) throw new ReintroductionError(`${shown} has no drill scenario \`${options.scenario}\``);
  const inject = obj(obj(scenario?.inject).reintroduction);
  const injectStage = typeof inject.stage === 'number' ? inject.stage : undefined;
  const injected = obj(inject.metrics) as Record<string, number>;
  const expect = scenario ? (parseExpectation(obj(scenario.expect).reintroduction) ?? { text: 'completed' }) : undefined;
  const scenarioApprovals = scenario?.approvals;

  // every approval must have someone to give it before the first stage changes traffic
  const answerOf = (role: string): { decision: 'approve' | 'reject'; by: 'scenario' } | undefined => {
    if (scenarioApprovals === 'auto' || (scenario && scenarioApprovals === undefined)) return { decision: 'approve', by: 'scenario' };
    const a = obj(obj(scenarioApprovals)[role]);
    return a.decision === 'approve' || a.decision === 'reject' ? { decision: a.decision, by: 'scenario' } : undefined;
  };
  for (const s of plan.stages) {
    for (const role of s.approve) {
      if (answerOf(role) || options.approvals?.[role] !== undefined || options.ask) continue;
      throw new ReintroductionError(`${where(['reintroduction', 'stages', s.number - 1, 'approve'])}: stage ${s.number} needs an approval from ${role}: give --approve ${role}=<name>, or run on a terminal`);
    }
  }

  const c = await confine(options.workspace, dir, flag.file, 'flag file');
  if (!c.ok) throw new ReintroductionError(`${where(['reintroduction', 'flag', 'file'])}: ${c.message}`);
  const flagFile = c.path;
  const original = await readFlag(flagFile, flag.file);
  const sandbox = scenario ? (obj(obj(obj(value.drills).sandbox).env) as Record<string, string>) : {};
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...sandbox };
  const forcedEnv: Record<string, string> = scenario ? { ROLLBACK_LENS_DRILL: '1', ROLLBACK_LENS_SCENARIO: String(scenario.id) } : { ROLLBACK_LENS_REINTRODUCTION: '1' };
  const tell = (e: ReintroductionProgress) => {
    try {
      options.onProgress?.(e);
    } catch {
      // a listener's failure is not the reintroduction's
    }
  };

  const results: StageResult[] = [];
  const approvals: StageApproval[] = [];
  let outcome = 'completed';
  let reason: string | undefined;
  let rolledBack: string | undefined;
  for (const s of plan.stages) {
    const started = Date.now();
    const before = await readFlag(flagFile, flag.file);
    const e = editFractional(before.toString('utf8'), flag.file, flag.name, flag.variant, s.percent);
    const base = { stage: s.number, percent: s.percent, ...(s.hold ? { hold: s.hold } : {}) };
    if (!e.ok) {
      const r: StageResult = { ...base, held: 'none', edit: e.error, checks: [], abortOn: [], approvals: [], outcome: 'failed', durationMs: Date.now() - started };
      results.push(r);
      tell({ kind: 'result', result: r });
      outcome = `failed-at-${s.number}`;
      reason = `stage ${s.number}: the split could not be set: ${e.error}`;
      rolledBack = `left at ${previousSplit(plan.stages, s)} (nothing was written at stage ${s.number})`;
      break;
    }
    const edit = describeTargetingEdit(flag.name, e);
    tell({ kind: 'stage', stage: s.number, percent: s.percent, of: plan.stages.length, edit });
    const written = e.changed ? Buffer.from(e.text, 'utf8') : before;
    if (e.changed) await writeFileAtomic(flagFile, written);
    const stageWrite: Written = { before, written, from: e.from };

    // hold: waited for real; not in a drill
    let held: StageResult['held'] = s.holdMs ? 'waited' : 'none';
    if (s.holdMs && scenario) held = 'not waited (drill)';
    tell({ kind: 'hold', stage: s.number, holdMs: s.holdMs, waited: held === 'waited' });
    // while it holds, the abortOn triggers are watched: a breach cuts the hold short and is the stage's
    let holdBreach: { trigger: StageTrigger; afterMs: number } | undefined;
    if (held === 'waited') holdBreach = await watchHold(s.holdMs, options.pollMs ?? DEFAULT_POLL_MS, plan.abortOn, () => evaluateTriggers(value, dir, { workspace: options.workspace, now: Date.now(), ...(options.signal ? { signal: options.signal } : {}) }), options.signal);
    if (holdBreach) held = 'cut short';
    if (options.signal?.aborted) {
      if (held === 'waited') held = 'cancelled';
      const r: StageResult = { ...base, held, edit, checks: [], abortOn: [], approvals: [], outcome: 'cancelled', durationMs: Date.now() - started };
      results.push(r);
      tell({ kind: 'result', result: r });
      outcome = `cancelled-at-${s.number}`;
      reason = `cancelled at stage ${s.number}`;
      rolledBack = await putBack(flagFile, flag, stageWrite, previousSplit(plan.stages, s));
      tell({ kind: 'rollback', stage: s.number, to: rolledBack });
      break;
    }

    // evaluate: abortOn and the checks, against the source (a drill's injection at its stage replaces readings)
    const overrides = injectStage === s.number ? injected : {};
    const triggers = await evaluateTriggers(value, dir, { workspace: options.workspace, now: Date.now(), overrides, ...(options.signal ? { signal: options.signal } : {}) });
    const abortOn: StageTrigger[] = plan.abortOn.map((id) => triggerOf(id, triggers));
    const checks: StageCheckResult[] = [];
    for (const ch of s.checks) checks.push(await runCheck(ch, { value, dir, triggers, overrides, options, baseEnv, forcedEnv }));
    const stageApprovals: StageApproval[] = [];
    const breach = abortOn.find((t) => t.state === 'fires') ?? holdBreach?.trigger ?? abortOn.find((t) => t.state !== 'quiet');
    const during = holdBreach && breach?.id === holdBreach.trigger.id ? ` during the hold (after ${formatDuration(holdBreach.afterMs)} of ${s.hold})` : '';
    const failed = checks.find((x) => x.outcome === 'fail');
    let stop: { outcome: StageResult['outcome']; reason: string } | undefined;
    if (breach) stop = { outcome: 'aborted', reason: breach.state === 'fires' ? `stage ${s.number}: abortOn trigger ${breach.id} fired${during}: ${breach.message}` : `stage ${s.number}: abortOn trigger ${breach.id} could not be evaluated, so the stage is not known to be healthy: ${breach.message}` };
    else if (failed) stop = { outcome: 'aborted', reason: `stage ${s.number}: check failed: ${failed.check}: ${failed.message}` };
    else if (!checks.length && !abortOn.length) stop = { outcome: 'failed', reason: `stage ${s.number} has no checks and no abortOn triggers: nothing was compared, so it cannot pass` };
    else {
      // approvals to move past the stage
      for (const role of s.approve) {
        const a = await approvalOf(role, s, answerOf, options);
        if (options.signal?.aborted) break;
        stageApprovals.push(a);
        if (a.decision === 'reject') {
          stop = { outcome: 'rejected', reason: `stage ${s.number}: ${role} rejected going past ${s.percent}%${a.name ? ` (${a.name})` : ''}` };
          break;
        }
      }
      if (!stop && options.signal?.aborted) stop = { outcome: 'cancelled', reason: `cancelled at stage ${s.number}` };
    }
    approvals.push(...stageApprovals);
    const r: StageResult = { ...base, held, edit, ...(Object.keys(overrides).length ? { injected: overrides } : {}), checks, abortOn, approvals: stageApprovals, outcome: stop?.outcome ?? 'passed', durationMs: Date.now() - started };
    results.push(r);
    tell({ kind: 'result', result: r });
    if (stop) {
      outcome = `${stop.outcome}-at-${s.number}`;
      reason = stop.reason;
      rolledBack = await putBack(flagFile, flag, stageWrite, previousSplit(plan.stages, s));
      tell({ kind: 'rollback', stage: s.number, to: rolledBack });
      break;
    }
  }
  if (outcome === 'completed') reason = `every stage passed: ${flag.variant} serves 100% of traffic`;

  let drill: ReintroductionReport['drill'];
  const problems: string[] = [];
  if (scenario && expect) {
    // the rehearsal leaves the flag file as it found it
    const restored = await restoreOriginal(flagFile, flag, original);
    if (injectStage !== undefined && !results.some((r) => r.stage === injectStage && r.injected)) problems.push(`the breach injected at stage ${injectStage} was never reached`);
    const met = outcome === expect.text && !problems.length;
    drill = { holds: holdsText(plan.stages), restored, expect: expect.text, met };
  }
  const cancelled = outcome.startsWith('cancelled');
  const verdict: ReintroductionReport['verdict'] = cancelled ? 'cancelled' : drill ? (drill.met ? 'pass' : 'fail') : outcome === 'completed' ? 'pass' : 'fail';
  return {
    runbook: rel,
    mode: scenario ? 'drill' : 'reintroduce',
    ...(scenario ? { scenario: String(scenario.id) } : {}),
    verdict,
    outcome,
    reason: [reason, ...problems].filter(Boolean).join('; '),
    flag,
    stages: results,
    ...(rolledBack ? { rolledBack } : {}),
    ...(drill ? { drill } : {}),
    approvals,
  };
}

function previousSplit(stages: readonly Stage[], s: Stage): string {
  const prev = stages[s.number - 2];
  return prev ? `stage ${prev.number}'s split (${prev.percent}%)` : '0% (the flag file as before the reintroduction)';
}

async function readFlag(file: string, shown: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new ReintroductionError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `flag file \`${shown}\` does not exist` : `flag file \`${shown}\` cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) throw new ReintroductionError(`flag file \`${shown}\` is not UTF-8; left untouched`);
  return bytes;
}

/** Back to the bytes from before the stage: exactly, when the file is as the stage left it; else only the targeting, in place. */
async function putBack(file: string, flag: { file: string; name: string }, w: Written, to: string): Promise<string> {
  const now = await fs.readFile(file);
  if (now.equals(w.written)) {
    if (!now.equals(w.before)) await writeFileAtomic(file, w.before);
    return `back to ${to}: ${flag.file} restored byte for byte`;
  }
  const r = restoreTargeting(now.toString('utf8'), flag.file, flag.name, w.from);
  if (!r.ok) return `NOT back to ${to}: ${flag.file} was changed since the stage and cannot be set back: ${r.error}`;
  await writeFileAtomic(file, r.text);
  return `back to ${to}: ${flag.file} was changed since the stage, so only flags.${flag.name}.targeting was set back, the rest left as found`;
}

/** A drill's end: the flag file as before the drill. */
async function restoreOriginal(file: string, flag: { file: string; name: string }, original: Buffer): Promise<string> {
  const now = await fs.readFile(file);
  if (now.equals(original)) return `${flag.file} is as before the drill`;
  await writeFileAtomic(file, original);
  return `${flag.file} restored byte for byte to before the drill`;
}

/**
 * Waits a stage's hold, evaluating the abortOn triggers every `pollMs`
 * (the end of the hold is the stage's own evaluation): the first that fires
 * ends the wait, with how far into the hold it was. A cancel ends it too.
 */
async function watchHold(holdMs: number, pollMs: number, abortOn: readonly string[], evaluate: () => Promise<TriggerResult[]>, signal?: AbortSignal): Promise<{ trigger: StageTrigger; afterMs: number } | undefined> {
  const start = Date.now();
  for (;;) {
    const left = holdMs - (Date.now() - start);
    if (left <= 0 || signal?.aborted) return undefined;
    await sleep(Math.min(left, Math.max(pollMs, 10)), signal);
    if (signal?.aborted || Date.now() - start >= holdMs || !abortOn.length) continue;
    // a reading that fails here is the stage's own evaluation's to report, at the end of the hold
    const fired = (await evaluate().catch(() => [] as TriggerResult[])).filter((t) => t.state === 'fires' && abortOn.includes(t.id));
    if (fired.length) return { trigger: triggerOf(fired[0]!.id, fired), afterMs: Date.now() - start };
  }
}

function triggerOf(id: string, triggers: TriggerResult[]): StageTrigger {
  const t = triggers.find((x) => x.id === id);
  if (!t) return { id, state: 'error', message: `trigger \`${id}\` is not declared` };
  return { id, state: t.state, ...(t.value !== undefined ? { value: t.value } : {}), message: t.message };
}

interface CheckEnv {
  value: Record<string, unknown>;
  dir: string;
  triggers: TriggerResult[];
  overrides: Record<string, number>;
  options: ReintroduceOptions;
  baseEnv: NodeJS.ProcessEnv;
  forcedEnv: Record<string, string>;
}

async function runCheck(ch: Stage['checks'][number], env: CheckEnv): Promise<StageCheckResult> {
  const base = { check: ch.text, kind: ch.kind };
  const { options } = env;
  switch (ch.kind) {
    case 'trigger': {
      const t = triggerOf(ch.trigger, env.triggers);
      const value = t.value !== undefined ? { value: t.value } : {};
      if (t.state === 'quiet') return { ...base, outcome: 'pass', ...value, message: t.message };
      return { ...base, outcome: 'fail', ...value, message: t.state === 'fires' ? `fired: ${t.message}` : `cannot be evaluated: ${t.message}` };
    }
    case 'metric': {
      const cmp = parseComparison(ch.when);
      if (!cmp.ok) return { ...base, outcome: 'fail', message: `\`${ch.when}\` is not a comparison` };
      let v: number | undefined;
      let why = '';
      if (Object.prototype.hasOwnProperty.call(env.overrides, ch.metric)) v = env.overrides[ch.metric];
      else {
        try {
          const source = metricsSourceFor(env.value, env.dir, { workspace: options.workspace, ...(options.signal ? { signal: options.signal } : {}) });
          const r = await readFrom(source, ch.metric, undefined, Date.now());
          if (r.kind === 'value') v = r.value;
          else if (r.kind === 'series') v = r.samples[r.samples.length - 1]?.[1];
          else why = r.message;
        } catch (e) {
          why = (e as Error).message;
        }
      }
      if (v === undefined) return { ...base, outcome: 'fail', message: `no value: ${why || `no value for ${ch.metric}`}` };
      const ok = compare(v, cmp.value);
      return { ...base, outcome: ok ? 'pass' : 'fail', value: v, message: `${ch.metric} = ${v}, ${ok ? 'satisfies' : 'does not satisfy'} ${ch.when}` };
    }
    case 'contract-test': {
      try {
        const c = await confine(options.workspace, env.dir, ch.contract, 'contract');
        if (!c.ok) return { ...base, outcome: 'fail', message: c.message };
        const r = await runContractTests(c.path, { workspace: options.workspace, testIds: [ch.test], ...(options.formats === false ? { formats: false } : {}), ...(options.signal ? { signal: options.signal } : {}) });
        const t = r.tests[0];
        if (t?.verdict === 'pass') return { ...base, outcome: 'pass', message: `contract test ${ch.test} passed (${t.rules.length} rule${t.rules.length === 1 ? '' : 's'} compared)` };
        return { ...base, outcome: 'fail', message: `contract test ${ch.test}: ${t?.reason ?? t?.rules.filter((x) => x.verdict === 'fail').map((x) => x.message).join('; ') ?? 'did not run'}` };
      } catch (e) {
        return { ...base, outcome: 'fail', message: (e as Error).message };
      }
    }
    case 'command': {
      const setup = await stepSetup({}, env.dir, options.workspace, env.baseEnv, env.forcedEnv);
      if (setup.error !== undefined) return { ...base, outcome: 'fail', message: setup.error };
      const r = await runStepCommand(ch.run, setup, { timeoutMs: CHECK_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) });
      return { ...base, outcome: r.code === 0 && r.status === 'ok' ? 'pass' : 'fail', message: r.code === 0 && r.status === 'ok' ? `exited 0 in ${formatDuration(r.ms)}` : r.reason };
    }
  }
}

async function approvalOf(
  role: string,
  s: Stage,
  answerOf: (role: string) => { decision: 'approve' | 'reject'; by: 'scenario' } | undefined,
  options: ReintroduceOptions,
): Promise<StageApproval> {
  const a = answerOf(role);
  if (a) return { stage: s.number, role, ...a };
  const given = options.approvals?.[role];
  if (given !== undefined) return { stage: s.number, role, decision: 'approve', by: 'flag', name: given };
  const yes = await options.ask!(role, s.number, s.percent);
  return { stage: s.number, role, decision: yes ? 'approve' : 'reject', by: 'person', ...(options.person ? { name: options.person } : {}) };
}


/** The audit record of a reintroduction (kind `reintroduction`): the outcome and each stage's, with what its checks compared. */
export function reintroductionRecord(file: string, r: ReintroductionReport): AuditInput {
  return {
    kind: 'reintroduction',
    path: file,
    verdict: r.verdict,
    outcome: r.outcome,
    ...(r.scenario ? { scenario: r.scenario } : {}),
    timings: { total: r.stages.reduce((t, s) => t + s.durationMs, 0) },
    findings: { ...(r.reason ? { reason: r.reason } : {}), ...(r.rolledBack ? { rolledBack: r.rolledBack } : {}), ...(r.drill ? { drill: { expect: r.drill.expect, met: r.drill.met, holds: r.drill.holds } } : {}) },
    stages: r.stages.map((s) => ({
      stage: s.stage,
      percent: s.percent,
      outcome: s.outcome,
      held: s.held,
      ...(s.injected ? { injected: s.injected } : {}),
      checks: s.checks.map((c) => ({ check: c.check, outcome: c.outcome, ...(c.value !== undefined ? { value: c.value } : {}) })),
      abortOn: s.abortOn.map((t) => ({ id: t.id, state: t.state, ...(t.value !== undefined ? { value: t.value } : {}) })),
    })),
    approvals: r.approvals.map((a) => ({ stage: a.stage, role: a.role, decision: a.decision, by: a.by, ...(a.name ? { name: a.name } : {}) })),
  };
}
