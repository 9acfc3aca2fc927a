// Names a runbook references that must exist somewhere: a step's owner and
// every other role, a verify's contract test, a drill's failStep/hangStep,
// an injected metric, a flag and its variant in the flagd file, a template's
// `{{placeholder}}`, and reintroduction's trigger ids and roles. Each is a
// located diagnostic with a stable code, naming what is there instead.
// Ranges are derived from the text; the CLI as a real process on the same
// references: test/system/lint-references.test.ts.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLEAN_RUNBOOK, rangeIn, rangeOfText, replaceOnce, setup, showWithFixes, type ShownWithFixes } from './helpers';
import { WITH_REINTRO } from '../support/lint-references';

async function lint(text: string, codes: string[], options: Parameters<typeof setup>[1] = {}): Promise<ShownWithFixes[]> {
  const { service, doc: d } = setup(text, options);
  const ds = (await service.validate(d)).filter((x) => codes.includes(x.code));
  return showWithFixes(text, ds);
}

describe('lint: references that must exist', () => {
  it('the clean runbook with a reintroduction section gives none of these codes', async () => {
    assert.deepEqual(await lint(WITH_REINTRO, ['undeclared-role', 'unknown-contract-test', 'unknown-step', 'unknown-metric', 'unknown-flag', 'unknown-flag-variant', 'unknown-placeholder', 'unknown-trigger', 'invalid-flag-file']), []);
  });

  it('a step `owner` that is not a declared role: undeclared-role on the owner, did-you-mean and a fix', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '  - id: repoint\n', '  - id: repoint\n    owner: technicalLaed\n');
    assert.deepEqual(await lint(t, ['undeclared-role']), [
      {
        range: rangeOfText(t, 'technicalLaed'),
        severity: 'error',
        code: 'undeclared-role',
        message: 'role `technicalLaed` (step owner) is not declared under `roles` — did you mean `technicalLead`?',
        fixes: ['Change to `technicalLead`: technicalLead', 'Declare role `technicalLaed`: \n  technicalLaed: { name: TODO, contact: TODO }'],
      },
    ]);
  });

  it('a notify step `to` role that is not declared: undeclared-role (notification)', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '  - id: verify\n', '  - id: tell\n    notify: { to: [comsLiaison], template: "rolling back" }\n  - id: verify\n');
    const got = await lint(t, ['undeclared-role']);
    assert.deepEqual(got.map((g) => [g.range, g.message]), [[rangeOfText(t, 'comsLiaison'), 'role `comsLiaison` (notification) is not declared under `roles` — did you mean `commsLiaison`?']]);
  });

  it('`verify.test` naming no test of that contract: unknown-contract-test on the test name, with the tests it has', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'test: parity', 'test: parityy');
    assert.deepEqual(await lint(t, ['unknown-contract-test']), [
      {
        range: rangeOfText(t, 'parityy'),
        severity: 'error',
        code: 'unknown-contract-test',
        message: 'contract `iris.contract.yaml` has no test `parityy` — did you mean `parity`? (its tests: `parity`)',
        fixes: ['Change to `parity`: parity'],
      },
    ]);
  });

  it('`verify.test` in closure.verify and in a reintroduction check are checked the same way', async () => {
    const t = replaceOnce(WITH_REINTRO, 'closure:\n', 'closure:\n  verify: [{ contract: iris.contract.yaml, test: smoke }]\n').replace(
      '{ trigger: drift }',
      '{ verify: { contract: iris.contract.yaml, test: drift-check } }',
    );
    const got = await lint(t, ['unknown-contract-test']);
    assert.deepEqual(got.map((g) => [g.range, g.message]), [
      [rangeOfText(t, 'smoke'), 'contract `iris.contract.yaml` has no test `smoke` (its tests: `parity`)'],
      [rangeOfText(t, 'drift-check'), 'contract `iris.contract.yaml` has no test `drift-check` (its tests: `parity`)'],
    ]);
  });

  it('a missing contract is missing-file only: no guess about its tests', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'verify: { contract: iris.contract.yaml, test: parity }', 'verify: { contract: gone.contract.yaml, test: parity }');
    assert.deepEqual((await lint(t, ['unknown-contract-test', 'missing-file'])).map((g) => g.code), ['missing-file']);
  });

  it("a drill's `failStep` / `hangStep` naming no step: unknown-step on the value, did-you-mean", async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'inject: { metrics: { p99_latency_ms: 400 } }', 'inject: { metrics: { p99_latency_ms: 400 }, failStep: repoitn, hangStep: nothing }');
    assert.deepEqual(await lint(t, ['unknown-step']), [
      {
        range: rangeOfText(t, 'repoitn'),
        severity: 'error',
        code: 'unknown-step',
        message: 'drill scenario `latency-spike` fails step `repoitn`, which does not exist — did you mean `repoint`?',
        fixes: ['Change to `repoint`: repoint'],
      },
      { range: rangeOfText(t, 'nothing'), severity: 'error', code: 'unknown-step', message: 'drill scenario `latency-spike` hangs step `nothing`, which does not exist' },
    ]);
  });

  it('an injected metric nobody collects: unknown-metric on the metric key', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'p99_latency_ms: 400', 'p99_latency_msx: 400');
    assert.deepEqual(await lint(t, ['unknown-metric']), [
      {
        range: rangeOfText(t, 'p99_latency_msx'),
        severity: 'error',
        code: 'unknown-metric',
        message: 'drill scenario `latency-spike` injects metric `p99_latency_msx`, which is not in the metrics snapshot `metrics/now.json`: nothing collects it, so no trigger sees the fault — did you mean `p99_latency_ms`?',
        fixes: ['Change to `p99_latency_ms`: p99_latency_ms'],
      },
    ]);
  });

  it('metrics read through `paths` from a nested report: known to triggers; a bad path or one that leads nowhere is invalid-metric-path on the path', async () => {
    const report = readFileSync(path.join(__dirname, '..', 'fixtures', 'metrics-reports', 'evidently-report.json'), 'utf8');
    const t = replaceOnce(
      CLEAN_RUNBOOK,
      'metrics: { file: metrics/now.json }',
      'metrics: { file: metrics/now.json, paths: { drift_share: "metrics[0].result.drift_share", nowhere: "metrics[5].result", table: "metrics[1].result", bad: "metrics[x]" } }',
    ).replace('metric: score_psi', 'metric: drift_share');
    // the other trigger's metric is not in the report (unknown-metric); drift_share, read through its path, is known
    const unknown = (await lint(t, ['unknown-metric'], { extraFiles: { 'metrics/now.json': report } })).map((g) => g.message);
    assert.deepEqual(unknown, [
      'metric `p99_latency_ms` is not in the metrics snapshot `metrics/now.json`, so this trigger can never fire',
      'drill scenario `latency-spike` injects metric `p99_latency_ms`, which is not in the metrics snapshot `metrics/now.json`: nothing collects it, so no trigger sees the fault',
    ]);
    const got = await lint(t, ['invalid-metric-path'], { extraFiles: { 'metrics/now.json': report } });
    assert.deepEqual(got.map((g) => [g.range, g.code, g.message]), [
      [rangeOfText(t, '"metrics[5].result"'), 'invalid-metric-path', 'metric `nowhere`: `metrics[5].result` leads nowhere in `metrics/now.json`: it has no $.metrics[5]'],
      [rangeOfText(t, '"metrics[1].result"'), 'invalid-metric-path', 'metric `table`: `metrics[1].result` in `metrics/now.json` is an object, not a number'],
      [rangeOfText(t, '"metrics[x]"'), 'invalid-metric-path', 'metric `bad`: `metrics[x]` is not a path: `[x]` is neither an index nor a quoted name'],
    ]);
  });

  it('a reintroduction check on a metric nobody collects: unknown-metric', async () => {
    const t = replaceOnce(WITH_REINTRO, 'metric: score_psi', 'metric: score_pси', 2);
    const got = await lint(t, ['unknown-metric']);
    assert.deepEqual(got.map((g) => [g.range, g.message]), [[rangeOfText(t, 'score_pси'), 'metric `score_pси` is not in the metrics snapshot `metrics/now.json`, so this check can never pass or fail — did you mean `score_psi`?']]);
  });

  it('a flag variant absent from the flag file: unknown-flag-variant on the variant, with the variants it has; the fix keeps the quotes', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'variant: "off"', 'variant: "of"');
    assert.deepEqual(await lint(t, ['unknown-flag-variant']), [
      {
        range: rangeOfText(t, '"of"'),
        severity: 'error',
        code: 'unknown-flag-variant',
        message: 'flag `iris-v2` in `flags.flagd.json` has no variant `of` — did you mean `off`? (its variants: `on`, `off`)',
        fixes: ['Change to `off`: "off"'],
      },
    ]);
  });

  it('a flag absent from the flag file (step and reintroduction): unknown-flag on the name, with the flags it has', async () => {
    const t = replaceOnce(replaceOnce(WITH_REINTRO, 'name: iris-v2, variant: "off"', 'name: iris-v3, variant: "off"'), 'name: iris-v2, variant: "on"', 'name: iris, variant: "on"');
    const got = await lint(t, ['unknown-flag', 'unknown-flag-variant']);
    assert.deepEqual(got.map((g) => [g.range, g.code, g.message]), [
      [rangeOfText(t, 'iris-v3'), 'unknown-flag', 'flag file `flags.flagd.json` has no flag `iris-v3` — did you mean `iris-v2`? (its flags: `iris-v2`)'],
      [rangeIn(t, 'name: iris,', 'iris'), 'unknown-flag', 'flag file `flags.flagd.json` has no flag `iris` (its flags: `iris-v2`)'],
    ]);
  });

  it('a reintroduction variant absent from the flag file: unknown-flag-variant', async () => {
    const t = replaceOnce(WITH_REINTRO, 'variant: "on"', 'variant: "enabled"');
    const got = await lint(t, ['unknown-flag-variant']);
    assert.deepEqual(got.map((g) => [g.range, g.message]), [[rangeOfText(t, '"enabled"'), 'flag `iris-v2` in `flags.flagd.json` has no variant `enabled` (its variants: `on`, `off`)']]);
  });

  it('a flag file that is not JSON: invalid-flag-file on the file reference', async () => {
    const t = CLEAN_RUNBOOK;
    const got = await lint(t, ['invalid-flag-file', 'unknown-flag', 'unknown-flag-variant'], { extraFiles: { 'flags.flagd.json': '{ "flags": ' } });
    assert.deepEqual(got.map((g) => [g.range, g.code, g.message]), [
      [rangeIn(t, 'file: flags.flagd.json', 'flags.flagd.json'), 'invalid-flag-file', 'flag file `flags.flagd.json` is not valid JSON, so flag `iris-v2` cannot be checked'],
    ]);
  });

  it('a `{{placeholder}}` with no value: unknown-placeholder on exactly the placeholder, did-you-mean', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '{{target.version}}', '{{target.versoin}} from {{ current.version }} ({{phase}}, {{metadata.name}}, {{nope}})');
    assert.deepEqual(await lint(t, ['unknown-placeholder']), [
      {
        range: rangeOfText(t, '{{target.versoin}}'),
        severity: 'error',
        code: 'unknown-placeholder',
        message: '`{{target.versoin}}` has no value — did you mean `{{target.version}}`? (a message can use `metadata.*`, `current.*`, `target.*`, `phase`, `roles.*`, `triggers.*`, `timings.*`, `event`, `verdict` and `outcome`)',
        fixes: ['Change to `{{target.version}}`: {{target.version}}'],
      },
      {
        range: rangeOfText(t, '{{nope}}'),
        severity: 'error',
        code: 'unknown-placeholder',
        message: '`{{nope}}` has no value (a message can use `metadata.*`, `current.*`, `target.*`, `phase`, `roles.*`, `triggers.*`, `timings.*`, `event`, `verdict` and `outcome`)',
      },
    ]);
  });

  it('a placeholder into a section the document lacks is left to the schema error (no second finding)', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '  target:  { model: iris-classifier, version: 1.4.2, contract: iris.contract.yaml }\n', '');
    assert.deepEqual((await lint(t, ['unknown-placeholder', 'schema-required'])).map((g) => [g.code, g.message]), [['schema-required', 'missing required property `target`']]);
  });

  it('placeholders in http requests and notify templates are checked; a folded template still points at the placeholder', async () => {
    const t = replaceOnce(
      CLEAN_RUNBOOK,
      '  - id: verify\n',
      [
        '  - id: tell',
        '    notify:',
        '      audience: internal',
        '      template: >-',
        '        Rolling back {{metadata.name}}',
        '        to {{target.digest}}',
        '  - id: call',
        '    http: { method: POST, url: "https://registry/{{target.model}}/{{target.verison}}", body: { by: "{{owner}}" } }',
        '    undo: { method: POST, url: "https://registry/{{current.model}}" }',
        '  - id: verify',
        '',
      ].join('\n'),
    );
    const got = await lint(t, ['unknown-placeholder']);
    assert.deepEqual(got.map((g) => [g.range, g.message.split(' (a template')[0]]), [
      [rangeOfText(t, '{{target.digest}}'), '`{{target.digest}}` has no value'],
      [rangeOfText(t, '{{target.verison}}'), '`{{target.verison}}` has no value — did you mean `{{target.version}}`?'],
      [rangeOfText(t, '{{owner}}'), '`{{owner}}` has no value'],
    ]);
  });

  it('`{{captured.<name>}}` is known only in the step that captures it: a misspelt, undeclared or too-early capture is unknown-placeholder at the placeholder', async () => {
    const t = replaceOnce(
      CLEAN_RUNBOOK,
      '  - id: verify\n',
      [
        '  - id: champion',
        '    capture:',
        '      previous:',
        '        http: { method: GET, url: "https://registry/alias?name={{target.model}}&v={{captured.previous}}" }',
        '        path: "$.model_version.version"',
        '    http: { method: POST, url: "https://registry/alias", body: { version: "{{target.version}}", was: "{{captured.previous}}" } }',
        '    undo: { method: POST, url: "https://registry/alias", body: { version: "{{captured.prevous}}" } }',
        '  - id: other',
        '    http: { method: POST, url: "https://registry/other", body: { version: "{{captured.previous}}" } }',
        '    undo: { method: POST, url: "https://registry/other" }',
        '  - id: verify',
        '',
      ].join('\n'),
    );
    const got = await lint(t, ['unknown-placeholder']);
    assert.deepEqual(
      got.map((g) => [g.range, g.message, g.fixes]),
      [
        [rangeOfText(t, '{{captured.previous}}'), "`{{captured.previous}}` has no value (a capture's request is sent before any capture is read, so it cannot use `captured.*`)", undefined],
        [rangeOfText(t, '{{captured.prevous}}'), '`{{captured.prevous}}` has no value — did you mean `{{captured.previous}}`? (step `champion` captures `previous`)', ['Change to `{{captured.previous}}`: {{captured.previous}}']],
        [rangeOfText(t, '{{captured.previous}}', 3), '`{{captured.previous}}` has no value (step `other` captures nothing: declare the value under its `capture`)', undefined],
      ],
    );
  });

  it('reintroduction `abortOn` and stage `checks` naming no trigger: unknown-trigger, did-you-mean', async () => {
    const t = replaceOnce(replaceOnce(WITH_REINTRO, 'abortOn: [slow, drift]', 'abortOn: [slow, drfit]'), 'checks: [slow, { trigger: drift }', 'checks: [slwo, { trigger: latency }');
    assert.deepEqual(await lint(t, ['unknown-trigger']), [
      {
        range: rangeOfText(t, 'drfit'),
        severity: 'error',
        code: 'unknown-trigger',
        message: '`abortOn` names trigger `drfit`, which is not declared under `triggers` — did you mean `drift`?',
        fixes: ['Change to `drift`: drift'],
      },
      {
        range: rangeOfText(t, 'slwo'),
        severity: 'error',
        code: 'unknown-trigger',
        message: 'reintroduction stage 1 checks trigger `slwo`, which is not declared under `triggers` — did you mean `slow`?',
        fixes: ['Change to `slow`: slow'],
      },
      { range: rangeIn(t, 'trigger: latency', 'latency'), severity: 'error', code: 'unknown-trigger', message: 'reintroduction stage 1 checks trigger `latency`, which is not declared under `triggers`' },
    ]);
  });

  it('reintroduction stage `approve` naming no role: undeclared-role (reintroduction approval)', async () => {
    const t = replaceOnce(WITH_REINTRO, 'approve: [decisionMaker]\n', 'approve: [decisionMakr]\n', 2);
    const got = await lint(t, ['undeclared-role']);
    assert.deepEqual(got.map((g) => [g.range, g.message]), [[rangeOfText(t, 'decisionMakr'), 'role `decisionMakr` (reintroduction approval) is not declared under `roles` — did you mean `decisionMaker`?']]);
  });
});
