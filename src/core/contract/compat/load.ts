// Loading one version of a contract: the contract's text parsed as an
// InterfaceContract, and its input and output schemas resolved (written inline,
// or in a file the contract refers to with `schema: { $ref: path }`, relative to
// the contract, optionally with a JSON Pointer into it (`openapi.json#/components/
// schemas/IrisRequest`: its `#/...` refs resolve in the whole file), or an MLflow model's signature, `schema: { mlflowSignature:
// path/to/MLmodel }`), with the files its relative `$ref`s name
// (`common.schema.json#/$defs/id`, resolved against the file the ref is in,
// transitively) and the files that declare the `$id`s its absolute `$ref`s
// name (`https://example.com/iris/common.schema.json#/$defs/p`: among the
// files read, else next to the referring file when the reader can list a
// folder; nested `$id`s too; the one resolver, ../schemas/ids.ts, that
// validation uses; never fetched). Files are read through an injected reader (a working tree, a
// git revision, an editor's host), so this stays pure; a path that leaves the
// reader's folder tree is refused before it is read. Every failure is a
// ContractLoadError whose message names the file (and line:column for YAML,
// and for a `$ref` that cannot be followed: the `$ref`'s value).
// A byte-order mark is dropped from every text read.
import { resolveWorkspacePath } from '../../util/path';
import { LineIndex } from '../../util/text';
import { isObject, asObject } from '../../util/object';
import { parseYaml } from '../../yaml';
import { signatureSchema } from '../mlflow';
import { dialectOf } from '../schemas/dialect';
import { folderOf, neighbourDeclaring, resolveUri, SCHEME, walkSchemas, withoutFragment, type IdDoc } from '../schemas/ids';
import { pointer } from '../schemas/load';
import { positionOf, textTree } from './position';
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
  /** The other files its `$ref`s reach (`common.schema.json#/$defs/id`, or by `$id`), transitively, by workspace path. */
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
  /** The file names in a folder (a path as `read` takes it), where a schema file declaring an absolute `$ref`'s `$id` is looked for; without it, only the files read are. */
  listFiles?: (dir: string) => Promise<string[]>;
}

/** How a version's files are read: the reader, how paths are shown, and folder listings. */
interface Io {
  read: ReadFile;
  show: (p: string) => string;
  list?: (dir: string) => Promise<string[]>;
}

/**
 * Reads a contract and the schema files it refers to (`schema: { $ref: path }`,
 * relative to the contract) through `read`, so the same code serves a working
 * tree (files), a git revision (`git show`) or an editor (a LanguageHost's
 * readFile). Throws ContractLoadError with a message naming the file.
 */
