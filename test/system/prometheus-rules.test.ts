// Triggers from a Prometheus rule file (`fromRule`) against a REAL Prometheus
// (Debian's package, backfilled data on a free loopback port:
// test/prometheus/server.ts), through the CLI as a real process: the rule file
// is first checked by Prometheus' own `promtool check rules`, so the format
// the tests read is the one Prometheus reads; then `validate`, `dry-run` and
// `drill` on a runbook whose triggers all come from it (no queries of its
// own), and the located lint errors of a rule file that is wrong. The parsing
// and the lint one by one: test/unit/prometheus-rules*.test.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateTriggers } from '../../src/node/metrics';
import { PROMTOOL, needPrometheus, samples, startPrometheus, type RunningPrometheus, type Series } from '../prometheus/server';
import { M, S, said } from '../support/metrics';
import { runCliProcess } from '../unit/helpers';

const RULES = `groups:
  - name: iris
    rules:
      - record: iris:p99_latency_ms:max
        expr: max(iris_p99_latency_ms)
      - alert: IrisHighLatency
        expr: max(iris_p99_latency_ms) > 250
        for: 5m
        labels:
          severity: page
        annotations:
          summary: iris p99 latency above 250 ms
      - alert: IrisSustainedLatency
        expr: max(iris_p99_latency_ms) > 250
        for: 15m
      - alert: IrisLatencyHalfHour
        expr: max(iris_p99_latency_ms) > 250
        for: 30m
      - alert: IrisErrors
        expr: |
          sum by (job) (iris_error_rate)
            > 0.02
        for: 5m
`;

function runbookText(url: string, triggers: string): string {
  return `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: iris-rules, owner: ml }
release:
  current: { model: iris, version: 2.0.0 }
  target: { model: iris, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
  technicalLead: { name: Serving, contact: "#serving" }
metrics: { prometheus: { url: "${url}", step: 30s, timeout: 5s } }
triggers:
${triggers}windows: { decide: 15m, restore: 30m }
steps:
  - id: approve
    approve: [decisionMaker]
  - id: repoint
    run: echo 1.4.2 > alias.txt
    dryRun: "true"
    undo: echo 2.0.0 > alias.txt
    timeout: 5s
    requires: [approve]
drills:
  every: 90d
  scenarios:
    - id: from-prometheus
      approvals: auto
    - id: errors-injected
      inject: { metrics: { IrisErrors: 1 } }
      approvals: auto
`;
}

const TRIGGERS = `  - { fromRule: alerts.rules.yml#IrisHighLatency }
  - { id: sustained, fromRule: "alerts.rules.yml#iris/IrisSustainedLatency", severity: warn }
  - { id: errors, fromRule: alerts.rules.yml#IrisErrors }
`;

