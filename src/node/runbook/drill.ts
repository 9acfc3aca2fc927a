// A drill: run the rollback for real in the sandbox, with the scenario's
// faults injected, time every phase (detect, decide, execute, verify), and on
// a failed step undo every completed step in reverse order.
// With `verifyIdempotent`, each mutating step (run, http, flag) runs do → do →
// undo → do, and the state is observed before the do, after it, after the
// second do and after the undo: the files under the runbook's folder by
// content hash (not .git/ or .rollback-lens/; the walk is bounded and says
// so), the flag file of a flag step, and the output of the step's `check`.
// Idempotent: the second do leaves the state the first left. Reversible: the
// undo brings back the state from before the do. A do that changes nothing
// observed proves neither, so the step is not verified (and fails).
// A drill passes only when its scenario happened: every injected fault was
// reached, no step failed that the scenario did not make fail, and every
// expectation was measured (a phase that never ran is not within its limit).
// A cancel (Ctrl+C, the editor's Cancel) stops the running step, undoes the
// completed ones and ends the drill `cancelled`: neither a pass nor a fail,
// and not a rehearsal for `drills.every`.
// Every command of a step runs in its `cwd` with its `env` (checked before
// any step runs); `retries`/`retryDelay` retry its run or http request within
// its timeout. This file is the loop over the plan and the verdict: what each
// kind of step does (and undoes) is its module under steps/ (a flag step, for
// one, edits only the defaultVariant's bytes and its undo restores the file's
// exact bytes: steps/flag.ts), looked up in the table of steps/index.ts.
// `onProgress` hears the plan, each step's (and undo's) start and each result
// as it happens, in the report's order (the editor's lenses show a drill as it
// runs from it).
// With `mode: 'rollback'` the same loop performs the rollback for real: no
// scenario, no sandbox env and no drill markers, no injected metrics or faults;
// every gate is asked (`ask`), a trigger that did not fire does not stop it (a
// person decided), and it passes only when it restored and a verify step ran.
// Detect honours the triggers' `for:` windows on a simulated clock (the first
// trigger's window + the real evaluation: src/core/runbook/detect.ts) and is
// checked against expect.detectWithin and windows.detect. After the restore
// the verify steps' contract tests make the drill's fidelity (rows within
// tolerance, label agreement, max |Δ|: ./fidelity.ts), which a scenario's
// `expect.fidelity` may require; an unmeasured fidelity meets no requirement.
// The `communication` messages are rendered on start (after the plan), each
// result and the close, and sent only with `sendMessages` (comms.ts).
import { recordedWaivers } from '../../core/policy/model';
import { capturedText, resolvePlan, templateValues } from '../../core/runbook/plan';
import { rehearsesReintroduction } from '../../core/runbook/stages';
import { withCaptures } from './capture';
import { Communicator } from './comms';
import { LineIndex } from '../../core/util/text';
import { formatDuration } from '../../core/util/values';
import { locate } from '../../core/yaml';
import { evaluateTriggers } from '../metrics';
import { loadDocument } from '../documents';
import { checkOf, sleep, Unavailable } from './effects';
import { DrillError, InjectedFault } from './errors';
import { FidelityCollector } from './fidelity';
import { detectTiming, type DetectTiming } from '../../core/runbook/detect';
import { durationMsOf as ms, stepSetup, type CommandLog } from './shell';
import { stepModule, type DrillContext, type StepInput } from './steps';
import { DEFAULT_OBSERVE_LIMITS, observeState, verifyStep, type ObserveLimits } from './stepState';
import { asObject as obj } from '../../core/language/checks/context';
import type { DrillApproval, DrillExpectation, DrillFault, DrillProgress, DrillReport, DrillStep, GateReply } from '../../core/runbook/report';

