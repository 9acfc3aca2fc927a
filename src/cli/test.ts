// `rollback-lens test <contract> [--test id] [--format text|json|junit] [--out file]`
// Exit codes: 0 every test passed, 1 a test failed, 2 an error (usage, I/O,
// an invalid contract, a model that could not be run, a run out of memory).
// The bundled CLI (dist/cli.js) runs the tests in the contract-test worker
// beside it (dist/contract-worker.js), as the editor does: the same report,
// the worker's heap limits (--max-heap), a run that exhausts them an error
// naming the limit instead of V8's fatal crash. Run from its TypeScript
// sources (the in-process tests) it runs them in this thread.
import * as path from 'node:path';
import type { ContractReport } from '../core/contract/report';
import { writeFileAtomic } from '../node/atomic';
import { ContractError, runContractTests, type RunOptions } from '../node/contract/run';
import { DEFAULT_CONTRACT_HEAP_MB, runContractTestsInWorker, WORKER_STOPPED } from '../node/contract/runner';
import { UsageError, type CliIO } from './io';
import { contractTestRecord } from '../node/contract/records';
import { auditRun } from './auditRun';
import { findWorkspace } from '../node/workspace';
import { contractReportText as toText, contractSummaryLine as summaryLine } from '../core/contract/text';

/** `rollback-lens test <contract>`, its options parsed by main() (src/cli/commands.ts). */
export async function testCommand(
  { values, positionals }: { values: { test?: string[]; format: string; out?: string; workspace?: string; timeout?: string; concurrency?: string; 'no-formats'?: boolean; 'max-heap'?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one contract file');
  const format = values.format;
  if (!['text', 'json', 'junit'].includes(format)) throw new UsageError(`--format must be text, json or junit, not \`${format}\``);
  const timeoutMs = values.timeout !== undefined ? parseTimeout(values.timeout) : undefined;
  const concurrency = values.concurrency !== undefined ? Number(values.concurrency) : undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new UsageError('--concurrency must be a positive integer');
  const maxHeapMb = values['max-heap'] !== undefined ? Number(values['max-heap']) : undefined;
  if (maxHeapMb !== undefined && !(Number.isInteger(maxHeapMb) && maxHeapMb >= 8)) throw new UsageError(`--max-heap must be a whole number of MB, at least 8, not \`${values['max-heap']}\``);
  const workspace = findWorkspace(io.cwd, values.workspace);
  const tty = !!(io.stderr as { isTTY?: boolean }).isTTY;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  let report: ContractReport;
  try {
    report = await run(path.resolve(io.cwd, positionals[0]!), maxHeapMb, {
      workspace,
      ...(values.test ? { testIds: values.test } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(values['no-formats'] ? { formats: false } : {}),
      signal: controller.signal,
      onProgress: (e) => {
        if (!tty) return;
        if (e.phase === 'start') io.stderr.write(`\r\x1b[K${e.testId}: running…`);
        else if (e.phase === 'outputs') io.stderr.write(`\r\x1b[K${e.testId}: ${e.rows} outputs…`);
        else io.stderr.write('\r\x1b[K');
      },
    });
  } catch (e) {
    // a ContractError, or its message and name from the worker (an RpcError); a worker that stopped (out of memory) says why
    if (e instanceof ContractError || (e instanceof Error && (e.name === 'ContractError' || e.name === WORKER_STOPPED))) {
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

/** The contract-test worker bundled beside this CLI, or undefined when it runs from its sources. */
const WORKER = __filename.endsWith('.ts') ? undefined : path.join(__dirname, 'contract-worker.js');

/** Runs the contract's tests in the worker beside the bundle (see the top of this file), else here. */
function run(file: string, maxHeapMb: number | undefined, options: RunOptions): ReturnType<typeof runContractTests> {
  if (!WORKER) return runContractTests(file, options);
  return runContractTestsInWorker(WORKER, file, { ...options, maxHeapMb: maxHeapMb ?? DEFAULT_CONTRACT_HEAP_MB });
}

function parseTimeout(s: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(s);
  if (!m) throw new UsageError(`--timeout must be a duration like 30s or 5m, not \`${s}\``);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
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
