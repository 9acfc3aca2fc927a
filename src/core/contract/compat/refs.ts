// JSON pointers and $refs. deref() follows `$ref`s that are local (`#`,
// `#/definitions/...`, `#/$defs/...`, any JSON pointer into the same schema),
// derefIn() those into the other files compat/load.ts read too, by relative
// path (`common.schema.json#/$defs/id`) or by `$id`
// (`https://example.com/iris/common.schema.json#/$defs/id`, nested `$id`s
// too, a `#/...` ref resolving in the `$id`'s resource: the one resolver,
// ../schemas/ids.ts); a node there carries its file in its pointer. Hop by
// hop, and both say which one they could not follow (a file not loaded, a
// pointer to nothing, a loop of references); stableSchema() is stable() with
// local references replaced by their targets (cycles cut), so two schemas
// whose shared definition changed differ. findField() finds a dotted field
// path (`input.a.b`, `output.tags[].name`) in a schema. Pure.
import { asObject, hasOwn, isObject } from '../../util/object';
import { stable } from './format';
import { refFilePart } from './load';
import { resolveWorkspacePath } from '../../util/path';
import { escapePointer, IdSpace, valueAt, type RefTarget } from '../schemas/ids';

export { escapePointer } from '../schemas/ids';

/**
 * A schema node: its value and its pointer from the schema root. A node in
 * another file (reached by a `$ref` to it) has that file's path in front of
 * its pointer (onFile / splitPtr), so pointers built from it stay in it.
 */
export interface At {
  value: unknown;
  ptr: string;
}

/** Where refs resolve: the schema's root, and for refs to other files the root's path and those files by path (compat/load.ts reads them). */
export interface RefSpace {
  root: unknown;
  path?: string;
  files?: ReadonlyMap<string, { value: unknown }>;
}

const MARK = '\u0000';

/** The pointer of a node at `ptr` inside the file `file`. */
export function onFile(file: string, ptr: string): string {
  return `${MARK}${file}${MARK}${ptr}`;
}

/** A pointer's file (undefined: the schema's own) and its pointer inside that file. */
export function splitPtr(ptr: string): { file?: string; ptr: string } {
  if (!ptr.startsWith(MARK)) return { ptr };
  const end = ptr.indexOf(MARK, 1);
  return { file: ptr.slice(1, end), ptr: ptr.slice(end + 1) };
}

export function deref(space: unknown, at: At): At | { unresolved: string; at: At } {
  return derefIn({ root: space }, at);
}

/** Each space's `$id`s (ids.ts), made once per space (by its files, else its root) and root path. */
const idSpaces = new WeakMap<object, Map<string, IdSpace>>();
function idsOf(space: RefSpace, rootPath: string): IdSpace {
  const key: object | undefined = space.files ?? (isObject(space.root) ? space.root : undefined);
  const byPath = key ? (idSpaces.get(key) ?? new Map<string, IdSpace>()) : new Map<string, IdSpace>();
  let ids = byPath.get(rootPath);
  if (!ids) {
    ids = new IdSpace([{ path: rootPath, value: space.root }, ...[...(space.files ?? [])].map(([path, f]) => ({ path, value: f.value }))]);
    byPath.set(rootPath, ids);
    if (key) idSpaces.set(key, byPath);
  }
  return ids;
}

/** deref() across files: a `$ref` to another file of `space.files` (by path or by `$id`) goes on in that file, its own `#/...` refs resolving there. */
export function derefIn(space: RefSpace, at: At): At | { unresolved: string; at: At } {
  const rootPath = space.path ?? '';
  const ids = idsOf(space, rootPath);
  let cur = at;
  const seen = new Set<string>();
  for (let hops = 0; hops < 64; hops++) {
    const v = cur.value;
    if (!isObject(v) || typeof v.$ref !== 'string') return cur;
    const ref = v.$ref;
    const here = splitPtr(cur.ptr);
    const next = ids.resolve(here.file ?? rootPath, here.ptr, ref) ?? byPath(space, here.file, ref);
    if (next === undefined) return { unresolved: ref, at: cur };
    const file = next.path === rootPath ? undefined : next.path;
    const seenKey = `${file ?? ''}#${next.ptr}`;
    if (seen.has(seenKey)) return { unresolved: ref, at: cur };
    seen.add(seenKey);
    // a ref from another file to the schema's own file reads the whole file only when the root is it
    const target = valueAt(file === undefined ? space.root : space.files?.get(file)?.value, next.ptr);
    if (target === undefined) return { unresolved: ref, at: cur };
    cur = { value: target, ptr: file === undefined ? next.ptr : onFile(file, next.ptr) };
  }
  return { unresolved: String(asObject(cur.value).$ref), at: cur };
}

/** A relative `$ref` to a file of the space by its path (resolved against the file it is in, not an `$id` around it), as compat/load.ts read it. */
function byPath(space: RefSpace, here: string | undefined, ref: string): RefTarget | undefined {
  const name = refFilePart(ref);
  if (name === undefined || space.path === undefined) return undefined;
  const p = resolveWorkspacePath(here ?? space.path, name);
  if (p === undefined || (p !== space.path && !space.files?.has(p))) return undefined;
  const hash = ref.indexOf('#');
  try {
    return { path: p, ptr: decodeURIComponent(hash === -1 ? '' : ref.slice(hash + 1)) };
  } catch {
    return undefined;
  }
}

/** Like stable(), with local $refs replaced by what they point at (cycles cut), so a changed definition shows. */
export function stableSchema(root: unknown, v: unknown, depth = 0, stack: string[] = []): string {
  if (depth > 64) return '…';
  if (Array.isArray(v)) return `[${v.map((x) => stableSchema(root, x, depth + 1, stack)).join(',')}]`;
  if (isObject(v)) {
    if (typeof v.$ref === 'string' && v.$ref.startsWith('#')) {
      const ref = v.$ref;
      if (stack.includes(ref)) return `{"$ref-cycle":${JSON.stringify(ref)}}`;
      let target: unknown;
      try {
        target = valueAt(root, decodeURIComponent(ref.slice(1)));
      } catch {
        target = undefined;
      }
      if (target !== undefined) return stableSchema(root, target, depth + 1, [...stack, ref]);
    }
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableSchema(root, v[k], depth + 1, stack)}`)
      .join(',')}}`;
  }
  return stable(v);
}

/** Whether a field (`input.a.b`, `output.tags[].name`) is declared in a schema, and where (pointer from the schema root). */
export function findField(schema: unknown, path: string): string | undefined {
  const segs = path.split('.');
  let at: At = { value: schema, ptr: '' };
  for (const raw of segs) {
    const r = deref(schema, at);
    if ('unresolved' in r) return undefined;
    const m = /^(.*?)((?:\[\])*)$/.exec(raw)!;
    const name = m[1]!;
    const props = asObject(asObject(r.value).properties);
    if (!hasOwn(props, name)) return undefined;
    at = { value: props[name], ptr: `${r.ptr}/properties/${escapePointer(name)}` };
    for (let k = 0; k < m[2]!.length / 2; k++) {
      const d = deref(schema, at);
      if ('unresolved' in d) return undefined;
      const items = asObject(d.value).items;
      if (!isObject(items) && typeof items !== 'boolean') return undefined;
      at = { value: items, ptr: `${d.ptr}/items` };
    }
  }
  return at.ptr;
}
