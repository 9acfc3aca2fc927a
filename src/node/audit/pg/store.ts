// The audit log kept in PostgreSQL (`ROLLBACK_LENS_AUDIT_URL=postgres://…`):
// one log per repository, named by its log id, in the tables of
// ./migrations/001_audit_log.sql (applied on first use by migrate.ts). The
// same records as the file log, byte for byte: each row's `body` is the JSON
// text the file would hold on that line, and the same chain: `prev` is the
// SHA-256 of the previous row's body (GENESIS for line 1).
//
// Appending (append): one transaction per call, for one record or many:
//   INSERT the log's row ... ON CONFLICT DO UPDATE ... RETURNING head, lines:
//   creates the row of a new log, else takes the row's lock like SELECT ...
//   FOR UPDATE and reads its latest head; concurrent writers of the same log
//   wait here, one at a time, so `prev` is always the last committed line's
//   hash; INSERT the rows and UPDATE the log's head and count (one
//   statement); COMMIT. A writer that
//   dies before COMMIT (SIGKILL, lost connection) leaves nothing: the server
//   rolls its transaction back and releases the row lock.
// Reading (read) recomputes every hash from `body` (the stored `hash` column
// is only for push's look-ups), checks every line as the file reader does
// (../record.ts checkLine), and also that the line numbers run 1..n without a
// gap and that the last line's hash and the number of lines are those the
// log's row kept: a changed last line or a removed tail, which the file's
// chain cannot see, is reported at that line.
// Pushing (push): a file log's records copied into its database log in one
// transaction; a record is already there when a row has its hash, or was
// copied from a line with that hash (origin_hash). A record whose file
// `prev` is the database log's head is copied verbatim (same bytes, same
// hash); otherwise (the database log already holds other records) its body is
// kept and chained to the database's head, its file hash kept as origin_hash.
import type { Pool, PoolClient } from 'pg';
import { plural, type AuditCheck } from '../check';
import type { AuditEntry, AuditLog, AuditProblem } from '../read';
import { AuditError, checkLine, GENESIS, lineHash, recordLine, type AuditRecord } from '../record';
import { chainCheck, headCheck, parseHead, type AuditVerification, type VerifyOptions } from '../verify';
import { migrate } from './migrate';

export interface PgStoreOptions {
  url: string;
  /** The log's id (one repository's log). */
  log: string;
  /** Test hook: called inside an append's transaction, after its rows are written, before COMMIT. */
  beforeCommit?: () => Promise<void>;
}

/** A body to append (a record without `prev`), or a file record to copy (push). */
interface Row {
  line: number;
  body: string;
  hash: string;
  origin: string | null;
  kind: string;
  path: string;
  time: string;
}

