// Counts in messages: `1 record`, `3 records`, `2 entries`. One helper so a
// message never says "1 files" or "2 file", wherever it is written.

/** `n` and the noun, singular for exactly 1 (`plural(3, 'entry', 'entries')`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The noun alone, for sentences where the number is written elsewhere. */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
