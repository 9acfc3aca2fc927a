// The report of a contract comparison, assembled once the last line is in
// (compare.ts folds the rows; this turns what it folded into a TestReport):
// per field the summaries, deltas, histogram or confusion matrix and the
// tolerance, agreement and drift rules with their sentences; then the key,
// label, schema and unusable-line rules, and the verdict. Also the fields an
// offending row shows, built when the row enters the bounded sample. The
// numeric arrays are compacted and sorted in place (finish() is their last
// use), so nothing here copies a million values. Pure.
import {
  REPORT_VERSION,
  type Counts,
  type FieldReport,
  type KeySample,
  type LineProblem,
  type OffendingField,
  type OffendingRow,
  type RowUnits,
  type RuleResult,
  type TestReport,
} from './report';
import { baseArrayAt, SMALL_CODES, valueAt, type FieldState } from './fieldState';
import { histogram, ks, psi, quantiles, sortFloats } from './stats';
import { brokenRules, checkArray, exactText, numericArray, ruleIds } from './tolerance';
import { measured } from '../util/number';
import { plural } from '../util/plural';

const DEFAULT_BINS = 10;

/** What a comparison folded, handed over when its last line is in. */
export interface Tally {
  /** The parts of the comparison's spec the report names. */
  spec: { testId: string; labels?: string[]; missingKeys?: 'fail' | 'warn'; extraKeys?: 'fail' | 'warn' };
  counts: Counts;
  fields: readonly FieldState[];
  /** Baseline rows joined by key (unique keys). */
  baselineKeys: number;
  /** Label code -> label. */
  dictionaryNames: readonly string[];
  labelSet: ReadonlySet<string> | undefined;
  /** An output / input schema was checked. */
  checksOutputs: boolean;
  checksInputs: boolean;
  outputSchemaFailures: number;
  inputSchemaFailures: number;
  labelViolations: number;
  firstLabelViolation: { line: number; label: string } | undefined;
  problems: LineProblem[];
  problemsTotal: number;
  missingSample: KeySample[];
  extraSample: KeySample[];
  duplicateSample: Array<KeySample & { file: 'baseline' | 'current' }>;
  /** The offending sample, worst first. */
  offending: OffendingRow[];
  /** Matched rows outside a row tolerance of any field, all of them. */
  outsideToleranceRows?: number;
  /** Files whose records are rows (CSV, Parquet, JSON array), not lines: their numbers are row numbers. */
  units?: RowUnits | undefined;
  /** A second buffer for the radix sort of the numeric fields (or undefined: one is allocated). */
  scratch: Uint32Array | undefined;
}

export interface ReportMeta {
  contractPath: string;
  contractName?: string;
  contractVersion?: string | number;
}

/** What a file's record numbers count: `line` (JSONL, the default) or `row` (CSV, Parquet, JSON array). */
export function unitIn(units: RowUnits | undefined, file: LineProblem['file']): 'line' | 'row' {
  return units?.[file] ?? 'line';
}

export function assembleReport(tally: Tally, meta: ReportMeta): TestReport {
  const rules: RuleResult[] = [];
  const fields: FieldReport[] = [];
  for (const f of tally.fields) {
    for (const cell of f.confusion.keys()) {
      const b = Math.floor(cell / 65536);
      const c = cell % 65536;
      if (b < SMALL_CODES && c < SMALL_CODES) f.confusion.set(cell, f.smallConfusion[b * SMALL_CODES + c]!);
    }
  }
  for (const f of tally.fields) {
    const r = fieldReport(tally, f);
    fields.push(r.report);
    rules.push(...r.rules);
  }
  rules.push(...keyRules(tally), ...lineRules(tally));
  const verdict = rules.some((r) => r.verdict === 'fail') ? 'fail' : 'pass';
  return {
    reportVersion: REPORT_VERSION,
    contract: { path: meta.contractPath, ...(meta.contractName ? { name: meta.contractName } : {}), ...(meta.contractVersion !== undefined ? { version: meta.contractVersion } : {}) },
    testId: tally.spec.testId,
    verdict,
    counts: tally.counts,
    rules,
    fields,
    offending: tally.offending,
    ...(tally.outsideToleranceRows !== undefined ? { outsideToleranceRows: tally.outsideToleranceRows } : {}),
    problems: tally.problems,
    problemsTotal: tally.problemsTotal,
    missingSample: tally.missingSample,
    extraSample: tally.extraSample,
    duplicateSample: tally.duplicateSample,
    ...(tally.units && Object.keys(tally.units).length ? { units: tally.units } : {}),
  };
}

