// `rollback-lens dry-run <runbook> [--format text|json]`: exit 0 ready,
// 1 not ready, 2 error.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { dryRunText } from '../core/runbook/render';
import { dryRun, DryRunError } from '../node/runbook/dryrun';
import type { CliIO } from './io';
import { dryRunRecord } from '../node/contract/records';
import { auditRun } from './auditRun';
import { displayPath, findWorkspace } from '../node/workspace';

export const DRY_RUN_USAGE = `  dry-run <runbook>              Resolve the plan, run only dryRun variants and read-only checks, show
                                 what every other step would do, check contracts, user state, roles
                                 and windows; change nothing. Exit 0 ready, 1 not ready, 2 error.
    --format text|json           text (default) or the report as JSON
    --workspace <dir>            files the runbook names must stay inside it (default: the enclosing git work tree, else cwd)`;

export async function dryRunCommand(argv: string[], io: CliIO, usageError: (m: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'text' }, workspace: { type: 'string' } } });
  if (positionals.length !== 1) throw usageError('dry-run needs exactly one runbook file');
  if (!['text', 'json'].includes(values.format!)) throw usageError(`--format must be text or json, not \`${values.format}\``);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const workspace = findWorkspace(io.cwd, values.workspace);
    const file = path.resolve(io.cwd, positionals[0]!);
    const report = await dryRun(file, { workspace, signal: controller.signal });
    await auditRun(io, workspace, dryRunRecord(file, report));
    io.stdout.write((values.format === 'json' ? JSON.stringify(report, null, 2) : dryRunText({ ...report, runbook: displayPath(io.cwd, file) })) + '\n');
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