export interface DrillOptions {
  workspace: string;
  /** The drill scenario (a drill needs one; a rollback has none). */
  scenario?: string;
  /** `rollback`: for real, outside the sandbox (default `drill`). */
  mode?: 'drill' | 'rollback';
  /** Each command a step ran (do, undo, check), with its step: how it ended and its stderr tail (the editor's log). */
  onCommand?: (step: string, c: CommandLog) => void;
  verifyIdempotent?: boolean;
  /** Check `format` keywords in the schemas of the contracts verify steps test (default true; `--no-formats`). */
  formats?: boolean;
  signal?: AbortSignal;
  /** Bounds of the state walk of `verifyIdempotent` (defaults: 10 000 files, 16 MiB per file, 256 MiB in all). */
  observeLimits?: Partial<ObserveLimits>;
  /** Answers an approval gate the scenario does not answer (a person on a TTY, a quick pick in the editor). */
  ask?: (role: string, stepId: string) => Promise<GateReply>;
  /** Hears the drill as it goes (see DrillProgress); a listener that throws is ignored. */
  onProgress?: (e: DrillProgress) => void;
  /** Post the `communication` messages to their webhooks (default false: a drill renders them and sends none). */
  sendMessages?: boolean;
  /**
   * The runbook's path as the caller shows it (the CLI: relative to its cwd), for the places its
   * messages name (`<path>:line:col`); default relative to the workspace, as the editor shows it.
   */
  shownAs?: string;
}

export type { DrillReport, DrillStep, DrillApproval, DrillFault, DrillExpectation } from '../../core/runbook/report';

export { DrillError };

interface Undo {
  id: string;
  run: () => Promise<string | undefined>;
  /** The step's timeout, which also bounds its undo. */
  timeoutMs: number;
}

function tell(options: DrillOptions, e: DrillProgress): void {
  try {
    options.onProgress?.(e);
  } catch {
    // a listener's failure is not the drill's
  }
}

/** Adds a step's result to the report, and says so. */
function result(run: Run, step: DrillStep): void {
  run.steps.push(step);
  tell(run.options, { kind: 'result', step });
  run.comms?.update(step, stepModule(step.kind)?.phase);
}

/** A drill as it goes: what the steps did, what can be undone, and the time of each phase. The report is judged from it. */
interface Run {
  ctx: DrillContext;
  options: DrillOptions;
  inject: Record<string, unknown>;
  steps: DrillStep[];
  undos: Undo[];
  restored: string[];
  given: DrillApproval[];
  /** The failStep and hangStep targets the drill got to. */
  reachedSteps: Set<string>;
  timings: { detectMs: number; decideMs: number; executeMs: number; verifyMs: number };
  comms?: Communicator;
}

/** What the verdict is judged against: the scenario and what the drill found before the steps. */
interface Judged {
  rel: string;
  expect: Record<string, unknown>;
  plan: ReturnType<typeof resolvePlan>;
  triggers: DrillReport['triggers'];
  stepFaults: Array<{ fault: 'failStep' | 'hangStep'; target: string }>;
  detect: DetectTiming;
  fidelity: FidelityCollector;
  /** windows.detect as written, when the runbook has one. */
  detectWindow: string | undefined;
}

/** Why the steps stopped before the end. */
type Stop =
  | { kind: 'failed'; step: string; message: string; injected: boolean }
  | { kind: 'rejected'; step: string }
  /** `when`: during the step, or before it started (between steps: the last step finished). */
  | { kind: 'cancelled'; step?: string; when: 'during' | 'before' | 'after' };

