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
// its timeout. A flag step edits only the defaultVariant's bytes, and its undo
// restores the file's exact bytes (see undoFlag).
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { renderDeep, resolvePlan, templateValues } from '../../core/runbook/plan';
import { LineIndex } from '../../core/util/text';
import { formatDuration, parseDuration } from '../../core/util/values';
import { locate } from '../../core/yaml';
import { editFlag } from '../../core/runbook/flag';
import { writeFileAtomic } from '../atomic';
import { runContractTests } from '../contract/run';
import { confine } from '../workspace';
import { evaluateTriggers } from '../metrics';
import { loadDocument } from '../documents';
import { retryOf, runStepCommand, stepSetup, withRetries, type StepSetup } from './shell';
import { DEFAULT_OBSERVE_LIMITS, observeState, verifyStep, type Mutation, type ObserveLimits, type StateCheck } from './stepState';
import { asObject as obj } from '../../core/language/checks/context';
import type { DrillApproval, DrillExpectation, DrillFault, DrillReport, DrillStep } from '../../core/runbook/report';

export interface DrillOptions {
  workspace: string;
  scenario: string;
  verifyIdempotent?: boolean;
  signal?: AbortSignal;
  /** Bounds of the state walk of `verifyIdempotent` (defaults: 10 000 files, 16 MiB per file, 256 MiB in all). */
  observeLimits?: Partial<ObserveLimits>;
  /** Answers an approval gate the scenario does not answer (a person on a TTY, a quick pick in the editor). */
  ask?: (role: string, stepId: string) => Promise<boolean>;
}

export type { DrillReport, DrillStep, DrillApproval, DrillFault, DrillExpectation } from '../../core/runbook/report';

export class DrillError extends Error {}

const ms = (d: unknown, fallback = 0) => {
  if (typeof d !== 'string') return fallback;
  const p = parseDuration(d);
  return p.ok ? p.value : fallback;
};

interface Undo {
  id: string;
  run: () => Promise<string | undefined>;
}

/** A failure the scenario injected (a failStep, a hangStep, an unavailable endpoint). */
class InjectedFault extends Error {}

/** The endpoints a scenario makes unavailable, and which of them a request went to. */
class Unavailable {
  readonly reached = new Set<string>();
  constructor(readonly endpoints: string[]) {}
  /** The endpoint (as the scenario names it) that refuses `url`, marked reached; undefined when none does. */
  refuses(url: string): string | undefined {
    const host = new URL(url).hostname;
    const u = this.endpoints.find((e) => url.startsWith(e) || host === e);
    if (u !== undefined) this.reached.add(u);
    return u;
  }
}

/** Why the steps stopped before the end. */
type Stop =
  | { kind: 'failed'; step: string; message: string; injected: boolean }
  | { kind: 'rejected'; step: string }
  /** `when`: during the step, or before it started (between steps: the last step finished). */
  | { kind: 'cancelled'; step?: string; when: 'during' | 'before' | 'after' };

