// The language service on `fromRule` triggers: the rule file read through the
// host (confined to the workspace), and every way the reference can be wrong
// located at the `fromRule` value (a missing file, YAML that is not a rule
// file, an unknown alert with a did-you-mean and its quick fix, a recording
// rule, an alert in two groups), `when`/`for`/`confidence` next to it at their
// key, and the metrics source that must be able to evaluate it. Hover on a
// `fromRule` shows the rule; completion after `#` offers the file's alerts. The CLI and a
// real Prometheus on the same triggers: test/system/prometheus-rules.test.ts.
import * as assert from 'node:assert/strict';
import { CLEAN_RUNBOOK, cursor, offsetOf, rangeOf, rangeOfText, replaceOnce, setup, showWithFixes, type ShownWithFixes } from './helpers';

const RULES = `groups:
  - name: iris
    rules:
      - record: iris:p99_latency_ms:max
        expr: max(iris_p99_latency_ms)
      - alert: IrisHighLatency
        expr: max(iris_p99_latency_ms) > 250
        for: 5m
        annotations: { summary: iris p99 latency above 250 ms }
      - alert: IrisErrors
        expr: iris_error_rate > 0.02
  - name: iris-drift
    rules:
      - alert: IrisErrors
        expr: iris_error_rate > 0.05
`;

const PROMETHEUS = 'metrics: { prometheus: { url: "http://prometheus:9090", queries: { p99_latency_ms: "max(iris_p99_latency_ms)", score_psi: "iris_score_psi" } } }';

/** The clean runbook reading Prometheus, with `trigger` as its first trigger. */
function runbook(trigger: string, metrics = PROMETHEUS): string {
  const t = replaceOnce(CLEAN_RUNBOOK, '  - { id: slow, metric: p99_latency_ms, when: "> 250", for: 5m }\n', `  - ${trigger}\n`);
  return metrics === 'snapshot' ? t : replaceOnce(t, 'metrics: { file: metrics/now.json }', metrics);
}

async function lint(text: string, files: Record<string, string> = { 'alerts.rules.yml': RULES }): Promise<ShownWithFixes[]> {
  const { service, doc } = setup(text, { extraFiles: files });
  const ds = (await service.validate(doc)).filter((d) => d.severity === 'error');
  return showWithFixes(text, ds);
}