export async function drill(file: string, options: DrillOptions): Promise<DrillReport> {
  const { rel, dir, text, analysis, value } = await loadDocument(file, 'RollbackRunbook', { workspace: options.workspace });
  // the policy rules it waives, recorded with the run (src/core/policy/model.ts)
  const waivers = recordedWaivers(value);
  const waived = (r: DrillReport): DrillReport => (waivers.length ? { ...r, waivers } : r);
  const drills = obj(value.drills);
  const rollback = options.mode === 'rollback';
  const scenario = rollback ? {} : (Array.isArray(drills.scenarios) ? drills.scenarios : []).map(obj).find((s) => s.id === options.scenario);
  if (!scenario) throw new DrillError(`${rel} has no drill scenario \`${options.scenario ?? ''}\``);
  if (rehearsesReintroduction(scenario)) throw new DrillError(`scenario \`${options.scenario}\` rehearses the staged reintroduction: run it with \`rollback-lens reintroduce ${rel} --scenario ${options.scenario}\``);
  const inject = obj(scenario.inject);
  const injected = obj(inject.metrics) as Record<string, number>;
  const unavailable = new Unavailable((Array.isArray(inject.unavailable) ? inject.unavailable : []).map(String));
  const stepFaults = (['failStep', 'hangStep'] as const).filter((f) => typeof inject[f] === 'string').map((f) => ({ fault: f, target: String(inject[f]) }));
  // every command sees the sandbox's env and its step's env; the drill markers always win
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...(rollback ? {} : (obj(obj(drills.sandbox).env) as Record<string, string>)) };
  const forcedEnv: Record<string, string> = rollback ? {} : { ROLLBACK_LENS_DRILL: '1', ROLLBACK_LENS_SCENARIO: options.scenario ?? '' };
  const values = templateValues(value, rollback ? 'rollback' : 'drill');
  const ctx: DrillContext = { dir, value, workspace: options.workspace, values, unavailable, approvals: scenario.approvals, ...(options.formats === false ? { formats: false } : {}), ...(options.ask ? { ask: options.ask } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  const run: Run = { ctx, options, inject, steps: [], undos: [], restored: [], given: [], reachedSteps: new Set(), timings: { detectMs: 0, decideMs: 0, executeMs: 0, verifyMs: 0 } };

  // detect: the triggers against injected (or real) metrics
  const t0 = Date.now();
  // the scenario's metric values replace the source's readings; the rest come from the metrics source
  const results = await evaluateTriggers(value, dir, { workspace: options.workspace, now: Date.now(), overrides: injected, ...(options.signal ? { signal: options.signal } : {}) });
  const triggers: DrillReport['triggers'] = results.map((t) => ({
    id: t.id,
    metric: t.metric,
    ...(t.value !== undefined ? { value: t.value } : {}),
    fired: t.fires,
    message: t.message,
    ...(t.rule ? { rule: { ref: t.rule.ref, expr: t.rule.expr, ...(t.rule.for !== undefined ? { for: t.rule.for } : {}) } } : {}),
  }));
  // a drill simulates the fired trigger's `for:` window; a rollback's trigger held in the real world
  // before a person started it, so its detect is the evaluation alone
  const evaluated = detectTiming(results, Date.now() - t0);
  const detect = rollback ? { ...evaluated, simulatedMs: 0, ms: evaluated.evaluationMs } : evaluated;
  run.timings.detectMs = detect.ms;
  const plan = resolvePlan(value);
  const fidelity = new FidelityCollector();
  ctx.verified = fidelity.verified;
  const detectWindow = typeof obj(value.windows).detect === 'string' ? String(obj(value.windows).detect) : undefined;
  const judged: Judged = { rel, expect: obj(scenario.expect), plan, triggers, stepFaults, detect, fidelity, detectWindow };
  if (!rollback && !triggers.some((t) => t.fired)) return waived({ ...judge(judged, run, 'aborted', 'no trigger fired, so the rollback would not start', undefined), messages: [] });

  if (plan.blocked.length) throw new DrillError(`steps ${plan.blocked.map((s) => `\`${s.id}\``).join(', ')} cannot be scheduled (a cycle or a missing step)`);
  const raws = Array.isArray(value.steps) ? value.steps : [];
  // each step's cwd and env, checked before anything runs: a bad cwd must not leave a rollback half done
  const inputs: StepInput[] = [];
  for (const s of plan.steps) {
    const setup = await stepSetup(obj(raws[s.index]), dir, options.workspace, baseEnv, forcedEnv);
    if (setup.error === undefined && options.onCommand) setup.log = (c) => options.onCommand!(s.id, c);
    if (setup.error !== undefined) {
      const n = locate(analysis.parsed!.root, ['steps', s.index, 'cwd']).pair?.key;
      const at = n ? new LineIndex(text).positionAt(n.start) : undefined;
      throw new DrillError(`${options.shownAs ?? rel}${at ? `:${at.line + 1}:${at.character + 1}` : ''}: step \`${s.id}\`: ${setup.error}`);
    }
    inputs.push({ step: s, raw: obj(raws[s.index]), setup, timeoutMs: s.timeoutMs || 60_000 });
  }

  tell(options, { kind: 'plan', steps: inputs.map((i) => ({ id: i.step.id, timeoutMs: i.timeoutMs })) });
  const sum = (t: Run['timings']) => t.detectMs + t.decideMs + t.executeMs + t.verifyMs;
  // run time: the real time since detect began, or more when the scenario simulated answer times
  const clock = () => Math.max(Date.now() - t0, sum(run.timings));
  const comms = (run.comms = new Communicator(value, { send: !!options.sendMessages, phase: options.mode ?? 'drill', clock, state: () => ({ triggers, timings: run.timings }), source: { rel: options.shownAs ?? rel, text, root: analysis.parsed?.root } }));
  comms.start();
  ctx.notify = (step, audience, text) => comms.notify(step, audience, text);
  const close = async (r: DrillReport): Promise<DrillReport> => waived({ ...r, messages: await comms.close(r) });
  let stop: Stop | undefined;
  for (const input of inputs) {
    if (options.signal?.aborted) {
      stop = { kind: 'cancelled', step: input.step.id, when: 'before' };
      break;
    }
    tell(options, { kind: 'start', id: input.step.id, phase: 'do', timeoutMs: input.timeoutMs });
    stop = await runStep(run, input);
    if (stop) break;
  }
  // a cancel that came while the last step finished still cancels the drill
  if (!stop && options.signal?.aborted) stop = { kind: 'cancelled', when: 'after' };
  if (!stop) return close(judge(judged, run, 'restored', undefined, undefined));
  // the rollback of the rollback: undo every completed step, newest first
  for (const u of [...run.undos].reverse()) {
    tell(options, { kind: 'start', id: u.id, phase: 'undo', timeoutMs: u.timeoutMs });
    const started = Date.now();
    try {
      const m = await u.run();
      run.restored.push(u.id);
      result(run, { id: u.id, kind: 'undo', outcome: 'undone', durationMs: Date.now() - started, ...(m ? { message: m } : {}) });
    } catch (e) {
      result(run, { id: u.id, kind: 'undo', outcome: 'undo-failed', durationMs: Date.now() - started, message: (e as Error).message });
    }
  }
  const undoFailed = run.steps.some((s) => s.outcome === 'undo-failed');
  const what =
    stop.kind === 'cancelled'
      ? `the ${rollback ? 'rollback' : 'drill'} was cancelled ${stop.when === 'after' ? 'after its last step' : `${stop.when} step \`${stop.step}\``}`
      : stop.kind === 'rejected'
        ? `step \`${stop.step}\` was rejected`
        : stop.injected
          ? `step \`${stop.step}\` ${stop.message}`
          : `step \`${stop.step}\` failed${rollback ? '' : ', which the scenario did not inject'}: ${stop.message}`;
  return close(judge(judged, run, stop.kind === 'cancelled' ? 'cancelled' : 'undone', `${what}; ${undoFailed ? 'an undo failed' : `undid ${run.restored.length ? run.restored.join(', ') : 'nothing'}`}`, stop));
}

