// Closing a rollback: the steps of a runbook's `closure` section, each one an
// audit record, and its status read back from the log (src/core/runbook/
// closure.ts derives it). The same from the CLI and the editor.
//   verifyClosure    runs closure.verify (each contract test, through the
//                    contract engine, against the baseline the contract names:
//                    the pre-release one) and records `closure-verify` with
//                    each test's verdict and counts
//   confirmItem      records `checklist`: one item, its 1-based index and its
//                    text, who and when
//   closeRollback    records `close` only when the status is `signed`;
//                    otherwise throws ClosureRefused naming what is missing
// Invariants: every step needs a rollback record of the runbook in the log
// (else ClosureRefused: nothing to close) and refuses once it is closed; each
// record carries `rollback`, the hash of the rollback record's line it
// belongs to. The runbook and every contract it names stay inside the
// workspace. Each step reads the status, then appends: the two are not one
// transaction, so two people closing at once may both record `close`.
import * as path from 'node:path';
import { asObject as obj } from '../../core/language/checks/context';
import { closureStatus as deriveStatus, verifyVerdict, type ClosureSpec, type ClosureStatus, type VerifiedTest, type VerifyRef } from '../../core/runbook/closure';
import type { TestReport } from '../../core/contract/report';
import { appendAuditRecord, cachedAuditRead, readAuditLog, type AuditEntry, type AuditRecord } from '../audit';
import { ContractError, runContractTests } from '../contract/run';
import { loadDocument } from '../documents';
import { confine, isWithin, toWorkspacePath } from '../workspace';

/** The runbook or a contract cannot be read, or a step was asked wrongly (an unknown checklist item): exit 2. */
export class ClosureError extends Error {}

/** A step the closure's status does not allow yet (or any more): exit 1, with what is missing. */
export class ClosureRefused extends Error {
  constructor(
    message: string,
    readonly missing: string[] = [],
  ) {
    super(message);
  }
}

/** The runbook's closure section: verify refs, checklist items, sign-off roles. */
export async function closureSpec(file: string): Promise<ClosureSpec> {
  let value: Record<string, unknown>;
  try {
    value = (await loadDocument(file, 'RollbackRunbook', { allowErrors: true })).value;
  } catch (e) {
    throw new ClosureError((e as Error).message);
  }
  const closure = obj(value.closure);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return {
    verify: list(closure.verify).map((v) => {
      const o = obj(v);
      return { contract: String(o.contract), ...(typeof o.test === 'string' ? { test: o.test } : {}) };
    }),
    checklist: list(closure.checklist).map(String),
    signOff: list(closure.signOff).map(String),
  };
}

function relOf(file: string, workspace: string): string {
  const abs = path.resolve(file);
  if (!isWithin(path.resolve(workspace), abs)) throw new ClosureError(`${file} is outside the workspace ${workspace}`);
  return toWorkspacePath(workspace, abs);
}

const logReads = new Map<string, () => Promise<AuditEntry[] | undefined>>();

/** The audit log's entries, read again only when the log changed (the editor asks on every lens refresh); file or database (cachedAuditRead). */
async function auditEntries(workspace: string): Promise<AuditEntry[]> {
  let read = logReads.get(workspace);
  if (!read) logReads.set(workspace, (read = cachedAuditRead(workspace, async () => (await readAuditLog(workspace)).entries)));
  return (await read()) ?? [];
}

/** The closure status of the runbook's latest rollback, from the workspace's audit log. */
export async function closureStatus(file: string, workspace: string): Promise<ClosureStatus> {
  const rel = relOf(file, workspace);
  const spec = await closureSpec(file);
  const records = (await auditEntries(workspace)).filter((e) => e.record.path === rel).map((e) => ({ ...e.record, hash: e.hash }));
  return deriveStatus(spec, records);
}

/** The status a step may act on: a rollback, not yet closed; a refusal names the runbook `shownAs` (the CLI: relative to its cwd), else by its workspace path. */
async function openStatus(file: string, workspace: string, shownAs?: string): Promise<ClosureStatus & { rollback: NonNullable<ClosureStatus['rollback']> }> {
  const s = await closureStatus(file, workspace);
  const rel = shownAs ?? relOf(file, workspace);
  if (s.state === 'none' || !s.rollback) throw new ClosureRefused(`${rel}: no rollback to close (the audit log has no rollback record of it)`);
  if (s.state === 'closed') throw new ClosureRefused(`${rel}: the rollback of ${s.rollback.time} is already closed (${s.closed!.time}, by ${s.closed!.user})`);
  return s as ClosureStatus & { rollback: NonNullable<ClosureStatus['rollback']> };
}

export interface VerifyOptions {
  workspace: string;
  /** How a refusal names the runbook (the CLI: relative to its cwd); default its workspace path. */
  shownAs?: string;
  signal?: AbortSignal;
  formats?: boolean;
  user?: string;
  /** Each contract test as it starts and ends. */
  onTest?: (e: { contract: string; test?: string; phase: 'start' | 'done'; tests?: VerifiedTest[] }) => void;
}

/** One test's verdict and what it compared; a pass that compared nothing fails. */
function verified(contract: string, t: TestReport): VerifiedTest {
  const failed = t.rules.filter((r) => r.verdict === 'fail').length;
  const rows = t.counts.matched;
  const nothing = t.verdict === 'pass' && rows === 0 && t.rules.length === 0;
  const reason = nothing ? 'compared nothing (no rows, no rules)' : (t.reason ?? (failed ? t.rules.filter((r) => r.verdict === 'fail').map((r) => r.message).join('; ') : undefined));
  return { contract, test: t.testId, verdict: nothing ? 'fail' : t.verdict, rows, rules: t.rules.length, failed, ...(reason ? { reason } : {}), counts: { ...t.counts } };
}

