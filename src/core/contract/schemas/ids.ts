// The one resolver of `$id`s: which schema a `$ref` names, among files already
// read, for the schema loader (load.ts: which file a `$ref` to an absolute URI
// reads; derefNode for the field checks) and compat (compat/load.ts, refs.ts),
// so validation, the field checks and compat agree.
//
// - A file is known by `file:///<workspace path>` (keyOf). Every `$id` in it
//   (the top-level one, nested ones in `$defs`; draft-04's `id`) names the
//   subschema it is on, resolved against the `$id` around it, as ajv does; a
//   `$ref` resolves against the innermost `$id` around it (baseAt), so a
//   `#/...` ref inside a nested resource is a pointer into that resource.
// - A top-level `$id` that is not an absolute URI (`schemas/common.json`)
//   names nothing new: ajv knows such a file by its path only, so it is found
//   by its path, as a file without an `$id`.
// - `#anchor` ids and fragments that are not JSON Pointers are not resolved
//   here (ajv's, for validation). Pointers handed out are JSON Pointers with
//   `~0`/`~1` escapes, not percent-encoded.
// - An OpenAPI document's schemas are under `components` only; data keywords
//   (`const`, `enum`, `default`, `examples`) hold no schema.
// Nothing is fetched: a URI is looked up in the files given, or in files a
// caller reads from the referring file's folder (neighbourDeclaring). Pure.
import { hasOwn, isObject } from '../../util/object';
import { dialectOf } from './dialect';

export const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
/** Keywords whose values are data, not schemas: a `$ref` or `$id` inside is not one. */
export const DATA_KEYWORDS = new Set(['const', 'enum', 'examples', 'default', 'example']);
/** How many neighbour files are opened to look for an `$id`. */
const MAX_NEIGHBOURS = 200;

/** The URI a workspace path is known by. */
export function keyOf(path: string): string {
  return `file:///${encodeURI(path)}`;
}

export const withoutFragment = (uri: string): string => uri.split('#')[0]!;

export function resolveUri(base: string, ref: string): string | undefined {
  try {
    return new URL(ref, base).href;
  } catch {
    return SCHEME.test(ref) ? ref : undefined;
  }
}

/** A schema file as the resolver sees it: its workspace path and parsed value (an OpenAPI document's schemas are under `components`). */
export interface IdDoc {
  path: string;
  value: unknown;
  openapi?: boolean;
}

const isOpenApi = (d: IdDoc): boolean => d.openapi ?? (isObject(d.value) && typeof d.value.openapi === 'string');

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Every schema object of a document with its JSON Pointer and the base URI
 * its `$ref` resolves against; `id` is the URI its own `$id` names, if any.
 */
export function walkSchemas(d: IdDoc, visit: (node: Record<string, unknown>, ptr: string, base: string, id?: string) => void): void {
  const openapi = isOpenApi(d);
  const draft04 = !openapi && isObject(d.value) && (dialectOf(d.value.$schema) as { dialect?: string }).dialect === 'draft-04';
  const go = (v: unknown, ptr: string, base: string, depth: number): void => {
    if (depth > 128) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => go(x, `${ptr}/${i}`, base, depth + 1));
      return;
    }
    if (!isObject(v)) return;
    const raw = typeof v.$id === 'string' ? v.$id : draft04 && typeof v.id === 'string' ? v.id : undefined;
    let id: string | undefined;
    // a top-level relative `$id`: ajv knows the file by its path (see the top of this file)
    if (raw !== undefined && !raw.startsWith('#') && (ptr !== '' || SCHEME.test(raw))) {
      const resolved = resolveUri(base, raw);
      if (resolved !== undefined) base = id = withoutFragment(resolved);
    }
    visit(v, ptr, base, id);
    for (const [k, x] of Object.entries(v)) if (!DATA_KEYWORDS.has(k)) go(x, `${ptr}/${escapePointer(k)}`, base, depth + 1);
  };
  if (openapi) go(isObject(d.value) ? d.value.components : undefined, '/components', keyOf(d.path), 1);
  else go(d.value, '', keyOf(d.path), 0);
}

/** The URIs a document's `$id`s name, each with the pointer of its subschema. */
export function declaredIds(d: IdDoc): Map<string, string> {
  const out = new Map<string, string>();
  walkSchemas(d, (_node, ptr, _base, id) => {
    if (id !== undefined && !out.has(id)) out.set(id, ptr);
  });
  return out;
}

