// Paths through the positional tree: the node at a path (and the alias on the
// way, where a finding must be reported), JSON Pointers from the schema
// validator turned into paths, and the node under an offset for the editor.
import { deref, type PAlias, type PathSegment, type PNode, type PPair } from './nodes';

export interface Located {
  /** The node at the path, when it exists. */
  node: PNode | null;
  /** The map entry holding the last segment, when the last segment is a key. */
  pair?: PPair;
  /** The deepest existing node along the path. */
  deepest: PNode | null;
  /** When the path goes through an alias: the first alias on the way (report there). */
  alias?: PAlias;
}

export function locate(root: PNode | null, path: readonly PathSegment[]): Located {
  let node: PNode | null = root;
  let pair: PPair | undefined;
  let alias: PAlias | undefined;
  let deepest = root;
  for (const seg of path) {
    if (node && node.type === 'alias') {
      alias ??= node;
      node = deref(node);
    }
    if (!node) return { node: null, deepest, ...(alias ? { alias } : {}) };
    pair = undefined;
    if (node.type === 'map') {
      pair = node.pairs.find((p) => p.keyText === String(seg));
      if (!pair) return { node: null, deepest, ...(alias ? { alias } : {}) };
      node = pair.value;
    } else if (node.type === 'seq' && typeof seg === 'number') {
      node = node.items[seg] ?? null;
    } else {
      return { node: null, deepest, ...(alias ? { alias } : {}) };
    }
    if (node) deepest = node;
  }
  return { node, deepest, ...(pair ? { pair } : {}), ...(alias ? { alias } : {}) };
}

export function parsePointer(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Path segments as found in the JS value: sequence indexes as numbers. */
export function pointerToPath(root: PNode | null, pointer: string): PathSegment[] {
  const out: PathSegment[] = [];
  let node = root;
  for (const s of parsePointer(pointer)) {
    node = deref(node);
    if (node && node.type === 'seq') {
      const i = Number(s);
      out.push(i);
      node = node.items[i] ?? null;
    } else {
      out.push(s);
      node = node && node.type === 'map' ? (node.pairs.find((p) => p.keyText === s)?.value ?? null) : null;
    }
  }
  return out;
}

export interface NodeAt {
  path: PathSegment[];
  /** 'key' when the offset is on a mapping key, 'value' otherwise. */
  on: 'key' | 'value';
  node: PNode | null;
  pair?: PPair;
}

/** The deepest node containing `offset` (inclusive of its end), with its path. */
export function nodeAt(root: PNode | null, offset: number): NodeAt | null {
  if (!root || offset < root.start || offset > root.end) return null;
  const path: PathSegment[] = [];
  let node: PNode = root;
  for (;;) {
    if (node.type === 'map') {
      const pair = node.pairs.find((p) => offset >= p.start && offset <= p.end);
      if (!pair) return { path, on: 'value', node };
      path.push(pair.keyText);
      if (offset <= pair.key.end && offset >= pair.key.start) return { path, on: 'key', node: pair.key, pair };
      if (!pair.value || offset < pair.value.start) return { path, on: 'value', node: pair.value, pair };
      node = pair.value;
      if (node.type === 'scalar' || node.type === 'alias') return { path, on: 'value', node, pair };
      continue;
    }
    if (node.type === 'seq') {
      const idx = node.items.findIndex((it) => it !== null && offset >= it.start && offset <= it.end);
      if (idx < 0) return { path, on: 'value', node };
      path.push(idx);
      node = node.items[idx]!;
      if (node.type === 'scalar' || node.type === 'alias') return { path, on: 'value', node };
      continue;
    }
    return { path, on: 'value', node };
  }
}
