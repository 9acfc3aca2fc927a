// Drill fidelity and detect timing, run for real on copies of examples/iris:
// the real CLI in-process, the real model (model/predict.mjs) behind the
// contract's command source, the serving endpoint on a loopback server of this
// test, the alias store inside the copy. After the restore the verify step's
// contract test measures fidelity against the 1.4.2 baseline: 1.4.2 itself
// agrees on every row; a model whose labels drift on two flowers passes the
// contract's own tolerances (agreement >= 0.98) but not the scenario's
// `fidelity: { agreement: ">= 0.99" }`, so the drill fails with the numbers.
// Detect honours the trigger's `for:` window (simulated) and windows.detect.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DrillReport } from '../../src/core/runbook/report';
import { readAuditLog } from '../../src/node/audit';
import { runCli } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

/** `text` with `from` replaced by `to`, which must occur exactly once. */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `the example must contain \`${from}\` exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** Labels the drifting model flips (setosa -> versicolor): 2 of 150. */
const FLIPPED = ['iris-010', 'iris-020'];

/** A model that scores like 1.4.2 but whose label drifts on FLIPPED: 1.4.2's predictions, two labels changed. */
const DRIFT = `import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
const input = readFileSync(0);
const r = spawnSync(process.execPath, ['model/predict.mjs', '--model', 'model/v1.json'], { input });
const flip = new Set(${JSON.stringify(FLIPPED)});
for (const line of r.stdout.toString('utf8').split('\\n').filter(Boolean)) {
  const o = JSON.parse(line);
  if (flip.has(o.id)) o.label = 'versicolor';
  process.stdout.write(JSON.stringify(o) + '\\n');
}
`;

/** A copy of the example: serving on `port`, the alias store in the copy, the contract serving `model` (v1: 1.4.2), runbook edits applied. */
function example(port: number, model: 'v1' | 'drift', edits: Array<[string, string]> = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-fidelity-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
  const file = path.join(dir, 'iris.runbook.yaml');
  let text = readFileSync(file, 'utf8');
  text = edit(text, 'ALIAS_STORE: /tmp/iris-drill-registry', 'ALIAS_STORE: .registry-drill');
  text = text.split('http://iris-serving.ml.svc:8080').join(`http://127.0.0.1:${port}`);
  for (const [from, to] of edits) text = edit(text, from, to);
  writeFileSync(file, text);
  mkdirSync(path.join(dir, '.registry-drill', 'iris'), { recursive: true });
  writeFileSync(path.join(dir, '.registry-drill', 'iris', 'champion'), '2.0.0\n');
  const contract = path.join(dir, 'iris.contract.yaml');
  writeFileSync(path.join(dir, 'model', 'drift.mjs'), DRIFT);
  const command = model === 'v1' ? 'node model/predict.mjs --model model/v1.json' : 'node model/drift.mjs';
  writeFileSync(contract, edit(readFileSync(contract, 'utf8'), 'command: node model/predict.mjs --model model/v2.json', `command: ${command}`));
  return dir;
}

async function drillJson(dir: string, scenario: string): Promise<{ code: number; report: DrillReport; stderr: string }> {
  const r = await runCli(dir, 'drill', 'iris.runbook.yaml', '--scenario', scenario, '--format', 'json', '--workspace', dir);
  assert.equal(r.stderr, '');
  return { code: r.code, report: JSON.parse(r.stdout) as DrillReport, stderr: r.stderr };
}

