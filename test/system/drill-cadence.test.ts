// When drills are due, counted from where the audit log says: a copy of
// examples/iris dry-run and drilled through the CLI as a real process. The
// first dry-run starts the log and must not leave a drill-overdue warning
// behind it (it did: the report said 0 warnings, and the next validate
// warned that no drill was recorded); the dry-run's close phase says where
// the cadence counts from (no log yet; the log's first record of the
// runbook; the last drill). The check itself, one case at a time:
// test/unit/validate.test.ts ("drills"), test/system/audit.test.ts.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readAuditLog } from '../../src/node/audit';
import { formatDate } from '../../src/core/util/values';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const DAY = 86_400_000;

function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cadence-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
  return dir;
}

const closePhase = (dir: string): string[] => {
  const r = runCliProcess(dir, ['dry-run', 'iris.runbook.yaml', '--format', 'json']);
  assert.equal(r.stderr, '');
  const report = JSON.parse(r.stdout) as { phases: { close: string[] }; findings: Array<{ code: string }> };
  assert.deepEqual(report.findings.map((f) => f.code), [], 'the example is ready with no warning');
  return report.phases.close.filter((l) => l.startsWith('drills'));
};

describe('drill cadence: counted from the audit log', function () {
  this.timeout(120_000);

  it('the first dry-run starts the log and leaves no drill-overdue behind; each dry-run says where the cadence counts from', async () => {
    const dir = copy();
    const today = formatDate(Date.parse(process.env.ROLLBACK_LENS_NOW!));
    assert.deepEqual(closePhase(dir), [`drills every 90d: no audit log yet; this run's record starts it (.rollback-lens/audit.jsonl), and the cadence counts from then (${today})`]);
    const v = runCliProcess(dir, ['validate', 'iris.runbook.yaml']);
    assert.equal(v.stdout, '', 'no drill-overdue right after the dry-run that started the log');
    assert.equal(v.stderr, '1 file checked: 0 errors, 0 warnings\n');
    const first = (await readAuditLog(dir)).entries[0]!.record;
    assert.deepEqual([first.kind, first.path], ['dry-run', 'iris.runbook.yaml']);
    const since = Date.parse(first.time);
    assert.deepEqual(closePhase(dir), [`drills every 90d: none recorded since the audit log first saw this runbook on ${formatDate(since)}; due by ${formatDate(since + 90 * DAY)}`]);
    const d = runCliProcess(dir, ['drill', 'iris.runbook.yaml', '--scenario', 'repoint-fails']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    const drill = (await readAuditLog(dir)).entries.map((e) => e.record).filter((r) => r.kind === 'drill').at(-1)!;
    const at = Date.parse(drill.time);
    const ago = Math.floor((Date.parse(process.env.ROLLBACK_LENS_NOW!) - at) / DAY);
    assert.deepEqual(closePhase(dir), [`drills every 90d: last drill on ${formatDate(at)} (${ago} days ago), next due by ${formatDate(at + 90 * DAY)}`]);
  });
});
