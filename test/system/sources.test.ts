// The output sources against real processes and a real HTTP server on
// 127.0.0.1: well-behaved and misbehaving models (hanging, failing half-way,
// printing garbage or 10 MiB on one line, leaving a grandchild behind),
// cancellation, batching; an endpoint that fails, hangs, drops the connection,
// and one that counts its concurrent requests. Every message is asserted in full.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { sha256File } from '../../src/node/jsonl';
import { liveMembers, obtainOutputs, SourceError, writeOutputs, type ObtainOptions, type OutputRow, type SourceSpec } from '../../src/node/sources';

const MODEL = path.resolve(__dirname, '../fixtures/models/model.mjs');
const NODE = JSON.stringify(process.execPath);
const HANG = path.resolve(__dirname, '../fixtures/models/hang.sh');
const model = (flags = ''): string => `${NODE} ${JSON.stringify(MODEL)}${flags ? ` ${flags}` : ''}`;
const hang = (flags = ''): string => `sh ${JSON.stringify(HANG)}${flags ? ` ${flags}` : ''}`;
/** Short limits so that the failure tests are fast. */
const FAST: Partial<ObtainOptions> = { timeoutMs: 300, killGraceMs: 100 };

// five records, a blank line 2: the k-th output answers input line 1, 3, 4, 5, 6
const INPUTS = ['{"id":"a","x":1}', '', '{"id":"b","x":2}', '{"id":"c","x":3}', '{"id":"d","x":4}', '{"id":"e","x":5}'].join('\n') + '\n';
const INPUT_LINES = [1, 3, 4, 5, 6];

async function collect(source: SourceSpec, options: ObtainOptions): Promise<OutputRow[]> {
  const rows: OutputRow[] = [];
  for await (const r of obtainOutputs(source, options)) rows.push(r);
  return rows;
}

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SourceError, `expected a SourceError, got ${(e as Error)?.stack ?? String(e)}`);
    return e;
  }
  assert.fail('expected a SourceError, but it succeeded');
}

