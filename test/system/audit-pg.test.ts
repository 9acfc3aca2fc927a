// The audit log in PostgreSQL (src/node/audit/store.ts, src/node/audit/pg/):
// against a real server started for the suite (test/support/postgres.ts), a
// database per test: the same bytes per line as the file log, append, read,
// verify, list and head from the CLI (in process and as the bundled CLI's
// process), `audit push` idempotent, 8 concurrent writer processes, a writer
// SIGKILLed inside its transaction, tampering caught at its line, migrations
// applied once and a newer schema refused, an unreachable server named.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUDIT_USAGE } from '../../src/cli/commands';
import { appendAuditRecord, auditLogPath, GENESIS, openAuditStore, readAuditLog, verifyAuditLog, type AuditInput } from '../../src/node/audit';
import { closureSignOffs, signOff } from '../../src/node/runbook/signoff';
import { startPostgres, type PgServer } from '../support/postgres';
import { FIXTURES, runCli, runCliProcess } from '../unit/helpers';

const WRITER = path.join(FIXTURES, 'audit/pg-append.cjs');
const RUNBOOK = 'iris.runbook.yaml';
const sha = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;
/** Fixed inputs: the same record bytes whatever the machine (no digest, commit, user or clock of its own). */
const rec = (verdict: string, extra: Partial<AuditInput> = {}): AuditInput => ({ kind: 'drill', path: RUNBOOK, verdict, digest: null, commit: null, user: 'ana', ...extra });
const at = (iso: string) => ({ now: () => Date.parse(iso) });

/** `rollback-lens audit <argv>` in process (runCli of test/unit/helpers.ts). */
const cli = (argv: string[], cwd: string) => runCli(cwd, 'audit', ...argv);

