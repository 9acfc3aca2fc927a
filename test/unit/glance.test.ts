// What the editor's lenses say at a glance, computed without the editor: a
// running drill step's clock against its timeout, the step states of a
// drill as it goes, and a closure's sign-off progress from audit records.
import * as assert from 'node:assert/strict';
import { drillStepStates, runningStepTitle, signOffProgress, signOffTitle, stopwatch } from '../../src/core/runbook/glance';

describe('glance: a running drill step', () => {
  it('shows elapsed and timeout as m:ss (h:mm:ss from an hour), whole seconds rounded down', () => {
    assert.deepEqual([0, 999, 42_000, 59_999, 120_000, 3_599_000, 3_600_000, 3_723_000].map(stopwatch), ['0:00', '0:00', '0:42', '0:59', '2:00', '59:59', '1:00:00', '1:02:03']);
  });

  it('names the running step, its elapsed time and its timeout; an undo says undoing', () => {
    assert.equal(runningStepTitle('pin-serving', 'do', 42_300, 120_000), 'running pin-serving… 0:42 / 2:00');
    assert.equal(runningStepTitle('flag-off', 'undo', 1_000, 10_000), 'undoing flag-off… 0:01 / 0:10');
  });

  it('says which steps ran, which runs, which wait, and which were skipped once it ended', () => {
    const plan = ['flag-off', 'pin-serving', 'smoke'];
    const flagDone = { id: 'flag-off', kind: 'flag', outcome: 'done' as const, durationMs: 12 };
    assert.deepEqual(drillStepStates(plan, [flagDone], 'pin-serving', false), [
      { id: 'flag-off', state: 'ran', results: [flagDone] },
      { id: 'pin-serving', state: 'running', results: [] },
      { id: 'smoke', state: 'waiting', results: [] },
    ]);
    const failed = { id: 'pin-serving', kind: 'run', outcome: 'failed' as const, durationMs: 30 };
    const undone = { id: 'flag-off', kind: 'undo', outcome: 'undone' as const, durationMs: 3 };
    assert.deepEqual(drillStepStates(plan, [flagDone, failed, undone], undefined, true), [
      { id: 'flag-off', state: 'ran', results: [flagDone, undone] },
      { id: 'pin-serving', state: 'ran', results: [failed] },
      { id: 'smoke', state: 'skipped', results: [] },
    ]);
  });
});

describe('glance: sign-off progress on closure', () => {
  const roles = ['decisionMaker', 'dataSteward'];
  const rec = (role: string, verdict: string, user: string, time: string) => ({ role, verdict, user, time });

  it('counts the roles whose latest record signs off, with who and the day', () => {
    const p = signOffProgress(roles, [rec('decisionMaker', 'signed-off', 'dana', '2026-11-20T09:30:00.000Z')]);
    assert.equal(signOffTitle(p), 'signed 1/2: decisionMaker ✓ (dana, 2026-11-20), dataSteward —');
    assert.equal(signOffTitle(signOffProgress(roles, [])), 'signed 0/2: decisionMaker —, dataSteward —');
  });

  it('takes the latest record of a role: a refusal after a sign-off is a refusal, and the reverse', () => {
    const p = signOffProgress(roles, [
      rec('decisionMaker', 'signed-off', 'dana', '2026-11-20T09:30:00.000Z'),
      rec('dataSteward', 'refused', 'sam', '2026-11-20T10:00:00.000Z'),
      rec('decisionMaker', 'refused', 'dana', '2026-11-21T08:00:00.000Z'),
      rec('dataSteward', 'signed-off', 'sam', '2026-11-22T08:00:00.000Z'),
      rec('owner', 'signed-off', 'x', '2026-11-22T08:00:00.000Z'),
    ]);
    assert.equal(signOffTitle(p), 'signed 1/2: decisionMaker ✗ refused (dana, 2026-11-21), dataSteward ✓ (sam, 2026-11-22)');
    assert.deepEqual([p.signed, p.total], [1, 2]);
  });
});