export async function drill(file: string, options: DrillOptions): Promise<DrillReport> {
  const { rel, dir, text, analysis, value } = await loadDocument(file, 'RollbackRunbook', { workspace: options.workspace });
  const drills = obj(value.drills);
  const scenario = (Array.isArray(drills.scenarios) ? drills.scenarios : []).map(obj).find((s) => s.id === options.scenario);
  if (!scenario) throw new DrillError(`${rel} has no drill scenario \`${options.scenario}\``);
  const inject = obj(scenario.inject);
  const injected = obj(inject.metrics) as Record<string, number>;
  const unavailable = new Unavailable((Array.isArray(inject.unavailable) ? inject.unavailable : []).map(String));
  const stepFaults = (['failStep', 'hangStep'] as const).filter((f) => typeof inject[f] === 'string').map((f) => ({ fault: f, target: String(inject[f]) }));
  const reachedSteps = new Set<string>();
  // every command sees the sandbox's env and its step's env; the drill markers always win
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...(obj(obj(drills.sandbox).env) as Record<string, string>) };
  const forcedEnv = { ROLLBACK_LENS_DRILL: '1', ROLLBACK_LENS_SCENARIO: options.scenario };
  const values = templateValues(value, 'drill');
  const steps: DrillStep[] = [];
  const undos: Undo[] = [];
  const restored: string[] = [];
  const given: DrillApproval[] = [];
  const approvals = scenario.approvals;

  // detect: the triggers against injected (or real) metrics
  const t0 = Date.now();
  // the scenario's metric values replace the source's readings; the rest come from the metrics source
  const results = await evaluateTriggers(value, dir, { workspace: options.workspace, now: Date.now(), overrides: injected, ...(options.signal ? { signal: options.signal } : {}) });
  const triggers: DrillReport['triggers'] = results.map((t) => ({ id: t.id, metric: t.metric, ...(t.value !== undefined ? { value: t.value } : {}), fired: t.fires, message: t.message }));
  const detectMs = Date.now() - t0;
  const expect = obj(scenario.expect);
  const wanted = expect.outcome === 'undone' ? 'undone' : 'restored';
  const plan = resolvePlan(value);
  /** The report of what happened (`happened`: the story, e.g. which step failed and what was undone); the verdict follows from it. */
  const report = (outcome: DrillReport['outcome'], happened: string | undefined, stop: Stop | undefined, decideMs = 0, executeMs = 0, verifyMs = 0): DrillReport => {
    const timings = { detectMs, decideMs, executeMs, verifyMs, restoreMs: executeMs + verifyMs };
    const ran = (kind?: string) => steps.some((x) => (x.outcome === 'done' || x.outcome === 'failed') && x.kind !== 'undo' && x.kind !== 'approve' && (!kind || x.kind === kind));
    const answered = new Set(steps.filter((x) => x.outcome === 'approved' || x.outcome === 'rejected').map((x) => x.id));
    const unanswered = plan.steps.find((x) => x.kind === 'approve' && !answered.has(x.id));
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
    const faults: DrillFault[] = [
      ...stepFaults.map((f) => ({ ...f, reached: reachedSteps.has(f.target) })),
      ...unavailable.endpoints.map((u) => ({ fault: 'unavailable' as const, target: u, reached: unavailable.reached.has(u) })),
    ];
    const problems = [
      ...faults.filter((f) => !f.reached).map((f) => `the injected ${f.fault} \`${f.target}\` was never reached`),
      ...(outcome !== wanted && outcome !== 'aborted' ? [`the scenario expects the rollback to end ${wanted}, it ended ${outcome}`] : []),
      ...expectations.filter((e) => !e.met).map((e) => (e.notReached ? `${e.what} ${formatDuration(e.limitMs)} was not measured: ${e.notReached}` : `${e.what} ${formatDuration(e.limitMs)} was not met: took ${formatDuration(e.actualMs)}`)),
    ];
    const undoFailed = steps.some((x) => x.outcome === 'undo-failed');
    const unexpected = stop?.kind === 'failed' && !stop.injected;
    // a cancelled drill is not judged: it is neither a pass nor a fail
    const reason = (outcome === 'cancelled' ? [happened] : [happened, ...problems]).filter(Boolean).join('; ');
    return {
      runbook: rel,
      scenario: options.scenario,
      verdict: outcome === 'cancelled' ? 'cancelled' : outcome === 'aborted' || unexpected || undoFailed || problems.length ? 'fail' : 'pass',
      outcome,
      ...(reason ? { reason } : {}),
      timings,
      expectations,
      faults,
      triggers,
      steps,
      approvals: given,
      restored,
    };
  };
  if (!triggers.some((t) => t.fired)) return report('aborted', 'no trigger fired, so the rollback would not start', undefined);

  if (plan.blocked.length) throw new DrillError(`steps ${plan.blocked.map((s) => `\`${s.id}\``).join(', ')} cannot be scheduled (a cycle or a missing step)`);
  const raws = Array.isArray(value.steps) ? value.steps : [];
  // each step's cwd and env, checked before anything runs: a bad cwd must not leave a rollback half done
  const setups = new Map<string, StepSetup>();
  for (const s of plan.steps) {
    const setup = await stepSetup(obj(raws[s.index]), dir, options.workspace, baseEnv, forcedEnv);
    if (setup.error !== undefined) {
      const n = locate(analysis.parsed!.root, ['steps', s.index, 'cwd']).pair?.key;
      const at = n ? new LineIndex(text).positionAt(n.start) : undefined;
      throw new DrillError(`${rel}${at ? `:${at.line + 1}:${at.character + 1}` : ''}: step \`${s.id}\`: ${setup.error}`);
    }
    setups.set(s.id, setup);
  }
  let decideMs = 0;
  let executeMs = 0;
  let verifyMs = 0;
  let stop: Stop | undefined;

  for (const s of plan.steps) {
    if (options.signal?.aborted) {
      stop = { kind: 'cancelled', step: s.id, when: 'before' };
      break;
    }
    const raw = obj(raws[s.index]);
    const started = Date.now();
    const timeout = s.timeoutMs || 60_000;
    const setup = setups.get(s.id)!;
    const retry = retryOf(raw);
    // an approval gate the scenario makes fail or hang is a fault like any other step's (below)
    if (s.kind === 'approve' && inject.failStep !== s.id && inject.hangStep !== s.id) {
      let approved = true;
      let simulated = 0;
      for (const role of (Array.isArray(raw.approve) ? raw.approve : []).map(String)) {
        const answer = approvals === 'auto' ? { decision: 'approve' } : obj(obj(approvals)[role]);
        if (answer.decision) {
          const after = ms(answer.after);
          simulated = Math.max(simulated, after);
          if (answer.decision !== 'approve') approved = false;
          given.push({ step: s.id, role, decision: answer.decision === 'approve' ? 'approve' : 'reject', by: 'scenario', ...(after ? { afterMs: after } : {}) });
        } else if (options.ask) {
          const yes = await options.ask(role, s.id);
          // a cancel while the question is open is no one's answer
          if (options.signal?.aborted) break;
          given.push({ step: s.id, role, decision: yes ? 'approve' : 'reject', by: 'person' });
          approved = yes && approved;
        } else throw new DrillError(`step \`${s.id}\` needs an approval from ${role}, and the scenario gives none (add approvals, or run on a terminal)`);
      }
      const took = Date.now() - started + simulated;
      decideMs += took;
      if (options.signal?.aborted) {
        steps.push({ id: s.id, kind: 'approve', outcome: 'cancelled', durationMs: took });
        stop = { kind: 'cancelled', step: s.id, when: 'during' };
        break;
      }
      steps.push({ id: s.id, kind: 'approve', outcome: approved ? 'approved' : 'rejected', durationMs: took, ...(simulated ? { message: `answered after ${formatDuration(simulated)} (scenario)` } : {}) });
      if (!approved) {
        stop = { kind: 'rejected', step: s.id };
        break;
      }
      continue;
    }
    let message: string | undefined;
    try {
      if (inject.failStep === s.id) {
        reachedSteps.add(s.id);
        throw new InjectedFault('failed (injected by the scenario)');
      }
      if (inject.hangStep === s.id) {
        reachedSteps.add(s.id);
        // a command that never ends, stopped by the same timeout that guards the real one
        if (s.kind === 'run') {
          try {
            await shell('exec sleep 86400', setup, timeout, options.signal);
          } catch (e) {
            throw new InjectedFault((e as Error).message);
          }
        } else await sleep(timeout, options.signal);
        if (options.signal?.aborted) throw new Error('cancelled');
        throw new InjectedFault(`hung past its timeout of ${formatDuration(timeout)} (injected by the scenario); stopped`);
      }
      // a mutating step as do and undo: run and http by their commands, flag by the variant it replaced
      let mutation: Mutation<unknown> | undefined;
      if (s.kind === 'run' || s.kind === 'http') {
        const act =
          s.kind === 'run'
            ? async () => (await shell(String(raw.run), setup, timeout, options.signal, retry)).tries
            : async () => (await requestWithRetries(renderDeep(raw.http, values) as Record<string, unknown>, unavailable, timeout, retry, options.signal)).tries;
        mutation = {
          act,
          // an undo runs even after a cancel (that is when it matters), bounded by the step's timeout
          ...(typeof raw.undo === 'string' || obj(raw.undo).url ? { undo: () => undoOf(raw.undo, setup, timeout, values, unavailable) } : {}),
          said: (tries) => ((tries as number) > 1 ? `succeeded on try ${String(tries)} of ${retry.retries + 1}` : undefined),
        };
      } else if (s.kind === 'flag') {
        const f = obj(raw.flag);
        const flagFile = await inside(dir, options.workspace, String(f.file), 'flag file');
        mutation = {
          act: () => setFlag(flagFile, String(f.name), String(f.variant)),
          undo: (w) => undoFlag(w as FlagWrite),
          said: (t) => {
            const w = t as FlagWrite;
            return w.changed ? `${w.name}: ${w.from ?? '(not set)'} → ${w.to}` : `${w.name}: already ${w.to} (no change)`;
          },
          files: [flagFile],
        };
      }
      if (mutation) {
        const m = mutation;
        if (!options.verifyIdempotent) {
          const t = await m.act();
          if (m.undo) undos.push({ id: s.id, run: () => m.undo!(t) });
          message = m.said(t);
        } else {
          const check = checkOf(raw.check, setup, timeout, values, unavailable, options.signal);
          const observe = () => observeState(dir, m.files ?? [], check, { ...DEFAULT_OBSERVE_LIMITS, ...options.observeLimits });
          message = await verifyStep(m, observe, (u) => undos.push({ id: s.id, run: u }));
        }
      } else if (s.kind === 'notify') {
        message = 'rendered, not sent (drill)';
      } else if (s.kind === 'verify') {
        const v = obj(raw.verify);
        const contract = await inside(dir, options.workspace, String(v.contract), 'contract');
        const r = await runContractTests(contract, { workspace: options.workspace, testIds: [String(v.test)], ...(options.signal ? { signal: options.signal } : {}) });
        const t = r.tests[0];
        if (!t || t.verdict !== 'pass') throw new Error(`contract test ${String(v.test)}: ${t?.reason ?? t?.rules.filter((x) => x.verdict === 'fail').map((x) => x.message).join('; ') ?? 'did not run'}`);
        message = `contract test ${String(v.test)} passed`;
      }
      const took = Date.now() - started;
      if (s.kind === 'verify') verifyMs += took;
      else executeMs += took;
      steps.push({ id: s.id, kind: s.kind ?? 'unknown', outcome: 'done', durationMs: took, ...(message ? { message } : {}) });
    } catch (e) {
      const took = Date.now() - started;
      if (s.kind === 'verify') verifyMs += took;
      else executeMs += took;
      if (options.signal?.aborted) {
        // whatever the step said, it stopped because of the cancel
        stop = { kind: 'cancelled', step: s.id, when: 'during' };
        steps.push({ id: s.id, kind: s.kind ?? 'unknown', outcome: 'cancelled', durationMs: took });
        break;
      }
      stop = { kind: 'failed', step: s.id, message: (e as Error).message, injected: e instanceof InjectedFault };
      steps.push({ id: s.id, kind: s.kind ?? 'unknown', outcome: 'failed', durationMs: took, message: (e as Error).message });
      break;
    }
  }

  // a cancel that came while the last step finished still cancels the drill
  if (!stop && options.signal?.aborted) stop = { kind: 'cancelled', when: 'after' };
  if (!stop) return report('restored', undefined, undefined, decideMs, executeMs, verifyMs);
  // the rollback of the rollback: undo every completed step, newest first
  for (const u of [...undos].reverse()) {
    const started = Date.now();
    try {
      const m = await u.run();
      restored.push(u.id);
      steps.push({ id: u.id, kind: 'undo', outcome: 'undone', durationMs: Date.now() - started, ...(m ? { message: m } : {}) });
    } catch (e) {
      steps.push({ id: u.id, kind: 'undo', outcome: 'undo-failed', durationMs: Date.now() - started, message: (e as Error).message });
    }
  }
  const undoFailed = steps.some((s) => s.outcome === 'undo-failed');
  const what =
    stop.kind === 'cancelled'
      ? `the drill was cancelled ${stop.when === 'after' ? 'after its last step' : `${stop.when} step \`${stop.step}\``}`
      : stop.kind === 'rejected'
        ? `step \`${stop.step}\` was rejected`
        : stop.injected
          ? `step \`${stop.step}\` ${stop.message}`
          : `step \`${stop.step}\` failed, which the scenario did not inject: ${stop.message}`;
  return report(stop.kind === 'cancelled' ? 'cancelled' : 'undone', `${what}; ${undoFailed ? 'an undo failed' : `undid ${restored.length ? restored.join(', ') : 'nothing'}`}`, stop, decideMs, executeMs, verifyMs);
}