/** Running, and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sources: command', function () {
  this.timeout(15000);
  let dir: string;
  /** Process groups the tests killed; at the end, each must be gone for kill(-pgid, 0). */
  const killed: number[] = [];
  const opts = (o: Partial<ObtainOptions> = {}): ObtainOptions => ({ cwd: dir, inputsFile: 'inputs.jsonl', ...o });

  /** The error's process group has no live process left (zombies awaiting init's reaping do not count). */
  async function assertGroupGone(e: SourceError): Promise<void> {
    assert.ok(e.pgid && e.pgid > 1, 'the error carries the process group id');
    assert.deepEqual(await liveMembers(e.pgid), []);
    killed.push(e.pgid);
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-sources-'));
    fs.writeFileSync(path.join(dir, 'inputs.jsonl'), INPUTS);
    fs.mkdirSync(path.join(dir, 'sub'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('streams the inputs through one run; rows in order, with output and input line numbers and the parsed value', async () => {
    const rows = await collect({ command: model() }, opts());
    assert.deepEqual(
      rows.map((r) => ({ line: r.line, inputLine: r.inputLine, id: r.value.id, x2: r.value.x2 })),
      ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ line: i + 1, inputLine: INPUT_LINES[i], id, x2: 2 * (i + 1) })),
    );
    assert.equal(rows[0]!.text, JSON.stringify(rows[0]!.value));
    assert.equal(new Set(rows.map((r) => r.value.pid)).size, 1);
  });

  it('the seed reaches the model as ROLLBACK_LENS_SEED and through {{seed}}; options.seed overrides the contract', async () => {
    let rows = await collect({ command: model('--seed {{seed}}'), seed: 42 }, opts());
    assert.deepEqual(rows.map((r) => [r.value.seed, r.value.argSeed]), Array(5).fill(['42', '42']));
    rows = await collect({ command: model('--seed {{ seed }}'), seed: 42 }, opts({ seed: 7 }));
    assert.deepEqual(rows[0]!.value.seed, '7');
    assert.deepEqual(rows[0]!.value.argSeed, '7');
    // no seed: the variable is not passed on, even if this process has it
    process.env.ROLLBACK_LENS_SEED = '99';
    try {
      rows = await collect({ command: model() }, opts());
    } finally {
      delete process.env.ROLLBACK_LENS_SEED;
    }
    assert.equal(rows[0]!.value.seed, null);
  });

  it('{{seed}} without a seed is a config error', async () => {
    const e = await failure(collect({ command: model('--seed {{seed}}') }, opts()));
    assert.equal(e.kind, 'config');
    assert.equal(e.message, 'the command uses {{seed}} but the source has no seed');
  });

  it('runs in source.cwd with source.env added', async () => {
    const rows = await collect({ command: 'cat > /dev/null; printf \'{"foo":"%s","dir":"%s"}\\n\' "$FOO" "$(basename "$PWD")"', cwd: 'sub', env: { FOO: 'bar' } }, opts());
    assert.deepEqual(rows.map((r) => r.value), [{ foo: 'bar', dir: 'sub' }]);
  });

  it('a missing folder or inputs file, and a source with no or two kinds, are config errors', async () => {
    assert.equal((await failure(collect({ command: model(), cwd: 'nope' }, opts()))).message, 'the folder nope does not exist');
    assert.equal((await failure(collect({ command: model() }, opts({ inputsFile: 'missing.jsonl' })))).message, 'the inputs file missing.jsonl does not exist');
    assert.equal((await failure(collect({}, opts()))).message, 'the source sets none of file, command and http');
    assert.equal((await failure(collect({ command: 'x', file: 'y' }, opts()))).message, 'the source sets file and command; it must set exactly one of file, command and http');
    assert.equal((await failure(collect({ command: 'x', timeout: '5 min' }, opts()))).message, '`timeout` `5 min` is not a duration: missing unit after `5`; use one of ms, s, m, h, d, w');
  });

  it('a model that hangs is killed with its whole process tree at the timeout, and the message says so', async () => {
    const started = Date.now();
    const e = await failure(collect({ command: hang() }, opts(FAST)));
    assert.equal(e.kind, 'timeout');
    assert.equal(e.message, 'no result within 300ms; killed the process tree after 1 of 5 outputs; stderr: model: hanging after 1 output');
    assert.equal(e.stderrTail, 'model: hanging after 1 output');
    assert.equal(e.outputs, 1);
    assert.equal(e.inputs, 5);
    assert.ok(Date.now() - started < 2000);
    await assertGroupGone(e);
  });

  it('the timeout comes from source.timeout when not overridden', async () => {
    const e = await failure(collect({ command: hang(), timeout: '250ms' }, opts({ killGraceMs: 100 })));
    assert.equal(e.message, 'no result within 250ms; killed the process tree after 1 of 5 outputs; stderr: model: hanging after 1 output');
    await assertGroupGone(e);
  });

  it('a model that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const started = Date.now();
    const e = await failure(collect({ command: hang('--ignore-term') }, opts(FAST)));
    assert.equal(e.message, 'no result within 300ms; killed the process tree after 1 of 5 outputs; stderr: model: hanging after 1 output');
    assert.ok(Date.now() - started >= 400, 'timeout + grace');
    await assertGroupGone(e);
  });

  it('a grandchild that would outlive the model is killed too', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const e = await failure(collect({ command: hang(`--grandchild ${JSON.stringify(pidFile)}`) }, opts(FAST)));
    assert.equal(e.kind, 'timeout');
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(grandchild > 1);
    assert.equal(running(grandchild), false);
    await assertGroupGone(e);
  });

  it('a model that exits but leaves a grandchild holding stdout: the run ends at once and the grandchild is killed', async () => {
    const pidFile = path.join(dir, 'leftover.pid');
    const started = Date.now();
    const rows = await collect({ command: model(`--grandchild ${JSON.stringify(pidFile)}`) }, opts({ timeoutMs: 10_000, killGraceMs: 100 }));
    assert.equal(rows.length, 5);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(running(Number(fs.readFileSync(pidFile, 'utf8'))), false);
  });

  it('a model that exits with code 3 half-way: the code, how many outputs, the stderr tail', async () => {
    const rows: OutputRow[] = [];
    const e = await failure(
      (async () => {
        for await (const r of obtainOutputs({ command: model('--fail-after 2') }, opts())) rows.push(r);
      })(),
    );
    assert.equal(e.kind, 'exit');
    assert.equal(e.message, 'the command exited with code 3 after 2 of 5 outputs; stderr: model: out of memory at row 3');
    assert.equal(e.exitCode, 3);
    assert.equal(e.stderrTail, 'model: out of memory at row 3');
    assert.equal(rows.length, 2, 'the outputs before the failure were passed on');
  });

  it('a model killed by a signal: the signal, directly or as the shell reports it (128 + n)', async () => {
    let e = await failure(collect({ command: `exec ${model('--kill-self-after 1')}` }, opts()));
    assert.equal(e.kind, 'signal');
    assert.equal(e.message, 'the command was killed by SIGKILL after 1 of 5 outputs');
    assert.equal(e.signal, 'SIGKILL');
    e = await failure(collect({ command: model('--kill-self-after 1') }, opts()));
    assert.equal(e.kind, 'exit');
    // dash says so on stderr
    assert.equal(e.message, 'the command exited with code 137 (killed by SIGKILL) after 1 of 5 outputs; stderr: Killed');
  });

  it('a command that does not exist: exit code 127, named', async () => {
    const e = await failure(collect({ command: 'no-such-model-xyz --predict' }, opts()));
    assert.equal(e.kind, 'exit');
    assert.equal(e.message, 'the command exited with code 127 (command not found) after 0 of 5 outputs; stderr: /bin/sh: 1: no-such-model-xyz: not found');
  });

  it('output that is not JSON (or not an object) names the output line and the input line', async () => {
    const rows: OutputRow[] = [];
    let e = await failure(
      (async () => {
        for await (const r of obtainOutputs({ command: model('--garbage-at 3') }, opts())) rows.push(r);
      })(),
    );
    assert.deepEqual(rows.map((r) => r.value.id), ['a', 'b'], 'the outputs before it were passed on');
    assert.equal(e.kind, 'bad-output');
    assert.equal(e.message, 'output line 3 is not JSON: `this is not json` (input line 4)');
    assert.equal(e.outputLine, 3);
    assert.equal(e.inputLine, 4);
    await assertGroupGone(e);
    e = await failure(collect({ command: 'cat > /dev/null; echo 42' }, opts()));
    assert.equal(e.message, 'output line 1 is not a JSON object: `42` (input line 1)');
  });

  it('10 MiB on one output line: a too-long error, in bounded memory', async () => {
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed - before)), 2);
    let e: SourceError;
    try {
      e = await failure(collect({ command: model(`--long-line ${10 * 1024 * 1024}`) }, opts({ timeoutMs: 10_000, killGraceMs: 100 })));
    } finally {
      clearInterval(timer);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    assert.equal(e.kind, 'too-long');
    assert.equal(e.message, 'output line 1 is 10 MiB long, more than the 1 MiB limit (input line 1)');
    // holding the line would take at least 10 MiB (20 as a Buffer and a string); spawning alone leaves 1-3 MiB of garbage
    assert.ok(peak < 6 * 1024 * 1024, `heap grew by ${(peak / 1024 / 1024).toFixed(1)} MiB for a 10 MiB line`);
    await assertGroupGone(e);
  });

  it('the line limit is configurable', async () => {
    const e = await failure(collect({ command: model() }, opts({ maxLineBytes: 40 })));
    assert.match(e.message, /^output line 1 is \d+ bytes long, more than the 40 bytes limit \(input line 1\)$/);
  });

  it('cancel through an AbortSignal kills the process tree', async () => {
    const ac = new AbortController();
    const rows: OutputRow[] = [];
    const e = await failure(
      (async () => {
        for await (const r of obtainOutputs({ command: hang() }, opts({ signal: ac.signal, timeoutMs: 10_000, killGraceMs: 100 }))) {
          rows.push(r);
          setTimeout(() => ac.abort(), 100);
        }
      })(),
    );
    assert.equal(e.kind, 'cancelled');
    assert.equal(e.message, 'cancelled; killed the process tree after 1 of 5 outputs; stderr: model: hanging after 1 output');
    assert.equal(rows.length, 1);
    await assertGroupGone(e);
  });

  it('an already aborted signal starts nothing', async () => {
    const e = await failure(collect({ command: model() }, opts({ signal: AbortSignal.abort() })));
    assert.equal(e.kind, 'cancelled');
  });

  it('leaving the loop early kills the process tree', async () => {
    const pidFile = path.join(dir, 'break.pid');
    for await (const _ of obtainOutputs({ command: model(`--hang-after 2 --pid-file ${JSON.stringify(pidFile)}`) }, opts({ killGraceMs: 100 }))) break;
    assert.equal(running(Number(fs.readFileSync(pidFile, 'utf8'))), false);
  });

  it('a model that exits without reading its inputs: no EPIPE crash, its exit status decides', async () => {
    const big = path.join(dir, 'big.jsonl');
    fs.writeFileSync(big, '{"id":"r","x":1}\n'.repeat(200_000));
    assert.deepEqual(await collect({ command: model('--no-read') }, opts({ inputsFile: 'big.jsonl' })), []);
    const e = await failure(collect({ command: 'exit 3' }, opts({ inputsFile: 'big.jsonl' })));
    assert.equal(e.message, 'the command exited with code 3 after 0 of 200000 outputs');
  });

  it('source.retries: a failed run is run again when nothing of it was passed on', async () => {
    const flag = path.join(dir, 'failed-once');
    fs.rmSync(flag, { force: true });
    const e = await failure(collect({ command: model(`--fail-once ${JSON.stringify(flag)}`) }, opts()));
    assert.equal(e.message, 'the command exited with code 3 after 0 of 5 outputs; stderr: model: first run fails');
    fs.rmSync(flag, { force: true });
    assert.equal((await collect({ command: model(`--fail-once ${JSON.stringify(flag)}`), retries: 1 }, opts())).length, 5);
  });

  it('reports progress, and finally all outputs with all inputs read', async () => {
    const seen: Array<{ outputs: number; inputs: number; inputsDone: boolean }> = [];
    await collect({ command: model() }, opts({ onProgress: (p) => seen.push(p) }));
    assert.deepEqual(seen.at(-1), { outputs: 5, inputs: 5, inputsDone: true });
  });

  describe('with batch', () => {
    it('runs one process per batch, up to `concurrency` at once, and keeps the input order', async () => {
      const rows = await collect({ command: model(), batch: 2, concurrency: 2 }, opts());
      assert.deepEqual(
        rows.map((r) => [r.line, r.inputLine, r.value.id]),
        [
          [1, 1, 'a'],
          [2, 3, 'b'],
          [3, 4, 'c'],
          [4, 5, 'd'],
          [5, 6, 'e'],
        ],
      );
      const pids = rows.map((r) => r.value.pid);
      assert.equal(new Set(pids).size, 3);
      assert.equal(pids[0], pids[1]);
      assert.equal(pids[2], pids[3]);
    });

    it('never has more than `concurrency` runs at once', async () => {
      const running = path.join(dir, 'running');
      const rows = await collect({ command: model(`--running ${JSON.stringify(running)} --delay 100`), batch: 1, concurrency: 2 }, opts());
      assert.deepEqual(rows.map((r) => r.value.id), ['a', 'b', 'c', 'd', 'e']);
      const seen = fs.readFileSync(`${running}.log`, 'utf8').trim().split('\n').map(Number);
      assert.equal(seen.length, 5);
      assert.equal(Math.max(...seen), 2, `runs at once: ${seen.join(', ')}`);
    });

    it('gives the same outputs as one run, for the iris example', async () => {
      const iris = path.resolve(__dirname, '../../examples/iris');
      const source = { command: 'node model/predict.mjs --model model/v1.json', seed: 42 };
      const one = await collect(source, { cwd: iris, inputsFile: 'data/inputs.jsonl' });
      const batched = await collect({ ...source, batch: 40, concurrency: 3 }, { cwd: iris, inputsFile: 'data/inputs.jsonl' });
      assert.equal(one.length, 150);
      assert.deepEqual(batched.map((r) => r.text), one.map((r) => r.text));
      assert.deepEqual(one.map((r) => r.text).join('\n') + '\n', fs.readFileSync(path.join(iris, 'data/baseline-1.4.2.jsonl'), 'utf8'));
    });

    it('a failing run names its input lines', async () => {
      const e = await failure(collect({ command: model('--fail-on-id c'), batch: 2 }, opts()));
      assert.equal(e.kind, 'exit');
      assert.equal(e.message, 'the run for input lines 4-5 exited with code 3 after 0 of 2 outputs; stderr: model: cannot score c');
    });

    it('garbage from a run names the run, the output and the input line', async () => {
      const e = await failure(collect({ command: model('--garbage-at 2'), batch: 2 }, opts()));
      assert.equal(e.message, 'output line 2 of the run for input lines 1-3 is not JSON: `this is not json` (input line 3)');
    });

    it('a run that writes more outputs than it got inputs is an error', async () => {
      const e = await failure(collect({ command: 'cat; echo \'{"extra":true}\'', batch: 2 }, opts()));
      assert.equal(e.message, 'the run for input lines 1-3 wrote more outputs than its 2 inputs');
    });

    it('a failed run is retried with source.retries', async () => {
      const flag = path.join(dir, 'batch-failed-once');
      fs.rmSync(flag, { force: true });
      assert.equal((await collect({ command: model(`--fail-once ${JSON.stringify(flag)}`), batch: 2, retries: 1 }, opts())).length, 5);
    });

    it('the timeout kills every running process tree', async () => {
      const e = await failure(collect({ command: model('--hang-after 0'), batch: 2, concurrency: 2 }, opts(FAST)));
      assert.equal(e.kind, 'timeout');
      assert.equal(e.message, 'no result within 300ms; killed the process trees after 0 of 5 outputs');
    });
  });

  it('every killed process group is gone for kill(-pgid, 0) (init may take a second or two to reap orphans)', async () => {
    assert.ok(killed.length > 0);
    const deadline = Date.now() + 5000;
    for (const pgid of killed) {
      for (;;) {
        try {
          process.kill(-pgid, 0);
        } catch (e) {
          assert.equal((e as NodeJS.ErrnoException).code, 'ESRCH');
          break;
        }
        assert.ok(Date.now() < deadline, `process group ${pgid} still exists`);
        await sleep(50);
      }
    }
  });
});

