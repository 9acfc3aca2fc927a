// auditRun(): every contract test, dry-run and drill run from the CLI leaves
// records in the workspace's audit log (src/node/contract/records.ts says
// which). A failure to record is said on stderr; it does not change the
// command's exit code. (`baseline record` is another thing: it records a
// baseline, src/cli/baseline.ts.)
import type { AuditInput } from '../node/audit';
import { appendAll } from '../node/contract/records';
import type { CliIO } from './io';

export async function auditRun(io: CliIO, workspace: string, ...inputs: AuditInput[]): Promise<void> {
  try {
    await appendAll(workspace, inputs);
  } catch (e) {
    io.stderr.write(`rollback-lens: could not record this ${inputs[inputs.length - 1]?.kind ?? 'run'} in the audit log: ${(e as Error).message}\n`);
  }
}
