// The positional tree both parses build and the rest of the core reads: maps,
// sequences, scalars and aliases with their offsets, plus the few steps every
// reader takes through it (follow an alias, find a key). No parsing here, so
// the fast and the recovering parse both import it and not each other.
import type { Span } from '../types';

export interface PScalar extends Span {
  type: 'scalar';
  value: unknown;
}
export interface PPair extends Span {
  key: PNode;
  keyText: string;
  value: PNode | null;
}
export interface PMap extends Span {
  type: 'map';
  pairs: PPair[];
  flow: boolean;
}
export interface PSeq extends Span {
  type: 'seq';
  items: Array<PNode | null>;
  flow: boolean;
}
export interface PAlias extends Span {
  type: 'alias';
  name: string;
  target: PNode | null;
}
export type PNode = PScalar | PMap | PSeq | PAlias;

export type PathSegment = string | number;

/** Follows aliases to the node they stand for. */
export function deref(n: PNode | null): PNode | null {
  let guard = 0;
  while (n && n.type === 'alias' && guard++ < 64) n = n.target;
  return n;
}

export function getPair(map: PNode | null, key: string): PPair | undefined {
  const m = deref(map);
  if (!m || m.type !== 'map') return undefined;
  for (const p of m.pairs) if (p.keyText === key) return p;
  return undefined;
}

export function getValue(map: PNode | null, key: string): PNode | null {
  return getPair(map, key)?.value ?? null;
}
