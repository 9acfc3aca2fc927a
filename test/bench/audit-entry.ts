// What test/bench/audit-pg.mjs drives: the audit store the CLI and the editor
// ship (file and PostgreSQL) and the tests' PostgreSQL server; test/bench/review.mjs
// pushes its generated log into that server with pushAuditLog.
export { appendAuditRecord, openAuditStore, pushAuditLog, readAuditLog } from '../../src/node/audit';
export { startPostgres } from '../support/postgres';
