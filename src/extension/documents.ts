// Which editor documents are ours, and how they (and files read from disk)
// are addressed in the worker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DocRef } from '../node/language/protocol';

export const LANGUAGE_IDS = ['rollback-runbook', 'rollback-contract', 'rollback-policy'] as const;
/** Every runbook, contract and policy of a workspace, as the CLI's `validate .` finds them (src/node/documents.ts). */
export const DOCUMENT_GLOB = '**/*.{runbook,contract,policy}.{yaml,yml}';
/** The runbooks and contracts only (the Rollback Lens view lists these; a policy has no runs). */
export const RUNBOOK_CONTRACT_GLOB = '**/*.{runbook,contract}.{yaml,yml}';
/** The policies of a workspace: one changing changes what every runbook and contract near it is checked against. */
export const POLICY_GLOB = '**/*.policy.{yaml,yml}';
export const DOCUMENT_IGNORE = '**/{node_modules,.git,.vscode-test}/**';
export const SELECTOR: vscode.DocumentSelector = LANGUAGE_IDS.map((language) => ({ language }));

export function isOurs(doc: vscode.TextDocument): boolean {
  return (LANGUAGE_IDS as readonly string[]).includes(doc.languageId);
}

export function docRef(doc: vscode.TextDocument): DocRef & { text: string } {
  return textRef(doc.uri, doc.version, doc.getText());
}

/** A text that is no editor document (a file read from disk), under a version of the caller's choosing. */
export function textRef(uri: vscode.Uri, version: number, text: string): DocRef & { text: string } {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const file = uri.scheme === 'file' || uri.scheme === 'vscode-remote' ? uri.fsPath : uri.path;
  const root = folder && folder.uri.scheme === uri.scheme ? folder.uri.fsPath : path.dirname(file);
  const rel = path.relative(root, file).split(path.sep).join('/');
  return { uri: uri.toString(), version, root, path: rel || path.basename(file), text };
}
