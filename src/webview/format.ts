// Numbers and values as the diff view shows them, as text: fmt() for a
// number (up to 4 significant digits, exact integers whole, exponent
// notation outside 1e-3…1e6), pct() for a share, show() for any value from
// a file (strings as they are, other values as JSON). A missing value is
// "—". Pure: no DOM.

/** A number for people: up to 4 significant digits, exact integers as they are. */
export function fmt(x: number | undefined): string {
  if (x === undefined || x === null) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(4)));
  return x.toExponential(3);
}

/** A share (0.5) as a percentage (`50%`), up to 4 significant digits. */
export function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${Number((x * 100).toPrecision(4))}%`;
}

/** A value from a file, as text: strings as they are, anything else as JSON. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return fmt(v);
  return JSON.stringify(v) ?? String(v);
}
