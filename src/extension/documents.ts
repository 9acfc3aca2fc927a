// Which editor documents are ours, and how they are addressed in the worker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DocRef } from '../node/language/protocol';

export const LANGUAGE_IDS = ['rollback-runbook', 'rollback-contract'] as const;
export const SELECTOR: vscode.DocumentSelector = LANGUAGE_IDS.map((language) => ({ language }));

export function isOurs(doc: vscode.TextDocument): boolean {
  return (LANGUAGE_IDS as readonly string[]).includes(doc.languageId);
}

export function docRef(doc: vscode.TextDocument): DocRef & { text: string } {
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const file = doc.uri.scheme === 'file' || doc.uri.scheme === 'vscode-remote' ? doc.uri.fsPath : doc.uri.path;
  const root = folder && folder.uri.scheme === doc.uri.scheme ? folder.uri.fsPath : path.dirname(file);
  const rel = path.relative(root, file).split(path.sep).join('/');
  return { uri: doc.uri.toString(), version: doc.version, root, path: rel || path.basename(file), text: doc.getText() };
}
