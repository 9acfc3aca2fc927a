// The one schema loader: a contract's input and output schemas, a runbook's
// state schemas, read (load.ts, through a host), their dialect chosen
// (dialect.ts) and compiled (compile.ts). `test`, the dry-run and drill, and
// `validate` all call `loadSchema`, so they agree on what a schema is and on
// why one cannot be used. Pure.
import type { ValidateFunction } from 'ajv';
import { compileBundle } from './compile';
import type { AjvOptions, Dialect } from './dialect';
import { derefNode, loadSchemaBundle, type FileStat, type SchemaHost, type SchemaSource } from './load';

export { createAjv, DEFAULT_DIALECT, dialectOf, openApiDialect, type AjvOptions, type Dialect } from './dialect';
export { derefNode, keyOf, type FileStat, loadSchemaBundle, pointer, showPaths, type SchemaBundle, type SchemaDocument, type SchemaHost, type SchemaSource } from './load';
export { compileBundle, type CompileResult } from './compile';
export { inlinedSchema } from './inline';

export type LoadedSchema =
  | {
      ok: true;
      validate: ValidateFunction;
      /** The root schema's value. */
      schema: unknown;
      dialect: Dialect;
      /** Every file read, workspace paths. */
      files: string[];
      /** A node of the schema with its `$ref`s followed (into the other files read too); `base` is the URI its refs resolve against (default: the root's). */
      deref(node: unknown, base?: string): { value: unknown; base: string };
    }
  /** `root`: the named file itself is missing, a folder or outside (callers word that themselves). */
  | { ok: false; message: string; root?: Exclude<FileStat, 'file'> };

/** Reads, resolves and compiles the schema `source` names, relative to the document at `fromPath`. */
export async function loadSchema(source: SchemaSource, fromPath: string, host: SchemaHost, options: AjvOptions = {}): Promise<LoadedSchema> {
  const loaded = await loadSchemaBundle(source, fromPath, host);
  if (!loaded.ok) return loaded;
  const compiled = compileBundle(loaded.bundle, options);
  if (!compiled.ok) return compiled;
  const bundle = loaded.bundle;
  return {
    ok: true,
    validate: compiled.validate,
    schema: bundle.root,
    dialect: bundle.dialect,
    files: bundle.documents.map((d) => d.path).filter((p) => p !== fromPath || !('inline' in source)),
    deref: (node, base) => (base === undefined ? derefNode(bundle, node) : derefNode(bundle, node, base)),
  };
}

/** One sentence for a schema that cannot be used, the same from `test`, the dry-run and `validate`: "the input schema `s.json` cannot be compiled: …". */
export function schemaProblem(what: string, ref: string | undefined, message: string): string {
  return `${what}${ref === undefined ? '' : ` \`${ref}\``} ${message.startsWith('cannot be compiled') ? message : `cannot be used: ${message}`}`;
}
