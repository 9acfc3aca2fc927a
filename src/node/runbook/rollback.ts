// A rollback for real: the dry-run first (a NOT READY runbook is refused,
// with its blocking findings, unless forced with a reason), then the drill
// engine with `mode: 'rollback'` (src/node/runbook/drill.ts: no sandbox, no
// scenario, no injected faults; every gate asked; undo in reverse on a failure
// or a cancel; detect, decide, execute and verify timed). The report is the
// drill's plus the release pair, the dry-run's verdict and the force reason.
// rollbackPlan: what the editor's confirmation and the CLI's header name
// before anything runs (the release pair, each gate's roles with their names
// and contacts). rollbackRecords: the audit records, each approval (by flag or
// person, with who) then one `rollback` record with the drill record's fields
// (src/node/contract/records.ts) plus `forced` and `approvals`.
import type { DrillApproval, DryRunReport, Finding } from '../../core/runbook/report';
import type { RollbackPlan, RollbackReport, RollbackRole } from '../../core/runbook/rollback';
import { asObject as obj } from '../../core/language/checks/context';
import type { AuditInput } from '../audit';
import { drillRecords } from '../contract/records';
import { loadDocument } from '../documents';
import { drill, type DrillOptions } from './drill';
import { dryRun } from './dryrun';
import { DrillError } from './errors';

export interface RollbackOptions extends Omit<DrillOptions, 'mode' | 'scenario' | 'verifyIdempotent' | 'observeLimits'> {
  /** Start although the dry-run says NOT READY; the reason is recorded. */
  force?: string;
  /** Hears the dry-run's report before anything runs (the CLI prints it). */
  onDryRun?: (r: DryRunReport) => void;
}

export type { RollbackPlan, RollbackReport, RollbackRole };

/** The dry-run says NOT READY and the rollback was not forced: nothing ran. */
export class RollbackRefused extends Error {
  constructor(
    readonly dryRun: DryRunReport,
    readonly blocking: Finding[],
  ) {
    super(`the dry-run says NOT READY (${blocking.length} blocking finding${blocking.length === 1 ? '' : 's'}); nothing was run. Fix them, or give --force <reason>`);
  }
}

function releaseOf(value: Record<string, unknown>, which: 'current' | 'target'): string {
  const r = obj(obj(value.release)[which]);
  return [r.model, r.version].filter((x) => typeof x === 'string' || typeof x === 'number').map(String).join(' ') || `(no release.${which})`;
}

/** The release pair and the gates of a runbook (read even when it has errors). */
export async function rollbackPlan(file: string): Promise<RollbackPlan> {
  const { value } = await loadDocument(file, 'RollbackRunbook', { allowErrors: true });
  const roles = obj(value.roles);
  const who = (role: string): RollbackRole => {
    const r = obj(roles[role]);
    return { role, ...(typeof r.name === 'string' ? { name: r.name } : {}), ...(typeof r.contact === 'string' ? { contact: r.contact } : {}) };
  };
  const gates = (Array.isArray(value.steps) ? value.steps : [])
    .map(obj)
    .filter((s) => Array.isArray(s.approve))
    .map((s) => ({ step: String(s.id), roles: (s.approve as unknown[]).map(String).map(who) }));
  return { current: releaseOf(value, 'current'), target: releaseOf(value, 'target'), gates };
}

/** Performs the rollback (see the header); throws RollbackRefused, or a DrillError when it cannot start. */
export async function rollback(file: string, options: RollbackOptions): Promise<RollbackReport> {
  const { force, onDryRun, ...drillOptions } = options;
  if (force !== undefined && !force.trim()) throw new DrillError('--force needs a reason, which is recorded');
  const dry = await dryRun(file, { workspace: options.workspace, ...(options.signal ? { signal: options.signal } : {}), ...(options.formats === false ? { formats: false } : {}), ...(options.onCommand ? { onCommand: options.onCommand } : {}) });
  const blocking = dry.findings.filter((f) => f.severity === 'error');
  onDryRun?.(dry);
  if (dry.verdict !== 'ready' && force === undefined) throw new RollbackRefused(dry, blocking);
  const plan = await rollbackPlan(file);
  const { scenario: _none, ...report } = await drill(file, { sendMessages: true, ...drillOptions, mode: 'rollback' });
  return {
    ...report,
    mode: 'rollback',
    release: { current: plan.current, target: plan.target },
    dryRun: { verdict: dry.verdict, blocking },
    // a force past a READY dry-run forced nothing
    ...(force !== undefined && dry.verdict !== 'ready' ? { forced: force.trim() } : {}),
  };
}

/** The approvals given (by flag or person, with who), then the `rollback` record. */
export function rollbackRecords(file: string, report: RollbackReport): AuditInput[] {
  const drilled = drillRecords(file, { ...report, scenario: '' });
  const approvals = drilled
    .filter((r) => r.kind === 'approval')
    .map((r, i) => {
      const a = report.approvals[i]!;
      return { ...r, context: 'rollback', ...(a.name ? { name: a.name } : {}), ...(a.note ? { note: a.note } : {}) };
    });
  const { scenario: _scenario, ...record } = drilled[drilled.length - 1]!;
  return [
    ...approvals,
    {
      ...record,
      kind: 'rollback',
      release: report.release,
      findings: { ...record.findings, dryRun: report.dryRun.verdict, fired: report.triggers.filter((t) => t.fired).map((t) => ({ id: t.id, metric: t.metric, ...(t.value !== undefined ? { value: t.value } : {}) })) },
      ...(report.forced !== undefined ? { forced: report.forced } : {}),
      approvals: report.approvals.map((a: DrillApproval) => ({ step: a.step, role: a.role, decision: a.decision, by: a.by, ...(a.name ? { name: a.name } : {}) })),
    },
  ];
}
