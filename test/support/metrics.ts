// What test/unit/metrics.test.ts and test/system/metrics.test.ts both use:
// seconds and minutes in milliseconds, trigger results as a person reads
// them, and the check that a promise rejects with one MetricsError of a given
// kind and message.
import * as assert from 'node:assert/strict';
import { MetricsError, type TriggerResult } from '../../src/node/metrics';

export const S = 1000;
export const M = 60_000;

/** `[id, state, message]` of each result: what a person reads. */
export const said = (rs: TriggerResult[]) => rs.map((r) => [r.id, r.state, r.message]);

export async function rejectsWith(p: Promise<unknown>, kind: string, message: string | RegExp): Promise<MetricsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MetricsError, `not a MetricsError: ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return e;
  }
  assert.fail('expected a MetricsError');
}
