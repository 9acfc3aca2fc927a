// The audit log: `.rollback-lens/audit.jsonl` in the workspace root, one JSON
// record per dry-run, drill, contract test, approval and sign-off.
//
// Record format (version 1), one per line, `\n`-terminated, UTF-8:
//   { "v": 1, "time": ISO 8601 UTC, "kind": dry-run|drill|contract-test|approval|sign-off,
//     "path": workspace-relative posix path of the runbook or contract,
//     "digest": "sha256:<hex>" of the file's bytes at append time, or null (unreadable),
//     "commit": git commit of the workspace (HEAD), or null (not a repository),
//     "user": who ran it, "verdict": the outcome (pass, fail, error, approved, ...),
//     optional "timings" (name -> milliseconds), "findings" (a summary object),
//     any further fields the caller adds, and last
//     "prev": "sha256:<hex>" }
//
// The chain: `prev` is the SHA-256 of the previous line's exact bytes, without
// its `\n` (whatever those bytes are: a record, a corrupted line, a blank
// line); the first line's `prev` is GENESIS (`sha256:` and 64 zeros). Verifying
// never re-serializes a record, so field order and spacing are whatever was
// written. Changing, removing or inserting a line breaks the `prev` of the line
// after it. What the chain cannot see: lines changed or removed at the end (no
// line after them carries their hash), and a whole log rewritten with every
// `prev` recomputed. Two checks of verify close part of that gap:
//   - git history: every version of the log that HEAD's history committed
//     (the newest `maxCommits` commits that changed it), and the staged one,
//     must be a byte prefix of the file: a committed line cannot change or go
//     away. The first (oldest) version the file contradicts is named, with the
//     line. Contents are streamed from one `git cat-file --batch` and compared
//     with the file chunk by chunk. No repository, or the log not in git: the
//     check is "not checked", never passed.
//   - expected head: a head kept elsewhere (`audit head` prints it) must be the
//     hash of a line of the log: the last one, or an earlier one when records
//     were appended since (those are covered only by the chain).
// Neither proves who wrote a record, nor anything about lines appended after
// the last commit and the last kept head.
//
// Appending (appendAuditRecord) happens under an exclusive lock, so that the
// previous line read for `prev` is still the last line when the record lands:
//   1. the lock is `.rollback-lens/audit.jsonl.lock`, created with
//      open(O_CREAT|O_EXCL) ('wx'), holding {"pid","host","time","token"};
//      within one process, appends to a log are also queued in memory;
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
//      'lock-timeout' naming the holder;
//   5. holding the lock: open the log with O_APPEND; if it does not end in a
//      newline, an earlier append was interrupted: a tail that is a whole JSON
//      object only lost its newline and is completed; any other tail is cut
//      off (saved first to `audit.jsonl.torn`, one JSON line per fragment);
//      hash the last line for `prev`; write the record and its `\n` in ONE
//      write(); on a short or failed write, truncate back; fdatasync (unless
//      `durable: false`); close; remove the lock.
// A process killed at any point leaves whole records plus at most one partial
// last line (ignored by readers, repaired by the next append) and, maybe, a
// stale lock with its dead pid (recovered by the next append).
//
// Appending after a corrupted line is allowed: the new record chains to the
// corrupted line's bytes, so the chain stays checkable and verify keeps
// reporting the corruption at its own line.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { blobIds, commitsChanging, GitError, headCommitFromFiles, readBlobs, repoOf, type FileCommit } from './git';
import { isWithin, toWorkspacePath } from './host';
import { sha256File } from './jsonl';

