// Sign-offs: the roles a runbook's `closure.signOff` names confirm (or
// refuse) that the rollback may be closed. Each answer is an audit record.
// closureSignOffs: how far a runbook's closure got, from those records (the
// log is read again only when its size or mtime changed).
import * as path from 'node:path';
import { asObject as obj } from '../../core/language/checks/context';
import { loadDocument } from '../documents';
import { toWorkspacePath } from '../workspace';
import { appendAuditRecord, cachedAuditRead, readAuditLog, type AuditRecord } from '../audit';
import { signOffProgress, type SignOffProgress } from '../../core/runbook/glance';
import { signOffRecord } from '../contract/records';

export class SignOffError extends Error {}

export interface SignOffRole {
  role: string;
  name?: string;
  contact?: string;
}

async function readRunbook(file: string): Promise<Record<string, unknown>> {
  // the roles and closure can be read from a runbook whose other checks found errors
  return (await loadDocument(file, 'RollbackRunbook', { allowErrors: true })).value;
}

function describe(roles: Record<string, unknown>, role: string): SignOffRole {
  const r = obj(roles[role]);
  return { role, ...(typeof r.name === 'string' ? { name: r.name } : {}), ...(typeof r.contact === 'string' ? { contact: r.contact } : {}) };
}

/** Every role the runbook declares, with its name and contact. */
export async function runbookRoles(file: string): Promise<Map<string, SignOffRole>> {
  const roles = obj((await readRunbook(file)).roles);
  return new Map(Object.keys(roles).map((role) => [role, describe(roles, role)]));
}

/** The roles that must sign off the closure of this runbook, with their names and contacts. */
export async function signOffRoles(file: string): Promise<SignOffRole[]> {
  const value = await readRunbook(file);
  const list = obj(value.closure).signOff;
  return (Array.isArray(list) ? list : []).map(String).map((role) => describe(obj(value.roles), role));
}

export interface SignOffOptions {
  workspace: string;
  /** How a refusal names the runbook (the CLI: relative to its cwd); default its workspace path. */
  shownAs?: string;
  role: string;
  decision: 'approve' | 'reject';
  note?: string;
  user?: string;
  /** Signs the record (appendAuditRecord's `sign` hook; src/node/signing makes one). */
  sign?: (body: Record<string, unknown>) => Promise<object>;
}

/** Records a sign-off of `role` after checking the runbook asks that role for one. */
export async function signOff(file: string, options: SignOffOptions): Promise<AuditRecord> {
  const roles = await signOffRoles(file);
  if (!roles.some((r) => r.role === options.role)) {
    const rel = options.shownAs ?? toWorkspacePath(options.workspace, path.resolve(file));
    throw new SignOffError(
      roles.length
        ? `${rel}: \`${options.role}\` is not a sign-off role (closure.signOff: ${roles.map((r) => r.role).join(', ')})`
        : `${rel} has no closure.signOff roles`,
    );
  }
  return appendAuditRecord(options.workspace, signOffRecord(file, options.role, options.decision, options.note, options.user), options.sign ? { sign: options.sign } : {});
}

const logReads = new Map<string, () => Promise<AuditRecord[] | undefined>>();

/** The audit log's records, read again only when the log changed (the editor asks each second while a drill runs); file or database (cachedAuditRead). */
async function auditRecords(workspace: string): Promise<AuditRecord[]> {
  let read = logReads.get(workspace);
  if (!read) logReads.set(workspace, (read = cachedAuditRead(workspace, async () => (await readAuditLog(workspace)).entries.map((e) => e.record))));
  return (await read()) ?? [];
}

/** The closure.signOff roles of a runbook, each by its latest sign-off record in the workspace's audit log since its latest rollback. */
export async function closureSignOffs(file: string, workspace: string): Promise<SignOffProgress> {
  const roles = (await signOffRoles(file)).map((r) => r.role);
  const rel = toWorkspacePath(workspace, path.resolve(file));
  const mine = (await auditRecords(workspace)).filter((r) => r.path === rel && (r.kind === 'sign-off' || r.kind === 'rollback'));
  // as the closure status counts them (src/core/runbook/closure.ts): a new rollback starts its sign-offs over
  const since = mine.map((r) => r.kind).lastIndexOf('rollback');
  const records = mine.slice(since + 1).filter((r) => r.kind === 'sign-off');
  return signOffProgress(
    roles,
    records.map((r) => ({ role: String(r.role), verdict: r.verdict, user: r.user, time: r.time })),
  );
}
