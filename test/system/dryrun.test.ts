// The dry-run changes nothing and says what would happen, with the shell
// steps it runs: sentinel files prove no mutating command runs (only the
// dryRun variants, which are run), a failing or hanging dryRun is a located
// finding, and the example runbook is ready. The findings that need no
// process (flag files, the plan, Prometheus unreachable, the code table) are
// in test/unit/dryrun.test.ts.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../unit/helpers';
import { isDryRunCode } from '../../src/core/runbook/codes';
import type { DryRunReport } from '../../src/core/runbook/report';
import { COMPAT_CODES } from '../../src/core/contract/compat/rules';
import { LineIndex } from '../../src/core/util/text';
import { RUNBOOK, workspace } from '../support/dryrun';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

const cli = runCli;

describe('dry-run', function () {
  this.timeout(30_000);

  it('executes no mutating command: run and undo would create sentinel files, none exists afterwards', async () => {
    const dir = workspace({
      'r.runbook.yaml': RUNBOOK(`  - id: mutate
    run: touch RUN_SENTINEL
    dryRun: echo would touch RUN_SENTINEL
    undo: touch UNDO_SENTINEL
    timeout: 10s
  - id: no-dry
    run: touch NODRY_SENTINEL
    undo: touch NODRY_UNDO_SENTINEL
    requires: [mutate]
    timeout: 10s
`),
    });
    const r = await cli(dir, 'dry-run', 'r.runbook.yaml');
    for (const s of ['RUN_SENTINEL', 'UNDO_SENTINEL', 'NODRY_SENTINEL', 'NODRY_UNDO_SENTINEL']) assert.equal(existsSync(path.join(dir, s)), false, s);
    assert.match(r.stdout, /^ {2}1\. dry-run: echo would touch RUN_SENTINEL$/m);
    assert.match(r.stdout, /^ {2}2\. would run: touch NODRY_SENTINEL \(no dryRun variant: not executed\)$/m);
    assert.match(r.stdout, /r\.runbook\.yaml:17:5: warning no-dry-run step `no-dry` has no `dryRun` variant, so the dry-run cannot exercise it/);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^READY$/m);
  });

  it('a failing dryRun variant: not ready, located on the dryRun key, with the stderr tail; exit 1', async () => {
    const dir = workspace({ 'r.runbook.yaml': RUNBOOK(`  - id: repoint\n    run: touch X\n    dryRun: echo registry unreachable >&2; exit 3\n    undo: touch Y\n    timeout: 10s\n`) });
    const r = await cli(dir, 'dry-run', 'r.runbook.yaml');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /r\.runbook\.yaml:13:5: error dry-run-failed step `repoint`: `echo registry unreachable >&2; exit 3` exited with code 3: registry unreachable/);
    assert.match(r.stdout, /^NOT READY: 1 error\(s\)$/m);
  });

  it('a dryRun that hangs is killed at the step timeout', async () => {
    const dir = workspace({ 'r.runbook.yaml': RUNBOOK(`  - id: slow\n    run: touch X\n    dryRun: sleep 30\n    undo: touch Y\n    timeout: 300ms\n`) });
    const started = Date.now();
    const r = await cli(dir, 'dry-run', 'r.runbook.yaml');
    assert.ok(Date.now() - started < 10_000);
    assert.match(r.stdout, /dry-run-failed step `slow`: `sleep 30` did not finish within 300ms; killed/);
  });

  it('user state: a sample the target cannot read is reported by its line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-dryrun-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
    const samples = path.join(dir, 'state/samples.jsonl');
    const lines = readFileSync(samples, 'utf8').trimEnd().split('\n');
    const bad = JSON.parse(lines[0]!);
    bad.locale = 42;
    lines.push(JSON.stringify(bad));
    writeFileSync(samples, lines.join('\n') + '\n');
    const r = await cli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json');
    const state = JSON.parse(r.stdout).findings.filter((f: { code: string }) => f.code.startsWith('state-'));
    assert.equal(state.length, 1, JSON.stringify(state));
    assert.match(state[0].message, new RegExp(`^state/samples\\.jsonl line ${lines.length}: the target cannot read it \\(state/profile\\.v3\\.schema\\.json\\): /locale must be string$`));
    assert.equal(r.code, 1);
  });

  it('the example runbook is ready, and the report walks every phase', async () => {
    // a copy: a run writes its record into the workspace's audit log
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-dryrun-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
    const r = await cli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json');
    assert.equal(r.code, 0, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report.phases), ['detect', 'decide', 'execute', 'verify', 'close', 'communicate']);
    assert.deepEqual(
      report.steps.map((s: { id: string; outcome: string }) => `${s.id}:${s.outcome}`),
      ['approve:shown', 'announce-start:shown', 'flag-off:shown', 'repoint:ran', 'pin-serving:shown', 'verify:shown', 'announce-done:shown'],
    );
    assert.equal(report.steps[2].action, 'would change flags.flagd.json: flags.iris-v2.defaultVariant "on" → "off"');
    assert.equal(report.worstCase.ms, 19.5 * 60_000);
  });
});

