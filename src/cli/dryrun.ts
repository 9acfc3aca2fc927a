// `rollback-lens dry-run <runbook> [--format text|json]`: exit 0 ready,
// 1 not ready, 2 error.
import * as path from 'node:path';
import { dryRunText } from '../core/runbook/render';
import { dryRun, DryRunError } from '../node/runbook/dryrun';
import { UsageError, type CliIO } from './io';
import { dryRunRecord } from '../node/contract/records';
import { auditRun } from './auditRun';
import { displayPath, findWorkspace } from '../node/workspace';

/** `rollback-lens dry-run <runbook>`, its options parsed by main() (src/cli/commands.ts). */
export async function dryRunCommand({ values, positionals }: { values: { format: string; workspace?: string; 'no-formats'?: boolean }; positionals: string[] }, io: CliIO): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!['text', 'json'].includes(values.format)) throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const workspace = findWorkspace(io.cwd, values.workspace);
    const file = path.resolve(io.cwd, positionals[0]!);
    const report = await dryRun(file, { workspace, signal: controller.signal, ...(values['no-formats'] ? { formats: false } : {}) });
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