describe('lint: fromRule triggers', () => {
  it('a trigger from an alerting rule, metrics from Prometheus: no errors; the rule file is read through the host', async () => {
    const t = runbook('{ fromRule: alerts.rules.yml#IrisHighLatency }');
    const { service, doc, host } = setup(t, { extraFiles: { 'alerts.rules.yml': RULES } });
    assert.deepEqual((await service.validate(doc)).filter((d) => d.severity === 'error'), []);
    assert.ok(host.reads.includes('alerts.rules.yml'), host.reads.join(', '));
    // with the group, an id and a severity of its own
    assert.deepEqual(await lint(runbook('{ id: errors, fromRule: "alerts.rules.yml#iris-drift/IrisErrors", severity: warn }')), []);
  });

  it('the rule file does not exist, or lies outside the workspace: at the fromRule value', async () => {
    const t = runbook('{ fromRule: alert.rules.yml#IrisHighLatency }');
    assert.deepEqual(await lint(t), [
      { range: rangeOfText(t, 'alert.rules.yml#IrisHighLatency'), severity: 'error', code: 'missing-file', message: 'rule file `alert.rules.yml` does not exist (looked for `alert.rules.yml`)' },
    ]);
    const out = runbook('{ fromRule: ../alerts.rules.yml#IrisHighLatency }');
    assert.deepEqual(await lint(out), [
      {
        range: rangeOfText(out, '../alerts.rules.yml#IrisHighLatency'),
        severity: 'error',
        code: 'file-outside-workspace',
        message: '`../alerts.rules.yml` points outside the workspace; referenced files must live inside it',
      },
    ]);
  });

  it('a rule file that is not YAML, or not a Prometheus rule file: invalid-rule-file with the line', async () => {
    const t = runbook('{ fromRule: alerts.rules.yml#IrisHighLatency }');
    const at = rangeOfText(t, 'alerts.rules.yml#IrisHighLatency');
    assert.deepEqual(await lint(t, { 'alerts.rules.yml': 'groups: [\n' }), [
      { range: at, severity: 'error', code: 'invalid-rule-file', message: 'rule file `alerts.rules.yml` is not valid YAML: line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]' },
    ]);
    assert.deepEqual(await lint(t, { 'alerts.rules.yml': 'groups:\n  - name: iris\n    rules:\n      - alert: IrisHighLatency\n        for: 5m\n' }), [
      { range: at, severity: 'error', code: 'invalid-rule-file', message: 'rule file `alerts.rules.yml` is not a Prometheus rule file: rule 1 of group `iris` (line 4) has no `expr`' },
    ]);
  });

  it('an alert the file does not have: did-you-mean and a quick fix; a recording rule; an alert in two groups', async () => {
    const typo = runbook('{ fromRule: alerts.rules.yml#IrisHighLatncy }');
    assert.deepEqual(await lint(typo), [
      {
        range: rangeOfText(typo, 'alerts.rules.yml#IrisHighLatncy'),
        severity: 'error',
        code: 'unknown-alert-rule',
        message: '`alerts.rules.yml` has no alerting rule `IrisHighLatncy` — did you mean `IrisHighLatency`?',
        fixes: ['Change to `alerts.rules.yml#IrisHighLatency`: alerts.rules.yml#IrisHighLatency'],
      },
    ]);
    const record = runbook('{ fromRule: "alerts.rules.yml#iris:p99_latency_ms:max" }');
    assert.deepEqual(await lint(record), [
      {
        range: rangeOfText(record, '"alerts.rules.yml#iris:p99_latency_ms:max"'),
        severity: 'error',
        code: 'unknown-alert-rule',
        message: '`iris:p99_latency_ms:max` is a recording rule (`record:`) in group `iris` of `alerts.rules.yml`, not an alerting rule: a trigger needs an `alert:`',
      },
    ]);
    const twice = runbook('{ fromRule: alerts.rules.yml#IrisErrors }');
    assert.deepEqual(await lint(twice), [
      {
        range: rangeOfText(twice, 'alerts.rules.yml#IrisErrors'),
        severity: 'error',
        code: 'unknown-alert-rule',
        message: 'alert `IrisErrors` is in 2 groups of `alerts.rules.yml` (`iris`, `iris-drift`): name one, e.g. `alerts.rules.yml#iris/IrisErrors`',
      },
    ]);
  });

  it('when, for or confidence next to fromRule: at their key, since they come from the rule', async () => {
    const t = runbook('{ fromRule: alerts.rules.yml#IrisHighLatency, for: 10m }');
    assert.deepEqual(await lint(t), [
      {
        range: rangeOfText(t, 'for', 2),
        severity: 'error',
        code: 'rule-trigger-conflict',
        message: 'trigger IrisHighLatency takes `for` from its rule (`5m` in `alerts.rules.yml#IrisHighLatency`); remove `for` here so the two cannot drift apart',
      },
    ]);
  });

  it('the schema: exactly one of metric and fromRule; a metric trigger still needs its id and when', async () => {
    const both = runbook('{ fromRule: alerts.rules.yml#IrisHighLatency, metric: p99_latency_ms }');
    // the exclusion at the key that came second; a metric trigger's own requirements are reported too, at the trigger
    assert.deepEqual(
      (await lint(both)).map((g) => [g.range, g.code, g.message]),
      [
        [rangeOfText(both, 'fromRule'), 'schema-required', 'missing required property `id`'],
        [rangeOfText(both, 'fromRule'), 'schema-required', 'missing required property `when`'],
        [rangeOfText(both, 'metric', 2), 'schema-exclusive', '`fromRule`, `metric` cannot be used together here; keep exactly one of `metric`, `fromRule`'],
      ],
    );
    const neither = runbook('{ id: slow, when: "> 250" }');
    assert.deepEqual((await lint(neither)).map((g) => [g.code, g.message]), [['schema-required', 'missing one of `metric`, `fromRule`']]);
    const noWhen = runbook('{ id: slow, metric: p99_latency_ms }');
    assert.deepEqual((await lint(noWhen)).map((g) => [g.code, g.message]), [['schema-required', 'missing required property `when`']]);
  });

  it('a snapshot cannot evaluate PromQL: unknown-metric at fromRule unless the snapshot has a value named after the alert', async () => {
    const t = runbook('{ fromRule: alerts.rules.yml#IrisHighLatency }', 'snapshot');
    assert.deepEqual(await lint(t), [
      {
        range: rangeOfText(t, 'alerts.rules.yml#IrisHighLatency'),
        severity: 'error',
        code: 'unknown-metric',
        message:
          'alert `IrisHighLatency` is a PromQL expression, which the metrics snapshot `metrics/now.json` cannot evaluate: read metrics from `metrics.prometheus`, or give the snapshot a value `IrisHighLatency` (how many series the alert returns)',
      },
    ]);
    const snapshot = JSON.stringify({ p99_latency_ms: 182, score_psi: 0.06, IrisHighLatency: 0 });
    assert.deepEqual(await lint(t, { 'alerts.rules.yml': RULES, 'metrics/now.json': snapshot }), []);
  });

  it('a drill injects the alert by its name: known with Prometheus, since the rule adds its query', async () => {
    const t = replaceOnce(runbook('{ fromRule: alerts.rules.yml#IrisHighLatency }'), 'inject: { metrics: { p99_latency_ms: 400 } }', 'inject: { metrics: { IrisHighLatency: 1 } }');
    assert.deepEqual(await lint(t), []);
    const typo = replaceOnce(t, 'IrisHighLatency: 1', 'IrisHighLatencyy: 1');
    assert.deepEqual(
      (await lint(typo)).map((g) => [g.range, g.code, g.message]),
      [
        [
          rangeOfText(typo, 'IrisHighLatencyy'),
          'unknown-metric',
          'drill scenario `latency-spike` injects metric `IrisHighLatencyy`, which is not in `metrics.prometheus.queries` or an alert of a `fromRule` trigger: nothing collects it, so no trigger sees the fault — did you mean `IrisHighLatency`?',
        ],
      ],
    );
  });
});

