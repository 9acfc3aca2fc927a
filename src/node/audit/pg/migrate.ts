// The PostgreSQL audit store's schema, applied on first use: the plain SQL
// files of ./migrations/ (bundled as text, so they work from dist/cli.js and
// the .vsix), in the order of MIGRATIONS, each applied at most once and
// recorded in `rollback_lens_migrations` (id, applied_at). All pending ones
// are applied in ONE transaction that holds a transaction-level advisory lock
// (MIGRATION_LOCK), so writers starting together apply them once and none
// sees a half-made schema; a failure rolls everything back. A database whose
// migrations table names a migration this build does not know has a newer
// schema: refused (AuditError 'invalid'), never written to.
import type { PoolClient } from 'pg';
import { AuditError } from '../record';
import auditLog001 from './migrations/001_audit_log.sql';

export interface Migration {
  /** The file's name without `.sql`: its id in rollback_lens_migrations. */
  id: string;
  sql: string;
}

/** Every migration, oldest first. A new one is a new file, appended here. */
export const MIGRATIONS: readonly Migration[] = [{ id: '001_audit_log', sql: auditLog001 }];

/** pg_advisory_xact_lock key of the migrations ("rlmg" as a number). */
export const MIGRATION_LOCK = 0x726c6d67;

/** Applies the pending migrations in one transaction; resolves with the ids applied (empty when the schema was up to date). */
export async function migrate(client: PoolClient): Promise<string[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS rollback_lens_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ id: string }>('SELECT id FROM rollback_lens_migrations')).rows.map((r) => r.id));
    const known = new Set(MIGRATIONS.map((m) => m.id));
    const unknown = [...done].filter((id) => !known.has(id)).sort();
    if (unknown.length) {
      throw new AuditError('invalid', `the audit database has a newer schema than this rollback-lens knows (migration ${unknown.join(', ')}): upgrade rollback-lens`);
    }
    const applied: string[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO rollback_lens_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
    await client.query('COMMIT');
    return applied;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
