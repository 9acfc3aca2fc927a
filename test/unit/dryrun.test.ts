// Dry-run findings that need no process: a flag file that is not JSON, a
// cycle in requires and a missing contract, Prometheus unreachable (nothing
// listens on the port), the plan's order and templates, and the code table
// against the codes the dry-run's sources emit. The runs that execute shell
// steps are in test/system/dryrun.test.ts.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from './helpers';
import { resolvePlan, renderTemplate } from '../../src/core/runbook/plan';
import { DRY_RUN_CODES, DRY_RUN_SHARED_CODES, isDryRunCode } from '../../src/core/runbook/codes';
import { DIAGNOSTIC_CODES } from '../../src/core/language/codes';
import { stripComments } from './architecture.test';
import { RUNBOOK, workspace } from '../support/dryrun';

const SRC = path.resolve(__dirname, '..', '..', 'src');

const cli = runCli;

describe('dry-run', function () {
  this.timeout(30_000);

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

describe('dry-run findings: codes', () => {
  const DRY_RUN_SOURCES = [path.join(SRC, 'node', 'runbook', 'dryrun.ts'), ...readdirSync(path.join(SRC, 'node', 'runbook', 'steps')).map((f) => path.join(SRC, 'node', 'runbook', 'steps', f))];
  /** Every literal `code: '…'` the dry-run's sources emit. */
  const emitted = () => [...new Set(DRY_RUN_SOURCES.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bcode: '([a-z-]+)'/g)].map((m) => m[1]!)))].sort();

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

  it('the editor shows the dry-run findings by their span and the code table: no range rebuilt from the text, no test against DIAGNOSTIC_CODES', () => {
    const src = stripComments(readFileSync(path.join(SRC, 'extension', 'runbooks.ts'), 'utf8'));
    assert.doesNotMatch(src, /DIAGNOSTIC_CODES|getWordRangeAtPosition/);
    assert.match(src, /isDryRunCode\(f\.code\)/);
    assert.match(src, /doc\.positionAt\(f\.span\.start\), doc\.positionAt\(f\.span\.end\)/);
  });
});
