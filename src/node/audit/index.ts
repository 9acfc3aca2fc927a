// The audit log: `.rollback-lens/audit.jsonl` in the workspace root, one JSON
// record per dry-run, drill, rollback, contract test, approval and sign-off, each chained
// to the line before it by its hash. This is its public API; importers use
// `node/audit` and nothing below it. Where each part lives:
//   record.ts   the record format, its constants and checks, the chain's hash
//   append.ts   appendAuditRecord: whole-or-nothing appends, torn-tail repair
//   lock.ts     the cross-process lock every append holds
//   read.ts     readAuditLog, and the drill history for the language service
//   verify.ts   verifyAuditLog (hash chain, expected head) and auditHead
//   history.ts  verify's git-history check
//   check.ts    the shape of one check's verdict
//   store.ts    where the log lives: the file, or PostgreSQL (pg/store.ts,
//               pg/migrate.ts) when an audit URL is set; the functions below
//               that read or append go through it
// The commit stamped on each record is read by ../git.ts (headCommitFromFiles).
export { currentUser, type AppendOptions } from './append';
export type { AuditCheck, AuditCheckName } from './check';
export { acquireAuditLock, auditLockPath, DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STALE_LOCK_MS, EMPTY_LOCK_STALE_MS, type AuditLock, type LockOptions } from './lock';
export type { AuditEntry, AuditLog, AuditProblem } from './read';
export {
  AUDIT_KINDS,
  AUDIT_LOG,
  AUDIT_VERSION,
  AuditError,
  auditLogPath,
  GENESIS,
  MAX_RECORD_BYTES,
  REQUIRED_FIELDS,
  type AuditErrorKind,
  type AuditInput,
  type AuditKind,
  type AuditRecord,
} from './record';
export {
  appendAuditRecord,
  auditHead,
  auditLogId,
  auditUrl,
  cachedAuditRead,
  drillHistoryFromAudit,
  lastDrillFromAudit,
  openAuditStore,
  pushAuditLog,
  readAuditLog,
  setAuditUrl,
  verifyAuditLog,
  type AuditStore,
  type AuditStoreOptions,
  type PushResult,
} from './store';
export { DEFAULT_MAX_COMMITS, parseHead, type AuditVerification, type VerifyOptions } from './verify';
