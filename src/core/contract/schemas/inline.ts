// A loaded schema (a SchemaBundle) as one self-contained value, for the
// callers that read a schema's structure rather than validate with it (the
// contract's field checks): every `$ref` that derefNode can follow, into the
// same file or another file of the bundle (`common.schema.json#/$defs/x`, an
// OpenAPI document's `#/components/schemas/X`), is replaced by its target,
// whose own refs resolve in the file it is in (in the nested `$id` resource
// around them, if any). A `$ref` with other keywords
// beside it becomes `allOf: [target]` next to them; annotations beside it
// (`$schema`, `$id`, `$comment`, `title`, `description`) are dropped. Shared
// definitions stay shared and recursive schemas become cyclic values (one
// copy per definition and base), so a reader must guard against cycles as
// it would for local refs. A ref it cannot follow is left as it is. Data
// keywords (`const`, `enum`, `default`, `examples`) are copied untouched.
// Pure: the bundle is already loaded (load.ts), inside the workspace.
import { isObject } from '../../util/object';
import { baseIn, derefNode, type SchemaBundle } from './load';

const DATA_KEYWORDS = new Set(['const', 'enum', 'examples', 'default', 'example']);
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description']);

/** The bundle's root schema with its refs replaced by their targets; see the top of this file. */
export function inlinedSchema(bundle: SchemaBundle): unknown {
  const memo = new Map<object, Map<string, unknown>>();
  // the base the root's own refs resolve against (derefNode's default: its file's `$id`, else its path)
  const start = derefNode(bundle, {}).base;
  const go = (node: unknown, base: string, depth: number): unknown => {
    if (depth > 256) return node;
    if (Array.isArray(node)) return node.map((x) => go(x, base, depth + 1));
    if (!isObject(node)) return node;
    // a nested resource (`$id`): the refs in it resolve against it
    base = baseIn(bundle, node, base);
    let byBase = memo.get(node);
    if (!byBase) memo.set(node, (byBase = new Map()));
    if (byBase.has(base)) return byBase.get(base);
    if (typeof node.$ref === 'string') {
      const target = derefNode(bundle, { $ref: node.$ref }, base);
      if (isObject(target.value) && typeof target.value.$ref !== 'string') {
        const rest = Object.keys(node).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k));
        if (rest.length === 0) {
          // the ref alone: its target itself (memoised under the target, so cycles close)
          const resolved = go(target.value, target.base, depth + 1);
          byBase.set(base, resolved);
          return resolved;
        }
        const out: Record<string, unknown> = {};
        byBase.set(base, out);
        for (const k of rest) out[k] = DATA_KEYWORDS.has(k) ? node[k] : go(node[k], base, depth + 1);
        out.allOf = [...(Array.isArray(out.allOf) ? out.allOf : []), go(target.value, target.base, depth + 1)];
        return out;
      }
    }
    const out: Record<string, unknown> = {};
    byBase.set(base, out);
    for (const [k, v] of Object.entries(node)) out[k] = DATA_KEYWORDS.has(k) ? v : go(v, base, depth + 1);
    return out;
  };
  return go(bundle.root, start, 0);
}