function fieldReport(tally: Tally, f: FieldState): { report: FieldReport; rules: RuleResult[] } {
  const rules: RuleResult[] = [];
  const t = f.tolerance;
  const name = `\`${f.name}\``;
  if (f.kind === 'numeric') {
    // finish() is the last use of these arrays: compact and sort them in place, no copies
    const baseSorted = sortFloats(f.arrays ? withElements(finiteInPlace(f.baseNum.view()), f.arrays.elems.view()) : finiteInPlace(f.baseNum.view()), tally.scratch);
    const curSorted = sortFloats(finiteInPlace(f.curNum.view()), tally.scratch);
    const report: FieldReport = {
      field: f.name,
      kind: 'numeric',
      count: f.count,
      baseline: summary(baseSorted),
      current: summary(curSorted),
      delta: {
        mean: f.values ? f.sumDelta / f.values : NaN,
        meanAbs: f.values ? f.sumAbs / f.values : NaN,
        maxAbs: f.maxAbs,
        maxAbsKey: f.maxAbsKey,
        ...(f.maxAbsIndex >= 0 ? { maxAbsIndex: f.maxAbsIndex } : {}),
      },
      outsideTolerance: Math.max(f.absViolations, f.relViolations, f.exactViolations),
      histogram: histogram(baseSorted, curSorted, undefined, true),
    };
    const nc = notCompared(tally, f);
    const at = `\`${f.maxAbsKey}\`${f.maxAbsIndex >= 0 ? `, element ${f.maxAbsIndex}` : ''}`;
    const lengths = f.lengthMismatch ? `; ${f.lengthMismatch} row${f.lengthMismatch === 1 ? ' has an array' : 's have arrays'} of another length than the baseline's` : '';
    nc.suffix = lengths + nc.suffix;
    if (t.abs !== undefined) {
      const fail = nc.none !== undefined || f.absViolations > 0;
      rules.push({
        id: `${f.name}.abs`,
        kind: 'abs',
        field: f.name,
        threshold: t.abs,
        ...(nc.none === undefined ? { value: f.maxAbs } : {}),
        violations: f.absViolations,
        verdict: fail ? 'fail' : 'pass',
        message:
          nc.none ??
          (f.absViolations > 0
            ? `${name}: ${f.absViolations} of ${f.count} rows differ from the baseline by more than ${measured(t.abs)} (max |Δ| ${measured(f.maxAbs)} at ${at})`
            : `${name}: all ${f.count} rows within ${measured(t.abs)} of the baseline (max |Δ| ${measured(f.maxAbs)})`) + nc.suffix,
      });
    }
    if (t.rel !== undefined) {
      const fail = nc.none !== undefined || f.relViolations > 0;
      rules.push({
        id: `${f.name}.rel`,
        kind: 'rel',
        field: f.name,
        threshold: t.rel,
        violations: f.relViolations,
        verdict: fail ? 'fail' : 'pass',
        message:
          nc.none ??
          (f.relViolations > 0
            ? `${name}: ${f.relViolations} of ${f.count} rows differ from the baseline by more than ${pct(t.rel)}`
            : `${name}: all ${f.count} rows within ${pct(t.rel)} of the baseline`) + nc.suffix,
      });
    }
    if (t.exact) rules.push(exactRule(tally, f));
    // drift compares the two series of values, not pairs: it needs values on both sides
    const why = unusableText(tally, f);
    const noSeries = f.sawArray
      ? 'arrays'
      : baseSorted.length === 0 || curSorted.length === 0
        ? `no numeric value (${why || 'no baseline row has a current output'})`
        : undefined;
    const notComputed = (what: string) =>
      noSeries === 'arrays' ? `\`${f.name}\` holds arrays and ${what} needs one number per row; address an element, e.g. \`${f.name}[0]\`` : noSeries;
    const leftOut = why ? `; left out: ${why}` : '';
    if (f.drift?.psi !== undefined) {
      if (noSeries) rules.push({ id: `${f.name}.psi`, kind: 'psi', field: f.name, threshold: f.drift.psi, verdict: 'fail', message: `${name}: PSI not computed: ${notComputed('PSI')}` });
      else {
        const p = psi(baseSorted, curSorted, f.drift.bins ?? DEFAULT_BINS, true);
        const fail = !(p.value <= f.drift.psi);
        rules.push({
          id: `${f.name}.psi`,
          kind: 'psi',
          field: f.name,
          threshold: f.drift.psi,
          value: p.value,
          verdict: fail ? 'fail' : 'pass',
          message: `${name}: PSI ${measured(p.value)} ${fail ? '>' : '≤'} ${measured(f.drift.psi)} over ${p.baseline.length} baseline-quantile bins${leftOut}`,
        });
      }
    }
    if (f.drift?.ks !== undefined) {
      if (noSeries) rules.push({ id: `${f.name}.ks`, kind: 'ks', field: f.name, threshold: f.drift.ks, verdict: 'fail', message: `${name}: KS not computed: ${notComputed('KS')}` });
      else {
        const d = ks(baseSorted, curSorted);
        const fail = !(d <= f.drift.ks);
        rules.push({
          id: `${f.name}.ks`,
          kind: 'ks',
          field: f.name,
          threshold: f.drift.ks,
          value: d,
          verdict: fail ? 'fail' : 'pass',
          message: `${name}: KS statistic ${measured(d)} ${fail ? '>' : '≤'} ${measured(f.drift.ks)}${leftOut}`,
        });
      }
    }
    return { report, rules };
  }
  if (f.kind === 'categorical') {
    const labels = [...new Set([...(tally.spec.labels ?? []), ...usedLabels(tally, f)])];
    const index = new Map(labels.map((l, i) => [l, i]));
    const matrix = labels.map(() => labels.map(() => 0));
    for (const [cell, n] of f.confusion) {
      const b = Math.floor(cell / 65536);
      const c = cell % 65536;
      matrix[index.get(tally.dictionaryNames[b]!)!]![index.get(tally.dictionaryNames[c]!)!]! += n;
    }
    const agreement = f.count ? f.agree / f.count : NaN;
    const report: FieldReport = { field: f.name, kind: 'categorical', count: f.count, outsideTolerance: f.disagree, confusion: { labels, matrix }, agreement };
    if (t.agreement !== undefined) {
      const nc = notCompared(tally, f);
      const fail = nc.none !== undefined || !(agreement >= t.agreement);
      rules.push({
        id: `${f.name}.agreement`,
        kind: 'agreement',
        field: f.name,
        threshold: t.agreement,
        ...(nc.none === undefined ? { value: agreement } : {}),
        violations: f.disagree,
        verdict: fail ? 'fail' : 'pass',
        message: nc.none ?? `${name}: agreement ${pct(agreement)} (${f.agree} of ${f.count} rows) ${fail ? '<' : '≥'} required ${pct(t.agreement)}${nc.suffix}`,
      });
    }
    if (t.exact) rules.push(exactRule(tally, f));
    return { report, rules };
  }
  return { report: { field: f.name, kind: 'categorical', count: f.count, outsideTolerance: f.exactViolations }, rules: [exactRule(tally, f)] };
}

