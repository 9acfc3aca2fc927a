// Completion and hover from what the workspace declares (issue 11, "Help
// where the cursor is"): every role position offers the declared roles (and
// no schema examples), a metric position the metrics source's names with their
// current values, `metrics.paths` a snapshot's nested numbers; snippets only
// in key positions. Hover on a role shows its name and contact, on a step id
// its kind, description and last drill result, on a metric its value and
// whether its trigger fires, on a tolerance the last measured value against
// its limit (the last runs from the host: the audit log in the editor).
import * as assert from 'node:assert/strict';
import type { CompletionItem, LastContractRun, LastDrillRun } from '../../src/core';
import { CLEAN_CONTRACT, CLEAN_RUNBOOK, NOW, cursor, offsetOf, rangeOf, rangeOfText, replaceOnce, setup, type FakeHostOptions } from './helpers';

type Options = { path?: string; host?: FakeHostOptions; extraFiles?: Record<string, string> };

async function completeAt(marked: string, options: Options = {}): Promise<{ items: CompletionItem[]; text: string }> {
  const { text, offset } = cursor(marked);
  const { service, doc } = setup(text, options);
  return { items: await service.complete(doc, offset), text };
}

const brief = (items: CompletionItem[]) => items.filter((i) => i.kind !== 'snippet').map((i) => [i.label, i.kind, i.detail]);

const WITH_SRE = replaceOnce(CLEAN_RUNBOOK, '  commsLiaison:  { name: Support lead, contact: "#support" }\n', '  commsLiaison:  { name: Support lead, contact: "#support" }\n  sre: { name: Site reliability, contact: "#sre" }\n');
const ROLE_ITEMS = [
  ['decisionMaker', 'reference', 'role · On-call ML lead'],
  ['technicalLead', 'reference', 'role · Serving engineer'],
  ['dataSteward', 'reference', 'role · Data steward'],
  ['commsLiaison', 'reference', 'role · Support lead'],
  ['sre', 'reference', 'role · Site reliability'],
];

