// `audit verify` and `audit head`. Verify runs three checks and names each as
// passed, failed or not checked (check.ts):
//   - hash chain: every line a well-formed record, each `prev` the hash of the
//     line before (record.ts says what the chain proves and cannot see);
//   - git history: the committed and staged versions of the log must be byte
//     prefixes of the file (history.ts);
//   - expected head: a head kept elsewhere (`audit head` prints it) must be the
//     hash of a line of the log: the last one, or an earlier one when records
//     were appended since (those are covered only by the chain).
// Neither of the last two proves who wrote a record, nor anything about lines
// appended after the last commit and the last kept head. ok means no check
// failed; an incomplete last line is not a break. chainCheck and headCheck
// also word the checks of the PostgreSQL store (pg/store.ts).
import * as path from 'node:path';
import { plural, type AuditCheck } from './check';
import { historyCheck } from './history';
import { scanAuditLog, type AuditLog, type AuditProblem } from './read';
import { AuditError, auditLogPath, GENESIS } from './record';

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

export function chainCheck(log: Omit<AuditLog, 'entries'>, records: number): AuditCheck {
  if (log.problems.length === 0) return { check: 'hash-chain', status: 'passed', message: `${plural(records, 'record')}, each chained to the line before it` };
  const first = log.problems[0]!;
  return { check: 'hash-chain', status: 'failed', message: `${plural(log.problems.length, 'broken line')}, the first at line ${first.line}`, line: first.line };
}

export function headCheck(expected: string | undefined, foundAt: number | undefined, lines: number, head: string): AuditCheck {
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
