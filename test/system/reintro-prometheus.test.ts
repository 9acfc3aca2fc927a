// `rollback-lens reintroduce` against a real Prometheus (test/prometheus/server.ts:
// Debian's prometheus on loopback, serving series backfilled before it
// started): each stage's checks and abortOn triggers read their values from
// it, a stage whose check reads a breach is aborted and the flag goes back to
// the previous stage's split, byte for byte; the audit record keeps the
// values Prometheus gave.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { editFractional } from '../../src/core/runbook/fractional';
import { readAuditLog } from '../../src/node/audit';
import { irisSeries, needPrometheus, startPrometheus, type RunningPrometheus } from '../prometheus/server';
import { runCliProcess } from '../unit/helpers';


const FLAGS = '{ "flags": { "iris-v2": { "state": "ENABLED", "variants": { "on": true, "off": false }, "defaultVariant": "off" } } }\n';

describe('rollback-lens reintroduce: a real Prometheus', function () {
  this.timeout(60_000);
  let prom: RunningPrometheus | undefined;

  before(async function () {
    needPrometheus(this);
    // the data ends just before the server starts (not when this file loads: the suite may run minutes later,
    // and an instant query sees a series only within Prometheus' 5-minute lookback)
    prom = await startPrometheus({ series: irisSeries(180), timeoutMs: 20_000 });
  });

  after(async () => {
    await prom?.stop();
  });

  it('stage 1 reads a quiet latency from Prometheus and passes; stage 2 reads the error rate breaching and goes back to 10%', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-reintro-prom-'));
    writeFileSync(path.join(dir, 'flags.flagd.json'), FLAGS);
    writeFileSync(
      path.join(dir, 'reintro.runbook.yaml'),
      `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: reintro-prom, owner: ml }
release:
  current: { model: iris-classifier, version: 2.0.0 }
  target: { model: iris-classifier, version: 1.4.2 }
roles:
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }
metrics:
  prometheus:
    url: ${prom!.url}
    queries:
      p99_latency_ms: max(iris_p99_latency_ms)
      error_rate: max(iris_error_rate)
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
  - { id: errors, metric: error_rate, when: "> 0.02" }
steps:
  - id: approve
    approve: [decisionMaker]
reintroduction:
  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }
  abortOn: [slow]
  stages:
    - percent: 10
      checks: [slow]
    - percent: 50
      checks: [errors]
    - percent: 100
`,
    );
    const r = runCliProcess(dir, ['reintroduce', 'reintro.runbook.yaml']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stdout.startsWith('reintro.runbook.yaml: reintroduction FAIL (aborted-at-2)\n'), r.stdout);
    const ten = editFractional(FLAGS, 'flags.flagd.json', 'iris-v2', 'on', 10);
    assert.ok(ten.ok);
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), ten.text);
    assert.ok(r.stdout.startsWith('reintro.runbook.yaml: reintroduction FAIL (aborted-at-2)\n'), r.stdout);
    assert.ok(r.stdout.includes('    check FAIL trigger errors stays quiet: fired: error_rate is 0.05 > 0.02: fires\n'), r.stdout);
    assert.ok(r.stdout.includes('  stage 2: check failed: trigger errors stays quiet: fired: error_rate is 0.05 > 0.02: fires\n'), r.stdout);
    const log = await readAuditLog(dir);
    const rec = log.entries[log.entries.length - 1]!.record as Record<string, unknown>;
    assert.deepEqual(rec.stages, [
      { stage: 1, percent: 10, outcome: 'passed', held: 'none', checks: [{ check: 'trigger slow stays quiet', outcome: 'pass', value: 180 }], abortOn: [{ id: 'slow', state: 'quiet', value: 180 }] },
      { stage: 2, percent: 50, outcome: 'aborted', held: 'none', checks: [{ check: 'trigger errors stays quiet', outcome: 'fail', value: 0.05 }], abortOn: [{ id: 'slow', state: 'quiet', value: 180 }] },
    ]);
  });
});
