// The policy rules a runbook waives are recorded with each run: the CLI as a
// real process dry-runs, drills and rolls back a copy of the iris example
// whose `waivers:` waive two rules (one more waiver gives no reason and is
// left out), and the dry-run, drill and rollback records of the audit log
// carry `waivers: [{ rule, reason }]` exactly; a runbook without waivers gets
// no such field. A policy finding is a warning of the dry-run, so it never
// makes a rollback refuse. The steps run for real as in rollback-cli.test.ts (the pin
// request to a loopback server, the contract serving 1.4.2 so verify passes).
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readAuditLog } from '../../src/node/audit';
import { spawnCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const PIN_URL = 'http://iris-serving.ml.svc:8080/admin/models/iris-classifier/pin';
const WAIVERS = `
waivers:
  - rule: max-drill-cadence
    reason: Quarterly drills agreed with governance until the staging cluster exists (GOV-12).
  - rule: required-signoff-roles
    reason: The technical lead signs the change ticket instead.
  - rule: min-roles
`;
const RECORDED = [
  { rule: 'max-drill-cadence', reason: 'Quarterly drills agreed with governance until the staging cluster exists (GOV-12).' },
  { rule: 'required-signoff-roles', reason: 'The technical lead signs the change ticket instead.' },
];

describe('policy waivers on dry-run, drill and rollback records (the CLI as a real process)', function () {
  this.timeout(120_000);
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  /** A copy of the example, its runbook ending in `waivers`, the strict example policy beside it when `policy`. */
  function example(waivers: string, policy = false): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-policy-records-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
    const runbook = path.join(dir, 'iris.runbook.yaml');
    let text = readFileSync(runbook, 'utf8').split(PIN_URL).join(`http://127.0.0.1:${port}/admin/models/iris-classifier/pin`);
    text = text.replace('ALIAS_STORE: /tmp/iris-drill-registry', 'ALIAS_STORE: .registry-drill');
    writeFileSync(runbook, text + waivers);
    if (policy) cpSync(path.resolve(EXAMPLE, '..', 'policies', 'strict.policy.yaml'), path.join(dir, 'team.policy.yaml'));
    const contract = path.join(dir, 'iris.contract.yaml');
    writeFileSync(contract, readFileSync(contract, 'utf8').replace('command: node model/predict.mjs --model model/v2.json', 'command: node model/predict.mjs --model model/v1.json'));
    const metrics = path.join(dir, 'metrics', 'now.json');
    writeFileSync(metrics, readFileSync(metrics, 'utf8').replace('"p99_latency_ms": 182', '"p99_latency_ms": 400'));
    return dir;
  }

  let dryOut = '';
  async function run(dir: string): Promise<Array<Record<string, unknown>>> {
    process.env.IRIS_INCIDENT_WEBHOOK = `http://127.0.0.1:${port}/hook`;
    try {
      // a policy finding (here the waiver that gives no reason) is a warning of the dry-run: READY, and no rollback needs --force for it
      const dry = await spawnCliProcess(dir, ['dry-run', 'iris.runbook.yaml']);
      assert.equal(dry.code, 0, dry.stdout + dry.stderr);
      dryOut = dry.stdout;
      const drill = await spawnCliProcess(dir, ['drill', 'iris.runbook.yaml', '--scenario', 'latency-spike']);
      assert.equal(drill.code, 0, drill.stdout + drill.stderr);
      const rollback = await spawnCliProcess(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana Lima']);
      assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    } finally {
      delete process.env.IRIS_INCIDENT_WEBHOOK;
    }
    return (await readAuditLog(dir)).entries.map((e) => e.record).filter((r) => r.kind !== 'approval');
  }

  it('each record carries the waivers that give a reason; the one without a reason is left out', async () => {
    // the strict policy applies (nearest *.policy.yaml): the two waived rules are notes, the reasonless waiver a warning of the dry-run
    const records = await run(example(WAIVERS, true));
    assert.deepEqual(
      records.map((r) => [r.kind, r.waivers]),
      [
        ['dry-run', RECORDED],
        ['drill', RECORDED],
        ['rollback', RECORDED],
      ],
    );
    // the policy applied: the waived rules are notes of the dry-run, naming their reasons
    const notes = dryOut.split('\n').filter((l) => / info (max-drill-cadence|required-signoff-roles) /.test(l));
    assert.equal(notes.length, 2, dryOut);
    assert.match(notes[0]!, /info required-signoff-roles waived policy rule `required-signoff-roles` of `ml-platform-strict` \(team\.policy\.yaml\): .*; reason: The technical lead signs the change ticket instead\.$/);
    // the dry-run reported the reasonless waiver as a warning: READY
    assert.deepEqual([records[0]!.verdict, records[0]!.findings], ['ready', { errors: 0, warnings: 1, codes: [] }]);
  });

  it('a runbook without waivers: no waivers field', async () => {
    const records = await run(example(''));
    assert.deepEqual(
      records.map((r) => [r.kind, 'waivers' in r]),
      [
        ['dry-run', false],
        ['drill', false],
        ['rollback', false],
      ],
    );
  });
});
