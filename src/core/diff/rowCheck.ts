// The per-row tolerance check of the diff view: for one matched row and one
// field, is the current value inside the contract's tolerance of the
// baseline's, and how far outside is it. The same arithmetic as the
// contract-test engine's compareRow (src/core/contract/compare.ts), kept
// here so the diff view can flag every row of a million-row comparison
// without re-running the engine; test/unit/diff-rowcheck.test.ts proves
// the counts agree with the engine's on real and generated fixtures. A
// whole numeric array is checked element-wise by the engine's own function
// (contract/tolerance.ts); its delta is the worst element's. Pure.
import type { ToleranceSpec } from '../contract/compare';
import { checkArray, numericArray } from '../contract/tolerance';
import { fieldPath } from '../contract/path';
import type { TestReport } from '../contract/report';

export type DiffFieldKind = 'numeric' | 'categorical' | 'exact';

/** A field the diff view compares, with its row tolerance. */
export interface DiffField {
  name: string;
  /** Dotted path into a row. */
  path: string[];
  kind: DiffFieldKind;
  tolerance: ToleranceSpec;
}

/** What the diff view needs to join and check rows: the key and the fields. */
export interface DiffSpec {
  key: string;
  fields: DiffField[];
}

/** Rule bits of a field's check result. */
export const RULE_ABS = 1;
export const RULE_REL = 2;
export const RULE_EXACT = 4;
export const RULE_AGREEMENT = 8;

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

/** A numeric field: the value the engine reads (NaN when it is not a finite number). */
export function numericValue(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

/** Numeric check of baseline b against current c (both as numericValue gives them). */
export function checkNumeric(t: ToleranceSpec, b: number, c: number): FieldCheck {
  if (Number.isNaN(c) || Number.isNaN(b)) return SKIPPED;
  const delta = c - b;
  const abs = Math.abs(delta);
  let rules = 0;
  let score = 0;
  if (t.abs !== undefined && abs > t.abs) {
    rules |= RULE_ABS;
    score = Math.max(score, t.abs > 0 ? abs / t.abs : Infinity);
  }
  if (t.rel !== undefined) {
    const rel = abs / Math.max(Math.abs(b), Number.EPSILON);
    if (rel > t.rel) {
      rules |= RULE_REL;
      score = Math.max(score, t.rel > 0 ? rel / t.rel : Infinity);
    }
  }
  if (t.exact && delta !== 0) {
    rules |= RULE_EXACT;
    score = Math.max(score, 1);
  }
  return { compared: true, rules, score, delta };
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
  const rules = (r.abs ? RULE_ABS : 0) | (r.rel ? RULE_REL : 0) | (r.exact ? RULE_EXACT : 0);
  return { compared: true, rules, score: rules ? r.score : 0, delta: r.worstDelta };
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
  const same = (JSON.stringify(b) ?? 'undefined') === (JSON.stringify(c) ?? 'undefined');
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

/** The rule ids a check's bits stand for, as the report names them (`probability.abs`). */
export function ruleIds(field: string, bits: number): string[] {
  const out: string[] = [];
  if (bits & RULE_ABS) out.push(`${field}.abs`);
  if (bits & RULE_REL) out.push(`${field}.rel`);
  if (bits & RULE_EXACT) out.push(`${field}.exact`);
  if (bits & RULE_AGREEMENT) out.push(`${field}.agreement`);
  return out;
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
      const kind: DiffFieldKind = t.agreement !== undefined ? 'categorical' : t.abs !== undefined || t.rel !== undefined || c.drift?.[name] ? 'numeric' : 'exact';
      fields.push({ name, path: fieldPath(name), kind, tolerance: t });
    }
    return { key: c.key, fields };
  }
  return undefined;
}
