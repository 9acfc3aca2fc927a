// `rollback-lens sign-off <runbook> --role <role> [--reject] [--note text] [--sign-key <path>] [--signer <p>]`:
// records that a role of the runbook's closure.signOff signed the rollback
// off (or refused to); with a signing key (signing.ts) the record is SSH-signed,
// and refused unless allowed_signers gives the signer the role.
// Exit 0 recorded, 2 usage or I/O error (nothing recorded).
import * as path from 'node:path';
import { AuditError } from '../node/audit';
import { signOff, SignOffError } from '../node/runbook/signoff';
import { UsageError, type CliIO } from './io';
import { displayPath, findWorkspace } from '../node/workspace';
import { roleRefusal, SigningError } from '../node/signing';
import { signerOf, type SigningFlags } from './signing';

/** `rollback-lens sign-off <runbook> --role <role>`, its options parsed by main() (src/cli/commands.ts). */
export async function signOffCommand(
  { values, positionals }: { values: { role?: string; reject?: boolean; note?: string; workspace?: string } & SigningFlags; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!values.role) throw new UsageError('give --role <role>');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const file = path.resolve(io.cwd, positionals[0]!);
  const role = values.role;
  const shown = displayPath(io.cwd, file);
  try {
    const signer = await signerOf(values, workspace, !!process.stdin.isTTY);
    const refusal = signer && roleRefusal(signer, role);
    if (refusal) throw new SigningError(`cannot sign the sign-off: ${refusal}`);
    const r = await signOff(file, { workspace, shownAs: shown, role, decision: values.reject ? 'reject' : 'approve', ...(values.note ? { note: values.note } : {}), ...(signer ? { sign: signer.sign } : {}) });
    io.stdout.write(`${r.role as string} ${r.verdict} ${shown} (audit record at ${r.time}, by ${r.user}${signer ? `, signed by ${signer.principal}` : ''})\n`);
    return 0;
  } catch (e) {
    if (e instanceof SignOffError || e instanceof AuditError || e instanceof SigningError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