function exactRule(tally: Tally, f: FieldState): RuleResult {
  const violations = f.kind === 'categorical' ? f.disagree : f.exactViolations;
  const nc = notCompared(tally, f);
  return {
    id: `${f.name}.exact`,
    kind: 'exact',
    field: f.name,
    violations,
    verdict: nc.none !== undefined || violations > 0 ? 'fail' : 'pass',
    message:
      nc.none ??
      (violations > 0 ? `\`${f.name}\`: ${violations} of ${f.count} rows differ from the baseline (exact match required)` : `\`${f.name}\`: all ${f.count} rows equal the baseline`) + nc.suffix,
  };
}

function usedLabels(tally: Tally, f: FieldState): string[] {
  const out = new Set<string>();
  for (const cell of f.confusion.keys()) {
    out.add(tally.dictionaryNames[Math.floor(cell / 65536)]!);
    out.add(tally.dictionaryNames[cell % 65536]!);
  }
  return [...out];
}

function keyRules(tally: Tally): RuleResult[] {
  const c = tally.counts;
  const rules: RuleResult[] = [];
  const missingMode = tally.spec.missingKeys ?? 'fail';
  const e = (s: KeySample[]) => (s[0] ? ` (e.g. \`${s[0].key}\`)` : '');
  rules.push({
    id: 'missing-keys',
    kind: 'missing-keys',
    value: c.missing,
    verdict: c.missing === 0 ? 'pass' : missingMode,
    message: c.missing === 0 ? `every baseline key has a current output` : `${c.missing} baseline key${c.missing === 1 ? ' has' : 's have'} no current output${e(tally.missingSample)}`,
  });
  const extraMode = tally.spec.extraKeys ?? 'warn';
  rules.push({
    id: 'extra-keys',
    kind: 'extra-keys',
    value: c.extra,
    verdict: c.extra === 0 ? 'pass' : extraMode,
    message: c.extra === 0 ? 'no current output without a baseline row' : `${c.extra} current output${c.extra === 1 ? ' has a key' : 's have keys'} not in the baseline${e(tally.extraSample)}`,
  });
  const dups = c.duplicateBaseline + c.duplicateCurrent;
  rules.push({
    id: 'duplicate-keys',
    kind: 'duplicate-keys',
    value: dups,
    verdict: dups === 0 ? 'pass' : 'fail',
    message:
      dups === 0
        ? 'every key is unique'
        : `duplicate keys: ${c.duplicateBaseline} in the baseline, ${c.duplicateCurrent} in the current outputs${dupExample(tally.duplicateSample[0], tally.units)}`,
  });
  if (tally.labelSet) {
    const v = tally.labelViolations;
    rules.push({
      id: 'labels',
      kind: 'labels',
      value: v,
      verdict: v === 0 ? 'pass' : 'fail',
      message:
        v === 0
          ? `every label is one of ${[...tally.labelSet].map((l) => `\`${l}\``).join(', ')}`
          : `${v} output${v === 1 ? ' has a label' : 's have labels'} outside the contract's labels (e.g. \`${tally.firstLabelViolation!.label}\` at ${unitIn(tally.units, 'current')} ${tally.firstLabelViolation!.line})`,
    });
  }
  return rules;
}