/**
 * One step of the drill, by its kind's module: a gate answered (its time in
 * decide), any other step executed (a mutating one as do and undo, observed
 * with verifyIdempotent), or failed or hung as the scenario injects. Returns
 * why the steps stop here, or undefined to go on.
 */
async function runStep(run: Run, input: StepInput): Promise<Stop | undefined> {
  const { ctx, options, inject, timings } = run;
  const s = input.step;
  const started = Date.now();
  const kind = stepModule(s.kind);
  // an approval gate the scenario makes fail or hang is a fault like any other step's (below)
  if (kind?.answer && inject.failStep !== s.id && inject.hangStep !== s.id) {
    const a = await kind.answer(ctx, input);
    run.given.push(...a.given);
    const took = Date.now() - started + a.simulatedMs;
    timings.decideMs += took;
    if (options.signal?.aborted) {
      result(run, { id: s.id, kind: kind.kind, outcome: 'cancelled', durationMs: took });
      return { kind: 'cancelled', step: s.id, when: 'during' };
    }
    result(run, { id: s.id, kind: kind.kind, outcome: a.approved ? 'approved' : 'rejected', durationMs: took, ...(a.simulatedMs ? { message: `answered after ${formatDuration(a.simulatedMs)} (scenario)` } : {}) });
    return a.approved ? undefined : { kind: 'rejected', step: s.id };
  }
  let captured: Record<string, string> | undefined;
  const took = () => {
    const t = Date.now() - started;
    if (kind?.phase === 'verify') timings.verifyMs += t;
    else timings.executeMs += t;
    return t;
  };
  try {
    if (inject.failStep === s.id) {
      run.reachedSteps.add(s.id);
      throw new InjectedFault('failed (injected by the scenario)');
    }
    if (inject.hangStep === s.id) {
      run.reachedSteps.add(s.id);
      // the step's own hang (a command that never ends), else a wait: stopped by the same timeout that guards the real step
      await (kind?.hang ? kind.hang(ctx, input) : sleep(input.timeoutMs, options.signal));
      if (options.signal?.aborted) throw new Error('cancelled');
      throw new InjectedFault(`hung past its timeout of ${formatDuration(input.timeoutMs)} (injected by the scenario); stopped`);
    }
    let message: string | undefined;
    // the step's captures are read before its do; its requests and undo render with them
    const c = await withCaptures(input.raw, ctx.values, ctx.unavailable, input.timeoutMs, options.signal);
    captured = c.captured;
    const stepCtx = c.captured ? { ...ctx, values: c.values } : ctx;
    const done = kind?.execute ? await kind.execute(stepCtx, input) : {};
    if ('mutation' in done) {
      // a mutating step as do and undo
      const m = done.mutation;
      if (!options.verifyIdempotent) {
        const t = await m.act();
        if (m.undo) run.undos.push({ id: s.id, run: () => m.undo!(t), timeoutMs: input.timeoutMs });
        message = m.said(t);
      } else {
        const check = checkOf(input.raw.check, input.setup, input.timeoutMs, stepCtx.values, ctx.unavailable, options.signal);
        const observe = () => observeState(ctx.dir, m.files ?? [], check, { ...DEFAULT_OBSERVE_LIMITS, ...options.observeLimits });
        message = await verifyStep(m, observe, (u) => run.undos.push({ id: s.id, run: u, timeoutMs: input.timeoutMs }));
      }
    } else message = done.message;
    message = [capturedText(captured), message].filter(Boolean).join('; ') || undefined;
    result(run, { id: s.id, kind: s.kind ?? 'unknown', outcome: 'done', durationMs: took(), ...(message ? { message } : {}), ...(captured ? { captured } : {}) });
    return undefined;
  } catch (e) {
    const t = took();
    if (options.signal?.aborted) {
      // whatever the step said, it stopped because of the cancel
      result(run, { id: s.id, kind: s.kind ?? 'unknown', outcome: 'cancelled', durationMs: t });
      return { kind: 'cancelled', step: s.id, when: 'during' };
    }
    result(run, { id: s.id, kind: s.kind ?? 'unknown', outcome: 'failed', durationMs: t, message: (e as Error).message, ...(captured ? { captured } : {}) });
    return { kind: 'failed', step: s.id, message: (e as Error).message, injected: e instanceof InjectedFault };
  }
}

