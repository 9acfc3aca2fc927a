// The editor runs contract tests in a worker thread (src/node/contract/runner.ts
// and contractWorker.ts): the same report as in-process, progress and cancel
// across the thread boundary, and a worker that runs out of heap is an error
// for that run only. The worker is bundled from the current sources first.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { ContractReport } from '../../src/core/contract/report';
import { runContractTests } from '../../src/node/contract/run';
import { runContractTestsInWorker, type ProgressEvent } from '../../src/node/contract/runner';
import { writeBigContract } from '../unit/helpers';

const ROOT = path.resolve(__dirname, '..', '..');

/** A report without what differs between two runs of the same test (times). */
function stable(r: ContractReport): unknown {
  // every run has its own id, which names the outputs it kept
  return JSON.parse(
    JSON.stringify(r, (k, v) => (k === 'durationMs' || k === 'startedAt' || k === 'runId' ? undefined : k === 'current' && typeof v === 'string' ? v.replace(/--r[0-9a-f]{12}\.jsonl$/, '--<run>.jsonl') : v)),
  );
}

describe('contract tests in a worker thread', function () {
  this.timeout(60_000);
  let workerPath: string;
  let dir: string;

  before(async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'rl-cworker-'));
    workerPath = path.join(out, 'contract-worker.js');
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'src/node/contract/worker.ts')],
      outfile: workerPath,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      define: { 'import.meta.url': 'importMetaUrl' },
      inject: [path.join(ROOT, 'src/node/import-meta-url.js')],
    });
    dir = mkdtempSync(path.join(tmpdir(), 'rl-cworker-ws-'));
    cpSync(path.join(ROOT, 'examples/iris'), dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  });

  it('gives the same report as a run in this thread, with progress', async () => {
    const file = path.join(dir, 'iris.contract.yaml');
    const progress: ProgressEvent[] = [];
    const inWorker = await runContractTestsInWorker(workerPath, file, { workspace: dir, onProgress: (e) => progress.push(e) });
    const here = await runContractTests(file, { workspace: dir });
    assert.deepEqual(stable(inWorker), stable(here));
    assert.equal(inWorker.verdict, 'fail');
    assert.equal(inWorker.tests.find((t) => t.testId === 'parity')!.rules.find((r) => r.id === 'probability.abs')!.violations, 20);
    assert.deepEqual(
      progress.filter((e) => e.phase !== 'outputs').map((e) => `${e.testId}:${e.phase}${e.verdict ? `:${e.verdict}` : ''}`),
      ['parity:start', 'parity:done:fail', 'input-edge-cases:start', 'input-edge-cases:done:pass', 'output-labels:start', 'output-labels:done:pass'],
    );
  });

  it('a contract that cannot run is an error with its message', async () => {
    const bad = path.join(dir, 'bad.contract.yaml');
    writeFileSync(bad, 'apiVersion: rollback-lens/v1\nkind: InterfaceContract\nmetadata: [\n');
    const here = await runContractTests(bad, { workspace: dir }).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await assert.rejects(runContractTestsInWorker(workerPath, bad, { workspace: dir }), (e: Error) => e.message === here && here !== 'resolved');
  });

  it('cancel reaches the worker: the hanging model is killed and the run ends', async () => {
    const pidFile = path.join(dir, 'hang.pid');
    writeFileSync(path.join(dir, 'hang.jsonl'), '{"id":"a","x":1}\n{"id":"b","x":2}\n');
    writeFileSync(path.join(dir, 'hang-base.jsonl'), '{"id":"a","x2":2}\n{"id":"b","x2":4}\n');
    writeFileSync(
      path.join(dir, 'hang.contract.yaml'),
      [
        'apiVersion: rollback-lens/v1',
        'kind: InterfaceContract',
        'metadata: { name: hang, version: 1 }',
        'input: { schema: { type: object } }',
        'output: { key: id, schema: { type: object } }',
        `source: { command: "sh ${path.join(ROOT, 'test/fixtures/models/hang.sh')} --grandchild ${pidFile}", timeout: 10m }`,
        'tests:',
        '  - { id: slow, inputs: hang.jsonl, baseline: hang-base.jsonl, tolerance: { x2: { abs: 0 } } }',
        '',
      ].join('\n'),
    );
    const controller = new AbortController();
    const started = Date.now();
    const running = runContractTestsInWorker(workerPath, path.join(dir, 'hang.contract.yaml'), { workspace: dir, signal: controller.signal });
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    controller.abort();
    const report = await running;
    assert.ok(Date.now() - started < 15_000, 'the cancel ended the run');
    assert.equal(report.tests[0]!.verdict, 'error');
    assert.match(report.tests[0]!.reason!, /cancel/);
    // the model's whole process tree is gone (SIGTERM, then SIGKILL after a grace period)
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(grandchild, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, `process ${grandchild} was killed`);
  });

  it('a worker that exhausts its heap fails that run with a clear error; the caller lives on', async () => {
    // 400k baseline rows cannot be indexed in an 8 MB heap
    writeBigContract(dir, 'big', 400_000);
    await assert.rejects(runContractTestsInWorker(workerPath, path.join(dir, 'big.contract.yaml'), { workspace: dir, maxHeapMb: 8 }), /^ContractWorkerStopped: the contract test ran out of memory \(worker heap limit 8 MB\)/);
    const ok = await runContractTestsInWorker(workerPath, path.join(dir, 'big.contract.yaml'), { workspace: dir });
    assert.equal(ok.verdict, 'pass');
    assert.equal(ok.tests[0]!.counts.matched, 400_000);
  });
});
