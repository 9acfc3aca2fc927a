// Where a workspace's audit log lives: the file `.rollback-lens/audit.jsonl`
// (the default, needing nothing installed) or a PostgreSQL database
// (pg/store.ts) when an audit URL is set: the editor's machine-scoped setting
// `rollbackLens.auditUrl` (setAuditUrl; a workspace cannot redirect it), else
// the environment's ROLLBACK_LENS_AUDIT_URL. openAuditStore gives either one
// behind one interface (AuditStore: read, append, verify, head, close);
// read() is exactly the AuditLog of read.ts (entries with line, record, hash).
//
// In the database, a workspace's log is named by its log id: the environment's
// ROLLBACK_LENS_AUDIT_LOG, else the workspace folder's name (auditLogId).
//
// The functions every caller of the log uses (appendAuditRecord,
// readAuditLog, verifyAuditLog, auditHead, cachedAuditRead and the drill
// history) are defined here over the store in use, so each caller goes
// through the database when the URL is set, with nothing to change; in that
// case one connection pool per URL and log is kept for the process (it lets
// the process exit when idle). pushAuditLog (`audit push`) copies the file log
// into the database.
import * as path from 'node:path';
import { appendAuditRecord as appendFileRecord, prepareRecord, type AppendOptions } from './append';
import { PgAuditStore } from './pg/store';
import {
  cachedAuditRead as cachedFileRead,
  drillHistoryFromAudit as fileDrillHistory,
  historyOf,
  readAuditLog as readFileLog,
  type AuditLog,
} from './read';
import { AuditError, auditLogPath, lineHash, type AuditInput, type AuditRecord } from './record';
import { auditHead as fileHead, verifyAuditLog as verifyFileLog, type AuditVerification, type VerifyOptions } from './verify';

export interface AuditStore {
  readonly kind: 'file' | 'postgres';
  /** The log as messages name it: its file, or `postgres://host:port/db#<log id>`. */
  readonly location: string;
  read(): Promise<AuditLog>;
  /** Appends records in order (in PostgreSQL, in one transaction); resolves with them as stored. */
  append(inputs: AuditInput | AuditInput[], options?: AppendOptions): Promise<AuditRecord[]>;
  verify(options?: VerifyOptions): Promise<AuditVerification>;
  head(): Promise<{ file: string; exists: boolean; head: string; lines: number }>;
  close(): Promise<void>;
}

export interface AuditStoreOptions {
  workspaceRoot: string;
  /** postgres://… ; default auditUrl(); none: the file log. */
  url?: string;
  /** The database log's id; default auditLogId(workspaceRoot). */
  log?: string;
  /** Test hook (PostgreSQL only): runs inside each append's transaction, before COMMIT. */
  beforeCommit?: () => Promise<void>;
}

let settingUrl: string | undefined;

/** The editor's `rollbackLens.auditUrl` (machine scope); empty or undefined: none. */
export function setAuditUrl(url: string | undefined): void {
  settingUrl = url?.trim() || undefined;
}

/** The audit URL in use: the editor's setting, else ROLLBACK_LENS_AUDIT_URL; undefined: the file log. */
export function auditUrl(): string | undefined {
  return settingUrl ?? (process.env.ROLLBACK_LENS_AUDIT_URL?.trim() || undefined);
}

/** A workspace's log id in the database: ROLLBACK_LENS_AUDIT_LOG, else the workspace folder's name. */
export function auditLogId(workspaceRoot: string): string {
  return process.env.ROLLBACK_LENS_AUDIT_LOG?.trim() || path.basename(path.resolve(workspaceRoot));
}

export async function openAuditStore(options: AuditStoreOptions): Promise<AuditStore> {
  const url = options.url ?? auditUrl();
  if (url === undefined) return fileStore(options.workspaceRoot);
  return pgStore(options.workspaceRoot, new PgAuditStore({ url, log: options.log ?? auditLogId(options.workspaceRoot), ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}) }), true);
}

function fileStore(workspaceRoot: string): AuditStore {
  return {
    kind: 'file',
    location: auditLogPath(workspaceRoot),
    read: () => readFileLog(workspaceRoot),
    append: async (inputs, options) => {
      const out: AuditRecord[] = [];
      for (const input of Array.isArray(inputs) ? inputs : [inputs]) out.push(await appendFileRecord(workspaceRoot, input, options));
      return out;
    },
    verify: (options) => verifyFileLog(workspaceRoot, options),
    head: () => fileHead(workspaceRoot),
    close: async () => undefined,
  };
}

function pgStore(workspaceRoot: string, db: PgAuditStore, owned: boolean): AuditStore {
  return {
    kind: 'postgres',
    location: db.location,
    read: () => db.read(),
    append: async (inputs, options) => {
      const bodies = [];
      for (const input of Array.isArray(inputs) ? inputs : [inputs]) bodies.push(await prepareRecord(workspaceRoot, input, options));
      return db.append(bodies);
    },
    verify: (options) => db.verify(options),
    head: () => db.head(),
    close: async () => {
      if (owned) await db.close();
    },
  };
}

/** The process's store of a workspace: the file log, or one kept database store per URL and log. */
function current(workspaceRoot: string): AuditStore {
  const url = auditUrl();
  if (url === undefined) return fileStore(workspaceRoot);
  const log = auditLogId(workspaceRoot);
  const key = `${url}\0${log}`;
  let db = shared.get(key);
  if (!db) shared.set(key, (db = new PgAuditStore({ url, log })));
  return pgStore(workspaceRoot, db, false);
}
const shared = new Map<string, PgAuditStore>();

