// The CLI's signing key: `--sign-key <path>` (else $ROLLBACK_LENS_SIGNING_KEY)
// and `--signer <principal>`, opened as a RecordSigner (src/node/signing) that
// has already signed once and is listed in .rollback-lens/allowed_signers; no
// key, no signing. ssh-keygen may ask for a passphrase only on a terminal.
import { openRecordSigner, SIGNING_KEY_ENV, type RecordSigner } from '../node/signing';
import { UsageError } from './io';

export interface SigningFlags {
  'sign-key'?: string;
  signer?: string;
}

/** The signer the flags ask for, or undefined when neither --sign-key nor the env variable gives a key. */
export async function signerOf(values: SigningFlags, workspaceRoot: string, interactive: boolean): Promise<RecordSigner | undefined> {
  const key = values['sign-key'] ?? (process.env[SIGNING_KEY_ENV] || undefined);
  if (key === undefined) {
    if (values.signer !== undefined) throw new UsageError(`--signer needs a key: give --sign-key <path> or set ${SIGNING_KEY_ENV}`);
    return undefined;
  }
  if (key === '') throw new UsageError('--sign-key needs the path of an SSH private key (or of its .pub, to sign through ssh-agent)');
  return openRecordSigner({ workspaceRoot, keyPath: key, ...(values.signer !== undefined ? { signer: values.signer } : {}), interactive });
}
