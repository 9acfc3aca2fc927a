// Signed approvals and sign-offs (issue 13): a signer for appendAuditRecord's
// `sign` hook, and the check of every signature in the audit log that
// `audit verify` runs (and that a policy's `signatures.requiredFor` calls
// through checkSignatures' requireSignedFor). What is signed, the
// allowed-signers file and its `# roles:` lines: src/core/audit/signature.ts;
// the ssh-keygen process: sshKeygen.ts.
//
// Signing: openRecordSigner signs a probe once (the key works, and the
// signature names its public key), finds the principal whose
// `.rollback-lens/allowed_signers` entry has that key (or checks the one given
// by --signer), and refuses a key the file does not list: a signature nobody
// can verify is not recorded. The signer's roles come with it, so callers
// refuse to sign for a role the person does not hold.
//
// appendSigningApprovals: a run's records with its approvals signed.
//
// The allowed-signers file is confined to the workspace (../workspace.ts: a
// link out is refused), and read for checking only when a record is signed.
//
// Checking: every record with a `signature` is checked, each unsigned
// approval or sign-off listed. A finding names the line, kind, role and the
// fault: malformed, wrong namespace, unknown signer, wrong key (not the
// signer's listed key), edited record (ssh-keygen -Y verify: the bytes do not
// match), signer not allowed for the role, or what ssh-keygen said. Unsigned
// records fail only for the roles in requireSignedFor.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  ALLOWED_SIGNERS,
  entriesFor,
  parseAllowedSigners,
  parseSshSignature,
  precheckSignature,
  rolesOf,
  signatureShapeProblem,
  signedPayload,
  SIGNED_KINDS,
  type AllowedSigners,
  type RecordSignature,
  type SignatureFault,
} from '../../core/audit/signature';
import { appendAuditRecord, type AuditCheck, type AuditEntry, type AuditInput } from '../audit';
import { SigningError, sshSign, sshVerify, type KeygenOptions } from './sshKeygen';
import { confinePath } from '../workspace';

export { SigningError, SSH_KEYGEN_MISSING } from './sshKeygen';
export { ALLOWED_SIGNERS, SIGNED_KINDS, SIGNATURE_NAMESPACE, signedPayload, type RecordSignature } from '../../core/audit/signature';

/** The env variable a signing key path may come from (the CLI's --sign-key wins). */
export const SIGNING_KEY_ENV = 'ROLLBACK_LENS_SIGNING_KEY';

export interface LoadedSigners {
  file: string;
  exists: boolean;
  signers: AllowedSigners;
}

/** The workspace's allowed-signers file, parsed (missing: no one); confined to the workspace like every file it names (a link out is refused). */
export async function loadAllowedSigners(workspaceRoot: string): Promise<LoadedSigners> {
  const c = await confinePath(workspaceRoot, path.join(path.resolve(workspaceRoot), ...ALLOWED_SIGNERS.split('/')), ALLOWED_SIGNERS, 'the allowed-signers file');
  if (!c.ok) throw new SigningError(c.message);
  const file = c.real;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, signers: { entries: [], problems: [] } };
    throw new SigningError(`cannot read ${ALLOWED_SIGNERS}: ${(e as Error).message}`);
  }
  return { file, exists: true, signers: parseAllowedSigners(text) };
}

export interface RecordSigner {
  principal: string;
  /** Roles the principal holds in allowed_signers. */
  roles: string[];
  keyPath: string;
  /** The `signature` field for a completed record body. */
  sign(body: Record<string, unknown>): Promise<RecordSignature>;
}

export interface SignerOptions extends KeygenOptions {
  workspaceRoot: string;
  keyPath: string;
  /** The principal to sign as; default: the allowed_signers entry listing the key. */
  signer?: string;
}

/** A signer for the key, once the key has signed and allowed_signers lists it (for `signer`, when given). */
export async function openRecordSigner(options: SignerOptions): Promise<RecordSigner> {
  const keyPath = path.resolve(options.keyPath);
  const { exists, signers } = await loadAllowedSigners(options.workspaceRoot);
  if (!exists) throw new SigningError(`cannot sign: the workspace has no ${ALLOWED_SIGNERS} (who may sign, and for which roles: see the README, "Signed approvals and sign-offs")`);
  const probe = await sshSign(keyPath, 'rollback-lens signing key check\n', options);
  const info = parseSshSignature(probe)!;
  const listing = signers.entries.filter((e) => e.key === info.key);
  let principal = options.signer;
  if (principal === undefined) {
    const names = [...new Set(listing.flatMap((e) => e.principals))];
    if (names.length === 0) throw new SigningError(`cannot sign: ${ALLOWED_SIGNERS} lists no one with the key of ${keyPath}`);
    if (names.length > 1) throw new SigningError(`cannot sign: ${ALLOWED_SIGNERS} lists the key of ${keyPath} for ${names.join(', ')}: say which with --signer`);
    principal = names[0]!;
  } else if (!listing.some((e) => e.principals.includes(principal!))) {
    throw new SigningError(
      entriesFor(signers, principal).length
        ? `cannot sign as ${principal}: ${ALLOWED_SIGNERS} lists another key for ${principal}, not the key of ${keyPath}`
        : `cannot sign as ${principal}: ${principal} has no entry in ${ALLOWED_SIGNERS}`,
    );
  }
  const who = principal;
  return {
    principal: who,
    roles: rolesOf(signers, who),
    keyPath,
    sign: async (body) => ({ format: 'ssh', signer: who, sig: await sshSign(keyPath, signedPayload(body), options) }),
  };
}

