// Triggers taken from a Prometheus rule file (src/core/runbook/rules.ts):
// the `fromRule` reference (`file#alert`, `file#group/alert`), the rule file
// read in Prometheus' own format (groups of alerting and recording rules,
// Prometheus durations), the alert looked up with a did-you-mean, and the
// trigger it becomes (`count(expr) or vector(0)` > 0 over the rule's `for:`),
// evaluated by src/core/runbook/triggers with the rule's name in the message.
import * as assert from 'node:assert/strict';
import { findAlert, parsePrometheusDuration, parseRuleFile, parseRuleRef, ruleQuery, type AlertRule } from '../../src/core/runbook/rules';
import { suggest } from '../../src/core/language/schemaErrors';
import { evaluateTriggers, planTriggers, readingsNeeded, type Reading } from '../../src/core/runbook/triggers';

const RULES = `groups:
  - name: iris
    rules:
      - record: iris:p99_latency_ms:max
        expr: max(iris_p99_latency_ms)
      - alert: IrisHighLatency
        expr: max(iris_p99_latency_ms) > 250
        for: 5m
        labels: { severity: page }
        annotations:
          summary: iris p99 latency above 250 ms
      - alert: IrisErrors
        expr: |
          sum(rate(iris_errors_total[5m]))
            / sum(rate(iris_requests_total[5m])) > 0.02
  - name: iris-drift
    rules:
      - alert: IrisDrift
        expr: iris_score_psi > 0.2
        for: 1h30m
      - alert: IrisErrors
        expr: iris_error_rate > 0.05
`;

function rules() {
  const r = parseRuleFile(RULES);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.file;
}

function found(ref: string): AlertRule {
  const p = parseRuleRef(ref);
  assert.ok(p.ok, p.ok ? '' : p.message);
  const a = findAlert(rules(), p.ref, 'alerts.rules.yml', suggest);
  assert.ok(a.ok, a.ok ? '' : a.message);
  return a.rule;
}

function notFound(ref: string): { message: string; guess?: string } {
  const p = parseRuleRef(ref);
  assert.ok(p.ok, p.ok ? '' : p.message);
  const a = findAlert(rules(), p.ref, 'alerts.rules.yml', suggest);
  assert.ok(!a.ok, 'expected no alert');
  return { message: a.message, ...(a.guess ? { guess: a.guess } : {}) };
}

describe('prometheus rules: the fromRule reference', () => {
  it('file#alert and file#group/alert', () => {
    assert.deepEqual(parseRuleRef('alerts.rules.yml#IrisHighLatency'), { ok: true, ref: { file: 'alerts.rules.yml', alert: 'IrisHighLatency' } });
    assert.deepEqual(parseRuleRef('ops/alerts.rules.yml#iris-drift/IrisErrors'), { ok: true, ref: { file: 'ops/alerts.rules.yml', group: 'iris-drift', alert: 'IrisErrors' } });
  });

  it('no #, no file, no alert name, or an alert name Prometheus would refuse', () => {
    assert.deepEqual(parseRuleRef('alerts.rules.yml'), { ok: false, message: '`alerts.rules.yml` names no alert: write the rule file, `#` and the alert name, e.g. `alerts.rules.yml#HighLatency`' });
    assert.deepEqual(parseRuleRef('#IrisHighLatency'), { ok: false, message: '`#IrisHighLatency` names no rule file before `#`' });
    assert.deepEqual(parseRuleRef('alerts.rules.yml#'), { ok: false, message: '`alerts.rules.yml#` names no alert after `#`' });
    assert.deepEqual(parseRuleRef('alerts.rules.yml#iris/'), { ok: false, message: '`alerts.rules.yml#iris/` names no alert after `iris/`' });
    assert.deepEqual(parseRuleRef('alerts.rules.yml#High Latency'), { ok: false, message: 'alert name `High Latency` is not a valid Prometheus alert name (letters, digits, `_` and `:`, not starting with a digit)' });
  });
});

