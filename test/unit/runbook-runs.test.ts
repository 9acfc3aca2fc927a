// The records and views around dry-runs and drills: sign-offs in the audit
// log, the overdue-drill check reading that log from the CLI, and the
// Markdown report the editor shows (escaped: values from files cannot inject).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { dryRunMarkdown, drillMarkdown, md } from '../../src/core/runbook/render';
import type { DrillReport, DryRunReport } from '../../src/core/runbook/report';
import { appendAuditRecord, readAuditLog } from '../../src/node/audit';
import { calendarClock } from '../../src/node/clock';
import { LanguageService } from '../../src/core/language/service';
import { formatDate } from '../../src/core/util/values';
import { CLEAN_FILES, CLEAN_RUNBOOK, DAY, FakeHost, FIXTURES, NOW, runCli } from './helpers';

function workspace(): string {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'rl-runs-'));
  fs.cpSync(path.join(FIXTURES, 'clean'), dir, { recursive: true });
  return dir;
}

describe('sign-off', () => {
  it('records a sign-off of a closure.signOff role, with the note', async () => {
    const dir = workspace();
    const out = await runCli(dir, 'sign-off', 'iris.runbook.yaml', '--role', 'dataSteward', '--note', 'profiles checked');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^dataSteward signed-off iris\.runbook\.yaml \(audit record at \d{4}-\d\d-\d\dT[\d:.]+Z, by .+\)\n$/);
    const [entry] = (await readAuditLog(dir)).entries;
    assert.deepEqual([entry!.record.kind, entry!.record.path, entry!.record.verdict, entry!.record.role, entry!.record.note], ['sign-off', 'iris.runbook.yaml', 'signed-off', 'dataSteward', 'profiles checked']);
    assert.match(String(entry!.record.digest), /^sha256:[0-9a-f]{64}$/);
    const refused = await runCli(dir, 'sign-off', 'iris.runbook.yaml', '--role', 'decisionMaker', '--reject');
    assert.equal(refused.code, 0);
    assert.equal((await readAuditLog(dir)).entries[1]!.record.verdict, 'refused');
    const list = await runCli(dir, 'audit', 'list');
    assert.deepEqual(
      list.stdout.split('\n').filter(Boolean).map((l) => l.replace(/ \d{4}-[\d-]+T[\d:.]+Z /, ' <time> ').replace(/ \(by .*\)$/, '')),
      ['.rollback-lens/audit.jsonl:1: <time> sign-off iris.runbook.yaml: signed-off dataSteward', '.rollback-lens/audit.jsonl:2: <time> sign-off iris.runbook.yaml: refused decisionMaker'],
    );
  });

  it('a role the runbook does not ask for is refused with the roles it does ask for; nothing is recorded', async () => {
    const dir = workspace();
    const out = await runCli(dir, 'sign-off', 'iris.runbook.yaml', '--role', 'sre');
    assert.equal(out.code, 2);
    assert.equal(out.stderr, 'rollback-lens: iris.runbook.yaml: `sre` is not a sign-off role (closure.signOff: decisionMaker, dataSteward)\n');
    assert.equal(fs.existsSync(path.join(dir, '.rollback-lens', 'audit.jsonl')), false);
    const usage = await runCli(dir, 'sign-off', 'iris.runbook.yaml');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^rollback-lens sign-off: give --role <role>\n/);
  });
});

