// One shell command with a time limit: run in its own process group (the
// whole tree is killed on timeout or cancel), stdin closed, the start of
// stdout and the tail of stderr kept. Dry-run checks and drill steps use it.
import { formatDuration } from '../core/values';
import { ProcessRun } from './sources/process';

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
  const result = { ms: Date.now() - started, output: out.trim().slice(0, 2000) };
  if (timedOut) return { ...result, status: 'timeout', code: -1, reason: `did not finish within ${formatDuration(o.timeoutMs)}; killed` };
  if (o.signal?.aborted) return { ...result, status: 'cancelled', code: -1, reason: 'cancelled' };
  if (status.error) return { ...result, status: 'spawn', code: -1, reason: `could not start: ${status.error.message}` };
  if (status.code !== 0) {
    const tail = run.stderrTail();
    return { ...result, status: 'exit', code: status.code ?? -1, reason: `exited with code ${status.code ?? status.signal}${tail ? `: ${tail}` : ''}` };
  }
  return { ...result, status: 'ok', code: 0, reason: 'ok' };
}
