// `rollback-lens test <contract> [--test id] [--format text|json|junit] [--out file]`
// Exit codes: 0 every test passed, 1 a test failed, 2 an error (usage, I/O,
// an invalid contract, a model that could not be run).
import * as path from 'node:path';
import { measured } from '../core/util/number';
import type { ContractReport, RuleResult, TestReport } from '../core/contract/report';
import { writeFileAtomic } from '../node/atomic';
import { ContractError, runContractTests } from '../node/contract/run';
import { UsageError, type CliIO } from './io';
import { contractTestRecord } from '../node/contract/records';
import { auditRun } from './auditRun';
import { findWorkspace } from '../node/workspace';
import { plural } from '../core/util/plural';

/** `rollback-lens test <contract>`, its options parsed by main() (src/cli/commands.ts). */
export async function testCommand(
  { values, positionals }: { values: { test?: string[]; format: string; out?: string; workspace?: string; timeout?: string; concurrency?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one contract file');
  const format = values.format;
  if (!['text', 'json', 'junit'].includes(format)) throw new UsageError(`--format must be text, json or junit, not \`${format}\``);
  const timeoutMs = values.timeout !== undefined ? parseTimeout(values.timeout) : undefined;
  const concurrency = values.concurrency !== undefined ? Number(values.concurrency) : undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new UsageError('--concurrency must be a positive integer');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const tty = !!(io.stderr as { isTTY?: boolean }).isTTY;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  let report: ContractReport;
  try {
    report = await runContractTests(path.resolve(io.cwd, positionals[0]!), {
      workspace,
      ...(values.test ? { testIds: values.test } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      signal: controller.signal,
      onProgress: (e) => {
        if (!tty) return;
        if (e.phase === 'start') io.stderr.write(`\r\x1b[K${e.testId}: running…`);
        else if (e.phase === 'outputs') io.stderr.write(`\r\x1b[K${e.testId}: ${e.rows} outputs…`);
        else io.stderr.write('\r\x1b[K');
      },
    });
  } catch (e) {
    if (e instanceof ContractError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  await auditRun(io, workspace, contractTestRecord(path.resolve(io.cwd, positionals[0]!), report));
  const out = format === 'json' ? JSON.stringify(report, null, 2) : format === 'junit' ? toJunit(report) : toText(report);
  if (values.out) {
    await writeFileAtomic(path.resolve(io.cwd, values.out), out + '\n');
    io.stderr.write(summaryLine(report) + '\n');
  } else {
    io.stdout.write(out + '\n');
  }
  return report.verdict === 'pass' ? 0 : report.verdict === 'fail' ? 1 : 2;
}

function parseTimeout(s: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(s);
  if (!m) throw new UsageError(`--timeout must be a duration like 30s or 5m, not \`${s}\``);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

const MARK: Record<RuleResult['verdict'], string> = { pass: '✓', fail: '✗', warn: '!' };

export function toText(report: ContractReport): string {
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
  lines.push(summaryLine(report));
  return lines.join('\n');
}

function summaryLine(report: ContractReport): string {
  const count = (v: TestReport['verdict']) => report.tests.filter((t) => t.verdict === v).length;
  return `${count('pass')} passed, ${count('fail')} failed${count('error') ? `, ${count('error')} errored` : ''}`;
}

function show(v: unknown): string {
  return typeof v === 'number' ? measured(v) : JSON.stringify(v);
}

function xml(s: string): string {
  // XML 1.0 cannot carry these control characters at all: they are dropped
  // eslint-disable-next-line no-control-regex
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** JUnit XML: a testsuite per contract test, a testcase per rule. */
export function toJunit(report: ContractReport): string {
  const suites = report.tests.map((t) => {
    const cls = `${report.contract.name ?? report.contract.path}.${t.testId}`;
    const cases =
      t.verdict === 'error'
        ? [`    <testcase classname="${xml(cls)}" name="run"><error message="${xml(t.reason ?? 'error')}">${xml(t.reason ?? '')}</error></testcase>`]
        : t.rules.map((r) => {
            const body =
              r.verdict === 'fail'
                ? `<failure message="${xml(r.message)}" type="${xml(r.kind)}">${xml(r.message)}</failure>`
                : r.verdict === 'warn'
                  ? `<system-out>${xml(`warning: ${r.message}`)}</system-out>`
                  : '';
            return `    <testcase classname="${xml(cls)}" name="${xml(r.id)}">${body}</testcase>`;
          });
    const failures = t.verdict === 'error' ? 0 : t.rules.filter((r) => r.verdict === 'fail').length;
    const errors = t.verdict === 'error' ? 1 : 0;
    const time = ((t.durationMs ?? 0) / 1000).toFixed(3);
    return `  <testsuite name="${xml(cls)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="rollback-lens ${xml(report.contract.path)}">\n${suites.join('\n')}\n</testsuites>`;
}