/** A file the runbook names, confined to the workspace (src/node/workspace.ts, links followed) before anything opens it. */
async function inside(dir: string, workspace: string, f: string, what: string): Promise<string> {
  const c = await confine(workspace, dir, f, what);
  if (!c.ok) throw new DrillError(c.message);
  return c.path;
}

/** Runs a command of the drill in its step's cwd and env (with the step's retries when given); throws with the command and why when it does not succeed. */
async function shell(command: string, setup: StepSetup, timeoutMs: number, signal?: AbortSignal, retry?: { retries: number; delayMs: number }): Promise<{ output: string; tries: number }> {
  const r = await runStepCommand(command, setup, { timeoutMs, ...(signal ? { signal } : {}), ...(retry ? { retry } : {}) });
  if (r.status === 'cancelled') throw new Error('cancelled');
  if (r.status !== 'ok') throw new Error(`\`${command}\` ${r.reason}`);
  return { output: r.output, tries: r.tries };
}

/** An http step's request, tried again after a failure as its retries say, every try within the step's timeout. */
async function requestWithRetries(req: Record<string, unknown>, unavailable: Unavailable, timeoutMs: number, retry: { retries: number; delayMs: number }, signal?: AbortSignal): Promise<{ status: string; tries: number }> {
  const { result, tries } = await withRetries(
    (remainingMs) => request(req, unavailable, remainingMs, signal).then((status) => ({ status }), (error: Error) => ({ error })),
    (r) => 'error' in r,
    { ...retry, deadline: Date.now() + timeoutMs, ...(signal ? { signal } : {}) },
  );
  if ('error' in result) {
    if (tries > 1) result.error.message += ` (${tries} tries)`;
    throw result.error;
  }
  return { status: result.status, tries };
}

