// `rollback-lens reintroduce` as a real process in a temp workspace: a real
// flagd file edited stage by stage, a real metrics snapshot the test changes
// while a stage holds (the CLI reads it after the hold), the audit log's
// `reintroduction` record, approvals by flag, Ctrl+C, the dry-run's plan, and
// the example's drill scenario. Expected bytes come from the same edit
// function, applied to the file's text, never copied from output.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { editFractional } from '../../src/core/runbook/fractional';
import { readAuditLog } from '../../src/node/audit';
import { cliBundle, runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

const FLAGS = `{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "iris-v2": {
      "state": "ENABLED",
      "variants": { "on": true, "off": false },
      "defaultVariant": "off"
    }
  }
}
`;

const HEALTHY = { p99_latency_ms: 182, error_rate: 0.003 };

function runbook(stages: string): string {
  return `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: reintro-test, owner: ml }
release:
  current: { model: iris-classifier, version: 2.0.0 }
  target: { model: iris-classifier, version: 1.4.2 }
roles:
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }
metrics: { file: now.json }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250", for: 5m }
  - { id: errors, metric: error_rate, when: "> 0.02" }
steps:
  - id: approve
    approve: [decisionMaker]
reintroduction:
  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }
  abortOn: [slow]
  stages:
${stages}`;
}

const STAGES = `    - percent: 10
      hold: 2s
      checks: [errors]
    - percent: 50
      hold: 2s
      checks:
        - { metric: error_rate, when: "< 0.02" }
    - percent: 100
      approve: [decisionMaker]
`;

function workspace(stages = STAGES): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-reintro-'));
  writeFileSync(path.join(dir, 'reintro.runbook.yaml'), runbook(stages));
  writeFileSync(path.join(dir, 'flags.flagd.json'), FLAGS);
  writeFileSync(path.join(dir, 'now.json'), JSON.stringify(HEALTHY));
  return dir;
}

/** The flag file after the stages' edits up to `percent`, from the same edit. */
function split(text: string, percent: number): string {
  const e = editFractional(text, 'flags.flagd.json', 'iris-v2', 'on', percent);
  assert.ok(e.ok);
  return e.text;
}

