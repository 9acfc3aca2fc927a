// Loading one version of a contract: the contract's text parsed as an
// InterfaceContract, and its input and output schemas resolved (written inline,
// or in a file the contract refers to with `schema: { $ref: path }`, relative to
// the contract, optionally with a JSON Pointer into it (`openapi.json#/components/
// schemas/IrisRequest`: its `#/...` refs resolve in the whole file), or an MLflow model's signature, `schema: { mlflowSignature:
// path/to/MLmodel }`), with the files its relative `$ref`s name
// (`common.schema.json#/$defs/id`, resolved against the file the ref is in,
// transitively; a `$ref` to an absolute URI is not followed). Files are read through an injected reader (a working tree, a
// git revision, an editor's host), so this stays pure; a path that leaves the
// reader's folder tree is refused before it is read. Every failure is a
// ContractLoadError whose message names the file (and line:column for YAML).
// A byte-order mark is dropped from every text read.
import { resolveWorkspacePath } from '../../util/path';
import { LineIndex } from '../../util/text';
import { isObject, asObject } from '../../util/object';
import { parseYaml } from '../../yaml';
import { signatureSchema } from '../mlflow';
import { pointer } from '../schemas/load';
import type { Direction } from './rules';

/** One file a contract version is made of: the contract itself or a schema file. */
export interface CompatDoc {
  /** The path shown to the user and put in locations (e.g. `HEAD~1:schemas/in.json`). */
  file: string;
  /** Its text, when known: locations then carry line and character. */
  text?: string;
}

/** An input or output schema, resolved: the value, and where it is written. */
export interface ResolvedSchema {
  schema: unknown;
  /** The schema file for `schema: { $ref: path }`, the contract itself for an inline schema. */
  doc: CompatDoc;
  /** JSON pointer of the schema inside `doc`: '' for a schema file, '/input/schema' or '/output/schema' inline, the fragment of `file#/pointer`. */
  pointer: string;
  /** For `file#/pointer`: the whole file, where the schema's `#/...` refs resolve. */
  document?: unknown;
  /** The workspace path of the file the schema is written in (the contract for an inline one): relative `$ref`s resolve against it. */
  path?: string;
  /** The other files its relative `$ref`s reach (`common.schema.json#/$defs/id`), transitively, by workspace path. */
  files?: Map<string, RefFile>;
}

/** A schema file reached by a `$ref`: where it is shown, and its parsed value. */
export interface RefFile {
  doc: CompatDoc;
  value: unknown;
}

/** One version of a contract: the parsed contract and its resolved schemas. */
export interface ContractVersion {
  /** The parsed YAML value. */
  contract: unknown;
  doc: CompatDoc;
  input?: ResolvedSchema;
  output?: ResolvedSchema;
}

/** Reads a file by a posix path relative to the reader's root; undefined when it does not exist. May throw for other failures. */
export type ReadFile = (path: string) => Promise<string | undefined>;

export class ContractLoadError extends Error {}

export interface LoadContractOptions {
  /** How a path given to `read` is shown in messages and locations (default: as is). */
  display?: (path: string) => string;
}

/**
 * Reads a contract and the schema files it refers to (`schema: { $ref: path }`,
 * relative to the contract) through `read`, so the same code serves a working
 * tree (files), a git revision (`git show`) or an editor (a LanguageHost's
 * readFile). Throws ContractLoadError with a message naming the file.
 */
export async function loadContractVersion(contractPath: string, read: ReadFile, options: LoadContractOptions = {}): Promise<ContractVersion> {
  const show = options.display ?? ((p: string) => p);
  const text = await readOrThrow(read, contractPath, show);
  if (text === undefined) throw new ContractLoadError(`${show(contractPath)}: no such file`);
  const doc: CompatDoc = { file: show(contractPath), text: stripBom(text) };
  const contract = parseContract(doc);
  const version: ContractVersion = { contract, doc };
  for (const dir of ['input', 'output'] as const) {
    const schema = await loadSchema(contract, dir, contractPath, doc, read, show);
    if (schema) version[dir] = schema;
  }
  return version;
}

