// Finding, reading and loading Rollback Lens documents on disk, with bounded
// memory: a file over the size limit is never read whole.
//
// loadDocument is the one loader every command that acts on a document uses
// (dry-run, drill, sign-off, contract tests, baselines): read -> analyse ->
// check the kind -> a DocumentError whose message is one located line,
// `file:line:col: code message (run \`rollback-lens validate\` for every
// problem)`, the same for every command. `file` is shown as the caller gave it.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { analyze, type Analysis } from '../core/language/analysis';
import type { DocumentKind } from '../core/types';
import { LineIndex } from '../core/util/text';
import type { PNode } from '../core/yaml';
import { toWorkspacePath } from './workspace';

export const DOCUMENT_GLOB = '**/*.{runbook,contract,policy}.{yaml,yml}';
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

/** A document that cannot be acted on: unreadable, not valid, or of another kind. The message is one located line. */
export class DocumentError extends Error {}

export interface LoadedDocument {
  /** Absolute path. */
  file: string;
  /** Workspace-relative posix path (the file name when no workspace is given). */
  rel: string;
  dir: string;
  text: string;
  index: LineIndex;
  analysis: Analysis;
  root: PNode | null;
  value: Record<string, unknown>;
}

export interface LoadOptions {
  workspace?: string;
  /**
   * Accept a document whose checks found errors (schema or value errors), as
   * long as its YAML parsed and it is of the kind: the dry-run reports them as
   * findings. By default any error refuses the document.
   */
  allowErrors?: boolean;
}

/** Reads and analyses `file` as a `kind`; a DocumentError when it cannot be read, is not valid, or is of another kind. */
export async function loadDocument(file: string, kind: DocumentKind, options: LoadOptions = {}): Promise<LoadedDocument> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (e) {
    throw new DocumentError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rel = options.workspace ? toWorkspacePath(options.workspace, abs) : path.basename(abs);
  const analysis = analyze({ path: rel, text });
  const index = new LineIndex(text);
  const where = (offset: number): string => {
    const at = index.positionAt(offset);
    return `${file}:${at.line + 1}:${at.character + 1}`;
  };
  const firstError = analysis.syntactic.find((d) => d.severity === 'error');
  if (firstError && (!options.allowErrors || !analysis.checkable)) {
    throw new DocumentError(`${where(firstError.span.start)}: ${firstError.code} ${firstError.message} (run \`rollback-lens validate\` for every problem)`);
  }
  if (analysis.kind !== kind || !analysis.checkable || !analysis.parsed) {
    const kindPair = analysis.parsed?.root?.type === 'map' ? analysis.parsed.root.pairs.find((p) => p.keyText === 'kind') : undefined;
    const declared = analysis.kind ? `: it is ${analysis.kind === 'InterfaceContract' ? 'an' : 'a'} \`${analysis.kind}\`` : '';
    throw new DocumentError(`${where(kindPair?.value?.start ?? 0)}: not ${kind === 'InterfaceContract' ? 'an' : 'a'} ${kind}${declared}`);
  }
  return { file: abs, rel, dir: path.dirname(abs), text, index, analysis, root: analysis.parsed.root, value: analysis.parsed.value as Record<string, unknown> };
}