/** Appends one record to the workspace's log (file or database); resolves with the record exactly as stored. */
export async function appendAuditRecord(workspaceRoot: string, input: AuditInput, options: AppendOptions = {}): Promise<AuditRecord> {
  if (auditUrl() === undefined) return appendFileRecord(workspaceRoot, input, options);
  return (await current(workspaceRoot).append(input, options))[0]!;
}

/** Reads the workspace's whole log (file or database), tolerantly: records, and problems with their line numbers. */
export async function readAuditLog(workspaceRoot: string): Promise<AuditLog> {
  return current(workspaceRoot).read();
}

/** `audit verify` of the workspace's log (file or database). */
export async function verifyAuditLog(workspaceRoot: string, options: VerifyOptions = {}): Promise<AuditVerification> {
  return current(workspaceRoot).verify(options);
}

/** The head of the workspace's log (file or database) and its number of lines. */
export async function auditHead(workspaceRoot: string): Promise<{ file: string; exists: boolean; head: string; lines: number }> {
  return current(workspaceRoot).head();
}

/**
 * What `read` makes of the workspace's log, read again only when the log
 * changes: the file's inode, size and mtime (read.ts), or, in the database,
 * the log's head and line count (one query per call). No log, or a read
 * that gives undefined: undefined, not kept; a read that fails throws.
 */
export function cachedAuditRead<T>(workspaceRoot: string, read: (file: string) => Promise<T | undefined>): () => Promise<T | undefined> {
  const file = cachedFileRead(workspaceRoot, read);
  let cache: { key: string; value: Promise<T | undefined> } | undefined;
  return async () => {
    if (auditUrl() === undefined) return file();
    const store = current(workspaceRoot);
    const h = await store.head();
    if (!h.exists) return (cache = undefined);
    const key = `${store.location}:${h.lines}:${h.head}`;
    if (cache?.key !== key) cache = { key, value: read(store.location) };
    const mine = cache;
    let value: T | undefined;
    try {
      value = await mine.value;
    } catch (e) {
      if (cache === mine) cache = undefined;
      throw e;
    }
    if (value === undefined && cache === mine) cache = undefined;
    return value;
  };
}

/** The overdue-drill check's history (read.ts drillHistoryFromAudit), from the store in use. */
export function drillHistoryFromAudit(workspaceRoot: string): ReturnType<typeof fileDrillHistory> {
  const fromFile = fileDrillHistory(workspaceRoot);
  const dbHistory = cachedAuditRead(workspaceRoot, async () => historyOf((await readAuditLog(workspaceRoot)).entries));
  // a database that cannot be read keeps no drill history, as an unreadable file (the check stays quiet)
  const fromDb = fileDrillHistory(workspaceRoot, () => dbHistory().catch(() => undefined));
  const pick = () => (auditUrl() === undefined ? fromFile : fromDb);
  return { lastDrill: (p) => pick().lastDrill(p), firstSeen: (p) => pick().firstSeen(p) };
}

/** A LanguageHost `lastDrill` over the store in use (read.ts says what it answers). */
export function lastDrillFromAudit(workspaceRoot: string): (runbookPath: string) => Promise<number | null | undefined> {
  return drillHistoryFromAudit(workspaceRoot).lastDrill;
}

export interface PushResult {
  /** The file log copied. */
  file: string;
  /** The database log it was copied into. */
  location: string;
  copied: number;
  already: number;
  /** The file log's first broken line: nothing was pushed. */
  refused?: { line: number; reason: string };
}

/**
 * `audit push`: copies the workspace's file log into its database log (url:
 * given, else auditUrl()), in one transaction, idempotently: records already
 * there (by hash, or copied before from a line with that hash) are counted,
 * not copied again. A file log with a broken line is refused (`refused`,
 * naming the first one; nothing is pushed): `audit verify` it first.
 */
export async function pushAuditLog(options: { workspaceRoot: string; url?: string; log?: string }): Promise<PushResult> {
  const url = options.url ?? auditUrl();
  if (url === undefined) throw new AuditError('invalid', 'no database to push to: give --to postgres://… or set ROLLBACK_LENS_AUDIT_URL');
  const log = await readFileLog(options.workspaceRoot);
  const db = new PgAuditStore({ url, log: options.log ?? auditLogId(options.workspaceRoot) });
  if (log.problems.length) {
    await db.close();
    return { file: log.file, location: db.location, copied: 0, already: 0, refused: log.problems[0]! };
  }
  try {
    const entries = log.entries.map((e) => {
      const text = JSON.stringify(e.record);
      return { record: e.record, hash: e.hash, text: lineHash(Buffer.from(text, 'utf8')) === e.hash ? text : undefined };
    });
    const lost = entries.find((e) => e.text === undefined);
    if (lost) throw new AuditError('invalid', `${log.file}: a line's bytes cannot be reproduced from its record (hash ${lost.hash}); nothing was pushed`);
    const r = await db.push(entries as Array<{ record: AuditRecord; hash: string; text: string }>);
    return { file: log.file, location: db.location, ...r };
  } finally {
    await db.close();
  }
}
