// Characterisation of the dry-run and the drill: the full JSON report of a
// dry-run and of drills of the example runbook (examples/iris, in a copy)
// compared with what was recorded in test/fixtures/runbook-golden/, so a
// refactor of how the step kinds are run provably changes no output. The copy
// keeps its alias store in its own folder and its serving endpoint on a
// loopback server of this test; a second copy is broken in ten ways so that
// every kind of dry-run finding, with its place, is pinned too. What depends
// on the clock or the machine is removed before the comparison, and only that:
// durations (durationMs, timings, an expectation's actualMs, a drill's detect
// evaluation, a message's atMs), the server's
// port and the temporary folder. A missing or different recording fails, and
// the test says where (in a temporary folder) it wrote what it got.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const GOLDEN = path.resolve(__dirname, '..', 'fixtures', 'runbook-golden');
/** Where a run that does not match writes what it got, for review (outside the repository). */
const ACTUAL = mkdtempSync(path.join(tmpdir(), 'rl-golden-actual-'));

/** `text` with `from` replaced by `to`, which must occur exactly once (so an edit of the example cannot silently miss). */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `the example must contain \`${from}\` exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** A copy of examples/iris with its runbook edited; the drill's alias store inside the copy, the serving endpoint on `port`. */
function example(port: number, edits: Array<[string, string]> = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-golden-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  const file = path.join(dir, 'iris.runbook.yaml');
  let text = readFileSync(file, 'utf8');
  text = edit(text, 'ALIAS_STORE: /tmp/iris-drill-registry', 'ALIAS_STORE: .registry-drill');
  text = text.split('http://iris-serving.ml.svc:8080').join(`http://127.0.0.1:${port}`);
  for (const [from, to] of edits) text = edit(text, from, to);
  writeFileSync(file, text);
  return dir;
}

