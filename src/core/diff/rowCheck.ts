// The per-row tolerance check of the diff view: for one matched row and one
// field, is the current value inside the contract's tolerance of the
// baseline's, and how far outside is it. It reads the row the way the
// contract-test engine (src/core/contract/compare.ts) does and applies the
// engine's own arithmetic (src/core/contract/tolerance.ts), so that the diff
// view can flag every row of a million-row comparison without re-running
// the engine; test/unit/tolerance.test.ts compares the two row by row, and
// test/unit/diff-rowindex.test.ts proves the row index's counts agree with
// the engine's on real and generated fixtures. A whole numeric array is
// checked element-wise; its delta is the worst element's. Pure.
import { brokenRules, checkArray, exactText, fieldKind, numericArray, numericValue, outsideScore, RULE_AGREEMENT, RULE_EXACT, type FieldKind, type ToleranceSpec } from '../contract/tolerance';
import { fieldPath } from '../contract/path';
import type { TestReport } from '../contract/report';

// The rule bits of a FieldCheck, their ids, and the value reading are the engine's: the diff view takes them from here.
export { numericValue, RULE_ABS, RULE_AGREEMENT, RULE_EXACT, RULE_REL, ruleIds } from '../contract/tolerance';

/** A field the diff view compares, with its row tolerance. */
export interface DiffField {
  name: string;
  /** Dotted path into a row. */
  path: string[];
  kind: FieldKind;
  tolerance: ToleranceSpec;
}

/** What the diff view needs to join and check rows: the key and the fields. */
export interface DiffSpec {
  key: string;
  fields: DiffField[];
}

export interface FieldCheck {
  /** False when the engine would skip this field for this row (a side is missing or not a number). */
  compared: boolean;
  /** RULE_* bits of the rules this value breaks (0: inside tolerance). */
  rules: number;
  /** How far outside (largest |Δ|/threshold, 1 for a label or exact mismatch), 0 inside. */
  score: number;
  /** current − baseline, numeric fields only (NaN otherwise). */
  delta: number;
}

export const SKIPPED: FieldCheck = Object.freeze({ compared: false, rules: 0, score: 0, delta: NaN });

/** Numeric check of baseline b against current c (both as numericValue gives them). */
export function checkNumeric(t: ToleranceSpec, b: number, c: number): FieldCheck {
  if (Number.isNaN(c) || Number.isNaN(b)) return SKIPPED;
  const delta = c - b;
  const rules = brokenRules(t, b, delta);
  return { compared: true, rules, score: rules ? outsideScore(t, b, delta) : 0, delta };
}

/**
 * A numeric field whose baseline is `b` (numericValue) or the array `bArr`
 * and whose current value is `v` as the row holds it: arrays element-wise,
 * as the engine's compareArray.
 */
export function checkNumericValue(t: ToleranceSpec, b: number, bArr: ArrayLike<number> | undefined, v: unknown): FieldCheck {
  if (!Array.isArray(v)) return checkNumeric(t, b, numericValue(v));
  const c = numericArray(v);
  if (!c || !bArr) return SKIPPED;
  const r = checkArray(t, bArr, c);
  return { compared: true, rules: r.rules, score: r.score, delta: r.worstDelta };
}

/** A label field: baseline and current labels as the rows hold them. */
export function checkLabel(b: unknown, c: unknown): FieldCheck {
  if (b === undefined || b === null || c === undefined || c === null) return SKIPPED;
  const same = String(b) === String(c);
  return { compared: true, rules: same ? 0 : RULE_AGREEMENT, score: same ? 0 : 1, delta: NaN };
}

/** A field compared exactly as JSON. */
export function checkExact(b: unknown, c: unknown): FieldCheck {
  if (b === undefined && c === undefined) return SKIPPED; // absent on both sides: the engine compares nothing
  const same = exactText(b) === exactText(c);
  return { compared: true, rules: same ? 0 : RULE_EXACT, score: same ? 0 : 1, delta: NaN };
}

export function getPath(row: unknown, path: string[]): unknown {
  let v = row;
  for (const p of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** Checks one field of a matched pair of rows. */
export function checkField(f: DiffField, baseline: unknown, current: unknown): FieldCheck {
  const b = getPath(baseline, f.path);
  const c = getPath(current, f.path);
  if (f.kind === 'numeric') return checkNumericValue(f.tolerance, numericValue(b), numericArray(b), c);
  if (f.kind === 'categorical') return checkLabel(b, c);
  return checkExact(b, c);
}

/**
 * The diff spec of a report, from the `compare` block the run recorded.
 * Undefined for a report without one: schema-only tests, errors before any
 * comparison, and reports written before the block existed (their summary
 * and offending sample still show; the full row table needs a new run).
 */
export function diffSpecOf(report: TestReport): DiffSpec | undefined {
  const c = report.compare;
  if (c) {
    const fields: DiffField[] = [];
    const names = new Set([...Object.keys(c.tolerance), ...Object.keys(c.drift ?? {})]);
    for (const name of names) {
      const t = c.tolerance[name] ?? {};
      fields.push({ name, path: fieldPath(name), kind: fieldKind(t, !!c.drift?.[name]), tolerance: t });
    }
    return { key: c.key, fields };
  }
  return undefined;
}
