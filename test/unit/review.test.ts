// The readiness review's figures (src/core/review), from the fixture's records
// (test/fixtures/review/workspace.mjs) at 2026-11-22 over 90 days, each
// number derived by hand here: alpha's restored runs in time order are
// 10m, 20m, 40m, 15m, 5m (median 15m, p90 by nearest rank the 5th smallest:
// 40m; 4 of 5 within its 30m window; earlier half 10m,20m → 15m against
// later half 15m,5m → 10m: faster), its judged runs decide in 1m, 2m, 5m,
// 20m, 30s (median 2m, p90 20m, 4 of 5 within 15m; 1m30s → 10m15s: slower);
// 4 of its 5 judged runs passed (the cancelled one is in no figure); beta's
// one drill failed on 2026-09-10 with drills every 30d: overdue by 42 days.
// And the text says "no data" where nothing was measured, never 0%.
import * as assert from 'node:assert/strict';
import { durationFigure, median, percentile, review, type ReviewRecord, type RunbookFacts } from '../../src/core/review/review';
import { reviewText } from '../../src/core/review/text';
import { HOSTILE_NAME, reviewRecords } from '../fixtures/review/workspace.mjs';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-22T00:00:00Z');
const records: ReviewRecord[] = reviewRecords().map((record, i) => ({ line: i + 1, record }));
const facts: RunbookFacts[] = [
  {
    path: 'alpha/alpha.runbook.yaml',
    name: 'alpha',
    windows: { restoreMs: 30 * 60_000, decideMs: 15 * 60_000 },
    drillEvery: { text: '90d', ms: 90 * DAY },
    actionItems: [
      { action: 'Page the technical lead', owner: 'technicalLead', due: '2026-11-01', status: 'open', file: 'pm.md' },
      { action: 'Rehearse', owner: 'decisionMaker', due: '2026-12-01', status: 'open', file: 'pm.md' },
      { action: 'Write down', owner: 'decisionMaker', due: '2026-10-10', status: 'done', file: 'pm.md' },
    ],
  },
  { path: 'beta.runbook.yaml', name: HOSTILE_NAME, windows: {}, drillEvery: { text: '30d', ms: 30 * DAY }, waivers: [{ rule: 'max-drill-cadence', reason: 'seasonal' }] },
  { path: './gamma.runbook.yaml', name: 'gamma', windows: {}, drillEvery: { text: '90d', ms: 90 * DAY } },
];
const r = review({ records, runbooks: facts, now: NOW, since: NOW - 90 * DAY });
const [alpha, beta, gamma] = r.runbooks;