describe('completion from what the workspace declares', () => {
  it("a step's `owner:` offers the declared roles, `sre` included, and no schema examples", async () => {
    const { items } = await completeAt(replaceOnce(WITH_SRE, '    timeout: 60s\n', '    timeout: 60s\n    owner: |\n'));
    assert.deepEqual(brief(items), ROLE_ITEMS);
  });

  it("a notification's `to`, a reintroduction stage's `approve` and `signOff` offer them too", async () => {
    const notify = await completeAt(replaceOnce(WITH_SRE, '  - id: verify\n', '  - id: tell\n    notify: { to: [|], template: hi }\n  - id: verify\n'));
    assert.deepEqual(brief(notify.items), ROLE_ITEMS);
    const reintro = await completeAt(`${WITH_SRE}reintroduction:\n  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }\n  stages:\n    - percent: 100\n      approve: [decisionMaker, |]\n`);
    assert.deepEqual(brief(reintro.items), ROLE_ITEMS.filter(([r]) => r !== 'decisionMaker'));
    const signOff = await completeAt(replaceOnce(WITH_SRE, 'signOff: [decisionMaker, dataSteward]', 'signOff: [decisionMaker, dataSteward, |]'));
    assert.deepEqual(brief(signOff.items), ROLE_ITEMS.filter(([r]) => r !== 'decisionMaker' && r !== 'dataSteward'));
  });

  it("a trigger's `metric:` offers the snapshot's names with their current values", async () => {
    const { items, text } = await completeAt(replaceOnce(CLEAN_RUNBOOK, 'metric: score_psi', 'metric: score|'));
    assert.deepEqual(brief(items), [
      ['p99_latency_ms', 'reference', 'metric · 182 now (metrics/now.json)'],
      ['error_rate', 'reference', 'metric · 0.0031 now (metrics/now.json)'],
      ['accuracy_delta', 'reference', 'metric · -0.004 now (metrics/now.json)'],
      ['accuracy_delta_ci_low', 'reference', 'metric · -0.019 now (metrics/now.json)'],
      ['accuracy_delta_ci_high', 'reference', 'metric · 0.011 now (metrics/now.json)'],
      ['score_psi', 'reference', 'metric · 0.06 now (metrics/now.json)'],
      ['null_feature_rate', 'reference', 'metric · 0.002 now (metrics/now.json)'],
      ['unknown_label_rate', 'reference', 'metric · 0 now (metrics/now.json)'],
    ]);
    assert.equal(text.slice(items[0]!.replace.start, items[0]!.replace.end), 'score');
    assert.ok(!items.some((i) => i.kind === 'snippet'), 'no snippet in a value position');
  });

  it('a nested report: `metrics.paths` names first (read there), then the keys that hold a number; a path value offers the numbers inside the file', async () => {
    const report = JSON.stringify({ metrics: [{ metric: 'DatasetDriftMetric', result: { drift_share: 0.31, dataset_drift: true, columns: 4 } }], success: false });
    const text = replaceOnce(CLEAN_RUNBOOK, 'metrics: { file: metrics/now.json }', 'metrics:\n  file: metrics/report.json\n  paths:\n    drift_share: metrics[0].result.drift_share\n    passed: |\n');
    const files = { extraFiles: { 'metrics/report.json': report } };
    const paths = await completeAt(text, files);
    assert.deepEqual(brief(paths.items), [
      ['metrics[0].result.drift_share', 'reference', '0.31 in metrics/report.json'],
      ['metrics[0].result.dataset_drift', 'reference', '1 in metrics/report.json'],
      ['metrics[0].result.columns', 'reference', '4 in metrics/report.json'],
      ['success', 'reference', '0 in metrics/report.json'],
    ]);
    const metric = await completeAt(replaceOnce(text.replace('    passed: |\n', ''), 'metric: score_psi', 'metric: |'), files);
    assert.deepEqual(brief(metric.items), [
      ['drift_share', 'reference', 'metric · 0.31 now (metrics/report.json)'],
      ['success', 'reference', 'metric · 0 now (metrics/report.json)'],
    ]);
  });

  it("Prometheus: the `queries` names, each with its query", async () => {
    const text = replaceOnce(
      replaceOnce(CLEAN_RUNBOOK, 'metrics: { file: metrics/now.json }', 'metrics:\n  prometheus:\n    url: http://127.0.0.1:9090\n    queries:\n      p99_latency_ms: histogram_quantile(0.99, rate(latency_bucket[5m]))\n      score_psi: iris_psi'),
      'metric: score_psi',
      'metric: |',
    );
    const { items } = await completeAt(text);
    assert.deepEqual(
      items.map((i) => [i.label, i.detail, i.documentation]),
      [
        ['p99_latency_ms', 'metric · Prometheus query', '```promql\nhistogram_quantile(0.99, rate(latency_bucket[5m]))\n```'],
        ['score_psi', 'metric · Prometheus query', '```promql\niris_psi\n```'],
      ],
    );
  });

  it('snippets in key positions only: the runbook ones in a runbook, the contract ones (contract, test, tolerance) in a contract', async () => {
    const snippets = (items: CompletionItem[]) => items.filter((i) => i.kind === 'snippet').map((i) => i.label);
    const rb = await completeAt(`${CLEAN_RUNBOOK}|`);
    assert.ok(['runbook', 'step-run', 'trigger'].every((s) => snippets(rb.items).includes(s)), snippets(rb.items).join(', '));
    assert.ok(!snippets(rb.items).includes('contract'));
    const ct = await completeAt(`${CLEAN_CONTRACT}|`, { path: 'iris.contract.yaml' });
    assert.deepEqual(snippets(ct.items), ['contract', 'new-contract', 'test', 'test-baseline', 'test-schema', 'edge-cases', 'tolerance', 'deprecation']);
    const snippet = ct.items.find((i) => i.label === 'tolerance')!;
    assert.deepEqual([snippet.detail, snippet.insertText, snippet.snippet], ['Tolerance', '${1:probability}: { ${2|abs,rel,agreement|}: ${3:0.05} }', true]);
    for (const value of [replaceOnce(CLEAN_RUNBOOK, 'owner: commsLiaison', 'owner: |'), replaceOnce(CLEAN_RUNBOOK, 'timeout: 60s', 'timeout: |')]) {
      assert.deepEqual(snippets((await completeAt(value)).items), [], 'no snippets in a value position');
    }
  });
});

const DRILL: LastDrillRun = {
  at: NOW - 2 * 86_400_000,
  scenario: 'latency-spike',
  verdict: 'pass',
  steps: { approve: { outcome: 'approved', durationMs: 12 }, 'flag-off': { outcome: 'done', durationMs: 40, undo: 'undone' }, repoint: { outcome: 'done', durationMs: 1234 } },
};

async function hoverParts(text: string, needle: string, options: Options & { at?: number } = {}): Promise<{ parts: string[]; span: ReturnType<typeof rangeOf> }> {
  const { service, doc } = setup(text, options);
  const h = await service.hover(doc, offsetOf(text, needle) + (options.at ?? 1));
  assert.ok(h, `a hover on ${needle}`);
  return { parts: h.contents.split('\n\n'), span: rangeOf(text, h.span) };
}