/** Parses a contract's text; throws ContractLoadError for YAML errors and for a document that is not an InterfaceContract. */
export function parseContract(doc: CompatDoc): Record<string, unknown> {
  const parsed = parseYaml(doc.text ?? '');
  const error = parsed.diagnostics.find((d) => d.severity === 'error');
  if (error || parsed.hasSyntaxErrors) {
    const at = error ? new LineIndex(parsed.text).positionAt(error.span.start) : { line: 0, character: 0 };
    throw new ContractLoadError(`${doc.file}:${at.line + 1}:${at.character + 1}: not valid YAML: ${error ? error.message.replace(/^YAML: /, '') : 'syntax error'}`);
  }
  const value = parsed.value;
  if (!isObject(value)) throw new ContractLoadError(`${doc.file}: not an InterfaceContract (the top level is not a mapping)`);
  if (value.kind !== 'InterfaceContract') {
    throw new ContractLoadError(`${doc.file}: not an InterfaceContract (kind is ${value.kind === undefined ? 'missing' : `\`${String(value.kind)}\``})`);
  }
  return value;
}

/** Where a contract's input or output schema comes from: a file it refers to, written inline, or none. */
export function schemaSource(contract: unknown, dir: Direction): { ref: string } | { inline: unknown } | undefined {
  const s = asObject(asObject(contract)[dir]).schema;
  if (s === undefined || s === null) return undefined;
  if (isObject(s) && typeof s.$ref === 'string' && !s.$ref.startsWith('#')) return { ref: s.$ref };
  return { inline: s };
}

async function loadSchema(contract: Record<string, unknown>, dir: Direction, contractPath: string, doc: CompatDoc, read: ReadFile, show: (p: string) => string): Promise<ResolvedSchema | undefined> {
  const mlflow = asObject(asObject(contract[dir]).schema).mlflowSignature;
  if (typeof mlflow === 'string') return loadSignature(mlflow, dir, contractPath, doc, read, show);
  const src = schemaSource(contract, dir);
  if (!src) return undefined;
  if ('inline' in src) return withRefFiles({ schema: src.inline, doc, pointer: `/${dir}/schema`, path: contractPath }, read, show);
  const hash = src.ref.indexOf('#');
  const file = hash === -1 ? src.ref : src.ref.slice(0, hash);
  const fragment = hash === -1 ? '' : src.ref.slice(hash + 1);
  const p = resolveWorkspacePath(contractPath, file);
  if (p === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${src.ref}\`, which leaves the folder tree it is read from`);
  const text = await readOrThrow(read, p, show);
  if (text === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${src.ref}\`, but ${show(p)} does not exist`);
  const schemaDoc: CompatDoc = { file: show(p), text: stripBom(text) };
  const schema = parseSchemaFile(p, schemaDoc);
  if (fragment === '') return withRefFiles({ schema, doc: schemaDoc, pointer: '', path: p }, read, show);
  const sub = fragment.startsWith('/') ? pointer(schema, fragment) : undefined;
  if (sub === undefined) throw new ContractLoadError(`${schemaDoc.file}: \`#${fragment}\` (from ${dir}.schema \`${src.ref}\`) points at nothing in it`);
  return withRefFiles({ schema: sub, doc: schemaDoc, pointer: fragment, document: schema, path: p }, read, show);
}

/** A schema file's value: JSON by its `.json` name, else YAML; a ContractLoadError naming the file when it is neither. */
function parseSchemaFile(p: string, doc: CompatDoc): unknown {
  if (/\.json$/i.test(p)) {
    try {
      return JSON.parse(doc.text!) as unknown;
    } catch (e) {
      throw new ContractLoadError(`${doc.file}: not valid JSON: ${(e as Error).message}`);
    }
  }
  const parsed = parseYaml(doc.text!);
  const error = parsed.diagnostics.find((d) => d.severity === 'error');
  if (error || parsed.hasSyntaxErrors) throw new ContractLoadError(`${doc.file}: not valid YAML: ${error ? error.message.replace(/^YAML: /, '') : 'syntax error'}`);
  return parsed.value;
}