describe('overdue drills from the CLI', () => {
  const overdue = (out: string) => out.split('\n').filter((l) => l.includes('drill-overdue'));
  it('quiet without an audit log and right after the first record; warns at drills.every counted from the first record, or from an old drill; quiet after a recent drill', async () => {
    const dir = workspace();
    assert.deepEqual(overdue((await runCli(dir, 'validate', 'iris.runbook.yaml')).stdout), []);
    // records made relative to the calendar the CLI judges them by (ROLLBACK_LENS_NOW, pinned for the tests)
    const today = calendarClock()();
    // the first dry-run starts the log: the cadence counts from it, nothing is overdue yet
    await appendAuditRecord(dir, { kind: 'dry-run', path: 'iris.runbook.yaml', verdict: 'ready' }, { now: () => today });
    assert.deepEqual(overdue((await runCli(dir, 'validate', 'iris.runbook.yaml')).stdout), []);
    await appendAuditRecord(dir, { kind: 'dry-run', path: 'iris.runbook.yaml', verdict: 'ready' }, { now: () => today - 91 * DAY });
    let out = await runCli(dir, 'validate', 'iris.runbook.yaml');
    assert.deepEqual(overdue(out.stdout), [
      `iris.runbook.yaml:43:10: warning drill-overdue no drill of this runbook is recorded in the 91 days since the audit log first saw it (${formatDate(today - 91 * DAY)}); drills are due every 90d`,
    ]);
    assert.equal(out.code, 0, 'a warning does not fail validate');
    await appendAuditRecord(dir, { kind: 'drill', path: 'iris.runbook.yaml', verdict: 'pass' }, { now: () => today - 100 * DAY });
    out = await runCli(dir, 'validate', 'iris.runbook.yaml');
    assert.deepEqual(overdue(out.stdout), [
      `iris.runbook.yaml:43:10: warning drill-overdue drill overdue: the last drill was on ${formatDate(today - 100 * DAY)} (100 days ago); drills are due every 90d`,
    ]);
    await appendAuditRecord(dir, { kind: 'drill', path: 'iris.runbook.yaml', verdict: 'fail' }, { now: () => today - 2 * DAY });
    assert.deepEqual(overdue((await runCli(dir, 'validate', 'iris.runbook.yaml')).stdout), [], 'a failed drill is still a rehearsal');
  });

  it('a cancelled drill is not a rehearsal: after an old drill and a recent cancelled one, the drill is still overdue', async () => {
    const dir = workspace();
    const today = calendarClock()();
    await appendAuditRecord(dir, { kind: 'drill', path: 'iris.runbook.yaml', verdict: 'pass', outcome: 'undone' }, { now: () => today - 100 * DAY });
    await appendAuditRecord(dir, { kind: 'drill', path: 'iris.runbook.yaml', verdict: 'cancelled', outcome: 'cancelled' }, { now: () => today - DAY });
    assert.deepEqual(overdue((await runCli(dir, 'validate', 'iris.runbook.yaml')).stdout), [
      `iris.runbook.yaml:43:10: warning drill-overdue drill overdue: the last drill was on ${formatDate(today - 100 * DAY)} (100 days ago); drills are due every 90d`,
    ]);
  });
});

