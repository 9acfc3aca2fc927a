// Drill fidelity: whether the outputs came back, not only the time it took.
// After the restore a drill (and a rollback, the same engine) runs the
// runbook's verify steps, each a contract test of the target release against
// its baseline; fidelity sums what those tests compared: rows compared, rows
// within every row tolerance, label agreement (rows whose label agrees, of
// the rows with a label on both sides) and the largest |Δ| of any numeric
// field, each with the counts it rests on. Zero rows compared is not
// fidelity: it is `measured: false` with the reason (no verify step, the
// drill stopped before one, the tests compared nothing), and a scenario's
// `expect.fidelity` is then not met and says why. Pure: the node layer hands
// it the verify steps' reports (src/node/runbook/fidelity.ts).
import { parseComparison, type Comparison } from '../util/values';

/**
 * What fidelity reads of a contract test's report (src/core/contract/report.ts
 * TestReport, which the runbook room may not import: the node layer passes one).
 */
export interface ComparedTest {
  testId: string;
  verdict: 'pass' | 'fail' | 'error';
  reason?: string;
  counts: { matched: number; baselineRows: number; currentRows: number };
  fields: Array<{ field: string; kind: 'numeric' | 'categorical'; count: number; outsideTolerance: number; agreement?: number; delta?: { maxAbs: number; maxAbsKey: string } }>;
  outsideToleranceRows?: number;
  files?: { baseline?: string };
  baseline?: { version?: string };
}

/** What one verify step's contract test compared. */
export interface FidelityTest {
  step: string;
  contract: string;
  test: string;
  verdict: ComparedTest['verdict'];
  /** Rows joined to the baseline by key (or position) and compared. */
  rowsCompared: number;
  /** Of them, rows inside every row tolerance. */
  rowsWithinTolerance: number;
  /** Label agreement over the fields with an agreement tolerance: rows agreeing, of rows compared on them. */
  agreement?: { agree: number; of: number; fields: string[] };
  /** The largest |current − baseline| of a numeric field, with the row (key) it is at. */
  maxAbsDelta?: { value: number; field: string; key: string };
  /** The baseline the test compared against (relative to the contract's folder) and the release that recorded it. */
  baseline?: { file?: string; version?: string };
  /** Why a test compared nothing (its reason, or schema-only). */
  reason?: string;
}

export type FidelityMeasure = 'agreement' | 'withinTolerance' | 'maxAbsDelta';
export const FIDELITY_MEASURES: readonly FidelityMeasure[] = ['agreement', 'withinTolerance', 'maxAbsDelta'];

/** One `expect.fidelity` requirement, judged. */
export interface FidelityExpectation {
  what: FidelityMeasure;
  /** As written: `>= 0.99`. */
  want: string;
  /** The measured value, when there is one. */
  actual?: number;
  met: boolean;
  /** One sentence with the numbers (or why it was not measured). */
  message: string;
}

export interface Fidelity {
  /** False when no row was compared; `reason` says why. */
  measured: boolean;
  reason?: string;
  rowsCompared: number;
  rowsWithinTolerance: number;
  /** rowsWithinTolerance / rowsCompared, when rows were compared. */
  withinTolerance?: number;
  /** agree / of over every test's label fields, when a test compared labels. */
  agreement?: { value: number; agree: number; of: number };
  maxAbsDelta?: { value: number; field: string; key: string; test: string };
  tests: FidelityTest[];
  /** The scenario's `expect.fidelity`, judged (absent when it has none). */
  expectations?: FidelityExpectation[];
}

/** What a verify step's contract test compared, from its report. */
export function fidelityTest(step: string, contract: string, r: ComparedTest): FidelityTest {
  const rowsCompared = r.counts.matched;
  // every flagged row is counted by the comparison; a report from before that count falls back to the worst field
  const outside = r.outsideToleranceRows ?? Math.max(0, ...r.fields.map((f) => f.outsideTolerance));
  const labels = r.fields.filter((f) => f.kind === 'categorical' && f.agreement !== undefined);
  const numeric = r.fields.filter((f) => f.delta !== undefined);
  const worst = numeric.reduce<(typeof numeric)[number] | undefined>((a, f) => (!a || f.delta!.maxAbs > a.delta!.maxAbs ? f : a), undefined);
  return {
    step,
    contract,
    test: r.testId,
    verdict: r.verdict,
    rowsCompared,
    rowsWithinTolerance: Math.max(0, rowsCompared - outside),
    ...(labels.length ? { agreement: { agree: labels.reduce((n, f) => n + f.count - f.outsideTolerance, 0), of: labels.reduce((n, f) => n + f.count, 0), fields: labels.map((f) => f.field) } } : {}),
    ...(worst ? { maxAbsDelta: { value: worst.delta!.maxAbs, field: worst.field, key: worst.delta!.maxAbsKey } } : {}),
    ...(r.files?.baseline || r.baseline?.version ? { baseline: { ...(r.files?.baseline ? { file: r.files.baseline } : {}), ...(r.baseline?.version ? { version: r.baseline.version } : {}) } } : {}),
    ...(rowsCompared === 0 ? { reason: r.reason ?? (r.counts.baselineRows === 0 && r.counts.currentRows === 0 ? 'a schema-only test compares no rows' : `no row of ${r.counts.currentRows} current and ${r.counts.baselineRows} baseline rows matched`) } : {}),
  };
}

