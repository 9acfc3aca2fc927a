// The calendar: ROLLBACK_LENS_NOW pins the date every command judges
// deprecations and drill cadence against; an invalid value is a usage error
// (exit 2) before anything runs; what records or measures time (audit record
// times) keeps the real clock. Real CLI processes on copies of the example.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendAuditRecord, readAuditLog } from '../../src/node/audit';
import { calendarClock, clockProblem, NOW_ENV, parseNow } from '../../src/node/clock';
import { formatDate, parseDate } from '../../src/core/util/values';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const DAY = 86_400_000;
const CONTRACT = readFileSync(path.join(EXAMPLE, 'iris.contract.yaml'), 'utf8');
const RUNBOOK = readFileSync(path.join(EXAMPLE, 'iris.runbook.yaml'), 'utf8');
/** The example's one deprecation, as its text states it. */
const SINCE = /^ {4}since: (\d{4}-\d\d-\d\d)/m.exec(CONTRACT)![1]!;
const REMOVE_AFTER = /^ {4}removeAfter: (\d{4}-\d\d-\d\d)/m.exec(CONTRACT)![1]!;
const dayAfter = (d: string): string => formatDate((parseDate(d) as { value: number }).value + DAY);

/** 1-based `line:column` of the first `needle` (after `context`) in `text`. */
function at(text: string, needle: string, context = ''): string {
  const offset = text.indexOf(needle, context ? text.indexOf(context) : 0);
  assert.ok(offset >= 0, needle);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

const INVALID = (v: string) => `rollback-lens: ROLLBACK_LENS_NOW must be a date (YYYY-MM-DD) or a date-time with a time zone (e.g. 2026-11-22T09:30:00Z), not \`${v}\`\n`;

describe('clock: ROLLBACK_LENS_NOW', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rl-clock-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses a date (00:00 UTC) or a date-time with a time zone; anything else is refused with the reason', () => {
    assert.equal(NOW_ENV, 'ROLLBACK_LENS_NOW');
    assert.deepEqual(parseNow('2026-11-22'), { ok: true, value: Date.UTC(2026, 10, 22) });
    assert.deepEqual(parseNow('2026-11-22T09:30:00Z'), { ok: true, value: Date.UTC(2026, 10, 22, 9, 30) });
    assert.deepEqual(parseNow('2026-11-22T09:30Z'), { ok: true, value: Date.UTC(2026, 10, 22, 9, 30) });
    assert.deepEqual(parseNow('2026-11-22T09:30:00.250+02:00'), { ok: true, value: Date.UTC(2026, 10, 22, 7, 30, 0, 250) });
    for (const bad of ['tomorrow', '2026-13-01', '2026-02-30', '2026-11-22T09:30:00', '2026-11-22T25:00:00Z', '2026-11-22 09:30:00Z', '22/11/2026', ' 2026-11-22']) {
      assert.deepEqual(parseNow(bad), { ok: false, message: INVALID(bad).slice('rollback-lens: '.length, -1) }, bad);
    }
  });

  it('frozen at the pinned instant when set; the real clock when unset or empty', () => {
    const pinned = calendarClock({ ROLLBACK_LENS_NOW: '2030-01-02' });
    assert.equal(pinned(), Date.UTC(2030, 0, 2));
    assert.equal(pinned(), Date.UTC(2030, 0, 2));
    for (const env of [{}, { ROLLBACK_LENS_NOW: '' }]) {
      const before = Date.now();
      const t = calendarClock(env)();
      assert.ok(t >= before && t <= Date.now(), JSON.stringify(env));
      assert.equal(clockProblem(env), undefined);
    }
    assert.equal(clockProblem({ ROLLBACK_LENS_NOW: 'soon' }), INVALID('soon').slice('rollback-lens: '.length, -1));
    assert.throws(() => calendarClock({ ROLLBACK_LENS_NOW: 'soon' }), { message: INVALID('soon').slice('rollback-lens: '.length, -1) });
  });

  it("dry-run: the example is READY under the tests' pinned date and NOT READY the day after its deprecation's removeAfter", () => {
    const ready = runCliProcess(dir, ['dry-run', 'iris.runbook.yaml'], { ROLLBACK_LENS_NOW: '2026-11-22' });
    assert.equal(ready.code, 0, ready.stdout + ready.stderr);
    assert.match(ready.stdout, /^READY$/m);
    const late = dayAfter(REMOVE_AFTER);
    const r = runCliProcess(dir, ['dry-run', 'iris.runbook.yaml'], { ROLLBACK_LENS_NOW: late });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(
      r.stdout.includes(
        `iris.runbook.yaml:${at(RUNBOOK, 'contract:', '\n  target:')}: error contract-deprecation-overdue contract change from current to target: \`input.petal_len\` was due for removal after ${REMOVE_AFTER} and is still in the input schema`,
      ),
      r.stdout,
    );
    assert.match(r.stdout, /^NOT READY: 1 error\(s\)$/m);
  });

  it('validate: the deprecation window and its expiry are judged against the pinned date', () => {
    const field = at(CONTRACT, 'input.petal_len', 'deprecations:');
    const r = runCliProcess(dir, ['validate', 'iris.contract.yaml'], { ROLLBACK_LENS_NOW: SINCE });
    assert.equal(r.stdout, `iris.contract.yaml:${field}: warning deprecation-window \`input.petal_len\` is deprecated since ${SINCE} and will be removed after ${REMOVE_AFTER}; use \`input.petal_length\` instead\n`);
    assert.equal(r.code, 0);
    const expired = runCliProcess(dir, ['validate', 'iris.contract.yaml'], { ROLLBACK_LENS_NOW: `${dayAfter(dayAfter(REMOVE_AFTER))}T23:59:59Z` });
    assert.equal(expired.stdout, `iris.contract.yaml:${field}: error deprecation-expired \`input.petal_len\` was to be removed after ${REMOVE_AFTER} (2 days ago); use \`input.petal_length\` instead\n`);
    assert.equal(expired.code, 1);
    assert.equal(runCliProcess(dir, ['validate', 'iris.contract.yaml'], { ROLLBACK_LENS_NOW: '2026-11-22' }).stderr, '1 file checked: 0 errors, 0 warnings\n');
  });

  it('validate: drill cadence against the pinned date (the drill recorded at its own time)', async () => {
    await appendAuditRecord(dir, { kind: 'drill', path: 'iris.runbook.yaml', verdict: 'pass' }, { now: () => Date.UTC(2026, 7, 14), durable: false });
    const every = at(RUNBOOK, '90d', 'drills:');
    const r = runCliProcess(dir, ['validate', 'iris.runbook.yaml'], { ROLLBACK_LENS_NOW: '2026-11-22' });
    assert.equal(r.stdout, `iris.runbook.yaml:${every}: warning drill-overdue drill overdue: the last drill was on 2026-08-14 (100 days ago); drills are due every 90d\n`);
    assert.equal(runCliProcess(dir, ['validate', 'iris.runbook.yaml'], { ROLLBACK_LENS_NOW: '2026-11-12' }).stdout, '', '90 days after the drill: not yet overdue');
  });

  it('compat: the default --today is the pinned date; --today still wins', () => {
    const late = dayAfter(REMOVE_AFTER);
    const r = runCliProcess(dir, ['compat', 'iris.contract.yaml', 'iris.contract.yaml'], { ROLLBACK_LENS_NOW: late });
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^schemas/iris-input\\.schema\\.json:\\d+:\\d+: breaking deprecation-overdue \`input\\.petal_len\` was due for removal after ${REMOVE_AFTER} and is still in the input schema\\n$`));
    const today = runCliProcess(dir, ['compat', 'iris.contract.yaml', 'iris.contract.yaml', '--today', '2026-11-22'], { ROLLBACK_LENS_NOW: late });
    assert.equal(today.code, 0, today.stdout);
    assert.equal(today.stdout, '');
  });

  it('an invalid value: every command stops with a usage error (exit 2) before running anything', () => {
    for (const argv of [
      ['validate', '.'],
      ['dry-run', 'iris.runbook.yaml'],
      ['drill', 'iris.runbook.yaml', '--scenario', 'repoint-fails'],
      ['test', 'iris.contract.yaml'],
      ['compat', 'iris.contract.yaml', 'iris.contract.yaml'],
      ['audit', 'verify'],
    ]) {
      const r = runCliProcess(dir, argv, { ROLLBACK_LENS_NOW: 'next tuesday' });
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', INVALID('next tuesday')], argv.join(' '));
    }
    assert.equal(existsSync(path.join(dir, '.rollback-lens')), false, 'nothing ran: no audit record');
    assert.equal(runCliProcess(dir, ['--version'], { ROLLBACK_LENS_NOW: 'next tuesday' }).code, 0, '--version needs no clock');
  });

  it('what records time keeps the real clock: a dry-run under a pinned date records when it really ran', async () => {
    const before = Date.now();
    const r = runCliProcess(dir, ['dry-run', 'iris.runbook.yaml'], { ROLLBACK_LENS_NOW: '2020-01-01' });
    assert.equal(r.code, 0, r.stdout);
    const [entry] = (await readAuditLog(dir)).entries;
    const t = Date.parse(entry!.record.time);
    assert.ok(t >= before - 1000 && t <= Date.now(), entry!.record.time);
  });
});
