// `rollback-lens rollback`, the CLI as a real process on a copy of the iris
// example: its steps run for real (the flagd file edited, the alias script
// moving the champion alias in the example's own .registry, not the drill
// sandbox's store), the pin-serving request sent to a loopback server, and the
// verify step testing the model the alias now points at (the copy's contract
// source serves whatever the champion alias names, so the verify sees the
// restore the steps made). Each step is printed as it starts and ends; a
// failing step and Ctrl+C undo the completed steps in reverse; a NOT READY
// dry-run refuses unless forced with a reason; every approval and the
// rollback are in the audit log, field by field; with --sign-key the approval
// is SSH-signed (real ssh-keygen, throwaway keys).
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readAuditLog } from '../../src/node/audit';
import { cliBundle, runCliProcess, spawnCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const PIN_URL = 'http://iris-serving.ml.svc:8080/admin/models/iris-classifier/pin';

const cli = spawnCliProcess;

/** Durations vary: `in 12 ms`, `in 1.2 s` -> `in T`. */
const timeless = (text: string) => text.replace(/\b(in|detect|decide|execute|verify) \d+(\.\d+)? (ms|s)\b/g, '$1 T');

const SERVE = `#!/bin/sh
# serves the release the champion alias names (the example's local alias store)
v=$(cat "$(dirname "$0")/../.registry/iris/champion" 2>/dev/null || echo 2.0.0)
case "$v" in 1.4.2) m=model/v1.json ;; *) m=model/v2.json ;; esac
exec node model/predict.mjs --model "$m"
`;

describe('rollback-lens rollback (the CLI as a real process on the iris example)', function () {
  this.timeout(60_000);
  let server: http.Server;
  let port: number;
  const requests: string[] = [];
  /** How the server answers a PUT: 204, 500, never (`hang`), or 204 after 2.5 s (`slow`). */
  let answer: 204 | 500 | 'hang' | 'slow' = 204;
  /** When each request arrived (ms since the epoch), in the order of `requests`. */
  const arrived: number[] = [];
  let onRequest: (() => void) | undefined;
  const hanging: http.ServerResponse[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        requests.push(`${req.method} ${req.url} ${body}`);
        arrived.push(Date.now());
        onRequest?.();
        if (answer === 'hang' && req.method === 'PUT') hanging.push(res);
        else if (answer === 'slow' && req.method === 'PUT') setTimeout(() => res.writeHead(204).end(), 2500);
        else res.writeHead(answer === 'hang' || answer === 'slow' ? 204 : answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const r of hanging) r.destroy();
    server.close();
  });
  beforeEach(() => {
    requests.length = 0;
    arrived.length = 0;
    answer = 204;
    onRequest = undefined;
  });

  /** A copy of the example: the pin request to the loopback server, the contract serving the alias's release, `slow` firing (p99 400 ms). */
  function example(edit: (runbook: string) => string = (t) => t): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-rollback-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
    const runbook = path.join(dir, 'iris.runbook.yaml');
    writeFileSync(runbook, edit(readFileSync(runbook, 'utf8').split(PIN_URL).join(`http://127.0.0.1:${port}/admin/models/iris-classifier/pin`)));
    const contract = path.join(dir, 'iris.contract.yaml');
    writeFileSync(contract, readFileSync(contract, 'utf8').replace('command: node model/predict.mjs --model model/v2.json', 'command: sh scripts/serve.sh'));
    writeFileSync(path.join(dir, 'scripts', 'serve.sh'), SERVE);
    chmodSync(path.join(dir, 'scripts', 'serve.sh'), 0o755);
    const metrics = path.join(dir, 'metrics', 'now.json');
    writeFileSync(metrics, readFileSync(metrics, 'utf8').replace('"p99_latency_ms": 182', '"p99_latency_ms": 400'));
    return dir;
  }
  const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), 'utf8');
  const records = async (dir: string) => (await readAuditLog(dir)).entries.map((e) => e.record);

  it('restores for real with --approve: each step printed as it starts and ends, the phases timed, the fired trigger with its value; exit 0; approval and rollback recorded', async () => {
    const dir = example();
    // a real rollback sends: the example's on-call entry posts each step's result to the webhook its variable names
    process.env.IRIS_INCIDENT_WEBHOOK = `http://127.0.0.1:${port}/hook`;
    const out = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana Lima']).finally(() => delete process.env.IRIS_INCIDENT_WEBHOOK);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.equal(out.stderr, '');
    const internal = 'iris-classifier-rollback: rolling back iris-classifier 2.0.0 -> 1.4.2; phase rollback.';
    const customers = 'Scoring reverted to 1.4.2.';
    const none = 'not sent: no webhook under `to`';
    const posted = 'sent to webhook $IRIS_INCIDENT_WEBHOOK (204)';
    const onCall = (id: string, outcome: string, phase: string) => `iris-classifier-rollback: step ${id} ${outcome} (${phase}); fired: slow (p99_latency_ms = 400); questions to #serving`;
    const reportMessages: Array<[string, string]> = [
      [`start → customers (status-page) at T: ${none}`, customers],
      [`start → internal (#ml-incidents) at T: ${none}`, internal],
      [`update approve approved → internal (#ml-incidents) at T: ${none}`, internal],
      [`update approve approved → on-call (#ml-incidents) at T: ${posted}`, onCall('approve', 'approved', 'decide')],
      // announce-start's own message to its audience, then the step's update to each entry on update
      [`notify announce-start → internal (#ml-incidents) at T: ${none}`, internal],
      ...['announce-start', 'flag-off', 'repoint', 'pin-serving', 'verify'].flatMap((id): Array<[string, string]> => [
        [`update ${id} done → internal (#ml-incidents) at T: ${none}`, internal],
        [`update ${id} done → on-call (#ml-incidents) at T: ${posted}`, onCall(id, 'done', id === 'verify' ? 'verify' : 'execute')],
      ]),
      [`notify announce-done → customers (status-page) at T: ${none}`, customers],
      [`update announce-done done → internal (#ml-incidents) at T: ${none}`, internal],
      [`update announce-done done → on-call (#ml-incidents) at T: ${posted}`, onCall('announce-done', 'done', 'execute')],
      [`close → customers (status-page) at T: ${none}`, customers],
      [`close → internal (#ml-incidents) at T: ${none}`, internal],
    ];
    assert.deepEqual(timeless(out.stdout).replace(/ at \d+(\.\d+)? (ms|s): /g, ' at T: ').trimEnd().split('\n'), [
      'Rolling back iris-classifier 2.0.0 → iris-classifier 1.4.2 with iris.runbook.yaml, for real (not a drill)',
      'Dry-run: READY',
      'Plan: approve → announce-start → flag-off → repoint → pin-serving → verify → announce-done',
      '▶ approve (timeout 10m) …',
      '✓ approve: decisionMaker (On-call ML lead, #ml-oncall) approved by Ana Lima (--approve)',
      '✓ approve approved in T',
      '▶ announce-start (timeout 1m) …',
      '✓ announce-start done in T — rendered, not sent: audience `internal` has no webhook under `to`',
      '▶ flag-off (timeout 30s) …',
      '✓ flag-off done in T — iris-v2: on → off',
      '▶ repoint (timeout 1m) …',
      '✓ repoint done in T',
      '▶ pin-serving (timeout 2m) …',
      '✓ pin-serving done in T',
      '▶ verify (timeout 5m) …',
      '✓ verify done in T — contract test parity passed',
      '▶ announce-done (timeout 1m) …',
      '✓ announce-done done in T — rendered, not sent: audience `customers` has no webhook under `to`',
      'Rollback of iris.runbook.yaml: iris-classifier 2.0.0 → iris-classifier 1.4.2',
      '  dry-run: READY',
      '  detect T: slow fired (p99_latency_ms = 400)',
      '  decide T: approve: decisionMaker approved by Ana Lima (--approve)',
      '  execute T, verify T',
      ...out.stdout.split('\n').filter((l) => /^ {2}(approved|done) {4,}/.test(l)).map(timeless),
      // the report carries the restore's fidelity and every message the run rendered, where it went or why not
      '  fidelity: 150/150 rows within tolerance (1), label agreement 1 (150/150), max |Δ| 0 (`probability` at `iris-001`); `parity` of iris.contract.yaml against the 1.4.2 baseline',
      '  messages: 20 rendered, 7 sent',
      ...reportMessages.flatMap(([heading, text]) => [`    ${heading}`, `      ${text}`]),
      'RESTORED and verified: iris-classifier 1.4.2',
    ]);
    // every step ran for real, outside the sandbox (whose env points the alias script at another store): the example's own alias store, the flag file, the request
    assert.equal(read(dir, '.registry/iris/champion'), '1.4.2\n');
    assert.equal(JSON.parse(read(dir, 'flags.flagd.json')).flags['iris-v2'].defaultVariant, 'off');
    assert.deepEqual(requests.filter((r) => !r.startsWith('POST /hook ')), ['PUT /admin/models/iris-classifier/pin {"version":"1.4.2"}']);
    const fired = 'fired: slow (p99_latency_ms = 400); questions to #serving';
    assert.deepEqual(
      requests.filter((r) => r.startsWith('POST /hook ')).map((r) => JSON.parse(r.slice('POST /hook '.length))),
      [['approve', 'approved', 'decide'], ['announce-start', 'done', 'execute'], ['flag-off', 'done', 'execute'], ['repoint', 'done', 'execute'], ['pin-serving', 'done', 'execute'], ['verify', 'done', 'verify'], ['announce-done', 'done', 'execute']].map(([id, outcome, phase]) => ({ text: `iris-classifier-rollback: step ${id} ${outcome} (${phase}); ${fired}` })),
    );
    const [approval, rollback, ...rest] = await records(dir);
    assert.equal(rest.length, 0);
    const { time: _t1, digest: d1, commit: _c1, user: u1, prev: _p1, ...a } = approval!;
    assert.deepEqual(a, { v: 1, kind: 'approval', path: 'iris.runbook.yaml', verdict: 'approved', role: 'decisionMaker', step: 'approve', by: 'flag', context: 'rollback', name: 'Ana Lima' });
    const { time: _t2, digest: d2, commit: _c2, user: u2, prev: _p2, timings, steps, expectations, stepMessages, triggers, ...r } = rollback!;
    // what the drill's record carries too: the restore's fidelity, the triggers with their messages, each step's message
    const { fidelity, ...findings } = r.findings as Record<string, unknown>;
    r.findings = findings;
    assert.deepEqual([(fidelity as { measured: boolean }).measured, (fidelity as { agreement: unknown }).agreement], [true, { agree: 150, of: 150, value: 1 }]);
    assert.deepEqual(expectations, []); // windows.detect is a drill's: a rollback starts after the detection
    assert.deepEqual(triggers, [{ id: 'slow', metric: 'p99_latency_ms', value: 400, message: 'p99_latency_ms is 400 > 250 (a single value, taken to hold for 5m): fires' }]);
    assert.deepEqual(stepMessages, { 'announce-start': 'rendered, not sent: audience `internal` has no webhook under `to`', 'flag-off': 'iris-v2: on → off', verify: 'contract test parity passed', 'announce-done': 'rendered, not sent: audience `customers` has no webhook under `to`' });
    assert.equal(d1, d2);
    assert.equal(u1, u2);
    assert.deepEqual(r, {
      v: 1,
      kind: 'rollback',
      path: 'iris.runbook.yaml',
      verdict: 'pass',
      findings: { restored: [], dryRun: 'ready', fired: [{ id: 'slow', metric: 'p99_latency_ms', value: 400 }] },
      outcome: 'restored',
      release: { current: 'iris-classifier 2.0.0', target: 'iris-classifier 1.4.2' },
      approvals: [{ step: 'approve', role: 'decisionMaker', decision: 'approve', by: 'flag', name: 'Ana Lima' }],
    });
    assert.deepEqual(Object.keys(timings as object), ['detectMs', 'decideMs', 'executeMs', 'verifyMs', 'restoreMs']);
    assert.deepEqual(
      Object.entries(steps as Record<string, { outcome: string; undo?: string }>).map(([id, s]) => `${id}:${s.outcome}${s.undo ? `/${s.undo}` : ''}`),
      ['approve:approved', 'announce-start:done', 'flag-off:done', 'repoint:done', 'pin-serving:done', 'verify:done', 'announce-done:done'],
    );
  });

  it('`every` while the rollback is open: its messages are posted on their timer during a long step, then the close; each step is printed as it starts', async () => {
    // a ticker entry every 1s to a loopback webhook; the serving API takes 2.5 s to answer the pin
    const ticker = (port: number) => `  - { audience: ticker, owner: technicalLead, every: 1s, on: [close], to: { webhook: "http://127.0.0.1:${port}/tick" }, template: "{{event}} after {{timings.elapsed}}" }\n`;
    const dir = example((t) => t.replace('communication:\n', `communication:\n${ticker(port)}`));
    answer = 'slow';
    // what the CLI had printed when the pin request reached the server: the steps so far, live, not at the end
    let printed = '';
    const out = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana'], (child) => {
      let sofar = '';
      child.stdout!.on('data', (d: Buffer) => (sofar += d.toString('utf8')));
      onRequest = () => {
        if (requests.at(-1)!.startsWith('PUT ')) printed = sofar;
      };
    });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.deepEqual(timeless(printed).trimEnd().split('\n').slice(-3), ['▶ repoint (timeout 1m) …', '✓ repoint done in T', '▶ pin-serving (timeout 2m) …']);
    const ticks = requests.map((r, i) => ({ r, at: arrived[i]! })).filter((x) => x.r.startsWith('POST /tick '));
    const texts = ticks.map((x) => (JSON.parse(x.r.slice('POST /tick '.length)) as { text: string }).text);
    // at least two `every` (the run is open 2.5 s and more), then the close, nothing after it
    assert.ok(texts.length >= 3, JSON.stringify(texts));
    assert.deepEqual(texts.map((t) => t.split(' ')[0]), [...texts.slice(0, -1).map(() => 'every'), 'close']);
    assert.match(texts[0]!, /^every after 1(\.0)? s$/);
    // the first ones went out while pin-serving waited for its answer, not when it ended
    const put = requests.findIndex((r) => r.startsWith('PUT '));
    const during = ticks.filter((x) => x.at > arrived[put]! && x.at < arrived[put]! + 2400);
    assert.ok(during.length >= 1, `ticks at ${ticks.map((x) => x.at - arrived[put]!).join(', ')} ms from the PUT`);
    // and the report says each was sent
    const lines = out.stdout.split('\n');
    const sent = lines.filter((l) => /^ {4}every → ticker at \S+ (ms|s): sent to webhook http:\/\/127\.0\.0\.1:\d+\/… \(204\)$/.test(l));
    assert.equal(sent.length, texts.length - 1, out.stdout);
  });

  it('run from the runbook\'s folder inside a larger workspace: a message\'s failure is located as the CLI\'s other lines are, relative to the cwd', async () => {
    const dir = example();
    const top = mkdtempSync(path.join(tmpdir(), 'rl-rollback-ws-'));
    cpSync(dir, path.join(top, 'iris'), { recursive: true });
    const cwd = path.join(top, 'iris');
    const out = await cli(cwd, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana', '--workspace', top]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const text = read(cwd, 'iris.runbook.yaml').split('\n');
    const row = text.findIndex((l) => l.includes('to: { webhook: { env: IRIS_INCIDENT_WEBHOOK } }'));
    const at = `iris.runbook.yaml:${row + 1}:${text[row]!.indexOf('IRIS_INCIDENT_WEBHOOK') + 1}`;
    const unset = out.stdout.split('\n').filter((l) => l.includes('environment variable IRIS_INCIDENT_WEBHOOK is not set'));
    assert.equal(unset.length, 7, out.stdout);
    assert.ok(unset.every((l) => l.endsWith(`: not sent: ${at}: environment variable IRIS_INCIDENT_WEBHOOK is not set`)), unset.join('\n'));
    // the audit log is the workspace's, and names the runbook from there
    assert.equal((await records(top)).at(-1)!.path, 'iris/iris.runbook.yaml');
  });

  it('a failing step: the completed steps are undone newest first, the flag file byte for byte; FAILED, exit 1, recorded undone', async () => {
    const dir = example();
    answer = 500;
    const out = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana']);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    const lines = timeless(out.stdout).trimEnd().split('\n');
    assert.deepEqual(
      lines.filter((l) => /^[▶✓✗↺] (undo )?(pin-serving|repoint|flag-off)\b/.test(l)).slice(-6),
      [
        '▶ pin-serving (timeout 2m) …',
        lines.find((l) => l.startsWith('✗ pin-serving failed in T'))!,
        '▶ undo repoint (timeout 1m) …',
        '↺ repoint undone in T — pointed iris@champion at 2.0.0 (was: 1.4.2)',
        '▶ undo flag-off (timeout 30s) …',
        '↺ flag-off undone in T — restored flags.flagd.json byte for byte',
      ],
    );
    assert.match(lines.at(-1)!, /^FAILED: undone — step `pin-serving` failed: PUT http:\/\/127\.0\.0\.1:\d+\/admin\/models\/iris-classifier\/pin answered 500.*; undid repoint, flag-off$/);
    // a rollback, not a drill, stopped before its verify step: the report says which
    assert.ok(lines.includes('  fidelity not measured: no verify step ran: the rollback stopped at step `pin-serving` (failed)'), out.stdout);
    assert.equal(read(dir, 'flags.flagd.json'), read(EXAMPLE, 'flags.flagd.json'));
    assert.equal(read(dir, '.registry/iris/champion'), '2.0.0\n');
    const rollback = (await records(dir)).at(-1)!;
    assert.deepEqual([rollback.kind, rollback.verdict, rollback.outcome, (rollback.findings as { restored: string[] }).restored], ['rollback', 'fail', 'undone', ['repoint', 'flag-off']]);
  });

  it('the post-mortem of a real rollback record: its approvals, the failed step as an action item of its owner, linked by the record\'s hash', async () => {
    const dir = example();
    answer = 500;
    assert.equal((await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana'])).code, 1);
    const pm = await cli(dir, ['postmortem', 'iris.runbook.yaml']);
    assert.equal(pm.code, 0, pm.stdout + pm.stderr);
    const { entries } = await readAuditLog(dir);
    const rec = entries.at(-1)!;
    assert.equal(rec.record.kind, 'rollback');
    const name = `postmortems/iris/${rec.record.time.slice(0, 10)}-rollback.md`;
    assert.equal(pm.stdout, `wrote ${name}: the after-action review of rollback (fail, ${rec.record.time}), audit record ${rec.hash} (line ${rec.line})\n`);
    const md = read(dir, name).split('\n');
    assert.equal(md[0], '# After-action review: rollback of iris.runbook.yaml');
    assert.ok(md.includes(`- **Audit record**: \`${rec.hash}\` (line ${rec.line} of .rollback-lens/audit.jsonl)`), md.join('\n'));
    assert.ok(md.includes('- **Approvals**: decisionMaker (flag: Ana)'), md.join('\n'));
    assert.ok(md.includes('- `slow`: p99_latency_ms = 400 — `p99_latency_ms is 400 > 250 (a single value, taken to hold for 5m): fires`'), md.join('\n'));
    assert.ok(md.some((l) => /^\| `pin-serving` \| http \| sre \| failed \| \d+(\.\d+)? (ms|s) \| — \|$/.test(l)), md.join('\n'));
    assert.ok(md.includes('- fidelity not measured\\: no verify step ran\\: the rollback stopped at step `pin-serving` \\(failed\\)'), md.join('\n'));
    assert.match(md.at(-2) ?? '', /^\| Find and fix why step `pin-serving` failed \| sre \| \d{4}-\d{2}-\d{2} \| open \|$/);
  });

  it('Ctrl+C (SIGINT) during a step stops it and undoes the completed steps; CANCELLED, exit 1, recorded cancelled', async () => {
    const dir = example();
    answer = 'hang';
    const out = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana'], (child) => {
      onRequest = () => child.kill('SIGINT');
    });
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.equal(out.stdout.trimEnd().split('\n').at(-1), 'CANCELLED — the rollback was cancelled during step `pin-serving`; undid repoint, flag-off');
    assert.equal(read(dir, 'flags.flagd.json'), read(EXAMPLE, 'flags.flagd.json'));
    assert.equal(read(dir, '.registry/iris/champion'), '2.0.0\n');
    const rollback = (await records(dir)).at(-1)!;
    assert.deepEqual([rollback.kind, rollback.verdict, rollback.outcome], ['rollback', 'cancelled', 'cancelled']);
  });

  it('no terminal and no --approve: the gate rejects, says why, nothing runs; exit 1; the rejection recorded', async () => {
    const dir = example();
    const out = await cli(dir, ['rollback', 'iris.runbook.yaml']);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.ok(lines.includes('✗ approve: decisionMaker (On-call ML lead, #ml-oncall): no one to answer for decisionMaker: not a terminal, and no --approve decisionMaker=<name>; the gate rejects'), out.stdout);
    assert.equal(lines.at(-1), 'FAILED: undone — step `approve` was rejected; undid nothing');
    assert.equal(read(dir, 'flags.flagd.json'), read(EXAMPLE, 'flags.flagd.json'));
    assert.deepEqual(requests, []);
    const [approval, rollback] = await records(dir);
    assert.deepEqual([approval!.verdict, approval!.by, approval!.note], ['rejected', 'person', 'no one to answer for decisionMaker: not a terminal, and no --approve decisionMaker=<name>']);
    assert.deepEqual([rollback!.verdict, rollback!.outcome, rollback!.approvals], ['fail', 'undone', [{ step: 'approve', role: 'decisionMaker', decision: 'reject', by: 'person' }]]);
  });

  it('a NOT READY dry-run refuses with its blocking findings at file:line:col, exit 2, nothing run or recorded; --force <reason> starts it and records the reason', async () => {
    const dir = example((t) => t.replace('name: iris-v2, variant: "off"', 'name: iris-v2, variant: "nope"'));
    const text = read(dir, 'iris.runbook.yaml');
    const lines = text.split('\n');
    const row = lines.findIndex((l) => l.includes('variant: "nope"'));
    const refused = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana']);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.deepEqual(refused.stdout.trimEnd().split('\n').slice(1), [
      'Dry-run: NOT READY, 2 blocking finding(s):',
      `  iris.runbook.yaml:${row + 1}:${lines[row]!.indexOf('"nope"') + 1}: error unknown-flag-variant flag \`iris-v2\` in \`flags.flagd.json\` has no variant \`nope\` (its variants: \`on\`, \`off\`)`,
      `  iris.runbook.yaml:${row + 1}:${lines[row]!.indexOf('flag:') + 1}: error flag-invalid step \`flag-off\`: flag \`iris-v2\` has no variant \`nope\` (it has \`on\`, \`off\`)`,
    ]);
    assert.equal(refused.stderr, 'rollback-lens: refused: the dry-run says NOT READY (2 blocking findings); nothing was run. Fix them, or give --force <reason>\n');
    assert.equal(existsSync(path.join(dir, '.rollback-lens', 'audit.jsonl')), false);
    assert.deepEqual(requests, []);

    const forced = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana', '--force', 'registry outage, paged by SRE']);
    assert.equal(forced.code, 1, forced.stdout + forced.stderr);
    assert.ok(forced.stdout.includes('\nForced: registry outage, paged by SRE\n'), forced.stdout);
    assert.ok(forced.stdout.includes('\n  dry-run: NOT READY, forced: registry outage, paged by SRE\n'), forced.stdout);
    assert.equal(forced.stdout.trimEnd().split('\n').at(-1), 'FAILED: undone — step `flag-off` failed: flag `iris-v2` has no variant `nope` (it has `on`, `off`); undid nothing');
    const rollback = (await records(dir)).at(-1)!;
    assert.deepEqual([rollback.kind, rollback.forced, (rollback.findings as { dryRun: string }).dryRun], ['rollback', 'registry outage, paged by SRE', 'not-ready']);
  });

  const PROMPT = 'approve: does decisionMaker (On-call ML lead, #ml-oncall) approve rolling back iris-classifier 2.0.0 → iris-classifier 1.4.2? [y/N] ';
  /** The CLI on a real pseudo-terminal (script(1)); `keys` are typed there once the gate's prompt shows. */
  function onTerminal(dir: string, keys: string): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(cliBundle())} rollback iris.runbook.yaml`, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
      let stdout = '';
      let typed = false;
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString('utf8');
        if (!typed && stdout.includes(PROMPT)) {
          typed = true;
          child.stdin!.write(keys);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
  }

  it('on a terminal the gate asks, naming the role, its name and contact; `y` approves, recorded as by person with the user who answered', async () => {
    const dir = example();
    const prompt = PROMPT;
    const out = await onTerminal(dir, 'y\r');
    assert.equal(out.code, 0, out.stdout);
    assert.ok(out.stdout.includes(prompt), out.stdout);
    assert.match(out.stdout, /\n {2}decide \d+(\.\d+)? (ms|s): approve: decisionMaker approved by \S+ \(asked\)\r?\n/);
    const [approval, rollback] = await records(dir);
    assert.deepEqual([approval!.kind, approval!.verdict, approval!.by, approval!.name], ['approval', 'approved', 'person', approval!.user]);
    assert.deepEqual([rollback!.verdict, rollback!.outcome], ['pass', 'restored']);
  });

  it('Ctrl+C at the gate prompt cancels the rollback: nothing ran, nothing to undo; CANCELLED, exit 1', async () => {
    const dir = example();
    const out = await onTerminal(dir, '\x03');
    assert.equal(out.code, 1, out.stdout);
    assert.equal(out.stdout.trimEnd().split(/\r?\n/).at(-1), 'CANCELLED — the rollback was cancelled during step `approve`; undid nothing');
    assert.equal(read(dir, 'flags.flagd.json'), read(EXAMPLE, 'flags.flagd.json'));
    const [rollback, ...rest] = await records(dir);
    assert.deepEqual([rest.length, rollback!.kind, rollback!.verdict, rollback!.outcome, rollback!.approvals], [0, 'rollback', 'cancelled', 'cancelled', []]);
  });

  it('no trigger firing does not stop a rollback a person started: detect says so, with how many were evaluated', async () => {
    const dir = example();
    writeFileSync(path.join(dir, 'metrics', 'now.json'), read(EXAMPLE, 'metrics/now.json'));
    const out = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana']);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.ok(timeless(out.stdout).includes('\n  detect T: no trigger fired (6 evaluated against the metrics source): the rollback was started by hand\n'), out.stdout);
    const { fidelity: _f, ...findings } = (await records(dir)).at(-1)!.findings!;
    assert.deepEqual(findings, { restored: [], dryRun: 'ready', fired: [] });
  });

  it('--format json: stdout is the report alone, the live lines go to stderr', async () => {
    const dir = example();
    const out = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana', '--format', 'json']);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const report = JSON.parse(out.stdout) as { mode: string; verdict: string; outcome: string; release: unknown; dryRun: unknown };
    assert.equal('scenario' in report, false, 'a rollback has no scenario');
    assert.deepEqual([report.mode, report.verdict, report.outcome, report.release, report.dryRun], ['rollback', 'pass', 'restored', { current: 'iris-classifier 2.0.0', target: 'iris-classifier 1.4.2' }, { verdict: 'ready', blocking: [] }]);
    assert.deepEqual(timeless(out.stderr).split('\n').slice(0, 4), [
      'Rolling back iris-classifier 2.0.0 → iris-classifier 1.4.2 with iris.runbook.yaml, for real (not a drill)',
      'Dry-run: READY',
      'Plan: approve → announce-start → flag-off → repoint → pin-serving → verify → announce-done',
      '▶ approve (timeout 10m) …',
    ]);
  });

  it('usage errors exit 2 with the usage: a malformed --approve, a role the runbook does not declare, an empty --force reason', async () => {
    const dir = example();
    const bad = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.split('\n')[0], 'rollback-lens rollback: --approve takes role=name (who approves for the role), not `decisionMaker`');
    const unknown = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'boss=Ana']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.split('\n')[0], 'rollback-lens rollback: --approve boss=…: iris.runbook.yaml declares no role `boss` (it declares `decisionMaker`, `technicalLead`, `dataSteward`, `commsLiaison`, `sre`)');
    const empty = await cli(dir, ['rollback', 'iris.runbook.yaml', '--force', ' ']);
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr.split('\n')[0], 'rollback-lens rollback: --force needs a reason (it is recorded in the audit log)');
    assert.equal(existsSync(path.join(dir, '.rollback-lens', 'audit.jsonl')), false);
  });

  it('--sign-key signs the approval record (audit verify checks it with ssh-keygen); a signer without the --approve role is refused before anything runs', async () => {
    const dir = example();
    const keys = mkdtempSync(path.join(tmpdir(), 'rl-rollback-keys-'));
    try {
      for (const name of ['alice', 'bob']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path.join(keys, name)]);
      const pub = (name: string) => readFileSync(path.join(keys, `${name}.pub`), 'utf8').split(' ').slice(0, 2).join(' ');
      mkdirSync(path.join(dir, '.rollback-lens'));
      writeFileSync(path.join(dir, '.rollback-lens', 'allowed_signers'), `# roles: decisionMaker\nalice@example.com ${pub('alice')}\n# roles: sre\nbob@example.com ${pub('bob')}\n`);
      const flags = read(dir, 'flags.flagd.json');
      const refused = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana Lima', '--sign-key', path.join(keys, 'bob')]);
      assert.equal(refused.code, 2);
      assert.equal(
        refused.stderr.split('\n')[0],
        'rollback-lens rollback: --approve decisionMaker=…: cannot sign it: bob@example.com may not sign for role decisionMaker: .rollback-lens/allowed_signers gives bob@example.com the roles sre',
      );
      assert.equal(read(dir, 'flags.flagd.json'), flags);
      assert.equal(existsSync(path.join(dir, '.rollback-lens', 'audit.jsonl')), false);

      const out = await cli(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana Lima', '--sign-key', path.join(keys, 'alice')]);
      assert.equal(out.code, 0, out.stdout + out.stderr);
      assert.equal(out.stderr, '');
      const [approval, rollback] = await records(dir);
      assert.deepEqual([approval!.kind, (approval!.signature as { signer: string }).signer, rollback!.kind, 'signature' in rollback!], ['approval', 'alice@example.com', 'rollback', false]);
      const verify = runCliProcess(dir, ['audit', 'verify']);
      assert.equal(verify.code, 0, verify.stdout);
      assert.match(verify.stdout, /^\.rollback-lens\/audit\.jsonl: signatures: passed: 1 good signature \(0 unsigned approvals or sign-offs\)$/m);
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
  });
});
