// Recording a contract test's baseline from the editor: runs the contract's
// source on the test's inputs and replaces its baseline, after asking which
// model version it is (a test passes the version). Needs a trusted
// workspace; cancellable; says what it wrote or why not.
import * as vscode from 'vscode';
import { recordBaseline as record } from '../../node/contract/baseline';
import { loadContract } from '../../node/contract/run';
import { UNTRUSTED, workspaceOf } from './shared';

export async function recordBaseline(log: vscode.LogOutputChannel, toolVersion: string, uriArg: vscode.Uri | string, testId: string, version?: string): Promise<string | undefined> {
  const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : uriArg;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(UNTRUSTED);
    return undefined;
  }
  const contract = await loadContract(uri.fsPath, workspaceOf(uri));
  const test = contract.model.tests.find((t) => t.id === testId);
  if (!test?.inputs || !test.baseline || !contract.model.source) return undefined;
  // tests pass the version; a person is asked, and confirms the overwrite
  const modelVersion =
    version ??
    (await vscode.window.showInputBox({
      title: `Record the baseline of ${testId}`,
      prompt: `Outputs of the model the source runs now replace ${test.baseline}. Which model version is it?`,
      value: contract.model.modelVersion ?? '',
      ignoreFocusOut: true,
    }));
  if (!modelVersion) return undefined;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Rollback Lens: recording ${test.baseline}`, cancellable: true },
    async (_p, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        const r = await record({
          contractDir: contract.dir,
          test: { id: test.id, inputs: test.inputs!, baseline: test.baseline!, ...(test.inputsFormat ? { inputsFormat: test.inputsFormat } : {}), ...(test.baselineFormat ? { baselineFormat: test.baselineFormat } : {}) },
          ...(contract.inputSchema ? { inputSchema: contract.inputSchema } : {}),
          source: contract.model.source!,
          model: { name: contract.model.model ?? contract.model.name ?? 'model', version: modelVersion },
          toolVersion,
          signal: controller.signal,
          ...(contract.model.outputShape ? { obtain: { shape: contract.model.outputShape } } : {}),
        });
        const message = `recorded ${r.rows} outputs of ${r.meta.model} ${r.meta.version} into ${test.baseline}`;
        log.info(message);
        void vscode.window.showInformationMessage(`Rollback Lens: ${message}`);
        return message;
      } catch (e) {
        log.error(`record baseline ${testId}: ${(e as Error).message}`);
        void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  );
}
