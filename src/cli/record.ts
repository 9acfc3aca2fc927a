// Every contract test, dry-run and drill run from the CLI leaves a record in
// the workspace's audit log. A failure to record is said on stderr; it does
// not change the command's exit code.
import { appendAuditRecord, type AuditInput } from '../node/audit';
import type { CliIO } from './main';

export async function record(io: CliIO, workspace: string, input: AuditInput): Promise<void> {
  try {
    await appendAuditRecord(workspace, input);
  } catch (e) {
    io.stderr.write(`rollback-lens: could not record this ${input.kind} in the audit log: ${(e as Error).message}\n`);
  }
}
