// Runbook `http` steps on the wire, against a loopback server that follows the
// MLflow model-registry alias API (test/support/mlflowRegistry.ts): a JSON
// body goes out with its Content-Length (not chunked), and a step's
// `capture` reads a value before the step acts, so its undo restores what
// was there (the dry-run performs the read-only capture and shows it).
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { drill } from '../../src/node/runbook/drill';
import { dryRun } from '../../src/node/runbook/dryrun';
import { drillRecords } from '../../src/node/contract/records';
import { rawHeader, startMlflowRegistry, type MlflowRegistry } from '../support/mlflowRegistry';

const ALIAS = '/api/2.0/mlflow/registered-models/alias';

function runbook(url: string, steps: string, scenarios = ''): string {
  return `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: registry-test, owner: ml }
release:
  current: { model: iris, version: "3" }
  target: { model: iris, version: "2" }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
metrics: { file: metrics.json }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
windows: { decide: 15m, restore: 30m }
steps:
${steps.replaceAll('REGISTRY', url)}
drills:
  every: 90d
  scenarios:
    - id: ok
      inject: { metrics: { p99_latency_ms: 400 } }
      approvals: auto
${scenarios}`;
}

function sandbox(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-http-steps-'));
  writeFileSync(path.join(dir, 'metrics.json'), '{"p99_latency_ms": 120}');
  writeFileSync(path.join(dir, 'r.runbook.yaml'), text);
  return dir;
}

describe('http steps on the wire', function () {
  this.timeout(30_000);
  let registry: MlflowRegistry;
  beforeEach(async () => {
    registry = await startMlflowRegistry({ iris: { versions: ['1', '2', '3'], aliases: { champion: '3' } } });
  });
  afterEach(() => registry.close());

  it('a JSON body is sent with its Content-Length and not chunked; the bytes are the body', async () => {
    const dir = sandbox(
      runbook(
        registry.url,
        `  - id: champion
    http: { method: POST, url: "REGISTRY${ALIAS}", body: { name: iris, alias: champion, version: "{{target.version}}" } }
    timeout: 2s`,
      ),
    );
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
    assert.equal(r.verdict, 'pass', r.reason);
    assert.equal(registry.requests.length, 1);
    const sent = registry.requests[0]!;
    const body = '{"name":"iris","alias":"champion","version":"2"}';
    assert.deepEqual([sent.method, sent.url, sent.body.toString('utf8')], ['POST', ALIAS, body]);
    assert.deepEqual(rawHeader(sent, 'content-length'), [String(Buffer.byteLength(body))]);
    assert.deepEqual(rawHeader(sent, 'transfer-encoding'), []);
    assert.deepEqual(rawHeader(sent, 'content-type'), ['application/json']);
    assert.deepEqual(registry.models.iris!.aliases, { champion: '2' });
  });

  it('a non-ASCII body: Content-Length counts bytes, not characters', async () => {
    const dir = sandbox(
      runbook(
        registry.url,
        `  - id: champion
    http: { method: POST, url: "REGISTRY${ALIAS}", body: { name: iris, alias: champion, version: "2", note: "café ☕" } }
    timeout: 2s`,
      ),
    );
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
    assert.equal(r.verdict, 'pass', r.reason);
    const sent = registry.requests[0]!;
    const body = JSON.stringify({ name: 'iris', alias: 'champion', version: '2', note: 'café ☕' });
    assert.equal(body.length, 64);
    assert.deepEqual([rawHeader(sent, 'content-length'), rawHeader(sent, 'transfer-encoding')], [['67'], []]);
    assert.ok(sent.body.equals(Buffer.from(body, 'utf8')));
  });

  const CHAMPION = `  - id: champion
    capture:
      previous:
        http: { method: GET, url: "REGISTRY${ALIAS}?name={{target.model}}&alias=champion" }
        path: "$.model_version.version"
    http: { method: POST, url: "REGISTRY${ALIAS}", body: { name: "{{target.model}}", alias: champion, version: "{{target.version}}" } }
    undo: { method: POST, url: "REGISTRY${ALIAS}", body: { name: "{{target.model}}", alias: champion, version: "{{captured.previous}}" } }
    timeout: 2s
  - id: smoke
    run: "true"
    undo: "true"
    requires: [champion]`;
  const FAILS = `    - id: smoke-fails
      inject: { metrics: { p99_latency_ms: 400 }, failStep: smoke }
      expect: { outcome: undone }
      approvals: auto
`;

  it('a drill captures the alias before it repoints it; the undo puts back the version read at run time (not the runbook\'s current.version)', async () => {
    // the champion is on version 1 in the registry, whatever the runbook believes is current (3)
    registry.models.iris!.aliases.champion = '1';
    const dir = sandbox(runbook(registry.url, CHAMPION, FAILS));
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'smoke-fails' });
    assert.deepEqual([r.verdict, r.outcome, r.reason], ['pass', 'undone', 'step `smoke` failed (injected by the scenario); undid champion']);
    assert.deepEqual(registry.history, ['POST iris champion=2', 'POST iris champion=1']);
    assert.deepEqual(
      registry.requests.map((q) => `${q.method} ${q.url} ${q.body.toString('utf8')}`),
      [`GET ${ALIAS}?name=iris&alias=champion `, `POST ${ALIAS} {"name":"iris","alias":"champion","version":"2"}`, `POST ${ALIAS} {"name":"iris","alias":"champion","version":"1"}`],
    );
    const step = r.steps.find((s) => s.id === 'champion' && s.kind === 'http')!;
    assert.deepEqual([step.outcome, step.message, step.captured], ['done', 'captured previous = "1"', { previous: '1' }]);
    assert.deepEqual(registry.models.iris!.aliases, { champion: '1' });
    // the audit log's drill record keeps what was captured, which the undo put back
    assert.deepEqual(drillRecords('r.runbook.yaml', r).at(-1)!.findings, {
      restored: ['champion'],
      reason: r.reason,
      captured: { champion: { previous: '1' } },
      // the runbook has no verify step: the record says fidelity was not measured, and why
      fidelity: { measured: false, reason: 'the runbook has no verify step (a contract test of the target release against its baseline)', rowsCompared: 0, rowsWithinTolerance: 0, tests: [] },
    });
  });

  it('a capture that cannot be read fails its step before it acts: nothing is sent but the GET, nothing to undo', async () => {
    delete registry.models.iris!.aliases.champion;
    const dir = sandbox(runbook(registry.url, CHAMPION, FAILS));
    const r = await drill(path.join(dir, 'r.runbook.yaml'), { workspace: dir, scenario: 'ok' });
    assert.equal(r.outcome, 'undone');
    const step = r.steps.find((s) => s.id === 'champion')!;
    assert.equal(step.outcome, 'failed');
    assert.equal(step.message, `capture \`previous\`: GET ${registry.url}${ALIAS}?name=iris&alias=champion answered 400: {"error_code":"INVALID_PARAMETER_VALUE","message":"Registered model alias champion not found."}`);
    assert.deepEqual(registry.requests.map((q) => q.method), ['GET']);
    assert.deepEqual(registry.history, []);
  });

  it('the dry-run performs the capture (a GET) and shows the value and the undo it renders; the registry is unchanged', async () => {
    const dir = sandbox(runbook(registry.url, CHAMPION));
    const r = await dryRun(path.join(dir, 'r.runbook.yaml'), { workspace: dir });
    const step = r.steps.find((s) => s.id === 'champion')!;
    assert.equal(
      step.action,
      `would send POST ${registry.url}${ALIAS} {"name":"iris","alias":"champion","version":"2"}; captured previous = "3"; undo would send POST ${registry.url}${ALIAS} {"name":"iris","alias":"champion","version":"3"}`,
    );
    assert.deepEqual(step.captured, { previous: '3' });
    assert.deepEqual(registry.requests.map((q) => q.method), ['GET']);
    assert.deepEqual(registry.history, []);
    assert.deepEqual(r.findings.filter((f) => f.severity === 'error'), []);
  });

  it('the dry-run of a capture the registry refuses: capture-failed at the capture, with the registry\'s answer', async () => {
    const text = runbook(registry.url, CHAMPION.replace('name={{target.model}}', 'name=nope'));
    const dir = sandbox(text);
    const r = await dryRun(path.join(dir, 'r.runbook.yaml'), { workspace: dir });
    const f = r.findings.find((x) => x.code === 'capture-failed')!;
    const at = text.indexOf('previous:');
    assert.deepEqual([r.verdict, f.message, f.span], [
      'not-ready',
      `step \`champion\`: capture \`previous\`: GET ${registry.url}${ALIAS}?name=nope&alias=champion answered 404: {"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Registered Model with name=nope not found"}`,
      { start: at, end: at + 'previous'.length },
    ]);
  });
});