/** The CLI as a real process; `onErr` sees each stderr line as it comes (the live progress) with the child. */
function cli(cwd: string, args: string[], onErr?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      pending += d.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onErr?.(line, child);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function lastRecord(dir: string): Promise<Record<string, unknown>> {
  const log = await readAuditLog(dir);
  const r = log.entries[log.entries.length - 1]?.record;
  assert.ok(r);
  return r as Record<string, unknown>;
}

describe('rollback-lens reintroduce (real process, real files)', function () {
  this.timeout(60_000);

  it('a breach while stage 2 holds: abort at 2, traffic back to stage 1\'s split byte for byte, the trigger and its value named and recorded', async () => {
    const dir = workspace();
    const r = await cli(dir, ['reintroduce', 'reintro.runbook.yaml', '--approve', 'decisionMaker=dana'], (line) => {
      // stage 2 has set its split and holds 2s: the latency goes up now, the checks read it after the hold
      if (line.startsWith('stage 2: holding 2s')) writeFileSync(path.join(dir, 'now.json'), JSON.stringify({ ...HEALTHY, p99_latency_ms: 900 }));
    });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), split(FLAGS, 10));
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'reintro.runbook.yaml: reintroduction FAIL (aborted-at-2)');
    assert.ok(lines.includes('  stage 2: abortOn trigger slow fired: p99_latency_ms is 900 > 250 (a single value, taken to hold for 5m): fires'), r.stdout);
    assert.ok(lines.includes("  traffic: back to stage 1's split (10%): flags.flagd.json restored byte for byte"), r.stdout);
    assert.deepEqual(
      r.stderr.trim().split('\n'),
      [
        'stage 1/3: set 10%: flags.iris-v2.targeting (not set) → { "fractional": [["on", 10], ["off", 90]] }',
        'stage 1: holding 2s',
        'stage 1: passed (1 check, 1 abortOn trigger evaluated)',
        'stage 2/3: set 50%: flags.iris-v2.targeting { "fractional": [["on", 10], ["off", 90]] } → { "fractional": [["on", 50], ["off", 50]] }',
        'stage 2: holding 2s',
        'stage 2: aborted (1 check, 1 abortOn trigger evaluated)',
        "stage 2: back to stage 1's split (10%): flags.flagd.json restored byte for byte",
      ],
    );
    const rec = await lastRecord(dir);
    assert.equal(rec.kind, 'reintroduction');
    assert.equal(rec.verdict, 'fail');
    assert.equal(rec.outcome, 'aborted-at-2');
    assert.deepEqual(rec.stages, [
      {
        stage: 1,
        percent: 10,
        outcome: 'passed',
        held: 'waited',
        checks: [{ check: 'trigger errors stays quiet', outcome: 'pass', value: 0.003 }],
        abortOn: [{ id: 'slow', state: 'quiet', value: 182 }],
      },
      {
        stage: 2,
        percent: 50,
        outcome: 'aborted',
        held: 'waited',
        checks: [{ check: 'error_rate < 0.02', outcome: 'pass', value: 0.003 }],
        abortOn: [{ id: 'slow', state: 'fires', value: 900 }],
      },
    ]);
    assert.deepEqual(rec.approvals, []);
  });

  it('a breach while a long hold runs cuts it short: the abortOn triggers are read every --poll, not only at the end of the hold', async () => {
    const dir = workspace(STAGES.replace(/hold: 2s/g, 'hold: 1h'));
    const t0 = Date.now();
    const r = await cli(dir, ['reintroduce', 'reintro.runbook.yaml', '--approve', 'decisionMaker=dana', '--poll', '200ms'], (line) => {
      // stage 1 holds for an hour: the latency goes up a moment later
      if (line.startsWith('stage 1: holding 1h')) setTimeout(() => writeFileSync(path.join(dir, 'now.json'), JSON.stringify({ ...HEALTHY, p99_latency_ms: 900 })), 300);
    });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - t0 < 30_000, 'the hour was not waited');
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), FLAGS, 'before stage 1: the file as it was');
    const line = r.stdout.split('\n').find((l) => l.startsWith('  stage 1: abortOn trigger slow fired during the hold (after '));
    assert.ok(line, r.stdout);
    assert.match(line, /^ {2}stage 1: abortOn trigger slow fired during the hold \(after \d+(\.\d+)?(ms|s) of 1h\): p99_latency_ms is 900 > 250 \(a single value, taken to hold for 5m\): fires$/);
    const rec = await lastRecord(dir);
    assert.equal(rec.outcome, 'aborted-at-1');
    assert.deepEqual((rec.stages as Array<{ held: string; abortOn: unknown }>).map((s) => [s.held, s.abortOn]), [['cut short', [{ id: 'slow', state: 'fires', value: 900 }]]]);
  });

  it('--poll must be a positive duration', async () => {
    const r = await cli(workspace(), ['reintroduce', 'reintro.runbook.yaml', '--poll', 'soon']);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.startsWith('rollback-lens reintroduce: --poll takes a duration such as 30s or 1m, not `soon`\n'), r.stderr);
  });

  it('every stage healthy: 100% at the end, the approval given by flag recorded with the name', async () => {
    const dir = workspace(STAGES.replace(/hold: 2s/g, 'hold: 1s'));
    const r = await cli(dir, ['reintroduce', 'reintro.runbook.yaml', '--approve', 'decisionMaker=dana', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), split(split(split(FLAGS, 10), 50), 100));
    const report = JSON.parse(r.stdout) as { verdict: string; outcome: string; reason: string; stages: Array<{ outcome: string }> };
    assert.equal(report.verdict, 'pass');
    assert.equal(report.outcome, 'completed');
    assert.equal(report.reason, 'every stage passed: on serves 100% of traffic');
    assert.deepEqual(
      report.stages.map((s) => s.outcome),
      ['passed', 'passed', 'passed'],
    );
    const rec = await lastRecord(dir);
    assert.deepEqual(rec.approvals, [{ stage: 3, role: 'decisionMaker', decision: 'approve', by: 'flag', name: 'dana' }]);
  });

  it('refuses before any stage when an approval has nobody to give it (no terminal, no --approve), located at the approve key', async () => {
    const dir = workspace();
    const r = runCliProcess(dir, ['reintroduce', 'reintro.runbook.yaml']);
    assert.equal(r.code, 2);
    const text = runbook(STAGES);
    const line = text.slice(0, text.indexOf('approve: [decisionMaker]\n', text.indexOf('percent: 100'))).split('\n');
    assert.equal(r.stderr, `rollback-lens: reintro.runbook.yaml:${line.length}:${line[line.length - 1]!.length + 1}: stage 3 needs an approval from decisionMaker: give --approve decisionMaker=<name>, or run on a terminal\n`);
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), FLAGS);
    // run from the runbook's folder inside a larger workspace: located relative to the cwd, as the CLI's other paths
    const top = mkdtempSync(path.join(tmpdir(), 'rl-reintro-ws-'));
    cpSync(dir, path.join(top, 'team'), { recursive: true });
    const inner = runCliProcess(path.join(top, 'team'), ['reintroduce', 'reintro.runbook.yaml', '--workspace', top]);
    assert.equal(inner.code, 2);
    assert.equal(inner.stderr, r.stderr);
  });

  it('refuses a plan whose percentages do not increase, at the percent', async () => {
    const dir = workspace(STAGES.replace('percent: 50', 'percent: 10'));
    const r = runCliProcess(dir, ['reintroduce', 'reintro.runbook.yaml', '--approve', 'decisionMaker=dana']);
    assert.equal(r.code, 2);
    const text = runbook(STAGES.replace('percent: 50', 'percent: 10'));
    const upTo = text.slice(0, text.indexOf('percent: 10', text.indexOf('percent: 10') + 1) + 'percent: '.length).split('\n');
    assert.equal(r.stderr, `rollback-lens: reintro.runbook.yaml:${upTo.length}:${upTo[upTo.length - 1]!.length + 1}: stage 2 sends 10% of traffic, not more than stage 1's 10%: percentages must strictly increase\n`);
  });

  it('Ctrl+C while stage 2 holds: traffic back to stage 1\'s split, cancelled', async () => {
    const dir = workspace(STAGES.replace(/hold: 2s/g, 'hold: 30s').replace('    - percent: 10\n      hold: 30s', '    - percent: 10\n      hold: 1s'));
    const started = Date.now();
    const r = await cli(dir, ['reintroduce', 'reintro.runbook.yaml', '--approve', 'decisionMaker=dana'], (line, child) => {
      if (line.startsWith('stage 2: holding 30s')) child.kill('SIGINT');
    });
    assert.ok(Date.now() - started < 20_000, 'the cancel stopped the 30s hold');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), split(FLAGS, 10));
    assert.ok(r.stdout.startsWith('reintro.runbook.yaml: reintroduction CANCELLED (cancelled-at-2)\n'), r.stdout);
    assert.equal((await lastRecord(dir)).outcome, 'cancelled-at-2');
  });

  it('--dry-run shows the whole stage plan with each flag edit, and changes nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-reintro-example-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
    const before = readFileSync(path.join(dir, 'flags.flagd.json'));
    const r = runCliProcess(dir, ['reintroduce', 'iris.runbook.yaml', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `iris.runbook.yaml: reintroduction plan (dry-run, nothing changed)
  flag iris-v2 in flags.flagd.json: variant on by fractional split; abort on: slow, errors, accuracy-drop, drift, unknown-label
  stage 1: 5% for 1h; checks: trigger slow stays quiet, trigger errors stays quiet, trigger unknown-label stays quiet
    would set flags.iris-v2.targeting (not set) → { "fractional": [["on", 5], ["off", 95]] }
  stage 2: 25% for 4h; checks: trigger drift stays quiet, contract test parity of iris.contract.yaml passes
    would set flags.iris-v2.targeting { "fractional": [["on", 5], ["off", 95]] } → { "fractional": [["on", 25], ["off", 75]] }
  stage 3: 50% for 1d; checks: accuracy_delta >= -0.01; approve: decisionMaker (On-call ML lead, #ml-oncall)
    would set flags.iris-v2.targeting { "fractional": [["on", 25], ["off", 75]] } → { "fractional": [["on", 50], ["off", 50]] }
  stage 4: 100% (no hold); checks: (none); approve: decisionMaker (On-call ML lead, #ml-oncall), dataSteward (Data steward, #data)
    would set flags.iris-v2.targeting { "fractional": [["on", 50], ["off", 50]] } → { "fractional": [["on", 100], ["off", 0]] }
`,
    );
    assert.ok(readFileSync(path.join(dir, 'flags.flagd.json')).equals(before));
  });

  it('the dry-run command\'s report carries the stage plan; a flag with a targeting rule of its own is a warning at reintroduction.flag', () => {
    const dir = workspace();
    const ok = runCliProcess(dir, ['dry-run', 'reintro.runbook.yaml', '--format', 'json']);
    const report = JSON.parse(ok.stdout) as { reintroduction: { stages: Array<{ stage: number; percent: number; hold?: string; checks: string[]; approve: string[]; edit: string }> } };
    assert.deepEqual(report.reintroduction.stages, [
      { stage: 1, percent: 10, hold: '2s', checks: ['trigger errors stays quiet'], approve: [], edit: 'flags.iris-v2.targeting (not set) → { "fractional": [["on", 10], ["off", 90]] }' },
      { stage: 2, percent: 50, hold: '2s', checks: ['error_rate < 0.02'], approve: [], edit: 'flags.iris-v2.targeting { "fractional": [["on", 10], ["off", 90]] } → { "fractional": [["on", 50], ["off", 50]] }' },
      { stage: 3, percent: 100, checks: [], approve: ['decisionMaker (On-call ML lead, #ml-oncall)'], edit: 'flags.iris-v2.targeting { "fractional": [["on", 50], ["off", 50]] } → { "fractional": [["on", 100], ["off", 0]] }' },
    ]);
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), FLAGS);
    writeFileSync(path.join(dir, 'flags.flagd.json'), FLAGS.replace('"defaultVariant": "off"', '"defaultVariant": "off",\n      "targeting": { "if": [true, "on", "off"] }'));
    const r = runCliProcess(dir, ['dry-run', 'reintro.runbook.yaml']);
    const text = runbook(STAGES);
    const upTo = text.slice(0, text.indexOf('  flag: { file: flags.flagd.json') + 2).split('\n');
    assert.ok(
      r.stdout.includes(
        `  reintro.runbook.yaml:${upTo.length}:${upTo[upTo.length - 1]!.length + 1}: warning reintroduction-unplannable reintroduction: stage 1: flag \`iris-v2\` in \`flags.flagd.json\` has a targeting rule of its own ({ "if": [true, "on", "off"] }); a stage would replace it, so it is left untouched\n`,
      ),
      r.stdout,
    );
  });

  it("the example's drill scenario: the injected breach at stage 2 aborts it as expected, holds not waited, the flag file as before", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-reintro-example-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
    const before = readFileSync(path.join(dir, 'flags.flagd.json'));
    const r = await cli(dir, ['reintroduce', 'iris.runbook.yaml', '--scenario', 'reintro-latency']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'iris.runbook.yaml: reintroduction drill reintro-latency PASS (aborted-at-2)');
    assert.equal(lines[2], '  drill: holds not waited in a drill (stage 1: 1h, stage 2: 4h, stage 3: 1d)');
    assert.ok(lines.includes('    injected: p99_latency_ms = 900'), r.stdout);
    assert.ok(lines.includes('  stage 2: abortOn trigger slow fired: p99_latency_ms is 900 > 250 (a single value, taken to hold for 5m): fires'), r.stdout);
    assert.ok(lines.includes('  drill: expected aborted-at-2, got aborted-at-2: met'), r.stdout);
    assert.ok(readFileSync(path.join(dir, 'flags.flagd.json')).equals(before));
    const rec = await lastRecord(dir);
    assert.equal(rec.kind, 'reintroduction');
    assert.equal(rec.scenario, 'reintro-latency');
    assert.equal(rec.verdict, 'pass');
  });

  it('a scenario whose decision-maker rejects at stage 3, as it expects: rejected there, traffic back to stage 2\'s split, the answer recorded as the scenario\'s', async () => {
    const dir = workspace(STAGES.replace(/hold: 2s/g, 'hold: 1s'));
    writeFileSync(
      path.join(dir, 'reintro.runbook.yaml'),
      runbook(STAGES) + `drills:\n  every: 90d\n  scenarios:\n    - id: no-go\n      expect: { reintroduction: rejected-at-3 }\n      approvals: { decisionMaker: { decision: reject } }\n`,
    );
    const r = runCliProcess(dir, ['reintroduce', 'reintro.runbook.yaml', '--scenario', 'no-go']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('reintro.runbook.yaml: reintroduction drill no-go PASS (rejected-at-3)\n'), r.stdout);
    assert.ok(r.stdout.includes('    approval: decisionMaker rejected (scenario)\n'), r.stdout);
    assert.ok(r.stdout.includes("  traffic: back to stage 2's split (50%): flags.flagd.json restored byte for byte\n"), r.stdout);
    assert.ok(r.stdout.includes('  drill: expected rejected-at-3, got rejected-at-3: met\n'), r.stdout);
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), FLAGS);
    assert.deepEqual((await lastRecord(dir)).approvals, [{ stage: 3, role: 'decisionMaker', decision: 'reject', by: 'scenario' }]);
  });

  it('--approve takes role=name', () => {
    const r = runCliProcess(workspace(), ['reintroduce', 'reintro.runbook.yaml', '--approve', 'decisionMaker']);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.startsWith('rollback-lens reintroduce: --approve takes role=name (who approves), not `decisionMaker`\n\nUsage: rollback-lens reintroduce <runbook> [options]\n'), r.stderr);
  });

  it('`drill` refuses a scenario that rehearses the reintroduction, and says which command runs it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-reintro-example-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
    const r = runCliProcess(dir, ['drill', 'iris.runbook.yaml', '--scenario', 'reintro-latency']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', 'rollback-lens: scenario `reintro-latency` rehearses the staged reintroduction: run it with `rollback-lens reintroduce iris.runbook.yaml --scenario reintro-latency`\n']);
  });

  it('a drill scenario that expects completion fails when its breach aborts, and says what it expected', async () => {
    const dir = workspace();
    writeFileSync(
      path.join(dir, 'reintro.runbook.yaml'),
      runbook(STAGES) + `drills:\n  every: 90d\n  scenarios:\n    - id: late\n      inject: { reintroduction: { stage: 3, metrics: { p99_latency_ms: 300 } } }\n      expect: { reintroduction: completed }\n      approvals: auto\n`,
    );
    const r = runCliProcess(dir, ['reintroduce', 'reintro.runbook.yaml', '--scenario', 'late']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stdout.startsWith('reintro.runbook.yaml: reintroduction drill late FAIL (aborted-at-3)\n'), r.stdout);
    assert.ok(r.stdout.includes('  drill: expected completed, got aborted-at-3: not met\n'), r.stdout);
    assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), FLAGS);
  });
});