describe('editor: hover and completion on fromRule', () => {
  it("hover on the fromRule value, once the document was checked: the schema's description, then the rule's expr, for:, labels and annotations", async () => {
    const t = runbook('{ fromRule: alerts.rules.yml#IrisHighLatency }');
    const { service, doc } = setup(t, { extraFiles: { 'alerts.rules.yml': RULES } });
    await service.validate(doc);
    const h = (await service.hover(doc, offsetOf(t, 'IrisHighLatency')))!;
    const parts = h.contents.split('\n\n');
    assert.equal(parts[0], '**fromRule** · `string`');
    assert.deepEqual(parts.slice(2), [
      'Alert `IrisHighLatency` (group `iris` of `alerts.rules.yml`, line 6), for: 5m',
      '```promql\nmax(iris_p99_latency_ms) > 250\n```',
      'summary: iris p99 latency above 250 ms',
    ]);
    assert.deepEqual(rangeOf(t, h.span), rangeOfText(t, 'alerts.rules.yml#IrisHighLatency'));
  });

  it('completion after `#` (and after a group and `/`): the alert names of the rule file, with their expr', async () => {
    const checked = runbook('{ fromRule: alerts.rules.yml#IrisHighLatency }');
    const { service, host } = setup(checked, { extraFiles: { 'alerts.rules.yml': RULES } });
    await service.validate({ uri: 'mem://checked/iris.runbook.yaml', version: 1, path: 'iris.runbook.yaml', text: checked });
    const { text, offset } = cursor(runbook('{ fromRule: alerts.rules.yml#Iris| }'));
    const doc = { uri: 'mem://typing/iris.runbook.yaml', version: 1, path: 'iris.runbook.yaml', text };
    const items = await service.complete(doc, offset);
    assert.deepEqual(
      items.map((i) => [i.label, i.detail, i.documentation, text.slice(i.replace.start, i.replace.end)]),
      [
        ['IrisHighLatency', 'alert · group iris · for 5m', 'max(iris_p99_latency_ms) > 250', 'Iris'],
        ['IrisErrors', 'alert · groups iris, iris-drift', 'iris_error_rate > 0.02', 'Iris'],
      ],
    );
    const grouped = cursor(runbook('{ fromRule: "alerts.rules.yml#iris-drift/|" }'));
    assert.deepEqual(
      (await service.complete({ ...doc, version: 2, text: grouped.text }, grouped.offset)).map((i) => i.label),
      ['IrisErrors'],
    );
    assert.ok(host.reads.filter((r) => r === 'alerts.rules.yml').length === 1, 'completion reads no file');
  });
});
