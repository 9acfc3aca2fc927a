// One shell command with a time limit: run in its own process group (the
// whole tree is killed on timeout or cancel), stdin closed, the start of
// stdout and the tail of stderr kept. Dry-run checks and drill steps use it.
// A step's own fields for its commands live here too, so the drill and the
// dry-run read them alike: `cwd` (relative to the runbook's folder, a folder
// inside the workspace, also through links) and `env` for every command of
// the step; `retries` and `retryDelay` for the command that performs it, all
// tries together within the step's timeout. A command whose leading word is a
// relative path (`./scripts/x.sh …`, `../x.sh`) runs only when that script
// lies inside the workspace (src/node/workspace.ts, links followed); one
// outside is refused before it is started, opened or stat-ed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { asObject } from '../../core/language/checks/context';
import { formatDuration, parseDuration } from '../../core/util/values';
import { confine, confinePath } from '../workspace';
import { ProcessRun } from '../sources/process';

export interface CommandResult {
  /** 'ok' only for exit code 0. */
  status: 'ok' | 'timeout' | 'cancelled' | 'spawn' | 'exit';
  /** The exit code, -1 when there is none. */
  code: number;
  /** Why it did not succeed, in words ("exited with code 3: <stderr tail>"), or 'ok'. */
  reason: string;
  ms: number;
  /** The first 2000 characters of stdout, trimmed. */
  output: string;
  /** The tail of stderr, when it wrote any. */
  stderrTail?: string;
}

/** One command a step ran, as the editor's log shows it: what, how it ended, how long, what it said on stderr. */
export interface CommandLog {
  command: string;
  status: CommandResult['status'];
  code: number;
  ms: number;
  tries: number;
  stderrTail?: string;
}