describe('prometheus rules: the rule file', () => {
  it('groups, alerting rules with their expr, for, labels and annotations; recording rules known by name', () => {
    const f = rules();
    assert.deepEqual(
      f.groups.map((g) => [g.name, g.alerts.map((a) => a.alert), g.records]),
      [
        ['iris', ['IrisHighLatency', 'IrisErrors'], ['iris:p99_latency_ms:max']],
        ['iris-drift', ['IrisDrift', 'IrisErrors'], []],
      ],
    );
    assert.deepEqual(found('alerts.rules.yml#IrisHighLatency'), {
      group: 'iris',
      alert: 'IrisHighLatency',
      expr: 'max(iris_p99_latency_ms) > 250',
      for: '5m',
      forMs: 300_000,
      labels: { severity: 'page' },
      annotations: { summary: 'iris p99 latency above 250 ms' },
      line: 6,
    });
    // a block scalar keeps its line breaks; PromQL does not mind them, the trailing one is dropped
    assert.equal(found('alerts.rules.yml#iris/IrisErrors').expr, 'sum(rate(iris_errors_total[5m]))\n  / sum(rate(iris_requests_total[5m])) > 0.02');
    assert.equal(found('alerts.rules.yml#iris/IrisErrors').forMs, undefined);
    assert.equal(found('alerts.rules.yml#IrisDrift').forMs, 5_400_000);
  });

  it('Prometheus durations: units y w d h m s ms in that order, 0 is no window', () => {
    assert.deepEqual(parsePrometheusDuration('1h30m'), { ok: true, ms: 5_400_000 });
    assert.deepEqual(parsePrometheusDuration('1y2w'), { ok: true, ms: 365 * 86_400_000 + 14 * 86_400_000 });
    assert.deepEqual(parsePrometheusDuration('500ms'), { ok: true, ms: 500 });
    assert.deepEqual(parsePrometheusDuration('0s'), { ok: true, ms: 0 });
    assert.deepEqual(parsePrometheusDuration('0'), { ok: true, ms: 0 });
    assert.deepEqual(parsePrometheusDuration('30m1h'), { ok: false, message: '`30m1h` is not a Prometheus duration (units y, w, d, h, m, s, ms, largest first, e.g. `1h30m`)' });
    assert.deepEqual(parsePrometheusDuration('5 m'), { ok: false, message: '`5 m` is not a Prometheus duration (units y, w, d, h, m, s, ms, largest first, e.g. `1h30m`)' });
  });

  it('what is not a rule file, with the line of the problem', () => {
    assert.deepEqual(parseRuleFile('groups: [\n'), { ok: false, message: 'not valid YAML: line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]' });
    assert.deepEqual(parseRuleFile('- alert: X\n'), { ok: false, message: 'not a Prometheus rule file: the top level must be a mapping with `groups`' });
    assert.deepEqual(parseRuleFile('rules: []\n'), { ok: false, message: 'not a Prometheus rule file: it has no `groups` list' });
    assert.deepEqual(parseRuleFile('groups:\n  - rules: []\n'), { ok: false, message: 'not a Prometheus rule file: group 1 (line 2) has no `name`' });
    assert.deepEqual(parseRuleFile('groups:\n  - name: a\n    rules:\n      - alert: X\n'), { ok: false, message: 'not a Prometheus rule file: rule 1 of group `a` (line 4) has no `expr`' });
    assert.deepEqual(parseRuleFile('groups:\n  - name: a\n    rules:\n      - expr: up\n'), { ok: false, message: 'not a Prometheus rule file: rule 1 of group `a` (line 4) has neither `alert` nor `record`' });
    assert.deepEqual(parseRuleFile('groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up == 0\n        for: 5min\n'), {
      ok: false,
      message: 'not a Prometheus rule file: `for: 5min` of alert `X` (line 6) is not a Prometheus duration (units y, w, d, h, m, s, ms, largest first, e.g. `1h30m`)',
    });
  });
});

describe('prometheus rules: finding the alert', () => {
  it('an alert name in two groups needs the group; a missing one gets a did-you-mean; a recording rule is not an alert', () => {
    assert.deepEqual(notFound('alerts.rules.yml#IrisErrors'), {
      message: 'alert `IrisErrors` is in 2 groups of `alerts.rules.yml` (`iris`, `iris-drift`): name one, e.g. `alerts.rules.yml#iris/IrisErrors`',
    });
    assert.equal(found('alerts.rules.yml#iris-drift/IrisErrors').expr, 'iris_error_rate > 0.05');
    assert.deepEqual(notFound('alerts.rules.yml#IrisHighLatencyy'), {
      message: '`alerts.rules.yml` has no alerting rule `IrisHighLatencyy` — did you mean `IrisHighLatency`?',
      guess: 'IrisHighLatency',
    });
    assert.deepEqual(notFound('alerts.rules.yml#iris-drift/IrisHighLatency'), {
      message: 'group `iris-drift` of `alerts.rules.yml` has no alerting rule `IrisHighLatency` (it is in group `iris`)',
    });
    assert.deepEqual(notFound('alerts.rules.yml#nope/IrisDrift'), { message: '`alerts.rules.yml` has no group `nope`; its groups are `iris`, `iris-drift`' });
    assert.deepEqual(notFound('alerts.rules.yml#iris:p99_latency_ms:max'), {
      message: '`iris:p99_latency_ms:max` is a recording rule (`record:`) in group `iris` of `alerts.rules.yml`, not an alerting rule: a trigger needs an `alert:`',
    });
  });
});

