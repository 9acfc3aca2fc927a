// Reading a JSON Schema and every file it `$ref`s, through an injected host
// (a workspace on disk, an editor), so the same loader serves `test`, the
// dry-run's and drill's state checks and `validate`. Pure: the host reads.
//
// - A schema is named by a workspace path relative to the file that names it,
//   optionally with a JSON Pointer fragment (`openapi.json#/components/schemas/
//   IrisRequest`), or written inline (then its relative `$ref`s are taken
//   relative to the document it is written in).
// - `.yaml` / `.yml` files are YAML, every other file JSON.
// - A relative `$ref` (`common.schema.json#/$defs/id`) names a file next to the
//   schema that makes it; it is read, and ajv is told the URI the `$ref`
//   resolves to (against the schema's `$id` when it has one), so pointers and
//   anchors inside it are ajv's to resolve.
// - A `$ref` to an absolute URI is found among the `$id`s the loaded files
//   declare, else among the schema files of the referring file's folder that
//   declare it (a nested `$id` too; a dialect's meta-schema is ajv's own).
//   Nothing is ever fetched: a URI no file declares is an error naming the
//   `$ref`. Which `$id`s a file declares, and where a `$ref` leads among the
//   files read (derefNode), is ids.ts's, the resolver compat uses too.
// - A path that leaves the workspace (`../../etc/passwd`, lexically or, says
//   the host, through a link) is an error naming the `$ref`, and is not read.
// - An OpenAPI document (a top-level `openapi`) is one resource: its internal
//   `#/components/schemas/X` refs resolve against the whole document; only
//   the refs under `components` are followed (`paths` hold no schema of ours).
// - The dialect is the root document's (dialect.ts); a loaded file declaring
//   another one is an error: one ajv reads one dialect.
// Every failure is one message naming the file and the `$ref` concerned.
import { isObject } from '../../util/object';
import { resolveWorkspacePath } from '../../util/path';
import { LineIndex } from '../../util/text';
import { parseYaml } from '../../yaml';
import { dialectOf, openApiDialect, type Dialect } from './dialect';
import { folderOf, IdSpace, keyOf, neighbourDeclaring, resolveUri, SCHEME, valueAt, walkSchemas, withoutFragment } from './ids';

export { keyOf } from './ids';

/** What is at a path (the language host's FileStat, which a LanguageHost gives). */
export type FileStat = 'file' | 'directory' | 'missing' | 'outside';

/** What the loader reads through (a LanguageHost is one): workspace-relative posix paths. */
export interface SchemaHost {
  /** The text of a file; undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** What is at a path; 'outside' when it leaves the workspace (through a link). */
  stat(path: string): Promise<FileStat>;
  /** The file names in a folder (for `$id` lookup among a schema's neighbours); without it, only loaded files' `$id`s are known. */
  listFiles?(dir: string): Promise<string[]>;
}

/** A schema as a contract or runbook names it: a file reference (with an optional fragment) or written inline. */
export type SchemaSource = { ref: string } | { inline: unknown };

export interface SchemaDocument {
  /** Workspace-relative path. */
  path: string;
  /** The URI ajv knows it by (`file:///<path>`). */
  key: string;
  value: unknown;
  /** An OpenAPI document: not a schema itself (not checked against a meta-schema). */
  openapi: boolean;
}

export interface SchemaBundle {
  /** The root schema's URI, with its fragment. */
  rootKey: string;
  /** The file the root schema is in (the naming document for an inline one). */
  rootPath: string;
  /** The root schema's value (the subschema the fragment points at). */
  root: unknown;
  dialect: Dialect;
  documents: SchemaDocument[];
  /** Further URIs a document is reached by (a relative `$ref` resolved against an `$id`). */
  aliases: Array<{ uri: string; key: string }>;
}

export type BundleResult =
  | { ok: true; bundle: SchemaBundle }
  /** `root`: the named file itself is missing, a folder or outside (the callers' file checks say so in their words). */
  | { ok: false; message: string; root?: Exclude<FileStat, 'file'> };