/** A step's `check` as an observation of its state: a command's output (and exit code when it fails), or an HTTP answer's status and body. */
function checkOf(check: unknown, setup: StepSetup, timeoutMs: number, values: Record<string, unknown>, unavailable: Unavailable, signal?: AbortSignal): StateCheck | undefined {
  if (typeof check === 'string') {
    return {
      label: `\`${check}\``,
      read: async () => {
        const r = await runStepCommand(check, setup, { timeoutMs, ...(signal ? { signal } : {}) });
        if (r.status === 'cancelled') throw new Error('cancelled');
        return r.status === 'ok' ? r.output : `${r.output}${r.output ? ' ' : ''}(${r.reason.split(':')[0]})`;
      },
    };
  }
  if (obj(check).url) {
    const req = renderDeep(check, values) as Record<string, unknown>;
    return {
      label: `\`${String(req.method ?? 'GET')} ${String(req.url)}\``,
      read: () => request(req, unavailable, timeoutMs, signal, true).catch((e: Error) => `(${e.message})`),
    };
  }
  return undefined;
}

async function undoOf(undo: unknown, setup: StepSetup, timeoutMs: number, values: Record<string, unknown>, unavailable: Unavailable, signal?: AbortSignal): Promise<string | undefined> {
  if (typeof undo === 'string') return (await shell(undo, setup, timeoutMs, signal)).output;
  if (obj(undo).url) return request(renderDeep(undo, values) as Record<string, unknown>, unavailable, timeoutMs, signal);
  throw new Error('has no undo');
}

