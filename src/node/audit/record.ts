// One audit record, as stored in `.rollback-lens/audit.jsonl` (AUDIT_LOG, in the
// workspace root): its shape and constants, the checks of what a caller may
// append and of what a stored line must be, its serialisation, and the hash
// that chains each line to the one before. No I/O: it works on the values and
// bytes it is given.
//
// Record format (version 1), one per line, `\n`-terminated, UTF-8:
//   { "v": 1, "time": ISO 8601 UTC, "kind": dry-run|drill|contract-test|approval|sign-off|rollback|
//             reintroduction|closure-verify|checklist|close,
//     "path": workspace-relative posix path of the runbook or contract,
//     "digest": "sha256:<hex>" of the file's bytes at append time, or null (unreadable),
//     "commit": git commit of the workspace (HEAD), or null (not a repository),
//     "user": who ran it, "verdict": the outcome (pass, fail, error, approved, ...),
//     optional "timings" (name -> milliseconds), "findings" (a summary object),
//     any further fields the caller adds, for a signed approval or sign-off
//     "signature" (src/core/audit/signature.ts: what is signed, and how), and last
//     "prev": "sha256:<hex>" }
//
// The chain: `prev` is the SHA-256 of the previous line's exact bytes, without
// its `\n` (whatever those bytes are: a record, a corrupted line, a blank
// line); the first line's `prev` is GENESIS (`sha256:` and 64 zeros). Verifying
// never re-serializes a record, so field order and spacing are whatever was
// written. Changing, removing or inserting a line breaks the `prev` of the line
// after it. What the chain cannot see: lines changed or removed at the end (no
// line after them carries their hash), and a whole log rewritten with every
// `prev` recomputed; verify.ts adds the checks that close part of that gap.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { noun } from '../../core/util/plural';

export const AUDIT_LOG = '.rollback-lens/audit.jsonl';
export const AUDIT_VERSION = 1;
export const GENESIS = `sha256:${'0'.repeat(64)}`;
export const AUDIT_KINDS = ['dry-run', 'drill', 'contract-test', 'approval', 'sign-off', 'rollback', 'reintroduction', 'closure-verify', 'checklist', 'close'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
/** Largest record line appended, and largest line parsed when reading, in bytes without the newline. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Fields every stored record has (digest and commit may be null). */
export const REQUIRED_FIELDS = ['v', 'time', 'kind', 'path', 'digest', 'commit', 'user', 'verdict', 'prev'] as const;

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

/** A line's bytes end in NL; the log is read in pieces of CHUNK bytes. */
export const NL = 0x0a;
export const CHUNK = 64 * 1024;

/** A line's link in the chain, fed in pieces: `sha256:<hex>` of its exact bytes, without its newline. */
export function lineHasher(): { update(bytes: Uint8Array): void; digest(): string } {
  const hash = createHash('sha256');
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => `sha256:${hash.digest('hex')}`,
  };
}

/** A line's link in the chain: `sha256:<hex>` of its exact bytes, without its newline. */
export function lineHash(bytes: Uint8Array): string {
  const h = lineHasher();
  h.update(bytes);
  return h.digest();
}

const RESERVED = new Set(['v', 'time', 'prev']);
const HASH_RE = /^sha256:[0-9a-f]{64}$/;
const COMMIT_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Throws AuditError 'invalid', with the reason, unless `input` is a record a caller may append. */
export function checkInput(input: AuditInput): void {
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
  if (input.commit != null && (typeof input.commit !== 'string' || !COMMIT_RE.test(input.commit))) {
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

/** The fields a record is stored with, but `prev`, in their stored order: the log's own, then the caller's. */
export function recordBody(
  input: AuditInput,
  set: { time: string; path: string; digest: string | null; commit: string | null; user: string },
): Record<string, unknown> {
  const { kind, path: _path, verdict, digest: _d, commit: _c, user: _u, timings, findings, ...extra } = input;
  return {
    v: AUDIT_VERSION,
    time: set.time,
    kind,
    path: set.path,
    digest: set.digest,
    commit: set.commit,
    user: set.user,
    verdict,
    ...(timings !== undefined ? { timings } : {}),
    ...(findings !== undefined ? { findings } : {}),
    ...extra,
  };
}

/** Throws AuditError 'invalid' when a record body cannot be written as JSON, or would be over MAX_RECORD_BYTES once its `prev` is added. */
export function checkRecordSize(body: Record<string, unknown>): void {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(body)) + `,"prev":"${GENESIS}"`.length;
  } catch (e) {
    throw new AuditError('invalid', `the record cannot be written as JSON: ${(e as Error).message}`);
  }
  if (size > MAX_RECORD_BYTES) throw new AuditError('invalid', `the record is ${size} bytes; at most ${MAX_RECORD_BYTES} are allowed`);
}

/** The stored record of a body chained to `prev`, and its line: the JSON and its newline, as one buffer to write at once. */
export function recordLine(body: Record<string, unknown>, prev: string): { record: AuditRecord; bytes: Buffer } {
  const record = { ...body, prev } as AuditRecord;
  const line = JSON.stringify(record);
  const bytes = Buffer.from(line + '\n', 'utf8');
  if (bytes.length - 1 > MAX_RECORD_BYTES) throw new AuditError('invalid', `the record is ${bytes.length - 1} bytes; at most ${MAX_RECORD_BYTES} are allowed`);
  return { record, bytes };
}

export interface LineCheck {
  /** Why the line is not a well-formed record; empty when it is. */
  shape: string[];
  /** Why it does not chain to the line before. */
  chain?: string;
  record?: AuditRecord;
}

/** Whether a line is a well-formed record, chained to `expectedPrev`. */
export function checkLine(bytes: Buffer, expectedPrev: string, line: number): LineCheck {
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
  if (missing.length) reasons.push(`missing ${noun(missing.length, 'field')}: ${missing.join(', ')}`);
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

/** Whether bytes are UTF-8 text holding one JSON object (a record that only lost its newline). */
export function isJsonObject(bytes: Buffer): boolean {
  const text = decodeUtf8(bytes);
  if (text === undefined) return false;
  try {
    return isPlainObject(JSON.parse(text));
  } catch {
    return false;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