function lineRules(tally: Tally): RuleResult[] {
  const rules: RuleResult[] = [];
  if (tally.checksOutputs) rules.push(schemaRule(tally, 'output', tally.outputSchemaFailures, 'current'));
  if (tally.checksInputs) rules.push(schemaRule(tally, 'input', tally.inputSchemaFailures, 'inputs'));
  const c = tally.counts;
  const unusable = c.invalidBaseline + c.invalidCurrent + (c.invalidInputs - tally.inputSchemaFailures);
  if (unusable > 0) {
    rules.push({
      id: 'invalid-lines',
      kind: 'invalid-lines',
      value: unusable,
      verdict: 'fail',
      message: `${plural(unusable, unusableWord(tally))} could not be used (${c.invalidBaseline} baseline, ${c.invalidCurrent} current, ${c.invalidInputs - tally.inputSchemaFailures} inputs)${firstProblem(tally)}`,
    });
  }
  return rules;
}

function schemaRule(tally: Tally, which: 'input' | 'output', failures: number, file: LineProblem['file']): RuleResult {
  const v = failures;
  return {
    id: `${which}-schema`,
    kind: `${which}-schema`,
    value: v,
    verdict: v === 0 ? 'pass' : 'fail',
    message: v === 0 ? `every ${which} matches the ${which} schema` : `${plural(v, which)} ${v === 1 ? 'does' : 'do'} not match the ${which} schema${firstProblem(tally, file, `${which} schema`)}`,
  };
}

function firstProblem(tally: Tally, file?: LineProblem['file'], containing?: string): string {
  const p = tally.problems.find((x) => (!file || x.file === file) && (!containing || x.message.includes(containing)));
  return p ? `; first: ${p.file} ${unitIn(tally.units, p.file)} ${p.line}: ${p.message}` : '';
}

/** `line` when every file counts lines, `row` when every file counts rows, else `record`. */
function unusableWord(tally: Tally): string {
  const all = new Set((['inputs', 'baseline', 'current'] as const).map((f) => unitIn(tally.units, f)));
  return all.size === 1 ? [...all][0]! : 'record';
}