/** A message with the synthetic `file:///<path>` URIs shown as workspace paths. */
export function showPaths(message: string): string {
  return message.replace(/file:\/\/\/([^\s"'`,)]*)/g, (_, p: string) => safeDecode(p));
}

function safeDecode(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

class Failure extends Error {
  constructor(
    message: string,
    readonly root?: Exclude<FileStat, 'file'>,
  ) {
    super(message);
  }
}

interface Ref {
  doc: SchemaDocument;
  base: string;
  ref: string;
}

/** Loads the schema `source` names (relative to the document at `fromPath`) and every file it refers to. */
export async function loadSchemaBundle(source: SchemaSource, fromPath: string, host: SchemaHost): Promise<BundleResult> {
  try {
    return { ok: true, bundle: await new Loader(host).load(source, fromPath) };
  } catch (e) {
    if (e instanceof Failure) return { ok: false, message: e.message, ...(e.root ? { root: e.root } : {}) };
    throw e;
  }
}

class Loader {
  private readonly docs = new Map<string, SchemaDocument>();
  /** Absolute URIs (no fragment) the loaded documents declare as `$id`. */
  private readonly declared = new Set<string>();
  private readonly aliases = new Map<string, string>();
  private readonly queue: Ref[] = [];
  /** References to resolve once every reachable file is loaded: absolute URIs, and relative ones whose file is missing. */
  private readonly pending: Array<Ref & { uri: string; missing?: string }> = [];

  constructor(private readonly host: SchemaHost) {}

  async load(source: SchemaSource, fromPath: string): Promise<SchemaBundle> {
    let rootDoc: SchemaDocument;
    let fragment = '';
    if ('inline' in source) {
      rootDoc = this.add(fromPath, source.inline, false);
    } else {
      const hash = source.ref.indexOf('#');
      const file = hash === -1 ? source.ref : source.ref.slice(0, hash);
      fragment = hash === -1 ? '' : source.ref.slice(hash + 1);
      const p = resolveWorkspacePath(fromPath, safeDecodeComponent(file));
      if (p === undefined) throw new Failure(`\`${source.ref}\` is outside the workspace`, 'outside');
      const stat = await this.host.stat(p);
      if (stat !== 'file') throw new Failure(stat === 'outside' ? `\`${source.ref}\` is outside the workspace (through a link)` : stat === 'directory' ? `\`${source.ref}\` is a folder, not a file` : `\`${source.ref}\` does not exist`, stat);
      rootDoc = await this.read(p);
    }
    await this.drain();
    const dialect = this.dialects(rootDoc);
    let root: unknown = rootDoc.value;
    if (fragment.startsWith('/') || fragment === '') {
      root = pointer(rootDoc.value, fragment);
      if (root === undefined) throw new Failure(`\`#${fragment}\` points at nothing in \`${rootDoc.path}\``);
    }
    return {
      rootKey: fragment ? `${rootDoc.key}#${fragment}` : rootDoc.key,
      rootPath: rootDoc.path,
      root,
      dialect,
      documents: [...this.docs.values()],
      aliases: [...this.aliases].map(([uri, key]) => ({ uri, key })),
    };
  }

  /** Reads and parses a file; a file already loaded is returned as it is. */
  private async read(path: string): Promise<SchemaDocument> {
    const known = this.docs.get(path);
    if (known) return known;
    const text = await this.host.readFile(path);
    if (text === undefined) throw new Failure(`\`${path}\` cannot be read`);
    const value = parse(path, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return this.add(path, value, isObject(value) && typeof value.openapi === 'string');
  }

  private add(path: string, value: unknown, openapi: boolean): SchemaDocument {
    if (!openapi && !isObject(value) && typeof value !== 'boolean') throw new Failure(`\`${path}\` is not a JSON Schema (an object or a boolean)`);
    const doc: SchemaDocument = { path, key: keyOf(path), value, openapi };
    this.docs.set(path, doc);
    // every `$ref` with the base URI it resolves against, every `$id` declared (ids.ts; an OpenAPI document's schemas are under `components`)
    walkSchemas({ path, value, openapi }, (node, _ptr, base, id) => {
      if (id !== undefined) this.declared.add(id);
      if (typeof node.$ref === 'string') this.queue.push({ doc, base, ref: node.$ref });
    });
    return doc;
  }

  private async drain(): Promise<void> {
    for (;;) {
      while (this.queue.length) await this.follow(this.queue.shift()!);
      const open = this.pending.filter((p) => !this.declared.has(p.uri));
      this.pending.length = 0;
      if (!open.length) return;
      // an absolute URI (or a missing file's) may be declared by a neighbour of the file that refers to it
      let found = false;
      for (const p of open) if (await this.fromNeighbours(p)) found = true;
      const still = open.filter((p) => !this.declared.has(p.uri));
      if (!found || !this.queue.length) {
        if (still.length) throw this.unresolved(still[0]!);
        return;
      }
      this.pending.push(...still);
    }
  }

  private unresolved(p: Ref & { uri: string; missing?: string }): Failure {
    const where = `the \`$ref\` \`${p.ref}\` in \`${p.doc.path}\``;
    if (p.missing) return new Failure(`\`${p.missing}\` does not exist (${where})`);
    const remote = /^https?:/i.test(p.uri);
    return new Failure(
      `${where} names \`${p.uri}\`, which no schema file declares as its \`$id\` (looked in the loaded files and next to \`${p.doc.path}\`)${remote ? '; Rollback Lens does not fetch schemas from the network' : ''}`,
    );
  }

  private async follow({ doc, base, ref }: Ref): Promise<void> {
    const hash = ref.indexOf('#');
    const urlPart = hash === -1 ? ref : ref.slice(0, hash);
    if (urlPart === '') return; // inside the same resource: ajv's
    const where = `the \`$ref\` \`${ref}\` in \`${doc.path}\``;
    if (SCHEME.test(urlPart)) {
      if (/^file:/i.test(urlPart)) throw new Failure(`${where} is a file URI: name the file by a path relative to \`${doc.path}\``);
      // a dialect's meta-schema (`{ "$ref": "http://json-schema.org/draft-07/schema#" }`) is ajv's own, never fetched
      if (dialectOf(urlPart).ok) return;
      this.pending.push({ doc, base, ref, uri: withoutFragment(urlPart) });
      return;
    }
    const uri = resolveUri(base, urlPart);
    if (uri !== undefined && this.declared.has(withoutFragment(uri)) && !uri.startsWith('file:')) return;
    const p = resolveWorkspacePath(doc.path, safeDecodeComponent(urlPart));
    if (p === undefined) throw new Failure(`${where} is outside the workspace`);
    const stat = await this.host.stat(p);
    if (stat === 'outside') throw new Failure(`${where} is outside the workspace (through a link)`);
    if (stat === 'directory') throw new Failure(`${where} names a folder, not a file`);
    if (stat === 'missing') {
      this.pending.push({ doc, base, ref, uri: withoutFragment(uri ?? keyOf(p)), missing: p });
      return;
    }
    const target = await this.read(p);
    const as = uri === undefined ? undefined : withoutFragment(uri);
    if (as !== undefined && as !== target.key) this.aliases.set(as, target.key);
  }

  /** Loads the schema file next to the referring one that declares `p.uri` as an `$id` (nested ones too); whether one was found. */
  private async fromNeighbours(p: { doc: SchemaDocument; uri: string }): Promise<boolean> {
    if (!this.host.listFiles) return false;
    const dir = folderOf(p.doc.path);
    const names = await this.host.listFiles(dir).catch(() => [] as string[]);
    const found = await neighbourDeclaring(p.uri, dir, names, (path) => this.docs.has(path), async (path) => {
      const text = await this.host.readFile(path);
      if (text === undefined) return undefined;
      try {
        return { path, value: parse(path, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
      } catch {
        return undefined; // not a schema of this one
      }
    });
    if (!found) return false;
    this.add(found.path, found.value, isObject(found.value) && typeof found.value.openapi === 'string');
    return true;
  }

  /** The root document's dialect; every other document must declare none or the same. */
  private dialects(rootDoc: SchemaDocument): Dialect {
    const of = (d: SchemaDocument): { dialect: Dialect; declared: boolean } => {
      const v = d.value;
      if (!isObject(v)) return { dialect: 'draft-07', declared: false };
      const r = d.openapi ? openApiDialect(v)! : dialectOf(v.$schema);
      if (!r.ok) throw new Failure(d === rootDoc ? r.message : `\`${d.path}\`: ${r.message}`);
      return { dialect: r.dialect, declared: d.openapi || v.$schema !== undefined };
    };
    const root = of(rootDoc);
    for (const d of this.docs.values()) {
      if (d === rootDoc) continue;
      const o = of(d);
      if (o.declared && o.dialect !== root.dialect) {
        throw new Failure(`\`${d.path}\` is written in JSON Schema ${o.dialect} but \`${rootDoc.path}\` in ${root.dialect}: the files of one schema must share a dialect`);
      }
    }
    return root.dialect;
  }
}

function safeDecodeComponent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A file's value: YAML for .yaml/.yml, JSON otherwise; a Failure naming the file and where it breaks. */
function parse(path: string, text: string): unknown {
  if (/\.ya?ml$/i.test(path)) {
    const parsed = parseYaml(text);
    const error = parsed.diagnostics.find((d) => d.severity === 'error');
    if (error || parsed.hasSyntaxErrors) {
      const at = error ? new LineIndex(text).positionAt(error.span.start) : { line: 0, character: 0 };
      throw new Failure(`\`${path}\` is not valid YAML: ${at.line + 1}:${at.character + 1}: ${error ? error.message.replace(/^YAML: /, '') : 'syntax error'}`);
    }
    return parsed.value;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Failure(`\`${path}\` is not valid JSON: ${(e as Error).message}`);
  }
}

/** The value a JSON Pointer (`/components/schemas/X`, '' for the whole) points at; undefined when nothing is there. */
export function pointer(value: unknown, ptr: string): unknown {
  if (ptr === '') return value;
  let v = value;
  for (const raw of ptr.slice(1).split('/')) {
    const seg = safeDecodeComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(v) && /^\d+$/.test(seg)) v = v[Number(seg)];
    else if (isObject(v) && Object.prototype.hasOwnProperty.call(v, seg)) v = v[seg];
    else return undefined;
  }
  return v;
}

/** The bundle's files for the `$id` resolver (ids.ts), made once per bundle. */
const spaces = new WeakMap<SchemaBundle, IdSpace>();
function spaceOf(bundle: SchemaBundle): IdSpace {
  let space = spaces.get(bundle);
  if (!space) {
    const pathOf = new Map(bundle.documents.map((d) => [d.key, d.path]));
    const aliases = bundle.aliases.flatMap((a) => (pathOf.has(a.key) ? [{ uri: a.uri, path: pathOf.get(a.key)! }] : []));
    spaces.set(bundle, (space = new IdSpace(bundle.documents, aliases)));
  }
  return space;
}

/** The base URI inside `node`, reached with `base`: its own `$id` when it is a resource the bundle declares (a nested `$id`), else `base`. */
export function baseIn(bundle: SchemaBundle, node: unknown, base: string): string {
  if (!isObject(node)) return base;
  const raw = typeof node.$id === 'string' ? node.$id : bundle.dialect === 'draft-04' && typeof node.id === 'string' ? node.id : undefined;
  if (raw === undefined || raw.startsWith('#')) return base;
  const uri = resolveUri(base, raw);
  const id = uri === undefined ? undefined : withoutFragment(uri);
  return id !== undefined && spaceOf(bundle).has(id) ? id : base;
}

/**
 * A schema node of the bundle with its `$ref`s followed (into other loaded
 * files too, by path or by `$id`, nested ones included: ids.ts), hop by hop,
 * for callers that read a schema's structure (the dry-run's `preserve` check,
 * the field checks through inline.ts): the node and the base URI its own refs
 * resolve against (a nested `$id` on the node or its target counts). A ref
 * it cannot follow (an anchor, a URI no loaded file has) leaves the node as
 * it is.
 */
export function derefNode(bundle: SchemaBundle, node: unknown, base?: string): { value: unknown; base: string } {
  const space = spaceOf(bundle);
  if (base === undefined) {
    const hash = bundle.rootKey.indexOf('#');
    base = space.baseAt(bundle.rootPath, hash === -1 ? '' : safeDecodeComponent(bundle.rootKey.slice(hash + 1)));
  }
  base = baseIn(bundle, node, base);
  for (let hops = 0; hops < 32 && isObject(node) && typeof node.$ref === 'string'; hops++) {
    const at = space.resolveFrom(base, node.$ref);
    const doc = at && bundle.documents.find((d) => d.path === at.path);
    const value = doc ? valueAt(doc.value, at!.ptr) : undefined;
    if (value === undefined) break;
    node = value;
    base = space.baseAt(at!.path, at!.ptr);
  }
  return { value: node, base: base! };
}
