// Recording a contract test's baseline from the editor: asks which model
// version the source runs, runs it on the test's inputs into temporary files
// (cancellable), then asks before anything is replaced, in a modal that says
// what changes: the rows, how many differ from the baseline it replaces, and
// where the version entered disagrees with the file name or the old sidecar
// (then it is a warning, and the version must be typed as well: one Enter
// never replaces a baseline whose version disagrees). Only "Replace"
// replaces; the old baseline and sidecar are first kept as dated copies
// under .rollback-lens/baselines/.
// Needs a trusted workspace; says what it wrote or why not.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { prepareBaseline } from '../../node/contract/baseline';
import { changeSummary, keepDirFor, type BaselineChange } from '../../node/contract/baselineChange';
import { loadContract } from '../../node/contract/run';
import { UNTRUSTED, workspaceOf } from './shared';

export const REPLACE = 'Replace';

/** The confirmation's message and detail: what recording would write and replace. */
export function confirmation(baseline: string, model: string, change: BaselineChange, keptUnder: string): { message: string; detail: string } {
  const lines = [`${change.rows} outputs of ${model} ${change.version}.`, `${changeSummary(change)}.`];
  for (const w of change.warnings) lines.push(`Warning: ${w}.`);
  if (change.previous) lines.push(`The baseline it replaces and its sidecar are kept in ${keptUnder}.`);
  return { message: change.previous ? `Replace ${baseline}?` : `Record ${baseline}?`, detail: lines.join('\n') };
}

/**
 * Asks before replacing. Where the versions disagree one Enter is not enough:
 * "Replace" in the modal is followed by a box in which the version being
 * recorded must be typed (Escape, or anything else, keeps the baseline).
 */
async function confirm(message: string, detail: string, change: BaselineChange): Promise<boolean> {
  if (!change.warnings.length) return (await vscode.window.showInformationMessage(message, { modal: true, detail }, REPLACE)) === REPLACE;
  if ((await vscode.window.showWarningMessage(message, { modal: true, detail }, REPLACE)) !== REPLACE) return false;
  const typed = await vscode.window.showInputBox({
    title: message,
    prompt: `${change.warnings[0]}. Type ${change.version} to replace it anyway; Escape keeps it.`,
    placeHolder: change.version,
    ignoreFocusOut: true,
    validateInput: (v) => (v === change.version ? undefined : `type ${change.version} to replace the baseline, or press Escape to keep it`),
  });
  return typed === change.version;
}

/**
 * The command. `version` and `confirmed` are for automation (tests, other
 * extensions): `version` skips the question, `confirmed: true` the modal.
 * Resolves with what was said, or undefined when nothing was recorded.
 */
export async function recordBaseline(
  log: vscode.LogOutputChannel,
  toolVersion: string,
  uriArg: vscode.Uri | string,
  testId: string,
  version?: string,
  confirmed = false,
): Promise<string | undefined> {
  const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : uriArg;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(UNTRUSTED);
    return undefined;
  }
  const workspace = workspaceOf(uri);
  const contract = await loadContract(uri.fsPath, workspace);
  const test = contract.model.tests.find((t) => t.id === testId);
  if (!test?.inputs || !test.baseline || !contract.model.source) return undefined;
  const modelVersion =
    version ??
    (await vscode.window.showInputBox({
      title: `Record the baseline of ${testId}`,
      prompt: `Which model version does the source run? Its outputs are recorded as that version (you confirm before ${test.baseline} is replaced).`,
      value: contract.model.modelVersion ?? '',
      ignoreFocusOut: true,
    }));
  if (!modelVersion) return undefined;
  const model = contract.model.model ?? contract.model.name ?? 'model';
  const baselinePath = path.resolve(contract.dir, test.baseline);
  const keepDir = keepDirFor(workspace, baselinePath);
  const pending = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Rollback Lens: running the source for ${test.baseline}`, cancellable: true },
    async (_p, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        return await prepareBaseline({
          contractDir: contract.dir,
          test: { id: test.id, inputs: test.inputs!, baseline: test.baseline!, ...(test.inputsFormat ? { inputsFormat: test.inputsFormat } : {}), ...(test.baselineFormat ? { baselineFormat: test.baselineFormat } : {}) },
          ...(contract.inputSchema ? { inputSchema: contract.inputSchema } : {}),
          ...(contract.outputSchema ? { outputSchema: contract.outputSchema } : {}),
          source: contract.model.source!,
          model: { name: model, version: modelVersion },
          toolVersion,
          signal: controller.signal,
          key: contract.model.key,
          keepDir,
          ...(contract.model.outputShape ? { obtain: { shape: contract.model.outputShape } } : {}),
        });
      } catch (e) {
        log.error(`record baseline ${testId}: ${(e as Error).message}`);
        void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  );
  if (!pending) return undefined;
  try {
    const { message, detail } = confirmation(test.baseline, model, pending.change, vscode.workspace.asRelativePath(keepDir));
    log.info(`record baseline ${testId}: ${message} ${detail.replace(/\n/g, ' ')}`);
    if (!confirmed && !(await confirm(message, detail, pending.change))) {
      log.info(`record baseline ${testId}: not replaced; ${test.baseline} is as it was`);
      return undefined;
    }
    const r = await pending.commit();
    const kept = r.kept ? `; the previous one is kept as ${vscode.workspace.asRelativePath(r.kept.baseline)}` : '';
    const said = `recorded ${r.rows} outputs of ${r.meta.model} ${r.meta.version} into ${test.baseline}${kept}`;
    log.info(said);
    void vscode.window.showInformationMessage(`Rollback Lens: ${said}`);
    return said;
  } catch (e) {
    log.error(`record baseline ${testId}: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
    return undefined;
  } finally {
    await pending.discard();
  }
}