/**
 * Fidelity from the verify steps' tests. `notRun`: why no verify step ran
 * (then nothing was measured, whatever `tests` holds).
 */
export function fidelityOf(tests: FidelityTest[], notRun?: string): Fidelity {
  const rowsCompared = tests.reduce((n, t) => n + t.rowsCompared, 0);
  const rowsWithinTolerance = tests.reduce((n, t) => n + t.rowsWithinTolerance, 0);
  const labelled = tests.filter((t) => t.agreement && t.agreement.of > 0);
  const agree = labelled.reduce((n, t) => n + t.agreement!.agree, 0);
  const of = labelled.reduce((n, t) => n + t.agreement!.of, 0);
  const worst = tests.filter((t) => t.maxAbsDelta).reduce<FidelityTest | undefined>((a, t) => (!a || t.maxAbsDelta!.value > a.maxAbsDelta!.value ? t : a), undefined);
  const reason =
    notRun ??
    (tests.length === 0
      ? 'no verify step ran'
      : rowsCompared === 0
        ? `the verify steps compared no rows (${tests.map((t) => `\`${t.step}\`: ${t.reason ?? 'no rows'}`).join('; ')})`
        : undefined);
  if (reason !== undefined) return { measured: false, reason, rowsCompared: 0, rowsWithinTolerance: 0, tests };
  return {
    measured: true,
    rowsCompared,
    rowsWithinTolerance,
    withinTolerance: rowsWithinTolerance / rowsCompared,
    ...(of > 0 ? { agreement: { value: agree / of, agree, of } } : {}),
    ...(worst ? { maxAbsDelta: { ...worst.maxAbsDelta!, test: worst.test } } : {}),
    tests,
  };
}

/** A share or a delta as reports print it: at most six decimals, no trailing zeros (`0.986667`, `1`). */
export function fidelityNumber(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}

/** The measured value of `what` and the counts it rests on, or why there is none. */
function measuredValue(f: Fidelity, what: FidelityMeasure): { value: number; counts: string } | { missing: string } {
  if (!f.measured) return { missing: f.reason ?? 'nothing was compared' };
  if (what === 'agreement') return f.agreement ? { value: f.agreement.value, counts: `${f.agreement.agree}/${f.agreement.of} rows agree` } : { missing: 'no verify test compares labels (a field with an `agreement` tolerance)' };
  if (what === 'withinTolerance') return { value: f.withinTolerance!, counts: `${f.rowsWithinTolerance}/${f.rowsCompared} rows within tolerance` };
  return f.maxAbsDelta ? { value: f.maxAbsDelta.value, counts: `\`${f.maxAbsDelta.field}\` at \`${f.maxAbsDelta.key}\`, of ${f.rowsCompared} rows` } : { missing: 'no verify test compares a numeric field' };
}

function holds(c: Comparison, x: number): boolean {
  switch (c.op) {
    case '>':
      return x > c.threshold;
    case '>=':
      return x >= c.threshold;
    case '<':
      return x < c.threshold;
    case '<=':
      return x <= c.threshold;
    case '==':
      return x === c.threshold;
    default:
      return x !== c.threshold;
  }
}

/**
 * A scenario's `expect.fidelity` (`{ agreement: ">= 0.99" }`) against what
 * was measured: one judgement per requirement; an unmeasured fidelity meets
 * none and says why. A requirement that does not parse is not met either
 * (the lint reports it at its place).
 */
export function judgeFidelity(f: Fidelity, expect: Record<string, unknown>): FidelityExpectation[] {
  const out: FidelityExpectation[] = [];
  for (const what of FIDELITY_MEASURES) {
    const want = expect[what];
    if (typeof want !== 'string') continue;
    const c = parseComparison(want);
    const name = `fidelity ${what} ${want.trim()}`;
    if (!c.ok) {
      out.push({ what, want, met: false, message: `${name} is not a comparison: ${c.error.message}` });
      continue;
    }
    const m = measuredValue(f, what);
    if ('missing' in m) {
      out.push({ what, want, met: false, message: `${name} was not measured: ${m.missing}` });
      continue;
    }
    const met = holds(c.value, m.value);
    out.push({ what, want, actual: m.value, met, message: `${name} ${met ? 'was met' : 'was not met'}: ${fidelityNumber(m.value)} (${m.counts})` });
  }
  return out;
}

/** The report's lines about fidelity (text and Markdown render them): what was compared, then each expectation. */
export function fidelityLines(f: Fidelity): string[] {
  if (!f.measured) return [`fidelity not measured: ${f.reason ?? 'nothing was compared'}`];
  const parts = [`${f.rowsWithinTolerance}/${f.rowsCompared} rows within tolerance (${fidelityNumber(f.withinTolerance!)})`];
  if (f.agreement) parts.push(`label agreement ${fidelityNumber(f.agreement.value)} (${f.agreement.agree}/${f.agreement.of})`);
  if (f.maxAbsDelta) parts.push(`max |Δ| ${fidelityNumber(f.maxAbsDelta.value)} (\`${f.maxAbsDelta.field}\` at \`${f.maxAbsDelta.key}\`)`);
  const against = [...new Set(f.tests.map((t) => `\`${t.test}\` of ${t.contract}${t.baseline?.version ? ` against the ${t.baseline.version} baseline` : t.baseline?.file ? ` against ${t.baseline.file}` : ''}`))];
  return [`fidelity: ${parts.join(', ')}; ${against.join(', ')}`];
}
