// The audit log's last runs, as the language host gives them to hovers: the
// drill record keeps each step's outcome (and its undo's), the contract-test
// record each rule's measured value and limit; lastRunsFromAudit reads the
// newest of each file from a real log, ignores cancelled drills, and says
// "no history" when there is no log.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContractReport } from '../../src/core/contract/report';
import type { DrillReport } from '../../src/core/runbook/report';
import { appendAuditRecord } from '../../src/node/audit';
import { lastRunsFromAudit } from '../../src/node/language/lastRuns';
import { contractTestRecord, drillRecords } from '../../src/node/contract/records';

const drill = (scenario: string, verdict: DrillReport['verdict'], steps: DrillReport['steps']): DrillReport =>
  ({ runbook: 'ops/iris.runbook.yaml', scenario, verdict, outcome: verdict === 'cancelled' ? 'cancelled' : 'restored', timings: { detectMs: 1, decideMs: 1, executeMs: 1, verifyMs: 1, restoreMs: 4 }, expectations: [], faults: [], triggers: [], steps, approvals: [], restored: [] }) as unknown as DrillReport;

describe('the last runs in the audit log, for hovers', () => {
  let ws: string;
  beforeEach(() => (ws = mkdtempSync(path.join(os.tmpdir(), 'rl-lastruns-'))));
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('no log: no history (undefined); a log without runs of the file: none recorded (null)', async () => {
    const runs = lastRunsFromAudit(ws);
    assert.equal(await runs.lastDrillRun('ops/iris.runbook.yaml'), undefined);
    await appendAuditRecord(ws, { kind: 'dry-run', path: 'ops/iris.runbook.yaml', verdict: 'ready' });
    assert.equal(await runs.lastDrillRun('ops/iris.runbook.yaml'), null);
    assert.equal(await runs.lastContractRun('ops/iris.contract.yaml'), null);
  });

  it("the newest drill that was not cancelled, with each step's outcome and its undo's", async () => {
    const runs = lastRunsFromAudit(ws);
    for (const r of drillRecords('ops/iris.runbook.yaml', drill('old', 'fail', [{ id: 'repoint', kind: 'run', outcome: 'failed', durationMs: 5 }]))) await appendAuditRecord(ws, r);
    const steps: DrillReport['steps'] = [
      { id: 'approve', kind: 'approve', outcome: 'approved', durationMs: 3 },
      { id: 'repoint', kind: 'run', outcome: 'done', durationMs: 1200 },
      { id: 'repoint', kind: 'undo', outcome: 'undone', durationMs: 300 },
    ];
    for (const r of drillRecords('ops/iris.runbook.yaml', drill('latency-spike', 'pass', steps))) await appendAuditRecord(ws, r);
    for (const r of drillRecords('ops/iris.runbook.yaml', drill('stopped', 'cancelled', []))) await appendAuditRecord(ws, r);
    const last = (await runs.lastDrillRun('./ops/iris.runbook.yaml'))!;
    assert.deepEqual({ ...last, at: typeof last.at }, {
      at: 'number',
      scenario: 'latency-spike',
      verdict: 'pass',
      steps: { approve: { outcome: 'approved', durationMs: 3 }, repoint: { outcome: 'done', durationMs: 1200, undo: 'undone' } },
    });
  });

  it("the newest contract-test run, with each rule's measured value against its limit", async () => {
    const report = {
      verdict: 'fail',
      tests: [
        {
          testId: 'parity',
          verdict: 'fail',
          durationMs: 10,
          rules: [
            { id: 'label.agreement', kind: 'agreement', field: 'label', threshold: 0.98, value: 0.9667, verdict: 'fail', message: '' },
            { id: 'missing-keys', kind: 'missing-keys', value: 0, verdict: 'pass', message: '' },
          ],
        },
      ],
    } as unknown as ContractReport;
    await appendAuditRecord(ws, contractTestRecord('ops/iris.contract.yaml', report));
    const run = (await lastRunsFromAudit(ws).lastContractRun('ops/iris.contract.yaml'))!;
    assert.deepEqual(
      { verdict: run.verdict, tests: run.tests },
      {
        verdict: 'fail',
        tests: {
          parity: [
            { id: 'label.agreement', verdict: 'fail', field: 'label', threshold: 0.98, value: 0.9667 },
            { id: 'missing-keys', verdict: 'pass', value: 0 },
          ],
        },
      },
    );
  });
});