/** The report without what depends on the clock, the port or the folder. */
function stable(report: unknown, port: number, dir: string): unknown {
  // a drill's detect: its trigger and simulated for: window stay, the measured evaluation goes
  const drop = new Set(['durationMs', 'actualMs', 'evaluationMs', 'atMs']);
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return v.split(String(port)).join('PORT').split(dir).join('DIR');
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      if (key === 'timings') return Object.fromEntries(Object.keys(v).map((k) => [k, 'ms']));
      if (key === 'detect' && 'evaluationMs' in v) return { ...(walk(v) as object), ms: 'ms' };
      return Object.fromEntries(Object.entries(v).filter(([k]) => !drop.has(k)).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(report);
}

function matchesRecording(name: string, got: unknown): void {
  const file = path.join(GOLDEN, `${name}.json`);
  const actual = path.join(ACTUAL, `${name}.json`);
  const text = JSON.stringify(got, null, 2) + '\n';
  const recorded = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (recorded !== text) writeFileSync(actual, text);
  assert.ok(recorded !== undefined, `no recording ${path.relative(process.cwd(), file)}; what this run got is in ${actual}`);
  assert.deepEqual(got, JSON.parse(recorded), `differs from ${path.relative(process.cwd(), file)}; what this run got is in ${actual}`);
}

/** The ten ways the broken copy is broken: one dry-run finding (or more) each. */
const BROKEN: Array<[string, string]> = [
  ['  - id: unknown-label\n', '  - id: ghost\n    metric: ghost_metric\n    when: "> 1"\n  - id: unknown-label\n'], // trigger-no-data
  ['    approve: [decisionMaker]\n    owner: decisionMaker\n    timeout: 10m', '    approve: [decisionMaker]\n    owner: decisionMaker\n    timeout: 20m'], // decide-window-exceeded
  ['notify: { audience: internal }', 'notify: { audience: partners }'], // no-template
  ['variant: "off" }\n    check: test -w flags.flagd.json', 'variant: "dark" }\n    check: test -w no-such-file'], // flag-invalid, check-failed
  ['dryRun: ./scripts/set-alias.sh --dry-run iris champion 1.4.2', 'dryRun: echo registry unreachable >&2; exit 3'], // dry-run-failed
  ['  - id: announce-done\n', '  - id: warm-cache\n    run: echo warm\n    undo: echo cold\n    requires: [verify]\n  - id: announce-done\n'], // no-dry-run
  ['    contract: iris.contract.yaml\n\nroles:', '    contract: gone.contract.yaml\n\nroles:'], // contract-unreadable
  ['dataSteward: { name: Data steward, contact: "#data", description', 'dataSteward: { name: Data steward, description'], // role-without-contact
  ['preserve: [locale, consent]', 'preserve: [locale, consent, nickname]'], // state-preserve-missing, state-preserve-dropped
  ['  - id: flag-off\n', '  - id: flag-twin\n    flag: { file: ../../outside.flagd.json, name: iris-v2, variant: "off" }\n    requires: [approve]\n  - id: flag-off\n'], // file-outside-workspace
];

describe('dry-run and drill reports of examples/iris (characterisation)', function () {
  this.timeout(120_000);
  let server: http.Server;
  let port: number;
  /** The body of the last PUT to the serving endpoint (it starts pinned to 2.0.0); every answer shows it. */
  const PINNED_AT_START = JSON.stringify({ version: '2.0.0' });
  let pinned = PINNED_AT_START;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        if (req.method === 'PUT') pinned = body;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pinned }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    pinned = PINNED_AT_START;
  });

  it('dry-run: ready, every phase, every step', async () => {
    const dir = example(port);
    const r = await runCli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json', '--workspace', dir);
    assert.equal(r.code, 0, r.stderr);
    matchesRecording('dry-run', stable(JSON.parse(r.stdout), port, dir));
  });

  it('dry-run of a runbook broken in ten ways: every finding, with its place', async () => {
    const dir = example(port, BROKEN);
    const r = await runCli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json', '--workspace', dir);
    assert.equal(r.code, 1, r.stderr);
    matchesRecording('dry-run-broken', stable(JSON.parse(r.stdout), port, dir));
  });

  /** Every scenario of the example (the serving endpoint given a 2s timeout, so a hang lasts 2s rather than 2m) and two --verify-idempotent runs. */
  const DRILLS: Array<{ name: string; scenario: string; code: number; idempotent?: boolean; edits?: Array<[string, string]>; setup?: (dir: string) => void }> = [
    // the served 2.0.0 fails the parity test, so the drill undoes everything
    { name: 'drill-latency-spike', scenario: 'latency-spike', code: 1 },
    // the alias store starts empty, so the undo of repoint leaves an alias that was not there: not reversible
    { name: 'drill-latency-spike-idempotent', scenario: 'latency-spike', code: 1, idempotent: true },
    {
      // the store starts at 2.0.0, the contract serves 1.4.2 and the pin has a check: every mutating kind is verified, the verify passes
      name: 'drill-latency-spike-idempotent-restored',
      scenario: 'latency-spike',
      code: 0,
      idempotent: true,
      edits: [['    requires: [repoint]\n    owner: sre\n', '    requires: [repoint]\n    check: { method: GET, url: "http://127.0.0.1:PORT/admin/models/iris-classifier/pin" }\n    owner: sre\n']],
      setup: (dir) => {
        mkdirSync(path.join(dir, '.registry-drill', 'iris'), { recursive: true });
        writeFileSync(path.join(dir, '.registry-drill', 'iris', 'champion'), '2.0.0\n');
        const contract = path.join(dir, 'iris.contract.yaml');
        writeFileSync(contract, edit(readFileSync(contract, 'utf8'), 'command: node model/predict.mjs --model model/v2.json', 'command: node model/predict.mjs --model model/v1.json'));
      },
    },
    { name: 'drill-repoint-fails', scenario: 'repoint-fails', code: 0 },
    // the example leaves this gate to a person at a terminal
    { name: 'drill-serving-hangs', scenario: 'serving-hangs', code: 0, edits: [['restoreWithin: 15m, outcome: undone }\n', 'restoreWithin: 15m, outcome: undone }\n      approvals: auto\n']] },
  ];
  for (const d of DRILLS) {
    it(d.name, async () => {
      const edits: Array<[string, string]> = [['    requires: [repoint]\n    owner: sre\n    timeout: 2m', '    requires: [repoint]\n    owner: sre\n    timeout: 2s'], ...(d.edits ?? [])];
      const dir = example(port, edits.map(([a, b]) => [a, b.split('PORT').join(String(port))]));
      d.setup?.(dir);
      const r = await runCli(dir, 'drill', 'iris.runbook.yaml', '--scenario', d.scenario, '--format', 'json', '--workspace', dir, ...(d.idempotent ? ['--verify-idempotent'] : []));
      assert.equal(r.code, d.code, r.stdout + r.stderr);
      matchesRecording(d.name, stable(JSON.parse(r.stdout), port, dir));
    });
  }
});
