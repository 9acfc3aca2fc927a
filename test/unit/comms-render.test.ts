// Communication messages, pure: which entry speaks on which event, what each
// placeholder is filled with (exact text), the `every` schedule a run time
// covers, how a webhook is named in a report (never its path), and the
// messages as the CLI's text and the editor's Markdown.
import * as assert from 'node:assert/strict';
import {
  commsEntries,
  entriesOn,
  everyDue,
  messagesMarkdown,
  messagesText,
  messageValues,
  nextDue,
  renderMessage,
  staticMessageValues,
  webhookLabel,
  type MessageState,
  type RenderedMessage,
} from '../../src/core/runbook/comms';
import { md } from '../../src/core/runbook/render';
import { parseYaml } from '../../src/core/yaml';

const RUNBOOK = parseYaml(`apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: iris-rollback, owner: ml }
release:
  current: { model: iris-classifier, version: 2.0.0 }
  target: { model: iris-classifier, version: "1.4.2" }
roles:
  commsLiaison: { name: Support lead, contact: "#support", deputy: "@dana" }
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
  - { id: drift, metric: score_psi, when: "> 0.2" }
communication:
  - audience: customers
    owner: commsLiaison
    on: [start, close]
    channel: status-page
    to: { webhook: { env: STATUS_URL } }
    template: "{{target.model}} is going back to {{target.version}} ({{event}}, {{verdict}}, {{outcome}}); ask {{roles.commsLiaison.name}} at {{roles.commsLiaison.contact}}"
  - audience: internal
    owner: decisionMaker
    every: 15m
    template: "{{metadata.name}} {{phase}}: fired {{triggers.fired}}; slow {{triggers.slow.value}} {{triggers.slow.fired}}, drift {{triggers.drift.fired}}; detect {{timings.detect}}, decide {{timings.decide}}, restore {{timings.restore}}, elapsed {{timings.elapsed}}"
  - audience: oncall
    owner: decisionMaker
    on: [update]
    to: { webhook: "https://hooks.example.com/services/T0/B0/secret" }
    template: "step {{step.id}} ({{step.kind}}, {{step.phase}}) {{step.outcome}} in {{step.duration}}: {{step.message}}"
`).value as Record<string, unknown>;

const STATE: MessageState = {
  event: 'start',
  phase: 'drill',
  triggers: [
    {
      id: 'slow',
      metric: 'p99_latency_ms',
      value: 400,
      fired: true,
      message: 'p99_latency_ms = 400 > 250',
    },
    {
      id: 'drift',
      metric: 'score_psi',
      value: 0.06,
      fired: false,
      message: 'score_psi = 0.06, not > 0.2',
    },
  ],
  timings: { detectMs: 30, decideMs: 120_000, executeMs: 1500, verifyMs: 0 },
  elapsedMs: 121_530,
};

