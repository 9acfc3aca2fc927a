// Communication messages of a real drill against a real loopback webhook
// server: with sendMessages (what the rollback passes) each message is a
// Slack-compatible JSON POST, checked body by body and in order, to a URL
// written in the runbook or read from an environment variable; a non-2xx
// answer, an unreachable host, an unset variable and a webhook that never
// answers are located failures in the report, never a crash. A plain drill
// renders every message and sends none ("not sent: drill"), from the engine
// and from the CLI as a real process. `every` in a run that sends goes out on
// its timer during a long step.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { drill } from '../../src/node/runbook/drill';
import { dryRun } from '../../src/node/runbook/dryrun';
import { postWebhook } from '../../src/node/runbook/comms';
import { runCliProcess } from '../unit/helpers';

interface Received {
  url: string;
  contentType: string | undefined;
  contentLength: string | undefined;
  body: string;
  at: number;
}

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function runbook(port: number, dead: number, extra = ''): string {
  return `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: comms-test, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
  commsLiaison: { name: Support lead, contact: "#support" }
metrics: { file: metrics.json }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
steps:
  - id: approve
    approve: [decisionMaker]
  - id: repoint
    run: echo 1.4.2 > alias.txt
    undo: echo 2.0.0 > alias.txt
    requires: [approve]
communication:
  - audience: customers
    owner: commsLiaison
    on: [start, close]
    channel: status-page
    to: { webhook: { env: RL_COMMS_HOOK } }
    template: "{{target.model}} back to {{target.version}} ({{event}}, {{verdict}}): {{roles.commsLiaison.contact}}"
  - audience: oncall
    owner: decisionMaker
    on: [update]
    to: { webhook: "http://127.0.0.1:${port}/ok/oncall" }
    template: "{{step.id}} {{step.outcome}} ({{step.phase}}); fired {{triggers.fired}}"
  - audience: broken
    owner: decisionMaker
    on: [close]
    to: { webhook: "http://127.0.0.1:${port}/fail" }
    template: closing
  - audience: gone
    owner: decisionMaker
    on: [close]
    to: { webhook: "http://127.0.0.1:${dead}/x" }
    template: closing
  - audience: unset
    owner: decisionMaker
    on: [start]
    to: { webhook: { env: RL_COMMS_UNSET } }
    template: starting
  - audience: nowhere
    owner: decisionMaker
    on: [start]
    template: starting
${extra}drills:
  every: 90d
  scenarios:
    - id: ok
      inject: { metrics: { p99_latency_ms: 400 } }
      approvals: { decisionMaker: { decision: approve, after: 2m } }
`;
}

