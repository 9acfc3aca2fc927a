// Reading the audit log: every line streamed with bounded memory (a line past
// MAX_RECORD_BYTES is only hashed), each one a well-formed record (an entry) or
// a problem named at its line, the chain's head, and an interrupted append's
// partial last line told apart (ignored; the next append repairs it). A
// missing log is an empty one. Also the drill history the language service's
// overdue-drill check reads (lastDrillFromAudit; historyOf builds it from the
// entries another store read, store.ts).
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { AuditError, auditLogPath, CHUNK, checkLine, GENESIS, isJsonObject, lineHasher, MAX_RECORD_BYTES, NL, type AuditRecord, type LineCheck } from './record';

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

/** Streams the log line by line (bounded memory: a line past MAX_RECORD_BYTES is only hashed). */
export async function scanAuditLog(file: string, onEntry: (e: AuditEntry) => void, onLine?: (line: number, hash: string) => void): Promise<Omit<AuditLog, 'entries'>> {
  const problems: AuditProblem[] = [];
  let expected = GENESIS;
  let lineNo = 0;
  let hash = lineHasher();
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;

  const endLine = (): void => {
    lineNo++;
    const h = hash.digest();
    const check: LineCheck =
      length > MAX_RECORD_BYTES ? { shape: [`line too long (${length} bytes; a record has at most ${MAX_RECORD_BYTES})`] } : checkLine(Buffer.concat(parts, kept), expected, lineNo);
    // a well-formed record is an entry even when its link is broken (the problem is still reported)
    if (check.shape.length === 0) onEntry({ line: lineNo, record: check.record!, hash: h });
    const reasons = check.chain ? [...check.shape, check.chain] : check.shape;
    if (reasons.length) problems.push({ line: lineNo, reason: reasons.join('; ') });
    onLine?.(lineNo, h);
    expected = h;
    hash = lineHasher();
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
  return drillHistoryFromAudit(workspaceRoot).lastDrill;
}

/**
 * Both LanguageHost methods the overdue-drill check uses, over one cached
 * read of the log: `lastDrill` (above) and `firstSeen`, the time of the
 * oldest record of any kind about the runbook (when the log first saw it:
 * its drill cadence counts from then), undefined when the log has none or
 * there is no log.
 */
export function drillHistoryFromAudit(
  workspaceRoot: string,
  history: () => Promise<History | undefined> = cachedAuditRead(workspaceRoot, readHistory),
): {
  lastDrill: (runbookPath: string) => Promise<number | null | undefined>;
  firstSeen: (runbookPath: string) => Promise<number | undefined>;
} {
  return {
    lastDrill: async (runbookPath) => {
      const h = await history();
      return h ? (h.newestDrill.get(normalizeRel(runbookPath)) ?? null) : undefined;
    },
    firstSeen: async (runbookPath) => (await history())?.firstSeen.get(normalizeRel(runbookPath)),
  };
}

/**
 * What `read` makes of the workspace's audit log, read again only when the
 * log changes (its inode, size or mtime; each call only stats it): the one
 * cache every reader of the log's history shares. No log, or a read that
 * gives undefined (a log that cannot be read), is undefined, and is not kept.
 */
export function cachedAuditRead<T>(workspaceRoot: string, read: (file: string) => Promise<T | undefined>): () => Promise<T | undefined> {
  const file = auditLogPath(workspaceRoot);
  let cache: { key: string; value: Promise<T | undefined> } | undefined;
  return async () => {
    let st: Stats;
    try {
      st = await fs.stat(file);
    } catch {
      cache = undefined;
      // no log: this workspace keeps no history (yet)
      return undefined;
    }
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (cache?.key !== key) cache = { key, value: read(file) };
    const mine = cache;
    const value = await mine.value;
    if (value === undefined && cache === mine) cache = undefined;
    return value;
  };
}

export interface History {
  newestDrill: Map<string, number>;
  firstSeen: Map<string, number>;
}

async function readHistory(file: string): Promise<History | undefined> {
  const h: History = { newestDrill: new Map(), firstSeen: new Map() };
  try {
    await scanAuditLog(file, ({ record }) => noteHistory(h, record));
  } catch {
    return undefined;
  }
  return h;
}

/** The drill history of entries read by another store (src/node/audit/store.ts). */
export function historyOf(entries: AuditEntry[]): History {
  const h: History = { newestDrill: new Map(), firstSeen: new Map() };
  for (const { record } of entries) noteHistory(h, record);
  return h;
}

function noteHistory(h: History, record: AuditRecord): void {
  const t = Date.parse(record.time);
  if (!Number.isFinite(t) || typeof record.path !== 'string') return;
  const p = normalizeRel(record.path);
  if (t < (h.firstSeen.get(p) ?? Infinity)) h.firstSeen.set(p, t);
  if (record.kind !== 'drill' || record.verdict === 'cancelled' || record.outcome === 'cancelled') return;
  if (t > (h.newestDrill.get(p) ?? -Infinity)) h.newestDrill.set(p, t);
}

function normalizeRel(p: string): string {
  return path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '');
}