/** Runs closure.verify and records its verdict (`closure-verify`); resolves with the record. */
export async function verifyClosure(file: string, options: VerifyOptions): Promise<AuditRecord> {
  const s = await openStatus(file, options.workspace, options.shownAs);
  const spec = await closureSpec(file);
  const dir = path.dirname(path.resolve(file));
  const tests: VerifiedTest[] = [];
  const started = Date.now();
  for (const ref of spec.verify) {
    options.onTest?.({ contract: ref.contract, ...(ref.test ? { test: ref.test } : {}), phase: 'start' });
    const mine = await runRef(dir, ref, options);
    tests.push(...mine);
    options.onTest?.({ contract: ref.contract, ...(ref.test ? { test: ref.test } : {}), phase: 'done', tests: mine });
  }
  const verdict = spec.verify.length === 0 ? 'fail' : verifyVerdict(tests);
  return appendAuditRecord(options.workspace, {
    kind: 'closure-verify',
    path: path.resolve(file),
    verdict,
    ...(options.user ? { user: options.user } : {}),
    timings: { durationMs: Date.now() - started },
    findings: {
      tests: tests.length,
      passed: tests.filter((t) => t.verdict === 'pass').length,
      failed: tests.filter((t) => t.verdict === 'fail').length,
      errors: tests.filter((t) => t.verdict !== 'pass' && t.verdict !== 'fail').length,
      rows: tests.reduce((n, t) => n + t.rows, 0),
      ...(spec.verify.length === 0 ? { reason: 'closure.verify names no contract test' } : {}),
    },
    rollback: s.rollback.hash,
    verify: spec.verify,
    tests,
  });
}

async function runRef(dir: string, ref: VerifyRef, options: VerifyOptions): Promise<VerifiedTest[]> {
  const error = (reason: string): VerifiedTest[] => [{ contract: ref.contract, test: ref.test ?? '*', verdict: 'error', rows: 0, rules: 0, failed: 0, reason }];
  const c = await confine(options.workspace, dir, ref.contract, 'contract');
  if (!c.ok) return error(c.message);
  try {
    const report = await runContractTests(c.path, {
      workspace: options.workspace,
      ...(ref.test ? { testIds: [ref.test] } : {}),
      ...(options.formats === false ? { formats: false } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (ref.test && !report.tests.some((t) => t.testId === ref.test)) return error(`${ref.contract} has no test \`${ref.test}\``);
    if (!report.tests.length) return error(`${ref.contract} has no tests`);
    return report.tests.map((t) => verified(ref.contract, t));
  } catch (e) {
    if (e instanceof ContractError) return error(e.message);
    throw e;
  }
}

/** Which checklist item `which` names: its 1-based number, or its exact text. */
export function checklistItem(spec: ClosureSpec, which: string | number, rel: string): { index: number; text: string } {
  const items = spec.checklist;
  if (!items.length) throw new ClosureError(`${rel} has no closure.checklist`);
  const asNumber = typeof which === 'number' ? which : /^\d+$/.test(which) ? Number(which) : undefined;
  if (asNumber !== undefined) {
    if (asNumber < 1 || asNumber > items.length) throw new ClosureError(`${rel}: closure.checklist has items 1 to ${items.length}, not ${asNumber}`);
    return { index: asNumber, text: items[asNumber - 1]! };
  }
  const i = items.indexOf(which as string);
  if (i === -1) throw new ClosureError(`${rel}: no closure.checklist item is \`${which}\` (give its number, 1 to ${items.length}, or its exact text)`);
  return { index: i + 1, text: items[i]! };
}

/** Records the confirmation of one checklist item; `already` when it was confirmed since the rollback (nothing recorded). */
export async function confirmItem(file: string, options: { workspace: string; item: string | number; user?: string; shownAs?: string }): Promise<{ index: number; text: string; record?: AuditRecord; already?: { user: string; time: string } }> {
  const s = await openStatus(file, options.workspace, options.shownAs);
  const spec = await closureSpec(file);
  const it = checklistItem(spec, options.item, relOf(file, options.workspace));
  const done = s.checklist.items[it.index - 1]?.confirmed;
  if (done) return { ...it, already: done };
  const record = await appendAuditRecord(options.workspace, {
    kind: 'checklist',
    path: path.resolve(file),
    verdict: 'confirmed',
    ...(options.user ? { user: options.user } : {}),
    index: it.index,
    text: it.text,
    rollback: s.rollback.hash,
  });
  return { ...it, record };
}

/** Records `close` when verify passed, every checklist item is confirmed and every signOff role signed; else ClosureRefused with the missing list. */
export async function closeRollback(file: string, options: { workspace: string; user?: string; shownAs?: string }): Promise<AuditRecord> {
  const s = await openStatus(file, options.workspace, options.shownAs);
  const rel = options.shownAs ?? relOf(file, options.workspace);
  if (s.missing.length) throw new ClosureRefused(`cannot close the rollback of ${rel} (recorded ${s.rollback.time}); still missing:`, s.missing);
  return appendAuditRecord(options.workspace, {
    kind: 'close',
    path: path.resolve(file),
    verdict: 'closed',
    ...(options.user ? { user: options.user } : {}),
    rollback: s.rollback.hash,
    findings: {
      verify: s.verify.last!.time,
      checklist: s.checklist.total,
      signOff: s.signOff.roles.map((r) => `${r.role}: ${r.user}`),
    },
  });
}
