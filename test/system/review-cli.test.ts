// `rollback-lens review` as a process on the fixture workspace
// (test/fixtures/review/workspace.mjs: three runbooks, a post-mortem, a
// chained audit log), the calendar pinned to 2026-11-22: the text's exact
// lines, the JSON's numbers, the HTML file (one file, no script, a CSP, the
// hostile runbook name escaped, one restore point per restored run), the
// exit codes (1: something needs attention, 0: nothing, 2: usage), and a
// real drill run by the CLI then counted by the next review.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';
import { HOSTILE_NAME, writeReviewWorkspace } from '../fixtures/review/workspace.mjs';

const NOW = { ROLLBACK_LENS_NOW: '2026-11-22' };

describe('rollback-lens review (CLI process)', function () {
  this.timeout(120_000);
  let ws: string;
  beforeEach(() => {
    ws = mkdtempSync(path.join(tmpdir(), 'rl-review-'));
    writeReviewWorkspace(ws);
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('text: each runbook’s figures with what they rest on, and exit 1 for what needs attention', () => {
    const r = runCliProcess(ws, ['review', '--workspace', '.'], NOW);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split('\n');
    const alpha = lines.indexOf('alpha/alpha.runbook.yaml (alpha)');
    assert.deepEqual(lines.slice(alpha, alpha + 12), [
      'alpha/alpha.runbook.yaml (alpha)',
      '  runs: 5 drills (3 passed, 1 failed, 1 cancelled); 1 rollback (1 passed, 0 failed)',
      '  success rate: 80% (4 of 5 drills and rollbacks passed)',
      '  time to restore: median 15m, p90 40m (n=5 restored runs); windows.restore 30m, 4 of 5 within it; trend faster (median 15m → 10m, earlier vs later half)',
      '  time to decide: median 2m, p90 20m (n=5 judged runs); windows.decide 15m, 4 of 5 within it; trend slower (median 1m30s → 10m15s, earlier vs later half)',
      '  fidelity: agreement 98.7% (148/150 rows agree); within tolerance 95% (95/100 rows, runs without labels); measured in 2 of 5 judged runs',
      '  drills: due every 90d: last drill 2026-11-01, next due by 2027-01-30 (in 70 days)',
      '  post-mortem action items: 2 open (1 overdue), 1 done',
      '    overdue: Page the technical lead from the alert (technicalLead, due 2026-11-01; alpha/postmortems/alpha/2026-10-01-drill-latency-spike.md)',
      '  signatures: 2 of 3 approvals and sign-offs unsigned (1 approval, 1 sign-off)',
      '  waivers: min-roles (one-person team until Q1)',
      '',
    ]);
    assert.ok(r.stdout.includes('  waivers: max-drill-cadence (<b>seasonal</b> model, drilled monthly)\n'), 'beta’s waiver comes from its runbook');
    assert.ok(r.stdout.endsWith('Needs attention:\n  alpha/alpha.runbook.yaml: 1 post-mortem action item overdue\n  beta.runbook.yaml: drill overdue by 42 days (due every 30d)\n  beta.runbook.yaml: the newest drill or rollback failed\n'), r.stdout);
  });

  it('--since narrows the period: 30d leaves alpha 1 drill and 1 rollback', () => {
    const r = runCliProcess(ws, ['review', '--since', '30d', '--format', 'json'], NOW);
    const j = JSON.parse(r.stdout) as { period: { since: string }; runbooks: Array<{ path: string; drills: { n: number }; rollbacks: { n: number }; restore: { n: number; median: number } }> };
    assert.equal(j.period.since, '2026-10-23T00:00:00.000Z');
    const alpha = j.runbooks.find((b) => b.path === 'alpha/alpha.runbook.yaml')!;
    assert.deepEqual([alpha.drills.n, alpha.rollbacks.n, alpha.restore.n, alpha.restore.median], [1, 1, 2, 600_000]);
  });

  it('html: one self-contained file, a strict CSP, no script, values escaped, one point per restored run', () => {
    const r = runCliProcess(ws, ['review', '--format', 'html', '--out', 'review.html'], NOW);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'wrote review.html\n');
    const html = readFileSync(path.join(ws, 'review.html'), 'utf8');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[A-Za-z0-9+/]+=*&#39;; img-src data:">/);
    assert.ok(!/<script/i.test(html), 'no script');
    assert.ok(!html.includes(HOSTILE_NAME), 'the hostile name is not markup');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing remote');
    const alpha = html.slice(html.indexOf('data-path="alpha/alpha.runbook.yaml"'), html.indexOf('data-path="beta.runbook.yaml"'));
    assert.equal((alpha.match(/<circle class="pt restore/g) ?? []).length, 5);
    assert.equal((alpha.match(/<circle class="pt fidelity/g) ?? []).length, 2);
    assert.equal((html.match(/<rect class="bar success"/g) ?? []).length, 2, 'alpha and beta have a success rate; gamma says no data');
    assert.deepEqual(
      readdirSync(ws).filter((f) => f.endsWith('.html')),
      ['review.html'],
    );
  });

  it('a real drill by the CLI is counted by the next review; nothing needing attention is exit 0', () => {
    const only = mkdtempSync(path.join(tmpdir(), 'rl-review-gamma-'));
    try {
      writeReviewWorkspace(only, []);
      rmSync(path.join(only, 'beta.runbook.yaml'));
      rmSync(path.join(only, 'alpha'), { recursive: true });
      const before = runCliProcess(only, ['review', '--format', 'json'], NOW);
      assert.equal(before.code, 0, before.stdout);
      const drill = runCliProcess(only, ['drill', 'gamma.runbook.yaml', '--scenario', 'latency-spike'], NOW);
      assert.equal(drill.code, 0, drill.stdout + drill.stderr);
      const after = runCliProcess(only, ['review', '--format', 'json'], NOW);
      assert.equal(after.code, 0, after.stdout);
      const g = (JSON.parse(after.stdout) as { runbooks: Array<{ path: string; drills: { n: number; pass: number }; restore: { n: number }; unsigned: { approvals: number; of: number } }> }).runbooks[0]!;
      assert.equal(g.path, 'gamma.runbook.yaml');
      assert.deepEqual([g.drills.n, g.drills.pass, g.restore.n], [1, 1, 1]);
      // the drill's auto approval is recorded without a signature
      assert.deepEqual(g.unsigned, { approvals: 1, signOffs: 0, of: 1 });
    } finally {
      rmSync(only, { recursive: true, force: true });
    }
  });

  it('a broken log line is left out and counted; a runbook that cannot be read is reviewed from its records with the reason', () => {
    const log = path.join(ws, '.rollback-lens', 'audit.jsonl');
    const lines = readFileSync(log, 'utf8').split('\n');
    lines.splice(3, 0, '{not json');
    writeFileSync(log, lines.join('\n'));
    writeFileSync(path.join(ws, 'beta.runbook.yaml'), 'kind: RollbackRunbook\nsteps: [\n');
    const r = runCliProcess(ws, ['review'], NOW);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    // line 4 is no record; line 5 is one, but its prev no longer chains
    assert.ok(r.stdout.endsWith('\nthe audit log has problems at lines 4, 5: a line that is no record is left out, a record whose chain link is broken still counts (`rollback-lens audit verify` says more)\n'), r.stdout);
    assert.match(r.stdout, /\nbeta\.runbook\.yaml\n {2}note: .*beta\.runbook\.yaml:\d+:\d+: /);
    // its drill still counts; without its cadence no overdue drill is claimed
    assert.ok(r.stdout.includes('  runs: 1 drill (0 passed, 1 failed); no rollbacks\n'), r.stdout);
    assert.ok(r.stdout.includes('  overdue drills: none\n'), r.stdout);
  });

  it('usage errors exit 2 with the command’s usage', () => {
    for (const [args, message] of [
      [['review', '--since', 'soon'], 'rollback-lens review: --since must be a duration such as 90d or 12w: expected a number at `s`'],
      [['review', '--format', 'pdf'], 'rollback-lens review: --format must be text, json or html, not `pdf`'],
      [['review', 'alpha'], "rollback-lens review: review takes no file (it reads the workspace's audit log), not `alpha`"],
    ] as const) {
      const r = runCliProcess(ws, [...args], NOW);
      assert.equal(r.code, 2);
      assert.ok(r.stderr.startsWith(`${message}`), r.stderr);
      assert.ok(r.stderr.includes('Usage: rollback-lens review'), r.stderr);
    }
  });
});
