// `rollback-lens dry-run <runbook> [--format text|json]`: exit 0 ready,
// 1 not ready, 2 error.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration } from '../core/values';
import { dryRun, DryRunError, type DryRunReport, type Phase } from '../node/dryrun';
import type { CliIO } from './main';
import { record } from './record';

export const DRY_RUN_USAGE = `  dry-run <runbook>              Resolve the plan, run only dryRun variants and read-only checks, show
                                 what every other step would do, check contracts, user state, roles
                                 and windows; change nothing. Exit 0 ready, 1 not ready, 2 error.
    --format text|json           text (default) or the report as JSON
    --workspace <dir>            files the runbook names must stay inside it (default: cwd)`;

export async function dryRunCommand(argv: string[], io: CliIO, usageError: (m: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'text' }, workspace: { type: 'string' } } });
  if (positionals.length !== 1) throw usageError('dry-run needs exactly one runbook file');
  if (!['text', 'json'].includes(values.format!)) throw usageError(`--format must be text or json, not \`${values.format}\``);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const workspace = path.resolve(io.cwd, values.workspace ?? '.');
    const file = path.resolve(io.cwd, positionals[0]!);
    const report = await dryRun(file, { workspace, signal: controller.signal });
    const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
    await record(io, workspace, { kind: 'dry-run', path: file, verdict: report.verdict, findings: { errors: count('error'), warnings: count('warning'), codes: [...new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.code))] } });
    io.stdout.write((values.format === 'json' ? JSON.stringify(report, null, 2) : toText(report)) + '\n');
    return report.verdict === 'ready' ? 0 : 1;
  } catch (e) {
    if (e instanceof DryRunError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

const TITLES: Record<Phase, string> = { detect: 'Detect', decide: 'Decide', execute: 'Execute', verify: 'Verify', close: 'Close', communicate: 'Communicate' };

export function toText(r: DryRunReport): string {
  const lines = [`Dry-run of ${r.runbook} — nothing was changed`];
  for (const phase of Object.keys(TITLES) as Phase[]) {
    if (!r.phases[phase].length) continue;
    lines.push(`${TITLES[phase]}:`);
    for (const p of r.phases[phase]) lines.push(`  ${p}`);
  }
  const w = r.worstCase;
  lines.push(`Worst case: ${formatDuration(w.ms)}${w.path.length ? ` (${w.path.join(' → ')})` : ''}${w.restoreMs !== undefined ? `; windows.restore ${formatDuration(w.restoreMs)}` : ''}`);
  if (r.findings.length) {
    lines.push('Findings:');
    for (const f of r.findings) lines.push(`  ${r.runbook}${f.line ? `:${f.line}:${f.column}` : ''}: ${f.severity} ${f.code} ${f.message}`);
  }
  lines.push(r.verdict === 'ready' ? 'READY' : `NOT READY: ${r.findings.filter((f) => f.severity === 'error').length} error(s)`);
  return lines.join('\n');
}
