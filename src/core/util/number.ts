// Numbers in messages, two precisions for two jobs, NaN and ±Infinity as
// JavaScript writes them:
// - reading(): a metric reading or threshold a person typed or a system
//   reported (`312`, `0.0031`, `0.333333`): integers whole, else at least
//   6 significant digits, so a trigger message shows the value it compared;
// - measured(): a statistic the engine computed (`0.9819`, `1.235e-7`):
//   4 significant digits, enough to read a tolerance verdict by.

/** A reading or threshold: integers as they are, others to 6 significant digits (more for large values). */
export function reading(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const digits = Math.max(6, Math.floor(Math.log10(Math.abs(v))) + 1);
  return String(Number(v.toPrecision(Math.min(digits, 21))));
}

/** A measured statistic: 4 significant digits. */
export function measured(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(4)));
}