describe('communication: messages to a loopback webhook', function () {
  this.timeout(60_000);
  let server: http.Server;
  let port: number;
  let dead: number;
  let received: Received[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        if (req.url === '/never') return; // no answer at all
        received.push({
          url: req.url!,
          contentType: req.headers['content-type'],
          contentLength: req.headers['content-length'],
          body,
          at: Date.now(),
        });
        if (req.url === '/fail') res.writeHead(500, 'Internal Server Error').end('no such channel');
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    dead = await deadPort();
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received = [];
    delete process.env.RL_COMMS_UNSET;
  });
  afterEach(() => delete process.env.RL_COMMS_HOOK);

  function sandbox(extra = ''): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-comms-'));
    writeFileSync(path.join(dir, 'metrics.json'), '{"p99_latency_ms": 120}');
    writeFileSync(path.join(dir, 'r.runbook.yaml'), runbook(port, dead, extra));
    return dir;
  }

  it('sendMessages: the exact JSON bodies, in the order they fired, to a URL and to one from an environment variable', async () => {
    const dir = sandbox();
    process.env.RL_COMMS_HOOK = `http://127.0.0.1:${port}/ok/customers`;
    const r = await drill(path.join(dir, 'r.runbook.yaml'), {
      workspace: dir,
      scenario: 'ok',
      sendMessages: true,
    });
    assert.equal(r.verdict, 'pass', r.reason);
    const start = 'm back to 1.4.2 (start, open): #support';
    const close = 'm back to 1.4.2 (close, PASS): #support';
    assert.deepEqual(
      received.map((x) => [x.url, x.body]),
      [
        ['/ok/customers', JSON.stringify({ text: start })],
        [
          '/ok/oncall',
          JSON.stringify({
            text: 'approve approved (decide); fired slow (p99_latency_ms = 400)',
          }),
        ],
        [
          '/ok/oncall',
          JSON.stringify({
            text: 'repoint done (execute); fired slow (p99_latency_ms = 400)',
          }),
        ],
        ['/ok/customers', JSON.stringify({ text: close })],
        ['/fail', JSON.stringify({ text: 'closing' })],
      ],
    );
    for (const x of received) {
      assert.equal(x.contentType, 'application/json');
      assert.equal(x.contentLength, String(Buffer.byteLength(x.body)));
    }
    // file:line:col of the entry's webhook (its env value, its URL), found in the runbook's text
    const text = runbook(port, dead);
    const at = (needle: string) => {
      const before = text.slice(0, text.indexOf(needle)).split('\n');
      return `r.runbook.yaml:${before.length}:${before[before.length - 1]!.length + 1}`;
    };
    assert.deepEqual(
      r.messages!.map((m) => [m.event, m.audience, m.step, m.text, m.sent, m.why, m.to, m.status]),
      [
        ['start', 'customers', undefined, start, true, undefined, 'webhook $RL_COMMS_HOOK', 200],
        ['start', 'unset', undefined, 'starting', false, `${at('RL_COMMS_UNSET')}: environment variable RL_COMMS_UNSET is not set`, 'webhook $RL_COMMS_UNSET', undefined],
        ['start', 'nowhere', undefined, 'starting', false, 'no webhook under `to`', undefined, undefined],
        ['update', 'oncall', 'approve', 'approve approved (decide); fired slow (p99_latency_ms = 400)', true, undefined, `webhook http://127.0.0.1:${port}/…`, 200],
        ['update', 'oncall', 'repoint', 'repoint done (execute); fired slow (p99_latency_ms = 400)', true, undefined, `webhook http://127.0.0.1:${port}/…`, 200],
        ['close', 'customers', undefined, close, true, undefined, 'webhook $RL_COMMS_HOOK', 200],
        [
          'close',
          'broken',
          undefined,
          'closing',
          false,
          `${at(`"http://127.0.0.1:${port}/fail"`)}: webhook http://127.0.0.1:${port}/… answered 500 Internal Server Error: no such channel`,
          `webhook http://127.0.0.1:${port}/…`,
          undefined,
        ],
        ['close', 'gone', undefined, 'closing', false, `${at(`"http://127.0.0.1:${dead}/x"`)}: webhook http://127.0.0.1:${dead}/…: ECONNREFUSED`, `webhook http://127.0.0.1:${dead}/…`, undefined],
      ],
    );
  });

  it('a drill renders every message and sends none: each says "not sent: drill"', async () => {
    const dir = sandbox();
    process.env.RL_COMMS_HOOK = `http://127.0.0.1:${port}/ok/customers`;
    const r = await drill(path.join(dir, 'r.runbook.yaml'), {
      workspace: dir,
      scenario: 'ok',
    });
    assert.equal(r.verdict, 'pass', r.reason);
    assert.deepEqual(received, []);
    assert.deepEqual(
      r.messages!.map((m) => [m.event, m.audience, m.sent, m.why]),
      [
        ['start', 'customers', false, 'drill'],
        ['start', 'unset', false, 'drill'],
        ['start', 'nowhere', false, 'drill'],
        ['update', 'oncall', false, 'drill'],
        ['update', 'oncall', false, 'drill'],
        ['close', 'customers', false, 'drill'],
        ['close', 'broken', false, 'drill'],
        ['close', 'gone', false, 'drill'],
      ],
    );
  });

  it('the CLI (a real process): the drill report lists the messages, rendered, not sent', () => {
    const dir = sandbox();
    const r = runCliProcess(dir, ['drill', 'r.runbook.yaml', '--scenario', 'ok', '--workspace', dir], { RL_COMMS_HOOK: `http://127.0.0.1:${port}/ok/customers` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(received, []);
    const lines = r.stdout.split('\n');
    const from = lines.indexOf('  messages: 8 rendered, 0 sent');
    assert.ok(from > 0, r.stdout);
    assert.deepEqual(
      lines.slice(from + 1, from + 17).map((l) => l.replace(/ at [0-9.]+ (ms|s)\b| at \dm\d*s?/, ' at T')),
      [
        '    start → customers (status-page) at T: not sent: drill (webhook $RL_COMMS_HOOK)',
        '      m back to 1.4.2 (start, open): #support',
        '    start → unset at T: not sent: drill (webhook $RL_COMMS_UNSET)',
        '      starting',
        '    start → nowhere at T: not sent: drill',
        '      starting',
        `    update approve approved → oncall at T: not sent: drill (webhook http://127.0.0.1:${port}/…)`,
        '      approve approved (decide); fired slow (p99_latency_ms = 400)',
        `    update repoint done → oncall at T: not sent: drill (webhook http://127.0.0.1:${port}/…)`,
        '      repoint done (execute); fired slow (p99_latency_ms = 400)',
        '    close → customers (status-page) at T: not sent: drill (webhook $RL_COMMS_HOOK)',
        '      m back to 1.4.2 (close, PASS): #support',
        `    close → broken at T: not sent: drill (webhook http://127.0.0.1:${port}/…)`,
        '      closing',
        `    close → gone at T: not sent: drill (webhook http://127.0.0.1:${dead}/…)`,
        '      closing',
      ],
    );
  });

  it('`every` in a drill: the messages its run time covers, counting the scenario’s simulated answer time', async () => {
    const dir = sandbox('  - { audience: ticker, owner: decisionMaker, every: 45s, on: [close], template: "{{event}} at {{timings.elapsed}}" }\n');
    const r = await drill(path.join(dir, 'r.runbook.yaml'), {
      workspace: dir,
      scenario: 'ok',
    });
    // the approval is answered after 2m (simulated): every 45s covers 45s and 1m30s, then the close
    const ticker = r.messages!.filter((m) => m.audience === 'ticker');
    assert.deepEqual(
      ticker.map((m) => [m.event, m.text.replace(/at 2m\d*s?$/, 'at 2m…')]),
      [
        ['every', 'every at 45.0 s'],
        ['every', 'every at 1m30s'],
        ['close', 'close at 2m…'],
      ],
    );
    // the every messages come before the update of the step whose time covered them
    assert.deepEqual(
      r.messages!.filter((m) => m.audience === 'ticker' || m.audience === 'oncall').map((m) => `${m.event}${m.step ? ` ${m.step}` : ''}`),
      ['every', 'every', 'update approve', 'update repoint', 'close'],
    );
  });

  it('`every` in a run that sends: its timer posts during a long step', async () => {
    const dir = sandbox();
    writeFileSync(
      path.join(dir, 'r.runbook.yaml'),
      runbook(port, dead, `  - { audience: ticker, owner: decisionMaker, every: 1s, on: [close], to: { webhook: "http://127.0.0.1:${port}/ok/ticker" }, template: "{{event}}" }\n`)
        .replace('    run: echo 1.4.2 > alias.txt\n', '    run: sleep 3 && echo 1.4.2 > alias.txt\n')
        .replace('approvals: { decisionMaker: { decision: approve, after: 2m } }', 'approvals: auto'),
    );
    process.env.RL_COMMS_HOOK = `http://127.0.0.1:${port}/ok/customers`;
    const r = await drill(path.join(dir, 'r.runbook.yaml'), {
      workspace: dir,
      scenario: 'ok',
      sendMessages: true,
    });
    assert.equal(r.verdict, 'pass', r.reason);
    const ticks = received.filter((x) => x.url === '/ok/ticker');
    assert.deepEqual(
      ticks.map((x) => x.body),
      ['every', 'every', 'every', 'close'].map((text) => JSON.stringify({ text })),
    );
    const repointDone = received.find((x) => x.body.includes('repoint done'))!;
    // the first tick went out about 2 s before the 3 s step ended, not when it ended
    assert.ok(repointDone.at - ticks[0]!.at > 1000, `first tick ${repointDone.at - ticks[0]!.at} ms before the step's update`);
  });

  it('a dry-run: a notify step with its audience’s template fills the roles that template may use; Communicate lists each entry, what only the run knows as written', async () => {
    const dir = sandbox();
    const file = path.join(dir, 'r.runbook.yaml');
    writeFileSync(file, runbook(port, dead).replace('    requires: [approve]\n', '    requires: [approve]\n  - id: tell\n    notify: customers\n    requires: [repoint]\n'));
    const r = await dryRun(file, { workspace: dir });
    assert.deepEqual(
      r.steps.filter((s) => s.id === 'tell').map((s) => s.action),
      ['would notify customers: "m back to 1.4.2 ({{event}}, {{verdict}}): #support"'],
    );
    assert.deepEqual(r.phases.communicate.slice(0, 2), [
      'customers (commsLiaison, on start/close): "m back to 1.4.2 ({{event}}, {{verdict}}): #support"',
      'oncall (decisionMaker, on update): "{{step.id}} {{step.outcome}} ({{step.phase}}); fired {{triggers.fired}}"',
    ]);
    assert.deepEqual(received, []);
  });

  it('a webhook that never answers: a failure after the timeout, naming the webhook and not its path', async () => {
    const started = Date.now();
    await assert.rejects(postWebhook(`http://127.0.0.1:${port}/never`, 'x', 'webhook $HOOK', 300), { message: 'webhook $HOOK gave no answer within 300ms' });
    assert.ok(Date.now() - started < 5000);
    await assert.rejects(postWebhook('not a url', 'x', 'webhook $HOOK', 300), {
      message: 'webhook $HOOK is not a URL',
    });
  });
});
