// Runs the integration suite (dist/test/integration/index.js, its exported
// run()) inside a real VS Code extension host: code-server (VS Code for the
// browser, installed by test/vscode/setup.sh) driven by Debian's chromium
// through playwright-core. Exits with the code the workbench reports:
// 0 when the suite passed, 1 when a test failed or the suite did not load.
//
//   node test/vscode/run.mjs [--verbose] [--timeout=SECONDS] [--tests=FILE] [--restricted]
//
// --restricted opens the workspace untrusted (Workspace Trust on, Restricted
// Mode); the suite sees ROLLBACK_LENS_TEST_MODE=restricted and runs the tests
// of what must work, and what must be refused, there.
//
// --tests=FILE runs another tests module (default dist/test/integration/index.js);
// it must export run(): Promise<void> and be able to require('mocha').
//
// The workspace the window opens is a fresh temporary copy of examples/
// (with test/fixtures/ copied to <workspace>/fixtures/); tests may write in
// it. Its path reaches the extension host as ROLLBACK_LENS_TEST_WORKSPACE.
// ROLLBACK_LENS_KEEP_TMP=1 keeps the temporary folders (logs, profile).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ROOT,
  TESTS_ENTRY,
  VERBOSE,
  checkSetup,
  runMain,
  ensureBuilt,
  isInterestingWorkbenchLog,
  launchChromium,
  makeSandbox,
  openWorkbench,
  remoteUri,
  say,
  startCodeServer,
  tail,
  withTimeout,
} from './harness.mjs';

const timeoutArg = process.argv.find((a) => a.startsWith('--timeout='));
const testsArg = process.argv.find((a) => a.startsWith('--tests='));
const TESTS = testsArg ? resolve(testsArg.slice('--tests='.length)) : TESTS_ENTRY;
const RESTRICTED = process.argv.includes('--restricted');
const TIMEOUT_S = Number(timeoutArg?.slice('--timeout='.length) ?? process.env.ROLLBACK_LENS_VSCODE_TIMEOUT ?? 600);

async function main() {
  checkSetup();
  ensureBuilt(TESTS === TESTS_ENTRY ? [TESTS_ENTRY] : []);
  if (!existsSync(TESTS)) throw new Error(`${TESTS} is missing`);

  const sb = makeSandbox(RESTRICTED ? 'restricted' : 'run', { restricted: RESTRICTED });
  const server = await startCodeServer(sb, {
    env: { ROLLBACK_LENS_TEST_WORKSPACE: sb.workspace, ROLLBACK_LENS_TEST_MODE: RESTRICTED ? 'restricted' : 'trusted' },
    trust: !RESTRICTED,
  });
  const browser = await launchChromium();

  const shown = new Set();
  let reportExit;
  const exitCode = new Promise((res) => (reportExit = res));
  const page = await openWorkbench(browser, server, {
    folder: sb.workspace,
    payload: [
      ['extensionDevelopmentPath', remoteUri(server.port, ROOT)],
      ['extensionTestsPath', remoteUri(server.port, TESTS)],
    ],
    onHostLog: (severity, text) => {
      countMochaSummary(text);
      const out = severity === 'error' || severity === 'warning' ? process.stderr : process.stdout;
      out.write(text.endsWith('\n') ? text : text + '\n');
    },
    onWorkbenchLog: (type, text) => {
      if (VERBOSE) return console.log(`[workbench ${type}] ${text}`);
      if (!isInterestingWorkbenchLog(type, text) || shown.has(text)) return;
      shown.add(text); // the workbench repeats some errors many times
      console.error(`[workbench ${type}] ${text}`);
    },
    onExit: (code) => reportExit(Number(code)),
  });
  page.on('crash', () => reportExit(Promise.reject(new Error('the workbench page crashed'))));
  const serverGone = new Promise((_, rej) => {
    const timer = setInterval(() => {
      if (server.exited()) {
        clearInterval(timer);
        rej(new Error(`code-server exited during the run:\n${tail(sb.log)}`));
      }
    }, 500);
    timer.unref();
  });

  let code;
  try {
    code = await withTimeout(Promise.race([exitCode, serverGone]), TIMEOUT_S * 1000, 'the integration suite');
  } catch (e) {
    if (/timed out/.test(e.message)) {
      throw new Error(
        `${e.message} without the workbench reporting a result: a test hangs, the extension host did not start, ` +
          `or the suite never called back (rerun with --verbose; code-server log tail:\n${tail(sb.log)})`,
      );
    }
    throw e;
  }
  say(`workbench reported exit code ${code}`);
  return code;
}

// Mocha's summary ("  9 passing (30s)", "  2 failing", "  1 pending"),
// repeated as one closing line in the plain "N passed, N failed" form.
const summary = {};
function countMochaSummary(text) {
  for (const m of text.matchAll(/^\s*(\d+) (passing|failing|pending)\b/gm)) summary[m[2]] = Number(m[1]);
}

const code = await runMain(main, 'vscode', 'integration suite');
if (summary.passing !== undefined) {
  console.log(
    `integration${RESTRICTED ? ' (Restricted Mode)' : ''}: ${summary.passing} passed, ${summary.failing ?? 0} failed` + (summary.pending ? `, ${summary.pending} skipped` : ''),
  );
}
process.exit(code);
