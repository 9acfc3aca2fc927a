// Every value the schema types as `#/definitions/filePath` must name a file
// inside the workspace that exists. Paths are relative to the document's folder.
// A missing one offers to create it (a stub of its kind, skeletons.ts).
import { resolveWorkspacePath } from '../../util/path';
import type { FileStat } from '../host';
import { pathsToDefinition, type JsonSchema } from '../schemas';
import { stubFor } from '../skeletons';
import type { Diagnostic, DocumentKind } from '../../types';
import type { PathSegment } from '../../yaml';
import { diag, valueAt, type CheckContext } from './context';

const patternCache = new WeakMap<JsonSchema, Map<string, string[][]>>();

export interface FileRef {
  path: PathSegment[];
  ref: string;
}

/** Every string in `value` at a place the schema types as `#/definitions/<definition>`. */
export function stringsOfDefinition(schema: JsonSchema, value: unknown, definition: string): FileRef[] {
  let bySchema = patternCache.get(schema);
  if (!bySchema) patternCache.set(schema, (bySchema = new Map()));
  let patterns = bySchema.get(definition);
  if (!patterns) bySchema.set(definition, (patterns = pathsToDefinition(schema, definition)));
  const out: FileRef[] = [];
  for (const pattern of patterns) collect(value, pattern, 0, [], out);
  return out;
}

export function fileRefs(schema: JsonSchema, value: unknown): FileRef[] {
  return stringsOfDefinition(schema, value, 'filePath');
}

function collect(v: unknown, pattern: string[], i: number, path: PathSegment[], out: FileRef[]): void {
  if (i === pattern.length) {
    if (typeof v === 'string') out.push({ path, ref: v });
    return;
  }
  if (!v || typeof v !== 'object') return;
  const seg = pattern[i]!;
  if (Array.isArray(v)) {
    if (seg !== '*') return;
    v.forEach((item, idx) => collect(item, pattern, i + 1, [...path, idx], out));
    return;
  }
  const obj = v as Record<string, unknown>;
  if (seg === '*') for (const k of Object.keys(obj)) collect(obj[k], pattern, i + 1, [...path, k], out);
  else if (Object.prototype.hasOwnProperty.call(obj, seg)) collect(obj[seg], pattern, i + 1, [...path, seg], out);
}

export async function checkFileRefs(ctx: CheckContext, schema: JsonSchema, kind: DocumentKind): Promise<Diagnostic[]> {
  const refs = fileRefs(schema, ctx.value);
  // many steps name the same file: ask the host once per path
  const stats = new Map<string, Promise<FileStat>>();
  const stat = (p: string) => stats.get(p) ?? stats.set(p, ctx.host.stat(p)).get(p)!;
  const results = await Promise.all(
    refs.map(async ({ path, ref }): Promise<Diagnostic | undefined> => {
      const resolved = resolveWorkspacePath(ctx.documentPath, ref);
      if (resolved === undefined) {
        return diag(valueAt(ctx, path), 'error', 'file-outside-workspace', `\`${ref}\` points outside the workspace; referenced files must live inside it`);
      }
      const found = await stat(resolved);
      if (found === 'outside') {
        return diag(valueAt(ctx, path), 'error', 'file-outside-workspace', `\`${ref}\` resolves outside the workspace (through a link); referenced files must live inside it`);
      }
      if (found === 'missing') {
        // "Create it": the least the file's reader accepts, written by the editor
        const create = stubFor(kind, path, resolved);
        return diag(valueAt(ctx, path), 'error', 'missing-file', `file \`${ref}\` does not exist (looked for \`${resolved}\`)`, {
          ...(create ? { fixes: [{ title: `Create \`${resolved}\``, edits: [], create }] } : {}),
        });
      }
      if (found === 'directory') return diag(valueAt(ctx, path), 'error', 'missing-file', `\`${ref}\` is a folder, not a file`);
      return undefined;
    }),
  );
  return results.filter((d): d is Diagnostic => d !== undefined);
}