/** The URL as shown: no user or password. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.searchParams.get('host');
    return `${u.protocol}//${u.host}${u.pathname}${host ? `?host=${host}` : ''}`;
  } catch {
    return 'postgres://(an unparsable URL)';
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export class PgAuditStore {
  readonly kind = 'postgres';
  /** Where the log is, as messages name it: `postgres://host:port/db#<log>`. */
  readonly location: string;
  private pool: Promise<Pool> | undefined;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: PgStoreOptions) {
    if (!isPostgresUrl(options.url)) throw new AuditError('invalid', `the audit URL must start with postgres:// or postgresql://, not \`${shownUrl(options.url)}\``);
    if (options.log === '' || options.log.length > 200) throw new AuditError('invalid', 'the audit log id must be 1 to 200 characters');
    this.location = `${shownUrl(options.url)}#${options.log}`;
  }

  /** The connection pool, made on first use: `pg` is loaded only then (the file log, and activation, never load it). */
  private connections(): Promise<Pool> {
    this.pool ??= import('pg').then((pg) => {
      const pool = new (pg.default?.Pool ?? pg.Pool)({ connectionString: this.options.url, max: 4, idleTimeoutMillis: 2000, connectionTimeoutMillis: 10_000, allowExitOnIdle: true });
      // an idle connection the server dropped: the next query reconnects
      pool.on('error', () => undefined);
      return pool;
    });
    return this.pool;
  }

  /** Appends bodies (records without `prev`) in one transaction; resolves with the records as stored. */
  async append(bodies: Array<Record<string, unknown>>): Promise<AuditRecord[]> {
    return this.transaction(async (c, head, lines) => {
      const records: AuditRecord[] = [];
      const rows: Row[] = [];
      let prev = head;
      for (const body of bodies) {
        const { record, bytes } = recordLine(body, prev);
        const text = bytes.subarray(0, bytes.length - 1);
        prev = lineHash(text);
        rows.push({ line: lines + rows.length + 1, body: text.toString('utf8'), hash: prev, origin: null, kind: record.kind, path: record.path, time: record.time });
        records.push(record);
      }
      await this.insert(c, rows);
      return records;
    });
  }

  /** Copies records of a file log (its entries, in file order) that are not in the database log yet. */
  async push(entries: Array<{ record: AuditRecord; hash: string; text: string }>): Promise<{ copied: number; already: number }> {
    return this.transaction(async (c, head, lines) => {
      const hashes = entries.map((e) => e.hash);
      const found = (
        await c.query<{ hash: string; origin_hash: string | null }>(
          'SELECT hash, origin_hash FROM rollback_lens_audit_record WHERE log_id = $1 AND (hash = ANY($2) OR origin_hash = ANY($2))',
          [this.options.log, hashes],
        )
      ).rows;
      const known = new Set(found.flatMap((r) => (r.origin_hash ? [r.hash, r.origin_hash] : [r.hash])));
      const rows: Row[] = [];
      let prev = head;
      let already = 0;
      for (const e of entries) {
        if (known.has(e.hash)) {
          already++;
          continue;
        }
        let text = e.text;
        let hash = e.hash;
        if (e.record.prev !== prev) {
          const { prev: _filePrev, ...body } = e.record;
          const line = recordLine(body, prev).bytes;
          text = line.subarray(0, line.length - 1).toString('utf8');
          hash = lineHash(Buffer.from(text, 'utf8'));
        }
        rows.push({ line: lines + rows.length + 1, body: text, hash, origin: e.hash, kind: e.record.kind, path: e.record.path, time: e.record.time });
        prev = hash;
      }
      await this.insert(c, rows);
      return { copied: rows.length, already };
    });
  }

  /** The whole log: its entries and problems, as the file reader gives them (AuditLog). */
  async read(): Promise<AuditLog> {
    await this.migrated();
    const c = await this.connect();
    try {
      // one snapshot: the log's row and its lines as of the same moment
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const logRow = (await c.query<{ head: string; lines: string }>('SELECT head, lines FROM rollback_lens_audit_log WHERE log_id = $1', [this.options.log])).rows[0];
      const rows = (await c.query<{ line: string; body: string }>('SELECT line, body FROM rollback_lens_audit_record WHERE log_id = $1 ORDER BY line', [this.options.log])).rows;
      await c.query('COMMIT');
      return this.check(logRow, rows);
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw this.ioError('read', e);
    } finally {
      c.release();
    }
  }

  /** `audit verify` against the database: the hash chain (with the head row's checks), no git history, the expected head. */
  async verify(options: VerifyOptions = {}): Promise<AuditVerification> {
    let expected: string | undefined;
    if (options.expectHead !== undefined) {
      expected = parseHead(options.expectHead);
      if (!expected) throw new AuditError('invalid', `the expected head must be sha256:<64 hex digits> or the 64 hex digits alone, not \`${options.expectHead}\``);
    }
    const log = await this.read();
    let foundAt: number | undefined = expected === GENESIS ? 0 : undefined;
    if (expected !== undefined) for (const [line, hash] of this.lineHashes) if (hash === expected) foundAt = line;
    const gitCheck: AuditCheck = { check: 'git-history', status: 'not-checked', message: `no git history to compare: the log is in PostgreSQL (${this.location}), not in a file git tracks` };
    const checks = [chainCheck(log, log.entries.length), gitCheck, headCheck(expected, foundAt, log.lines, log.head)];
    return {
      ok: checks.every((c) => c.status !== 'failed'),
      file: log.file,
      exists: log.exists,
      records: log.entries.length,
      lines: log.lines,
      ...(log.problems[0] ? { firstBroken: log.problems[0] } : {}),
      problems: log.problems,
      head: log.head,
      checks,
    };
  }

  /** The head and the number of lines, as the log's row keeps them (no row: GENESIS, 0). */
  async head(): Promise<{ file: string; exists: boolean; head: string; lines: number }> {
    await this.migrated();
    try {
      const row = (await (await this.connections()).query<{ head: string; lines: string }>('SELECT head, lines FROM rollback_lens_audit_log WHERE log_id = $1', [this.options.log])).rows[0];
      return { file: this.location, exists: row !== undefined, head: row?.head ?? GENESIS, lines: row ? Number(row.lines) : 0 };
    } catch (e) {
      throw this.ioError('read', e);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.ready = undefined;
    if (pool) await (await pool).end();
  }

  /** line -> hash of the last read (verify's expected-head look-up). */
  private lineHashes = new Map<number, string>();

  private check(logRow: { head: string; lines: string } | undefined, rows: Array<{ line: string; body: string }>): AuditLog {
    const entries: AuditEntry[] = [];
    const problems: AuditProblem[] = [];
    this.lineHashes = new Map();
    let expected = GENESIS;
    let want = 1;
    for (const row of rows) {
      const line = Number(row.line);
      const bytes = Buffer.from(row.body, 'utf8');
      const hash = lineHash(bytes);
      const reasons: string[] = [];
      if (line !== want) reasons.push(line > want ? `${plural(line - want, 'line')} before this one ${line - want === 1 ? 'is' : 'are'} missing from the database (line ${want}${line - want > 1 ? ` to ${line - 1}` : ''})` : `line ${line} is stored twice`);
      const check = checkLine(bytes, expected, line);
      if (check.shape.length === 0) entries.push({ line, record: check.record!, hash });
      reasons.push(...check.shape, ...(check.chain ? [check.chain] : []));
      if (reasons.length) problems.push({ line, reason: reasons.join('; ') });
      this.lineHashes.set(line, hash);
      expected = hash;
      want = line + 1;
    }
    const lines = rows.length ? Number(rows[rows.length - 1]!.line) : 0;
    if (logRow) {
      const kept = Number(logRow.lines);
      if (kept !== lines) {
        problems.push({
          line: Math.max(lines, 1),
          reason: `the log's row counts ${plural(kept, 'line')} but the database holds ${plural(lines, 'line')}: lines at the end were ${kept > lines ? 'removed' : 'added without an append'}`,
        });
      } else if (logRow.head !== expected) {
        problems.push({ line: lines, reason: `line ${lines} hashes to ${expected}, but the log's head (kept when it was appended) is ${logRow.head}: line ${lines} was changed after it was appended` });
      }
    } else if (rows.length) {
      problems.push({ line: 1, reason: "the log's row (its head) is missing: it was deleted" });
    }
    problems.sort((a, b) => a.line - b.line);
    return { file: this.location, exists: logRow !== undefined || rows.length > 0, entries, problems, lines, head: expected };
  }

  /** Runs `fn` in a transaction holding the log's row lock (the log is created if new), with its head and line count. */
  private async transaction<T>(fn: (c: PoolClient, head: string, lines: number) => Promise<T>): Promise<T> {
    await this.migrated();
    const c = await this.connect();
    try {
      await c.query('BEGIN');
      // creates the log's row if new, else locks it (waiting for the writer holding it) and reads its latest head: one round trip
      const row = (
        await c.query<{ head: string; lines: string }>(
          'INSERT INTO rollback_lens_audit_log AS l (log_id, head, lines) VALUES ($1, $2, 0) ON CONFLICT (log_id) DO UPDATE SET log_id = l.log_id RETURNING l.head, l.lines',
          [this.options.log, GENESIS],
        )
      ).rows[0]!;
      const result = await fn(c, row.head, Number(row.lines));
      await this.options.beforeCommit?.();
      await c.query('COMMIT');
      return result;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw this.ioError('append to', e);
    } finally {
      c.release();
    }
  }

  /** Inserts rows (in one statement) and moves the log's head to the last one. */
  private async insert(c: PoolClient, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof Row>(k: K): Array<Row[K]> => rows.map((r) => r[k]);
    const last = rows[rows.length - 1]!;
    await c.query(
      `WITH added AS (
         INSERT INTO rollback_lens_audit_record (log_id, line, body, hash, origin_hash, kind, path, time)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
       )
       UPDATE rollback_lens_audit_log SET head = $9, lines = $10 WHERE log_id = $1`,
      [this.options.log, col('line'), col('body'), col('hash'), col('origin'), col('kind'), col('path'), col('time'), last.hash, last.line],
    );
  }

  private migrated(): Promise<void> {
    this.ready ??= (async () => {
      const c = await this.connect();
      try {
        await migrate(c);
      } finally {
        c.release();
      }
    })().catch((e) => {
      this.ready = undefined;
      throw this.ioError('set up', e);
    });
    return this.ready;
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await (await this.connections()).connect();
    } catch (e) {
      throw new AuditError('io', `cannot connect to the audit database ${shownUrl(this.options.url)}: ${(e as Error).message || String(e)}`);
    }
  }

  private ioError(doing: string, e: unknown): AuditError {
    if (e instanceof AuditError) return e;
    return new AuditError('io', `cannot ${doing} the audit log ${this.location}: ${(e as Error).message || String(e)}`);
  }
}
