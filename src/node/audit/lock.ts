// The audit log's cross-process lock, held by every append (append.ts) so that
// the previous line read for `prev` is still the last line when the record
// lands; exported for tools that must hold it. The protocol:
//   1. the lock is `.rollback-lens/audit.jsonl.lock`, created with
//      open(O_CREAT|O_EXCL) ('wx'), holding {"pid","host","time","token"};
//   2. when it exists, its holder is checked: on this host, a lock whose pid is
//      dead is stale; a lock from another host is stale when older than
//      `staleLockMs` (default 30 s); an empty or unreadable one (its creator
//      died between the open and the write of its owner) after 2 s. A live
//      holder on this host is never overridden (an append holds the lock for
//      milliseconds; breaking a live lock could fork the chain);
//   3. a stale lock is removed under a second lock (`…lock.break`, also 'wx'):
//      re-read, and removed only if it is still the same file with the same
//      content, so two waiters cannot both remove a stale lock and a fresh one;
//   4. otherwise wait with a randomized, growing delay (2..25 ms) and retry,
//      up to `lockTimeoutMs` (default 10 s), then fail with AuditError
//      'lock-timeout' naming the holder.
// Released by removing it, and only when it is still ours (its token). A
// process killed while holding it leaves a stale lock with its dead pid, which
// the next append recovers.
import { randomUUID } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditError, auditLogPath } from './record';

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
export const DEFAULT_STALE_LOCK_MS = 30_000;
/** A lock with no readable owner is stale after this long (or staleLockMs, if shorter). */
export const EMPTY_LOCK_STALE_MS = 2_000;

export interface LockOptions {
  /** How long to wait for a live holder, in ms (default DEFAULT_LOCK_TIMEOUT_MS). */
  lockTimeoutMs?: number;
  /** Age after which a lock held on another host, or a lock breaker left behind, is stale, in ms (default DEFAULT_STALE_LOCK_MS). */
  staleLockMs?: number;
}

export function auditLockPath(workspaceRoot: string): string {
  return auditLogPath(workspaceRoot) + '.lock';
}

export interface AuditLock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  time: string;
  token: string;
}

/**
 * Takes the audit log's exclusive lock (see the protocol at the top of this
 * file). Exported for tools that must hold it; appendAuditRecord takes it itself.
 */
export async function acquireAuditLock(workspaceRoot: string, options: LockOptions = {}): Promise<AuditLock> {
  const lockPath = auditLockPath(workspaceRoot);
  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = options.staleLockMs ?? DEFAULT_STALE_LOCK_MS;
  const deadline = Date.now() + timeoutMs;
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), time: '', token: randomUUID() };
  let delay = 2;
  let madeDir = false;
  for (;;) {
    owner.time = new Date().toISOString();
    let created: boolean;
    try {
      created = await createLockFile(lockPath, JSON.stringify(owner));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !madeDir) {
        // .rollback-lens/ in the workspace, which must exist (it is not created)
        madeDir = true;
        await fs.mkdir(path.dirname(lockPath)).catch((e2: NodeJS.ErrnoException) => {
          if (e2.code !== 'EEXIST') throw new AuditError('io', `cannot create ${path.dirname(lockPath)}: ${e2.message}`);
        });
        continue;
      }
      throw new AuditError('io', `cannot create the audit log lock ${lockPath}: ${(e as Error).message}`);
    }
    if (created) return { path: lockPath, release: () => releaseLock(lockPath, owner.token) };
    const held = await inspectLock(lockPath, staleMs);
    if (held === 'gone') continue;
    if (held.stale) {
      await breakStaleLock(lockPath, held, staleMs);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new AuditError(
        'lock-timeout',
        `timed out after ${timeoutMs} ms waiting for the audit log lock ${lockPath} (${held.holder}); if no rollback-lens process is running, delete the lock file`,
      );
    }
    await sleep(delay / 2 + Math.random() * (delay / 2));
    delay = Math.min(delay * 2, 25);
  }
}

/**
 * Creates the lock file with its owner, or returns false when it exists. The
 * file is empty between the open and the write: a process killed there (in
 * practice: during the open() itself, which can wait for the file system's
 * journal) leaves a lock without an owner, which only its age clears.
 */
async function createLockFile(lockPath: string, content: string): Promise<boolean> {
  let h: FileHandle;
  try {
    h = await fs.open(lockPath, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await h.write(content);
  } catch (e) {
    await h.close().catch(() => undefined);
    await fs.rm(lockPath, { force: true });
    throw e;
  }
  await h.close();
  return true;
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  // remove only our own lock: never someone else's after ours was (wrongly) broken
  const raw = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
  if (raw !== undefined && parseOwner(raw)?.token === token) await unlinkQuietly(lockPath);
}

interface HeldLock {
  stale: boolean;
  holder: string;
  ino: number;
  mtimeMs: number;
  raw: string;
}

async function inspectLock(lockPath: string, staleMs: number): Promise<HeldLock | 'gone'> {
  let st: Stats;
  let raw: string;
  try {
    st = await fs.stat(lockPath);
    raw = await fs.readFile(lockPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw new AuditError('io', `cannot read the audit log lock ${lockPath}: ${(e as Error).message}`);
  }
  const owner = parseOwner(raw);
  const age = Date.now() - st.mtimeMs;
  if (owner && owner.host === os.hostname()) {
    return { stale: !isAlive(owner.pid), holder: `held by pid ${owner.pid} since ${owner.time}`, ino: st.ino, mtimeMs: st.mtimeMs, raw };
  }
  if (owner) return { stale: age > staleMs, holder: `held by pid ${owner.pid} on ${owner.host} since ${owner.time}`, ino: st.ino, mtimeMs: st.mtimeMs, raw };
  // no owner written: its creator died between creating and writing it (a lock is empty only that long), or it was damaged
  return { stale: age > Math.min(staleMs, EMPTY_LOCK_STALE_MS), holder: `holder unknown, created ${new Date(st.mtimeMs).toISOString()}`, ino: st.ino, mtimeMs: st.mtimeMs, raw };
}

function parseOwner(raw: string): LockOwner | undefined {
  try {
    const o = JSON.parse(raw) as Partial<LockOwner>;
    if (Number.isInteger(o.pid) && typeof o.host === 'string' && typeof o.time === 'string' && typeof o.token === 'string') return o as LockOwner;
  } catch {
    // empty (its creator has not written it yet, or died first) or damaged
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a stale lock, unless another waiter already replaced it. */
async function breakStaleLock(lockPath: string, seen: HeldLock, staleMs: number): Promise<void> {
  const breaker = lockPath + '.break';
  let h: FileHandle;
  try {
    h = await fs.open(breaker, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new AuditError('io', `cannot create ${breaker}: ${(e as Error).message}`);
    // another waiter is breaking it; a breaker left by a process that died doing so is itself stale after staleMs
    const st = await fs.stat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > staleMs) await fs.rm(breaker, { force: true });
    else await sleep(1 + Math.random() * 4);
    return;
  }
  await h.close();
  try {
    const st = await fs.stat(lockPath).catch(() => undefined);
    const raw = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    if (st && raw === seen.raw && st.ino === seen.ino && st.mtimeMs === seen.mtimeMs) await unlinkQuietly(lockPath);
  } finally {
    await unlinkQuietly(breaker);
  }
}

async function unlinkQuietly(file: string): Promise<void> {
  await fs.unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw new AuditError('io', `cannot remove ${file}: ${e.message}`);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
