// One run of a shell command in its own process group, so that the whole
// tree it starts (the shell, the model, anything the model spawns) can be
// killed at once: SIGTERM to the group, SIGKILL after a grace period.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';

export const STDERR_TAIL_BYTES = 8 * 1024;
export const DEFAULT_KILL_GRACE_MS = 2000;
/** How long we wait for a SIGKILLed group to be gone before giving up. */
const KILL_WAIT_MS = 5000;
const POLL_MS = 20;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started. */
  error?: Error;
}

export interface ProcessRunOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  killGraceMs?: number;
}

export class ProcessRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** Process group id (= the shell's pid), undefined when the spawn failed. */
  readonly pgid: number | undefined;
  /** Resolves when the shell has exited (or could not start). */
  readonly exit: Promise<ExitStatus>;
  private tail: Buffer = Buffer.alloc(0);
  private tailDropped = false;
  private killing: Promise<void> | undefined;
  private leftovers: Promise<void> | undefined;
  private readonly grace: number;
  private readonly stderrClosed: Promise<void>;

  constructor(options: ProcessRunOptions) {
    this.grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    // detached: the shell leads a new process group (and session), so kill(-pgid) reaches its whole tree
    this.child = spawn('/bin/sh', ['-c', options.command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pgid = this.child.pid;
    this.exit = new Promise<ExitStatus>((resolve) => {
      this.child.once('error', (error) => resolve({ code: null, signal: null, error }));
      this.child.once('exit', (code, signal) => {
        resolve({ code, signal });
        // whatever the command left running in its group must not outlive it
        this.leftovers = this.killGroup();
      });
    });
    this.child.stdin.on('error', () => {
      /* EPIPE when the command exits before reading all its input: its exit status tells the story */
    });
    this.stderrClosed = new Promise((resolve) => this.child.stderr.once('close', () => resolve()));
    this.child.stderr.on('data', (chunk: Buffer) => {
      const all = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
      if (all.length > STDERR_TAIL_BYTES) {
        this.tail = Buffer.from(all.subarray(all.length - STDERR_TAIL_BYTES));
        this.tailDropped = true;
      } else {
        this.tail = all === chunk ? Buffer.from(chunk) : all;
      }
    });
  }

  /** The last 8 KiB of stderr, trimmed; `…` in front when earlier output was dropped. */
  stderrTail(): string {
    let b = this.tail;
    if (this.tailDropped) {
      // do not start in the middle of a UTF-8 character
      let i = 0;
      while (i < b.length && i < 4 && (b[i]! & 0xc0) === 0x80) i++;
      b = b.subarray(i);
    }
    const text = b.toString('utf8').trim();
    return this.tailDropped && text ? `…${text}` : text;
  }

  /** Kills the whole tree (idempotent) and stops reading its output; resolves once no process of the group is alive. */
  kill(): Promise<void> {
    this.killing ??= this.killGroup().then(() => {
      // a process that left the group (setsid) may still hold the pipes
      this.child.stdout.destroy();
      this.child.stderr.destroy();
      this.child.stdin.destroy();
    });
    return this.killing;
  }

  /** Resolves once processes the command left behind when it exited are gone, and all of stderr is read. */
  async settled(): Promise<void> {
    await this.exit;
    await this.leftovers;
    await this.killing;
    await this.stderrClosed;
  }

  private async killGroup(): Promise<void> {
    const pgid = this.pgid;
    if (pgid === undefined || !(await groupAlive(pgid))) return;
    signalGroup(pgid, 'SIGTERM');
    if (await waitGone(pgid, this.grace)) return;
    signalGroup(pgid, 'SIGKILL');
    await waitGone(pgid, KILL_WAIT_MS);
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* ESRCH: already gone */
  }
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (!(await groupAlive(pgid))) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Whether a process of the group is still running. Zombies do not count: an
 * orphan that was killed is reaped by init, which some containers' init does
 * only every second or two, and until then kill(-pgid, 0) still succeeds.
 */
export async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  return (await liveMembers(pgid)).length > 0;
}

/** Pids of the group's processes that are not zombies (Linux, from /proc). */
export async function liveMembers(pgid: number): Promise<number[]> {
  let names: string[];
  try {
    names = await fs.readdir('/proc');
  } catch {
    return [pgid];
  }
  const live: number[] = [];
  await Promise.all(
    names.map(async (name) => {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) return;
      let stat: string;
      try {
        stat = await fs.readFile(`/proc/${name}/stat`, 'utf8');
      } catch {
        return; // gone meanwhile
      }
      // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') live.push(Number(name));
    }),
  );
  return live;
}
