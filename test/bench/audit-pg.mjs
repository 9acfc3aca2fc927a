// npm run bench, the decision repository: the audit log in PostgreSQL against
// the file log, through the store both ship (dist/bench/audit.js bundles
// src/node/audit and test/support/postgres.ts), on a real server started for
// the bench (initdb in a temporary folder, loopback, fsync on: the defaults).
//   - append throughput with 8 writer processes at once, one record (one
//     transaction, or one fdatasync'd file append) per call: records/s over
//     the wall time from "go" to the last writer's end (processes started and
//     connected before the clock starts), median of 3 runs, each on a new log;
//     the file log's 8 writers (its cross-process lock) are the peer.
//   - reading 10,000 drill records (with steps and timings, as a drill writes
//     them) from PostgreSQL and from the file holding the same bytes: median
//     of 5 reads of each, every record parsed and its chain checked.
//
//   node test/bench/audit-pg.mjs [--quick]            (also: run.mjs --audit-pg-only)
//   node test/bench/audit-pg.mjs --child <url|file> <log> <workspace> <count>
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { mergeBenchResults } from './results.mjs';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..', '..');
const audit = require(join(root, 'dist/bench/audit.js'));

const RUNBOOK = 'iris.runbook.yaml';
const drill = (writer, n) => ({
  kind: 'drill',
  path: RUNBOOK,
  verdict: 'pass',
  digest: null,
  commit: null,
  user: 'bench',
  writer,
  n,
  timings: { detect: 1200, decide: 45000, execute: 93000, verify: 30000, total: 169200 },
  steps: ['approve', 'flag-off', 'repoint', 'verify', 'notify', 'close'].map((id, i) => ({ id, outcome: 'ok', ms: 1000 + i * 137 })),
});

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// ---- a writer process: connects (or opens the file store), says "ready", appends on "go", says "done" ----
if (process.argv[2] === '--child') {
  const [, , , target, log, workspace, count] = process.argv;
  const store = await audit.openAuditStore({ workspaceRoot: workspace, ...(target === 'file' ? { url: undefined } : { url: target, log }) });
  if (store.kind === 'postgres') await store.head(); // connected and migrated before the clock starts
  process.stdout.write('ready\n');
  await new Promise((r) => createInterface({ input: process.stdin }).once('line', r));
  for (let n = 0; n < Number(count); n++) await store.append(drill(process.pid, n));
  await store.close();
  process.stdout.write('done\n');
  process.exit(0);
}

const quick = process.argv.includes('--quick');
const WRITERS = 8;
const PER_WRITER = quick ? 50 : 200;
const RUNS = 3;
const READ_RECORDS = 10_000;

/** 8 writer processes at once; resolves with the wall milliseconds from "go" to the last "done". */
async function eightWriters(target, log, workspace) {
  const env = { ...process.env };
  delete env.ROLLBACK_LENS_AUDIT_URL;
  const kids = Array.from({ length: WRITERS }, () => spawn(process.execPath, [here, '--child', target, log, workspace, String(PER_WRITER)], { stdio: ['pipe', 'pipe', 'inherit'], env }));
  const lines = kids.map((k) => createInterface({ input: k.stdout }));
  const said = (i, what) => new Promise((resolve, reject) => {
    lines[i].on('line', (l) => l === what && resolve());
    kids[i].once('exit', (code) => code !== 0 && reject(new Error(`writer ${i} exited ${code}`)));
  });
  await Promise.all(kids.map((_, i) => said(i, 'ready')));
  const t0 = performance.now();
  const done = Promise.all(kids.map((_, i) => said(i, 'done')));
  for (const k of kids) k.stdin.write('go\n');
  await done;
  return performance.now() - t0;
}

