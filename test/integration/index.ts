// Entry point the VS Code extension host calls (extensionTestsPath): runs the
// integration suite with mocha inside the real extension host and resolves or
// rejects, which the workbench turns into the process exit code. The same
// entry serves code-server (test/vscode/run.mjs) and desktop VS Code
// (test/vscode/electron.mjs).
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, forbidOnly: true, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  // bundled statically: the suites register on the globals set up above
  require('./language.test');
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
