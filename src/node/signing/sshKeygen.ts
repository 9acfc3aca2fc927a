// ssh-keygen as a process (spawned without a shell, arguments as a list): the
// one place Rollback Lens runs it. `-Y sign` reads the payload on stdin and
// writes the armored signature on stdout; `-Y verify` reads the payload on
// stdin and the signature from a file (a private temporary folder, removed
// after). A key path ending in `.pub` is signed with by ssh-agent
// (SSH_AUTH_SOCK), as ssh-keygen does itself. Not interactive unless asked:
// the process gets its own session (no terminal to prompt on) and
// SSH_ASKPASS_REQUIRE=never, so an encrypted key without an agent fails
// instead of hanging the editor. A missing ssh-keygen is a SigningError that
// says what to install, never a stack trace.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SIGNATURE_NAMESPACE } from '../../core/audit/signature';

export class SigningError extends Error {}

export const SSH_KEYGEN_MISSING = 'ssh-keygen was not found on PATH: install the OpenSSH client (Debian/Ubuntu: apt-get install openssh-client; macOS and Windows 10+ ship it)';
const TIMEOUT_MS = 30_000;

export interface KeygenResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KeygenOptions {
  /** Let ssh-keygen ask for a passphrase on the terminal (the CLI on a TTY). */
  interactive?: boolean;
  timeoutMs?: number;
}

/** Runs ssh-keygen with `args`, `input` on its stdin. Throws SigningError when it cannot be started or times out. */
export function runSshKeygen(args: string[], input: string, options: KeygenOptions = {}): Promise<KeygenResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(options.interactive ? {} : { SSH_ASKPASS_REQUIRE: 'never', DISPLAY: '' }) };
    let child;
    try {
      child = spawn('ssh-keygen', args, { env, windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'], detached: !options.interactive && process.platform !== 'win32' });
    } catch (e) {
      reject(new SigningError(`cannot run ssh-keygen: ${(e as Error).message}`));
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SigningError(`ssh-keygen ${args[0]} ${args[1]} did not finish within ${(options.timeoutMs ?? TIMEOUT_MS) / 1000}s (a passphrase prompt? use an unencrypted key or ssh-agent with the key's .pub)`));
    }, options.timeoutMs ?? TIMEOUT_MS);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new SigningError(e.code === 'ENOENT' ? SSH_KEYGEN_MISSING : `cannot run ssh-keygen: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // it may exit before reading (a bad key)
    child.stdin.end(input);
  });
}

/** The armored signature of `payload` by the key at `keyPath`, namespace rollback-lens. */
export async function sshSign(keyPath: string, payload: string, options: KeygenOptions = {}): Promise<string> {
  await fs.access(keyPath).catch(() => {
    throw new SigningError(`signing key ${keyPath}: no such file`);
  });
  const r = await runSshKeygen(['-Y', 'sign', '-f', keyPath, '-n', SIGNATURE_NAMESPACE], payload, options);
  if (r.code !== 0 || !r.stdout.includes('BEGIN SSH SIGNATURE')) {
    const why = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && l !== 'Signing data on standard input')
      .join('; ');
    throw new SigningError(`ssh-keygen could not sign with ${keyPath}: ${why || `exit code ${r.code}`}${keyPath.endsWith('.pub') ? ' (a .pub key signs through ssh-agent: is SSH_AUTH_SOCK set and the key added?)' : ''}`);
  }
  return r.stdout.trim() + '\n';
}

/** Whether ssh-keygen -Y verify accepts `sig` over `payload` by `principal` in the allowed-signers file. */
export async function sshVerify(allowedSigners: string, principal: string, sig: string, payload: string): Promise<{ ok: boolean; message: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rollback-lens-sig-'));
  try {
    const file = path.join(dir, 'record.sig');
    await fs.writeFile(file, sig, { mode: 0o600 });
    const r = await runSshKeygen(['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', SIGNATURE_NAMESPACE, '-s', file], payload);
    const message = [r.stdout, r.stderr]
      .join('\n')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join('; ');
    return { ok: r.code === 0, message };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