describe('audit log in PostgreSQL', function () {
  this.timeout(60_000);
  let pg: PgServer;
  let url: string;
  let db: string;
  let dir: string;
  let dbCount = 0;
  const children: ChildProcess[] = [];
  const saved = { url: process.env.ROLLBACK_LENS_AUDIT_URL, log: process.env.ROLLBACK_LENS_AUDIT_LOG };
  /** The log as messages name it. */
  const where = (log = 'iris'): string => `postgres://127.0.0.1:${pg.port}/${db}#${log}`;
  const bodies = async (log = 'iris'): Promise<string[]> =>
    (await pg.query<{ body: string }>('SELECT body FROM rollback_lens_audit_record WHERE log_id = $1 ORDER BY line', [log], db)).map((r) => r.body);

  before(async function () {
    this.timeout(120_000);
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });
  beforeEach(async () => {
    db = `t${++dbCount}`;
    url = await pg.createDatabase(db);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-audit-pg-'));
    fs.mkdirSync(path.join(dir, '.rollback-lens'));
    fs.writeFileSync(path.join(dir, RUNBOOK), 'kind: RollbackRunbook\n');
    process.env.ROLLBACK_LENS_AUDIT_URL = url;
    process.env.ROLLBACK_LENS_AUDIT_LOG = 'iris';
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const [k, v] of [
      ['ROLLBACK_LENS_AUDIT_URL', saved.url],
      ['ROLLBACK_LENS_AUDIT_LOG', saved.log],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A writer process (test/fixtures/audit/pg-append.cjs); `exited` resolves with its exit code or signal. */
  function writer(args: string[]): { proc: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | string> } {
    const proc = spawn(process.execPath, [WRITER, url, 'iris', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | string>((r) => proc.once('exit', (code, signal) => r(code ?? signal ?? -1)));
    return { proc, stdout: () => out, stderr: () => err, exited };
  }

  it('holds the same bytes per line, and the same chain, as the file log', async () => {
    const inputs = [rec('pass'), rec('fail', { timings: { total: 1200 } }), { kind: 'sign-off', path: RUNBOOK, verdict: 'approved', role: 'ml-lead', digest: null, commit: null, user: 'bo' } as AuditInput];
    for (const [i, input] of inputs.entries()) await appendAuditRecord(dir, input, at(`2026-11-2${i}T10:00:00.000Z`));
    delete process.env.ROLLBACK_LENS_AUDIT_URL;
    for (const [i, input] of inputs.entries()) await appendAuditRecord(dir, input, at(`2026-11-2${i}T10:00:00.000Z`));
    const file = fs.readFileSync(auditLogPath(dir), 'utf8');
    assert.equal((await bodies()).join('\n') + '\n', file);
    assert.equal(file.split('\n').length, 4);
    const rows = await pg.query<{ line: string; hash: string; kind: string; path: string }>('SELECT line, hash, kind, path FROM rollback_lens_audit_record ORDER BY line', [], db);
    assert.deepEqual(
      rows.map((r) => [Number(r.line), r.hash, r.kind, r.path]),
      file
        .split('\n')
        .slice(0, 3)
        .map((l, i) => [i + 1, sha(l), inputs[i]!.kind, RUNBOOK]),
    );
  });

  it('reads, verifies, lists and heads the database log from the CLI, the file untouched', async () => {
    await appendAuditRecord(dir, rec('pass'), at('2026-11-20T10:00:00.000Z'));
    await appendAuditRecord(dir, { kind: 'sign-off', path: RUNBOOK, verdict: 'approved', role: 'ml-lead', user: 'bo', digest: null, commit: null }, at('2026-11-21T09:30:00.000Z'));
    assert.equal(fs.existsSync(auditLogPath(dir)), false, 'nothing was written to the file log');
    const lines = await bodies();
    const log = await readAuditLog(dir);
    assert.deepEqual(
      log.entries.map((e) => [e.line, e.hash, e.record.verdict, e.record.prev]),
      [
        [1, sha(lines[0]!), 'pass', GENESIS],
        [2, sha(lines[1]!), 'approved', sha(lines[0]!)],
      ],
    );
    assert.deepEqual([log.file, log.exists, log.lines, log.head, log.problems], [where(), true, 2, sha(lines[1]!), []]);

    const list = await cli(['list'], dir);
    assert.equal(
      list.stdout,
      `${where()}:1: 2026-11-20T10:00:00.000Z drill ${RUNBOOK}: pass (by ana)\n${where()}:2: 2026-11-21T09:30:00.000Z sign-off ${RUNBOOK}: approved ml-lead (by bo)\n`,
    );
    assert.equal(list.code, 0);
    const head = await cli(['head'], dir);
    assert.deepEqual([head.code, head.stdout], [0, `${sha(lines[1]!)}\n`]);
    const v = await cli(['verify', '--expect-head', sha(lines[0]!)], dir);
    assert.equal(
      v.stdout,
      [
        // the sign-off in the database is checked for a signature like one in the file (src/node/signing)
        `${where()}:2: unsigned: sign-off ml-lead: no signature`,
        `${where()}: hash chain: passed: 2 records, each chained to the line before it`,
        `${where()}: git history: not checked: no git history to compare: the log is in PostgreSQL (${where()}), not in a file git tracks`,
        `${where()}: expected head: passed: the expected head is the hash of line 1: the 1 line after it was appended after that head was kept, and is covered only by the chain`,
        `${where()}: signatures: not checked: no signed records (1 unsigned approval or sign-off)`,
        `${where()}: intact, 2 records, head ${sha(lines[1]!)}`,
        '',
      ].join('\n'),
    );
    assert.equal(v.code, 0);
  });

  it("a sign-off goes to the database, and the closure's progress is read back from it (no file log)", async () => {
    const runbook = path.join(dir, 'close.runbook.yaml');
    fs.writeFileSync(runbook, 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\nroles: { decisionMaker: { name: Lead, contact: "#lead" }, sre: { name: Ops, contact: "#ops" } }\nclosure: { signOff: [decisionMaker, sre] }\n');
    assert.deepEqual(await closureSignOffs(runbook, dir), { signed: 0, total: 2, roles: [{ role: 'decisionMaker', state: 'open' }, { role: 'sre', state: 'open' }] });
    await signOff(runbook, { workspace: dir, role: 'sre', decision: 'approve', user: 'bo' });
    assert.equal(fs.existsSync(auditLogPath(dir)), false);
    assert.deepEqual((await bodies()).map((b) => (JSON.parse(b) as { kind: string; role: string }).role), ['sre']);
    const progress = await closureSignOffs(runbook, dir);
    assert.deepEqual([progress.signed, progress.roles.map((r) => [r.role, r.state, r.user ?? null])], [1, [['decisionMaker', 'open', null], ['sre', 'signed', 'bo']]]);
  });

  it('the bundled CLI, as a process, applies the migrations and verifies the database log', async () => {
    const env = { ROLLBACK_LENS_AUDIT_URL: url, ROLLBACK_LENS_AUDIT_LOG: 'iris' };
    const empty = runCliProcess(dir, ['audit', 'verify'], env);
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, `${where()}: no audit log yet: nothing to verify\n`, '']);
    assert.deepEqual(await pg.query('SELECT id FROM rollback_lens_migrations', [], db), [{ id: '001_audit_log' }]);
    await appendAuditRecord(dir, rec('pass'));
    const r = runCliProcess(dir, ['audit', 'verify', '--format', 'json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; file: string; records: number; head: string };
    assert.deepEqual([out.ok, out.file, out.records, out.head], [true, where(), 1, sha((await bodies())[0]!)]);
  });

  it('audit push copies the file log once: a second push copies nothing; records appended on both sides since are chained on', async () => {
    delete process.env.ROLLBACK_LENS_AUDIT_URL;
    for (const v of ['pass', 'fail', 'pass']) await appendAuditRecord(dir, rec(v));
    const file = () => fs.readFileSync(auditLogPath(dir), 'utf8').split('\n').slice(0, -1);
    const first = await cli(['push', '--to', url], dir);
    assert.deepEqual([first.code, first.stdout, first.stderr], [0, `.rollback-lens/audit.jsonl -> ${where()}: 3 records copied, 0 already there\n`, '']);
    assert.deepEqual(await bodies(), file(), 'copied verbatim: same bytes, same hashes');
    const again = await cli(['push', '--to', url], dir);
    assert.deepEqual([again.code, again.stdout], [0, `.rollback-lens/audit.jsonl -> ${where()}: 0 records copied, 3 already there\n`]);
    assert.equal((await bodies()).length, 3);

    // two more in the file, one directly in the database: the file's are chained on after the database's
    await appendAuditRecord(dir, rec('late'));
    await appendAuditRecord(dir, rec('direct'));
    process.env.ROLLBACK_LENS_AUDIT_URL = url;
    await appendAuditRecord(dir, rec('in-db'));
    delete process.env.ROLLBACK_LENS_AUDIT_URL;
    const third = await cli(['push', '--to', url, '--format', 'json'], dir);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(JSON.parse(third.stdout), { file: '.rollback-lens/audit.jsonl', location: where(), copied: 2, already: 3 });
    const fourth = await cli(['push', '--to', url], dir);
    assert.equal(fourth.stdout, `.rollback-lens/audit.jsonl -> ${where()}: 0 records copied, 5 already there\n`);
    process.env.ROLLBACK_LENS_AUDIT_URL = url;
    const v = await verifyAuditLog(dir);
    assert.deepEqual([v.ok, v.records, v.problems], [true, 6, []]);
    assert.deepEqual(
      (await readAuditLog(dir)).entries.map((e) => e.record.verdict),
      ['pass', 'fail', 'pass', 'in-db', 'late', 'direct'],
    );
  });

  it('audit push refuses a broken file log, naming its line, and pushes nothing', async () => {
    delete process.env.ROLLBACK_LENS_AUDIT_URL;
    for (const v of ['pass', 'fail']) await appendAuditRecord(dir, rec(v));
    const lines = fs.readFileSync(auditLogPath(dir), 'utf8').split('\n');
    fs.writeFileSync(auditLogPath(dir), [lines[0]!.replace('"pass"', '"PASS"'), ...lines.slice(1)].join('\n'));
    const r = await cli(['push', '--to', url], dir);
    const reason = `prev mismatch: expected ${sha(lines[0]!.replace('"pass"', '"PASS"'))} (the hash of line 1), found "${sha(lines[0]!)}"; line 1 was changed, or lines were removed or inserted before this one`;
    assert.equal(r.stdout, `.rollback-lens/audit.jsonl:2: ${reason}\n.rollback-lens/audit.jsonl: broken at line 2: nothing was pushed to ${where()} (run \`rollback-lens audit verify\`)\n`);
    assert.equal(r.code, 1);
    assert.deepEqual(await pg.query("SELECT to_regclass('rollback_lens_audit_record') IS NULL AS none", [], db), [{ none: true }]);
  });

  it('audit push: usage errors and no database exit 2', async () => {
    const usage = (m: string) => ({ code: 2, stdout: '', stderr: `rollback-lens audit: ${m}\n\n${AUDIT_USAGE}\n` });
    assert.deepEqual(await cli(['verify', '--to', url], dir), usage('--to only applies to `audit push`'));
    assert.deepEqual(await cli(['push', '--to', 'mysql://db/x'], dir), usage('--to must be a postgres:// or postgresql:// URL'));
    delete process.env.ROLLBACK_LENS_AUDIT_URL;
    assert.deepEqual(await cli(['push'], dir), { code: 2, stdout: '', stderr: 'rollback-lens audit: no database to push to: give --to postgres://… or set ROLLBACK_LENS_AUDIT_URL\n' });
  });

  it('8 writer processes appending 25 records each at once: 200 lines, each chained to the one before, each writer in its order', async () => {
    const writers = Array.from({ length: 8 }, (_, w) => writer([String(w), '25']));
    const codes = await Promise.all(writers.map((w) => w.exited));
    assert.deepEqual(codes, Array(8).fill(0), writers.map((w) => w.stderr()).join(''));
    const v = await verifyAuditLog(dir);
    assert.deepEqual([v.ok, v.records, v.lines, v.problems], [true, 200, 200, []]);
    const entries = (await readAuditLog(dir)).entries;
    for (let w = 0; w < 8; w++) {
      assert.deepEqual(
        entries.filter((e) => e.record.writer === w).map((e) => e.record.n),
        Array.from({ length: 25 }, (_, n) => n),
      );
    }
    assert.deepEqual(await pg.query('SELECT id FROM rollback_lens_migrations', [], db), [{ id: '001_audit_log' }], 'applied once');
    const [row] = await pg.query<{ head: string; lines: string }>('SELECT head, lines FROM rollback_lens_audit_log', [], db);
    assert.deepEqual([row!.head, Number(row!.lines)], [v.head, 200]);
  });

  it('a writer SIGKILLed inside its transaction leaves nothing; the writer waiting behind it goes on; the chain stays whole', async () => {
    await appendAuditRecord(dir, rec('before'));
    const hung = writer(['99', '1', 'hang']);
    while (!hung.stdout().includes('in-transaction')) {
      if (hung.proc.exitCode !== null) assert.fail(`the writer exited: ${hung.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // its row is written, not committed: another writer waits on the log's row lock
    const next = writer(['1', '5']);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(next.stdout(), '', 'the second writer waits for the first transaction');
    hung.proc.kill('SIGKILL');
    assert.equal(await hung.exited, 'SIGKILL');
    assert.equal(await next.exited, 0, next.stderr());
    const log = await readAuditLog(dir);
    assert.deepEqual(
      log.entries.map((e) => [e.line, e.record.verdict, e.record.writer ?? null]),
      [[1, 'before', null], ...Array.from({ length: 5 }, (_, n) => [n + 2, 'pass', 1])],
    );
    const v = await verifyAuditLog(dir);
    assert.deepEqual([v.ok, v.records, v.problems], [true, 6, []]);
    assert.deepEqual(await pg.query("SELECT count(*)::int AS n FROM rollback_lens_audit_record WHERE body LIKE '%\"writer\":99%'", [], db), [{ n: 0 }]);
  });

  it('a row changed in the database is caught by verify at the line after it; a changed last line and a removed one at their lines', async () => {
    for (const v of ['pass', 'fail', 'pass', 'pass']) await appendAuditRecord(dir, rec(v));
    const orig = await bodies();
    await pg.query(`UPDATE rollback_lens_audit_record SET body = replace(body, '"fail"', '"pass"') WHERE line = 2`, [], db);
    const v = await cli(['verify'], dir);
    assert.equal(v.code, 1);
    const changed = orig[1]!.replace('"fail"', '"pass"');
    assert.equal(
      v.stdout.split('\n')[0],
      `${where()}:3: prev mismatch: expected ${sha(changed)} (the hash of line 2), found "${sha(orig[1]!)}"; line 2 was changed, or lines were removed or inserted before this one`,
    );
    assert.match(v.stdout, new RegExp(`broken: caught by hash chain at line 3 \\(4 records`));

    // the last line: the chain cannot see it, the log's head row does
    await pg.query('UPDATE rollback_lens_audit_record SET body = $1 WHERE line = 2', [orig[1]], db);
    await pg.query(`UPDATE rollback_lens_audit_record SET body = replace(body, '"user":"ana"', '"user":"eve"') WHERE line = 4`, [], db);
    const last = await verifyAuditLog(dir);
    assert.deepEqual(last.problems, [
      { line: 4, reason: `line 4 hashes to ${sha(orig[3]!.replace('"user":"ana"', '"user":"eve"'))}, but the log's head (kept when it was appended) is ${sha(orig[3]!)}: line 4 was changed after it was appended` },
    ]);
    assert.equal(last.ok, false);

    // a line removed in the middle: named, and the line after it no longer chains
    await pg.query('UPDATE rollback_lens_audit_record SET body = $1 WHERE line = 4', [orig[3]], db);
    await pg.query('DELETE FROM rollback_lens_audit_record WHERE line = 2', [], db);
    const gap = await verifyAuditLog(dir);
    assert.equal(gap.firstBroken?.line, 3);
    assert.match(gap.firstBroken!.reason, /^1 line before this one is missing from the database \(line 2\); prev mismatch: expected sha256:[0-9a-f]{64} \(the hash of line 2\)/);
  });

  it('refuses a database whose schema is newer than this build knows, and names an unreachable server', async () => {
    await appendAuditRecord(dir, rec('pass'));
    await pg.query("INSERT INTO rollback_lens_migrations (id) VALUES ('999_future')", [], db);
    const store = await openAuditStore({ workspaceRoot: dir, url, log: 'other' });
    await assert.rejects(store.read(), { message: 'the audit database has a newer schema than this rollback-lens knows (migration 999_future): upgrade rollback-lens' });
    await store.close();

    const r = runCliProcess(dir, ['audit', 'list'], { ROLLBACK_LENS_AUDIT_URL: 'postgres://nobody:secret@127.0.0.1:1/x' });
    assert.deepEqual([r.code, r.stdout], [2, '']);
    assert.equal(r.stderr, 'rollback-lens audit: cannot connect to the audit database postgres://127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1\n');
    assert.doesNotMatch(r.stderr, /secret/);
  });
});
