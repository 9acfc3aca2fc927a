// How compat writes values: a canonical JSON text (keys sorted, so two equal
// values always give the same text: it is also how values are compared), a
// value in backticks for messages, a list in brackets. Pure.
import { isObject } from '../../util/object';

/** A canonical JSON text of a value, keys sorted. */
export function stable(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? String(v);
}

export function valueText(v: unknown): string {
  return `\`${typeof v === 'string' ? v : stable(v)}\``;
}

export function listText(vs: unknown[]): string {
  return `[${vs.map((v) => (typeof v === 'string' ? v : stable(v))).join(', ')}]`;
}
