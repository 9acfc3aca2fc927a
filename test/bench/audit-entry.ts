// What test/bench/audit-pg.mjs drives: the audit store the CLI and the editor
// ship (file and PostgreSQL) and the tests' PostgreSQL server.
export { appendAuditRecord, openAuditStore, readAuditLog } from '../../src/node/audit';
export { startPostgres } from '../support/postgres';
