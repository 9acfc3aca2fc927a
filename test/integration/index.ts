// Entry point the VS Code extension host calls (extensionTestsPath): runs the
// integration suite with mocha inside the real extension host and resolves or
// rejects, which the workbench turns into the process exit code. The same
// entry serves code-server (test/vscode/run.mjs) and desktop VS Code
// (test/vscode/electron.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  // ROLLBACK_LENS_TEST_GREP (a test run's environment reaches the extension host): only the tests whose titles match, while iterating
  const grep = process.env.ROLLBACK_LENS_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, forbidOnly: true, reporter: 'spec', ...(grep ? { grep } : {}) });
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  // bundled statically: the suites register on the globals set up above.
  // test/vscode/run.mjs --restricted opens the workspace untrusted. require(), not import: an import would be
  // hoisted above the pre-require emit, and the suites would find no `describe`.
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (process.env.ROLLBACK_LENS_TEST_MODE === 'restricted') {
    require('./restricted.test');
    require('./reintro-restricted.test');
    require('./closure.test');
    require('./signing.test');
  } else {
    // first: it needs a workspace with no audit log yet, and leaves none behind
    require('./newcomer.test');
    require('./language.test');
    require('./contracts.test');
    require('./runbooks.test');
    require('./rollback.test');
    require('./postmortems.test');
    require('./diffview.test');
    require('./comms.test');
    require('./reintro-lens.test');
    require('./closure.test');
    require('./audit-pg.test');
    require('./signing.test');
    require('./policy.test');
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
  recordActivation();
}

/** For `npm run bench`: the activation time measured in this real extension host. */
function recordActivation(): void {
  const ext = vscode.extensions.getExtension<{ activationMs: number }>('rollback-lens.rollback-lens');
  if (!ext?.isActive) return;
  const out = path.join(ext.extensionPath, 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'activation.json'),
    JSON.stringify({ activationMs: ext.exports.activationMs, host: `${vscode.env.appName} ${vscode.version}`, when: new Date().toISOString() }),
  );
}
