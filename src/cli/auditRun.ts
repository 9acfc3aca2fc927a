// auditRun(): every contract test, dry-run and drill run from the CLI leaves
// records in the workspace's audit log (src/node/contract/records.ts says
// which). A failure to record is said on stderr; it does not change the
// command's exit code. (`baseline record` is another thing: it records a
// baseline, src/cli/baseline.ts.) With a signer (src/cli/signing.ts), each
// approval of a role the signer holds is SSH-signed; an approval it may not
// sign, or whose signing fails, is recorded unsigned and said on stderr: the
// record of what happened is never lost for want of a signature.
import type { AuditInput } from '../node/audit';
import { appendAll } from '../node/contract/records';
import { appendSigningApprovals, type RecordSigner } from '../node/signing';
import type { CliIO } from './io';

export async function auditRun(io: CliIO, workspace: string, ...inputs: AuditInput[]): Promise<void> {
  try {
    await appendAll(workspace, inputs);
  } catch (e) {
    io.stderr.write(`rollback-lens: could not record this ${inputs[inputs.length - 1]?.kind ?? 'run'} in the audit log: ${(e as Error).message}\n`);
  }
}

/** auditRun, signing the approvals `signer` may sign (the others recorded unsigned, said on stderr). */
export async function auditRunSigned(io: CliIO, workspace: string, signer: RecordSigner | undefined, inputs: AuditInput[]): Promise<void> {
  if (!signer) return auditRun(io, workspace, ...inputs);
  try {
    await appendSigningApprovals(workspace, inputs, signer, (m) => io.stderr.write(`rollback-lens: ${m}\n`));
  } catch (e) {
    io.stderr.write(`rollback-lens: could not record this ${inputs[inputs.length - 1]?.kind ?? 'run'} in the audit log: ${(e as Error).message}\n`);
  }
}