/** Why a signer may not sign for `role`; undefined when it may. */
export function roleRefusal(signer: RecordSigner, role: string): string | undefined {
  if (signer.roles.includes(role)) return undefined;
  return `${signer.principal} may not sign for role ${role}: ${ALLOWED_SIGNERS} gives ${signer.principal} ${signer.roles.length ? `the roles ${signer.roles.join(', ')}` : 'no role (add a `# roles:` line before the entry)'}`;
}

/**
 * Appends a run's records (the CLI's rollback, the editor's rollbacks and
 * drills), each approval of a role the signer holds signed; one it may not
 * sign, or whose signing fails, is appended unsigned and said through `warn`:
 * the record of what happened is never lost for want of a signature. An
 * approval a drill scenario gave (`by: scenario`) is no one's decision: it
 * stays unsigned, unsaid. The first append that fails stops and is thrown.
 */
export async function appendSigningApprovals(workspace: string, inputs: readonly AuditInput[], signer: RecordSigner, warn: (message: string) => void): Promise<void> {
  for (const input of inputs) {
    if (input.kind === 'approval' && input.by !== 'scenario') {
      const refusal = roleRefusal(signer, String(input.role));
      if (refusal === undefined) {
        try {
          await appendAuditRecord(workspace, input, { sign: signer.sign });
          continue;
        } catch (e) {
          warn(`could not sign the approval of ${String(input.role)}: ${(e as Error).message}; recorded unsigned`);
        }
      } else warn(`the approval of ${String(input.role)} is recorded unsigned: ${refusal}`);
    }
    await appendAuditRecord(workspace, input);
  }
}

export type SignatureStatus = 'good' | 'bad' | 'unsigned';

export interface SignatureFinding {
  line: number;
  kind: string;
  role?: string;
  signer?: string;
  status: SignatureStatus;
  fault?: SignatureFault | 'unsigned' | 'rejected';
  /** good: who signed; bad: the fault; unsigned: that it is. */
  message: string;
  /** An unsigned record of a role that requires signatures (a failure). */
  required?: boolean;
}

export interface SignatureReport {
  check: AuditCheck;
  signed: number;
  good: number;
  unsigned: number;
  findings: SignatureFinding[];
  /** Lines of allowed_signers that are not entries. */
  allowedSignersProblems: { line: number; reason: string }[];
}

export interface SignatureCheckOptions {
  /** Roles whose approvals and sign-offs must be signed: unsigned ones fail. */
  requireSignedFor?: string[];
  /**
   * Per record path (a runbook's): the roles its policy's `signatures.requiredFor` names and the
   * policy's file; unsigned approvals and sign-offs of those roles fail too, the policy named.
   */
  policyRoles?: ReadonlyMap<string, { policy: string; roles: readonly string[] }>;
}

const PARALLEL = 4;

/**
 * Checks the signature of every record that has one, and lists the unsigned
 * approvals and sign-offs (failures for the roles of requireSignedFor).
 * ssh-keygen missing while there are signatures to check: the check is not
 * checked (failed when signatures are required), with SSH_KEYGEN_MISSING.
 */
