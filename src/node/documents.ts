// Finding and reading Rollback Lens documents on disk, with bounded memory:
// a file over the size limit is never read whole.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export const DOCUMENT_GLOB = '**/*.{runbook,contract}.{yaml,yml}';
const IGNORE = ['**/node_modules/**', '**/.git/**', '**/.vscode-test/**'];

export interface FoundFiles {
  files: string[];
  /** Arguments that matched nothing. */
  unmatched: string[];
}

/** Expands paths, folders (searched for runbooks and contracts) and globs to absolute file paths. */
export async function findDocuments(args: string[], cwd: string): Promise<FoundFiles> {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    let st: Stats | undefined;
    try {
      st = await fs.stat(abs);
    } catch {
      st = undefined;
    }
    let found: string[] = [];
    if (st?.isDirectory()) {
      found = await glob(DOCUMENT_GLOB, { cwd: abs, absolute: true, ignore: IGNORE, dot: false });
    } else if (st?.isFile()) {
      found = [abs];
    } else if (isDynamicPattern(arg)) {
      found = await glob(arg, { cwd, absolute: true, ignore: IGNORE });
    }
    if (found.length === 0) unmatched.push(arg);
    for (const f of found) files.add(path.normalize(f));
  }
  return { files: [...files].sort(), unmatched };
}

export type ReadResult = { kind: 'text'; text: string } | { kind: 'too-large'; size: number } | { kind: 'error'; message: string };

/** Reads a document as UTF-8 (BOM removed) unless it is larger than `maxBytes`. */
export async function readDocument(file: string, maxBytes: number): Promise<ReadResult> {
  try {
    const st = await fs.stat(file);
    if (st.size > maxBytes) return { kind: 'too-large', size: st.size };
    const text = await fs.readFile(file, 'utf8');
    return { kind: 'text', text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    return { kind: 'error', message: (e as Error).message };
  }
}
