// test/unit starts no process and no server (issue 9): the unit config
// (.mocharc.json) requires this file, which makes every child_process way to
// start a program (spawn, spawnSync, exec, execSync, execFile, execFileSync,
// fork, their util.promisify forms, and ChildProcess#spawn below them all) and
// every server's listen (net.Server, so http and https too) throw while a test
// under test/unit runs, with a message naming the test and its file. Each
// refusal is also recorded, and a test or hook that swallowed one (a caller
// that turns a spawn error into a result) fails with it all the same. Worker
// threads are in-process and allowed; a worker a test starts gets this file
// as a preload (execArgv --require), so the worker cannot start a process or
// a server either. Let through: tests of files outside test/unit, and
// esbuild's own worker thread, which the
// TypeScript loader (register.cjs) starts while the files load and which runs
// the esbuild service process that compiles them: that is the toolchain, the
// one process a unit run has, started before any test.
// The test that proves all this is no-processes.test.ts.
'use strict';
const cp = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { promisify } = require('node:util');
const wt = require('node:worker_threads');

const UNIT = __dirname;
const WHO_ENV = 'ROLLBACK_LENS_UNIT_GUARD_TEST';
const CALLS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];

/** Whether tests of this file may start processes: only a file outside test/unit. */
function allowedFile(file) {
  if (file === undefined) return false;
  const rel = path.relative(UNIT, file);
  return rel.startsWith('..') || path.isAbsolute(rel);
}

const violations = [];
let current; // the test or hook that runs now (or ran last); undefined while the files load

/** Who is starting something: whether that is allowed, and the words naming it. */
function who() {
  if (!wt.isMainThread) return { allowed: false, text: `a worker thread started by ${process.env[WHO_ENV] ?? 'a unit test'}` };
  if (current === undefined) return { allowed: false, text: 'the loading of the test files' };
  const file = current.file ?? current.parent?.file;
  const where = file === undefined ? '' : ` (${path.relative(path.resolve(UNIT, '..', '..'), file).split(path.sep).join('/')})`;
  const title = current.parent ? current.fullTitle() : current.title;
  return { allowed: allowedFile(file), text: `"${title}"${where}` };
}

function refuse(what) {
  const w = who();
  if (w.allowed) return;
  const message = `test/unit starts no process and no server: ${what} in ${w.text}; a test that needs one belongs in test/system (npm run test:system)`;
  violations.push({ by: current, message });
  throw new Error(message);
}

for (const name of CALLS) {
  const real = cp[name];
  const guarded = function (...args) {
    refuse(`child_process.${name}(${JSON.stringify(String(args[0]))})`);
    return real.apply(this, args);
  };
  const realPromised = real[promisify.custom];
  if (realPromised) {
    guarded[promisify.custom] = function (...args) {
      refuse(`child_process.${name}(${JSON.stringify(String(args[0]))})`);
      return realPromised.apply(this, args);
    };
  }
  cp[name] = guarded;
}
const realChildSpawn = cp.ChildProcess.prototype.spawn;
cp.ChildProcess.prototype.spawn = function (options) {
  refuse(`a child process (${JSON.stringify(String(options?.file))})`);
  return realChildSpawn.call(this, options);
};
const realListen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  refuse('a server listening (net.Server#listen)');
  return realListen.apply(this, args);
};

if (wt.isMainThread) {
  // which test or hook runs: every one goes through Runnable#run, whose
  // callback gets its outcome; one that passed after a refusal fails with it
  const { Runnable } = require('mocha');
  const realRun = Runnable.prototype.run;
  Runnable.prototype.run = function (fn) {
    current = this;
    return realRun.call(this, (err, ...rest) => {
      const found = [];
      for (let i = violations.length - 1; i >= 0; i--) if (violations[i].by === this) found.unshift(...violations.splice(i, 1));
      if (!err && found.length > 0) {
        err = new Error(`${found.map((v) => v.message).join('\n')}\n(it went on after the refusal: a caller swallowed the error)`);
      }
      fn(err, ...rest);
    });
  };

  const RealWorker = wt.Worker;
  const ESBUILD = `${path.sep}node_modules${path.sep}esbuild${path.sep}`;
  wt.Worker = class GuardedWorker extends RealWorker {
    constructor(filename, options = {}) {
      const w = who();
      const toolchain = typeof filename === 'string' && !options.eval && filename.includes(ESBUILD);
      if (w.allowed || toolchain) {
        super(filename, options);
      } else {
        const env = options.env === wt.SHARE_ENV ? options.env : { ...(options.env ?? process.env), [WHO_ENV]: w.text };
        super(filename, { ...options, env, execArgv: [...(options.execArgv ?? process.execArgv), '--require', __filename] });
      }
    }
  };
}

/** The refusals not yet claimed, cleared (the guard's own test claims the ones it provokes). */
function takeViolations() {
  return violations.splice(0).map((v) => v.message);
}

module.exports = { allowedFile, takeViolations };