export async function checkSignatures(workspaceRoot: string, entries: readonly AuditEntry[], options: SignatureCheckOptions = {}): Promise<SignatureReport> {
  const required = new Set(options.requireSignedFor ?? []);
  // the allowed-signers file is read only when there is a signature to check
  const loaded = entries.some((e) => 'signature' in e.record) ? await loadAllowedSigners(workspaceRoot) : { file: '', exists: false, signers: { entries: [], problems: [] } };
  const findings: SignatureFinding[] = [];
  const toVerify: { entry: AuditEntry; sig: RecordSignature; finding: SignatureFinding }[] = [];
  for (const entry of entries) {
    const r = entry.record;
    const role = typeof r.role === 'string' ? r.role : undefined;
    const base = { line: entry.line, kind: r.kind, ...(role !== undefined ? { role } : {}) };
    if (!('signature' in r)) {
      if ((SIGNED_KINDS as readonly string[]).includes(r.kind)) {
        const byPolicy = role !== undefined && !required.has(role) ? options.policyRoles?.get(r.path) : undefined;
        const req = role !== undefined && (required.has(role) || !!byPolicy?.roles.includes(role));
        const why = byPolicy?.roles.includes(role!) ? ` (policy ${byPolicy.policy}, rule require-signatures)` : '';
        findings.push({ ...base, status: 'unsigned', fault: 'unsigned', message: req ? `unsigned: role ${role} requires a signature${why}` : 'unsigned', ...(req ? { required: true } : {}) });
      }
      continue;
    }
    const shape = signatureShapeProblem(r.signature);
    if (shape) {
      findings.push({ ...base, status: 'bad', fault: 'malformed', message: `malformed signature: ${shape}` });
      continue;
    }
    const sig = r.signature as RecordSignature;
    const finding: SignatureFinding = { ...base, signer: sig.signer, status: 'bad', message: '' };
    findings.push(finding);
    const pre = precheckSignature(sig, loaded.signers);
    if (pre) Object.assign(finding, { fault: pre.fault, message: pre.reason });
    else toVerify.push({ entry, sig, finding });
  }
  let missing: string | undefined;
  for (let i = 0; i < toVerify.length && missing === undefined; i += PARALLEL) {
    await Promise.all(
      toVerify.slice(i, i + PARALLEL).map(async ({ entry, sig, finding }) => {
        let v: { ok: boolean; message: string };
        try {
          v = await sshVerify(loaded.file, sig.signer, sig.sig, signedPayload(entry.record));
        } catch (e) {
          if (!(e instanceof SigningError)) throw e;
          missing = e.message;
          return;
        }
        if (!v.ok) {
          if (/incorrect signature/.test(v.message)) Object.assign(finding, { fault: 'edited-record', message: `edited record: the signature by ${sig.signer} does not match the record's fields (changed after signing)` });
          else Object.assign(finding, { fault: 'rejected', message: `ssh-keygen -Y verify rejects it: ${v.message}` });
          return;
        }
        const roles = rolesOf(loaded.signers, sig.signer);
        const role = finding.role;
        if (role !== undefined && !roles.includes(role)) {
          Object.assign(finding, { fault: 'role-not-allowed', message: `signer not allowed for the role: ${ALLOWED_SIGNERS} gives ${sig.signer} ${roles.length ? `the roles ${roles.join(', ')}` : 'no role'}, not ${role}` });
          return;
        }
        Object.assign(finding, { status: 'good', message: `signed by ${sig.signer}` });
      }),
    );
  }
  const pending = missing === undefined ? [] : toVerify.map((t) => t.finding).filter((f) => f.message === '');
  for (const f of pending) Object.assign(f, { fault: 'rejected', message: `not checked: ${missing}` });
  const signed = findings.filter((f) => f.status !== 'unsigned').length;
  const good = findings.filter((f) => f.status === 'good').length;
  const unsigned = findings.filter((f) => f.status === 'unsigned').length;
  const bad = findings.filter((f) => f.status === 'bad' && !pending.includes(f));
  const requiredUnsigned = findings.filter((f) => f.required);
  const out = { signed, good, unsigned, findings, allowedSignersProblems: loaded.signers.problems };
  const unsignedText = `${unsigned} unsigned approval${unsigned === 1 ? '' : 's'} or sign-off${unsigned === 1 ? '' : 's'}`;
  if (missing !== undefined) {
    const failed = required.size > 0 || [...(options.policyRoles?.values() ?? [])].some((p) => p.roles.length > 0) || bad.length > 0;
    return { ...out, check: { check: 'signatures', status: failed ? 'failed' : 'not-checked', message: `cannot check ${pending.length} signature${pending.length === 1 ? '' : 's'}: ${missing}` } };
  }
  const failures = [...bad, ...requiredUnsigned].sort((a, b) => a.line - b.line);
  const byPolicies = [...new Set([...(options.policyRoles?.values() ?? [])].filter((p) => p.roles.length).map((p) => `${p.policy} for ${p.roles.join(', ')}`))];
  const requiredText = `${required.size ? `; signatures required for ${[...required].join(', ')}` : ''}${byPolicies.length ? `; signatures required by policy ${byPolicies.join('; ')}` : ''}`;
  let check: AuditCheck;
  if (failures.length) {
    check = { check: 'signatures', status: 'failed', message: `${bad.length} bad signature${bad.length === 1 ? '' : 's'}, ${requiredUnsigned.length} required but unsigned (${good} good, ${unsignedText}${requiredText})`, line: failures[0]!.line };
  } else if (signed === 0) {
    // nothing was verified: with signatures required, no record of those roles was there either
    check = { check: 'signatures', status: 'not-checked', message: `no signed records (${unsignedText}${requiredText})` };
  } else {
    check = { check: 'signatures', status: 'passed', message: `${good} good signature${good === 1 ? '' : 's'} (${unsignedText}${requiredText})` };
  }
  return { ...out, check };
}
