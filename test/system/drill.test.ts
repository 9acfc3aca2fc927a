// Drills run the steps for real in a temp sandbox: files written by real
// commands, a flagd file edited atomically, a real HTTP server on loopback,
// faults injected, completed steps undone in reverse order.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { drillText } from '../../src/core/runbook/render';
import { drill } from '../../src/node/runbook/drill';
import type { DrillProgress } from '../../src/core/runbook/report';
import { dryRun } from '../../src/node/runbook/dryrun';
import { appendAuditRecord, readAuditLog } from '../../src/node/audit';
import { calendarClock } from '../../src/node/clock';
import { formatDate } from '../../src/core/util/values';
import { runCli, spawnCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

const cliProcess = spawnCliProcess;

/** A copy of the example workspace, without its audit log. */
function exampleCopy(edit?: (runbook: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-drill-example-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
  if (edit) writeFileSync(path.join(dir, 'iris.runbook.yaml'), edit(readFileSync(path.join(dir, 'iris.runbook.yaml'), 'utf8')));
  return dir;
}

const FLAGS = JSON.stringify({ flags: { 'iris-v2': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } }, null, 2) + '\n';

function runbook(port: number): string {
  return `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: drill-test, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
metrics: { file: metrics.json }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
windows: { decide: 15m, restore: 30m }
steps:
  - id: approve
    approve: [decisionMaker]
  - id: flag-off
    flag: { file: flags.json, name: iris-v2, variant: "off" }
    requires: [approve]
  - id: repoint
    run: echo 1.4.2 > alias.txt && echo repoint >> log.txt
    undo: echo 2.0.0 > alias.txt && echo undo-repoint >> log.txt
    check: cat alias.txt
    timeout: 2s
    requires: [flag-off]
  - id: pin
    http: { method: PUT, url: "http://127.0.0.1:${port}/pin", body: { version: "{{target.version}}" } }
    undo: { method: PUT, url: "http://127.0.0.1:${port}/pin", body: { version: "{{current.version}}" } }
    timeout: 2s
    requires: [repoint]
drills:
  every: 90d
  scenarios:
    - id: ok
      inject: { metrics: { p99_latency_ms: 400 } }
      expect: { decideWithin: 5m, restoreWithin: 1m }
      approvals: { decisionMaker: { decision: approve, after: 2m } }
    - id: pin-fails
      inject: { metrics: { p99_latency_ms: 400 }, unavailable: ["http://127.0.0.1:${port}"] }
      expect: { restoreWithin: 1m, outcome: undone }
      approvals: auto
    - id: repoint-hangs
      inject: { metrics: { p99_latency_ms: 400 }, hangStep: repoint }
      expect: { restoreWithin: 1m, outcome: undone }
      approvals: auto
    - id: quiet
      inject: { metrics: { p99_latency_ms: 100 } }
      approvals: auto
    - id: repoint-fails
      inject: { metrics: { p99_latency_ms: 400 }, failStep: repoint }
      expect: { restoreWithin: 1m, outcome: undone }
      approvals: auto
    - id: rejected
      inject: { metrics: { p99_latency_ms: 400 } }
      expect: { decideWithin: 5m, restoreWithin: 1m, outcome: undone }
      approvals: { decisionMaker: { decision: reject } }
    - id: pin-hangs
      inject: { metrics: { p99_latency_ms: 400 }, hangStep: pin }
      expect: { restoreWithin: 1m, outcome: undone }
      approvals: auto
    - id: approve-fails
      inject: { metrics: { p99_latency_ms: 400 }, failStep: approve }
      expect: { outcome: undone }
      approvals: auto
    - id: nobody-calls
      inject: { metrics: { p99_latency_ms: 400 }, unavailable: [registry.invalid] }
      approvals: auto
    - id: ask
      inject: { metrics: { p99_latency_ms: 400 } }
`;
}

describe('drill', function () {
  this.timeout(30_000);
  let server: http.Server;
  let port: number;
  const pins: string[] = [];
  /** What the server was last told to pin; GET /pin answers it. */
  let pinned = 'none';
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pinned }));
          return;
        }
        pins.push(`${req.method} ${req.url} ${body}`);
        pinned = (JSON.parse(body || '{}') as { version?: string }).version ?? pinned;
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  function sandbox(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-drill-'));
    writeFileSync(path.join(dir, 'flags.json'), FLAGS);
    writeFileSync(path.join(dir, 'metrics.json'), '{"p99_latency_ms": 120}');
    writeFileSync(path.join(dir, 'r.runbook.yaml'), runbook(port));
    return dir;
  }

  it('runs every step for real: the flag flipped atomically, the alias moved, the request sent; restored, timed', async () => {
    const dir = sandbox();
    pins.length = 0;
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
    assert.equal(r.verdict, 'pass', r.reason);
    assert.equal(r.outcome, 'restored');
    assert.deepEqual(r.steps.map((s) => `${s.id}:${s.outcome}`), ['approve:approved', 'flag-off:done', 'repoint:done', 'pin:done']);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'flags.json'), 'utf8')).flags['iris-v2'].defaultVariant, 'off');
    assert.equal(readFileSync(path.join(dir, 'alias.txt'), 'utf8'), '1.4.2\n');
    assert.deepEqual(pins, ['PUT /pin {"version":"1.4.2"}']);
    assert.ok(r.timings.decideMs >= 120_000, 'the scenario answers the approval after 2m');
    assert.deepEqual(r.expectations.map((e) => [e.what, e.met]), [['decideWithin', true], ['restoreWithin', true]]);
    assert.deepEqual(r.triggers, [{ id: 'slow', metric: 'p99_latency_ms', value: 400, fired: true, message: 'p99_latency_ms is 400 > 250: fires' }]);
  });

  it('says how it goes: the plan with each timeout, each step and undo as it starts, each result as the report will hold it', async () => {
    const dir = sandbox();
    const events: DrillProgress[] = [];
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'pin-fails', onProgress: (e) => events.push(e) });
    const said = events.map((e) => (e.kind === 'plan' ? `plan ${e.steps.map((x) => `${x.id}/${x.timeoutMs}`).join(' ')}` : e.kind === 'start' ? `start ${e.phase} ${e.id} ${e.timeoutMs}` : `result ${e.step.id}:${e.step.outcome}`));
    assert.deepEqual(said, [
      'plan approve/60000 flag-off/60000 repoint/2000 pin/2000',
      'start do approve 60000',
      'result approve:approved',
      'start do flag-off 60000',
      'result flag-off:done',
      'start do repoint 2000',
      'result repoint:done',
      'start do pin 2000',
      'result pin:failed',
      'start undo repoint 2000',
      'result repoint:undone',
      'start undo flag-off 60000',
      'result flag-off:undone',
    ]);
    // the results are the report's steps, in its order
    assert.deepEqual(events.flatMap((e) => (e.kind === 'result' ? [e.step] : [])), r.steps);
  });

  it('an unavailable endpoint fails its step; every completed step is undone in reverse order', async () => {
    const dir = sandbox();
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'pin-fails' });
    assert.equal(r.outcome, 'undone');
    assert.equal(r.verdict, 'pass', 'the scenario expects the rollback to be undone');
    assert.deepEqual(r.restored, ['repoint', 'flag-off']);
    assert.equal(readFileSync(path.join(dir, 'log.txt'), 'utf8'), 'repoint\nundo-repoint\n');
    assert.equal(readFileSync(path.join(dir, 'alias.txt'), 'utf8'), '2.0.0\n');
    assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), FLAGS.replace('"defaultVariant": "on"', '"defaultVariant": "on"'));
    assert.match(r.reason!, /^step `pin` PUT http:\/\/127\.0\.0\.1:\d+: connection refused \(endpoint unavailable, injected by the scenario\); undid repoint, flag-off$/);
    assert.deepEqual(r.faults, [{ fault: 'unavailable', target: `http://127.0.0.1:${port}`, reached: true }]);
  });

  it('a hanging step is killed at its timeout and the completed steps are undone', async () => {
    const dir = sandbox();
    const started = Date.now();
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'repoint-hangs' });
    assert.ok(Date.now() - started < 10_000);
    assert.equal(r.outcome, 'undone');
    assert.deepEqual(r.restored, ['flag-off']);
    assert.match(r.steps.find((s) => s.id === 'repoint')!.message!, /^`exec sleep 86400` did not finish within 2s; killed$/);
  });

  describe('passes only when its scenario happened', () => {
    it('the injected step fails and the finished steps are undone: PASS, the fault reached', async () => {
      const dir = sandbox();
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'repoint-fails' });
      assert.deepEqual([r.verdict, r.outcome, r.reason], ['pass', 'undone', 'step `repoint` failed (injected by the scenario); undid flag-off']);
      assert.deepEqual(r.faults, [{ fault: 'failStep', target: 'repoint', reached: true }]);
    });

    it('a step other than the injected one fails first: FAIL naming both, the injected fault never reached', async () => {
      const dir = sandbox();
      writeFileSync(path.join(dir, 'r.runbook.yaml'), runbook(port).replace('name: iris-v2, variant: "off"', 'name: iris-v2, variant: "nope"'));
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'repoint-fails' });
      assert.deepEqual([r.verdict, r.outcome], ['fail', 'undone']);
      assert.equal(r.reason, 'step `flag-off` failed, which the scenario did not inject: flag `iris-v2` has no variant `nope` (it has `on`, `off`); undid nothing; the injected failStep `repoint` was never reached');
      assert.deepEqual(r.faults, [{ fault: 'failStep', target: 'repoint', reached: false }]);
      assert.deepEqual(r.steps.map((s) => `${s.id}:${s.outcome}`), ['approve:approved', 'flag-off:failed']);
      const text = drillText(r);
      assert.ok(text.includes('\n  ✗ injected failStep `repoint`: never reached\n'), text);
      assert.ok(text.endsWith('\nFAIL: undone — step `flag-off` failed, which the scenario did not inject: flag `iris-v2` has no variant `nope` (it has `on`, `off`); undid nothing; the injected failStep `repoint` was never reached'), text);
    });

    it('a rejected approval: no step ran, so restoreWithin is not measured (no ✓ for a restore that never ran)', async () => {
      const dir = sandbox();
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'rejected' });
      assert.deepEqual(
        r.expectations.map((e) => [e.what, e.met, e.notReached]),
        [
          ['decideWithin', true, undefined],
          ['restoreWithin', false, 'no step ran'],
        ],
      );
      assert.deepEqual([r.verdict, r.outcome, r.reason], ['fail', 'undone', 'step `approve` was rejected; undid nothing; restoreWithin 1m was not measured: no step ran']);
      const text = drillText(r);
      assert.ok(!text.includes('✓ restoreWithin'), text);
      assert.ok(text.includes('\n  ✗ restoreWithin 1m: not measured — no step ran\n'), text);
    });

    it('a failStep on an approval gate is reached there, like on any other step', async () => {
      const dir = sandbox();
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'approve-fails' });
      assert.deepEqual([r.verdict, r.outcome, r.reason], ['pass', 'undone', 'step `approve` failed (injected by the scenario); undid nothing']);
      assert.deepEqual(r.faults, [{ fault: 'failStep', target: 'approve', reached: true }]);
    });

    it('an unavailable endpoint no step called is a fault never reached: FAIL although every step ran', async () => {
      const dir = sandbox();
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'nobody-calls' });
      assert.deepEqual([r.verdict, r.outcome, r.reason], ['fail', 'restored', 'the injected unavailable `registry.invalid` was never reached']);
      assert.deepEqual(r.faults, [{ fault: 'unavailable', target: 'registry.invalid', reached: false }]);
    });

    it('the CLI, as a real process, on the example with a flag variant that does not exist: FAIL, exit 1, recorded as a failed drill', async () => {
      const dir = exampleCopy((t) => t.replace('name: iris-v2, variant: "off"', 'name: iris-v2, variant: "nope"'));
      const out = await cliProcess(dir, ['drill', 'iris.runbook.yaml', '--scenario', 'repoint-fails']);
      assert.equal(out.code, 1, out.stderr);
      const lines = out.stdout.trimEnd().split('\n');
      assert.ok(lines.includes('  ✗ injected failStep `repoint`: never reached'), out.stdout);
      assert.equal(lines.at(-1), 'FAIL: undone — step `flag-off` failed, which the scenario did not inject: flag `iris-v2` has no variant `nope` (it has `on`, `off`); undid nothing; the injected failStep `repoint` was never reached');
      assert.equal(readFileSync(path.join(dir, 'flags.flagd.json'), 'utf8'), readFileSync(path.join(EXAMPLE, 'flags.flagd.json'), 'utf8'), 'the flag file is as it was');
      const records = (await readAuditLog(dir)).entries.map((x) => x.record);
      assert.deepEqual(records.map((x) => [x.kind, x.verdict, x.outcome]), [['approval', 'approved', undefined], ['drill', 'fail', 'undone']]);
    });
  });

  /** A runbook whose one mutating step is `step` (indented as a list item of steps). */
  const fieldsRunbook = (step: string) => `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: fields, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
metrics: { file: metrics.json }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
steps:
${step}
drills:
  every: 90d
  scenarios:
    - { id: go, inject: { metrics: { p99_latency_ms: 400 } }, approvals: auto }
`;
  const fieldsSandbox = (step: string): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-fields-'));
    writeFileSync(path.join(dir, 'metrics.json'), '{"p99_latency_ms": 120}');
    writeFileSync(path.join(dir, 'f.runbook.yaml'), fieldsRunbook(step));
    return dir;
  };

  describe('step fields retries, retryDelay, cwd and env', () => {
    // fails until it has been tried `n` times (counted in a file)
    const flaky = (file: string, n: number) => `n=$(cat ${file} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${file}; [ $n -ge ${n} ]`;

    it('retries: a failing run is tried again after retryDelay, up to retries more times', async () => {
      const dir = fieldsSandbox(`  - id: move
    run: ${flaky('tries', 3)}
    undo: rm -f tries
    retries: 2
    retryDelay: 300ms
    timeout: 10s`);
      const r = await drill(path.join(dir, 'f.runbook.yaml'), { workspace: dir, scenario: 'go' });
      assert.equal(r.verdict, 'pass', r.reason);
      const move = r.steps.find((s) => s.id === 'move')!;
      assert.deepEqual([move.outcome, move.message], ['done', 'succeeded on try 3 of 3']);
      assert.ok(move.durationMs >= 600, `two waits of 300ms: ${move.durationMs}`);
      assert.equal(readFileSync(path.join(dir, 'tries'), 'utf8'), '3\n');
    });

    it('retries: when every try fails, the step fails and says how many tries it made', async () => {
      const dir = fieldsSandbox(`  - id: move
    run: ${flaky('tries', 5)}
    undo: rm -f tries
    retries: 1
    retryDelay: 10ms`);
      const r = await drill(path.join(dir, 'f.runbook.yaml'), { workspace: dir, scenario: 'go' });
      const move = r.steps.find((s) => s.id === 'move')!;
      assert.deepEqual([move.outcome, move.message], ['failed', `\`${flaky('tries', 5)}\` exited with code 1 (2 tries)`]);
      assert.equal(readFileSync(path.join(dir, 'tries'), 'utf8'), '2\n');
    });

    it('retries: the dry-run tries a failing dryRun again the same way', async () => {
      const dir = fieldsSandbox(`  - id: move
    run: echo moved > moved.txt
    dryRun: ${flaky('dry-tries', 2)}
    undo: rm -f moved.txt
    retries: 1
    retryDelay: 10ms`);
      const r = await dryRun(path.join(dir, 'f.runbook.yaml'), { workspace: dir });
      assert.equal(r.steps.find((s) => s.id === 'move')!.outcome, 'ran', JSON.stringify(r.findings));
      assert.equal(readFileSync(path.join(dir, 'dry-tries'), 'utf8'), '2\n');
    });

    it('cwd and env reach every command of the step: run, undo, check in the drill; dryRun and check in the dry-run', async () => {
      const dir = fieldsSandbox(`  - id: move
    cwd: sub
    env: { GREETING: hi, ROLLBACK_LENS_DRILL: "0", ROLLBACK_LENS_DRY_RUN: "0" }
    run: echo "run $GREETING $ROLLBACK_LENS_DRILL $(pwd)" >> seen.txt
    dryRun: echo "dry-run $GREETING $ROLLBACK_LENS_DRY_RUN $(pwd)"
    undo: echo "undo $GREETING $(pwd)" >> seen.txt
    check: echo "check $GREETING $(pwd)" >> seen.txt
  - id: fail
    run: exit 1
    undo: "true"
    requires: [move]`);
      const { mkdirSync, realpathSync } = await import('node:fs');
      mkdirSync(path.join(dir, 'sub'));
      const sub = realpathSync(path.join(dir, 'sub'));
      const d = await dryRun(path.join(dir, 'f.runbook.yaml'), { workspace: dir });
      assert.equal(d.steps.find((s) => s.id === 'move')!.output, `dry-run hi 1 ${sub}`, 'the dry-run marker cannot be switched off by a step');
      assert.equal(readFileSync(path.join(sub, 'seen.txt'), 'utf8'), `check hi ${sub}\n`);
      const r = await drill(path.join(dir, 'f.runbook.yaml'), { workspace: dir, scenario: 'go', verifyIdempotent: false });
      assert.deepEqual(r.restored, ['move']);
      assert.equal(readFileSync(path.join(sub, 'seen.txt'), 'utf8'), `check hi ${sub}\nrun hi 1 ${sub}\nundo hi ${sub}\n`, 'nor the drill marker');
    });

    it('a cwd outside the workspace: the drill refuses before running anything, with the place; the dry-run runs nothing there', async () => {
      const dir = fieldsSandbox(`  - id: first
    run: echo ran > first.txt
    undo: rm -f first.txt
  - id: move
    cwd: ../..
    run: echo ran > escaped.txt
    dryRun: echo would
    undo: "true"
    requires: [first]`);
      await assert.rejects(drill(path.join(dir, 'f.runbook.yaml'), { workspace: dir, scenario: 'go' }), { message: 'f.runbook.yaml:17:5: step `move`: cwd `../..` is outside the workspace' });
      assert.equal(existsSync(path.join(dir, 'first.txt')), false, 'nothing ran');
      const d = await dryRun(path.join(dir, 'f.runbook.yaml'), { workspace: dir });
      assert.deepEqual(
        d.findings.filter((f) => f.code === 'dry-run-failed').map((f) => `${f.line}:${f.column} ${f.message}`),
        ['19:5 step `move`: `echo would` could not start: cwd `../..` is outside the workspace'],
      );
      const missing = fieldsSandbox(`  - id: move
    cwd: nowhere
    run: echo ran
    undo: "true"`);
      await assert.rejects(drill(path.join(missing, 'f.runbook.yaml'), { workspace: missing, scenario: 'go' }), { message: 'f.runbook.yaml:14:5: step `move`: cwd `nowhere` is not a folder in the workspace' });
    });
  });

  describe('flag undo is byte-identical', () => {
    const COMPACT = '{"flags":{"iris-v2":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}}}';
    const HAND = '{\r\n\t"$schema" : "https://flagd.dev/schema/v0/flags.json",\r\n\t"flags" : {\r\n\t\t"iris-v2" : { "defaultVariant" :   "on" ,\r\n\t\t\t"variants" : { "on" : true, "off" : false },\r\n\t\t\t"state" : "ENABLED", "metadata": { "owner": "caf\\u00e9" } }  \r\n\t}\r\n}   \r\n';
    const withFlags = (text: string): string => {
      const dir = sandbox();
      writeFileSync(path.join(dir, 'flags.json'), text);
      return dir;
    };

    for (const [name, text] of [['a compact file', COMPACT], ['a hand-formatted file (tabs, CRLF, odd spacing, key order, escapes)', HAND]] as const) {
      it(`${name}: the step changes only the defaultVariant value's bytes, the undo restores every byte`, async () => {
        let dir = withFlags(text);
        const done = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
        assert.equal(done.verdict, 'pass', done.reason);
        assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), text.replace(/("defaultVariant"\s*:\s*)"on"/, '$1"off"'));
        dir = withFlags(text);
        const undone = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'pin-fails' });
        assert.deepEqual([undone.verdict, undone.outcome], ['pass', 'undone'], undone.reason);
        assert.ok(readFileSync(path.join(dir, 'flags.json')).equals(Buffer.from(text)), 'byte-identical after the undo');
        assert.equal(undone.steps.find((s) => s.id === 'flag-off' && s.kind === 'undo')!.message, 'restored flags.json byte for byte');
      });
    }

    it('a file changed by someone else since the step: the undo sets back only the one variant, in place, and says so', async () => {
      const dir = withFlags(HAND);
      // repoint also edits the flag file (another flag's state), and its undo leaves that alone
      writeFileSync(path.join(dir, 'r.runbook.yaml'), runbook(port).replace('run: echo 1.4.2 > alias.txt', "run: sed -i 's/ENABLED/DISABLED/' flags.json && echo 1.4.2 > alias.txt"));
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'pin-fails' });
      assert.deepEqual([r.verdict, r.outcome], ['pass', 'undone'], r.reason);
      assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), HAND.replace('ENABLED', 'DISABLED'));
      assert.equal(r.steps.find((s) => s.id === 'flag-off' && s.kind === 'undo')!.message, 'flags.json was changed since the step: set flags.iris-v2.defaultVariant back to "on" in place, the rest left as found');
    });

    it('a flag without a defaultVariant: the drill adds it and the undo removes it byte for byte; the dry-run describes the same edit', async () => {
      const text = '{"flags": {"iris-v2": {"state": "ENABLED", "variants": {"on": true, "off": false}}}}\n';
      let dir = withFlags(text);
      const dry = await dryRun(path.join(dir, 'r.runbook.yaml'), { workspace: dir });
      assert.equal(dry.steps.find((s) => s.id === 'flag-off')!.action, 'would change flags.json: flags.iris-v2.defaultVariant (not set) → "off" (added)');
      const done = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
      assert.equal(done.steps.find((s) => s.id === 'flag-off')!.message, 'iris-v2: (not set) → off');
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'flags.json'), 'utf8')).flags['iris-v2'].defaultVariant, 'off');
      dir = withFlags(text);
      await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'pin-fails' });
      assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), text);
    });

    it('a flag whose defaultVariant is written twice is refused by the dry-run and the drill alike; the file is left untouched', async () => {
      const text = '{"flags": {"iris-v2": {"defaultVariant": "off", "state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"}}}\n';
      const dir = withFlags(text);
      const dry = await dryRun(path.join(dir, 'r.runbook.yaml'), { workspace: dir });
      const why = 'flag `iris-v2` has `defaultVariant` twice in `flags.json`; left untouched';
      assert.deepEqual(dry.findings.filter((f) => f.code === 'flag-invalid').map((f) => f.message), [`step \`flag-off\`: ${why}`]);
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
      assert.equal(r.steps.find((s) => s.id === 'flag-off')!.message, why);
      assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), text);
    });
  });

  it('no trigger fires: the drill stops before doing anything', async () => {
    const dir = sandbox();
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'quiet' });
    assert.deepEqual([r.verdict, r.outcome, r.reason, r.steps.length], ['fail', 'aborted', 'no trigger fired, so the rollback would not start', 0]);
    assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), FLAGS);
  });

  describe('--verify-idempotent proves what it says', () => {
    const verify = async (dir: string, file = 'f.runbook.yaml', extra: Partial<Parameters<typeof drill>[1]> = {}) => drill(path.join(dir, file), { workspace: dir, scenario: 'go', verifyIdempotent: true, ...extra });
    const stepOf = (r: Awaited<ReturnType<typeof drill>>, id: string) => r.steps.find((s) => s.id === id && s.kind !== 'undo')!;

    it('`echo x >> log.txt`: not idempotent and not reversible, naming the file', async () => {
      const dir = fieldsSandbox(`  - id: log
    run: echo x >> log.txt
    undo: sed -i '$ d' log.txt`);
      const r = await verify(dir);
      assert.deepEqual([stepOf(r, 'log').outcome, stepOf(r, 'log').message], ['failed', 'not idempotent: after a second do, log.txt differs from after the first do; not reversible: after the undo, log.txt exists (not before the do)']);
      assert.equal(r.verdict, 'fail');
    });

    it('a counter: not idempotent and not reversible, naming the file and the check output', async () => {
      const dir = fieldsSandbox(`  - id: count
    run: n=$(cat n); echo $((n+1)) > n
    undo: n=$(cat n); echo $((n-1)) > n
    check: cat n`);
      writeFileSync(path.join(dir, 'n'), '0\n');
      const r = await verify(dir);
      assert.equal(
        stepOf(r, 'count').message,
        'not idempotent: after a second do, `cat n` shows "2" (after the first do "1"), n differs from after the first do; not reversible: after the undo, `cat n` shows "1" (before the do "0"), n differs from before the do',
      );
      assert.equal(r.verdict, 'fail');
    });

    it('an undo that writes the wrong previous value: idempotent but not reversible', async () => {
      const dir = fieldsSandbox(`  - id: repoint
    run: echo 1.4.2 > alias.txt
    undo: echo 9.9.9 > alias.txt
    check: cat alias.txt`);
      writeFileSync(path.join(dir, 'alias.txt'), '2.0.0\n');
      const r = await verify(dir);
      assert.equal(stepOf(r, 'repoint').message, 'not reversible: after the undo, `cat alias.txt` shows "9.9.9" (before the do "2.0.0"), alias.txt differs from before the do');
      assert.equal(r.verdict, 'fail');
    });

    it('idempotent and reversible run, flag and http steps: each says what the do changed and what was observed; the drill goes on with every step done', async () => {
      const dir = sandbox();
      writeFileSync(path.join(dir, 'alias.txt'), '2.0.0\n');
      writeFileSync(
        path.join(dir, 'r.runbook.yaml'),
        runbook(port)
          .replace('run: echo 1.4.2 > alias.txt && echo repoint >> log.txt', 'run: echo 1.4.2 > alias.txt')
          .replace('undo: echo 2.0.0 > alias.txt && echo undo-repoint >> log.txt', 'undo: echo 2.0.0 > alias.txt')
          .replace(/(undo: \{ method: PUT, url: "http:\/\/127\.0\.0\.1:\d+\/pin", body: \{ version: "\{\{current\.version\}\}" \} \})/, `$1\n    check: { method: GET, url: "http://127.0.0.1:${port}/pin" }`),
      );
      pinned = '2.0.0';
      pins.length = 0;
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok', verifyIdempotent: true });
      assert.equal(r.verdict, 'pass', r.reason);
      assert.equal(stepOf(r, 'flag-off').message, 'iris-v2: on → off; idempotent and reversible: the do changed flags.json, a second do changed nothing, the undo restored the state from before the do (observed 4 files)');
      assert.equal(stepOf(r, 'repoint').message, 'idempotent and reversible: the do changed `cat alias.txt`, alias.txt, a second do changed nothing, the undo restored the state from before the do (observed 4 files, `cat alias.txt`)');
      assert.equal(stepOf(r, 'pin').message, `idempotent and reversible: the do changed \`GET http://127.0.0.1:${port}/pin\`, a second do changed nothing, the undo restored the state from before the do (observed 4 files, \`GET http://127.0.0.1:${port}/pin\`)`);
      assert.deepEqual(pins, ['PUT /pin {"version":"1.4.2"}', 'PUT /pin {"version":"1.4.2"}', 'PUT /pin {"version":"2.0.0"}', 'PUT /pin {"version":"1.4.2"}'], 'do, do again, undo, do');
      assert.equal(readFileSync(path.join(dir, 'alias.txt'), 'utf8'), '1.4.2\n');
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'flags.json'), 'utf8')).flags['iris-v2'].defaultVariant, 'off');
    });

    it('a do that changes nothing the drill observes is not verified: FAIL, with what was observed', async () => {
      const outside = mkdtempSync(path.join(tmpdir(), 'rl-outside-'));
      const dir = fieldsSandbox(`  - id: move
    run: echo 1.4.2 > ${outside}/alias
    undo: echo 2.0.0 > ${outside}/alias`);
      const r = await verify(dir);
      assert.equal(stepOf(r, 'move').message, "not verified: the do changed nothing the drill observes (2 files under the runbook's folder, no check); give the step a `check` that shows its effect");
      assert.equal(r.verdict, 'fail');
    });

    it('.git and .rollback-lens are not observed; a bounded walk says where it stopped', async () => {
      const dir = fieldsSandbox(`  - id: repoint
    run: echo 1.4.2 > alias.txt && date +%s%N >> .git/noise && date +%s%N >> .rollback-lens/noise
    undo: rm -f alias.txt`);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(path.join(dir, '.git'));
      mkdirSync(path.join(dir, '.rollback-lens'));
      const r = await verify(dir);
      assert.equal(stepOf(r, 'repoint').message, 'idempotent and reversible: the do changed alias.txt, a second do changed nothing, the undo restored the state from before the do (observed 3 files)');
      // files sort after alias.txt and f.runbook.yaml, so a walk bounded at 2 files still sees the step's file
      for (const name of ['x1', 'x2', 'x3']) writeFileSync(path.join(dir, name), name);
      const { rmSync } = await import('node:fs');
      rmSync(path.join(dir, 'alias.txt'));
      const bounded = await verify(dir, 'f.runbook.yaml', { observeLimits: { maxFiles: 2 } });
      assert.equal(
        stepOf(bounded, 'repoint').message,
        'idempotent and reversible: the do changed alias.txt, a second do changed nothing, the undo restored the state from before the do (observed 2 files; the walk stops at 2 files, so the files after f.runbook.yaml were not compared)',
      );
    });

    it('the CLI, as a real process: --verify-idempotent on a counter prints what differed and exits 1', async () => {
      const dir = fieldsSandbox(`  - id: count
    run: n=$(cat n); echo $((n+1)) > n
    undo: n=$(cat n); echo $((n-1)) > n
    check: cat n`);
      writeFileSync(path.join(dir, 'n'), '0\n');
      const out = await cliProcess(dir, ['drill', 'f.runbook.yaml', '--scenario', 'go', '--verify-idempotent']);
      assert.equal(out.code, 1, out.stderr);
      assert.match(out.stdout, /\n {2}failed {6}count \(run, \d+ms\) — not idempotent: after a second do, `cat n` shows "2" \(after the first do "1"\), n differs from after the first do; not reversible: /);
      assert.equal(readFileSync(path.join(dir, 'n'), 'utf8'), '1\n', 'do, do, undo: the undo ran once and nothing is undone twice (the step is not reversible, so n is not back at 0)');
    });
  });

  it('every answer at an approval gate is in the report: from the scenario with its time, or from a person', async () => {
    const dir = sandbox();
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
    assert.deepEqual(r.approvals, [{ step: 'approve', role: 'decisionMaker', decision: 'approve', by: 'scenario', afterMs: 120_000 }]);
    const asked: string[] = [];
    const rejected = await drill(path.join(dir, 'r.runbook.yaml'), {
      workspace: dir,
      scenario: 'ask',
      ask: async (role, step) => (asked.push(`${step}/${role}`), false),
    });
    assert.deepEqual(asked, ['approve/decisionMaker']);
    assert.deepEqual(rejected.approvals, [{ step: 'approve', role: 'decisionMaker', decision: 'reject', by: 'person' }]);
    assert.deepEqual([rejected.verdict, rejected.outcome, rejected.reason], ['fail', 'undone', 'step `approve` was rejected; undid nothing; the scenario expects the rollback to end restored, it ended undone']);
  });

  describe('cancel', () => {
    const slow = () => runbook(port).replace('run: echo 1.4.2 > alias.txt && echo repoint >> log.txt', 'run: echo 1.4.2 > alias.txt && echo repoint >> log.txt && sleep 30').replace('timeout: 2s\n    requires: [flag-off]', 'timeout: 60s\n    requires: [flag-off]');

    it('cancelling mid-step stops it and undoes every completed step; the drill is cancelled, not passed or failed', async () => {
      const dir = sandbox();
      writeFileSync(path.join(dir, 'r.runbook.yaml'), slow());
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1500);
      const started = Date.now();
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok', signal: controller.signal });
      assert.ok(Date.now() - started < 10_000, 'the cancel stops the sleeping step');
      assert.deepEqual(r.steps.map((s) => `${s.id}:${s.outcome}`), ['approve:approved', 'flag-off:done', 'repoint:cancelled', 'flag-off:undone']);
      assert.deepEqual(r.restored, ['flag-off']);
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'flags.json'), 'utf8')).flags['iris-v2'].defaultVariant, 'on', 'the flag is back');
      assert.deepEqual([r.verdict, r.outcome, r.reason], ['cancelled', 'cancelled', 'the drill was cancelled during step `repoint`; undid flag-off']);
      assert.ok(drillText(r).endsWith('\nCANCELLED — the drill was cancelled during step `repoint`; undid flag-off'), drillText(r));
    });

    it('cancelling while an injected hang waits is a cancel, not the hang passing (the serving-hangs shape)', async () => {
      const dir = sandbox();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 500);
      const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'pin-hangs', signal: controller.signal });
      assert.deepEqual([r.verdict, r.outcome, r.reason], ['cancelled', 'cancelled', 'the drill was cancelled during step `pin`; undid repoint, flag-off']);
      assert.equal(r.steps.find((s) => s.id === 'pin')!.outcome, 'cancelled');
      assert.ok(!r.steps.some((s) => /hung past its timeout/.test(s.message ?? '')), JSON.stringify(r.steps));
      // uncancelled, the same scenario does pass: the hang is reached and everything before it undone
      const other = sandbox();
      const full = await drill(path.join(other, 'r.runbook.yaml'), { workspace: other, scenario: 'pin-hangs' });
      assert.deepEqual([full.verdict, full.outcome], ['pass', 'undone'], full.reason);
    });

    it('the CLI, as a real process: Ctrl+C undoes, prints CANCELLED, exits 1, records a cancelled drill that does not count for drills.every', async () => {
      const dir = sandbox();
      writeFileSync(path.join(dir, 'r.runbook.yaml'), slow());
      const out = await cliProcess(dir, ['drill', 'r.runbook.yaml', '--scenario', 'ok'], (child) => {
        const wait = setInterval(() => {
          try {
            if (readFileSync(path.join(dir, 'log.txt'), 'utf8') === 'repoint\n') {
              clearInterval(wait);
              child.kill('SIGINT');
            }
          } catch {
            // not started yet
          }
        }, 50);
        child.on('close', () => clearInterval(wait));
      });
      assert.equal(out.code, 1, out.stderr);
      assert.equal(out.stdout.trimEnd().split('\n').at(-1), 'CANCELLED — the drill was cancelled during step `repoint`; undid flag-off', out.stdout + out.stderr);
      assert.equal(readFileSync(path.join(dir, 'flags.json'), 'utf8'), FLAGS, 'the flag is back');
      const records = (await readAuditLog(dir)).entries.map((x) => x.record);
      assert.deepEqual(records.map((x) => [x.kind, x.verdict, x.outcome]), [['approval', 'approved', undefined], ['drill', 'cancelled', 'cancelled']]);
      // a record of the runbook from 100 days before the calendar: its cadence started then, and a cancelled drill does not renew it
      const today = calendarClock()();
      await appendAuditRecord(dir, { kind: 'dry-run', path: 'r.runbook.yaml', verdict: 'ready' }, { now: () => today - 100 * 86_400_000 });
      const validate = await runCli(dir, 'validate', 'r.runbook.yaml');
      assert.deepEqual(
        validate.stdout.split('\n').filter((l) => l.includes('drill-overdue')).map((l) => l.replace(/^r\.runbook\.yaml:\d+:\d+: /, '')),
        [`warning drill-overdue no drill of this runbook is recorded in the 100 days since the audit log first saw it (${formatDate(today - 100 * 86_400_000)}); drills are due every 90d`],
        'a cancelled drill is not a rehearsal',
      );
    });
  });

  it('the CLI records each approval, then the drill, in the audit log', async () => {
    const dir = sandbox();
    const out = await runCli(dir, 'drill', 'r.runbook.yaml', '--scenario', 'ok');
    assert.equal(out.code, 0, out.stderr);
    const records = (await readAuditLog(dir)).entries.map((x) => x.record);
    assert.deepEqual(
      records.map((x) => [x.kind, x.path, x.verdict, x.role, x.step, x.by, x.context ?? x.scenario]),
      [
        ['approval', 'r.runbook.yaml', 'approved', 'decisionMaker', 'approve', 'scenario', 'drill ok'],
        ['drill', 'r.runbook.yaml', 'pass', undefined, undefined, undefined, 'ok'],
      ],
    );
    const list = await runCli(dir, 'audit', 'list');
    assert.match(list.stdout, /^\.rollback-lens\/audit\.jsonl:1: \S+ approval r\.runbook\.yaml: approved decisionMaker at step approve \(drill ok\) \(by /);
  });
});
