// npm run bench, the readiness review: `rollback-lens review` of 10,000 drill
// records from the file log (a generated workspace: the review fixture's
// runbooks and post-mortem, test/fixtures/review/workspace.mjs, with
// manyDrills(10000) as its audit log), against a floor that only reads the
// same log and JSON.parses every line. The review is what the CLI does
// (src/node/review loadReview: the log streamed and every line hashed and
// chain-checked, the runbooks and post-mortems loaded, the figures computed)
// plus rendering the HTML page; each measured in a fresh child process,
// median of 5, with the child's peak RSS; and the CLI once end to end. Then the
// same review with the same log pushed into a real PostgreSQL (the tests'
// server, test/support/postgres.ts; `audit push`, byte for byte), the child
// reading it through ROLLBACK_LENS_AUDIT_URL as the CLI would.
//
//   node test/bench/review.mjs [--quick]        (also: run.mjs --review-only)
//   node test/bench/review.mjs --child <floor|review> <workspace>
//
// Target: review ≤ 2 s at 10,000 records (the floor only parses; the review also hashes every
// line, compiles the runbook schema once and loads the runbooks); peak RSS ≤ 200 MB.
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeBenchResults } from './results.mjs';
import { manyDrills, writeReviewWorkspace } from '../fixtures/review/workspace.mjs';
import { peakRssKB } from './rss.mjs';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..', '..');
const RECORDS = 10_000;
const NOW = Date.parse('2026-11-22T00:00:00Z');

if (process.argv[2] === '--child') {
  const [, , , mode, ws] = process.argv;
  // loaded before the clock starts, in the floor's process too
  const core = require(join(root, 'dist/bench/core.js'));
  const t0 = performance.now();
  let figure;
  if (mode === 'floor') {
    const lines = readFileSync(join(ws, '.rollback-lens/audit.jsonl'), 'utf8').split('\n');
    let n = 0;
    for (const l of lines) if (l) n += JSON.parse(l).kind === 'drill' ? 1 : 0;
    figure = n;
  } else {
    const loaded = await core.loadReview({ workspace: ws, now: NOW, sinceMs: 730 * 86_400_000 });
    const html = core.reviewFileHtml(loaded.review, 'bench');
    figure = { drills: loaded.review.across.drills, htmlBytes: html.length, restoreMedianMs: loaded.review.across.restore.median, p90: loaded.review.across.restore.p90 };
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, rssMB: peakRssKB() / 1024, figure }));
  process.exit(0);
}

const runs = process.argv.includes('--quick') ? 3 : 5;
const ws = mkdtempSync(join(tmpdir(), 'rl-bench-review-'));
try {
  writeReviewWorkspace(ws, manyDrills(RECORDS));
  const logBytes = statSync(join(ws, '.rollback-lens/audit.jsonl')).size;
  const child = (mode, env = {}) => JSON.parse(execFileSync(process.execPath, [here, '--child', mode, ws], { encoding: 'utf8', env: { ...process.env, ...env } }));
  const measure = (mode, env) => {
    const rs = Array.from({ length: runs }, () => child(mode, env));
    const ms = rs.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(runs / 2)];
    return { ms, rssMB: Math.max(...rs.map((r) => r.rssMB)), figure: rs[0].figure };
  };
  const floor = measure('floor');
  const review = measure('review');
  const t0 = performance.now();
  // exit 1: the fixture's beta runbook is overdue (something needs attention); 2 would be an error
  const cli = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'review', '--since', '730d', '--format', 'html', '--out', join(ws, 'review.html')], {
    cwd: ws,
    env: { ...process.env, ROLLBACK_LENS_NOW: '2026-11-22' },
    encoding: 'utf8',
  });
  if (cli.status !== 0 && cli.status !== 1) throw new Error(`rollback-lens review exited ${cli.status}: ${cli.stderr}`);
  const cliMs = performance.now() - t0;
  console.log(`\nreadiness review of ${RECORDS} drill records from the file (${(logBytes / 1048576).toFixed(1)} MiB log), median of ${runs} fresh processes:`);
  console.log(`  floor (read + JSON.parse every line): ${floor.ms.toFixed(0)} ms, peak RSS ${floor.rssMB.toFixed(0)} MB`);
  console.log(`  review (read, hash-chain check, runbooks, figures, HTML page): ${review.ms.toFixed(0)} ms (${(review.ms / floor.ms).toFixed(2)}× the floor), peak RSS ${review.rssMB.toFixed(0)} MB`);
  console.log(`  \`rollback-lens review --format html\` end to end (node start included): ${cliMs.toFixed(0)} ms`);
  console.log(`  figures: ${review.figure.drills} drills; restore median ${review.figure.restoreMedianMs} ms, p90 ${review.figure.p90} ms; page ${(review.figure.htmlBytes / 1024).toFixed(0)} KiB`);
  // the same log from PostgreSQL
  const audit = require(join(root, 'dist/bench/audit.js'));
  const pg = await audit.startPostgres();
  let fromPg;
  try {
    const url = await pg.createDatabase('review');
    const pushed = await audit.pushAuditLog({ workspaceRoot: ws, url, log: 'review' });
    if (pushed.copied !== RECORDS) throw new Error(`pushed ${JSON.stringify(pushed)}, not ${RECORDS} records`);
    fromPg = measure('review', { ROLLBACK_LENS_AUDIT_URL: url, ROLLBACK_LENS_AUDIT_LOG: 'review' });
  } finally {
    await pg.stop();
  }
  if (JSON.stringify(fromPg.figure) !== JSON.stringify(review.figure)) throw new Error(`the review from PostgreSQL differs: ${JSON.stringify(fromPg.figure)} vs ${JSON.stringify(review.figure)}`);
  console.log(`  review from PostgreSQL (the same log pushed, read through ROLLBACK_LENS_AUDIT_URL): ${fromPg.ms.toFixed(0)} ms (${(fromPg.ms / review.ms).toFixed(2)}× the review from the file), peak RSS ${fromPg.rssMB.toFixed(0)} MB; same figures`);
  console.log('  targets: review ≤ 2 s; peak RSS ≤ 200 MB');
  mergeBenchResults('review', { records: RECORDS, logBytes, runs, floorMs: floor.ms, floorRssMB: floor.rssMB, reviewMs: review.ms, reviewRssMB: review.rssMB, ratio: review.ms / floor.ms, cliMs, htmlBytes: review.figure.htmlBytes, pgReviewMs: fromPg.ms, pgReviewRssMB: fromPg.rssMB });
} finally {
  rmSync(ws, { recursive: true, force: true });
}