/** Keywords whose values are data, not schemas: a `$ref` inside is not a reference. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'examples', 'default', 'example']);
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** The file part of a relative `$ref` (`common.schema.json` of `common.schema.json#/$defs/id`), or undefined for a local ref or an absolute URI (not followed). */
export function refFilePart(ref: string): string | undefined {
  const file = ref.split('#')[0]!;
  if (file === '' || SCHEME.test(file) || file.startsWith('//')) return undefined;
  try {
    return decodeURIComponent(file);
  } catch {
    return file;
  }
}

/**
 * Reads the files the schema's relative `$ref`s name, and theirs, through
 * `read` (each resolved against the file the ref is written in; one that
 * leaves the folder tree is refused before it is read, one that does not
 * exist is an error naming the schema file and the `$ref`). A `$ref` to an
 * absolute URI is not followed (compat reports it as not followed).
 */
async function withRefFiles(s: ResolvedSchema, read: ReadFile, show: (p: string) => string): Promise<ResolvedSchema> {
  const files = new Map<string, RefFile>();
  // a schema inside a file: the refs of the whole file (an OpenAPI document's `components` only: `paths` hold no schema of ours)
  const whole = s.document === undefined ? s.schema : isObject(s.document) && s.document.openapi !== undefined ? s.document.components : s.document;
  const queue: Array<{ value: unknown; path: string; doc: CompatDoc }> = [{ value: whole, path: s.path!, doc: s.doc }];
  while (queue.length) {
    const { value, path: from, doc } = queue.shift()!;
    for (const ref of fileRefs(value)) {
      const file = refFilePart(ref)!;
      const p = resolveWorkspacePath(from, file);
      if (p === undefined) throw new ContractLoadError(`${doc.file}: $ref \`${ref}\` leaves the folder tree it is read from`);
      if (p === s.path || files.has(p)) continue;
      const text = await readOrThrow(read, p, show);
      if (text === undefined) throw new ContractLoadError(`${doc.file}: $ref \`${ref}\` names ${show(p)}, which does not exist`);
      const refDoc: CompatDoc = { file: show(p), text: stripBom(text) };
      const v = parseSchemaFile(p, refDoc);
      files.set(p, { doc: refDoc, value: v });
      queue.push({ value: v, path: p, doc: refDoc });
    }
  }
  return files.size ? { ...s, files } : s;
}

/** The relative file `$ref`s in a schema value, in document order. */
function fileRefs(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 128) return out;
  if (Array.isArray(v)) for (const x of v) fileRefs(x, out, depth + 1);
  else if (isObject(v)) {
    if (typeof v.$ref === 'string' && refFilePart(v.$ref) !== undefined) out.push(v.$ref);
    for (const [k, x] of Object.entries(v)) if (!DATA_KEYWORDS.has(k)) fileRefs(x, out, depth + 1);
  }
  return out;
}

/**
 * `schema: { mlflowSignature: path }`: the schema of one row from an MLmodel
 * file's signature (core/contract/mlflow.ts). Its doc has no text: the
 * schema's pointers are into the converted schema, not into the MLmodel file,
 * so changes are located at the file only.
 */
async function loadSignature(ref: string, dir: Direction, contractPath: string, doc: CompatDoc, read: ReadFile, show: (p: string) => string): Promise<ResolvedSchema> {
  const p = resolveWorkspacePath(contractPath, ref);
  if (p === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${ref}\`, which leaves the folder tree it is read from`);
  const text = await readOrThrow(read, p, show);
  if (text === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${ref}\`, but ${show(p)} does not exist`);
  const clean = stripBom(text);
  const r = signatureSchema(clean, dir === 'input' ? 'inputs' : 'outputs');
  if (!r.ok) {
    const at = new LineIndex(clean).positionAt(r.span.start);
    throw new ContractLoadError(`${show(p)}:${at.line + 1}:${at.character + 1}: ${r.message}`);
  }
  return { schema: r.schema, doc: { file: show(p) }, pointer: '' };
}

async function readOrThrow(read: ReadFile, p: string, show: (p: string) => string): Promise<string | undefined> {
  try {
    return await read(p);
  } catch (e) {
    if (e instanceof ContractLoadError) throw e;
    throw new ContractLoadError(`cannot read ${show(p)}: ${(e as Error).message}`);
  }
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
