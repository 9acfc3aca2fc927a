// The editor side of a "Create it" quick fix: the code action runs
// `rollbackLens.createFile` with the document and the file to create; the file
// is written by src/node/createFile.ts inside the document's workspace folder
// (confined, never over an existing file, a script made executable), then the
// documents are validated again so the missing-file error goes at once.
// A refusal is shown as a warning and logged; nothing is thrown at the user.
import * as vscode from 'vscode';
import type { FileToCreate } from '../core/types';
import { createWorkspaceFile } from '../node/createFile';

export const CREATE_FILE_COMMAND = 'rollbackLens.createFile';

export function registerCreateFile(log: vscode.LogOutputChannel, onCreated: () => void): vscode.Disposable {
  return vscode.commands.registerCommand(CREATE_FILE_COMMAND, async (document: vscode.Uri | string, file: FileToCreate): Promise<boolean> => {
    const uri = typeof document === 'string' ? vscode.Uri.parse(document) : document;
    const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
    if (!folder || !file || typeof file.path !== 'string' || typeof file.content !== 'string') {
      void vscode.window.showWarningMessage('Rollback Lens: the file can only be created inside an open workspace folder.');
      return false;
    }
    const created = await createWorkspaceFile(folder.uri.fsPath, { path: file.path, content: file.content, ...(file.executable ? { executable: true } : {}) });
    if (!created.ok) {
      log.warn(`create ${file.path}: ${created.message}`);
      void vscode.window.showWarningMessage(`Rollback Lens: ${created.message}`);
      return false;
    }
    log.info(`created ${file.path}${file.executable ? ' (executable)' : ''}`);
    onCreated();
    return true;
  });
}