describe('Markdown reports', () => {
  const hostile = '<script>alert(1)</script> [x](javascript:alert(1)) `|` **b**';
  it('escapes markup, HTML, links and table pipes in every value', () => {
    assert.equal(md('a|b <i>[l](javascript:x)</i> *e* `c`'), 'a\\|b &lt;i&gt;\\[l\\]\\(javascript\\:x\\)&lt;/i&gt; \\*e\\* \\`c\\`');
    const r: DryRunReport = {
      runbook: 'r.runbook.yaml',
      verdict: 'not-ready',
      phases: { detect: [hostile], decide: [], execute: [], verify: [], close: [], communicate: [] },
      steps: [{ id: 'a|b`c', order: 1, kind: 'run', action: hostile, outcome: 'would-run' }],
      findings: [{ severity: 'error', code: 'dry-run-failed', message: hostile, line: 7, column: 3 }],
      worstCase: { ms: 90_000, path: ['a|b`c'] },
    };
    const text = dryRunMarkdown(r, (l, c) => `r.runbook.yaml#L${l},${c}`);
    assert.ok(!/<script|<\/script|\]\(javascript/.test(text), text);
    assert.ok(text.includes('**Verdict: NOT READY** — 1 error(s), 0 warning(s); nothing was changed.'));
    // a finding: its severity in words, its place a link, its message escaped (a code span stays one, made inert)
    assert.ok(text.includes('- **error** at [7:3](r.runbook.yaml#L7,3) `dry-run-failed`: &lt;script&gt;alert\\(1\\)&lt;/script&gt; \\[x\\]\\(javascript\\:alert\\(1\\)\\) ` ` \\*\\*b\\*\\*\n'), text);
    assert.ok(text.includes('1. `a b c` (run), **would run**: '), 'a code span cannot be closed or split');
    assert.ok(!/^\|/m.test(text.split('## Steps')[1]!), 'steps are a list, not a wide table');
    assert.ok(text.includes('Worst case 1m30s along `a b c`.'), text);
  });

  it('a drill: verdict, timings, expectations, approvals and steps', () => {
    const r: DrillReport = {
      runbook: 'r.runbook.yaml',
      scenario: 'ok',
      verdict: 'pass',
      outcome: 'restored',
      timings: { detectMs: 12, decideMs: 120_000, executeMs: 1_500, verifyMs: 0, restoreMs: 1_500 },
      expectations: [{ what: 'decideWithin', limitMs: 300_000, actualMs: 120_000, met: true }],
      faults: [],
      triggers: [{ id: 'slow', metric: 'p99', value: 400, fired: true, message: 'p99 is 400 > 250: fires' }],
      steps: [{ id: 'repoint', kind: 'run', outcome: 'done', durationMs: 1_234 }],
      approvals: [{ step: 'approve', role: 'decisionMaker', decision: 'approve', by: 'scenario', afterMs: 120_000 }],
      restored: [],
    };
    const text = drillMarkdown(r);
    assert.ok(text.startsWith('# Drill `ok` of r\\.runbook\\.yaml\n\n**Verdict: PASS** — restored\n'), text);
    assert.ok(text.includes('| 12 ms | 2m | 1\\.5 s | 0 ms | 1\\.5 s |'), text);
    assert.ok(text.includes('- met: decideWithin 5m: took 2m'));
    assert.ok(text.includes('- `slow` **fired**: p99 is 400 &gt; 250\\: fires'), text);
    assert.ok(!/[\u{1F300}-\u{1FAFF}\u2705\u274C]/u.test(text), 'no emoji carries a meaning alone');
    assert.ok(text.includes('- `approve`: decisionMaker approved (scenario, after 2m)'));
    assert.ok(text.includes('- `repoint` (run): **done** in 1\\.2 s\n'), text);
  });

  it('a drill: a phase not measured, injected faults reached or not, and a cancelled drill', () => {
    const base: DrillReport = {
      runbook: 'r.runbook.yaml',
      scenario: 'hang',
      verdict: 'fail',
      outcome: 'undone',
      reason: 'step `approve` was rejected; undid nothing',
      timings: { detectMs: 3, decideMs: 10, executeMs: 0, verifyMs: 0, restoreMs: 0 },
      expectations: [{ what: 'restoreWithin', limitMs: 600_000, actualMs: 0, met: false, notReached: 'no step ran' }],
      faults: [
        { fault: 'hangStep', target: 'pin', reached: false },
        { fault: 'unavailable', target: 'http://x', reached: true },
      ],
      triggers: [],
      steps: [{ id: 'pin', kind: 'http', outcome: 'cancelled', durationMs: 1_500 }],
      approvals: [],
      restored: [],
    };
    const text = drillMarkdown(base);
    assert.ok(text.includes('- **not met**: restoreWithin 10m: not measured — no step ran\n'), text);
    assert.ok(text.includes('## Injected faults\n\n- hangStep `pin`: **never reached**\n- unavailable `http://x`: reached\n'), text);
    // a code span in a reason renders as one
    assert.ok(text.includes('**Verdict: FAIL** — undone: step `approve` was rejected; undid nothing\n'), text);
    const cancelled = drillMarkdown({ ...base, verdict: 'cancelled', outcome: 'cancelled', reason: 'the drill was cancelled during step `pin`; undid nothing' });
    assert.ok(cancelled.includes('**Verdict: CANCELLED** — the drill was cancelled during step `pin`; undid nothing\n'), cancelled);
    assert.ok(cancelled.includes('- `pin` (http): **cancelled** in 1\\.5 s\n'), cancelled);
  });
});

describe('LanguageService.invalidate', () => {
  it('keeps diagnostics per version until invalidated, then asks the host again (a drill was recorded)', async () => {
    let last: number | null = null;
    const service = new LanguageService(new FakeHost({ files: CLEAN_FILES, lastDrill: () => last }));
    const doc = { uri: 'iris.runbook.yaml', version: 1, path: 'iris.runbook.yaml', text: CLEAN_RUNBOOK };
    const codes = async () => (await service.validate(doc)).map((d) => d.code).filter((c) => c === 'drill-overdue');
    assert.deepEqual(await codes(), ['drill-overdue']);
    last = NOW - DAY;
    assert.deepEqual(await codes(), ['drill-overdue'], 'same version: the cached answer');
    service.invalidate();
    assert.deepEqual(await codes(), [], 'invalidated: the host says a drill ran yesterday');
  });
});
