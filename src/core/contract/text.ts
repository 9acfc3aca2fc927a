// A contract report as text, the one way it is printed: by `rollback-lens
// test` on stdout and by the editor into the Test Results output, so both
// show the same words and numbers (per test its verdict, the rules that did
// not pass, the count of those that did, the worst rows and the unusable
// lines, then the summary).
import { measured } from '../util/number';
import { plural } from '../util/plural';
import type { ContractReport, RuleResult, TestReport } from './report';

const MARK: Record<RuleResult['verdict'], string> = { pass: '✓', fail: '✗', warn: '!' };

/** The report as `rollback-lens test` prints it; the editor's Test Results output holds the same text. */
export function contractReportText(report: ContractReport): string {
  const lines: string[] = [];
  const name = report.contract.name ? ` (${report.contract.name}${report.contract.version !== undefined ? ` v${report.contract.version}` : ''})` : '';
  lines.push(`${report.contract.path}${name}`);
  for (const t of report.tests) {
    const c = t.counts;
    const rows = t.rules.some((r) => r.kind === 'accept' || r.kind === 'reject')
      ? `${t.rules.length} cases`
      : `${c.matched} rows matched, ${c.missing} missing, ${c.extra} extra`;
    lines.push(`  ${t.verdict.toUpperCase()} ${t.testId} — ${t.reason ?? rows}${t.durationMs !== undefined ? ` (${(t.durationMs / 1000).toFixed(1)} s)` : ''}`);
    const shown = t.verdict === 'pass' ? t.rules.filter((r) => r.verdict === 'warn') : t.rules.filter((r) => r.verdict !== 'pass');
    for (const r of shown) lines.push(`    ${MARK[r.verdict]} ${r.id}: ${r.message}`);
    const passed = t.rules.filter((r) => r.verdict === 'pass').length;
    if (t.verdict !== 'error' && passed) lines.push(`    ${MARK.pass} ${plural(passed, 'rule')} passed`);
    // JSONL files number lines, tables (CSV, Parquet, JSON array) rows: the report's `units`
    const unit = (file: 'inputs' | 'baseline' | 'current'): string => t.units?.[file] ?? 'line';
    for (const o of t.offending.slice(0, 3)) {
      const f = o.fields[0]!;
      // an array compared element-wise: its worst element
      const at = (v: unknown) => (f.index !== undefined && Array.isArray(v) ? v[f.index] : v);
      lines.push(
        `      ${o.key} (baseline ${unit('baseline')} ${o.baselineLine}, current ${unit('current')} ${o.currentLine}): ${f.field}${f.index !== undefined ? `[${f.index}]` : ''} ${show(at(f.baseline))} → ${show(at(f.current))}${f.delta !== undefined ? ` (Δ ${measured(f.delta)})` : ''}`,
      );
    }
    for (const p of t.problems.slice(0, 3)) lines.push(`      ${p.file} ${unit(p.file)} ${p.line}: ${p.message}`);
    if (t.problemsTotal > 3) lines.push(`      … ${t.problemsTotal - 3} more line problems (see --format json)`);
  }
  lines.push(contractSummaryLine(report));
  return lines.join('\n');
}

/** `2 passed, 1 failed` (and how many errored, when any did). */
export function contractSummaryLine(report: ContractReport): string {
  const count = (v: TestReport['verdict']) => report.tests.filter((t) => t.verdict === v).length;
  return `${count('pass')} passed, ${count('fail')} failed${count('error') ? `, ${count('error')} errored` : ''}`;
}

function show(v: unknown): string {
  return typeof v === 'number' ? measured(v) : JSON.stringify(v);
}