describe('the readiness review (core)', () => {
  it('median and p90 (nearest rank) as documented', () => {
    assert.equal(median([]), undefined);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9), 90);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9), 10);
    assert.equal(percentile([7], 0.9), 7);
    assert.deepEqual(durationFigure([], 5), { n: 0, window: 5 });
    assert.deepEqual(durationFigure([100, 100, 105, 95]).trend, { direction: 'steady', earlier: 100, later: 100 });
  });

  it('lists every runbook with facts, by path, and none for a contract only approvals name', () => {
    assert.deepEqual(
      r.runbooks.map((b) => b.path),
      ['alpha/alpha.runbook.yaml', 'beta.runbook.yaml', 'gamma.runbook.yaml'],
    );
  });

  it('alpha: runs, success rate, restore and decide against the windows', () => {
    assert.deepEqual(alpha!.drills, { n: 5, pass: 3, fail: 1, cancelled: 1 });
    assert.deepEqual(alpha!.rollbacks, { n: 1, pass: 1, fail: 0, cancelled: 0 });
    assert.deepEqual(alpha!.successRate, { value: 0.8, part: 4, of: 5 });
    assert.deepEqual(alpha!.restore, { n: 5, window: 1_800_000, median: 900_000, p90: 2_400_000, withinWindow: 4, trend: { direction: 'faster', earlier: 900_000, later: 600_000 } });
    assert.deepEqual(alpha!.decide, { n: 5, window: 900_000, median: 120_000, p90: 1_200_000, withinWindow: 4, trend: { direction: 'slower', earlier: 90_000, later: 615_000 } });
    assert.equal(alpha!.points.length, 6);
    assert.equal(alpha!.points.filter((p) => p.restoreMs !== undefined).length, 5);
    assert.equal(alpha!.lastRunFailed, false);
  });

  it('alpha: fidelity summed over the runs where it was measured', () => {
    assert.deepEqual(alpha!.fidelity, { measured: 2, of: 5, agreement: { value: 148 / 150, part: 148, of: 150 }, withinTolerance: { value: 0.95, part: 95, of: 100 } });
  });

  it('alpha: drill status from the newest non-cancelled drill; overdue open action items; unsigned; waivers from the records', () => {
    assert.deepEqual(alpha!.drillStatus, { state: 'ok', last: Date.parse('2026-11-01T10:00:00Z'), due: Date.parse('2026-11-01T10:00:00Z') + 90 * DAY });
    assert.deepEqual(
      alpha!.actionItems.overdue.map((i) => i.action),
      ['Page the technical lead'],
    );
    assert.equal(alpha!.actionItems.open.length, 2);
    assert.equal(alpha!.actionItems.done, 1);
    assert.deepEqual(alpha!.unsigned, { approvals: 1, signOffs: 1, of: 3 });
    assert.deepEqual(alpha!.waivers, [{ rule: 'min-roles', reason: 'one-person team until Q1', from: 'records' }]);
  });

  it('beta: one failed drill, overdue by 43 days, no restore data, the runbook’s waiver as the fallback', () => {
    assert.deepEqual(beta!.successRate, { value: 0, part: 0, of: 1 });
    assert.deepEqual(beta!.restore, { n: 0 });
    assert.deepEqual(beta!.drillStatus, { state: 'overdue', last: Date.parse('2026-09-10T10:00:00Z'), due: Date.parse('2026-10-10T10:00:00Z'), days: 42 });
    assert.equal(beta!.lastRunFailed, true);
    assert.deepEqual(beta!.waivers, [{ rule: 'max-drill-cadence', reason: 'seasonal', from: 'runbook' }]);
  });

  it('gamma: no record at all is "no history", and no success rate', () => {
    assert.deepEqual(gamma!.drillStatus, { state: 'no-history' });
    assert.equal(gamma!.successRate, undefined);
    assert.equal(gamma!.fidelity.measured, 0);
  });

  it('across runbooks: counts, success rate, decide over every judged run, unsigned including the contract’s approval', () => {
    assert.equal(r.across.runbooks, 3);
    assert.equal(r.across.drills, 6);
    assert.equal(r.across.rollbacks, 1);
    assert.deepEqual(r.across.successRate, { value: 4 / 6, part: 4, of: 6 });
    assert.deepEqual(r.across.decide, { n: 6, median: 90_000, p90: 1_200_000, trend: { direction: 'slower', earlier: 60_000, later: 300_000 } });
    assert.deepEqual(r.across.unsigned, { approvals: 2, signOffs: 1, of: 4 });
    assert.deepEqual(r.across.overdueDrills, ['beta.runbook.yaml']);
    assert.equal(r.across.openActionItems, 2);
    assert.equal(r.across.overdueActionItems, 1);
    assert.equal(r.across.waivers, 2);
    assert.deepEqual(r.attention, [
      'alpha/alpha.runbook.yaml: 1 post-mortem action item overdue',
      'beta.runbook.yaml: drill overdue by 42 days (due every 30d)',
      'beta.runbook.yaml: the newest drill or rollback failed',
    ]);
  });

  it('the text gives each figure with what it rests on, and "no data" where nothing was measured', () => {
    const text = reviewText(r, 'fixture');
    assert.match(text, /^Readiness review of fixture: 2026-08-24 to 2026-11-22\n/);
    assert.ok(text.includes('  success rate: 80% (4 of 5 drills and rollbacks passed)\n'), text);
    assert.ok(text.includes('  time to restore: median 15m, p90 40m (n=5 restored runs); windows.restore 30m, 4 of 5 within it; trend faster (median 15m → 10m, earlier vs later half)\n'), text);
    assert.ok(text.includes('  fidelity: agreement 98.7% (148/150 rows agree); within tolerance 95% (95/100 rows, runs without labels); measured in 2 of 5 judged runs\n'), text);
    assert.ok(text.includes('  time to restore: no data (no restored runs); no windows.restore\n'), text);
    assert.ok(text.includes('  success rate: no data (no judged drills and rollbacks)\n'), text);
    assert.ok(text.includes('  drills: OVERDUE: due every 30d; last drill 2026-09-10, due 2026-10-10 (42 days ago)\n'), text);
    assert.ok(text.includes('  signatures: 2 of 3 approvals and sign-offs unsigned (1 approval, 1 sign-off)\n'), text);
    assert.ok(!/\b0%/.test(text.replace('0% (0 of 1', '')), 'no 0% but beta’s real one');
  });
});
