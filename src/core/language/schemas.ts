// The three JSON Schemas of the format (runbook, contract, policy), compiled once, and a small navigator
// that answers "which schemas apply at this path" for completion, hover and
// the schema-directed checks. The schemas are bundled JSON: no I/O here.
import Ajv, { type ValidateFunction } from 'ajv';
import runbookSchema from '../../schemas/runbook.schema.json';
import contractSchema from '../../schemas/contract.schema.json';
import policySchema from '../../schemas/policy.schema.json';
import type { DocumentKind } from '../types';
import type { PathSegment } from '../yaml';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
  pattern?: string;
  definitions?: Record<string, JsonSchema>;
  [k: string]: unknown;
};

export const API_VERSION = 'rollback-lens/v1';
export const KINDS: DocumentKind[] = ['RollbackRunbook', 'InterfaceContract', 'RollbackPolicy'];

export const SCHEMAS: Record<DocumentKind, JsonSchema> = {
  RollbackRunbook: runbookSchema as unknown as JsonSchema,
  InterfaceContract: contractSchema as unknown as JsonSchema,
  RollbackPolicy: policySchema as unknown as JsonSchema,
};

const validators = new Map<DocumentKind, ValidateFunction>();
let ajv: Ajv | undefined;

/** The compiled validator for a kind; compiled on first use, then reused. */
export function validatorFor(kind: DocumentKind): ValidateFunction {
  let v = validators.get(kind);
  if (!v) {
    ajv ??= new Ajv({
      allErrors: true,
      strict: true,
      allowUnionTypes: true,
      verbose: true, // errors carry their schema, so messages can use its alternatives and examples
      keywords: ['markdownDescription', 'deprecationMessage', 'defaultSnippets'],
    });
    v = ajv.compile(SCHEMAS[kind]);
    validators.set(kind, v);
  }
  return v;
}

// ---- navigation -------------------------------------------------------------

export function resolveRef(root: JsonSchema, s: JsonSchema): JsonSchema {
  let guard = 0;
  while (s.$ref && guard++ < 32) {
    if (!s.$ref.startsWith('#/')) return s;
    let t: unknown = root;
    for (const seg of s.$ref.slice(2).split('/')) t = (t as Record<string, unknown> | undefined)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!t || typeof t !== 'object') return s;
    s = t as JsonSchema;
  }
  return s;
}

/** The schema and every schema it combines with (allOf/oneOf/anyOf/if-then-else), refs resolved. */
export function expand(root: JsonSchema, s: JsonSchema, out: JsonSchema[] = [], seen = new Set<JsonSchema>(), branches = true): JsonSchema[] {
  const r = resolveRef(root, s);
  if (seen.has(r)) return out;
  seen.add(r);
  out.push(r);
  for (const sub of r.allOf ?? []) expand(root, sub, out, seen, branches);
  if (!branches) return out;
  for (const key of ['oneOf', 'anyOf'] as const) for (const sub of r[key] ?? []) expand(root, sub, out, seen, branches);
  for (const key of ['then', 'else'] as const) if (r[key]) expand(root, r[key]!, out, seen, branches);
  return out;
}

/** The schemas that apply to the value at `path` (refs and combinators expanded). */
export function schemasAt(root: JsonSchema, path: readonly PathSegment[]): JsonSchema[] {
  let current = expand(root, root);
  for (const seg of path) {
    const next: JsonSchema[] = [];
    for (const s of current) {
      if (typeof seg === 'number' || /^\d+$/.test(String(seg))) {
        if (s.items && !Array.isArray(s.items)) next.push(s.items);
      }
      if (typeof seg === 'string') {
        const p = s.properties?.[seg];
        if (p) next.push(p);
        else {
          let matched = false;
          for (const [re, ps] of Object.entries(s.patternProperties ?? {})) {
            if (new RegExp(re, 'u').test(seg)) {
              next.push(ps);
              matched = true;
            }
          }
          if (!matched && s.additionalProperties && typeof s.additionalProperties === 'object') next.push(s.additionalProperties);
        }
      }
    }
    current = [];
    const seen = new Set<JsonSchema>();
    for (const s of next) expand(root, s, current, seen);
    if (current.length === 0) return [];
  }
  return current;
}

