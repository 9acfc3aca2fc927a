// The contract-test report: what the CLI prints, JUnit and the Test Explorer
// show, and the diff view renders. JSON-serialisable and versioned. Its size
// does not grow with the number of rows: statistics, histograms and bounded
// samples only; the diff view pages rows from the JSONL files by line number.

export const REPORT_VERSION = 1;

export type Verdict = 'pass' | 'fail' | 'error';
export type RuleVerdict = 'pass' | 'fail' | 'warn';

export type RuleKind =
  | 'exact'
  | 'abs'
  | 'rel'
  | 'agreement'
  | 'psi'
  | 'ks'
  | 'labels'
  | 'missing-keys'
  | 'extra-keys'
  | 'duplicate-keys'
  | 'output-schema'
  | 'input-schema'
  | 'invalid-lines'
  | 'provenance'
  | 'accept'
  | 'reject';

export interface RuleResult {
  /** Stable id, e.g. `probability.abs`, `label.agreement`, `missing-keys`. */
  id: string;
  kind: RuleKind;
  /** The output field the rule is about, when it is about one. */
  field?: string;
  /** The contract's limit (abs, rel, agreement, psi, ks), when there is one. */
  threshold?: number;
  /** The measured value the limit applies to (max |delta|, agreement share, PSI, KS, a count). */
  value?: number;
  /** Rows that broke the rule. */
  violations?: number;
  verdict: RuleVerdict;
  /** One sentence with the numbers. */
  message: string;
}

export interface NumericSummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  /** p1, p5, p25, p50, p75, p95, p99 */
  quantiles: Record<string, number>;
}

export interface FieldReport {
  field: string;
  kind: 'numeric' | 'categorical';
  /** Matched rows where both sides had a usable value. */
  count: number;
  baseline?: NumericSummary;
  current?: NumericSummary;
  /** Over every compared value (every element, for a field holding arrays); `maxAbsIndex`: the element of the largest |Δ|, for arrays. */
  delta?: { mean: number; meanAbs: number; maxAbs: number; maxAbsKey: string; maxAbsIndex?: number };
  /** Rows outside this field's row tolerance (abs, rel, exact, or label disagreement). */
  outsideTolerance: number;
  /** Equal-width bins over both series. */
  histogram?: { edges: number[]; baseline: number[]; current: number[] };
  /** Baseline label (rows) × current label (columns), for categorical fields. */
  confusion?: { labels: string[]; matrix: number[][] };
  agreement?: number;
}

export interface OffendingField {
  field: string;
  baseline: unknown;
  current: unknown;
  /** current − baseline; for arrays, at the worst element. */
  delta?: number;
  /** For arrays: the element of the largest |Δ| (0-based). */
  index?: number;
  /** The rule ids this value breaks. */
  rules: string[];
}

export interface OffendingRow {
  key: string;
  baselineLine: number;
  currentLine: number;
  fields: OffendingField[];
  /** How far outside (largest delta/threshold); the rows are sorted by it. */
  score: number;
}

export interface LineProblem {
  file: 'inputs' | 'baseline' | 'current';
  line: number;
  message: string;
}

/** Files whose record numbers are row numbers (CSV, Parquet, JSON array); a file not named counts lines (JSONL). */
export type RowUnits = Partial<Record<LineProblem['file'], 'row'>>;

export interface KeySample {
  key: string;
  line: number;
}

export interface Counts {
  inputRows: number;
  baselineRows: number;
  currentRows: number;
  matched: number;
  missing: number;
  extra: number;
  duplicateBaseline: number;
  duplicateCurrent: number;
  invalidInputs: number;
  invalidBaseline: number;
  invalidCurrent: number;
}

export interface Provenance {
  model?: string;
  version?: string;
  seed?: number;
  inputsDigest?: string;
  digest?: string;
  recordedAt?: string;
  command?: string;
  file?: string;
}

export interface TestReport {
  reportVersion: typeof REPORT_VERSION;
  contract: { path: string; name?: string; version?: string | number };
  testId: string;
  verdict: Verdict;
  /** Why the test errored or failed before any comparison (source failure, provenance mismatch). */
  reason?: string;
  startedAt?: string;
  durationMs?: number;
  counts: Counts;
  rules: RuleResult[];
  fields: FieldReport[];
  /** Rows outside tolerance, worst first, bounded. */
  offending: OffendingRow[];
  /** How many matched rows are outside a row tolerance (abs, rel, exact, label) of any field: every one, not only the sample's. */
  outsideToleranceRows?: number;
  /** Lines that could not be used (not JSON, schema failures, wrong types), bounded. */
  problems: LineProblem[];
  /** Problem counts beyond the bounded list. */
  problemsTotal: number;
  missingSample: KeySample[];
  extraSample: KeySample[];
  duplicateSample: Array<KeySample & { file: 'baseline' | 'current' }>;
  baseline?: Provenance;
  current?: Provenance;
  /**
   * Files relative to the contract's folder. `current` is the source's file,
   * or for `command` and `http` sources the copy of the outputs the run kept
   * (under `.rollback-lens/outputs/`, named by `runId`), so the diff view can
   * page every row; `currentDigest` is that copy's sha256, with which the
   * diff view tells it from a later run's or an edited one. `formats`: the
   * contract's explicit `format:` of the baseline or current file, when it
   * gave one (else the extension says).
   */
  files?: { inputs?: string; baseline?: string; current?: string; currentDigest?: string; formats?: { baseline?: 'jsonl' | 'csv' | 'parquet' | 'json'; current?: 'jsonl' | 'csv' | 'parquet' | 'json' } };
  /**
   * Which files count rows rather than lines: every `line` of a problem, a
   * key sample or an offending row in such a file is its 1-based data row.
   * Absent: all three are JSONL.
   */
  units?: RowUnits;
  /** The run that made the report (`r` and 12 hex digits); names the outputs it kept. */
  runId?: string;
  /** How rows were joined and checked: the key and each field's tolerance (the diff view re-checks rows with it). */
  compare?: {
    key: string;
    tolerance: Record<string, { exact?: boolean; abs?: number; rel?: number; agreement?: number }>;
    drift?: Record<string, { psi?: number; ks?: number; bins?: number }>;
  };
}

export interface ContractReport {
  reportVersion: typeof REPORT_VERSION;
  contract: { path: string; name?: string; version?: string | number };
  verdict: Verdict;
  tests: TestReport[];
}

export function emptyCounts(): Counts {
  return {
    inputRows: 0,
    baselineRows: 0,
    currentRows: 0,
    matched: 0,
    missing: 0,
    extra: 0,
    duplicateBaseline: 0,
    duplicateCurrent: 0,
    invalidInputs: 0,
    invalidBaseline: 0,
    invalidCurrent: 0,
  };
}

/** A report with no rows compared (schema-only tests, errors before any comparison). */
export function rowlessReport(contract: TestReport['contract'], testId: string, verdict: Verdict, rules: RuleResult[], reason?: string): TestReport {
  return {
    reportVersion: REPORT_VERSION,
    contract,
    testId,
    verdict,
    ...(reason !== undefined ? { reason } : {}),
    counts: emptyCounts(),
    rules,
    fields: [],
    offending: [],
    problems: [],
    problemsTotal: 0,
    missingSample: [],
    extraSample: [],
    duplicateSample: [],
  };
}

/** The overall verdict of several tests: error beats fail beats pass. */
export function combineVerdicts(vs: Verdict[]): Verdict {
  if (vs.includes('error')) return 'error';
  if (vs.includes('fail')) return 'fail';
  return 'pass';
}
