// Signed approvals and sign-offs, the pure part: what is signed (the canonical
// payload of a record), the allowed-signers file and its roles, the SSH
// signature's own fields, and why a signature does not hold. The signing and
// checking themselves are ssh-keygen's (-Y sign / -Y verify, src/node/signing).
//
// A signed record carries, as a field of the record,
//   "signature": { "format": "ssh", "signer": <principal as in allowed_signers>,
//                  "sig": <the armored "-----BEGIN SSH SIGNATURE-----" text> }
// made with namespace SIGNATURE_NAMESPACE ("rollback-lens") over the bytes of
// signedPayload(record), which is, in UTF-8:
//   the line PAYLOAD_HEADER ("rollback-lens audit record v1") and "\n", then
//   the canonical JSON of every field of the record but `prev` and `signature`
//   (v, time, kind, path, digest, commit, user, verdict, role, step, by, name,
//   context, note, timings, findings, and any other field the record has):
//   object keys sorted by UTF-16 code units at every depth, no whitespace,
//   strings and numbers as JSON.stringify writes them, arrays in their order.
// So editing, adding or removing any field but those two breaks the signature;
// field order and spacing in the log do not matter (the hash chain sees those).
// `prev` is left out on purpose: the record is signed before it is chained,
// and a store that re-chains records (a copy into PostgreSQL) keeps them signed.
// A record is tied to its run by time, path, digest and commit, which it signs.
//
// The allowed-signers file is `.rollback-lens/allowed_signers` in the workspace,
// git's format (ssh-keygen ALLOWED SIGNERS): `principals [options] keytype key`,
// `#` comments. Roles ride on comments ssh-keygen ignores, so the same file
// works for `ssh-keygen -Y verify` and for git unchanged: a line
//   # roles: decisionMaker, commsLiaison
// gives those runbook roles to the principals of the next entry. A principal's
// roles are the union over its entries (one entry per key: keys rotate); an
// entry without a roles line grants no role. An option such as
// namespaces="rollback-lens" (which ssh-keygen enforces) is kept and shown.
// Pure: no I/O, no Node builtins.

export const SIGNATURE_NAMESPACE = 'rollback-lens';
export const PAYLOAD_HEADER = 'rollback-lens audit record v1';
export const ALLOWED_SIGNERS = '.rollback-lens/allowed_signers';
/** The kinds of record that can be signed (and that --require-signed asks to be). */
export const SIGNED_KINDS = ['approval', 'sign-off'] as const;

export interface RecordSignature {
  format: 'ssh';
  signer: string;
  sig: string;
}

/** JSON with sorted keys at every depth and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The text a record's signature is made over (see the header). */
export function signedPayload(record: Record<string, unknown>): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (k !== 'prev' && k !== 'signature') rest[k] = v;
  return `${PAYLOAD_HEADER}\n${canonicalJson(rest)}`;
}

/** Why a record's `signature` field is not a signature of the expected shape; undefined when it is. */
export function signatureShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '`signature` is not an object';
  const s = value as Record<string, unknown>;
  if (s.format !== 'ssh') return `\`signature.format\` is ${JSON.stringify(s.format)}, not "ssh"`;
  if (typeof s.signer !== 'string' || s.signer === '' || /[\s,*?!]/.test(s.signer)) return '`signature.signer` is not a principal (a non-empty name without spaces, commas or wildcards)';
  if (typeof s.sig !== 'string' || !s.sig.includes('BEGIN SSH SIGNATURE')) return '`signature.sig` is not an armored SSH signature';
  return undefined;
}

// ---- the allowed-signers file -------------------------------------------------------

export interface AllowedSigner {
  /** 1-based line of the entry. */
  line: number;
  principals: string[];
  /** Runbook roles granted by the `# roles:` line before the entry. */
  roles: string[];
  /** namespaces="…" when the entry limits them. */
  namespaces?: string[];
  keyType: string;
  /** The key's base64 blob, as in the file. */
  key: string;
}

export interface AllowedSigners {
  entries: AllowedSigner[];
  problems: { line: number; reason: string }[];
}

const KEY_TYPE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|ssh-dss)$/;

/** Splits an options field (`a="x,y",b`) at the commas outside quotes. */
function splitOptions(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Splits a line at unquoted whitespace. */
function fields(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (/\s/.test(ch) && !quoted) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

export function parseAllowedSigners(text: string): AllowedSigners {
  const entries: AllowedSigner[] = [];
  const problems: { line: number; reason: string }[] = [];
  let roles: string[] | undefined;
  let rolesLine = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '') return;
    if (t.startsWith('#')) {
      const m = /^#\s*roles\s*:\s*(.*)$/i.exec(t);
      if (m) {
        if (roles !== undefined) problems.push({ line: rolesLine, reason: 'a `# roles:` line must come right before the entry it gives roles to; this one has none after it' });
        roles = m[1]!.split(',').map((r) => r.trim()).filter(Boolean);
        rolesLine = line;
      }
      return;
    }
    const f = fields(t);
    const principals = f[0]!.replace(/^"|"$/g, '').split(',').filter(Boolean);
    let rest = f.slice(1);
    let namespaces: string[] | undefined;
    if (rest[0] !== undefined && !KEY_TYPE.test(rest[0])) {
      for (const opt of splitOptions(rest[0])) {
        const m = /^namespaces="([^"]*)"$/i.exec(opt);
        if (m) namespaces = m[1]!.split(',').map((n) => n.trim()).filter(Boolean);
      }
      rest = rest.slice(1);
    }
    const [keyType, key] = rest;
    if (keyType === undefined || key === undefined || !KEY_TYPE.test(keyType) || !/^[A-Za-z0-9+/]+=*$/.test(key)) {
      problems.push({ line, reason: 'not an allowed-signers entry: expected `principals [options] key-type base64-key`' });
    } else {
      entries.push({ line, principals, roles: roles ?? [], ...(namespaces ? { namespaces } : {}), keyType, key });
    }
    roles = undefined;
  });
  if (roles !== undefined) problems.push({ line: rolesLine, reason: 'a `# roles:` line must come right before the entry it gives roles to; this one has none after it' });
  return { entries, problems };
}