export interface PropertyInfo {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

/** The fixed property names an object at `path` may have, with their schemas. */
export function propertiesAt(root: JsonSchema, path: readonly PathSegment[]): PropertyInfo[] {
  const out = new Map<string, PropertyInfo>();
  const schemas = schemasAt(root, path);
  // required for sure: not what one oneOf/anyOf branch or an if/then requires
  const required = new Set<string>();
  const certain = new Set<JsonSchema>();
  for (const s of schemas) if (!isBranch(root, schemas, s)) expand(root, s, [], certain, false);
  for (const s of certain) for (const r of s.required ?? []) required.add(r);
  for (const s of schemas) {
    for (const [name, ps] of Object.entries(s.properties ?? {})) {
      if (!out.has(name)) out.set(name, { name, schema: resolveRef(root, ps), required: false });
    }
  }
  for (const p of out.values()) p.required = required.has(p.name);
  return [...out.values()];
}

/** True when `s` is only reached through a oneOf/anyOf alternative or an if/then/else of another schema in the set. */
function isBranch(root: JsonSchema, set: JsonSchema[], s: JsonSchema): boolean {
  return set.some(
    (o) =>
      o !== s &&
      ((o.oneOf ?? []).some((b) => resolveRef(root, b) === s) ||
        (o.anyOf ?? []).some((b) => resolveRef(root, b) === s) ||
        (o.then !== undefined && resolveRef(root, o.then) === s) ||
        (o.else !== undefined && resolveRef(root, o.else) === s)),
  );
}

/** The first description among the schemas that apply (the property's own comes first). */
export function describe(schemas: JsonSchema[]): string | undefined {
  for (const s of schemas) {
    const d = s.markdownDescription ?? s.description;
    if (d) return d;
  }
  return undefined;
}

export function typeLabel(schemas: JsonSchema[]): string | undefined {
  const types = new Set<string>();
  for (const s of schemas) {
    if (typeof s.type === 'string') types.add(s.type);
    else if (Array.isArray(s.type)) for (const t of s.type) types.add(t);
    else if (s.const !== undefined) types.add(JSON.stringify(s.const));
  }
  return types.size ? [...types].join(' | ') : undefined;
}

/** Paths (with `*` for any key or index) whose value is a `#/definitions/<name>` reference. */
export function pathsToDefinition(root: JsonSchema, name: string, maxDepth = 8): string[][] {
  const target = `#/definitions/${name}`;
  const out: string[][] = [];
  const walk = (s: JsonSchema, path: string[], depth: number, seen: Set<JsonSchema>): void => {
    if (depth > maxDepth) return;
    if (s.$ref === target) {
      out.push(path);
      return;
    }
    const r = resolveRef(root, s);
    if (seen.has(r)) return;
    const nextSeen = new Set(seen).add(r);
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) for (const sub of r[key] ?? []) walk(sub, path, depth, nextSeen);
    for (const key of ['then', 'else'] as const) if (r[key]) walk(r[key]!, path, depth, nextSeen);
    for (const [k, ps] of Object.entries(r.properties ?? {})) walk(ps, [...path, k], depth + 1, nextSeen);
    for (const ps of Object.values(r.patternProperties ?? {})) walk(ps, [...path, '*'], depth + 1, nextSeen);
    if (r.additionalProperties && typeof r.additionalProperties === 'object') walk(r.additionalProperties, [...path, '*'], depth + 1, nextSeen);
    if (r.items && !Array.isArray(r.items)) walk(r.items, [...path, '*'], depth + 1, nextSeen);
  };
  walk(root, [], 0, new Set());
  const uniq = new Map(out.map((p) => [p.join('/'), p]));
  return [...uniq.values()];
}
