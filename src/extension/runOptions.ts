// What every run started from the editor (dry-run, drill, rollback) is given
// besides its runbook: the workspace folder its files must stay inside, and
// the `rollbackLens.validateFormats` setting.
import * as path from 'node:path';
import * as vscode from 'vscode';

/** The workspace folder of a file, else its own folder. */
export function workspaceOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}

/** `rollbackLens.validateFormats` (default true): false turns off the schemas' `format` checks, as `--no-formats` does. */
export function formatsSetting(): { formats?: false } {
  return vscode.workspace.getConfiguration('rollbackLens').get<boolean>('validateFormats', true) === false ? { formats: false } : {};
}
