// One check of `audit verify` (hash chain, git history, expected head, and
// the signatures check of src/node/signing) and
// how its verdict is told: passed, failed (with the line, and for git history
// the commit), or not checked with the reason, which is never counted as a pass.
// Shared by verify.ts and history.ts.


/** 'signatures' is src/node/signing's check, run beside these by `audit verify`. */
export type AuditCheckName = 'hash-chain' | 'git-history' | 'expected-head' | 'signatures';

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

export { plural } from '../../core/util/plural';