describe('drill fidelity and detect timing (examples/iris, for real)', function () {
  this.timeout(120_000);
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('1.4.2 restored: every row compared agrees, the expectation is met and the audit record carries the fidelity', async () => {
    const dir = example(port, 'v1');
    const { code, report } = await drillJson(dir, 'latency-spike');
    assert.equal(report.verdict, 'pass', report.reason);
    assert.equal(code, 0);
    const f = report.fidelity!;
    assert.equal(f.measured, true);
    assert.equal(f.rowsCompared, 150);
    assert.equal(f.rowsWithinTolerance, 150);
    assert.equal(f.withinTolerance, 1);
    assert.deepEqual(f.agreement, { value: 1, agree: 150, of: 150 });
    assert.deepEqual(f.maxAbsDelta, { value: 0, field: 'probability', key: 'iris-001', test: 'parity' });
    assert.deepEqual(
      f.tests.map((t) => [t.step, t.contract, t.test, t.verdict, t.baseline]),
      [['verify', 'iris.contract.yaml', 'parity', 'pass', { file: 'data/baseline-1.4.2.jsonl', version: '1.4.2' }]],
    );
    assert.deepEqual(f.expectations, [{ what: 'agreement', want: '>= 0.99', actual: 1, met: true, message: 'fidelity agreement >= 0.99 was met: 1 (150/150 rows agree)' }]);
    const drills = (await readAuditLog(dir)).entries.map((e) => e.record).filter((r) => r.kind === 'drill');
    assert.equal(drills.length, 1);
    assert.deepEqual((drills[0]!.findings as { fidelity?: unknown }).fidelity, f);
  });

  it('a model whose labels drift: inside the contract (>= 0.98), below the expectation (>= 0.99): the drill fails with the exact numbers', async () => {
    const dir = example(port, 'drift');
    const { code, report } = await drillJson(dir, 'latency-spike');
    assert.equal(code, 1);
    assert.equal(report.verdict, 'fail');
    assert.equal(report.outcome, 'restored');
    // the contract test itself passed: the drift is within its tolerances
    assert.equal(report.steps.find((s) => s.id === 'verify')!.outcome, 'done');
    const f = report.fidelity!;
    assert.equal(f.rowsCompared, 150);
    assert.equal(f.rowsWithinTolerance, 148);
    assert.deepEqual(f.agreement, { value: 148 / 150, agree: 148, of: 150 });
    const message = 'fidelity agreement >= 0.99 was not met: 0.986667 (148/150 rows agree)';
    assert.deepEqual(f.expectations, [{ what: 'agreement', want: '>= 0.99', actual: 148 / 150, met: false, message }]);
    assert.equal(report.reason, message);
    const text = await runCli(dir, 'drill', 'iris.runbook.yaml', '--scenario', 'latency-spike', '--workspace', dir);
    assert.equal(text.code, 1);
    const lines = text.stdout.split('\n');
    assert.ok(lines.includes('  fidelity: 148/150 rows within tolerance (0.986667), label agreement 0.986667 (148/150), max |Δ| 0 (`probability` at `iris-001`); `parity` of iris.contract.yaml against the 1.4.2 baseline'), text.stdout);
    assert.ok(lines.includes(`  ✗ ${message}`), text.stdout);
    assert.equal(lines[lines.length - 1] === '' ? lines[lines.length - 2] : lines[lines.length - 1], `FAIL: restored — ${message}`);
  });

  it('detect honours the trigger\'s for: window: slow must hold 5m, so detect is 5m (simulated) + the evaluation', async () => {
    const dir = example(port, 'v1');
    const { report } = await drillJson(dir, 'latency-spike');
    const d = report.detect!;
    assert.equal(d.trigger, 'slow');
    assert.equal(d.simulatedMs, 5 * 60_000);
    assert.ok(d.evaluationMs >= 0 && d.evaluationMs < 60_000, String(d.evaluationMs));
    assert.equal(d.ms, d.simulatedMs + d.evaluationMs);
    assert.equal(report.timings.detectMs, d.ms);
    assert.ok(report.timings.detectMs >= 5 * 60_000);
    const e = report.expectations.find((x) => x.what === 'detectWithin')!;
    assert.deepEqual(e, { what: 'detectWithin', limitMs: 6 * 60_000, actualMs: d.ms, met: true });
  });

  it('a trigger without for: fires at the first evaluation: detect is the evaluation only', async () => {
    const dir = example(port, 'v1');
    const { report } = await drillJson(dir, 'repoint-fails');
    assert.equal(report.detect!.trigger, 'drift');
    assert.equal(report.detect!.simulatedMs, 0);
    assert.equal(report.timings.detectMs, report.detect!.evaluationMs);
  });

  it('windows.detect exceeded: the exact expectation, and the drill fails', async () => {
    const dir = example(port, 'v1', [['windows: { detect: 35m,', 'windows: { detect: 4m,']]);
    const { code, report } = await drillJson(dir, 'latency-spike');
    assert.equal(code, 1);
    const took = report.detect!.ms;
    const e = report.expectations.find((x) => x.what === 'windows.detect')!;
    assert.deepEqual(e, { what: 'windows.detect', limitMs: 4 * 60_000, actualMs: took, met: false });
    const ms = took - 5 * 60_000;
    assert.equal(report.reason, `windows.detect 4m was not met: took 5m${ms ? `${ms}ms` : ''}`);
  });

  it('zero rows compared is not fidelity: a schema-only verify step leaves the expectation not measured, with the reason', async () => {
    const dir = example(port, 'v1', [['verify: { contract: iris.contract.yaml, test: parity }\n    requires: [pin-serving]', 'verify: { contract: iris.contract.yaml, test: input-edge-cases }\n    requires: [pin-serving]']]);
    const { code, report } = await drillJson(dir, 'latency-spike');
    assert.equal(code, 1);
    const f = report.fidelity!;
    assert.equal(f.measured, false);
    assert.equal(f.rowsCompared, 0);
    assert.equal(f.reason, 'the verify steps compared no rows (`verify`: a schema-only test compares no rows)');
    const message = 'fidelity agreement >= 0.99 was not measured: the verify steps compared no rows (`verify`: a schema-only test compares no rows)';
    assert.deepEqual(f.expectations, [{ what: 'agreement', want: '>= 0.99', met: false, message }]);
    assert.equal(report.reason, message);
  });

  it('a verify step that fails before its test reports (injected) measured nothing, and says so', async () => {
    const dir = example(port, 'v1', [['  scenarios:\n', '  scenarios:\n    - id: verify-fails\n      inject: { metrics: { p99_latency_ms: 400 }, failStep: verify }\n      expect: { outcome: undone }\n      approvals: auto\n']]);
    const { report } = await drillJson(dir, 'verify-fails');
    assert.equal(report.verdict, 'pass', report.reason);
    assert.equal(report.fidelity!.reason, 'the verify step `verify` failed before its contract test compared anything');
  });

  it('a drill that stops before its verify step measured no fidelity, and says where it stopped', async () => {
    const dir = example(port, 'v1');
    const { report } = await drillJson(dir, 'repoint-fails');
    assert.equal(report.verdict, 'pass', report.reason);
    assert.deepEqual(report.fidelity, { measured: false, reason: 'no verify step ran: the drill stopped at step `repoint` (failed)', rowsCompared: 0, rowsWithinTolerance: 0, tests: [] });
  });
});
