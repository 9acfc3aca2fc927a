// The editor's signing key: the setting `rollbackLens.signingKey`, the path of
// an SSH private key (or of its .pub, to sign through ssh-agent), read from
// the user's settings only. It is a machine-scoped setting (package.json),
// and its globalValue is the only one read: a workspace cannot name a key for
// the editor to sign with. Set, the editor's sign-offs and the approvals of
// its rollbacks and drills are SSH-signed (src/node/signing; the signer as the
// allowed_signers entry listing the key). Signing never prompts (no terminal
// in the extension host): an encrypted key needs ssh-agent. It runs the
// user's ssh-keygen with fixed arguments and nothing from the workspace but
// the record's bytes, so it works in Restricted Mode too.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditInput } from '../node/audit';
import { appendAll } from '../node/contract/records';
import { appendSigningApprovals, openRecordSigner, type RecordSigner } from '../node/signing';

export const SIGNING_KEY_SETTING = 'signingKey';

/** The key path from the user's settings (`~` expanded), or undefined when none is set. */
export function signingKeyPath(): string | undefined {
  const value = vscode.workspace.getConfiguration('rollbackLens').inspect<string>(SIGNING_KEY_SETTING)?.globalValue;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  return v === '~' || v.startsWith('~/') ? path.join(os.homedir(), v.slice(1)) : v;
}

/** The signer of the user's key for this workspace, or undefined when no key is set; throws SigningError when it cannot sign. */
export async function editorSigner(workspace: string): Promise<RecordSigner | undefined> {
  const keyPath = signingKeyPath();
  return keyPath === undefined ? undefined : openRecordSigner({ workspaceRoot: workspace, keyPath });
}

/** Appends a run's records, its approvals signed when a key is set; a key that cannot sign leaves them unsigned, said through `warn`. */
export async function appendRecords(workspace: string, records: AuditInput[], warn: (message: string) => void): Promise<void> {
  const signer = records.some((r) => r.kind === 'approval') ? await editorSigner(workspace).catch((e: Error) => void warn(`the approvals are recorded unsigned: ${e.message}`)) : undefined;
  if (signer) await appendSigningApprovals(workspace, records, signer, warn);
  else await appendAll(workspace, records);
}
