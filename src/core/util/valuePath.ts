// A path into a parsed JSON value, written as people write one: an optional
// `$`, then names and indexes (`$.model_version.version`,
// `metrics[0].result.drift_share`, `results[2]["expectation_config"].kwargs`).
// Used by a step's `capture` (a value read from an HTTP answer) and by a
// metrics snapshot's `paths` (a metric inside a nested report file). Pure:
// parsing says where in the text a bad path goes wrong; following a path
// never throws, it says which part was missing.

export type ValuePathSegment = string | number;

export type ParsedValuePath = { ok: true; segments: ValuePathSegment[] } | { ok: false; message: string; at: number };

/** Parses `text`; a bad path gives the offset (in `text`) where it goes wrong. */
export function parseValuePath(text: string): ParsedValuePath {
  const segments: ValuePathSegment[] = [];
  let i = 0;
  if (text.startsWith('$')) i = 1;
  const bad = (message: string, at: number): ParsedValuePath => ({ ok: false, message, at });
  if (text.trim() === '') return bad('the path is empty', 0);
  while (i < text.length) {
    const c = text[i]!;
    if (c === '[') {
      const close = text.indexOf(']', i);
      if (close === -1) return bad('`[` is not closed', i);
      const inner = text.slice(i + 1, close);
      if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else if (/^(["']).*\1$/.test(inner) && inner.length >= 2) segments.push(inner.slice(1, -1));
      else return bad(`\`[${inner}]\` is neither an index nor a quoted name`, i);
      i = close + 1;
      continue;
    }
    if (c === '.') {
      if (i === 0 && text[0] !== '$') return bad('a name is missing before `.`', i);
      i++;
    } else if (i > 0 && !(i === 1 && text[0] === '$')) return bad(`\`${c}\` where \`.\` or \`[\` was expected`, i);
    else if (i === 1 && text[0] === '$') return bad(`\`${c}\` after \`$\`: write \`$.${text.slice(1)}\``, i);
    const m = /^[^.[\]]+/.exec(text.slice(i));
    if (!m) return bad('a name is missing', i);
    segments.push(m[0]);
    i += m[0].length;
  }
  return { ok: true, segments };
}

/** The path as text again (`$.a[0].b`), for messages. */
export function showValuePath(segments: readonly ValuePathSegment[]): string {
  return `$${segments.map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][\w-]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('')}`;
}

/** The value at `segments`, or where it stops: the longest prefix that exists. */
export function followValuePath(value: unknown, segments: readonly ValuePathSegment[]): { found: true; value: unknown } | { found: false; missing: string } {
  let v = value;
  for (const [k, seg] of segments.entries()) {
    const here = typeof seg === 'number' ? (Array.isArray(v) ? v[seg] : undefined) : v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[seg] : undefined;
    if (here === undefined) return { found: false, missing: showValuePath(segments.slice(0, k + 1)) };
    v = here;
  }
  return { found: true, value: v };
}