describe('sources: file', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-file-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('yields the lines of the outputs file, relative to the contract folder, with their line numbers', async () => {
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(path.join(dir, 'out', 'current.jsonl'), '{"id":"a"}\r\n\r\n{"id":"b"}');
    const rows = await collect({ file: 'out/current.jsonl' }, { cwd: dir });
    assert.deepEqual(rows, [
      { line: 1, text: '{"id":"a"}', value: { id: 'a' } },
      { line: 3, text: '{"id":"b"}', value: { id: 'b' } },
    ]);
  });

  it('a line that is not JSON, a too-long line, a missing file', async () => {
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"id":"a"}\noops\n');
    assert.equal((await failure(collect({ file: 'bad.jsonl' }, { cwd: dir }))).message, 'line 2 of bad.jsonl is not JSON: `oops`');
    assert.equal((await failure(collect({ file: 'bad.jsonl' }, { cwd: dir, maxLineBytes: 5 }))).message, 'line 1 of bad.jsonl is 10 bytes long, more than the 5 bytes limit');
    assert.equal((await failure(collect({ file: 'none.jsonl' }, { cwd: dir }))).message, 'the outputs file none.jsonl does not exist');
  });

  it('writeOutputs writes the rows atomically and gives the digest; a failing source leaves the old file', async () => {
    const target = path.join(dir, 'written.jsonl');
    fs.writeFileSync(path.join(dir, 'src.jsonl'), '{"id":"a"}\n{"id":"b"}\n');
    const w = await writeOutputs(obtainOutputs({ file: 'src.jsonl' }, { cwd: dir }), target);
    assert.equal(fs.readFileSync(target, 'utf8'), '{"id":"a"}\n{"id":"b"}\n');
    assert.equal(w.rows, 2);
    assert.equal(w.digest, await sha256File(target));
    await assert.rejects(writeOutputs(obtainOutputs({ file: 'bad.jsonl' }, { cwd: dir }), target), { name: 'SourceError' });
    assert.equal(fs.readFileSync(target, 'utf8'), '{"id":"a"}\n{"id":"b"}\n');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});

