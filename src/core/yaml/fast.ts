// The fast path of the parse: js-yaml (several times faster than `yaml` on
// large files) with its node listener, turned into the same positional tree
// the `yaml` path builds. It only takes documents in the plain subset that
// runbooks and contracts are written in (no anchors, aliases, tags, explicit
// keys, merge keys, directives); anything else, and any syntax error, returns
// undefined and the caller uses the `yaml` path, which recovers from errors
// and bounds alias expansion. A differential test keeps the two paths equal.
import { CORE_SCHEMA, load, type State } from 'js-yaml';
import type { PMap, PNode, PPair, PScalar, PSeq } from './nodes';

const UNSUPPORTED = /(?:^|[\s[{,])[&*!][\w<!-]|^\s*\?(?:\s|$)|<<\s*:|^%|^\.\.\.\s*$/m;

interface Frame {
  open: number;
  children: Built[];
}

interface Built {
  node: PNode;
  value: unknown;
}

class Unsupported extends Error {}

export function parseYamlFast(text: string, maxDepth = 200): { root: PNode | null; value: unknown } | undefined {
  if (UNSUPPORTED.test(text)) return undefined;
  const stack: Frame[] = [{ open: 0, children: [] }];
  const listener = function (this: unknown, event: 'open' | 'close', state: State): void {
    if (event === 'open') {
      stack.push({ open: state.position, children: [] });
      return;
    }
    const frame = stack.pop()!;
    const built = close(text, frame, (state as unknown as { kind: string | null }).kind, (state as unknown as { result: unknown }).result, state.position);
    stack[stack.length - 1]!.children.push(built);
  };
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, json: false, listener, maxDepth } as Parameters<typeof load>[1]);
  } catch {
    return undefined; // syntax errors are explained by the `yaml` path; Unsupported too
  }
  const top = stack[0]!.children;
  if (top.length === 0) return { root: null, value: null };
  const root = top[top.length - 1]!;
  if (root.value !== value && !(value === null && root.value === null) && !(value === undefined)) return undefined;
  if (value === undefined) return { root: null, value: null };
  return { root: root.node, value: root.value };
}

function close(text: string, frame: Frame, kind: string | null, result: unknown, position: number): Built {
  const kids = frame.children;
  // block-mapping detection composes a candidate key first; when no `:` follows,
  // that candidate (a flow collection here) is the node itself
  if (kids.length === 1 && result !== null && typeof result === 'object' && kids[0]!.value === result) return kids[0]!;
  if (kind === 'mapping') {
    if (kids.length % 2 !== 0) throw new Unsupported('mapping without a value');
    const start = skipForward(text, frame.open);
    const flow = text[start] === '{';
    const pairs: PPair[] = [];
    for (let i = 0; i < kids.length; i += 2) {
      const k = kids[i]!;
      const v = kids[i + 1]!;
      pairs.push({ key: k.node, keyText: keyText(k.value), value: v.node, start: k.node.start, end: Math.max(k.node.end, v.node.end) });
    }
    const end = flow ? trimBack(text, position, start) : pairs.length ? pairs[pairs.length - 1]!.end : start;
    const node: PMap = { type: 'map', start, end, pairs, flow };
    return { node, value: result };
  }
  if (kind === 'sequence') {
    const start = skipForward(text, frame.open);
    const flow = text[start] === '[';
    const items = kids.map((k) => k.node);
    const end = flow ? trimBack(text, position, start) : items.length ? items[items.length - 1]!.end : start;
    const node: PSeq = { type: 'seq', start, end, items, flow };
    return { node, value: result };
  }
  if (kind === 'scalar') {
    // block mapping detection composes a candidate key first: the scalar is that child
    if (kids.length === 1 && kids[0]!.node.type === 'scalar' && Object.is(kids[0]!.value, result)) return kids[0]!;
    if (kids.length !== 0) throw new Unsupported('scalar with children');
    const start = skipForward(text, frame.open);
    const node: PScalar = { type: 'scalar', start, end: trimBack(text, position, start), value: result };
    return { node, value: result };
  }
  if (kind === null && kids.length === 0 && result === null) {
    // an empty value (`key:`): a null at the place it would start
    const node: PScalar = { type: 'scalar', start: frame.open, end: frame.open, value: null };
    return { node, value: null };
  }
  throw new Unsupported(`node kind ${String(kind)}`);
}

function keyText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Skips spaces, line breaks and comments. */
function skipForward(text: string, i: number): number {
  const n = text.length;
  for (;;) {
    let c = text.charCodeAt(i);
    while (i < n && (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff)) c = text.charCodeAt(++i);
    if (i < n && c === 35 /* # */ && (i === 0 || isBlank(text.charCodeAt(i - 1)))) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    return i;
  }
}

function trimBack(text: string, end: number, start: number): number {
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return end;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