/** What a flag step did to its file: enough to put back the exact bytes. */
interface FlagWrite {
  file: string;
  name: string;
  from: string | undefined;
  to: string;
  changed: boolean;
  /** The file's bytes before the step and right after it. */
  original: Buffer;
  written: Buffer;
}

async function readFlagFile(file: string): Promise<{ bytes: Buffer; text: string }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `flag file ${path.basename(file)} does not exist` : `cannot read flag file ${path.basename(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const text = bytes.toString('utf8');
  // an edit of the text must give back every other byte: refuse what does not round-trip
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new Error(`flag file ${path.basename(file)} is not UTF-8; left untouched`);
  return { bytes, text };
}

/** Sets a flag's defaultVariant in a flagd file, changing only that value's bytes, atomically. */
async function setFlag(file: string, name: string, variant: string): Promise<FlagWrite> {
  const { bytes, text } = await readFlagFile(file);
  const e = editFlag(text, path.basename(file), name, variant);
  if (!e.ok) throw new Error(e.error);
  const written = e.changed ? Buffer.from(e.text, 'utf8') : bytes;
  if (e.changed) await writeFileAtomic(file, written);
  return { file, name, from: e.from, to: variant, changed: e.changed, original: bytes, written };
}

/**
 * Undoes a flag step: the exact bytes from before it when the file is as the
 * step left it; otherwise (someone changed it since) only the one variant is
 * set back in place, and the message says so.
 */
async function undoFlag(w: FlagWrite): Promise<string> {
  const base = path.basename(w.file);
  const { bytes, text } = await readFlagFile(w.file);
  if (bytes.equals(w.written)) {
    if (!w.changed) return `${base} was not changed by the step; nothing to restore`;
    await writeFileAtomic(w.file, w.original);
    return `restored ${base} byte for byte`;
  }
  const e = editFlag(text, base, w.name, w.from);
  if (!e.ok) throw new Error(`${base} was changed since the step and cannot be set back: ${e.error}`);
  if (e.changed) await writeFileAtomic(w.file, Buffer.from(e.text, 'utf8'));
  return `${base} was changed since the step: ${e.changed ? `set flags.${w.name}.defaultVariant back to ${w.from === undefined ? 'not set' : JSON.stringify(w.from)} in place, the rest left as found` : `flags.${w.name}.defaultVariant is already ${w.from === undefined ? 'not set' : JSON.stringify(w.from)}; left as found`}`;
}

/** Sends a request; resolves its status (and, with `withBody`, the start of its body). */
function request(req: Record<string, unknown>, unavailable: Unavailable, timeoutMs: number, signal?: AbortSignal, withBody = false): Promise<string> {
  const url = new URL(String(req.url));
  if (unavailable.refuses(String(req.url)) !== undefined) {
    return Promise.reject(new InjectedFault(`${String(req.method ?? 'GET')} ${url.origin}: connection refused (endpoint unavailable, injected by the scenario)`));
  }
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers = { ...(body !== undefined && typeof req.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...(obj(req.headers) as Record<string, string>) };
  const accepted = obj(req.expect).status;
  const ok = (status: number) => (accepted === undefined ? status >= 200 && status < 300 : (Array.isArray(accepted) ? accepted : [accepted]).map(Number).includes(status));
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const r = lib.request(url, { method: String(req.method ?? 'GET'), headers, timeout: timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        if (text.length < 4096) text += d.toString('utf8');
      });
      res.on('end', () => (ok(res.statusCode ?? 0) ? resolve(withBody ? `${res.statusCode} ${text.slice(0, 2000)}` : `${res.statusCode}`) : reject(new Error(`${String(req.method ?? 'GET')} ${url.href} answered ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`))));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`${String(req.method ?? 'GET')} ${url.href} gave no answer within ${formatDuration(timeoutMs)}`)));
    r.on('error', (e) => reject(new Error(e.message.startsWith(String(req.method ?? 'GET')) ? e.message : `${String(req.method ?? 'GET')} ${url.href}: ${e.message}`)));
    if (body !== undefined) r.write(body);
    r.end();
  });
}

function sleep(msToWait: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, msToWait);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