describe('communication messages (rendering)', () => {
  it('reads the entries: `on` defaults to start, update and close; `every` in ms; the webhook by URL or variable', () => {
    const es = commsEntries(RUNBOOK);
    assert.deepEqual(
      es.map((e) => [e.audience, [...e.on], e.everyMs, e.channel, e.webhook]),
      [
        ['customers', ['start', 'close'], undefined, 'status-page', { env: 'STATUS_URL' }],
        ['internal', ['start', 'update', 'close'], 900_000, undefined, undefined],
        ['oncall', ['update'], undefined, undefined, { url: 'https://hooks.example.com/services/T0/B0/secret' }],
      ],
    );
    assert.deepEqual(
      entriesOn(es, 'start').map((e) => e.audience),
      ['customers', 'internal'],
    );
    assert.deepEqual(
      entriesOn(es, 'update').map((e) => e.audience),
      ['internal', 'oncall'],
    );
    assert.deepEqual(
      entriesOn(es, 'close').map((e) => e.audience),
      ['customers', 'internal'],
    );
  });

  it('fills release, roles, the event, and `open` for verdict and outcome until the close', () => {
    const [customers] = commsEntries(RUNBOOK);
    assert.equal(renderMessage(customers!, messageValues(RUNBOOK, STATE)), 'iris-classifier is going back to 1.4.2 (start, open, open); ask Support lead at #support');
    const closed = messageValues(RUNBOOK, {
      ...STATE,
      event: 'close',
      report: { verdict: 'pass', outcome: 'restored' },
    });
    assert.equal(renderMessage(customers!, closed), 'iris-classifier is going back to 1.4.2 (close, PASS, restored); ask Support lead at #support');
  });

  it('fills the fired triggers with their values and the phase timings so far', () => {
    const internal = commsEntries(RUNBOOK)[1]!;
    assert.equal(
      renderMessage(internal, messageValues(RUNBOOK, STATE)),
      'iris-rollback drill: fired slow (p99_latency_ms = 400); slow 400 fired, drift quiet; detect 30 ms, decide 2m, restore 1.5 s, elapsed 2m2s',
    );
    const none = messageValues(RUNBOOK, {
      ...STATE,
      triggers: STATE.triggers.map((t) => ({ ...t, fired: false })),
    });
    assert.match(renderMessage(internal, none), /^iris-rollback drill: fired none; slow 400 quiet,/);
  });

  it('before the run (a dry-run): release and roles filled, what only the run knows left as written', () => {
    const [customers, internal] = commsEntries(RUNBOOK);
    assert.equal(renderMessage(customers!, staticMessageValues(RUNBOOK, 'dry-run')), 'iris-classifier is going back to 1.4.2 ({{event}}, {{verdict}}, {{outcome}}); ask Support lead at #support');
    assert.match(renderMessage(internal!, staticMessageValues(RUNBOOK, 'dry-run')), /^iris-rollback dry-run: fired \{\{triggers\.fired\}\};/);
  });

  it('fills the step that updated, with the phase it ran in', () => {
    const oncall = commsEntries(RUNBOOK)[2]!;
    const v = messageValues(RUNBOOK, {
      ...STATE,
      event: 'update',
      step: {
        id: 'repoint',
        kind: 'run',
        outcome: 'done',
        durationMs: 55,
        message: 'pointed iris@champion at 1.4.2',
        phase: 'execute',
      },
    });
    assert.equal(renderMessage(oncall, v), 'step repoint (run, execute) done in 55 ms: pointed iris@champion at 1.4.2');
  });

  it('`every`: the messages a run time covers, from the start, by time then document order; the next one due', () => {
    const es = commsEntries(
      parseYaml('communication:\n  - { audience: a, owner: r, every: 15m, template: a }\n  - { audience: b, owner: r, every: 10m, template: b }\n  - { audience: c, owner: r, template: c }\n')
        .value as Record<string, unknown>,
    );
    const M = 60_000;
    // started at 1 min; up to 31 min: a at 16, 31; b at 11, 21, 31 (a before b at 31: document order)
    assert.deepEqual(
      everyDue(es, M, M, 31 * M).map((d) => [d.entry.audience, d.atMs / M]),
      [
        ['b', 11],
        ['a', 16],
        ['b', 21],
        ['a', 31],
        ['b', 31],
      ],
    );
    // a later window renders only what it adds
    assert.deepEqual(
      everyDue(es, M, 31 * M, 41 * M).map((d) => [d.entry.audience, d.atMs / M]),
      [['b', 41]],
    );
    assert.deepEqual(everyDue(es, M, M, 10 * M), []);
    assert.equal(nextDue(es, M, 31 * M), 41 * M);
    assert.equal(
      nextDue(
        commsEntries({
          communication: [{ audience: 'c', owner: 'r', template: 'c' }],
        }),
        0,
        0,
      ),
      undefined,
    );
  });

  it('a webhook in a report: a variable by its name, a URL by its origin (its path may be the token)', () => {
    assert.equal(webhookLabel({ env: 'SLACK_URL' }), 'webhook $SLACK_URL');
    assert.equal(webhookLabel({ url: 'https://hooks.slack.com/services/T0/B0/XYZ' }), 'webhook https://hooks.slack.com/…');
    assert.equal(webhookLabel({ url: 'http://127.0.0.1:8080' }), 'webhook http://127.0.0.1:8080');
  });

  it('the messages as CLI text and as Markdown, each saying whether it was sent and why not', () => {
    const ms: RenderedMessage[] = [
      {
        audience: 'customers',
        owner: 'commsLiaison',
        event: 'start',
        channel: 'status-page',
        atMs: 30,
        text: 'Going back to 1.4.2.',
        sent: false,
        why: 'drill',
        to: 'webhook $STATUS_URL',
      },
      {
        audience: 'oncall',
        owner: 'decisionMaker',
        event: 'update',
        step: 'repoint',
        stepOutcome: 'done',
        atMs: 121_530,
        text: 'step repoint\ndone',
        sent: true,
        to: 'webhook $ONCALL_URL',
        status: 200,
      },
      // a notify step's own message to its audience: no event of the run, no outcome yet (the step ends once it is out)
      { audience: 'customers', owner: 'commsLiaison', event: 'notify', step: 'tell', atMs: 121_600, text: 'Back on 1.4.2.', sent: false, why: 'drill' },
    ];
    assert.deepEqual(messagesText(ms), [
      '  messages: 3 rendered, 1 sent',
      '    start → customers (status-page) at 30 ms: not sent: drill (webhook $STATUS_URL)',
      '      Going back to 1.4.2.',
      '    update repoint done → oncall at 2m2s: sent to webhook $ONCALL_URL (200)',
      '      step repoint done',
      '    notify tell → customers at 2m2s: not sent: drill',
      '      Back on 1.4.2.',
    ]);
    assert.deepEqual(messagesMarkdown(ms, md), [
      '## Messages',
      '',
      '3 rendered, 1 sent.',
      '',
      '- **start** to customers (status\\-page) at 30 ms, not sent\\: drill \\(webhook $STATUS\\_URL\\): Going back to 1\\.4\\.2\\.',
      '- **update** repoint done to oncall at 2m2s, sent to webhook $ONCALL\\_URL \\(200\\): step repoint done',
      '- **notify** tell to customers at 2m2s, not sent\\: drill: Back on 1\\.4\\.2\\.',
      '',
    ]);
    assert.deepEqual(messagesText([]), []);
  });
});
