// The dry-run changes nothing and says what would happen: sentinel files
// prove no mutating command runs; each kind of problem is a located finding.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from './helpers';
import { resolvePlan, renderTemplate } from '../../src/core/runbook/plan';
import { DRY_RUN_CODES, DRY_RUN_SHARED_CODES, isDryRunCode } from '../../src/core/runbook/codes';
import type { DryRunReport } from '../../src/core/runbook/report';
import { DIAGNOSTIC_CODES } from '../../src/core/language/codes';
import { COMPAT_CODES } from '../../src/core/contract/compat/rules';
import { LineIndex } from '../../src/core/util/text';
import { stripComments } from './architecture.test';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const SRC = path.resolve(__dirname, '..', '..', 'src');

const cli = runCli;

const RUNBOOK = (steps: string) => `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: sentinel, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.0.0 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
windows: { decide: 15m, restore: 30m }
steps:
${steps}`;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-dryrun-'));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}

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

  it('a flagd file that is not valid JSON: a clear finding, the file untouched', async () => {
    const dir = workspace({ 'flags.json': '{ not json', 'r.runbook.yaml': RUNBOOK(`  - id: flag-off\n    flag: { file: flags.json, name: f, variant: "off" }\n`) });
    const r = await cli(dir, 'dry-run', 'r.runbook.yaml');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /r\.runbook\.yaml:12:5: error flag-invalid step `flag-off`: flag file `flags\.json` is not valid JSON/);
    assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), '{ not json');
  });

  it('a cycle in requires and a missing contract: the language service findings make it not ready', async () => {
    const dir = workspace({
      'r.runbook.yaml': RUNBOOK(`  - id: a\n    approve: [decisionMaker]\n    requires: [b]\n  - id: b\n    approve: [decisionMaker]\n    requires: [a]\n`).replace('target: { model: m, version: 1.0.0 }', 'target: { model: m, version: 1.0.0, contract: gone.contract.yaml }'),
    });
    const r = await cli(dir, 'dry-run', 'r.runbook.yaml', '--format', 'json');
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.findings.filter((f: { severity: string }) => f.severity === 'error').map((f: { code: string; line: number }) => `${f.line} ${f.code}`),
      ['6 missing-file', '11 step-blocked', '14 step-blocked', '16 dependency-cycle'],
    );
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

  it('Prometheus unreachable: an error for the trigger phase, not a crash', async () => {
    const dir = workspace({
      'r.runbook.yaml': RUNBOOK(`  - id: a\n    approve: [decisionMaker]\n`).replace(
        'windows:',
        'metrics: { prometheus: { url: "http://127.0.0.1:9", queries: { p99: "histogram_quantile(0.99, x)" }, timeout: 2s } }\ntriggers:\n  - { id: slow, metric: p99, when: "> 250" }\nwindows:',
      ),
    });
    const r = await cli(dir, 'dry-run', 'r.runbook.yaml');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /r\.runbook\.yaml:11:17: error trigger-unreadable trigger `slow`: cannot reach Prometheus at http:\/\/127\.0\.0\.1:9\/: ECONNREFUSED/);
  });

  it('plan and templates (core)', () => {
    const plan = resolvePlan({ steps: [{ id: 'c', requires: ['a', 'b'] }, { id: 'b', requires: ['a'] }, { id: 'a' }, { id: 'x', requires: ['nope'] }] });
    assert.deepEqual(plan.steps.map((s) => s.id), ['a', 'b', 'c']);
    assert.deepEqual(plan.blocked.map((s) => s.id), ['x']);
    assert.deepEqual(renderTemplate('to {{target.version}} from {{ current.version }}, {{nope}}', { target: { version: '1.4.2' }, current: { version: 2 } }), { text: 'to 1.4.2 from 2, {{nope}}', unknown: ['nope'] });
  });
});

describe('dry-run findings: spans and codes', function () {
  this.timeout(30_000);
  const DRY_RUN_SOURCES = [path.join(SRC, 'node', 'runbook', 'dryrun.ts'), ...readdirSync(path.join(SRC, 'node', 'runbook', 'steps')).map((f) => path.join(SRC, 'node', 'runbook', 'steps', f))];
  /** Every literal `code: '…'` the dry-run's sources emit. */
  const emitted = () => [...new Set(DRY_RUN_SOURCES.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bcode: '([a-z-]+)'/g)].map((m) => m[1]!)))].sort();

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
      ['dry-run-failed', 'dryRun'], // the key of what failed
      ['file-outside-workspace', '../outside.json'], // a file reference: the value
      ['no-template', 'notify'],
    ]);
    assert.equal(shown.length, new Set(shown.map(([c]) => c)).size);
  });

  it('every code the dry-run emits is in its table (or is one the language service shares, or a contract change); every entry is emitted', () => {
    const own = emitted().filter((c) => !(DRY_RUN_SHARED_CODES as readonly string[]).includes(c));
    assert.deepEqual(own, Object.keys(DRY_RUN_CODES).sort());
    for (const c of DRY_RUN_SHARED_CODES) assert.ok(c in DIAGNOSTIC_CODES, c);
    for (const [c, meaning] of Object.entries(DRY_RUN_CODES)) {
      assert.ok(!(c in DIAGNOSTIC_CODES), `${c} is the language service's too`);
      assert.match(meaning, /^[A-Z`].{10,}\.$/, c);
    }
    // the one computed code: `contract-` and a compat code, which the language service never uses
    assert.deepEqual(DRY_RUN_SOURCES.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bcode: `([^`]*)`/g)].map((m) => m[1])), ['contract-${c.code}']);
    assert.deepEqual(Object.keys(DIAGNOSTIC_CODES).filter((c) => c.startsWith('contract-')), []);
    assert.equal(isDryRunCode('contract-output-field-removed'), true);
    assert.equal(isDryRunCode('no-dry-run'), true);
    assert.equal(isDryRunCode('file-outside-workspace'), false);
    assert.equal(isDryRunCode('missing-file'), false);
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

  it('the editor shows the dry-run findings by their span and the code table: no range rebuilt from the text, no test against DIAGNOSTIC_CODES', () => {
    const src = stripComments(readFileSync(path.join(SRC, 'extension', 'runbooks.ts'), 'utf8'));
    assert.doesNotMatch(src, /DIAGNOSTIC_CODES|getWordRangeAtPosition/);
    assert.match(src, /isDryRunCode\(f\.code\)/);
    assert.match(src, /doc\.positionAt\(f\.span\.start\), doc\.positionAt\(f\.span\.end\)/);
  });
});
