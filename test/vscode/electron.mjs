// Runs the same integration suite (dist/test/integration/index.js) in desktop
// VS Code through @vscode/test-electron, for laptops and CIs with internet:
// it downloads VS Code from Microsoft's update service into .vscode-test/.
// Machines without that access (this project's own CI) use
// `npm run test:vscode` (code-server, test/vscode/run.mjs) instead.
//
//   node test/vscode/electron.mjs
//   ROLLBACK_LENS_VSCODE_VERSION=1.90.0 node test/vscode/electron.mjs   (default: stable)
//   ROLLBACK_LENS_VSCODE_EXECUTABLE=/path/to/code node test/vscode/electron.mjs   (no download)
//
// The window opens a fresh temporary copy of examples/ (test/fixtures/ as
// <workspace>/fixtures/), passed to the tests as ROLLBACK_LENS_TEST_WORKSPACE,
// exactly as run.mjs does. On Linux without a display it re-runs itself
// under xvfb-run when that is installed (Debian package xvfb).
import { spawnSync } from 'node:child_process';
import { ROOT, TESTS_ENTRY, ensureBuilt, makeSandbox, runMain, say } from './harness.mjs';

const VERSION = process.env.ROLLBACK_LENS_VSCODE_VERSION || 'stable';

function needsDisplay() {
  return process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
}

async function main() {
  let testElectron;
  try {
    testElectron = await import('@vscode/test-electron');
  } catch {
    throw new Error('@vscode/test-electron is not installed: run `npm ci` first');
  }
  const { downloadAndUnzipVSCode, runTests, TestRunFailedError } = testElectron;

  ensureBuilt([TESTS_ENTRY]);

  let vscodeExecutablePath = process.env.ROLLBACK_LENS_VSCODE_EXECUTABLE;
  if (vscodeExecutablePath) say(`using ${vscodeExecutablePath}`);
  else try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: VERSION, timeout: 60_000 });
  } catch (e) {
    throw new Error(
      `could not download VS Code ${VERSION} (${e?.message ?? e}).\n` +
        '  @vscode/test-electron needs internet access to the VS Code update service.\n' +
        '  Without it, run the same suite in code-server: npm run test:vscode',
    );
  }

  if (needsDisplay()) {
    if (spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0) {
      say('no display: re-running under xvfb-run');
      const r = spawnSync('xvfb-run', ['-a', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit' });
      return r.status ?? 1;
    }
    throw new Error('desktop VS Code needs a display: set DISPLAY, or install xvfb (apt-get install xvfb) so this can use xvfb-run');
  }

  const sb = makeSandbox('electron');
  try {
    const code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: TESTS_ENTRY,
      extensionTestsEnv: { ROLLBACK_LENS_TEST_WORKSPACE: sb.workspace },
      launchArgs: [
        sb.workspace,
        '--disable-extensions',
        `--user-data-dir=${sb.userData}`,
        `--extensions-dir=${sb.extensions}`,
      ],
    });
    return code;
  } catch (e) {
    if (e instanceof TestRunFailedError) return e.code ?? 1;
    throw e;
  }
}

const code = await runMain(main, 'vscode', 'integration suite (desktop VS Code)');
process.exit(code);
