// What JSON Schema keywords mean to the schema comparison: the kinds of value
// a schema accepts (its type and enum/const, `number` being integer plus
// fraction), the effective lower and upper numeric bounds (minimum and
// exclusiveMinimum together, draft-04 boolean exclusives too), which keywords
// the walker compares one by one, and which are annotations that change no
// validity; and one shape, across dialects, for what an object allows beyond
// its properties, for an array's tuple and rest, and for dependencies
// (draft-07 dependencies, 2019-09 dependentRequired/dependentSchemas). Pure.
import { asNumber, hasOwn, isObject } from '../../util/object';

const ATOMS = ['null', 'boolean', 'object', 'array', 'string', 'integer', 'fraction'] as const;

/** Keywords compared one by one below. */
export const HANDLED = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'pattern',
  'format',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'unevaluatedProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'unevaluatedItems',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'default',
  // containers: their content is compared where it is referenced
  'definitions',
  '$defs',
]);

/** Keywords that do not change which data is valid. */
export const ANNOTATIONS = new Set([
  'title',
  'description',
  'markdownDescription',
  '$comment',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$id',
  'id',
  '$schema',
  'contentEncoding',
  'contentMediaType',
  'defaultSnippets',
]);

export const LENGTHS: Array<[lower: string, upper: string]> = [
  ['minLength', 'maxLength'],
  ['minItems', 'maxItems'],
  ['minProperties', 'maxProperties'],
];

/** The kinds of value a schema accepts, by its type and its enum/const. */
export function effectiveAtoms(s: unknown): Set<string> {
  if (s === false) return new Set();
  const all = new Set<string>(ATOMS);
  if (!isObject(s)) return all;
  let set = all;
  if (s.type !== undefined) {
    set = new Set();
    for (const t of Array.isArray(s.type) ? s.type : [s.type]) {
      if (t === 'number') {
        set.add('integer');
        set.add('fraction');
      } else if (typeof t === 'string' && (ATOMS as readonly string[]).includes(t)) set.add(t);
    }
  }
  const values = enumValues(s);
  if (values) {
    const of = new Set(values.map(atomOf));
    set = new Set([...set].filter((t) => of.has(t)));
  }
  return set;
}

function atomOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'fraction';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function typeText(s: unknown): string {
  if (s === false) return 'nothing (false)';
  if (!isObject(s) || s.type === undefined) return 'any';
  return Array.isArray(s.type) ? `[${s.type.map(String).join(', ')}]` : String(s.type);
}

export function enumValues(s: Record<string, unknown>): unknown[] | undefined {
  if (hasOwn(s, 'const')) return [s.const];
  return Array.isArray(s.enum) ? s.enum : undefined;
}

export interface Bound {
  value: number;
  exclusive: boolean;
  /** How the bound is written in messages. */
  keyword: string;
  /** The schema keyword holding the value. */
  key: string;
}

/** The effective lower or upper bound: the tighter of minimum/exclusiveMinimum (draft-06+ numbers; a draft-04 boolean makes minimum exclusive). */
export function numericBound(s: Record<string, unknown>, side: 'lower' | 'upper'): Bound | undefined {
  const [inc, exc] = side === 'lower' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
  const i = asNumber(s[inc]);
  const e = asNumber(s[exc]);
  const candidates: Bound[] = [];
  if (i !== undefined) candidates.push({ value: i, exclusive: s[exc] === true, keyword: s[exc] === true ? `${inc} (exclusive)` : inc, key: inc });
  if (e !== undefined) candidates.push({ value: e, exclusive: true, keyword: exc, key: exc });
  if (!candidates.length) return undefined;
  const sign = side === 'lower' ? 1 : -1;
  return candidates.reduce((best, c) => ((c.value - best.value) * sign > 0 || (c.value === best.value && c.exclusive) ? c : best));
}

/** Whether a is a whole multiple of b (so every multiple of a is one of b). */
export function isMultiple(a: number, b: number): boolean {
  if (b === 0) return false;
  const q = a / b;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

export function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && isSubset(a, b);
}

export function isSubset(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** A keyword and its value in a schema object. */
export interface Keyword {
  kw: string;
  value: unknown;
}

/** The first keyword that restricts (present, not true), else the first present, else undefined. */
function firstOf(s: Record<string, unknown>, kws: string[]): Keyword | undefined {
  const present = kws.filter((k) => s[k] !== undefined);
  const kw = present.find((k) => s[k] !== true) ?? present[0];
  return kw === undefined ? undefined : { kw, value: s[kw] };
}

/**
 * What an object allows beyond its listed properties: additionalProperties, else
 * unevaluatedProperties (2019-09+), which closes an object the same way when
 * false. (It also admits properties that allOf/anyOf/oneOf/$ref/if next to it
 * declare; those keywords are compared as unclassified, not merged.) Undefined: open.
 */
export function extraProperties(s: Record<string, unknown>): Keyword | undefined {
  return firstOf(s, ['additionalProperties', 'unevaluatedProperties']);
}

/**
 * An array schema in one shape for every dialect: its tuple positions
 * (2020-12 prefixItems, or a draft-04..2019-09 items list) and what the items
 * after them must be (2020-12 items after prefixItems, draft-07 additionalItems
 * after an items list, a single items schema, else unevaluatedItems).
 */
export function arrayShape(s: Record<string, unknown>): { prefix?: { kw: string; items: unknown[] }; rest?: Keyword } {
  if (Array.isArray(s.prefixItems)) return { prefix: { kw: 'prefixItems', items: s.prefixItems }, ...restOf(s, ['items', 'unevaluatedItems']) };
  if (Array.isArray(s.items)) return { prefix: { kw: 'items', items: s.items }, ...restOf(s, ['additionalItems', 'unevaluatedItems']) };
  return restOf(s, ['items', 'unevaluatedItems']);
}

function restOf(s: Record<string, unknown>, kws: string[]): { rest?: Keyword } {
  const rest = firstOf(s, kws);
  return rest ? { rest } : {};
}

/** dependentRequired (2019-09+) and the lists of draft-07 dependencies: trigger -> the fields it requires, and the keyword. */
export function dependentRequired(s: Record<string, unknown>): Map<string, { kw: string; names: string[] }> {
  const out = new Map<string, { kw: string; names: string[] }>();
  for (const kw of ['dependentRequired', 'dependencies']) {
    const d = s[kw];
    if (!isObject(d)) continue;
    for (const [t, v] of Object.entries(d)) {
      if (Array.isArray(v) && !out.has(t)) out.set(t, { kw, names: v.filter((x): x is string => typeof x === 'string') });
    }
  }
  return out;
}

/** dependentSchemas (2019-09+) and the schemas of draft-07 dependencies: trigger -> the schema that applies when it is present. */
export function dependentSchemas(s: Record<string, unknown>): Map<string, Keyword> {
  const out = new Map<string, Keyword>();
  for (const kw of ['dependentSchemas', 'dependencies']) {
    const d = s[kw];
    if (!isObject(d)) continue;
    for (const [t, v] of Object.entries(d)) {
      if (!Array.isArray(v) && !out.has(t)) out.set(t, { kw, value: v });
    }
  }
  return out;
}
