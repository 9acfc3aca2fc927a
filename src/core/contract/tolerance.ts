// The tolerance arithmetic of a contract test, in one place: what a field's
// tolerance (`abs`, `rel`, `exact`, `agreement`) makes of it (its kind), which
// rules a baseline/current pair of numbers breaks and how far outside it is,
// the same applied to every element of a whole numeric array (`proba: { abs:
// 0.05 }` on `[0.9, 0.05, 0.05]`, the row judged by its worst element), and
// the rule ids a set of broken rules stands for. The engine (compare.ts) and
// the diff view's row re-check (core/diff/rowCheck.ts) both call these, so
// the two cannot disagree; test/unit/tolerance.test.ts compares them row by
// row. `rel` is |Δ| over |baseline| floored at Number.EPSILON; a tolerance of
// 0 puts any difference infinitely far outside (score Infinity), as do arrays
// of other lengths than the baseline's, which break every rule of the field
// and have no worst element. Hot path: nothing here allocates per value.
// Pure.

export interface ToleranceSpec {
  exact?: boolean;
  abs?: number;
  rel?: number;
  agreement?: number;
}

/** A field's drift rules: limits on PSI and KS between the baseline's and the current values (`bins`: PSI's bins, default 10). */
export interface DriftSpec {
  psi?: number;
  ks?: number;
  bins?: number;
}

/** How a field is compared: numbers (abs, rel, drift), labels (agreement), or exactly as JSON. */
export type FieldKind = 'numeric' | 'categorical' | 'exact';

/** A field's kind from its tolerance and whether it has a drift rule. */
export function fieldKind(t: ToleranceSpec, drift: boolean): FieldKind {
  return t.agreement !== undefined ? 'categorical' : t.abs !== undefined || t.rel !== undefined || drift ? 'numeric' : 'exact';
}

/** Rule bits: which of a field's rules a value breaks. */
export const RULE_ABS = 1;
export const RULE_REL = 2;
export const RULE_EXACT = 4;
export const RULE_AGREEMENT = 8;

/** The rule ids the bits stand for, as the report names them (`probability.abs`), in the report's order. */
export function ruleIds(field: string, bits: number): string[] {
  const out: string[] = [];
  if (bits & RULE_ABS) out.push(`${field}.abs`);
  if (bits & RULE_REL) out.push(`${field}.rel`);
  if (bits & RULE_EXACT) out.push(`${field}.exact`);
  if (bits & RULE_AGREEMENT) out.push(`${field}.agreement`);
  return out;
}

/** |delta| relative to the baseline `b`, |b| floored at Number.EPSILON (a baseline of 0 does not divide by 0). */
function relative(b: number, a: number): number {
  return a / Math.max(Math.abs(b), Number.EPSILON);
}

/** RULE_ABS | RULE_REL | RULE_EXACT bits of the rules the pair (baseline `b`, current − baseline `delta`; both finite) breaks. */
export function brokenRules(t: ToleranceSpec, b: number, delta: number): number {
  const a = Math.abs(delta);
  let bits = 0;
  if (t.abs !== undefined && a > t.abs) bits |= RULE_ABS;
  if (t.rel !== undefined && relative(b, a) > t.rel) bits |= RULE_REL;
  if (t.exact && delta !== 0) bits |= RULE_EXACT;
  return bits;
}

/** How far outside the pair is: the largest |Δ|/threshold over the rules it breaks (1 for exact; Infinity for a threshold of 0), 0 inside. */
export function outsideScore(t: ToleranceSpec, b: number, delta: number): number {
  const a = Math.abs(delta);
  let score = 0;
  if (t.abs !== undefined && a > t.abs) score = t.abs > 0 ? a / t.abs : Infinity;
  if (t.rel !== undefined) {
    const r = relative(b, a);
    if (r > t.rel) score = Math.max(score, t.rel > 0 ? r / t.rel : Infinity);
  }
  if (t.exact && delta !== 0) score = Math.max(score, 1);
  return score;
}

/** A value compared exactly: its JSON text (`'undefined'` for an absent one). */
export function exactText(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

/** A numeric field's value as the engine reads it: the number when it is a finite one, else NaN. */
export function numericValue(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

export interface ArrayCheck {
  /** The two arrays have the same length (otherwise nothing below is measured). */
  sameLength: boolean;
  /** RULE_* bits of the rules some element breaks (for arrays of other lengths: every rule the field has). */
  rules: number;
  /** The element with the largest |Δ| (first of equals; -1 for arrays of other lengths or empty ones). */
  worst: number;
  /** current − baseline at `worst` (NaN when there is none). */
  worstDelta: number;
  /** Sum of Δ and of |Δ| over the elements, and how many there were. */
  sumDelta: number;
  sumAbs: number;
  elements: number;
  /** How far outside, as the scalar check scores it (largest |Δ|/threshold over the elements), 0 inside. */
  score: number;
}

/** The elements of `v` when it is an array of finite numbers (also []), otherwise undefined. */
export function numericArray(v: unknown): number[] | undefined {
  if (!Array.isArray(v)) return undefined;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
  }
  return v as number[];
}

/** The scalar check applied to every element of baseline `b` and current `c`. */
export function checkArray(t: ToleranceSpec, b: ArrayLike<number>, c: ArrayLike<number>): ArrayCheck {
  if (b.length !== c.length) {
    const rules = (t.abs !== undefined ? RULE_ABS : 0) | (t.rel !== undefined ? RULE_REL : 0) | (t.exact ? RULE_EXACT : 0);
    return { sameLength: false, rules, worst: -1, worstDelta: NaN, sumDelta: 0, sumAbs: 0, elements: 0, score: rules ? Infinity : 0 };
  }
  let rules = 0;
  let worst = -1;
  let worstAbs = -1;
  let worstDelta = NaN;
  let sumDelta = 0;
  let sumAbs = 0;
  let score = 0;
  for (let j = 0; j < b.length; j++) {
    const delta = c[j]! - b[j]!;
    const a = Math.abs(delta);
    sumDelta += delta;
    sumAbs += a;
    if (a > worstAbs) {
      worstAbs = a;
      worst = j;
      worstDelta = delta;
    }
    const broken = brokenRules(t, b[j]!, delta);
    if (broken) {
      rules |= broken;
      score = Math.max(score, outsideScore(t, b[j]!, delta));
    }
  }
  return { sameLength: true, rules, worst, worstDelta, sumDelta, sumAbs, elements: b.length, score };
}
