// What JSON Schema keywords mean to the schema comparison: the kinds of value
// a schema accepts (its type and enum/const, `number` being integer plus
// fraction), the effective lower and upper numeric bounds (minimum and
// exclusiveMinimum together, draft-04 boolean exclusives too), which keywords
// the walker compares one by one, and which are annotations that change no
// validity. Pure.
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
  'items',
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
