// `rollback-lens audit`: checks, lists and prints the head of the workspace's
// audit log (.rollback-lens/audit.jsonl; its format and chain in
// src/node/audit/record.ts, the checks in src/node/audit/verify.ts), or of
// its log in PostgreSQL when ROLLBACK_LENS_AUDIT_URL is set
// (src/node/audit/store.ts); `push` copies the file log into the database
// (--to, else that URL). verify names each check it ran (hash chain, git
// history, expected head) as passed, FAILED or not checked, and which one
// caught a break. verify also checks every signature (src/node/signing:
// ssh-keygen -Y verify against .rollback-lens/allowed_signers) and names each
// unsigned approval and sign-off; --require-signed <roles> makes those of the
// roles failures, and so does the policy of each record's runbook (its
// `signatures.requiredFor`; the nearest *.policy.yaml, or --policy).
// Exit codes: verify 0 no check failed (or no log yet), 1 a check failed, 2
// usage or I/O error; list, head and push 0 (list names broken lines on
// stderr), 2 usage or I/O error; push 1 when the file log is broken (nothing
// pushed).
import * as path from 'node:path';
import { AUDIT_KINDS, AuditError, auditHead, parseHead, pushAuditLog, readAuditLog, verifyAuditLog, type AuditCheck, type AuditKind } from '../node/audit';
import { UsageError, type CliIO } from './io';
import { findWorkspace } from '../node/workspace';
import { checkSignatures, SIGNED_KINDS, SigningError, type SignatureReport } from '../node/signing';
import { signedRolesFor, type PolicyChoice } from '../node/policy';
import { noun, plural } from '../core/util/plural';

