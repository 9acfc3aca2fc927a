// The guard that keeps test/unit free of processes (test/unit/no-processes.cjs,
// required by .mocharc.json) fires: every child_process way to start a
// program, a server's listen and a worker thread's attempt to start one throw
// while a test/unit test runs, with a message naming the test, and are
// recorded so that the guard's after-each hook fails a test that swallowed the
// error. Each call here is refused before anything starts, so this file itself
// starts nothing. Files outside test/unit are let through, and no file in it.
import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import * as Mocha from 'mocha';

interface Guard {
  allowedFile(file: string | undefined): boolean;
  takeViolations(): string[];
}
const guard = createRequire(__filename)('./no-processes.cjs') as Guard;

const UNIT = __dirname;
const refused = (what: string, test: string): string =>
  `test/unit starts no process and no server: ${what} in "no processes in test/unit ${test}" (test/unit/no-processes.test.ts); a test that needs one belongs in test/system (npm run test:system)`;

describe('no processes in test/unit', () => {
  afterEach(() => {
    // a test below that left a violation unclaimed fails here, not in the guard's own hook
    assert.deepEqual(guard.takeViolations(), []);
  });

  it('every child_process call that starts a program throws, naming the test', () => {
    const title = 'every child_process call that starts a program throws, naming the test';
    const calls: Array<[string, () => unknown]> = [
      ['spawn', () => cp.spawn('true')],
      ['spawnSync', () => cp.spawnSync('true')],
      ['exec', () => cp.exec('true')],
      ['execSync', () => cp.execSync('true')],
      ['execFile', () => cp.execFile('true')],
      ['execFileSync', () => cp.execFileSync('true')],
      ['fork', () => cp.fork(path.join(UNIT, 'pin-clock.cjs'))],
    ];
    const expected: string[] = [];
    for (const [name, call] of calls) {
      const arg = name === 'fork' ? path.join(UNIT, 'pin-clock.cjs') : 'true';
      const message = refused(`child_process.${name}(${JSON.stringify(arg)})`, title);
      assert.throws(call, (e: Error) => e.message === message, name);
      expected.push(message);
    }
    // util.promisify(execFile) has its own implementation behind a symbol: guarded as well
    const promised = refused('child_process.execFile("git")', title);
    assert.throws(() => promisify(cp.execFile)('git', ['--version']), (e: Error) => e.message === promised);
    expected.push(promised);
    assert.deepEqual(guard.takeViolations(), expected);
  });

  it('a child process started below the named functions is refused too', () => {
    const message = refused('a child process ("git")', 'a child process started below the named functions is refused too');
    // ChildProcess#spawn is what spawn, exec, execFile and fork call; @types/node leaves it out
    const child = new cp.ChildProcess() as cp.ChildProcess & { spawn(options: { file: string; args: string[]; stdio: string }): void };
    assert.throws(() => child.spawn({ file: 'git', args: ['git', '--version'], stdio: 'ignore' }), (e: Error) => e.message === message);
    assert.deepEqual(guard.takeViolations(), [message]);
  });

  it('a server does not listen, plain or HTTP', () => {
    const message = refused('a server listening (net.Server#listen)', 'a server does not listen, plain or HTTP');
    const plain = net.createServer();
    const web = http.createServer();
    assert.throws(() => plain.listen(0, '127.0.0.1'), (e: Error) => e.message === message);
    assert.throws(() => web.listen(0, '127.0.0.1'), (e: Error) => e.message === message);
    assert.equal(plain.listening, false);
    assert.equal(web.listening, false);
    assert.deepEqual(guard.takeViolations(), [message, message]);
  });

  it('a worker thread may run, but not start a process', async () => {
    const title = 'a worker thread may run, but not start a process';
    const run = (code: string): Promise<{ message?: string; error?: string }> =>
      new Promise((resolve) => {
        const w = new Worker(code, { eval: true });
        w.once('message', (message: string) => resolve({ message }));
        w.once('error', (e: Error) => resolve({ error: e.message }));
      });
    assert.deepEqual(await run(`require('node:worker_threads').parentPort.postMessage('in-process work is fine')`), { message: 'in-process work is fine' });
    assert.deepEqual(await run(`require('node:child_process').spawnSync('true')`), {
      error: `test/unit starts no process and no server: child_process.spawnSync("true") in a worker thread started by "no processes in test/unit ${title}" (test/unit/no-processes.test.ts); a test that needs one belongs in test/system (npm run test:system)`,
    });
    assert.deepEqual(await run(`require('node:net').createServer().listen(0)`), {
      error: `test/unit starts no process and no server: a server listening (net.Server#listen) in a worker thread started by "no processes in test/unit ${title}" (test/unit/no-processes.test.ts); a test that needs one belongs in test/system (npm run test:system)`,
    });
  });

  it('a test that swallows the refusal fails all the same, with it', async () => {
    const swallows = new Mocha.Test('swallows the error', () => {
      try {
        cp.spawnSync('true');
      } catch {
        // a caller that turns the error into a result
      }
    });
    swallows.file = __filename;
    new Mocha.Suite('a suite').addTest(swallows);
    const outcome = await new Promise<Error | undefined>((resolve) => swallows.run((e) => resolve(e)));
    assert.equal(
      outcome?.message,
      'test/unit starts no process and no server: child_process.spawnSync("true") in "a suite swallows the error" (test/unit/no-processes.test.ts); a test that needs one belongs in test/system (npm run test:system)\n(it went on after the refusal: a caller swallowed the error)',
    );
  });

  it('lets through anything outside test/unit, no file in it', () => {
    assert.equal(guard.allowedFile(path.join(UNIT, 'no-processes.test.ts')), false);
    assert.equal(guard.allowedFile(path.join(UNIT, 'validate.test.ts')), false);
    assert.equal(guard.allowedFile(undefined), false);
    for (const f of fs.readdirSync(UNIT).filter((n) => n.endsWith('.test.ts'))) assert.equal(guard.allowedFile(path.join(UNIT, f)), false, f);
    assert.equal(guard.allowedFile(path.resolve(UNIT, '..', 'system', 'sources.test.ts')), true);
  });
});
