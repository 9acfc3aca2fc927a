// The policy rules a runbook waives are recorded with each run: the CLI as a
// real process dry-runs, drills and rolls back a copy of the iris example
// whose `waivers:` waive two rules (one more waiver gives no reason and is
// left out), and the dry-run, drill and rollback records of the audit log
// carry `waivers: [{ rule, reason }]` exactly; a runbook without waivers gets
// no such field. The steps run for real as in rollback-cli.test.ts (the pin
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

  function example(waivers: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-policy-records-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
    const runbook = path.join(dir, 'iris.runbook.yaml');
    let text = readFileSync(runbook, 'utf8').split(PIN_URL).join(`http://127.0.0.1:${port}/admin/models/iris-classifier/pin`);
    text = text.replace('ALIAS_STORE: /tmp/iris-drill-registry', 'ALIAS_STORE: .registry-drill');
    writeFileSync(runbook, text + waivers);
    const contract = path.join(dir, 'iris.contract.yaml');
    writeFileSync(contract, readFileSync(contract, 'utf8').replace('command: node model/predict.mjs --model model/v2.json', 'command: node model/predict.mjs --model model/v1.json'));
    const metrics = path.join(dir, 'metrics', 'now.json');
    writeFileSync(metrics, readFileSync(metrics, 'utf8').replace('"p99_latency_ms": 182', '"p99_latency_ms": 400'));
    return dir;
  }

  async function run(dir: string): Promise<Array<Record<string, unknown>>> {
    process.env.IRIS_INCIDENT_WEBHOOK = `http://127.0.0.1:${port}/hook`;
    try {
      // with the waiver that gives no reason the dry-run is NOT READY (an error of the runbook), and recorded all the same
      await spawnCliProcess(dir, ['dry-run', 'iris.runbook.yaml']);
      const drill = await spawnCliProcess(dir, ['drill', 'iris.runbook.yaml', '--scenario', 'latency-spike']);
      assert.equal(drill.code, 0, drill.stdout + drill.stderr);
      const rollback = await spawnCliProcess(dir, ['rollback', 'iris.runbook.yaml', '--approve', 'decisionMaker=Ana Lima', '--force', 'rehearsing the policy record']);
      assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    } finally {
      delete process.env.IRIS_INCIDENT_WEBHOOK;
    }
    return (await readAuditLog(dir)).entries.map((e) => e.record).filter((r) => r.kind !== 'approval');
  }

  it('each record carries the waivers that give a reason; the one without a reason is left out', async () => {
    const records = await run(example(WAIVERS));
    assert.deepEqual(
      records.map((r) => [r.kind, r.waivers]),
      [
        ['dry-run', RECORDED],
        ['drill', RECORDED],
        ['rollback', RECORDED],
      ],
    );
    // the dry-run judged the reasonless waiver an error of the runbook
    assert.deepEqual((records[0]!.findings as { codes: string[] }).codes, ['policy-waiver-without-reason']);
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
