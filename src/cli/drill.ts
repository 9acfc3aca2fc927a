// `rollback-lens drill <runbook> --scenario <id> [--verify-idempotent] [--format text|json]`
// Exit 0 the drill met the scenario's expectations, 1 it did not, 2 error.
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { drillText } from '../core/runbook/render';
import { drill, DrillError } from '../node/runbook/drill';
import { UsageError, type CliIO } from './io';
import { drillRecords } from '../node/contract/records';
import { auditRun } from './auditRun';
import { displayPath, findWorkspace } from '../node/workspace';

/** `rollback-lens drill <runbook> --scenario <id>`, its options parsed by main() (src/cli/commands.ts). */
export async function drillCommand(
  { values, positionals }: { values: { scenario?: string; 'verify-idempotent'?: boolean; format: string; workspace?: string; 'no-formats'?: boolean }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!values.scenario) throw new UsageError('give --scenario <id>');
  if (!['text', 'json'].includes(values.format)) throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const tty = !!(process.stdin.isTTY && (io.stdout as { isTTY?: boolean }).isTTY);
  try {
    const workspace = findWorkspace(io.cwd, values.workspace);
    const file = path.resolve(io.cwd, positionals[0]!);
    const report = await drill(file, {
      workspace,
      shownAs: displayPath(io.cwd, file),
      scenario: values.scenario,
      verifyIdempotent: !!values['verify-idempotent'],
      ...(values['no-formats'] ? { formats: false } : {}),
      signal: controller.signal,
      ...(tty
        ? {
            ask: async (role: string, step: string) => {
              const rl = createInterface({ input: process.stdin, output: process.stdout });
              const a = await rl.question(`${step}: does ${role} approve the rollback? [y/N] `);
              rl.close();
              return /^y(es)?$/i.test(a.trim());
            },
          }
        : {}),
    });
    await auditRun(io, workspace, ...drillRecords(file, report));
    io.stdout.write((values.format === 'json' ? JSON.stringify(report, null, 2) : drillText({ ...report, runbook: displayPath(io.cwd, file) })) + '\n');
    return report.verdict === 'pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof DrillError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