describe('prometheus rules: fromRule triggers against a real Prometheus, through the CLI', function () {
  this.timeout(60_000);
  let prom: RunningPrometheus | undefined;
  /**
   * The end of the backfilled data, on a 15 s boundary in the recent past, set just before the server
   * starts: not when this file loads, since the suite may run minutes later (on a loaded CI it did) and
   * the CLI's dry-run and drill ask at the real now, seeing a series only within Prometheus' 5-minute lookback.
   */
  let END = 0;
  let dir = '';

  before(async function () {
    needPrometheus(this);
    END = Math.floor((Date.now() - 15 * S) / (15 * S)) * 15 * S;
    const every15s = (f: (msAgo: number) => number) => samples(END, 30 * M, 15 * S, f);
    const data: Series[] = [
      // above 250 for the last 20 minutes, below before
      { name: 'iris_p99_latency_ms', labels: { job: 'iris' }, samples: every15s((ago) => (ago <= 20 * M ? 312 : 180)) },
      { name: 'iris_error_rate', labels: { job: 'iris' }, samples: every15s(() => 0.01) },
    ];
    prom = await startPrometheus({ series: data, timeoutMs: 20_000 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-rules-'));
    fs.writeFileSync(path.join(dir, 'alerts.rules.yml'), RULES);
    fs.writeFileSync(path.join(dir, 'iris.runbook.yaml'), runbookText(prom.url, TRIGGERS));
  });

  after(async () => {
    await prom?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the rule file is one Prometheus' own promtool accepts", () => {
    const out = execFileSync(PROMTOOL, ['check', 'rules', path.join(dir, 'alerts.rules.yml')], { encoding: 'utf8' });
    assert.match(out, /SUCCESS: 5 rules found/);
  });

  it('validate: no findings, although the runbook has no queries of its own', () => {
    const r = runCliProcess(dir, ['validate', 'iris.runbook.yaml']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '1 file checked: 0 errors, 0 warnings\n');
    assert.equal(r.code, 0);
  });

  it("dry-run: each rule's expr is asked of Prometheus as count((expr)) or vector(0); the report shows the expr", () => {
    const r = runCliProcess(dir, ['dry-run', 'iris.runbook.yaml', '--format', 'json']);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout) as { phases: { detect: string[] }; findings: Array<{ code: string }> };
    assert.deepEqual(report.phases.detect, [
      'IrisHighLatency: alert IrisHighLatency (`max(iris_p99_latency_ms) > 250`) returns 1 series > 0 for all 11 samples over 5m: fires',
      'sustained: alert IrisSustainedLatency (`max(iris_p99_latency_ms) > 250`) returns 1 series > 0 for all 31 samples over 15m: fires',
      'errors: alert IrisErrors (`sum by (job) (iris_error_rate) > 0.02`) returns 0 series, not > 0: quiet',
      'would fire now: IrisHighLatency, sustained',
      // a fromRule trigger's window is its rule's for:
      'worst case to detect: 15m (`sustained` must hold for 15m)',
    ]);
    assert.deepEqual(report.findings.filter((f) => f.code.startsWith('trigger-')), []);
    assert.equal(r.code, 0, r.stdout);
  });

  it('in process at the end of the data: a rule whose for: is longer than the breach stays quiet, with how long it held', async () => {
    const runbook = {
      metrics: { prometheus: { url: prom!.url, step: '30s', timeout: '5s' } },
      triggers: [{ fromRule: 'alerts.rules.yml#IrisLatencyHalfHour' }, { fromRule: 'alerts.rules.yml#IrisHighLatency' }],
    };
    assert.deepEqual(said(await evaluateTriggers(runbook, dir, { workspace: dir, now: END })), [
      ['IrisLatencyHalfHour', 'quiet', 'alert IrisLatencyHalfHour (`max(iris_p99_latency_ms) > 250`) stayed > 0 for only 20m of 30m'],
      ['IrisHighLatency', 'fires', 'alert IrisHighLatency (`max(iris_p99_latency_ms) > 250`) returns 1 series > 0 for all 11 samples over 5m: fires'],
    ]);
  });

  it('drill: the alert read from Prometheus starts the rollback; a scenario injects an alert by its name', () => {
    const real = runCliProcess(dir, ['drill', 'iris.runbook.yaml', '--scenario', 'from-prometheus', '--format', 'json']);
    assert.equal(real.stderr, '');
    const a = JSON.parse(real.stdout) as { verdict: string; triggers: Array<{ id: string; fired: boolean; rule?: { ref: string; expr: string; for?: string } }> };
    assert.deepEqual(
      a.triggers.map((t) => [t.id, t.fired, t.rule]),
      [
        ['IrisHighLatency', true, { ref: 'alerts.rules.yml#IrisHighLatency', expr: 'max(iris_p99_latency_ms) > 250', for: '5m' }],
        ['sustained', true, { ref: 'alerts.rules.yml#iris/IrisSustainedLatency', expr: 'max(iris_p99_latency_ms) > 250', for: '15m' }],
        ['errors', false, { ref: 'alerts.rules.yml#IrisErrors', expr: 'sum by (job) (iris_error_rate)\n  > 0.02', for: '5m' }],
      ],
    );
    assert.equal(a.verdict, 'pass');
    assert.equal(real.code, 0);
    const injected = runCliProcess(dir, ['drill', 'iris.runbook.yaml', '--scenario', 'errors-injected', '--format', 'json']);
    const b = JSON.parse(injected.stdout) as { triggers: Array<{ id: string; fired: boolean; message: string }> };
    assert.deepEqual(b.triggers[2], {
      id: 'errors',
      metric: 'IrisErrors',
      value: 1,
      fired: true,
      message: 'alert IrisErrors (`sum by (job) (iris_error_rate) > 0.02`) returns 1 series > 0 (a single value, taken to hold for 5m): fires',
      rule: { ref: 'alerts.rules.yml#IrisErrors', expr: 'sum by (job) (iris_error_rate)\n  > 0.02', for: '5m' },
    });
  });

  it('a wrong reference: validate and dry-run give the located error at the fromRule value, exit 1', () => {
    const bad = runbookText(prom!.url, '  - { fromRule: alerts.rules.yml#IrisHighLatncy }\n');
    fs.writeFileSync(path.join(dir, 'bad.runbook.yaml'), bad);
    const col = bad.split('\n').find((l) => l.includes('IrisHighLatncy'))!.indexOf('alerts.rules.yml') + 1;
    const line = bad.split('\n').findIndex((l) => l.includes('IrisHighLatncy')) + 1;
    const v = runCliProcess(dir, ['validate', 'bad.runbook.yaml']);
    assert.equal(v.code, 1);
    assert.ok(
      v.stdout.includes(`bad.runbook.yaml:${line}:${col}: error unknown-alert-rule \`alerts.rules.yml\` has no alerting rule \`IrisHighLatncy\` — did you mean \`IrisHighLatency\`?`),
      v.stdout,
    );
    const d = runCliProcess(dir, ['dry-run', 'bad.runbook.yaml', '--format', 'json']);
    assert.equal(d.code, 1);
    const report = JSON.parse(d.stdout) as { phases: { detect: string[] }; findings: Array<{ code: string; line: number; column: number; message: string }> };
    assert.deepEqual(
      report.findings.filter((f) => f.code === 'unknown-alert-rule' || f.code === 'trigger-unreadable').map((f) => `${f.line}:${f.column} ${f.code} ${f.message}`),
      // one problem, one finding: the trigger that cannot be read adds no trigger-unreadable of its own
      [`${line}:${col} unknown-alert-rule \`alerts.rules.yml\` has no alerting rule \`IrisHighLatncy\` — did you mean \`IrisHighLatency\`?`],
    );
    assert.deepEqual(report.phases.detect, [
      'IrisHighLatncy: `alerts.rules.yml` has no alerting rule `IrisHighLatncy` — did you mean `IrisHighLatency`?',
      'no trigger would fire now',
      'worst case to detect: 0s (no trigger has a for: window)',
    ]);
  });
  it('a rule file linked from outside the workspace: refused at the fromRule value by validate and dry-run, never read', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-rules-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'alerts.rules.yml'), RULES);
      fs.symlinkSync(path.join(outside, 'alerts.rules.yml'), path.join(dir, 'linked.rules.yml'));
      const text = runbookText(prom!.url, '  - { fromRule: linked.rules.yml#IrisHighLatency }\n');
      fs.writeFileSync(path.join(dir, 'linked.runbook.yaml'), text);
      const line = text.split('\n').findIndex((l) => l.includes('linked.rules.yml')) + 1;
      const col = text.split('\n')[line - 1]!.indexOf('linked.rules.yml') + 1;
      const v = runCliProcess(dir, ['validate', 'linked.runbook.yaml']);
      assert.equal(v.code, 1);
      assert.deepEqual(
        v.stdout.split('\n').filter((l) => l.includes('file-outside-workspace')),
        [`linked.runbook.yaml:${line}:${col}: error file-outside-workspace \`linked.rules.yml\` resolves outside the workspace (through a link); referenced files must live inside it`],
      );
      const d = runCliProcess(dir, ['dry-run', 'linked.runbook.yaml', '--format', 'json']);
      assert.equal(d.code, 1);
      const report = JSON.parse(d.stdout) as { phases: { detect: string[] }; findings: Array<{ code: string; line: number; column: number }> };
      assert.deepEqual(report.findings.filter((f) => f.code === 'file-outside-workspace' || f.code.startsWith('trigger-')).map((f) => `${f.line}:${f.column} ${f.code}`), [`${line}:${col} file-outside-workspace`]);
      assert.equal(report.phases.detect[0], 'IrisHighLatency: rule file `linked.rules.yml` is outside the workspace (through a link)');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