export async function runCommand(command: string, o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult> {
  const started = Date.now();
  const run = new ProcessRun({ command, cwd: o.cwd, env: o.env });
  run.child.stdin.end();
  let out = '';
  run.child.stdout.on('data', (d: Buffer) => {
    if (out.length < 4096) out += d.toString('utf8');
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void run.kill();
  }, o.timeoutMs);
  const onAbort = () => void run.kill();
  o.signal?.addEventListener('abort', onAbort);
  const status = await run.exit;
  clearTimeout(timer);
  o.signal?.removeEventListener('abort', onAbort);
  await run.settled();
  const stderr = run.stderrTail();
  const result = { ms: Date.now() - started, output: out.trim().slice(0, 2000), ...(stderr ? { stderrTail: stderr } : {}) };
  if (timedOut) return { ...result, status: 'timeout', code: -1, reason: `did not finish within ${formatDuration(o.timeoutMs)}; killed` };
  if (o.signal?.aborted) return { ...result, status: 'cancelled', code: -1, reason: 'cancelled' };
  if (status.error) return { ...result, status: 'spawn', code: -1, reason: `could not start: ${status.error.message}` };
  if (status.code !== 0) {
    return { ...result, status: 'exit', code: status.code ?? -1, reason: `exited with code ${status.code ?? status.signal}${stderr ? `: ${stderr}` : ''}` };
  }
  return { ...result, status: 'ok', code: 0, reason: 'ok' };
}

/** Where and with what environment a step's commands run; `error` says why they cannot. */
export type StepSetup = { cwd: string; env: NodeJS.ProcessEnv; workspace: string; error?: undefined; log?: (c: CommandLog) => void } | { error: string };

/**
 * The folder and environment of a step's commands: `cwd` resolved against the
 * runbook's folder and confined to the workspace (through links too), `env`
 * over `base`, then `forced` (markers such as ROLLBACK_LENS_DRILL that a step
 * cannot switch off).
 */
export async function stepSetup(step: Record<string, unknown>, runbookDir: string, workspace: string, base: NodeJS.ProcessEnv, forced: Record<string, string> = {}): Promise<StepSetup> {
  const env = { ...base, ...Object.fromEntries(Object.entries(asObject(step.env)).map(([k, v]) => [k, String(v)])), ...forced };
  if (typeof step.cwd !== 'string') return { cwd: runbookDir, env, workspace };
  const abs = path.resolve(runbookDir, step.cwd);
  const c = await confinePath(workspace, abs, step.cwd, 'cwd');
  if (!c.ok) return { error: c.message };
  try {
    if (!(await fs.stat(c.real)).isDirectory()) throw new Error('not a folder');
  } catch {
    return { error: `cwd \`${step.cwd}\` is not a folder in the workspace` };
  }
  return { cwd: abs, env, workspace };
}

/** A duration field (`5m`) in ms; `fallback` when it is absent or does not parse. */
export function durationMsOf(d: unknown, fallback = 0): number {
  if (typeof d !== 'string') return fallback;
  const p = parseDuration(d);
  return p.ok ? p.value : fallback;
}

/** A step's `retries` (more tries after a failure) and `retryDelay` (the wait before each). */
export function retryOf(step: Record<string, unknown>): { retries: number; delayMs: number } {
  const retries = typeof step.retries === 'number' && Number.isInteger(step.retries) && step.retries > 0 ? step.retries : 0;
  const d = typeof step.retryDelay === 'string' ? parseDuration(step.retryDelay) : undefined;
  return { retries, delayMs: d?.ok ? d.value : 0 };
}

/**
 * Runs `attempt` once and, after a failure, up to `retries` more times with
 * `delayMs` between tries; never after a cancel, and never past `deadline`
 * (epoch ms: the step's timeout bounds every try and wait together). Returns
 * the last result and how many tries it took.
 */
export async function withRetries<R>(
  attempt: (remainingMs: number) => Promise<R>,
  failed: (r: R) => boolean,
  o: { retries: number; delayMs: number; deadline: number; signal?: AbortSignal },
): Promise<{ result: R; tries: number }> {
  let tries = 0;
  for (;;) {
    tries++;
    const result = await attempt(Math.max(1, o.deadline - Date.now()));
    if (!failed(result) || tries > o.retries || o.signal?.aborted) return { result, tries };
    if (Date.now() + o.delayMs >= o.deadline) return { result, tries };
    await wait(o.delayMs, o.signal);
    if (o.signal?.aborted) return { result, tries };
  }
}

/**
 * A step's command with its cwd, env and (when `retry`) its retries; a step
 * whose cwd is unusable gives a 'spawn' result saying why, and nothing runs.
 * The reason of a command that failed more than once says how many tries.
 */
export async function runStepCommand(command: string, setup: StepSetup, o: { timeoutMs: number; signal?: AbortSignal; retry?: { retries: number; delayMs: number } }): Promise<CommandResult & { tries: number }> {
  if (setup.error !== undefined) return { status: 'spawn', code: -1, reason: `could not start: ${setup.error}`, ms: 0, output: '', tries: 0 };
  const { cwd, env } = setup;
  const script = leadingPath(command);
  if (script !== undefined) {
    const c = await confine(setup.workspace, cwd, script, 'the script');
    if (!c.ok) return { status: 'spawn', code: -1, reason: `is refused: ${c.message}`, ms: 0, output: '', tries: 0 };
  }
  const deadline = Date.now() + o.timeoutMs;
  const { result, tries } = await withRetries(
    (remainingMs) => runCommand(command, { cwd, env, timeoutMs: remainingMs, ...(o.signal ? { signal: o.signal } : {}) }),
    (r) => r.status !== 'ok' && r.status !== 'cancelled',
    { retries: o.retry?.retries ?? 0, delayMs: o.retry?.delayMs ?? 0, deadline, ...(o.signal ? { signal: o.signal } : {}) },
  );
  // a try killed at the deadline ran out of the step's time, whatever was left for it
  const reason = result.status === 'timeout' ? `did not finish within ${formatDuration(o.timeoutMs)}; killed` : result.reason;
  const done = { ...result, ms: Date.now() - (deadline - o.timeoutMs), tries, reason: tries > 1 && result.status !== 'ok' ? `${reason} (${tries} tries)` : reason };
  setup.log?.({ command, status: done.status, code: done.code, ms: done.ms, tries, ...(done.stderrTail ? { stderrTail: done.stderrTail } : {}) });
  return done;
}

/** The leading word of a command when it is a relative path to run (`./x.sh`, `scripts/x.sh`, `../x`), else undefined. */
export function leadingPath(command: string): string | undefined {
  const m = /^\s*(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(command);
  const word = m?.[1] ?? m?.[2] ?? m?.[3];
  if (!word || !word.includes('/') || word.startsWith('/') || word.startsWith('~') || word.includes('$')) return undefined;
  return word;
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