interface TestServer {
  url: string;
  port: number;
  requests: string[];
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1; the handler gets the request body as text. */
async function serve(handler: (body: string, req: http.IncomingMessage, res: http.ServerResponse, n: number) => void | Promise<void>): Promise<TestServer> {
  const state = { requests: [] as string[], inFlight: 0, maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let done = false;
    const end = (): void => {
      if (!done) state.inFlight--;
      done = true;
    };
    res.on('finish', end);
    res.on('close', end);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push(body);
      void handler(body, req, res, state.requests.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/predict`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  }) as TestServer;
}

const json = (res: http.ServerResponse, status: number, value: unknown, statusText?: string): void => {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, statusText ?? http.STATUS_CODES[status], { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

describe('sources: http', function () {
  this.timeout(10000);
  let dir: string;
  let server: TestServer | undefined;
  const opts = (o: Partial<ObtainOptions> = {}): ObtainOptions => ({ cwd: dir, inputsFile: 'inputs.jsonl', retryDelayMs: 10, ...o });
  const scored = (body: string): Record<string, unknown> => {
    const r = JSON.parse(body) as { id: string; x: number };
    return { id: r.id, y: r.x * 10 };
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-http-'));
    fs.writeFileSync(path.join(dir, 'inputs.jsonl'), INPUTS);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('one row per request: the body is the input line as written, the response is the output', async () => {
    server = await serve((body, req, res) => json(res, 200, { ...scored(body), method: req.method, type: req.headers['content-type'], auth: req.headers.authorization ?? null }));
    const rows = await collect({ http: { url: server.url, headers: { authorization: 'Bearer t' } } }, opts());
    assert.deepEqual(server.requests.sort(), INPUTS.split('\n').filter(Boolean).sort());
    assert.deepEqual(
      rows.map((r) => [r.line, r.inputLine, r.value]),
      ['a', 'b', 'c', 'd', 'e'].map((id, i) => [i + 1, INPUT_LINES[i], { id, y: 10 * (i + 1), method: 'POST', type: 'application/json', auth: 'Bearer t' }]),
    );
  });

  it('{{seed}} is expanded in the URL and in header values, like the command source; ObtainOptions.seed overrides source.seed', async () => {
    const seen: Array<[string, string]> = [];
    server = await serve((body, req, res) => {
      seen.push([req.url ?? '', String(req.headers['x-seed'])]);
      json(res, 200, scored(body));
    });
    const source = (seed?: number): SourceSpec => ({ http: { url: `${server!.url}?seed={{seed}}&n={{ seed }}`, headers: { 'x-seed': 'run-{{seed}}' } }, ...(seed !== undefined ? { seed } : {}) });
    assert.equal((await collect(source(7), opts())).length, 5);
    assert.deepEqual([...new Set(seen.map((x) => x.join(' ')))], ['/predict?seed=7&n=7 run-7']);
    seen.length = 0;
    await collect(source(7), opts({ seed: 9 }));
    assert.deepEqual([...new Set(seen.map((x) => x.join(' ')))], ['/predict?seed=9&n=9 run-9']);
    const e = await failure(collect(source(), opts()));
    assert.equal(e.kind, 'config');
    assert.equal(e.message, 'the http source uses {{seed}} in `http.url` but the source has no seed');
  });

  it('batched: rows as a JSON array (under inputsPath), outputs from outputsPath, in input order', async () => {
    server = await serve((body, _req, res) => {
      const { instances } = JSON.parse(body) as { instances: string[] };
      json(res, 200, { model: 'm', predictions: instances.map((r) => scored(JSON.stringify(r))) });
    });
    const rows = await collect({ http: { url: server.url, inputsPath: 'instances', outputsPath: 'predictions' }, batch: 2 }, opts());
    assert.deepEqual(server.requests.sort(), ['{"instances":[{"id":"a","x":1},{"id":"b","x":2}]}', '{"instances":[{"id":"c","x":3},{"id":"d","x":4}]}', '{"instances":[{"id":"e","x":5}]}']);
    assert.deepEqual(
      rows.map((r) => [r.line, r.inputLine, r.text]),
      ['a', 'b', 'c', 'd', 'e'].map((id, i) => [i + 1, INPUT_LINES[i], JSON.stringify({ id, y: 10 * (i + 1) })]),
    );
  });

  it('500 twice, then 200: retried with backoff, and it succeeds on the third attempt', async () => {
    const times: number[] = [];
    server = await serve((body, _req, res) => {
      times.push(Date.now());
      if (times.length <= 2) json(res, 500, 'overloaded');
      else json(res, 200, scored(body));
    });
    const rows = await collect({ http: { url: server.url }, retries: 2 }, opts({ inputsFile: write(dir, 'one.jsonl', '{"id":"a","x":1}\n') }));
    assert.deepEqual(rows.map((r) => r.value), [{ id: 'a', y: 10 }]);
    assert.equal(server.requests.length, 3);
    assert.ok(times[2]! - times[1]! >= 18, 'the second retry waits twice as long as the first (10 ms, 20 ms)');
  });

  it('always 500: fails after the retries, with the status and the body in the message', async () => {
    server = await serve((_b, _r, res) => json(res, 500, 'model crashed'));
    const e = await failure(collect({ http: { url: server.url }, retries: 2 }, opts({ inputsFile: write(dir, 'one.jsonl', '{"id":"a","x":1}\n') })));
    assert.equal(e.kind, 'http');
    assert.equal(e.message, `POST ${server.url} answered 500 Internal Server Error for input line 1 after 3 attempts: \`model crashed\``);
    assert.equal(e.status, 500);
    assert.equal(e.attempts, 3);
    assert.equal(server.requests.length, 3);
  });