/**
 * Why some of field `f`'s values were not used, or '' when all were:
 * `absent in 2 of 150 baseline rows; a string in 1 of 148 current rows`
 * (baseline: the rows joined by key; current: the matched rows).
 */
function unusableText(tally: Tally, f: FieldState): string {
  if (!f.unusable) return '';
  const side = (m: Map<string, number>, total: number, name: string) =>
    m.size ? `${[...m].map(([why, n]) => `${why} in ${n}`).join(', ')} of ${total} ${name} rows` : '';
  return [side(f.unusable.baseline, tally.baselineKeys, 'baseline'), side(f.unusable.current, tally.counts.matched, 'current')].filter(Boolean).join('; ');
}

/** A tolerance rule's sentence over zero compared rows, or the suffix saying how many matched rows were not compared. */
function notCompared(tally: Tally, f: FieldState): { none?: string; suffix: string } {
  const why = unusableText(tally, f);
  if (f.count === 0) return { none: `\`${f.name}\`: no row compared (${why || 'no baseline row has a current output'})`, suffix: '' };
  const skipped = tally.counts.matched - f.count;
  return { suffix: skipped > 0 ? `; ${skipped} of ${tally.counts.matched} matched rows not compared (${why})` : '' };
}

/**
 * The fields of a matched pair (baseline row `idx`, current `row`) that break
 * a rule, as the comparison judged them (no counting, no problems): built only
 * for a row that makes it into the bounded offending sample.
 */
export function offendingFields(fields: readonly FieldState[], labels: readonly string[], idx: number, row: unknown): OffendingField[] {
  const out: OffendingField[] = [];
  for (const f of fields) {
    const v = valueAt(row, f.path);
    if (f.kind === 'numeric') {
      if (Array.isArray(v)) {
        const c = numericArray(v);
        const b = c && baseArrayAt(f, idx);
        if (!c || !b) continue;
        const r = checkArray(f.tolerance, b, c);
        const rules = ruleIds(f.name, r.rules);
        if (rules.length) out.push({ field: f.name, baseline: Array.from(b), current: c, ...(r.worst >= 0 ? { delta: r.worstDelta, index: r.worst } : {}), rules });
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const c = v;
      const b = f.baseNum.get(idx);
      if (Number.isNaN(b)) continue;
      const delta = c - b;
      const rules = ruleIds(f.name, brokenRules(f.tolerance, b, delta));
      if (rules.length) out.push({ field: f.name, baseline: b, current: c, delta, rules });
    } else if (f.kind === 'categorical') {
      const bc = f.baseCode.get(idx);
      if (bc < 0 || v === undefined || v === null) continue;
      const label = String(v);
      if (label !== labels[bc]) out.push({ field: f.name, baseline: labels[bc], current: label, rules: [`${f.name}.agreement`] });
    } else {
      const b = f.baseExact[idx]!;
      if (b !== exactText(v)) out.push({ field: f.name, baseline: b === 'undefined' ? undefined : JSON.parse(b), current: v, rules: [`${f.name}.exact`] });
    }
  }
  return out;
}

/** `a` followed by `elems` (a new array). */
function withElements(a: Float64Array, elems: Float64Array): Float64Array {
  const out = new Float64Array(a.length + elems.length);
  out.set(a);
  out.set(elems, a.length);
  return out;
}

/** Moves the non-NaN values to the front and returns that part (the array is reused). */
function finiteInPlace(a: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i]!)) a[n++] = a[i]!;
  return a.subarray(0, n);
}

function summary(sorted: Float64Array): FieldReport['baseline'] {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    min: sorted.length ? sorted[0]! : NaN,
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    quantiles: quantiles(sorted),
  };
}

/** ` (e.g. \`k\` at baseline line 3)`, or nothing when no sample is kept (keySampleLimit 0). */
function dupExample(d: (KeySample & { file: 'baseline' | 'current' }) | undefined, units: RowUnits | undefined): string {
  return d ? ` (e.g. \`${d.key}\` at ${d.file} ${unitIn(units, d.file)} ${d.line})` : '';
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${Number((x * 100).toPrecision(4))}%` : String(x);
}
