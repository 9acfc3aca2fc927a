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
import { rawHeader, startMlflowRegistry, type MlflowRegistry } from '../support/mlflowRegistry';

const ALIAS = '/api/2.0/mlflow/registered-models/alias';

function runbook(url: string, steps: string, scenarios = ''): string {
  return `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: registry-test, owner: ml }
release:
  current: { model: iris, version: "3" }
  target: { model: iris, version: "2" }
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
});