/** The value at a JSON Pointer (`~0`/`~1` escaped, not percent-encoded); undefined when nothing is there. */
export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let cur = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (isObject(cur) && hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** Where a `$ref` leads: a file of the set and a JSON Pointer in it. */
export interface RefTarget {
  path: string;
  ptr: string;
}

/** A set of schema files, by the URI of each and every `$id` declared in them. */
export class IdSpace {
  private readonly byUri = new Map<string, RefTarget>();
  /** Per file, its resources (pointer and URI), innermost (longest pointer) first. */
  private readonly resources = new Map<string, Array<{ ptr: string; uri: string }>>();

  /** `aliases`: further URIs a file is known by (a relative `$ref` resolved against an `$id`, read by path). */
  constructor(docs: Iterable<IdDoc>, aliases: Iterable<{ uri: string; path: string }> = []) {
    const all = [...docs];
    for (const d of all) this.byUri.set(keyOf(d.path), { path: d.path, ptr: '' });
    for (const d of all) {
      const ids = [...declaredIds(d)].map(([uri, ptr]) => ({ uri, ptr }));
      for (const { uri, ptr } of ids) if (!this.byUri.has(uri)) this.byUri.set(uri, { path: d.path, ptr });
      this.resources.set(d.path, ids.sort((a, b) => b.ptr.length - a.ptr.length));
    }
    for (const a of aliases) if (!this.byUri.has(a.uri)) this.byUri.set(a.uri, { path: a.path, ptr: '' });
  }

  /** The file and pointer a URI (without fragment) names; undefined when none of these files is it. */
  find(uri: string): RefTarget | undefined {
    return this.byUri.get(uri);
  }

  /** Whether some file of the set is, or declares, this URI. */
  has(uri: string): boolean {
    return this.byUri.has(uri);
  }

  /** The URI `$ref`s at `ptr` in a file resolve against: the innermost `$id` around it, else the file's own URI. */
  baseAt(path: string, ptr: string): string {
    for (const r of this.resources.get(path) ?? []) if (ptr === r.ptr || ptr.startsWith(`${r.ptr}/`)) return r.uri;
    return keyOf(path);
  }

  /** Where the `$ref` `ref` written at `ptr` in the file `path` leads, when it is one of these files (a JSON Pointer fragment only). */
  resolve(path: string, ptr: string, ref: string): RefTarget | undefined {
    return this.resolveFrom(this.baseAt(path, ptr), ref);
  }

  /** Where the `$ref` `ref` leads when it resolves against the URI `base`. */
  resolveFrom(base: string, ref: string): RefTarget | undefined {
    const target = resolveUri(base, ref);
    if (target === undefined) return undefined;
    const hash = target.indexOf('#');
    const at = this.find(hash === -1 ? target : target.slice(0, hash));
    if (!at) return undefined;
    let fragment: string;
    try {
      fragment = decodeURIComponent(hash === -1 ? '' : target.slice(hash + 1));
    } catch {
      return undefined;
    }
    if (fragment !== '' && !fragment.startsWith('/')) return undefined;
    return { path: at.path, ptr: at.ptr + fragment };
  }
}

/**
 * The schema file in folder `dir` (`.json`, `.yaml`, `.yml`, by name, at most
 * MAX_NEIGHBOURS) that declares `uri` by an `$id`, nested ones included:
 * `load` reads and parses one (undefined: not readable or not a schema,
 * skipped); `skip` says which are read already.
 */
export async function neighbourDeclaring<T extends { value: unknown }>(
  uri: string,
  dir: string,
  names: string[],
  skip: (path: string) => boolean,
  load: (path: string) => Promise<T | undefined>,
): Promise<T | undefined> {
  for (const name of names.filter((n) => /\.(json|ya?ml)$/i.test(n)).sort().slice(0, MAX_NEIGHBOURS)) {
    const path = dir ? `${dir}/${name}` : name;
    if (skip(path)) continue;
    const loaded = await load(path);
    if (loaded !== undefined && declaredIds({ path, value: loaded.value }).has(uri)) return loaded;
  }
  return undefined;
}

/** The folder of a workspace path ('' at the top). */
export function folderOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
}
