// The sign-off progress the editor's Sign off… lens shows (closureSignOffs)
// counts the sign-offs since the runbook's latest rollback, as the closure
// status does (src/core/runbook/closure.ts): a second rollback starts its
// sign-offs over, so the two lenses on the `closure` key never disagree.
// Real files: a copy of the iris example and its audit log.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendAuditRecord } from '../../src/node/audit';
import { closureSignOffs } from '../../src/node/runbook/signoff';
import { closureStatus } from '../../src/node/runbook/closure';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const RUNBOOK = 'iris.runbook.yaml';

describe('sign-off progress since the latest rollback', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rl-signoff-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const append = (kind: 'rollback' | 'sign-off', extra: Record<string, unknown> = {}) =>
    appendAuditRecord(dir, { kind, path: RUNBOOK, verdict: kind === 'rollback' ? 'pass' : 'signed-off', user: 'dana', ...extra });

  it('a sign-off before a new rollback no longer counts, one after it does; no rollback: every sign-off counts', async () => {
    const file = path.join(dir, RUNBOOK);
    await append('sign-off', { role: 'decisionMaker' });
    assert.equal((await closureSignOffs(file, dir)).signed, 1);
    await append('rollback', { outcome: 'restored' });
    const fresh = await closureSignOffs(file, dir);
    assert.deepEqual([fresh.signed, fresh.roles.map((r) => r.state)], [0, ['open', 'open']]);
    await append('sign-off', { role: 'dataSteward' });
    const after = await closureSignOffs(file, dir);
    assert.deepEqual([after.signed, after.roles.map((r) => `${r.role} ${r.state}`)], [1, ['decisionMaker open', 'dataSteward signed']]);
    // the closure status agrees
    const status = await closureStatus(file, dir);
    assert.deepEqual(status.signOff.roles.map((r) => `${r.role} ${r.state}`), ['decisionMaker open', 'dataSteward signed']);
  });
});