describe('prometheus rules: the trigger a rule becomes', () => {
  const rule = (): AlertRule => found('alerts.rules.yml#IrisHighLatency');
  const resolve = (ref: string) => (ref === 'alerts.rules.yml#IrisHighLatency' ? { ok: true as const, rule: rule(), ref } : { ok: false as const, message: `cannot read ${ref}` });

  it('the query counts the series the expression returns, 0 when it returns none', () => {
    assert.equal(ruleQuery('max(iris_p99_latency_ms) > 250'), 'count((max(iris_p99_latency_ms) > 250)) or vector(0)');
  });

  it('id defaults to the alert name, metric is the alert name, "> 0" over the rule\'s for:; severity and description may be set', () => {
    const [p] = planTriggers([{ fromRule: 'alerts.rules.yml#IrisHighLatency', severity: 'warn' }], resolve);
    assert.deepEqual(
      { id: p!.id, metric: p!.metric, comparison: p!.comparison, forMs: p!.forMs, forText: p!.forText, severity: p!.severity, error: p!.error, rule: p!.rule },
      {
        id: 'IrisHighLatency',
        metric: 'IrisHighLatency',
        comparison: { op: '>', threshold: 0 },
        forMs: 300_000,
        forText: '5m',
        severity: 'warn',
        error: undefined,
        rule: { ref: 'alerts.rules.yml#IrisHighLatency', alert: 'IrisHighLatency', group: 'iris', expr: 'max(iris_p99_latency_ms) > 250', for: '5m', query: 'count((max(iris_p99_latency_ms) > 250)) or vector(0)' },
      },
    );
    const [q] = planTriggers([{ id: 'slow', fromRule: 'alerts.rules.yml#IrisHighLatency' }], resolve);
    assert.equal(q!.id, 'slow');
    assert.deepEqual(readingsNeeded(planTriggers([{ fromRule: 'alerts.rules.yml#IrisHighLatency' }], resolve)), [{ metric: 'IrisHighLatency', forMs: 300_000 }]);
  });

  it('evaluated like any trigger, the message names the alert', () => {
    const M = 60_000;
    const now = Date.UTC(2026, 10, 22, 12);
    const samples: Array<[number, number]> = [];
    for (let ago = 5 * M; ago >= 0; ago -= 30_000) samples.push([now - ago, 1]);
    const readings: Record<string, Reading> = { IrisHighLatency: { kind: 'series', samples, stepMs: 30_000 } };
    const [r] = evaluateTriggers([{ fromRule: 'alerts.rules.yml#IrisHighLatency' }], (m) => readings[m] ?? { kind: 'missing', message: `no ${m}` }, now, resolve);
    assert.deepEqual([r!.id, r!.state, r!.message, r!.rule?.expr], ['IrisHighLatency', 'fires', 'alert IrisHighLatency (`max(iris_p99_latency_ms) > 250`) returns 1 series > 0 for all 11 samples over 5m: fires', 'max(iris_p99_latency_ms) > 250']);
    const [quiet] = evaluateTriggers([{ fromRule: 'alerts.rules.yml#IrisHighLatency' }], () => ({ kind: 'value', value: 0 }), now, resolve);
    assert.deepEqual([quiet!.state, quiet!.message], ['quiet', 'alert IrisHighLatency (`max(iris_p99_latency_ms) > 250`) returns 0 series, not > 0: quiet']);
  });

  it('a reference that cannot be resolved, or a when/for/confidence next to fromRule, is the trigger\'s error', () => {
    const [bad] = planTriggers([{ fromRule: 'other.yml#X' }], resolve);
    assert.deepEqual([bad!.id, bad!.error], ['X', 'cannot read other.yml#X']);
    const [noResolver] = planTriggers([{ fromRule: 'alerts.rules.yml#IrisHighLatency' }]);
    assert.equal(noResolver!.error, 'trigger IrisHighLatency takes its rule from `alerts.rules.yml#IrisHighLatency`, which was not read');
    const [both] = planTriggers([{ fromRule: 'alerts.rules.yml#IrisHighLatency', for: '10m' }], resolve);
    assert.equal(both!.error, 'trigger IrisHighLatency takes `for` from its rule (`5m` in `alerts.rules.yml#IrisHighLatency`); remove `for` here so the two cannot drift apart');
  });
});
