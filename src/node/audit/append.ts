// Appending a record to the audit log (appendAuditRecord): the input checked
// and completed (digest, commit, user: prepareRecord, which the PostgreSQL
// store of pg/store.ts uses too) and, when a `sign` hook is given, its
// `signature` field added (made over the completed body, before the lock is
// taken: src/node/signing runs ssh-keygen; src/core/audit/signature.ts says
// what is signed), then, holding
// the cross-process lock of lock.ts (within one process, appends to a log are
// also queued in memory):
//   open the log with O_APPEND; if it does not end in a newline, an earlier
//   append was interrupted: a tail that is a whole JSON object only lost its
//   newline and is completed; any other tail is cut off (saved first to
//   `audit.jsonl.torn`, one JSON line per fragment); hash the last line for
//   `prev`; write the record and its `\n` in ONE write(); on a short or failed
//   write, truncate back; fdatasync (unless `durable: false`); close; remove
//   the lock.
// A process killed at any point leaves whole records plus at most one partial
// last line (ignored by readers, repaired by the next append) and, maybe, a
// stale lock with its dead pid (recovered by the next append).
//
// Appending after a corrupted line is allowed: the new record chains to the
// corrupted line's bytes, so the chain stays checkable and verify keeps
// reporting the corruption at its own line.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { headCommitFromFiles } from '../git';
import { isWithin, toWorkspacePath } from '../workspace';
import { sha256File } from '../jsonl';
import { acquireAuditLock, type LockOptions } from './lock';
import {
  AuditError,
  auditLogPath,
  checkInput,
  checkRecordSize,
  CHUNK,
  GENESIS,
  isJsonObject,
  lineHash,
  lineHasher,
  MAX_RECORD_BYTES,
  NL,
  recordBody,
  recordLine,
  type AuditInput,
  type AuditRecord,
} from './record';

export interface AppendOptions extends LockOptions {
  /** Clock for `time` (epoch ms). */
  now?: () => number;
  /** fdatasync after each append (default true). */
  durable?: boolean;
  /**
   * Signs the completed record (every field but `prev`): the value is stored as
   * its `signature` field. A throw stops the append (nothing is written).
   */
  sign?: (body: Record<string, unknown>) => Promise<object>;
}

/** Appends one record; resolves with the record exactly as stored. */
export async function appendAuditRecord(workspaceRoot: string, input: AuditInput, options: AppendOptions = {}): Promise<AuditRecord> {
  const root = path.resolve(workspaceRoot);
  // the slow parts (hashing, git, user) happen before taking the lock
  const body = await prepareRecord(root, input, options);
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

/**
 * A record's body, checked and completed (time, workspace path, digest,
 * commit, user) and signed when `options.sign` is given, without `prev`: what
 * any store appends. Throws AuditError 'invalid' for an input a caller may not
 * append.
 */
export async function prepareRecord(workspaceRoot: string, input: AuditInput, options: Pick<AppendOptions, 'now' | 'sign'> = {}): Promise<Record<string, unknown>> {
  const root = path.resolve(workspaceRoot);
  checkInput(input);
  const rel = await workspacePath(root, input);
  const time = (options.now ?? Date.now)();
  const [digest, commit] = await Promise.all([
    input.digest !== undefined ? input.digest : sha256File(path.join(root, ...rel.split('/'))).catch(() => null),
    input.commit !== undefined ? input.commit : headCommitFromFiles(root),
  ]);
  const body = recordBody(input, { time: new Date(time).toISOString(), path: rel, digest, commit, user: input.user ?? currentUser() });
  if (options.sign) {
    if ('signature' in body) throw new AuditError('invalid', 'the record already has a `signature`: it cannot be signed again');
    body.signature = await options.sign(body);
  }
  checkRecordSize(body);
  return body;
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
    const { record, bytes } = recordLine(body, prev);
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

/** SHA-256 of the last line of a file of `size` bytes ending in a newline, whose last bytes are `tail`. */
async function lastLineHash(h: FileHandle, size: number, tail: Buffer): Promise<string> {
  const i = tail.length >= 2 ? tail.lastIndexOf(NL, tail.length - 2) : -1;
  if (i !== -1 || tail.length === size) return lineHash(tail.subarray(i + 1, tail.length - 1));
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
  const hash = lineHasher();
  for (let p = start; p < end; p += CHUNK) hash.update(await readRange(h, p, Math.min(end, p + CHUNK)));
  return hash.digest();
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
