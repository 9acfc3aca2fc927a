// `rollback-lens validate`: the language service over files on disk.
import * as path from 'node:path';
import { DEFAULT_ANALYSIS_OPTIONS, fileTooLarge, LanguageService, LineIndex } from '../core';
import { lastDrillFromAudit } from '../node/audit';
import { findDocuments, readDocument } from '../node/documents';
import { NodeHost } from '../node/language/host';
import { isWithin, toWorkspacePath } from '../node/workspace';
import { displayPath } from '../node/workspace';
import { toFileDiagnostic, type FileDiagnostic } from './format';

export interface ValidateOptions {
  cwd: string;
  /** Workspace root: references must stay inside it. */
  workspace: string;
  maxFileSize?: number;
  now?: () => number;
}

export interface ValidateResult {
  files: number;
  diagnostics: FileDiagnostic[];
  unmatched: string[];
  /** Files that could not be read at all. */
  ioErrors: Array<{ file: string; message: string }>;
}

export async function validatePaths(args: string[], options: ValidateOptions): Promise<ValidateResult> {
  const { files, unmatched } = await findDocuments(args, options.cwd);
  const maxSize = options.maxFileSize ?? DEFAULT_ANALYSIS_OPTIONS.maxSize;
  const hosts = new Map<string, { host: NodeHost; service: LanguageService }>();
  const serviceFor = (root: string) => {
    let h = hosts.get(root);
    if (!h) {
      const host = new NodeHost(root, { lastDrill: lastDrillFromAudit(root), ...(options.now ? { now: options.now } : {}) });
      h = { host, service: new LanguageService(host, { ...DEFAULT_ANALYSIS_OPTIONS, maxSize }) };
      hosts.set(root, h);
    }
    return h;
  };
  const diagnostics: FileDiagnostic[] = [];
  const ioErrors: ValidateResult['ioErrors'] = [];
  for (const file of files) {
    const shown = displayPath(options.cwd, file);
    // a file outside the workspace is its own workspace: its folder
    const root = isWithin(options.workspace, file) ? options.workspace : path.dirname(file);
    const read = await readDocument(file, maxSize);
    if (read.kind === 'error') {
      ioErrors.push({ file: shown, message: read.message });
      continue;
    }
    if (read.kind === 'too-large') {
      diagnostics.push(toFileDiagnostic(shown, fileTooLarge(read.size, maxSize), () => ({ line: 0, character: 0 })));
      continue;
    }
    const { service } = serviceFor(root);
    const doc = { uri: file, version: 1, path: toWorkspacePath(root, file), text: read.text };
    const found = await service.validate(doc);
    service.close(file);
    const index = new LineIndex(read.text);
    for (const d of found) diagnostics.push(toFileDiagnostic(shown, d, (o) => index.positionAt(o)));
  }
  return { files: files.length, diagnostics, unmatched, ioErrors };
}
