// `rollback-lens audit`: checks, lists and prints the head of the workspace's
// audit log (.rollback-lens/audit.jsonl; its format and chain in
// src/node/audit/record.ts, the checks in src/node/audit/verify.ts). verify
// names each check it ran (hash chain, git history, expected head) as passed,
// FAILED or not checked, and which one caught a break.
// Exit codes: verify 0 no check failed (or no log yet), 1 a check failed, 2
// usage or I/O error; list and head 0 (list names broken lines on stderr), 2
// usage or I/O error.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AUDIT_KINDS, AuditError, auditHead, parseHead, readAuditLog, verifyAuditLog, type AuditCheck, type AuditKind } from '../node/audit';
import type { CliIO } from './io';
import { findWorkspace } from '../node/workspace';

export const AUDIT_USAGE = `Usage: rollback-lens audit verify [--expect-head <sha256>] [options]
       rollback-lens audit list [options]
       rollback-lens audit head [options]

The audit log (.rollback-lens/audit.jsonl in the workspace) records every
dry-run, drill, contract test, approval and sign-off; each record carries the
SHA-256 of the line before it.

  verify                         Check every record and the hash chain; check that every version of the
                                 log committed to git (and the staged one) is a prefix of the file;
                                 with --expect-head, that a head kept elsewhere is still in the log
  list                           Print the records, oldest first
  head                           Print the hash of the last line (the next record's prev): keep it elsewhere

Options for audit:
  --workspace <dir>              Workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)
  --format text|json             Output format (default text)
  --expect-head <sha256>         verify: a head printed by \`audit head\` earlier (sha256:<hex> or the hex)
  --kind <kind>                  list: only records of this kind (${AUDIT_KINDS.join(', ')})
  --path <file>                  list: only records of this runbook or contract (workspace-relative)
  -h, --help                     Show this help

Exit codes: verify 0 no check failed, 1 a check failed, 2 usage or I/O error; list and head 0, or 2 on usage or I/O error.`;

function usage(io: CliIO, message: string): number {
  io.stderr.write(`rollback-lens audit: ${message}\n\n${AUDIT_USAGE}\n`);
  return 2;
}

export async function auditCommand(argv: string[], io: CliIO): Promise<number> {
  let values: { workspace?: string; format?: string; kind?: string; path?: string; 'expect-head'?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        workspace: { type: 'string' },
        format: { type: 'string', default: 'text' },
        kind: { type: 'string' },
        path: { type: 'string' },
        'expect-head': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  if (values.help) {
    io.stdout.write(AUDIT_USAGE + '\n');
    return 0;
  }
  const [sub, ...extra] = positionals;
  if (sub === undefined) return usage(io, 'give a subcommand: verify, list or head');
  if (sub !== 'verify' && sub !== 'list' && sub !== 'head') return usage(io, `unknown subcommand \`${sub}\`: use verify, list or head`);
  if (extra.length) return usage(io, `unexpected argument${extra.length === 1 ? '' : 's'}: ${extra.join(' ')}`);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(io, `--format must be text or json, not \`${format}\``);
  if (sub !== 'list' && (values.kind !== undefined || values.path !== undefined)) return usage(io, '--kind and --path only apply to `audit list`');
  const expectHead = values['expect-head'];
  if (expectHead !== undefined && sub !== 'verify') return usage(io, '--expect-head only applies to `audit verify`');
  if (expectHead !== undefined && !parseHead(expectHead)) return usage(io, `--expect-head must be sha256:<64 hex digits> or the 64 hex digits alone, not \`${expectHead}\``);
  if (values.kind !== undefined && !(AUDIT_KINDS as readonly string[]).includes(values.kind)) {
    return usage(io, `--kind must be one of ${AUDIT_KINDS.join(', ')}, not \`${values.kind}\``);
  }
  const workspace = findWorkspace(io.cwd, values.workspace);
  try {
    if (sub === 'verify') return await verify(workspace, format, expectHead, io);
    if (sub === 'head') return await head(workspace, format, io);
    return await list(workspace, format, values.kind as AuditKind | undefined, values.path, io);
  } catch (e) {
    if (e instanceof AuditError) {
      io.stderr.write(`rollback-lens audit: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The log's path as shown: relative to the current folder when inside it. */
function shown(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

const LABEL: Record<AuditCheck['check'], string> = { 'hash-chain': 'hash chain', 'git-history': 'git history', 'expected-head': 'expected head' };
const STATUS: Record<AuditCheck['status'], string> = { passed: 'passed', failed: 'FAILED', 'not-checked': 'not checked' };

async function verify(workspace: string, format: string, expectHead: string | undefined, io: CliIO): Promise<number> {
  const v = await verifyAuditLog(workspace, expectHead !== undefined ? { expectHead } : {});
  const name = shown(v.file, io.cwd);
  if (format === 'json') {
    io.stdout.write(JSON.stringify({ ...v, file: name }, null, 2) + '\n');
    return v.ok ? 0 : 1;
  }
  if (!v.exists && v.ok) {
    io.stdout.write(`${name}: no audit log yet: nothing to verify\n`);
    return 0;
  }
  for (const p of v.problems) io.stdout.write(`${name}:${p.line}: ${p.reason}\n`);
  if (v.incompleteTail) {
    const t = v.incompleteTail;
    io.stdout.write(`${name}:${t.line}: incomplete last line (${t.bytes} byte${t.bytes === 1 ? '' : 's'}, no newline), left by an interrupted append: ignored; the next append removes it\n`);
  }
  for (const c of v.checks) io.stdout.write(`${name}${c.line ? `:${c.line}` : ''}: ${LABEL[c.check]}: ${STATUS[c.status]}: ${c.message}\n`);
  const records = `${v.records} record${v.records === 1 ? '' : 's'}`;
  if (v.ok) io.stdout.write(`${name}: intact, ${records}, head ${v.head}\n`);
  else {
    const caught = v.checks.filter((c) => c.status === 'failed').map((c) => `${LABEL[c.check]}${c.line ? ` at line ${c.line}` : ''}`);
    io.stdout.write(`${name}: broken: caught by ${caught.join(', ')} (${records}, head ${v.head})\n`);
  }
  return v.ok ? 0 : 1;
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
      `rollback-lens audit: ${log.problems.length} broken line${log.problems.length === 1 ? '' : 's'} skipped, the first ${name}:${first.line}: ${first.reason}; run \`rollback-lens audit verify\`\n`,
    );
  }
  return 0;
}