export const AUDIT_LOG = '.rollback-lens/audit.jsonl';
export const AUDIT_VERSION = 1;
export const GENESIS = `sha256:${'0'.repeat(64)}`;
export const AUDIT_KINDS = ['dry-run', 'drill', 'contract-test', 'approval', 'sign-off'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
/** Largest record line appended, and largest line parsed when reading, in bytes without the newline. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Fields every stored record has (digest and commit may be null). */
export const REQUIRED_FIELDS = ['v', 'time', 'kind', 'path', 'digest', 'commit', 'user', 'verdict', 'prev'] as const;

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
export const DEFAULT_STALE_LOCK_MS = 30_000;
/** A lock with no readable owner is stale after this long (or staleLockMs, if shorter). */
export const EMPTY_LOCK_STALE_MS = 2_000;

/** A stored record. */
export interface AuditRecord {
  v: 1;
  /** ISO 8601 UTC with milliseconds. */
  time: string;
  kind: AuditKind;
  /** Workspace-relative posix path. */
  path: string;
  digest: string | null;
  commit: string | null;
  user: string;
  verdict: string;
  /** Durations in milliseconds, by phase (detect, decide, execute, verify, total, ...). */
  timings?: Record<string, number>;
  /** A summary of the findings (counts, failed tests, ...). */
  findings?: Record<string, unknown>;
  prev: string;
  [extra: string]: unknown;
}

/** What a caller appends: the log adds v, time, prev and, unless given, digest, commit and user. */
export interface AuditInput {
  kind: AuditKind;
  /** The runbook or contract: workspace-relative, or absolute inside the workspace. */
  path: string;
  verdict: string;
  /** Default: SHA-256 of the file's bytes now, null when it cannot be read. */
  digest?: string | null;
  /** Default: the workspace's git HEAD commit, null when not a repository. */
  commit?: string | null;
  /** Default: the OS user name. */
  user?: string;
  timings?: Record<string, number>;
  findings?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface AppendOptions {
  /** Clock for `time` (epoch ms). */
  now?: () => number;
  lockTimeoutMs?: number;
  staleLockMs?: number;
  /** fdatasync after each append (default true). */
  durable?: boolean;
}

export type AuditErrorKind = 'invalid' | 'lock-timeout' | 'io';

export class AuditError extends Error {
  constructor(
    readonly kind: AuditErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function auditLogPath(workspaceRoot: string): string {
  return path.join(path.resolve(workspaceRoot), ...AUDIT_LOG.split('/'));
}

export function auditLockPath(workspaceRoot: string): string {
  return auditLogPath(workspaceRoot) + '.lock';
}

// ---- appending ----------------------------------------------------------------------------

const RESERVED = new Set(['v', 'time', 'prev']);
const HASH_RE = /^sha256:[0-9a-f]{64}$/;

/** Appends one record; resolves with the record exactly as stored. */
export async function appendAuditRecord(workspaceRoot: string, input: AuditInput, options: AppendOptions = {}): Promise<AuditRecord> {
  const root = path.resolve(workspaceRoot);
  checkInput(input);
  const rel = await workspacePath(root, input);
  const now = (options.now ?? Date.now)();
  // the slow parts (hashing, git, user) happen before taking the lock
  const [digest, commit] = await Promise.all([
    input.digest !== undefined ? input.digest : sha256File(path.join(root, ...rel.split('/'))).catch(() => null),
    input.commit !== undefined ? input.commit : headCommitFromFiles(root),
  ]);
  const { kind, path: _path, verdict, digest: _d, commit: _c, user, timings, findings, ...extra } = input;
  const body = {
    v: AUDIT_VERSION,
    time: new Date(now).toISOString(),
    kind,
    path: rel,
    digest,
    commit,
    user: user ?? currentUser(),
    verdict,
    ...(timings !== undefined ? { timings } : {}),
    ...(findings !== undefined ? { findings } : {}),
    ...extra,
  };
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(body)) + `,"prev":"${GENESIS}"`.length;
  } catch (e) {
    throw new AuditError('invalid', `the record cannot be written as JSON: ${(e as Error).message}`);
  }
  if (size > MAX_RECORD_BYTES) throw new AuditError('invalid', `the record is ${size} bytes; at most ${MAX_RECORD_BYTES} are allowed`);
  const file = auditLogPath(root);
  return queued(file, async () => {
    const lock = await acquireAuditLock(root, options);
    try {
      return await appendLocked(file, body, options.durable ?? true);
    } finally {
      await lock.release();
    }
  });
}

async function workspacePath(root: string, input: AuditInput): Promise<string> {
  if (typeof input?.path !== 'string' || input.path === '') throw new AuditError('invalid', 'an audit record needs `path`: the runbook or contract it is about');
  const abs = path.resolve(root, input.path);
  let base = root;
  if (!isWithin(base, abs)) {
    base = await fs.realpath(root).catch(() => root);
    if (!isWithin(base, abs)) throw new AuditError('invalid', `\`path\` ${input.path} is outside the workspace ${root}`);
  }
  const rel = toWorkspacePath(base, abs);
  if (rel === '') throw new AuditError('invalid', '`path` must name a file in the workspace, not the workspace itself');
  return rel;
}

function checkInput(input: AuditInput): void {
  if (!isPlainObject(input)) throw new AuditError('invalid', 'an audit record must be an object');
  if (!(AUDIT_KINDS as readonly unknown[]).includes(input.kind)) {
    throw new AuditError('invalid', `\`kind\` must be one of ${AUDIT_KINDS.join(', ')}, not ${JSON.stringify(input.kind)}`);
  }
  if (typeof input.verdict !== 'string' || input.verdict === '') throw new AuditError('invalid', 'an audit record needs `verdict`: a non-empty string');
  for (const k of Object.keys(input)) {
    if (RESERVED.has(k)) throw new AuditError('invalid', `\`${k}\` is set by the audit log, not by the caller`);
  }
  if (input.digest != null && (typeof input.digest !== 'string' || !HASH_RE.test(input.digest))) {
    throw new AuditError('invalid', '`digest` must be sha256:<64 lowercase hex digits> or null');
  }
  if (input.commit != null && (typeof input.commit !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(input.commit))) {
    throw new AuditError('invalid', '`commit` must be a full git commit id (40 or 64 lowercase hex digits) or null');
  }
  if (input.user !== undefined && (typeof input.user !== 'string' || input.user === '')) throw new AuditError('invalid', '`user` must be a non-empty string');
  if (input.timings !== undefined) {
    if (!isPlainObject(input.timings)) throw new AuditError('invalid', '`timings` must be an object of durations in milliseconds');
    for (const [k, ms] of Object.entries(input.timings)) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new AuditError('invalid', `\`timings.${k}\` must be a duration in milliseconds (a finite number >= 0)`);
    }
  }
  if (input.findings !== undefined && !isPlainObject(input.findings)) throw new AuditError('invalid', '`findings` must be an object');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The OS user name; USER/LOGNAME/USERNAME when the OS has no entry; else "unknown". */
export function currentUser(): string {
  return (userName ??= osUser() || process.env.USER || process.env.LOGNAME || process.env.USERNAME || 'unknown');
}
let userName: string | undefined;
function osUser(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined; // no passwd entry (some containers)
  }
}

async function appendLocked(file: string, body: Record<string, unknown>, durable: boolean): Promise<AuditRecord> {
  const h = await fs.open(file, 'a+');
  try {
    let size = (await h.stat()).size;
    let tail = await readRange(h, Math.max(0, size - CHUNK), size);
    if (size > 0 && tail[tail.length - 1] !== NL) {
      size = await repairTail(h, file, size);
      tail = await readRange(h, Math.max(0, size - CHUNK), size);
    }
    const prev = size === 0 ? GENESIS : await lastLineHash(h, size, tail);
    const record = { ...body, prev } as AuditRecord;
    const line = JSON.stringify(record);
    const bytes = Buffer.from(line + '\n', 'utf8');
    if (bytes.length - 1 > MAX_RECORD_BYTES) throw new AuditError('invalid', `the record is ${bytes.length - 1} bytes; at most ${MAX_RECORD_BYTES} are allowed`);
    let written = 0;
    try {
      ({ bytesWritten: written } = await h.write(bytes, 0, bytes.length, null));
    } catch (e) {
      await h.truncate(size).catch(() => undefined);
      throw new AuditError('io', `cannot append to ${file}: ${(e as Error).message}`);
    }
    if (written !== bytes.length) {
      await h.truncate(size).catch(() => undefined);
      throw new AuditError('io', `cannot append to ${file}: only ${written} of ${bytes.length} bytes were written`);
    }
    if (durable) {
      await h.datasync().catch((e: Error) => {
        throw new AuditError('io', `appended to ${file}, but could not flush it to disk: ${e.message}`);
      });
    }
    return record;
  } finally {
    await h.close();
  }
}

const NL = 0x0a;
const CHUNK = 64 * 1024;

/** SHA-256 of the last line of a file of `size` bytes ending in a newline, whose last bytes are `tail`. */
async function lastLineHash(h: FileHandle, size: number, tail: Buffer): Promise<string> {
  const i = tail.length >= 2 ? tail.lastIndexOf(NL, tail.length - 2) : -1;
  if (i !== -1 || tail.length === size) return `sha256:${createHash('sha256').update(tail.subarray(i + 1, tail.length - 1)).digest('hex')}`;
  // a line longer than the tail read
  return hashRange(h, await lineStartBefore(h, size - tail.length), size - 1);
}

/** Offset of the first byte of the line holding byte `pos` (the byte after the previous newline, or 0). */
async function lineStartBefore(h: FileHandle, pos: number): Promise<number> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let end = pos; // exclusive: search bytes [0, end)
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await h.read(buf, 0, end - start, start);
    const i = buf.subarray(0, bytesRead).lastIndexOf(NL);
    if (i !== -1) return start + i + 1;
    end = start;
  }
  return 0;
}

