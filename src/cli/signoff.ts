// `rollback-lens sign-off <runbook> --role <role> [--reject] [--note text]`:
// records that a role of the runbook's closure.signOff signed the rollback
// off (or refused to). Exit 0 recorded, 2 usage or I/O error.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AuditError } from '../node/audit';
import { signOff, SignOffError } from '../node/runbook/signoff';
import type { CliIO } from './io';
import { findWorkspace } from '../node/workspace';

export const SIGN_OFF_USAGE = `  sign-off <runbook> --role <r>  Record in the audit log that role <r> (one of closure.signOff) signs off
                                 the rollback's closure. Exit 0 recorded, 2 usage or I/O error.
    --reject                     record a refusal instead
    --note <text>                a note kept with the record
    --workspace <dir>            workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)`;

export async function signOffCommand(argv: string[], io: CliIO, usageError: (m: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, reject: { type: 'boolean' }, note: { type: 'string' }, workspace: { type: 'string' } },
  });
  if (positionals.length !== 1) throw usageError('sign-off needs exactly one runbook file');
  if (!values.role) throw usageError('sign-off needs --role <role>');
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
