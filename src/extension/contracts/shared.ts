// What the pieces of the contract tests share: which files are contracts, the
// message every refused run and lens gives in Restricted Mode, and the
// workspace folder a contract runs in (its folder's, else the file's own).
import * as path from 'node:path';
import * as vscode from 'vscode';

export const CONTRACT_GLOB = '**/*.contract.{yaml,yml}';
export const UNTRUSTED = 'Running contract tests executes the model command from this workspace, so it needs a trusted workspace (Restricted Mode is on).';

export function workspaceOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}
