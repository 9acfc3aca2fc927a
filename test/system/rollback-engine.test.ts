// The drill engine with `mode: 'rollback'` (src/node/runbook/drill.ts) and
// its wrapper (src/node/runbook/rollback.ts), in process on real files: the
// commands see neither the drill sandbox's env nor the drill markers; a
// rollback that restored without a verify step is not verified (FAIL, saying
// so); the release pair and the gates named before it starts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { rollbackConfirmation } from '../../src/core/runbook/rollback';
import { drill } from '../../src/node/runbook/drill';
import { rollback, rollbackPlan } from '../../src/node/runbook/rollback';

const RUNBOOK = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: engine, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
  sre: { name: Platform SRE, contact: "pagerduty:sre" }
metrics: { file: metrics.json }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
steps:
  - id: approve
    approve: [decisionMaker, sre]
  - id: repoint
    run: echo "\${SANDBOX_ONLY:-none} \${ROLLBACK_LENS_DRILL:-none} \${ROLLBACK_LENS_SCENARIO:-none}" > env.txt
    undo: rm -f env.txt
    requires: [approve]
drills:
  every: 90d
  sandbox: { env: { SANDBOX_ONLY: sandboxed } }
  scenarios:
    - { id: go, inject: { metrics: { p99_latency_ms: 400 } }, approvals: auto }
`;

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-rollback-engine-'));
  writeFileSync(path.join(dir, 'metrics.json'), '{"p99_latency_ms": 400}');
  writeFileSync(path.join(dir, 'r.runbook.yaml'), RUNBOOK);
  return dir;
}

describe('the drill engine in rollback mode', function () {
  this.timeout(30_000);
  const yes = async () => ({ approve: true, by: 'flag' as const, name: 'Ana' });

  it('runs outside the sandbox: no sandbox env, no drill markers (a drill of the same runbook has both)', async () => {
    const dir = workspace();
    await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, mode: 'rollback', ask: yes });
    assert.equal(readFileSync(path.join(dir, 'env.txt'), 'utf8'), 'none none none\n');
    await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'go' });
    assert.equal(readFileSync(path.join(dir, 'env.txt'), 'utf8'), 'sandboxed 1 go\n');
  });

  it('restored without a verify step is not verified: FAIL, saying so; every role of a gate is asked and named in the report', async () => {
    const dir = workspace();
    const asked: string[] = [];
    const r = await rollback(path.join(dir, 'r.runbook.yaml'), {
      workspace: dir,
      ask: async (role, step) => {
        asked.push(`${step}/${role}`);
        return { approve: true, by: 'flag', name: role === 'sre' ? 'Sam' : 'Ana' };
      },
    });
    assert.deepEqual(asked, ['approve/decisionMaker', 'approve/sre']);
    assert.deepEqual([r.verdict, r.outcome, r.reason], ['fail', 'restored', 'no verify step ran, so the restore is not verified']);
    assert.deepEqual(r.approvals, [
      { step: 'approve', role: 'decisionMaker', decision: 'approve', by: 'flag', name: 'Ana' },
      { step: 'approve', role: 'sre', decision: 'approve', by: 'flag', name: 'Sam' },
    ]);
    assert.deepEqual(r.release, { current: 'm 2.0.0', target: 'm 1.4.2' });
  });

  it('names the release pair and each gate with its roles, names and contacts before it starts (the editor confirmation)', async () => {
    const dir = workspace();
    const plan = await rollbackPlan(path.join(dir, 'r.runbook.yaml'));
    assert.deepEqual(plan, { current: 'm 2.0.0', target: 'm 1.4.2', gates: [{ step: 'approve', roles: [{ role: 'decisionMaker', name: 'Lead', contact: '#lead' }, { role: 'sre', name: 'Platform SRE', contact: 'pagerduty:sre' }] }] });
    assert.deepEqual(rollbackConfirmation(plan, 'r.runbook.yaml'), {
      message: 'Roll back m 2.0.0 → m 1.4.2 for real?',
      detail: 'r.runbook.yaml: the steps run for real, not in the drill sandbox; a failed step or a cancel undoes the completed steps.\n\nApprovals needed:\napprove: decisionMaker (Lead, #lead) and sre (Platform SRE, pagerduty:sre)',
    });
  });
});
