// Entry point the VS Code extension host calls (extensionTestsPath): runs the
// integration suite with mocha inside the real extension host and resolves or
// rejects, which the workbench turns into the process exit code.
import Mocha from 'mocha';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, forbidOnly: true });
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  describe('smoke', () => {
    it('sees the extension', () => {
      if (!vscode.extensions.getExtension('rollback-lens.rollback-lens')) throw new Error('extension not found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
