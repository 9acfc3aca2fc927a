// `rollback-lens rollback` reading its detect phase from a real Prometheus
// (test/prometheus/server.ts: Debian's prometheus on loopback, serving series
// backfilled before it started), as a real process: the triggers are evaluated
// against the runbook's own metrics source, not a snapshot; a trigger with a
// `for:` window fires only because its range over the window held (the
// latency has been 400 ms for 30 minutes), one whose breach is younger than
// its window stays quiet (the error rate breached 2 minutes ago, `for: 5m`).
// The detect line, the audit record's `findings.fired` and the trigger
// messages carry the values Prometheus gave.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readAuditLog } from '../../src/node/audit';
import { irisSeries, needPrometheus, startPrometheus, type RunningPrometheus } from '../prometheus/server';
import { spawnCliProcess } from '../unit/helpers';


describe('rollback-lens rollback: detect from a real Prometheus', function () {
  this.timeout(60_000);
  let prom: RunningPrometheus | undefined;

  before(async function () {
    needPrometheus(this);
    // the data ends just before the server starts (an instant query sees a series only within Prometheus' 5-minute lookback)
    prom = await startPrometheus({ series: irisSeries(400), timeoutMs: 20_000 });
  });

  after(async () => {
    await prom?.stop();
  });

  it('the triggers read Prometheus over their for: windows: the held latency fires with its value, the young error breach does not; recorded', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-rollback-prom-'));
    writeFileSync(
      path.join(dir, 'r.runbook.yaml'),
      `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: rollback-prom, owner: ml }
release:
  current: { model: iris-classifier, version: 2.0.0 }
  target: { model: iris-classifier, version: 1.4.2 }
roles:
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }
  technicalLead: { name: Serving engineer, contact: "#serving" }
metrics:
  prometheus:
    url: ${prom!.url}
    queries:
      p99_latency_ms: max(iris_p99_latency_ms)
      error_rate: max(iris_error_rate)
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250", for: 5m }
  - { id: errors, metric: error_rate, when: "> 0.02", for: 5m }
steps:
  - id: approve
    approve: [decisionMaker]
  - id: repoint
    run: echo 1.4.2 > alias.txt
    undo: echo 2.0.0 > alias.txt
    requires: [approve]
    owner: technicalLead
`,
    );
    const out = await spawnCliProcess(dir, ['rollback', 'r.runbook.yaml', '--approve', 'decisionMaker=Ana']);
    // restored, but with no verify step it is not verified (that verdict is rollback-cli's): here, what detect read
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.equal(readFileSync(path.join(dir, 'alias.txt'), 'utf8'), '1.4.2\n');
    const detect = out.stdout.split('\n').find((l) => l.startsWith('  detect '));
    assert.match(detect ?? '', /^ {2}detect \d+(\.\d+)? (ms|s): slow fired \(p99_latency_ms = 400\)$/, out.stdout);
    const rec = (await readAuditLog(dir)).entries.at(-1)!.record as Record<string, unknown>;
    assert.equal(rec.kind, 'rollback');
    assert.deepEqual((rec.findings as { fired: unknown }).fired, [{ id: 'slow', metric: 'p99_latency_ms', value: 400 }]);
    const held = 'p99_latency_ms is 400 > 250 for all 11 samples over 5m: fires';
    assert.deepEqual(rec.triggers, [{ id: 'slow', metric: 'p99_latency_ms', value: 400, message: held }]);
    // the report names the quiet one too, and why: its breach is younger than its window
    const json = await spawnCliProcess(dir, ['rollback', 'r.runbook.yaml', '--approve', 'decisionMaker=Ana', '--format', 'json']);
    const triggers = (JSON.parse(json.stdout) as { triggers: Array<{ id: string; value?: number; fired: boolean; message: string }> }).triggers;
    assert.deepEqual(triggers.map((t) => [t.id, t.value, t.fired]), [['slow', 400, true], ['errors', 0.05, false]]);
    assert.equal(triggers[0]!.message, held);
    assert.match(triggers[1]!.message, /^error_rate stayed > 0\.02 for only \d+m(\d+s)? of 5m$/);
  });
});