  it('a 4xx is not retried', async () => {
    server = await serve((_b, _r, res) => json(res, 422, { error: 'x is required' }));
    const e = await failure(collect({ http: { url: server.url }, retries: 3 }, opts({ inputsFile: write(dir, 'one.jsonl', '{"id":"a","x":1}\n') })));
    assert.equal(e.message, `POST ${server.url} answered 422 Unprocessable Entity for input line 1: \`{"error":"x is required"}\``);
    assert.equal(server.requests.length, 1);
  });

  it('a server that hangs: each request times out, is retried, and the error says so', async () => {
    server = await serve(() => {
      /* never answers */
    });
    const started = Date.now();
    const e = await failure(collect({ http: { url: server.url, requestTimeout: '100ms' }, retries: 1 }, opts({ inputsFile: write(dir, 'one.jsonl', '{"id":"a","x":1}\n') })));
    assert.equal(e.kind, 'timeout');
    assert.equal(e.message, `POST ${server.url} gave no response within 100ms for input line 1 after 2 attempts`);
    assert.equal(server.requests.length, 2);
    assert.ok(Date.now() - started < 1000);
  });

  it('the connection closed in the middle of the response: retried, then a clear error', async () => {
    server = await serve((body, _req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
        res.write('{"id":');
        setTimeout(() => res.socket?.destroy(), 10);
      } else json(res, 200, scored(body));
    });
    const one = write(dir, 'one.jsonl', '{"id":"a","x":1}\n');
    assert.deepEqual((await collect({ http: { url: server.url }, retries: 1 }, opts({ inputsFile: one }))).map((r) => r.value), [{ id: 'a', y: 10 }]);
    assert.equal(server.requests.length, 2);
    await server.close();
    server = await serve((_b, _r, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('{"id":');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const e = await failure(collect({ http: { url: server.url }, retries: 1 }, opts({ inputsFile: one })));
    assert.equal(e.kind, 'http');
    assert.equal(e.message, `POST ${server.url} failed for input line 1 after 2 attempts: the connection closed in the middle of the response`);
  });

  it('nobody listening: the connection error', async () => {
    const s = await serve(() => undefined);
    await s.close();
    const e = await failure(collect({ http: { url: s.url } }, opts()));
    assert.equal(e.message, `POST ${s.url} failed for input line 1: connect ECONNREFUSED 127.0.0.1:${s.port}`);
  });

  it('respects the concurrency limit, and keeps the input order when responses come out of order', async () => {
    const many = write(dir, 'many.jsonl', Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `r${i}`, x: i })).join('\n') + '\n');
    server = await serve(async (body, _req, res) => {
      await sleep(5 + ((JSON.parse(body) as { x: number }).x % 4) * 10);
      json(res, 200, scored(body));
    });
    const rows = await collect({ http: { url: server.url }, concurrency: 3 }, opts({ inputsFile: many }));
    assert.deepEqual(rows.map((r) => r.value.id), Array.from({ length: 30 }, (_, i) => `r${i}`));
    assert.equal(server.maxInFlight, 3);
  });

  it('responses that cannot be mapped: not JSON, no array at outputsPath, a wrong count', async () => {
    server = await serve((_b, _r, res) => json(res, 200, 'Internal error, see logs'));
    let e = await failure(collect({ http: { url: server.url } }, opts()));
    assert.equal(e.kind, 'bad-output');
    assert.equal(e.message, `POST ${server.url}: the response for input line 1 is not JSON: \`Internal error, see logs\``);
    await server.close();
    server = await serve((_b, _r, res) => json(res, 200, { outputs: [{ id: 'a' }] }));
    e = await failure(collect({ http: { url: server.url, outputsPath: 'predictions' }, batch: 2 }, opts()));
    assert.equal(e.message, `POST ${server.url}: the response for input lines 1-3 has no JSON array at \`predictions\`: \`{"outputs":[{"id":"a"}]}\``);
    e = await failure(collect({ http: { url: server.url, outputsPath: 'outputs' }, batch: 2 }, opts()));
    assert.equal(e.message, `POST ${server.url}: the response for input lines 1-3 has 1 output for 2 inputs`);
  });

  it('an input line that is not JSON is not sent', async () => {
    server = await serve((body, _r, res) => json(res, 200, scored(body)));
    const e = await failure(collect({ http: { url: server.url } }, opts({ inputsFile: write(dir, 'bad.jsonl', '{"id":"a","x":1}\n{"id":\n') })));
    assert.equal(e.kind, 'bad-input');
    assert.equal(e.message, 'input line 2 is not JSON: `{"id":`');
  });

  it('the whole source has a time limit too', async () => {
    server = await serve(() => undefined);
    const e = await failure(collect({ http: { url: server.url } }, opts({ timeoutMs: 200 })));
    assert.equal(e.kind, 'timeout');
    assert.equal(e.message, 'no result within 200ms; stopped after 0 of 5 outputs');
  });

  it('cancel through an AbortSignal aborts the requests', async () => {
    server = await serve((body, _r, res) => {
      if ((JSON.parse(body) as { id: string }).id === 'a') json(res, 200, scored(body));
    });
    const ac = new AbortController();
    const rows: OutputRow[] = [];
    const e = await failure(
      (async () => {
        for await (const r of obtainOutputs({ http: { url: server!.url }, concurrency: 2 }, opts({ signal: ac.signal }))) {
          rows.push(r);
          setTimeout(() => ac.abort(), 50);
        }
      })(),
    );
    assert.equal(e.message, 'cancelled; stopped after 1 of 5 outputs');
    assert.equal(rows.length, 1);
    await sleep(20);
    assert.equal(server.inFlight, 0, 'no request left open');
  });
});

function write(dir: string, name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return name;
}