describe('the MLflow registry stand-in validates as MLflow does', function () {
  let registry: MlflowRegistry;
  before(async () => {
    registry = await startMlflowRegistry({ iris: { versions: ['1', '2'], aliases: { champion: '1' } } });
  });
  after(() => registry.close());
  const call = async (method: string, query: string, body?: unknown) => {
    const r = await fetch(`${registry.url}${ALIAS}${query}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return [r.status, await r.json()];
  };

  it('missing name or alias: 400 INVALID_PARAMETER_VALUE; unknown model or version: 404 RESOURCE_DOES_NOT_EXIST', async () => {
    assert.deepEqual(await call('POST', '', { alias: 'champion', version: '1' }), [400, { error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'name'. See the API docs for more information about request parameters." }]);
    assert.deepEqual(await call('GET', '?name=iris'), [400, { error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'alias'. See the API docs for more information about request parameters." }]);
    assert.deepEqual(await call('POST', '', { name: 'nope', alias: 'champion', version: '1' }), [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=nope not found' }]);
    assert.deepEqual(await call('POST', '', { name: 'iris', alias: 'champion', version: '9' }), [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Model Version (name=iris, version=9) not found' }]);
  });

  it('set, get and delete an alias', async () => {
    assert.deepEqual(await call('POST', '', { name: 'iris', alias: 'champion', version: '2' }), [200, {}]);
    const [status, got] = await call('GET', '?name=iris&alias=champion');
    assert.deepEqual([status, (got as { model_version: { name: string; version: string; aliases: string[] } }).model_version], [200, { name: 'iris', version: '2', creation_timestamp: 1700000000000, last_updated_timestamp: 1700000000000, current_stage: 'None', description: '', source: 'models:/iris/2', run_id: '', status: 'READY', aliases: ['champion'] }]);
    assert.deepEqual(await call('DELETE', '?name=iris&alias=champion'), [200, {}]);
    assert.deepEqual(registry.models.iris!.aliases, {});
  });
});
