// The calendar: what "today" is for the checks that depend on the date,
// deprecation windows and expiry (the language service, dry-run, compat's
// default --today) and drill cadence (overdue drills). One environment
// variable pins it for every command, the language-service worker and the
// editor: ROLLBACK_LENS_NOW, an ISO date (`2026-11-22`, 00:00 UTC) or a
// date-time with a time zone (`2026-11-22T09:30:00Z`, `…+02:00`). A pinned
// calendar is frozen at that instant. Unset or empty: the real clock.
//
// Only the calendar is pinned. What records or measures time keeps the real
// clock: audit record times, baseline recordedAt, lock ages, step timings and
// the moment metrics are read (a Prometheus query asks for now), so a pinned
// date never rewrites when something happened.
//
// An invalid value is reported, never guessed at: clockProblem() says why,
// the CLI exits 2 with it before any command runs, the editor shows it once
// and keeps the real clock; calendarClock() throws it.
import { parseDate } from '../core/util/values';

export const NOW_ENV = 'ROLLBACK_LENS_NOW';

export class ClockError extends Error {}

type Env = Record<string, string | undefined>;

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(text: string): string {
  return `${NOW_ENV} must be a date (YYYY-MM-DD) or a date-time with a time zone (e.g. 2026-11-22T09:30:00Z), not \`${text}\``;
}

/** A pinned time: `YYYY-MM-DD` (00:00 UTC) or `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z` or `±HH:MM`, as epoch ms. */
export function parseNow(text: string): { ok: true; value: number } | { ok: false; message: string } {
  const date = parseDate(text);
  if (date.ok) return { ok: true, value: date.value };
  const m = DATE_TIME.exec(text);
  if (!m || !parseDate(m[1]!).ok) return { ok: false, message: invalid(text) };
  const [hh, mm, ss] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  const zone = m[6]!;
  if (hh > 23 || mm > 59 || ss > 59 || (zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4)) > 59))) return { ok: false, message: invalid(text) };
  const value = Date.parse(text);
  return Number.isNaN(value) ? { ok: false, message: invalid(text) } : { ok: true, value };
}

/** Why ROLLBACK_LENS_NOW cannot be used, or undefined (unset, empty, or valid). */
export function clockProblem(env: Env = process.env): string | undefined {
  const text = env[NOW_ENV];
  if (text === undefined || text === '') return undefined;
  const p = parseNow(text);
  return p.ok ? undefined : p.message;
}

/** The calendar's clock: frozen at ROLLBACK_LENS_NOW when set, else the real one. Throws ClockError on an invalid value. */
export function calendarClock(env: Env = process.env): () => number {
  const text = env[NOW_ENV];
  if (text === undefined || text === '') return Date.now;
  const p = parseNow(text);
  if (!p.ok) throw new ClockError(p.message);
  const pinned = p.value;
  return () => pinned;
}

/** Like calendarClock(), but the real clock when the value is invalid: for places where the problem is reported elsewhere (the worker; the editor shows it). */
export function calendarClockOrReal(env: Env = process.env): () => number {
  return clockProblem(env) === undefined ? calendarClock(env) : Date.now;
}