/** The entries naming a principal (exact names; wildcard principals are not used for roles). */
export function entriesFor(signers: AllowedSigners, principal: string): AllowedSigner[] {
  return signers.entries.filter((e) => e.principals.includes(principal));
}

// ---- the SSH signature's fields (PROTOCOL.sshsig) -----------------------------------

export interface SshSignatureInfo {
  /** The signing key's type and base64 blob, as an allowed-signers entry writes them. */
  keyType: string;
  key: string;
  namespace: string;
  hashAlgorithm: string;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean)) return undefined;
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of clean) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? B64[n & 63]! : '=');
  }
  return out;
}

/** The public key, namespace and hash of an armored SSH signature; undefined when it is not one. */
export function parseSshSignature(armored: string): SshSignatureInfo | undefined {
  const m = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored);
  if (!m) return undefined;
  const b = fromBase64(m[1]!);
  if (!b || b.length < 10) return undefined;
  let p = 0;
  const u32 = (): number | undefined => (p + 4 <= b.length ? ((b[p++]! << 24) | (b[p++]! << 16) | (b[p++]! << 8) | b[p++]!) >>> 0 : undefined);
  const str = (): Uint8Array | undefined => {
    const n = u32();
    if (n === undefined || p + n > b.length) return undefined;
    const s = b.subarray(p, p + n);
    p += n;
    return s;
  };
  const text = (s: Uint8Array | undefined): string | undefined => (s ? String.fromCharCode(...s) : undefined);
  if (text(b.subarray(0, 6)) !== 'SSHSIG') return undefined;
  p = 6;
  if (u32() !== 1) return undefined;
  const pub = str();
  const namespace = text(str());
  str(); // reserved
  const hashAlgorithm = text(str());
  if (!pub || namespace === undefined || hashAlgorithm === undefined) return undefined;
  // the public key blob starts with its type as an SSH string
  const n = pub.length >= 4 ? ((pub[0]! << 24) | (pub[1]! << 16) | (pub[2]! << 8) | pub[3]!) >>> 0 : -1;
  if (n < 0 || 4 + n > pub.length) return undefined;
  return { keyType: String.fromCharCode(...pub.subarray(4, 4 + n)), key: toBase64(pub), namespace, hashAlgorithm };
}

// ---- why a signature does not hold ------------------------------------------------

export type SignatureFault = 'malformed' | 'wrong-namespace' | 'unknown-signer' | 'namespace-not-allowed' | 'wrong-key' | 'edited-record' | 'role-not-allowed';

/**
 * The fault a signature has before ssh-keygen is asked, from its own fields and
 * the allowed-signers file: undefined when it is worth verifying. (An edited
 * record only ssh-keygen can tell: the key and namespace are right, the bytes are not.)
 */
export function precheckSignature(sig: RecordSignature, signers: AllowedSigners): { fault: SignatureFault; reason: string } | undefined {
  const info = parseSshSignature(sig.sig);
  if (!info) return { fault: 'malformed', reason: 'malformed signature: `signature.sig` is not an SSH signature (ssh-keygen -Y sign output)' };
  if (info.namespace !== SIGNATURE_NAMESPACE) return { fault: 'wrong-namespace', reason: `signature made for namespace "${info.namespace}", not "${SIGNATURE_NAMESPACE}"` };
  const mine = entriesFor(signers, sig.signer);
  if (mine.length === 0) return { fault: 'unknown-signer', reason: `unknown signer: ${sig.signer} has no entry in ${ALLOWED_SIGNERS}` };
  const withKey = mine.filter((e) => e.key === info.key);
  if (withKey.length === 0) return { fault: 'wrong-key', reason: `wrong key: signed with a ${info.keyType} key that ${ALLOWED_SIGNERS} does not list for ${sig.signer}` };
  if (withKey.every((e) => e.namespaces && !e.namespaces.includes(SIGNATURE_NAMESPACE))) {
    return { fault: 'namespace-not-allowed', reason: `${ALLOWED_SIGNERS}:${withKey[0]!.line}: the entry for ${sig.signer} is limited to namespaces ${withKey[0]!.namespaces!.join(', ')}, not "${SIGNATURE_NAMESPACE}"` };
  }
  return undefined;
}

/** The roles a principal holds in the allowed-signers file (union over its entries). */
export function rolesOf(signers: AllowedSigners, principal: string): string[] {
  return [...new Set(entriesFor(signers, principal).flatMap((e) => e.roles))];
}