/** `rollback-lens audit verify|list|head`, its options parsed by main() (src/cli/commands.ts). */
export async function auditCommand(
  { values, positionals }: { values: { workspace?: string; format: string; kind?: string; path?: string; 'expect-head'?: string; to?: string; 'require-signed'?: string; policy?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  const [sub, ...extra] = positionals;
  if (sub === undefined) throw new UsageError('give a subcommand: verify, list, head or push');
  if (sub !== 'verify' && sub !== 'list' && sub !== 'head' && sub !== 'push') throw new UsageError(`unknown subcommand \`${sub}\`: use verify, list, head or push`);
  if (extra.length) throw new UsageError(`unexpected ${noun(extra.length, 'argument')}: ${extra.join(' ')}`);
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not \`${format}\``);
  if (sub !== 'list' && (values.kind !== undefined || values.path !== undefined)) throw new UsageError('--kind and --path only apply to `audit list`');
  if (values.to !== undefined && sub !== 'push') throw new UsageError('--to only applies to `audit push`');
  if (values.to !== undefined && !/^postgres(ql)?:\/\//i.test(values.to)) throw new UsageError('--to must be a postgres:// or postgresql:// URL');
  const expectHead = values['expect-head'];
  if (expectHead !== undefined && sub !== 'verify') throw new UsageError('--expect-head only applies to `audit verify`');
  if (expectHead !== undefined && !parseHead(expectHead)) throw new UsageError(`--expect-head must be sha256:<64 hex digits> or the 64 hex digits alone, not \`${expectHead}\``);
  const requireSigned = values['require-signed'];
  if (requireSigned !== undefined && sub !== 'verify') throw new UsageError('--require-signed only applies to `audit verify`');
  if (values.policy !== undefined && sub !== 'verify') throw new UsageError('--policy only applies to `audit verify`');
  if (values.policy !== undefined && values.policy.trim() === '') throw new UsageError('--policy needs a policy file or package');
  const roles = requireSigned === undefined ? [] : requireSigned.split(',').map((r) => r.trim());
  if (requireSigned !== undefined && (roles.length === 0 || roles.some((r) => !/^[A-Za-z][\w-]*$/.test(r)))) {
    throw new UsageError(`--require-signed takes role names separated by commas (decisionMaker,commsLiaison), not \`${requireSigned}\``);
  }
  if (values.kind !== undefined && !(AUDIT_KINDS as readonly string[]).includes(values.kind)) {
    throw new UsageError(`--kind must be one of ${AUDIT_KINDS.join(', ')}, not \`${values.kind}\``);
  }
  const workspace = findWorkspace(io.cwd, values.workspace);
  try {
    if (sub === 'verify') return await verify(workspace, format, expectHead, roles, values.policy !== undefined ? { name: values.policy, from: 'cli', cwd: io.cwd } : undefined, io);
    if (sub === 'head') return await head(workspace, format, io);
    if (sub === 'push') return await push(workspace, format, values.to, io);
    return await list(workspace, format, values.kind as AuditKind | undefined, values.path, io);
  } catch (e) {
    if (e instanceof AuditError || e instanceof SigningError) {
      io.stderr.write(`rollback-lens audit: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The log's path as shown: relative to the current folder when inside it; a database log as it is named. */
function shown(file: string, cwd: string): string {
  if (/^postgres(ql)?:\/\//.test(file)) return file;
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

const LABEL: Record<AuditCheck['check'], string> = { 'hash-chain': 'hash chain', 'git-history': 'git history', 'expected-head': 'expected head', signatures: 'signatures' };
const STATUS: Record<AuditCheck['status'], string> = { passed: 'passed', failed: 'FAILED', 'not-checked': 'not checked' };

async function verify(workspace: string, format: string, expectHead: string | undefined, requireSigned: string[], policy: PolicyChoice | undefined, io: CliIO): Promise<number> {
  const chained = await verifyAuditLog(workspace, expectHead !== undefined ? { expectHead } : {});
  const entries = (await readAuditLog(workspace)).entries;
  // the policy of each runbook with approvals or sign-offs: the roles its signatures.requiredFor names
  const policyRoles = new Map<string, { policy: string; roles: string[] }>();
  const policyProblems: string[] = [];
  for (const p of new Set(entries.filter((e) => (SIGNED_KINDS as readonly string[]).includes(e.record.kind)).map((e) => e.record.path))) {
    const found = await signedRolesFor(workspace, p, policy);
    if (!found) continue;
    if ('problem' in found) policyProblems.push(`${p}: ${found.problem}: its signature requirements are not checked`);
    else policyRoles.set(p, found);
  }
  const sigs = await checkSignatures(workspace, entries, { requireSignedFor: requireSigned, policyRoles });
  // a log without approvals or sign-offs, and no signature asked for: nothing to sign, no check to tell of
  const told = sigs.signed > 0 || sigs.unsigned > 0 || requireSigned.length > 0;
  for (const p of [...new Set(policyProblems)]) io.stderr.write(`rollback-lens audit: ${p}\n`);
  const v = told ? { ...chained, checks: [...chained.checks, sigs.check], ok: chained.ok && sigs.check.status !== 'failed' } : chained;
  const name = shown(v.file, io.cwd);
  if (format === 'json') {
    const { check: _c, ...signatures } = sigs;
    io.stdout.write(JSON.stringify({ ...v, file: name, ...(told ? { signatures } : {}) }, null, 2) + '\n');
    return v.ok ? 0 : 1;
  }
  if (!v.exists && v.ok) {
    io.stdout.write(`${name}: no audit log yet: nothing to verify\n`);
    return 0;
  }
  for (const p of v.problems) io.stdout.write(`${name}:${p.line}: ${p.reason}\n`);
  if (v.incompleteTail) {
    const t = v.incompleteTail;
    io.stdout.write(`${name}:${t.line}: incomplete last line (${plural(t.bytes, 'byte')}, no newline), left by an interrupted append: ignored; the next append removes it\n`);
  }
  signatureLines(sigs, name, io);
  for (const c of v.checks) io.stdout.write(`${name}${c.line ? `:${c.line}` : ''}: ${LABEL[c.check]}: ${STATUS[c.status]}: ${c.message}\n`);
  const records = plural(v.records, 'record');
  if (v.ok) io.stdout.write(`${name}: intact, ${records}, head ${v.head}\n`);
  else {
    const caught = v.checks.filter((c) => c.status === 'failed').map((c) => `${LABEL[c.check]}${c.line ? ` at line ${c.line}` : ''}`);
    io.stdout.write(`${name}: broken: caught by ${caught.join(', ')} (${records}, head ${v.head})\n`);
  }
  return v.ok ? 0 : 1;
}

/** Each signature that does not hold, and each unsigned approval or sign-off, at its line; then allowed_signers lines that are not entries. */
function signatureLines(sigs: SignatureReport, name: string, io: CliIO): void {
  for (const f of sigs.findings) {
    if (f.status === 'good') continue;
    const what = `${f.kind}${f.role !== undefined ? ` ${f.role}` : ''}`;
    const tag = f.status === 'unsigned' ? (f.required ? 'UNSIGNED' : 'unsigned') : 'BAD SIGNATURE';
    const text = f.status === 'unsigned' ? (f.required ? f.message.replace(/^unsigned: /, '') : 'no signature') : f.message;
    io.stdout.write(`${name}:${f.line}: ${tag}: ${what}: ${text}\n`);
  }
  for (const p of sigs.allowedSignersProblems) io.stdout.write(`.rollback-lens/allowed_signers:${p.line}: ${p.reason}\n`);
}

async function head(workspace: string, format: string, io: CliIO): Promise<number> {
  const h = await auditHead(workspace);
  if (format === 'json') io.stdout.write(JSON.stringify({ file: shown(h.file, io.cwd), head: h.head, lines: h.lines }, null, 2) + '\n');
  else io.stdout.write(`${h.head}\n`);
  return 0;
}

async function list(workspace: string, format: string, kind: AuditKind | undefined, only: string | undefined, io: CliIO): Promise<number> {
  const log = await readAuditLog(workspace);
  const name = shown(log.file, io.cwd);
  const wanted = only === undefined ? undefined : path.posix.normalize(only.replace(/\\/g, '/')).replace(/^\.\//, '');
  const entries = log.entries.filter((e) => (kind === undefined || e.record.kind === kind) && (wanted === undefined || e.record.path === wanted));
  if (format === 'json') {
    io.stdout.write(JSON.stringify(entries.map((e) => ({ line: e.line, record: e.record })), null, 2) + '\n');
  } else {
    for (const { line, record: r } of entries) {
      const by = `by ${r.user}${r.commit ? ` at ${r.commit.slice(0, 12)}` : ''}`;
      // approvals and sign-offs say whose, and where
      const who = typeof r.role === 'string' ? ` ${r.role}${typeof r.step === 'string' ? ` at step ${r.step}` : ''}${typeof r.context === 'string' ? ` (${r.context})` : ''}` : '';
      io.stdout.write(`${name}:${line}: ${r.time} ${r.kind} ${r.path}: ${r.verdict}${who} (${by})\n`);
    }
  }
  if (log.problems.length) {
    const first = log.problems[0]!;
    io.stderr.write(
      `rollback-lens audit: ${plural(log.problems.length, 'broken line')} skipped, the first ${name}:${first.line}: ${first.reason}; run \`rollback-lens audit verify\`\n`,
    );
  }
  return 0;
}

async function push(workspace: string, format: string, to: string | undefined, io: CliIO): Promise<number> {
  const r = await pushAuditLog({ workspaceRoot: workspace, ...(to !== undefined ? { url: to } : {}) });
  const file = shown(r.file, io.cwd);
  if (r.refused) {
    if (format === 'json') io.stdout.write(JSON.stringify({ ...r, file }, null, 2) + '\n');
    else io.stdout.write(`${file}:${r.refused.line}: ${r.refused.reason}\n${file}: broken at line ${r.refused.line}: nothing was pushed to ${r.location} (run \`rollback-lens audit verify\`)\n`);
    return 1;
  }
  if (format === 'json') io.stdout.write(JSON.stringify({ ...r, file }, null, 2) + '\n');
  else io.stdout.write(`${file} -> ${r.location}: ${plural(r.copied, 'record')} copied, ${r.already} already there\n`);
  return 0;
}