/** The report of what happened (`happened`: the story, e.g. which step failed and what was undone); the verdict follows from it. */
function judge(j: Judged, run: Run, outcome: DrillReport['outcome'], happened: string | undefined, stop: Stop | undefined): DrillReport {
  const { steps, given, restored } = run;
  const { expect, plan, triggers } = j;
  const wanted = expect.outcome === 'undone' ? 'undone' : 'restored';
  const timings = { ...run.timings, restoreMs: run.timings.executeMs + run.timings.verifyMs };
  // a step ran in a phase: done or failed, not an undo, not a gate (a gate is answered)
  const phaseOf = (kind: string) => stepModule(kind)?.phase;
  const ran = (phase?: 'verify') => steps.some((x) => (x.outcome === 'done' || x.outcome === 'failed') && x.kind !== 'undo' && phaseOf(x.kind) !== 'decide' && (!phase || phaseOf(x.kind) === phase));
  const answered = new Set(steps.filter((x) => x.outcome === 'approved' || x.outcome === 'rejected').map((x) => x.id));
  const unanswered = plan.steps.find((x) => phaseOf(x.kind ?? '') === 'decide' && !answered.has(x.id));
  const notReached: Record<string, string | undefined> = {
    detectWithin: triggers.some((t) => t.fired) ? undefined : 'no trigger fired',
    decideWithin: unanswered ? `the drill stopped before the approval gate \`${unanswered.id}\`` : undefined,
    restoreWithin: ran() ? undefined : 'no step ran',
    verifyWithin: ran('verify') ? undefined : 'no verify step ran',
  };
  const expectations: DrillExpectation[] = (
    [
      ['detectWithin', timings.detectMs],
      ['decideWithin', timings.decideMs],
      ['restoreWithin', timings.restoreMs],
      ['verifyWithin', timings.verifyMs],
    ] as const
  )
    .filter(([k]) => typeof expect[k] === 'string')
    .map(([k, actual]) => {
      const limitMs = ms(expect[k]);
      const why = notReached[k];
      return why ? { what: k, limitMs, actualMs: actual, met: false, notReached: why } : { what: k, limitMs, actualMs: actual, met: actual <= limitMs };
    });
  // windows.detect is checked like the scenario's detectWithin
  // (not in a rollback: its fault was detected in the world before a person started it, so no run can time it)
  if (j.detectWindow !== undefined && ms(j.detectWindow, -1) >= 0 && run.options.mode !== 'rollback') {
    const limitMs = ms(j.detectWindow);
    const why = notReached.detectWithin;
    expectations.push(why ? { what: 'windows.detect', limitMs, actualMs: timings.detectMs, met: false, notReached: why } : { what: 'windows.detect', limitMs, actualMs: timings.detectMs, met: timings.detectMs <= limitMs });
  }
  const verifySteps = plan.steps.filter((x) => phaseOf(x.kind ?? '') === 'verify').map((x) => x.id);
  const wantFidelity = expect.fidelity && typeof expect.fidelity === 'object' ? obj(expect.fidelity) : undefined;
  const fidelity = outcome === 'aborted' ? undefined : j.fidelity.result(verifySteps, stop, wantFidelity, run.options.mode ?? 'drill');
  const faults: DrillFault[] = [
    ...j.stepFaults.map((f) => ({ ...f, reached: run.reachedSteps.has(f.target) })),
    ...run.ctx.unavailable.endpoints.map((u) => ({ fault: 'unavailable' as const, target: u, reached: run.ctx.unavailable.reached.has(u) })),
  ];
  const problems = [
    ...faults.filter((f) => !f.reached).map((f) => `the injected ${f.fault} \`${f.target}\` was never reached`),
    ...(outcome !== wanted && outcome !== 'aborted' && run.options.mode !== 'rollback' ? [`the scenario expects the rollback to end ${wanted}, it ended ${outcome}`] : []),
    ...expectations.filter((e) => !e.met).map((e) => (e.notReached ? `${e.what} ${formatDuration(e.limitMs)} was not measured: ${e.notReached}` : `${e.what} ${formatDuration(e.limitMs)} was not met: took ${formatDuration(e.actualMs)}`)),
    ...(fidelity?.expectations ?? []).filter((e) => !e.met).map((e) => e.message),
  ];
  // a rollback that restored must show it: a verify step that ran (and passed)
  if (run.options.mode === 'rollback' && outcome === 'restored' && !ran('verify')) problems.push('no verify step ran, so the restore is not verified');
  const undoFailed = steps.some((x) => x.outcome === 'undo-failed');
  const unexpected = stop?.kind === 'failed' && !stop.injected;
  // a cancelled drill is not judged: it is neither a pass nor a fail
  const reason = (outcome === 'cancelled' ? [happened] : [happened, ...problems]).filter(Boolean).join('; ');
  return {
    runbook: j.rel,
    scenario: run.options.scenario ?? '',
    // a rollback passes only when it restored (an undone rollback, even a clean undo, did not)
    verdict: outcome === 'cancelled' ? 'cancelled' : outcome === 'aborted' || unexpected || undoFailed || problems.length || (run.options.mode === 'rollback' && outcome !== 'restored') ? 'fail' : 'pass',
    outcome,
    ...(reason ? { reason } : {}),
    timings,
    expectations,
    faults,
    triggers,
    steps,
    approvals: given,
    restored,
    ...(fidelity ? { fidelity } : {}),
    detect: j.detect,
  };
}
