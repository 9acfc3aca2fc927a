// The language service on `communication`: a template's placeholders are
// checked against what a message is filled from (release, roles, triggers,
// timings, event, verdict, outcome, and `step.*` only where every message is a
// step update), an unknown one is unknown-placeholder at exactly the
// placeholder, and a webhook URL written in the runbook is webhook-literal at
// the URL. Ranges are derived from the text.
import * as assert from 'node:assert/strict';
import { CLEAN_RUNBOOK, rangeOfText, replaceOnce, setup, showWithFixes, type ShownWithFixes } from './helpers';

async function lint(text: string, codes: string[]): Promise<ShownWithFixes[]> {
  const { service, doc: d } = setup(text);
  const ds = (await service.validate(d)).filter((x) => codes.includes(x.code));
  return showWithFixes(text, ds);
}

const CUSTOMERS = '  - { audience: customers, owner: commsLiaison, on: [start, close], template: "Scoring reverted to {{target.version}}." }\n';

/** The clean runbook with its communication entries replaced by `entries` (YAML lines). */
function withComms(...entries: string[]): string {
  return replaceOnce(CLEAN_RUNBOOK, CUSTOMERS, entries.join(''));
}

describe('lint: communication templates and webhooks', () => {
  it('every name a message is filled from passes: release, roles, triggers, timings, event, verdict, outcome', async () => {
    const t = withComms(
      '  - audience: internal\n    owner: commsLiaison\n    every: 15m\n    template: >-\n      {{metadata.name}} {{phase}} {{event}}: {{current.version}} -> {{target.version}};\n      ask {{roles.commsLiaison.name}} ({{roles.commsLiaison.contact}});\n      fired {{triggers.fired}}, slow {{triggers.slow.value}} {{triggers.slow.fired}} {{triggers.drift.metric}};\n      {{timings.detect}} {{timings.decide}} {{timings.execute}} {{timings.verify}} {{timings.restore}} {{timings.elapsed}}; {{verdict}} {{outcome}}\n',
      '  - { audience: oncall, owner: commsLiaison, on: [update], template: "{{step.id}} {{step.kind}} {{step.phase}} {{step.outcome}} {{step.duration}} {{step.message}}" }\n',
    );
    assert.deepEqual(await lint(t, ['unknown-placeholder', 'webhook-literal']), []);
  });

  it('a misspelt role: unknown-placeholder on exactly the placeholder, did-you-mean and its fix', async () => {
    const t = withComms('  - { audience: customers, owner: commsLiaison, template: "Questions: {{roles.commsLiason.contact}}" }\n');
    assert.deepEqual(await lint(t, ['unknown-placeholder']), [
      {
        range: rangeOfText(t, '{{roles.commsLiason.contact}}'),
        severity: 'error',
        code: 'unknown-placeholder',
        message:
          '`{{roles.commsLiason.contact}}` has no value — did you mean `{{roles.commsLiaison.contact}}`? (a role can give `roles.<role>.name`, `.contact`, `.deputy` and `.description`, as declared under `roles`)',
        fixes: ['Change to `{{roles.commsLiaison.contact}}`: {{roles.commsLiaison.contact}}'],
      },
    ]);
  });

  it('an undeclared trigger, an unknown timing and an unknown root, each at its placeholder in a folded template', async () => {
    const t = withComms('  - audience: internal\n    owner: commsLiaison\n    template: >-\n      ghost {{triggers.ghost.value}},\n      {{timings.close}} and {{status}}\n');
    assert.deepEqual(
      (await lint(t, ['unknown-placeholder'])).map((g) => [g.range, g.message]),
      [
        [
          rangeOfText(t, '{{triggers.ghost.value}}'),
          '`{{triggers.ghost.value}}` has no value — did you mean `{{triggers.slow.value}}`? (`triggers.fired` lists the fired triggers; `triggers.<id>` gives `.metric`, `.value`, `.fired`, `.message` of a declared trigger)',
        ],
        [
          rangeOfText(t, '{{timings.close}}'),
          '`{{timings.close}}` has no value — did you mean `{{timings.elapsed}}`? (timings: `timings.detect`, `timings.decide`, `timings.execute`, `timings.verify`, `timings.restore`, `timings.elapsed`)',
        ],
        [
          rangeOfText(t, '{{status}}'),
          '`{{status}}` has no value (a message can use `metadata.*`, `current.*`, `target.*`, `phase`, `roles.*`, `triggers.*`, `timings.*`, `event`, `verdict` and `outcome`)',
        ],
      ],
    );
  });

  it('`step.*` in an entry that also fires on start, close or every is unknown: those messages have no step', async () => {
    const t = withComms(
      '  - { audience: a, owner: commsLiaison, template: "{{step.id}}" }\n',
      '  - { audience: b, owner: commsLiaison, on: [update], every: 5m, template: "{{step.outcome}}" }\n',
      '  - { audience: c, owner: commsLiaison, on: [update], template: "{{step.outcom}}" }\n',
    );
    assert.deepEqual(
      (await lint(t, ['unknown-placeholder'])).map((g) => [g.range, g.message]),
      [
        [rangeOfText(t, '{{step.id}}'), '`{{step.id}}` has no value (`step.*` is filled only in step updates, and this entry also fires on start, close: give it `on: [update]` and no `every`)'],
        [rangeOfText(t, '{{step.outcome}}'), '`{{step.outcome}}` has no value (`step.*` is filled only in step updates, and this entry also fires on every: give it `on: [update]` and no `every`)'],
        [
          rangeOfText(t, '{{step.outcom}}'),
          '`{{step.outcom}}` has no value — did you mean `{{step.outcome}}`? (a step update can use `step.id`, `step.kind`, `step.phase`, `step.outcome`, `step.duration`, `step.message`)',
        ],
      ],
    );
  });

  it('a notify step’s own template still has only the names of every template (its message is no run event)', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '  - id: verify\n', '  - id: tell\n    notify: { audience: customers, template: "{{roles.commsLiaison.contact}}" }\n  - id: verify\n');
    assert.deepEqual(
      (await lint(t, ['unknown-placeholder'])).map((g) => [g.range, g.message]),
      [[rangeOfText(t, '{{roles.commsLiaison.contact}}'), '`{{roles.commsLiaison.contact}}` has no value (a template can use `metadata.*`, `current.*`, `target.*` and `phase`)']],
    );
  });

  it('a webhook URL written in the runbook: webhook-literal (a warning) at the URL; from an environment variable: nothing', async () => {
    const url = 'https://hooks.example.com/services/T0/B0/XYZ';
    const t = withComms(
      `  - { audience: customers, owner: commsLiaison, to: { webhook: "${url}" }, template: "back on {{target.version}}" }\n`,
      '  - { audience: internal, owner: commsLiaison, to: { webhook: { env: SLACK_URL } }, template: "back" }\n',
    );
    assert.deepEqual(await lint(t, ['webhook-literal', 'unknown-placeholder']), [
      {
        range: rangeOfText(t, `"${url}"`),
        severity: 'warning',
        code: 'webhook-literal',
        message:
          'the webhook URL of audience `customers` is written in the runbook, where anyone who reads the repository can post with it: read it from the environment instead (`webhook: { env: NAME }`)',
      },
    ]);
  });

  it('the schema: `to` needs a webhook; a variable name must be one; a URL must be http(s)', async () => {
    const t = withComms(
      '  - { audience: a, owner: commsLiaison, to: {}, template: "x" }\n',
      '  - { audience: b, owner: commsLiaison, to: { webhook: { env: "SLACK URL" } }, template: "x" }\n',
      '  - { audience: c, owner: commsLiaison, to: { webhook: "ftp://hooks" }, template: "x" }\n',
    );
    const { service, doc: d } = setup(t);
    const got = (await service.validate(d)).filter((x) => x.code.startsWith('schema-'));
    assert.deepEqual(
      got.map((g) => [t.slice(g.span.start, g.span.end), g.code]),
      [
        ['to', 'schema-required'],
        ['"SLACK URL"', 'schema-pattern'],
        ['"ftp://hooks"', 'schema-pattern'],
      ],
    );
  });
});
