// The commands a newcomer finds in the palette with no file open, as one
// table (id -> handler): New Runbook and New Contract (a file from the
// skeleton, named new.runbook.yaml / new.contract.yaml — new-2, new-3, ... when
// taken — in the first workspace folder, or untitled with the language set
// when no folder is open), Validate Workspace (every runbook and contract into
// the Problems panel, and the CLI's summary line), Run All Contract Tests (the
// Test Explorer's run of every contract), Show Log (the output channel), and
// the Rollback Lens view's Refresh.
// Each resolves with what it did, for the walkthrough's tests.
import * as vscode from 'vscode';
import { CONTRACT_SKELETON } from '../core/contract/skeleton';
import { RUNBOOK_SKELETON } from '../core/runbook/skeleton';
import type { ContractTests, RunRecord } from './contracts';
import type { DiagnosticsController, WorkspaceCheck } from './diagnostics';
import type { Overview } from './overview';

type Handler = (...args: never[]) => unknown;

export function registerStartCommands(deps: { diagnostics: DiagnosticsController; contracts: ContractTests; log: vscode.LogOutputChannel; overview: Overview }): vscode.Disposable[] {
  const table: Record<string, Handler> = {
    'rollbackLens.newRunbook': (target?: vscode.Uri) => newFile('rollback-runbook', 'runbook', RUNBOOK_SKELETON, target),
    'rollbackLens.newContract': (target?: vscode.Uri) => newFile('rollback-contract', 'contract', CONTRACT_SKELETON, target),
    'rollbackLens.validateWorkspace': () => validateWorkspace(deps.diagnostics),
    'rollbackLens.runAllContractTests': () => runAll(deps.contracts),
    'rollbackLens.showLog': () => deps.log.show(true),
    'rollbackLens.refreshOverview': () => deps.overview.refresh(),
  };
  return Object.entries(table).map(([id, f]) => vscode.commands.registerCommand(id, f as (...args: unknown[]) => unknown));
}

/** Creates the file from the skeleton and opens it; an existing `target` is never overwritten. */
async function newFile(language: string, kind: 'runbook' | 'contract', skeleton: string, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  let doc: vscode.TextDocument;
  if (!target && !folder) {
    doc = await vscode.workspace.openTextDocument({ language, content: skeleton });
  } else {
    const uri = target ?? (await freeName(folder!.uri, kind));
    if (await exists(uri)) {
      void vscode.window.showErrorMessage(`Rollback Lens: ${vscode.workspace.asRelativePath(uri)} already exists`);
      return undefined;
    }
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(skeleton));
    doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== language) doc = await vscode.languages.setTextDocumentLanguage(doc, language);
  }
  await vscode.window.showTextDocument(doc);
  return doc.uri;
}

async function freeName(dir: vscode.Uri, kind: string): Promise<vscode.Uri> {
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(dir, `${i === 1 ? 'new' : `new-${i}`}.${kind}.yaml`);
    if (!(await exists(uri))) return uri;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function validateWorkspace(diagnostics: DiagnosticsController): Promise<WorkspaceCheck> {
  const check = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Rollback Lens: validating the workspace', cancellable: true },
    (_p, token) => diagnostics.validateWorkspace(token),
  );
  const say = check.errors ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void say(`Rollback Lens: ${check.summary}`, 'Show Problems').then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
  return check;
}

async function runAll(contracts: ContractTests): Promise<RunRecord[]> {
  await contracts.discoverAll();
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Rollback Lens: all contract tests', cancellable: true },
    (_p, token) => contracts.run(new vscode.TestRunRequest(), token),
  );
}
