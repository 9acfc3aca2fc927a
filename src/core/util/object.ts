// Guards for values of unknown shape (parsed YAML and JSON): each either
// narrows a value or returns a neutral stand-in (an empty object, an empty
// array, undefined), so code reading an optional field of a document it has
// not validated never throws on a wrong shape. Pure and side-effect free;
// nothing here copies or changes the value it is given.
//
// `asString` takes strings only; `asText` also takes a number and writes it
// as text, for fields like ids and keys that YAML reads as a number when they
// are written as one (`id: 7`).

/** A plain mapping: an object that is neither null nor an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The mapping itself, or an empty one for anything else. */
export function asObject(v: unknown): Record<string, unknown> {
  return isObject(v) ? v : {};
}

/** The array itself, or an empty one for anything else. */
export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string, else undefined. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A string, or a number written as text (`7` -> '7'); else undefined. */
export function asText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** A finite number, else undefined (NaN and the infinities are not numbers here). */
export function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The strings of an array, in order; other elements (and a non-array) are dropped. */
export function asStrings(v: unknown): string[] {
  return asArray(v).filter((x): x is string => typeof x === 'string');
}

/** Whether `k` is an own property of `o` (not one inherited, such as `constructor`). */
export function hasOwn(o: Record<string, unknown>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** The keys of `a`, then those of `b` that `a` lacks, each once. */
export function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

/** `v` with every object's keys sorted, recursively (arrays keep their order): two values that differ only in key order become equal. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeysDeep((v as Record<string, unknown>)[k])]));
}