async function readRange(h: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(end - start);
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await h.read(buf, off, buf.length - off, start + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

async function hashRange(h: FileHandle, start: number, end: number): Promise<string> {
  const hash = createHash('sha256');
  for (let p = start; p < end; p += CHUNK) hash.update(await readRange(h, p, Math.min(end, p + CHUNK)));
  return `sha256:${hash.digest('hex')}`;
}

/** Largest torn tail kept in `audit.jsonl.torn` (the rest is only counted). */
const MAX_TORN_SAVED = 4 * 1024 * 1024;

/**
 * The log does not end in a newline: an append was interrupted. A tail that is
 * a whole JSON object only lost its newline: complete it. Anything else is a
 * partial record: save it to audit.jsonl.torn, then cut it off. Returns the new size.
 */
async function repairTail(h: FileHandle, file: string, size: number): Promise<number> {
  const start = await lineStartBefore(h, size);
  const length = size - start;
  if (length <= MAX_RECORD_BYTES) {
    const tail = await readRange(h, start, size);
    if (isJsonObject(tail)) {
      await h.write(Buffer.from('\n'), 0, 1, null);
      return size + 1;
    }
  }
  const kept = await readRange(h, start, start + Math.min(length, MAX_TORN_SAVED));
  const note = { time: new Date().toISOString(), offset: start, length, base64: kept.toString('base64'), ...(kept.length < length ? { truncated: true } : {}) };
  await fs.appendFile(file + '.torn', JSON.stringify(note) + '\n');
  await h.truncate(start);
  return start;
}

function isJsonObject(bytes: Buffer): boolean {
  const text = decodeUtf8(bytes);
  if (text === undefined) return false;
  try {
    return isPlainObject(JSON.parse(text));
  } catch {
    return false;
  }
}

const COMMIT_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Appends to one log from this process, one at a time (the file lock does the same across processes). */
const inProcess = new Map<string, Promise<void>>();
async function queued<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = inProcess.get(key) ?? Promise.resolve();
  let done!: () => void;
  const gate = new Promise<void>((r) => (done = r));
  const mine = before.then(() => gate);
  inProcess.set(key, mine);
  await before;
  try {
    return await fn();
  } finally {
    done();
    if (inProcess.get(key) === mine) inProcess.delete(key);
  }
}

// ---- the lock ----------------------------------------------------------------------------------

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
export async function acquireAuditLock(workspaceRoot: string, options: Pick<AppendOptions, 'lockTimeoutMs' | 'staleLockMs'> = {}): Promise<AuditLock> {
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

// ---- reading and verifying ---------------------------------------------------------------

export interface AuditEntry {
  /** 1-based line number. */
  line: number;
  record: AuditRecord;
  /** SHA-256 of the line's bytes: the next record's `prev`. */
  hash: string;
}

export interface AuditProblem {
  line: number;
  reason: string;
}

export interface AuditLog {
  /** Absolute path of the log. */
  file: string;
  exists: boolean;
  /** Well-formed records, in file order (their chain link may still be broken: see problems). */
  entries: AuditEntry[];
  /** Every line that is not a well-formed record or does not chain to the line before, in file order. */
  problems: AuditProblem[];
  /** Complete lines read (a completed JSON tail counts; an incomplete one does not). */
  lines: number;
  /** An interrupted append's partial last line (no newline, not a JSON object): ignored; the next append removes it. */
  incompleteTail?: { line: number; bytes: number };
  /** Hash of the last line (what the next record's `prev` will be); GENESIS for an empty log. */
  head: string;
}

/** Reads the whole log, tolerantly: records, and problems with their line numbers. A missing log is an empty one. */
export async function readAuditLog(workspaceRoot: string): Promise<AuditLog> {
  const entries: AuditEntry[] = [];
  const log = await scanAuditLog(auditLogPath(workspaceRoot), (e) => entries.push(e));
  return { ...log, entries };
}

export type AuditCheckName = 'hash-chain' | 'git-history' | 'expected-head';

/** One check of verify: passed, failed, or not checked (and why not: never counted as passed). */
export interface AuditCheck {
  check: AuditCheckName;
  status: 'passed' | 'failed' | 'not-checked';
  message: string;
  /** The log's line where it failed (1-based). */
  line?: number;
  /** git-history: the commit whose version the file contradicts. */
  commit?: string;
}

export interface AuditVerification {
  /** No check failed. */
  ok: boolean;
  file: string;
  exists: boolean;
  /** Number of well-formed records. */
  records: number;
  lines: number;
  /** The first line that is not a well-formed record or breaks the chain. */
  firstBroken?: AuditProblem;
  problems: AuditProblem[];
  incompleteTail?: { line: number; bytes: number };
  head: string;
  /** hash-chain, git-history, expected-head: in that order, each with what it found. */
  checks: AuditCheck[];
}

export interface VerifyOptions {
  /** Compare the log with its git history (default true). */
  history?: boolean;
  /** A head kept elsewhere: `sha256:<hex>` or the hex alone. */
  expectHead?: string;
  /** Compare at most this many of the newest commits that changed the log (default DEFAULT_MAX_COMMITS). */
  maxCommits?: number;
}

export const DEFAULT_MAX_COMMITS = 1000;

/** A head as `sha256:<64 lowercase hex>`, from that form or the hex alone (either case); undefined when it is neither. */
export function parseHead(text: string): string | undefined {
  const m = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(text.trim());
  return m ? `sha256:${m[1]!.toLowerCase()}` : undefined;
}

/**
 * Checks every line and the chain, the log against its git history, and the
 * head against `expectHead`; ok when no check failed (an incomplete last line
 * is not a break; a check that could not run is "not-checked", not a pass).
 */
export async function verifyAuditLog(workspaceRoot: string, options: VerifyOptions = {}): Promise<AuditVerification> {
  let expected: string | undefined;
  if (options.expectHead !== undefined) {
    expected = parseHead(options.expectHead);
    if (!expected) throw new AuditError('invalid', `the expected head must be sha256:<64 hex digits> or the 64 hex digits alone, not \`${options.expectHead}\``);
  }
  let records = 0;
  let foundAt: number | undefined = expected === GENESIS ? 0 : undefined;
  const file = auditLogPath(workspaceRoot);
  const log = await scanAuditLog(
    file,
    () => records++,
    (line, hash) => {
      if (hash === expected) foundAt = line;
    },
  );
  const checks: AuditCheck[] = [chainCheck(log, records)];
  checks.push(
    options.history === false
      ? { check: 'git-history', status: 'not-checked', message: 'no git history to compare: not asked for' }
      : await historyCheck(path.resolve(workspaceRoot), file, log.exists, options.maxCommits ?? DEFAULT_MAX_COMMITS),
  );
  checks.push(headCheck(expected, foundAt, log.lines, log.head));
  return {
    ok: checks.every((c) => c.status !== 'failed'),
    file: log.file,
    exists: log.exists,
    records,
    lines: log.lines,
    ...(log.problems[0] ? { firstBroken: log.problems[0] } : {}),
    problems: log.problems,
    ...(log.incompleteTail ? { incompleteTail: log.incompleteTail } : {}),
    head: log.head,
    checks,
  };
}

/** The head of the log (the hash of its last line: the next record's `prev`; GENESIS when empty or missing) and its number of lines. */
export async function auditHead(workspaceRoot: string): Promise<{ file: string; exists: boolean; head: string; lines: number }> {
  const log = await scanAuditLog(auditLogPath(workspaceRoot), () => undefined);
  return { file: log.file, exists: log.exists, head: log.head, lines: log.lines };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function chainCheck(log: Omit<AuditLog, 'entries'>, records: number): AuditCheck {
  if (log.problems.length === 0) return { check: 'hash-chain', status: 'passed', message: `${plural(records, 'record')}, each chained to the line before it` };
  const first = log.problems[0]!;
  return { check: 'hash-chain', status: 'failed', message: `${plural(log.problems.length, 'broken line')}, the first at line ${first.line}`, line: first.line };
}

function headCheck(expected: string | undefined, foundAt: number | undefined, lines: number, head: string): AuditCheck {
  if (expected === undefined) return { check: 'expected-head', status: 'not-checked', message: 'no head kept elsewhere was given (--expect-head; `audit head` prints the current one)' };
  if (foundAt === undefined) {
    return {
      check: 'expected-head',
      status: 'failed',
      message: `${expected} is not the hash of any line of the log: lines at the end were changed or removed, or the log was rewritten (its last line's hash is ${head})`,
    };
  }
  if (foundAt === lines) {
    return { check: 'expected-head', status: 'passed', message: lines === 0 ? 'the log is empty, and the expected head is the genesis value' : "the last line's hash is the expected head" };
  }
  const after = lines - foundAt;
  const where = foundAt === 0 ? 'the genesis value (kept before the first record)' : `the hash of line ${foundAt}`;
  return {
    check: 'expected-head',
    status: 'passed',
    message: `the expected head is ${where}: the ${plural(after, 'line')} after it ${after === 1 ? 'was' : 'were'} appended after that head was kept, and ${after === 1 ? 'is' : 'are'} covered only by the chain`,
  };
}

/** A version of the log in git: committed (with its commit) or staged. */
interface GitVersion {
  oid: string;
  size: number;
  commit?: FileCommit;
}

/** Every committed version (the newest maxCommits) and the staged one must be a byte prefix of the file. */
async function historyCheck(root: string, file: string, exists: boolean, maxCommits: number): Promise<AuditCheck> {
  const notChecked = (why: string): AuditCheck => ({ check: 'git-history', status: 'not-checked', message: `no git history to compare: ${why}` });
  let rel: string;
  let top: string;
  let commits: FileCommit[];
  let more: boolean;
  let ids: Array<{ oid: string; size: number } | undefined>;
  try {
    const repo = await repoOf(root);
    top = repo.root;
    rel = repo.prefix + AUDIT_LOG;
    ({ commits, more } = await commitsChanging(top, rel, Math.max(1, maxCommits)));
    commits.reverse(); // oldest first: the first version the file contradicts is the one named
    ids = await blobIds(top, [...commits.map((c) => `${c.id}:${rel}`), `:${rel}`]);
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    if (e.kind === 'not-a-repository') return notChecked('the workspace is not in a git repository');
    if (e.kind === 'git-missing') return notChecked(e.message);
    return notChecked(`git failed: ${e.message}`);
  }
  const versions: GitVersion[] = [];
  const seen = new Set<string>();
  let committed = 0;
  commits.forEach((c, i) => {
    const id = ids[i];
    if (!id) return; // the log was deleted in this commit
    committed++;
    if (!seen.has(id.oid)) versions.push({ ...id, commit: c });
    seen.add(id.oid);
  });
  const staged = ids[commits.length];
  const stagedOwn = staged !== undefined && !seen.has(staged.oid);
  if (staged && stagedOwn) versions.push({ ...staged });
  if (versions.length === 0) return notChecked(`the log is not tracked by git (commit ${rel} to have its history checked)`);

  const failure = await firstNotPrefix(top, file, exists, versions);
  if (failure) return failure;
  const newest = commits.filter((_, i) => ids[i]).at(-1);
  let message: string;
  if (committed === 0) message = 'the staged version of the log is a prefix of the file (no commit of it yet)';
  else {
    const which = committed === 1 ? named(newest!) : `the newest ${named(newest!)}`;
    const many = committed > 1 || stagedOwn;
    message = `the ${plural(committed, 'committed version')} of the log, ${which},${stagedOwn ? ' and the staged one' : ''} ${many ? 'are prefixes' : 'is a prefix'} of the file`;
    if (more) message += `; only the newest ${commits.length} commits that changed it were compared`;
  }
  return { check: 'git-history', status: 'passed', message };
}

function named(c: FileCommit): string {
  return `${c.id.slice(0, 12)} (${c.date}, ${JSON.stringify(c.subject)})`;
}

/** Streams each version from git and compares it with the file's bytes; the first that is not a prefix, as a failed check. */
async function firstNotPrefix(top: string, file: string, exists: boolean, versions: GitVersion[]): Promise<AuditCheck | undefined> {
  let h: FileHandle | undefined;
  let size = 0;
  if (exists) {
    try {
      h = await fs.open(file, 'r');
      size = (await h.stat()).size;
    } catch (e) {
      throw new AuditError('io', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  const cur = Buffer.allocUnsafe(CHUNK);
  let failure: AuditCheck | undefined;
  try {
    await readBlobs(
      top,
      versions.map((v) => v.oid),
      async (i, _size, chunks) => {
        let pos = 0;
        let diffAt = -1;
        let linesBefore = 0; // newlines of the version before diffAt
        let newlines = 0;
        let last = -1;
        for await (const chunk of chunks) {
          if (diffAt === -1) {
            const want = Math.min(chunk.length, Math.max(0, size - pos));
            const got = want > 0 && h ? (await h.read(cur, 0, want, pos)).bytesRead : 0;
            let k = 0;
            if (got === chunk.length && chunk.equals(cur.subarray(0, got))) k = got;
            else while (k < got && chunk[k] === cur[k]) k++;
            if (k < chunk.length) {
              diffAt = pos + k;
              linesBefore = newlines + countNewlines(chunk, 0, k);
            }
          }
          newlines += countNewlines(chunk, 0, chunk.length);
          if (chunk.length) last = chunk[chunk.length - 1]!;
          pos += chunk.length;
        }
        if (diffAt === -1) return true;
        const v = versions[i]!;
        const total = newlines + (pos > 0 && last !== NL ? 1 : 0);
        const where = v.commit ? `the version committed in ${named(v.commit)}` : 'the staged version (git add)';
        const line = linesBefore + 1;
        let message: string;
        if (!exists) message = `the log does not exist, but ${where} has ${plural(total, 'line')}`;
        else if (diffAt === size && (size === 0 || (await lastByte(h!, size)) === NL)) {
          message = line === total ? `line ${line} of ${where} was removed from the end of the file` : `lines ${line}–${total} of ${where} were removed from the end of the file`;
        } else message = `line ${line} differs from line ${line} of ${where}: a committed line was changed, or lines were inserted or removed before it`;
        failure = { check: 'git-history', status: 'failed', message, line, ...(v.commit ? { commit: v.commit.id } : {}) };
        return false;
      },
    );
  } catch (e) {
    if (e instanceof GitError) return { check: 'git-history', status: 'not-checked', message: `no git history to compare: git failed: ${e.message}` };
    throw e;
  } finally {
    await h?.close();
  }
  return failure;
}

function countNewlines(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = b.indexOf(NL, start); i !== -1 && i < end; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

async function lastByte(h: FileHandle, size: number): Promise<number> {
  const b = Buffer.alloc(1);
  await h.read(b, 0, 1, size - 1);
  return b[0]!;
}

/** Streams the log line by line (bounded memory: a line past MAX_RECORD_BYTES is only hashed). */
async function scanAuditLog(file: string, onEntry: (e: AuditEntry) => void, onLine?: (line: number, hash: string) => void): Promise<Omit<AuditLog, 'entries'>> {
  const problems: AuditProblem[] = [];
  let expected = GENESIS;
  let lineNo = 0;
  let hash = createHash('sha256');
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;

  const endLine = (): void => {
    lineNo++;
    const h = `sha256:${hash.digest('hex')}`;
    const check: LineCheck =
      length > MAX_RECORD_BYTES ? { shape: [`line too long (${length} bytes; a record has at most ${MAX_RECORD_BYTES})`] } : checkLine(Buffer.concat(parts, kept), expected, lineNo);
    // a well-formed record is an entry even when its link is broken (the problem is still reported)
    if (check.shape.length === 0) onEntry({ line: lineNo, record: check.record!, hash: h });
    const reasons = check.chain ? [...check.shape, check.chain] : check.shape;
    if (reasons.length) problems.push({ line: lineNo, reason: reasons.join('; ') });
    onLine?.(lineNo, h);
    expected = h;
    hash = createHash('sha256');
    parts = [];
    kept = 0;
    length = 0;
  };
  const feed = (b: Buffer): void => {
    if (b.length === 0) return;
    hash.update(b);
    length += b.length;
    if (kept + b.length <= MAX_RECORD_BYTES) {
      parts.push(b);
      kept += b.length;
    }
  };

  try {
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
      const buf = chunk as Buffer;
      let start = 0;
      for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
        feed(buf.subarray(start, nl));
        endLine();
        start = nl + 1;
      }
      feed(buf.subarray(start));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, problems: [], lines: 0, head: GENESIS };
    throw new AuditError('io', `cannot read ${file}: ${(e as Error).message}`);
  }
  let incompleteTail: AuditLog['incompleteTail'];
  if (length > 0) {
    // no newline at the end: a whole JSON object only lost its newline (it counts); anything else is an interrupted append
    if (length <= MAX_RECORD_BYTES && isJsonObject(Buffer.concat(parts, kept))) endLine();
    else incompleteTail = { line: lineNo + 1, bytes: length };
  }
  return { file, exists: true, problems, lines: lineNo, ...(incompleteTail ? { incompleteTail } : {}), head: expected };
}

interface LineCheck {
  /** Why the line is not a well-formed record; empty when it is. */
  shape: string[];
  /** Why it does not chain to the line before. */
  chain?: string;
  record?: AuditRecord;
}

/** Whether a line is a well-formed record, chained to `expectedPrev`. */
function checkLine(bytes: Buffer, expectedPrev: string, line: number): LineCheck {
  if (bytes.length === 0) return { shape: ['empty line'] };
  const text = decodeUtf8(bytes);
  if (text === undefined) return { shape: ['not UTF-8 text'] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { shape: ['not JSON'] };
  }
  if (!isPlainObject(value)) return { shape: ['not a JSON object'] };
  const reasons: string[] = [];
  const missing = REQUIRED_FIELDS.filter((f) => !(f in value));
  if (missing.length) reasons.push(`missing field${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`);
  const r = value;
  if ('v' in r && r.v !== AUDIT_VERSION) reasons.push(`unsupported version: v is ${JSON.stringify(r.v)}, not ${AUDIT_VERSION}`);
  if ('time' in r && (typeof r.time !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(r.time) || Number.isNaN(Date.parse(r.time)))) {
    reasons.push('bad field time: not an ISO 8601 UTC time');
  }
  if ('kind' in r && !(AUDIT_KINDS as readonly unknown[]).includes(r.kind)) reasons.push(`bad field kind: ${JSON.stringify(r.kind)} is not one of ${AUDIT_KINDS.join(', ')}`);
  for (const f of ['path', 'user', 'verdict'] as const) {
    if (f in r && (typeof r[f] !== 'string' || r[f] === '')) reasons.push(`bad field ${f}: not a non-empty string`);
  }
  if ('digest' in r && r.digest !== null && (typeof r.digest !== 'string' || !HASH_RE.test(r.digest))) reasons.push('bad field digest: not sha256:<hex> or null');
  if ('commit' in r && r.commit !== null && (typeof r.commit !== 'string' || !COMMIT_RE.test(r.commit))) reasons.push('bad field commit: not a commit id or null');
  if ('prev' in r && typeof r.prev !== 'string') reasons.push('bad field prev: not sha256:<hex>');
  let chain: string | undefined;
  if ('prev' in r && r.prev !== expectedPrev) {
    chain =
      line === 1
        ? `prev mismatch: the first record's prev must be the genesis value ${GENESIS}, found ${JSON.stringify(r.prev)}`
        : `prev mismatch: expected ${expectedPrev} (the hash of line ${line - 1}), found ${JSON.stringify(r.prev)}; line ${line - 1} was changed, or lines were removed or inserted before this one`;
  }
  return { shape: reasons, ...(chain ? { chain } : {}), ...(reasons.length === 0 ? { record: r as AuditRecord } : {}) };
}

// ---- drills for the language service --------------------------------------------------------------

/**
 * A LanguageHost `lastDrill` reading this workspace's audit log: the time
 * (epoch ms) of the newest `drill` record of a runbook (workspace-relative
 * posix path), whatever its verdict (a failed drill is still a rehearsal)
 * except a cancelled one (stopped by a person before it ended: no rehearsal);
 * null when the log has no drill of it; undefined when there is no log or it
 * cannot be read (no drill history kept: the check stays quiet, so a fresh
 * clone without a log is not flooded with warnings). The log is read
 * at most once per change of its mtime and size; each call only stats it.
 * Records on broken lines are skipped; a broken chain does not hide drills.
 */
export function lastDrillFromAudit(workspaceRoot: string): (runbookPath: string) => Promise<number | null | undefined> {
  const file = auditLogPath(workspaceRoot);
  let cache: { key: string; drills: Promise<Map<string, number> | undefined> } | undefined;
  return async (runbookPath) => {
    let st: Stats;
    try {
      st = await fs.stat(file);
    } catch (e) {
      cache = undefined;
      // no log: this workspace keeps no drill history (yet), so nothing is overdue
      return undefined;
    }
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (cache?.key !== key) cache = { key, drills: newestDrills(file) };
    const mine = cache;
    const drills = await mine.drills;
    if (!drills) {
      if (cache === mine) cache = undefined;
      return undefined;
    }
    return drills.get(normalizeRel(runbookPath)) ?? null;
  };
}

async function newestDrills(file: string): Promise<Map<string, number> | undefined> {
  const newest = new Map<string, number>();
  try {
    await scanAuditLog(file, ({ record }) => {
      if (record.kind !== 'drill' || record.verdict === 'cancelled' || record.outcome === 'cancelled') return;
      const t = Date.parse(record.time);
      const p = normalizeRel(record.path);
      if (Number.isFinite(t) && t > (newest.get(p) ?? -Infinity)) newest.set(p, t);
    });
  } catch {
    return undefined;
  }
  return newest;
}

function normalizeRel(p: string): string {
  return path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '');
}
