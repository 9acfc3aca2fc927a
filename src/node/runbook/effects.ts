// What a drill's steps do to the world, shared by the step kinds (steps/) and
// the drill's loop: a step's command that throws when it does not succeed, an
// HTTP request (refused at once when the scenario makes its endpoint
// unavailable, retried as the step's retries say, every try within the step's
// timeout; a body sent whole with its Content-Length, never chunked), a
// step's undo (a command or a request), a step's `check` read as
// part of its state, and a file the runbook names confined to the workspace
// (src/node/workspace.ts, links followed) before anything opens it.
import * as http from 'node:http';
import * as https from 'node:https';
import { renderDeep } from '../../core/runbook/plan';
import { formatDuration } from '../../core/util/values';
import { asObject as obj } from '../../core/language/checks/context';
import { confine } from '../workspace';
import { DrillError, InjectedFault } from './errors';
import { runStepCommand, withRetries, type StepSetup } from './shell';
import type { StateCheck } from './stepState';

/** The endpoints a scenario makes unavailable, and which of them a request went to. */
export class Unavailable {
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

/** A file the runbook names, confined to the workspace (src/node/workspace.ts, links followed) before anything opens it. */
export async function inside(dir: string, workspace: string, f: string, what: string): Promise<string> {
  const c = await confine(workspace, dir, f, what);
  if (!c.ok) throw new DrillError(c.message);
  return c.path;
}

/** Runs a command of the drill in its step's cwd and env (with the step's retries when given); throws with the command and why when it does not succeed. */
export async function shell(command: string, setup: StepSetup, timeoutMs: number, signal?: AbortSignal, retry?: { retries: number; delayMs: number }): Promise<{ output: string; tries: number }> {
  const r = await runStepCommand(command, setup, { timeoutMs, ...(signal ? { signal } : {}), ...(retry ? { retry } : {}) });
  if (r.status === 'cancelled') throw new Error('cancelled');
  if (r.status !== 'ok') throw new Error(`\`${command}\` ${r.reason}`);
  return { output: r.output, tries: r.tries };
}

/** An http step's request, tried again after a failure as its retries say, every try within the step's timeout. */
export async function requestWithRetries(req: Record<string, unknown>, unavailable: Unavailable, timeoutMs: number, retry: { retries: number; delayMs: number }, signal?: AbortSignal): Promise<{ status: string; tries: number }> {
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
export function checkOf(check: unknown, setup: StepSetup, timeoutMs: number, values: Record<string, unknown>, unavailable: Unavailable, signal?: AbortSignal): StateCheck | undefined {
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

/** A step's `undo`: a command, or a request; what it said (a command's output, a request's status). */
export async function undoOf(undo: unknown, setup: StepSetup, timeoutMs: number, values: Record<string, unknown>, unavailable: Unavailable, signal?: AbortSignal): Promise<string | undefined> {
  if (typeof undo === 'string') return (await shell(undo, setup, timeoutMs, signal)).output;
  if (obj(undo).url) return request(renderDeep(undo, values) as Record<string, unknown>, unavailable, timeoutMs, signal);
  throw new Error('has no undo');
}

/** Sends a request; resolves its status (and, with `withBody`, the start of its body). */
export async function request(req: Record<string, unknown>, unavailable: Unavailable, timeoutMs: number, signal?: AbortSignal, withBody = false): Promise<string> {
  const r = await exchange(req, unavailable, timeoutMs, signal, 4096);
  return withBody ? `${r.status} ${r.text.slice(0, 2000)}` : `${r.status}`;
}

/** Sends a request; resolves its status and its body's text (at most `maxBody` characters); rejects on a status the request does not accept. */
export function exchange(req: Record<string, unknown>, unavailable: Unavailable, timeoutMs: number, signal: AbortSignal | undefined, maxBody: number): Promise<{ status: number; text: string }> {
  const url = new URL(String(req.url));
  if (unavailable.refuses(String(req.url)) !== undefined) {
    return Promise.reject(new InjectedFault(`${String(req.method ?? 'GET')} ${url.origin}: connection refused (endpoint unavailable, injected by the scenario)`));
  }
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  // a body goes out whole with its length in bytes: sent chunked, some gateways read it as empty
  const headers = {
    ...(body !== undefined && typeof req.body !== 'string' ? { 'content-type': 'application/json' } : {}),
    ...(obj(req.headers) as Record<string, string>),
    ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body, 'utf8')) } : {}),
  };
  const accepted = obj(req.expect).status;
  const ok = (status: number) => (accepted === undefined ? status >= 200 && status < 300 : (Array.isArray(accepted) ? accepted : [accepted]).map(Number).includes(status));
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const r = lib.request(url, { method: String(req.method ?? 'GET'), headers, timeout: timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (text.length < maxBody) text += d;
      });
      res.on('end', () => (ok(res.statusCode ?? 0) ? resolve({ status: res.statusCode ?? 0, text: text.slice(0, maxBody) }) : reject(new Error(`${String(req.method ?? 'GET')} ${url.href} answered ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`))));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`${String(req.method ?? 'GET')} ${url.href} gave no answer within ${formatDuration(timeoutMs)}`)));
    r.on('error', (e) => reject(new Error(e.message.startsWith(String(req.method ?? 'GET')) ? e.message : `${String(req.method ?? 'GET')} ${url.href}: ${e.message}`)));
    if (body !== undefined) r.write(body);
    r.end();
  });
}

/** Waits `msToWait`, or until `signal` aborts. */
export function sleep(msToWait: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, msToWait);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * A step performed by a command or a request of its own (run, http) as the
 * drill drives it: `act` gives how many tries it took, the undo is the step's
 * `undo` (a command or a request; none when it has neither), and the message
 * says when it took more than one try.
 */
export function retriedMutation(act: () => Promise<number>, undo: unknown, setup: StepSetup, timeoutMs: number, retry: { retries: number }, values: Record<string, unknown>, unavailable: Unavailable) {
  return {
    act,
    // an undo runs even after a cancel (that is when it matters), bounded by the step's timeout
    ...(typeof undo === 'string' || obj(undo).url ? { undo: () => undoOf(undo, setup, timeoutMs, values, unavailable) } : {}),
    said: (tries: unknown) => ((tries as number) > 1 ? `succeeded on try ${String(tries)} of ${retry.retries + 1}` : undefined),
  };
}