describe('dry-run findings: spans and codes', function () {
  this.timeout(30_000);
  it('every finding has a span in offsets of the runbook text; line and column are its start', async () => {
    const text = RUNBOOK(`  - id: repoint\n    run: touch X\n    dryRun: exit 3\n    undo: touch Y\n  - id: flag-off\n    flag: { file: ../outside.json, name: f, variant: "off" }\n  - id: tell\n    notify: { audience: partners }\n`).replace('target: { model: m, version: 1.0.0 }', 'target: { model: m, version: 1.0.0, contract: gone.contract.yaml }');
    const dir = workspace({ 'r.runbook.yaml': text });
    const r = await cli(dir, 'dry-run', 'r.runbook.yaml', '--format', 'json');
    assert.equal(r.code, 1, r.stderr);
    const index = new LineIndex(text);
    const shown = (JSON.parse(r.stdout) as DryRunReport).findings.map((f) => {
      const p = index.positionAt(f.span!.start);
      assert.deepEqual([f.line, f.column], [p.line + 1, p.character + 1], f.code);
      return [f.code, text.slice(f.span!.start, f.span!.end)];
    });
    assert.deepEqual(shown, [
      ['missing-file', 'gone.contract.yaml'], // the language service's, at its own span
      ['missing-role', 'run'], // no technicalLead for the run step: the language service's warning, at the step's `run` key
      ['dry-run-failed', 'dryRun'], // the key of what failed
      ['file-outside-workspace', '../outside.json'], // a file reference: the value
      ['no-template', 'notify'],
    ]);
    assert.equal(shown.length, new Set(shown.map(([c]) => c)).size);
  });

  it('a breaking contract change is `contract-` and its compat code, which COMPAT_CODES explains', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-dryrun-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
    const contract = readFileSync(path.join(dir, 'iris.contract.yaml'), 'utf8');
    // the target orders its labels otherwise: encodings by index break
    const target = contract.replace('labels: [setosa, versicolor, virginica]', 'labels: [versicolor, setosa, virginica]');
    assert.notEqual(target, contract);
    writeFileSync(path.join(dir, 'target.contract.yaml'), target);
    const runbook = path.join(dir, 'iris.runbook.yaml');
    const text = readFileSync(runbook, 'utf8');
    writeFileSync(runbook, text.replace(/(target:\n(?: {4}[^\n]*\n)*? {4}contract: )iris\.contract\.yaml/, '$1target.contract.yaml'));
    const r = await cli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json', '--workspace', dir);
    const codes = (JSON.parse(r.stdout) as DryRunReport).findings.map((f) => f.code).filter((c) => c.startsWith('contract-'));
    assert.deepEqual(codes, ['contract-labels-reordered'], r.stdout);
    for (const c of codes) assert.ok(isDryRunCode(c) && c.slice('contract-'.length) in COMPAT_CODES, c);
  });
});
