// A rollback's closure status from audit records, without I/O: only the latest
// rollback and the records after it count; open -> verified -> signed ->
// closed; `missing` names exactly what close still needs; the lens title.
import * as assert from 'node:assert/strict';
import { closureStatus, closureTitle, verifyVerdict, type ClosureRecord, type ClosureSpec } from '../../src/core/runbook/closure';

const SPEC: ClosureSpec = {
  verify: [{ contract: 'iris.contract.yaml', test: 'parity' }, { contract: 'iris.contract.yaml', test: 'input-edge-cases' }],
  checklist: ['outputs within tolerance', 'user state intact', 'no trigger firing', 'ticket updated'],
  signOff: ['decisionMaker', 'dataSteward'],
};

let n = 0;
function rec(kind: string, verdict: string, extra: Record<string, unknown> = {}): ClosureRecord {
  n++;
  return { kind, verdict, user: 'dana', time: `2026-11-22T10:00:${String(n).padStart(2, '0')}.000Z`, hash: `sha256:${String(n).padStart(64, '0')}`, ...extra };
}
const rollback = () => rec('rollback', 'pass');
const verified = (verdict = 'pass', verify = SPEC.verify) =>
  rec('closure-verify', verdict, { verify, tests: [{ contract: 'iris.contract.yaml', test: 'parity', verdict, rows: 150, rules: 4, failed: verdict === 'pass' ? 0 : 1, ...(verdict === 'pass' ? {} : { reason: '20 rows outside tolerance' }) }] });
const confirm = (index: number, text = SPEC.checklist[index - 1]) => rec('checklist', 'confirmed', { index, text });
const sign = (role: string, verdict = 'signed-off') => rec('sign-off', verdict, { role });

describe('closure status', () => {
  beforeEach(() => (n = 0));

  it('without a rollback record says there is no rollback to close', () => {
    const s = closureStatus(SPEC, [sign('decisionMaker'), confirm(1)]);
    assert.equal(s.state, 'none');
    assert.deepEqual(s.missing, ['a rollback: the audit log has no rollback record of this runbook, so there is no rollback to close']);
    assert.equal(closureTitle(s), 'closure: no rollback to close');
  });

  it('goes open -> verified -> signed -> closed, each record moving it, with the exact missing list each time', () => {
    const records: ClosureRecord[] = [rollback()];
    let s = closureStatus(SPEC, records);
    assert.equal(s.state, 'open');
    assert.deepEqual(s.missing, [
      'closure.verify: it has not run since the rollback',
      'checklist item 1: outputs within tolerance',
      'checklist item 2: user state intact',
      'checklist item 3: no trigger firing',
      'checklist item 4: ticket updated',
      'sign-off of decisionMaker',
      'sign-off of dataSteward',
    ]);
    assert.equal(closureTitle(s), 'closure: open — 0/4 checklist, signed 0/2');

    records.push(verified('fail'));
    s = closureStatus(SPEC, records);
    assert.equal(s.state, 'open');
    assert.equal(s.missing[0], 'closure.verify: it did not pass (fail at 2026-11-22T10:00:02.000Z: parity fail: 20 rows outside tolerance)');
    assert.equal(closureTitle(s), 'closure: open (verify failed) — 0/4 checklist, signed 0/2');

    records.push(verified('pass'), confirm(1), confirm(3), sign('decisionMaker'));
    s = closureStatus(SPEC, records);
    assert.equal(s.state, 'verified');
    assert.deepEqual(s.missing, ['checklist item 2: user state intact', 'checklist item 4: ticket updated', 'sign-off of dataSteward']);
    assert.equal(closureTitle(s), 'closure: verified — 2/4 checklist, signed 1/2');
    assert.deepEqual(s.checklist.items[0], { index: 1, text: 'outputs within tolerance', confirmed: { user: 'dana', time: '2026-11-22T10:00:04.000Z' } });

    records.push(confirm(2), confirm(4), sign('dataSteward', 'refused'));
    s = closureStatus(SPEC, records);
    assert.equal(s.state, 'verified');
    assert.deepEqual(s.missing, ['sign-off of dataSteward (refused by dana on 2026-11-22)']);

    records.push(sign('dataSteward'));
    s = closureStatus(SPEC, records);
    assert.equal(s.state, 'signed');
    assert.deepEqual(s.missing, []);
    assert.equal(closureTitle(s), 'closure: signed — 4/4 checklist, signed 2/2');

    const close = rec('close', 'closed');
    records.push(close);
    s = closureStatus(SPEC, records);
    assert.equal(s.state, 'closed');
    assert.deepEqual(s.missing, []);
    assert.deepEqual(s.closed, { user: 'dana', time: close.time });
    assert.equal(closureTitle(s), 'closure: closed (dana, 2026-11-22)');
  });

  it('counts only records after the latest rollback: a new rollback starts over', () => {
    const s = closureStatus(SPEC, [rollback(), verified(), confirm(1), sign('decisionMaker'), rec('close', 'closed'), rollback(), confirm(2)]);
    assert.equal(s.state, 'open');
    assert.equal(s.rollback!.time, '2026-11-22T10:00:06.000Z');
    assert.equal(s.rollback!.hash, `sha256:${'6'.padStart(64, '0')}`);
    assert.equal(closureTitle(s), 'closure: open — 1/4 checklist, signed 0/2');
  });

  it('a verify that passed then failed is open again; one of another closure.verify list is stale', () => {
    assert.equal(closureStatus(SPEC, [rollback(), verified('pass'), verified('fail')]).state, 'open');
    const old = verified('pass', [SPEC.verify[0]!]);
    const stale = closureStatus(SPEC, [rollback(), old]);
    assert.equal(stale.state, 'open');
    assert.equal(stale.missing[0], `closure.verify: the list changed since it ran (${old.time}); run it again`);
  });

  it('a checklist confirmation counts for its index and its text only: an edited item needs confirming again', () => {
    const s = closureStatus(SPEC, [rollback(), confirm(1, 'outputs within tolerance (old wording)'), confirm(2, 'outputs within tolerance')]);
    assert.equal(s.checklist.confirmed, 0);
  });

  it('a closure.verify naming no contract test never passes: nothing was compared', () => {
    const s = closureStatus({ ...SPEC, verify: [] }, [rollback(), rec('closure-verify', 'pass', { verify: [], tests: [] })]);
    assert.equal(s.state, 'open');
    assert.equal(s.missing[0], 'closure.verify: it names no contract test, so nothing can verify the rollback');
    assert.equal(verifyVerdict([]), 'fail');
  });

  it("verify's verdict: pass only when every test passed; a failure fails; an error without failures errs", () => {
    const t = (verdict: string) => ({ contract: 'c', test: 't', verdict, rows: 1, rules: 1, failed: 0 });
    assert.deepEqual([verifyVerdict([t('pass'), t('pass')]), verifyVerdict([t('pass'), t('fail'), t('error')]), verifyVerdict([t('pass'), t('error')])], ['pass', 'fail', 'error']);
  });
});
