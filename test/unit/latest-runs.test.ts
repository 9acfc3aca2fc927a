// What the Rollback Lens view shows of the audit log: per runbook its newest
// dry-run and its newest drill of each scenario, per contract its newest test
// run (with each test's result), whatever order the records come in; other
// kinds (approval, sign-off) and records without a usable time are left out.
import * as assert from 'node:assert/strict';
import { ago, latestRuns, type RunRecordLike } from '../../src/core/audit/latest';

const rec = (r: Partial<RunRecordLike> & Pick<RunRecordLike, 'kind' | 'path' | 'time' | 'verdict'>): RunRecordLike => r;

describe('latestRuns (the Rollback Lens view)', () => {
  it('keeps the newest dry-run, the newest drill per scenario and the newest contract run of each file', () => {
    const runs = latestRuns([
      rec({ kind: 'dry-run', path: 'a.runbook.yaml', time: '2026-11-21T10:00:00.000Z', verdict: 'not-ready', findings: { errors: 1, warnings: 0 } }),
      rec({ kind: 'dry-run', path: 'a.runbook.yaml', time: '2026-11-21T11:00:00.000Z', verdict: 'ready', findings: { errors: 0, warnings: 2 } }),
      rec({ kind: 'dry-run', path: 'a.runbook.yaml', time: '2026-11-21T09:00:00.000Z', verdict: 'not-ready', findings: { errors: 3, warnings: 0 } }),
      rec({ kind: 'drill', path: 'a.runbook.yaml', time: '2026-11-21T12:00:00.000Z', verdict: 'pass', scenario: 'spike', outcome: 'restored', timings: { detect: 1, total: 1200 } }),
      rec({ kind: 'drill', path: 'a.runbook.yaml', time: '2026-11-21T13:00:00.000Z', verdict: 'fail', scenario: 'hang', outcome: 'undone', timings: { total: 30000 } }),
      rec({ kind: 'drill', path: 'a.runbook.yaml', time: '2026-11-21T11:30:00.000Z', verdict: 'fail', scenario: 'spike', outcome: 'undone' }),
      rec({ kind: 'approval', path: 'a.runbook.yaml', time: '2026-11-21T14:00:00.000Z', verdict: 'approved' }),
      rec({ kind: 'sign-off', path: 'a.runbook.yaml', time: '2026-11-21T15:00:00.000Z', verdict: 'signed-off' }),
      rec({ kind: 'contract-test', path: 'c.contract.yaml', time: '2026-11-21T10:00:00.000Z', verdict: 'fail', timings: { durationMs: 900 }, findings: { parity: 'label' } }),
      rec({ kind: 'contract-test', path: 'c.contract.yaml', time: '2026-11-21T12:00:00.000Z', verdict: 'pass', timings: { durationMs: 420 }, findings: { parity: 'pass' } }),
      rec({ kind: 'dry-run', path: 'b.runbook.yaml', time: 'not a time', verdict: 'ready' }),
    ]);
    assert.deepEqual([...runs.keys()], ['a.runbook.yaml', 'c.contract.yaml']);
    assert.deepEqual(runs.get('a.runbook.yaml'), {
      dryRun: { time: Date.parse('2026-11-21T11:00:00.000Z'), verdict: 'ready', errors: 0, warnings: 2 },
      drills: new Map([
        ['spike', { time: Date.parse('2026-11-21T12:00:00.000Z'), verdict: 'pass', outcome: 'restored', timings: { detect: 1, total: 1200 } }],
        ['hang', { time: Date.parse('2026-11-21T13:00:00.000Z'), verdict: 'fail', outcome: 'undone', timings: { total: 30000 } }],
      ]),
    });
    assert.deepEqual(runs.get('c.contract.yaml'), {
      drills: new Map(),
      contract: { time: Date.parse('2026-11-21T12:00:00.000Z'), verdict: 'pass', durationMs: 420, tests: { parity: 'pass' } },
    });
  });

  it('normalizes paths so ./a.runbook.yaml and a.runbook.yaml are one runbook', () => {
    const runs = latestRuns([
      rec({ kind: 'dry-run', path: './a.runbook.yaml', time: '2026-11-21T10:00:00.000Z', verdict: 'ready' }),
      rec({ kind: 'dry-run', path: 'a.runbook.yaml', time: '2026-11-21T09:00:00.000Z', verdict: 'not-ready' }),
    ]);
    assert.deepEqual([...runs.keys()], ['a.runbook.yaml']);
    assert.equal(runs.get('a.runbook.yaml')!.dryRun!.verdict, 'ready');
  });
});

describe('ago (how long ago a run was, for the view)', () => {
  it('says seconds, minutes, hours and days', () => {
    const now = Date.parse('2026-11-22T00:00:00.000Z');
    assert.deepEqual([now - 5_000, now - 90_000, now - 3 * 3_600_000, now - 2 * 86_400_000, now + 10_000].map((t) => ago(t, now)), [
      'just now',
      '1 min ago',
      '3 h ago',
      '2 days ago',
      'just now',
    ]);
  });
});