const pg = await audit.startPostgres();
const results = { writers: WRITERS, perWriter: PER_WRITER };
try {
  const url = await pg.createDatabase('bench');
  const ws = mkdtempSync(join(tmpdir(), 'rl-bench-audit-'));
  writeFileSync(join(ws, RUNBOOK), 'kind: RollbackRunbook\n');
  mkdirSync(join(ws, '.rollback-lens'));

  // append throughput, 8 writers
  const total = WRITERS * PER_WRITER;
  const pgMs = [];
  const fileMs = [];
  for (let run = 0; run < RUNS; run++) {
    pgMs.push(await eightWriters(url, `append-${run}`, ws));
    rmSync(join(ws, '.rollback-lens'), { recursive: true, force: true });
    mkdirSync(join(ws, '.rollback-lens'));
    fileMs.push(await eightWriters('file', '', ws));
  }
  // every run's log is whole: the count and the chain
  for (let run = 0; run < RUNS; run++) {
    const s = await audit.openAuditStore({ workspaceRoot: ws, url, log: `append-${run}` });
    const v = await s.verify();
    await s.close();
    if (!v.ok || v.records !== total) throw new Error(`run ${run}: the PostgreSQL log has ${v.records} records (ok ${v.ok}), not ${total}`);
  }
  const rate = (ms) => (total / ms) * 1000;
  results.append = { pgRecordsPerSecond: rate(median(pgMs)), fileRecordsPerSecond: rate(median(fileMs)), pgRunsMs: pgMs, fileRunsMs: fileMs };
  console.log(
    `\naudit append, ${WRITERS} writer processes × ${PER_WRITER} records, one transaction (PostgreSQL) or one fdatasync'd append (file) each, median of ${RUNS}:\n` +
      `  PostgreSQL ${rate(median(pgMs)).toFixed(0)} records/s (${median(pgMs).toFixed(0)} ms); file log ${rate(median(fileMs)).toFixed(0)} records/s (${median(fileMs).toFixed(0)} ms); ratio PostgreSQL/file ${(median(fileMs) / median(pgMs)).toFixed(2)}×`,
  );

  // reading 10,000 drill records: the same bytes in PostgreSQL and in the file
  const store = await audit.openAuditStore({ workspaceRoot: ws, url, log: 'read' });
  for (let i = 0; i < READ_RECORDS; i += 500) await store.append(Array.from({ length: Math.min(500, READ_RECORDS - i) }, (_, k) => drill(0, i + k)));
  const rows = await pg.query("SELECT body FROM rollback_lens_audit_record WHERE log_id = 'read' ORDER BY line", [], 'bench');
  const fileWs = mkdtempSync(join(tmpdir(), 'rl-bench-audit-read-'));
  mkdirSync(join(fileWs, '.rollback-lens'));
  const bytes = rows.map((r) => r.body).join('\n') + '\n';
  writeFileSync(join(fileWs, '.rollback-lens', 'audit.jsonl'), bytes);
  const pgRead = [];
  const fileRead = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const a = await store.read();
    pgRead.push(performance.now() - t);
    t = performance.now();
    const b = await audit.readAuditLog(fileWs);
    fileRead.push(performance.now() - t);
    if (a.entries.length !== READ_RECORDS || b.entries.length !== READ_RECORDS || a.problems.length || b.problems.length || a.head !== b.head) throw new Error('the two logs differ');
  }
  await store.close();
  results.read = { records: READ_RECORDS, bytes: Buffer.byteLength(bytes), pgMs: median(pgRead), fileMs: median(fileRead) };
  console.log(
    `audit read, ${READ_RECORDS} drill records (${(Buffer.byteLength(bytes) / 1048576).toFixed(1)} MiB), parsed and chain-checked, median of 5:\n` +
      `  PostgreSQL ${median(pgRead).toFixed(0)} ms; file ${median(fileRead).toFixed(0)} ms; ratio ${(median(pgRead) / median(fileRead)).toFixed(2)}×`,
  );
  rmSync(ws, { recursive: true, force: true });
  rmSync(fileWs, { recursive: true, force: true });
} finally {
  await pg.stop();
}
mergeBenchResults('auditPostgres', results);
