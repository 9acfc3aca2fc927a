// One output field's state during a contract comparison (compare.ts): its
// baseline values, one per baseline row, in typed arrays (numbers, label
// codes, or JSON text for exact fields; whole numeric arrays packed into one
// Float64Array), the current values drift needs, and the running tallies of
// the matched pairs (counts, sums, the largest |Δ|, rule violations, label
// confusion, why values were unusable) that the report is assembled from
// (assemble.ts). Per baseline row it holds one number or code per field, not
// the row. Pure.
import { fieldKind, type DriftSpec, type FieldKind, type ToleranceSpec } from './tolerance';
import { fieldPath } from './path';
import { Floats, Ints } from './stats';

export interface FieldState {
  name: string;
  path: string[];
  kind: FieldKind;
  tolerance: ToleranceSpec;
  drift: DriftSpec | undefined;
  // baseline value per baseline row
  baseNum: Floats;
  baseCode: Ints;
  baseExact: string[];
  // all current values (numeric): summary and drift
  curNum: Floats;
  // matched pairs
  count: number;
  sumDelta: number;
  sumAbs: number;
  maxAbs: number;
  maxAbsKey: string;
  /** The element of maxAbs when it was in an array, else -1. */
  maxAbsIndex: number;
  /** Values compared (elements of arrays count one each): the means' denominator. */
  values: number;
  /** Baseline arrays of a numeric field, from the first one seen: per baseline row its start in `elems` and length (-1: no array). */
  arrays: { start: Ints; length: Ints; elems: Floats } | undefined;
  /** Matched rows whose arrays have another length than the baseline's. */
  lengthMismatch: number;
  /** Some row held an array (drift then cannot be computed). */
  sawArray: boolean;
  absViolations: number;
  relViolations: number;
  exactViolations: number;
  agree: number;
  disagree: number;
  /** baseline code × 65536 + current code -> rows, in the order the pairs were first seen */
  confusion: Map<number, number>;
  /** The counts of the pairs of codes below SMALL_CODES (their entries in `confusion` hold 0 until finish()). */
  smallConfusion: Float64Array;
  /** Why values could not be used, per side: `absent`, `a string`, … -> rows (baseline: every row; current: matched rows). */
  unusable: { baseline: Map<string, number>; current: Map<string, number> } | undefined;
}

/** Label codes below this are counted in a small array (see FieldState.smallConfusion). */
export const SMALL_CODES = 16;

/** A field's empty state: its kind from its tolerance and drift, its path from its name. */
export function newFieldState(name: string, tolerance: ToleranceSpec, drift: DriftSpec | undefined): FieldState {
  const kind = fieldKind(tolerance, !!drift);
  return {
    name,
    path: fieldPath(name),
    kind,
    tolerance,
    drift,
    baseNum: new Floats(),
    baseCode: new Ints(),
    baseExact: [],
    curNum: new Floats(),
    count: 0,
    sumDelta: 0,
    sumAbs: 0,
    maxAbs: 0,
    maxAbsKey: '',
    maxAbsIndex: -1,
    values: 0,
    arrays: undefined,
    lengthMismatch: 0,
    sawArray: false,
    absViolations: 0,
    relViolations: 0,
    exactViolations: 0,
    agree: 0,
    disagree: 0,
    confusion: new Map(),
    smallConfusion: new Float64Array(kind === 'categorical' ? SMALL_CODES * SMALL_CODES : 0),
    unusable: undefined,
  };
}

/** Stores a baseline row's array of field `f` (the row's NaN is already in baseNum). */
export function storeBaseArray(f: FieldState, elems: number[]): void {
  f.sawArray = true;
  if (!f.arrays) {
    // the first array: earlier rows had none
    const a = { start: new Ints(), length: new Ints(), elems: new Floats() };
    for (let k = 0; k < f.baseNum.length - 1; k++) {
      a.start.push(-1);
      a.length.push(-1);
    }
    a.start.push(-1);
    a.length.push(-1);
    f.arrays = a;
  }
  const a = f.arrays;
  const row = a.start.length - 1;
  a.start.set(row, a.elems.length);
  a.length.set(row, elems.length);
  for (const x of elems) a.elems.push(x);
}

/** The baseline array of row `idx` of `f`, or undefined. */
export function baseArrayAt(f: FieldState, idx: number): Float64Array | undefined {
  const a = f.arrays;
  if (!a || idx >= a.length.length) return undefined;
  const n = a.length.get(idx);
  if (n < 0) return undefined;
  const start = a.start.get(idx);
  return a.elems.view().subarray(start, start + n);
}

/** Counts a value of `f` that could not be used, by why (off the hot path: only for such values). */
export function unusable(f: FieldState, side: 'baseline' | 'current', v: unknown): void {
  f.unusable ??= { baseline: new Map(), current: new Map() };
  const m = f.unusable[side];
  const why = typeName(v);
  m.set(why, (m.get(why) ?? 0) + 1);
}

/** What a value is, for a sentence: `absent`, `null`, `a string`, `an array`, … */
function typeName(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return 'not a finite number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** The value at a field path of a row (undefined where the path leaves the objects). */
export function valueAt(row: unknown, path: string[]): unknown {
  if (path.length === 1) return row !== null && typeof row === 'object' ? (row as Record<string, unknown>)[path[0]!] : undefined;
  let v = row;
  for (const p of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}
