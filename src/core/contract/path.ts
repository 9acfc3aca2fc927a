// Field paths of contract tests (`tolerance` and `drift` keys): how a name
// such as `probability`, `scores.setosa`, `proba.0` or `proba[0]` addresses a
// value in an output row. Segments are separated by `.`; `[n]` after a
// segment is the same as `.n`; a segment of digits on an array is that
// element (0-based). A key that itself contains `.` or `[` cannot be
// addressed. The engine, the diff view and validate all split names here,
// so they agree on what a name means. Pure.

export interface PathToken {
  /** The segment: a property name, or the digits of an array index. */
  segment: string;
  /** Where the segment's text starts and ends in the name (without brackets). */
  start: number;
  end: number;
}

/** The segments of a field name with where each is written (`proba[0]` → `proba` 0–5, `0` 6–7). */
export function pathTokens(name: string): PathToken[] {
  const out: PathToken[] = [];
  const re = /\[(\d+)\]|([^.[]+)|\./g;
  let m: RegExpExecArray | null;
  let last = -1;
  while ((m = re.exec(name))) {
    if (m[0] === '.') {
      if (last === re.lastIndex - 1 || out.length === 0) out.push({ segment: '', start: m.index, end: m.index }); // an empty segment: `a..b`, `.a`
      last = re.lastIndex;
      continue;
    }
    if (m[1] !== undefined) out.push({ segment: m[1], start: m.index + 1, end: m.index + 1 + m[1].length });
    else out.push({ segment: m[2]!, start: m.index, end: m.index + m[2]!.length });
    last = -1;
  }
  if (name.endsWith('.')) out.push({ segment: '', start: name.length, end: name.length });
  return out;
}

/** The segments of a field name: `proba[0].p` → ['proba', '0', 'p']. */
export function fieldPath(name: string): string[] {
  if (!name.includes('[')) return name.split('.');
  return pathTokens(name).map((t) => t.segment);
}