export async function loadContractVersion(contractPath: string, read: ReadFile, options: LoadContractOptions = {}): Promise<ContractVersion> {
  const show = options.display ?? ((p: string) => p);
  const io: Io = { read, show, ...(options.listFiles ? { list: options.listFiles } : {}) };
  const text = await readOrThrow(read, contractPath, show);
  if (text === undefined) throw new ContractLoadError(`${show(contractPath)}: no such file`);
  const doc: CompatDoc = { file: show(contractPath), text: stripBom(text) };
  const contract = parseContract(doc);
  const version: ContractVersion = { contract, doc };
  for (const dir of ['input', 'output'] as const) {
    const schema = await loadSchema(contract, dir, contractPath, doc, io);
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

async function loadSchema(contract: Record<string, unknown>, dir: Direction, contractPath: string, doc: CompatDoc, io: Io): Promise<ResolvedSchema | undefined> {
  const { read, show } = io;
  const mlflow = asObject(asObject(contract[dir]).schema).mlflowSignature;
  if (typeof mlflow === 'string') return loadSignature(mlflow, dir, contractPath, doc, read, show);
  const src = schemaSource(contract, dir);
  if (!src) return undefined;
  if ('inline' in src) return withRefFiles({ schema: src.inline, doc, pointer: `/${dir}/schema`, path: contractPath }, io);
  const hash = src.ref.indexOf('#');
  const file = hash === -1 ? src.ref : src.ref.slice(0, hash);
  const fragment = hash === -1 ? '' : src.ref.slice(hash + 1);
  const p = resolveWorkspacePath(contractPath, file);
  if (p === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${src.ref}\`, which leaves the folder tree it is read from`);
  const text = await readOrThrow(read, p, show);
  if (text === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${src.ref}\`, but ${show(p)} does not exist`);
  const schemaDoc: CompatDoc = { file: show(p), text: stripBom(text) };
  const schema = parseSchemaFile(p, schemaDoc);
  if (fragment === '') return withRefFiles({ schema, doc: schemaDoc, pointer: '', path: p }, io);
  const sub = fragment.startsWith('/') ? pointer(schema, fragment) : undefined;
  if (sub === undefined) throw new ContractLoadError(`${schemaDoc.file}: \`#${fragment}\` (from ${dir}.schema \`${src.ref}\`) points at nothing in it`);
  return withRefFiles({ schema: sub, doc: schemaDoc, pointer: fragment, document: schema, path: p }, io);
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

/** The file part of a relative `$ref` (`common.schema.json` of `common.schema.json#/$defs/id`), or undefined for a local ref or an absolute URI (found by `$id`). */
export function refFilePart(ref: string): string | undefined {
  const file = ref.split('#')[0]!;
  if (file === '' || SCHEME.test(file) || file.startsWith('//')) return undefined;
  try {
    return decodeURIComponent(file);
  } catch {
    return file;
  }
}

/** A `$ref` to a file not read yet: resolved once every file its schema reaches by path is read (it may be declared by an `$id` in one). */
interface Pending {
  ref: string;
  uri: string;
  /** Where it is written: the file's path, its doc, the pointer of its `$ref` value in that doc's text. */
  from: string;
  doc: CompatDoc;
  at: string;
  /** A relative `$ref` whose file does not exist (unless an `$id` names its URI). */
  missing?: string;
}

/**
 * Reads the files the schema's `$ref`s reach, and theirs, through `io.read`:
 * a relative `$ref` names a file resolved against the file it is written in
 * (one that leaves the folder tree is refused before it is read; one that
 * does not exist is an error at the `$ref`), unless the URI it resolves to
 * against an `$id` is declared by a file read; an absolute URI is the file
 * that declares it as an `$id` (ids.ts): one read already, else one next to
 * the referring file (`io.list`); one no file declares is an error at the
 * `$ref`. A dialect's meta-schema is not read (compat reports it as not
 * followed).
 */
async function withRefFiles(s: ResolvedSchema, io: Io): Promise<ResolvedSchema> {
  const files = new Map<string, RefFile>();
  // a schema inside a file: the refs of the whole file (an OpenAPI document's `components` only: `paths` hold no schema of ours)
  const whole = s.document === undefined ? s.schema : s.document;
  const declared = new Set<string>();
  const queue: Array<{ d: IdDoc; doc: CompatDoc; prefix: string }> = [{ d: { path: s.path!, value: whole }, doc: s.doc, prefix: s.document === undefined ? s.pointer : '' }];
  let pending: Pending[] = [];
  const add = (p: string, doc: CompatDoc, value: unknown): void => {
    files.set(p, { doc, value });
    queue.push({ d: { path: p, value }, doc, prefix: '' });
  };
  for (;;) {
    while (queue.length) {
      const { d, doc, prefix } = queue.shift()!;
      const refs: Array<{ ref: string; base: string; at: string }> = [];
      walkSchemas(d, (node, ptr, base, id) => {
        if (id !== undefined) declared.add(id);
        if (typeof node.$ref === 'string') refs.push({ ref: node.$ref, base, at: `${prefix}${ptr}/$ref` });
      });
      for (const { ref, base, at } of refs) {
        const urlPart = withoutFragment(ref);
        if (urlPart === '') continue;
        const where = { ref, from: d.path, doc, at };
        if (refFilePart(ref) === undefined) {
          // a dialect's meta-schema (`http://json-schema.org/draft-07/schema#`) is no schema file of ours
          if (!dialectOf(urlPart).ok) pending.push({ ...where, uri: withoutFragment(resolveUri(base, urlPart) ?? urlPart) });
          continue;
        }
        const uri = resolveUri(base, urlPart);
        if (uri !== undefined && !uri.startsWith('file:') && declared.has(withoutFragment(uri))) continue;
        const p = resolveWorkspacePath(d.path, refFilePart(ref)!);
        if (p === undefined) throw new ContractLoadError(`${whereIn(doc, at)}: $ref \`${ref}\` leaves the folder tree it is read from`);
        if (p === s.path || files.has(p)) continue;
        const text = await readOrThrow(io.read, p, io.show);
        if (text === undefined) {
          // under an absolute `$id`, a file read later may declare the URI it resolves to
          const missing: Pending = { ...where, uri: uri !== undefined && !uri.startsWith('file:') ? withoutFragment(uri) : '', missing: p };
          if (missing.uri === '') throw unresolved(missing, io);
          pending.push(missing);
          continue;
        }
        const refDoc: CompatDoc = { file: io.show(p), text: stripBom(text) };
        add(p, refDoc, parseSchemaFile(p, refDoc));
      }
    }
    const open = pending.filter((p) => !declared.has(p.uri));
    if (!open.length) return files.size ? { ...s, files } : s;
    // an absolute URI (or a missing file's, under an `$id`) may be declared by a file next to the one that refers to it
    let found = false;
    for (const p of open) {
      if (declared.has(p.uri) || !io.list) continue;
      const dir = folderOf(p.from);
      const names = await io.list(dir).catch(() => [] as string[]);
      const hit = await neighbourDeclaring(p.uri, dir, names, (path) => path === s.path || files.has(path), async (path) => {
        const text = await readOrThrow(io.read, path, io.show).catch(() => undefined);
        if (text === undefined) return undefined;
        const doc: CompatDoc = { file: io.show(path), text: stripBom(text) };
        try {
          return { path, doc, value: parseSchemaFile(path, doc) };
        } catch {
          return undefined; // not a schema of this one
        }
      });
      if (!hit) continue;
      add(hit.path, hit.doc, hit.value);
      declared.add(p.uri);
      found = true;
    }
    if (!found) throw unresolved(open[0]!, io);
    pending = open;
  }
}

/** The error for a `$ref` no file read answers: at the `$ref`, in the words of a missing file or of an `$id` nobody declares. */
function unresolved(p: Pending, io: Io): ContractLoadError {
  const at = whereIn(p.doc, p.at);
  if (p.missing !== undefined) return new ContractLoadError(`${at}: $ref \`${p.ref}\` names ${io.show(p.missing)}, which does not exist`);
  const remote = /^https?:/i.test(p.uri);
  return new ContractLoadError(
    `${at}: $ref \`${p.ref}\` names \`${p.uri}\`, which no schema file declares as its \`$id\` (looked in the files read${io.list ? ` and next to ${io.show(p.from)}` : ''})${remote ? '; Rollback Lens does not fetch schemas from the network' : ''}`,
  );
}

/** `file:line:column` (1-based) of a pointer in a doc's text, or the file alone when the text is not known. */
function whereIn(doc: CompatDoc, ptr: string): string {
  const tree = doc.text === undefined ? null : textTree(doc.text);
  const pos = tree ? positionOf(tree, ptr) : undefined;
  return pos ? `${doc.file}:${pos.line + 1}:${pos.character + 1}` : doc.file;
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
