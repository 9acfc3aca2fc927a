// A tolerance on a whole numeric array (`proba: { abs: 0.05 }` on
// `[0.9, 0.05, 0.05]`): the arithmetic of the scalar check applied to every
// element, the row judged by its worst one. Shared by the engine
// (compare.ts) and the diff view's row re-check (core/diff/rowCheck.ts), so
// the two cannot disagree. Arrays of other lengths than the baseline's break
// every rule of the field (score Infinity) and have no worst element. Pure.
import type { ToleranceSpec } from './compare';

export interface ArrayCheck {
  /** The two arrays have the same length (otherwise nothing below is measured). */
  sameLength: boolean;
  abs: boolean;
  rel: boolean;
  exact: boolean;
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

export function checkArray(t: ToleranceSpec, b: ArrayLike<number>, c: ArrayLike<number>): ArrayCheck {
  if (b.length !== c.length) {
    const any = t.abs !== undefined || t.rel !== undefined || !!t.exact;
    return { sameLength: false, abs: t.abs !== undefined, rel: t.rel !== undefined, exact: !!t.exact, worst: -1, worstDelta: NaN, sumDelta: 0, sumAbs: 0, elements: 0, score: any ? Infinity : 0 };
  }
  let abs = false;
  let rel = false;
  let exact = false;
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
    if (t.abs !== undefined && a > t.abs) {
      abs = true;
      score = Math.max(score, t.abs > 0 ? a / t.abs : Infinity);
    }
    if (t.rel !== undefined) {
      const r = a / Math.max(Math.abs(b[j]!), Number.EPSILON);
      if (r > t.rel) {
        rel = true;
        score = Math.max(score, t.rel > 0 ? r / t.rel : Infinity);
      }
    }
    if (t.exact && delta !== 0) {
      exact = true;
      score = Math.max(score, 1);
    }
  }
  return { sameLength: true, abs, rel, exact, worst, worstDelta, sumDelta, sumAbs, elements: b.length, score };
}