describe('hover on references', () => {
  it('a role: its name and contact', async () => {
    const { parts, span } = await hoverParts(CLEAN_RUNBOOK, 'decisionMaker]');
    assert.equal(parts[1], 'Role `decisionMaker`: On-call ML lead, contact `#ml-oncall`');
    assert.deepEqual(span, rangeOfText(CLEAN_RUNBOOK, 'decisionMaker', 2));
    const owner = await hoverParts(CLEAN_RUNBOOK, 'commsLiaison, on');
    assert.equal(owner.parts[1], 'Role `commsLiaison`: Support lead, contact `#support`');
  });

  it('a step id in `requires`: its kind, description and what it did in the last recorded drill', async () => {
    const text = replaceOnce(CLEAN_RUNBOOK, '  - id: repoint\n', '  - id: repoint\n    description: Point the champion alias back at 1.4.2.\n');
    const { parts } = await hoverParts(text, 'repoint]', { host: { lastDrillRun: DRILL } });
    assert.deepEqual(parts.slice(1, 3), ['Step `repoint` · `run`: Point the champion alias back at 1.4.2.', 'Last drill (`latency-spike`, 2026-11-20, pass): done in 1.2 s']);
    const flag = await hoverParts(text, 'flag-off]', { host: { lastDrillRun: DRILL } });
    assert.deepEqual(flag.parts.slice(1, 3), ['Step `flag-off` · `flag`', 'Last drill (`latency-spike`, 2026-11-20, pass): done in 40 ms, then undone']);
    const verify = await hoverParts(text, 'id: verify', { host: { lastDrillRun: DRILL }, at: 'id: '.length });
    assert.deepEqual(verify.parts.slice(1, 3), ['Step `verify` · `verify`', 'Last drill (`latency-spike`, 2026-11-20, pass): did not run']);
    const none = await hoverParts(text, 'repoint]', { host: { lastDrillRun: null } });
    assert.equal(none.parts[2], 'Last drill: none recorded yet');
  });

  it("a drill's failStep names its step the same way", async () => {
    const text = replaceOnce(CLEAN_RUNBOOK, 'inject: { metrics: { p99_latency_ms: 400 } }', 'inject: { metrics: { p99_latency_ms: 400 }, failStep: repoint }');
    const { parts } = await hoverParts(text, 'failStep: repoint', { at: 'failStep: '.length + 1, host: { lastDrillRun: DRILL } });
    assert.deepEqual(parts.slice(1, 3), ['Step `repoint` · `run`', 'Last drill (`latency-spike`, 2026-11-20, pass): done in 1.2 s']);
  });

  it("a trigger's metric: its current value, and whether the trigger fires at it", async () => {
    const quiet = await hoverParts(CLEAN_RUNBOOK, 'p99_latency_ms, when');
    assert.deepEqual(quiet.parts.slice(1, 3), ['Metric `p99_latency_ms` = 182 now (`metrics/now.json`)', 'Trigger `slow` does not fire: 182 is not > 250']);
    const firing = replaceOnce(CLEAN_RUNBOOK, 'when: "> 0.2"', 'when: "> 0.05", for: 10m');
    const fires = await hoverParts(firing, 'score_psi, when');
    assert.deepEqual(fires.parts.slice(1, 3), ['Metric `score_psi` = 0.06 now (`metrics/now.json`)', 'Trigger `drift` fires: 0.06 > 0.05 (once it holds for 10m)']);
    const unknown = await hoverParts(replaceOnce(CLEAN_RUNBOOK, 'metric: score_psi', 'metric: score_pis'), 'score_pis');
    assert.equal(unknown.parts[1], 'Metric `score_pis` is not in `metrics/now.json`');
  });

  it('a tolerance: the value the last recorded run measured against its limit', async () => {
    const run: LastContractRun = {
      at: NOW - 86_400_000,
      verdict: 'fail',
      tests: {
        parity: [
          { id: 'label.agreement', field: 'label', threshold: 0.98, value: 0.9667, verdict: 'fail' },
          { id: 'probability.abs', field: 'probability', threshold: 0.05, value: 0.012, verdict: 'pass' },
          { id: 'probability.psi', field: 'probability', threshold: 0.1, value: 0.04, verdict: 'pass' },
        ],
      },
    };
    const opts = { path: 'iris.contract.yaml', host: { lastContractRun: run } };
    const abs = await hoverParts(CLEAN_CONTRACT, 'abs: 0.05', opts);
    assert.equal(abs.parts[1], 'Last run (2026-11-21): `probability.abs` measured 0.012 against the limit 0.05: pass');
    const onValue = await hoverParts(CLEAN_CONTRACT, '0.98', opts);
    assert.equal(onValue.parts[1], 'Last run (2026-11-21): `label.agreement` measured 0.9667 against the limit 0.98: fail');
    const drift = await hoverParts(CLEAN_CONTRACT, 'psi: 0.1', opts);
    assert.equal(drift.parts[1], 'Last run (2026-11-21): `probability.psi` measured 0.04 against the limit 0.1: pass');
    const none = await hoverParts(CLEAN_CONTRACT, 'abs: 0.05', { path: 'iris.contract.yaml', host: { lastContractRun: null } });
    assert.equal(none.parts[1], 'Last run: none recorded yet');
  });
});
