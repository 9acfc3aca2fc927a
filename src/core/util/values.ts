// The format's own scalar syntaxes, each with exactly one parser. Errors carry
// the offset inside the string where the problem starts, so a caller can put
// the squiggle on the offending character.

export interface ValueError {
  /** Offset into the string. */
  at: number;
  length: number;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ValueError };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const DURATION_UNITS = Object.keys(UNIT_MS);

/** `30s`, `5m`, `1h30m`, `90d`, `250ms` -> milliseconds. */
export function parseDuration(s: string): Parsed<number> {
  if (s.length === 0) return fail(0, 0, 'empty duration; write a number and a unit, e.g. `5m`');
  let i = 0;
  let total = 0;
  while (i < s.length) {
    const numStart = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === numStart) {
      return fail(i, 1, `expected a number at \`${s.slice(i, i + 1)}\`; a duration is a number and a unit (${DURATION_UNITS.join(', ')}), e.g. \`5m\` or \`1h30m\``);
    }
    const unitStart = i;
    while (i < s.length && /[a-z]/i.test(s[i]!)) i++;
    const unit = s.slice(unitStart, i);
    if (!unit) {
      // point at the number that lacks its unit, inside the value
      return fail(numStart, unitStart - numStart, `missing unit after \`${s.slice(numStart, unitStart)}\`; use one of ${DURATION_UNITS.join(', ')}`);
    }
    const ms = UNIT_MS[unit];
    if (ms === undefined) return fail(unitStart, unit.length, `unknown duration unit \`${unit}\`; use one of ${DURATION_UNITS.join(', ')}`);
    total += Number(s.slice(numStart, unitStart)) * ms;
  }
  return { ok: true, value: total };
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** A measured time for people: `12 ms`, `1.2 s`, `2m30s`. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(Math.round(ms / 1000) * 1000);
}

export type Operator = '>' | '>=' | '<' | '<=' | '==' | '!=';
export const OPERATORS: Operator[] = ['>=', '<=', '==', '!=', '>', '<'];

export interface Comparison {
  op: Operator;
  threshold: number;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/**
 * `"> 250"`, `"<= 0.9"` -> operator and threshold. Accepts exactly what the
 * schemas' `comparison` pattern accepts (a unit test holds them together).
 */
export function parseComparison(s: string): Parsed<Comparison> {
  let i = 0;
  while (isBlank(s[i])) i++;
  const op = OPERATORS.find((o) => s.startsWith(o, i));
  if (!op) {
    return fail(i, Math.max(1, Math.min(2, s.length - i)), `expected a comparison operator (${OPERATORS.join(' ')}) at the start, e.g. \`> 250\``);
  }
  i += op.length;
  while (isBlank(s[i])) i++;
  const numStart = i;
  const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(s.slice(i));
  if (!m) return fail(numStart, Math.max(1, s.length - numStart), `expected a number after \`${op}\` (digits, e.g. \`0.5\`)`);
  i += m[0].length;
  while (isBlank(s[i])) i++;
  if (i < s.length) {
    const tail = s.slice(i).trimEnd();
    return fail(i, tail.length, `unexpected \`${tail}\` after the threshold`);
  }
  return { ok: true, value: { op, threshold: Number(m[0]) } };
}

export function compare(value: number, c: Comparison): boolean {
  switch (c.op) {
    case '>':
      return value > c.threshold;
    case '>=':
      return value >= c.threshold;
    case '<':
      return value < c.threshold;
    case '<=':
      return value <= c.threshold;
    case '==':
      return value === c.threshold;
    case '!=':
      return value !== c.threshold;
  }
}

/** `YYYY-MM-DD` (a calendar date, UTC) -> epoch milliseconds at 00:00 UTC. */
export function parseDate(s: string): Parsed<number> {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return fail(0, Math.max(1, s.length), `expected a date as YYYY-MM-DD, e.g. \`2027-01-01\``);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12) return fail(5, 2, `month \`${m[2]}\` is not between 01 and 12`);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > days) return fail(8, 2, `day \`${m[3]}\` does not exist in ${m[1]}-${m[2]} (it has ${days} days)`);
  return { ok: true, value: Date.UTC(y, mo - 1, d) };
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function fail(at: number, length: number, message: string): { ok: false; error: ValueError } {
  return { ok: false, error: { at, length, message } };
}
