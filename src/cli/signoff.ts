// `rollback-lens sign-off <runbook> --role <role> [--reject] [--note text]`:
// records that a role of the runbook's closure.signOff signed the rollback
// off (or refused to). Exit 0 recorded, 2 usage or I/O error.
import * as path from 'node:path';
import { AuditError } from '../node/audit';
import { signOff, SignOffError } from '../node/runbook/signoff';
import { UsageError, type CliIO } from './io';
import { findWorkspace } from '../node/workspace';

/** `rollback-lens sign-off <runbook> --role <role>`, its options parsed by main() (src/cli/commands.ts). */
export async function signOffCommand(
  { values, positionals }: { values: { role?: string; reject?: boolean; note?: string; workspace?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!values.role) throw new UsageError('give --role <role>');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const file = path.resolve(io.cwd, positionals[0]!);
  try {
    const r = await signOff(file, { workspace, role: values.role, decision: values.reject ? 'reject' : 'approve', ...(values.note ? { note: values.note } : {}) });
    io.stdout.write(`${r.role as string} ${r.verdict} ${r.path} (audit record at ${r.time}, by ${r.user})\n`);
    return 0;
  } catch (e) {
    if (e instanceof SignOffError || e instanceof AuditError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
