// What the audit log keeps of each run, the same from the CLI and the editor:
// one record per contract-test run (with each rule's measured value and limit),
// dry-run and drill (with each step's outcome, the triggers that fired, the
// expectations and what each step said: what a post-mortem tells), one per answer at a drill's
// approval gate (before the drill's own record), one per sign-off. Dry-run, drill
// (and so rollback) records carry the policy rules the runbook waives, with their
// reasons (`waivers: [{ rule, reason }]`), when it waives any.
import type { ContractReport } from '../../core/contract/report';
import type { DrillReport, DryRunReport } from '../../core/runbook/report';
import { appendAuditRecord, type AuditInput } from '../audit';

export function contractTestRecord(file: string, report: ContractReport): AuditInput {
  return {
    kind: 'contract-test',
    path: file,
    verdict: report.verdict,
    timings: { durationMs: report.tests.reduce((s, t) => s + (t.durationMs ?? 0), 0) },
    findings: Object.fromEntries(report.tests.map((t) => [t.testId, t.verdict === 'pass' ? 'pass' : (t.reason ?? t.rules.filter((r) => r.verdict === 'fail').map((r) => r.id).join(', '))])),
    // what each rule measured against its limit: the editor's hover on a tolerance shows the last run's
    rules: Object.fromEntries(
      report.tests.map((t) => [
        t.testId,
        t.rules.map((r) => ({ id: r.id, ...(r.field !== undefined ? { field: r.field } : {}), ...(r.threshold !== undefined ? { threshold: r.threshold } : {}), ...(r.value !== undefined ? { value: r.value } : {}), verdict: r.verdict })),
      ]),
    ),
  };
}

export function dryRunRecord(file: string, report: DryRunReport): AuditInput {
  const errors = report.findings.filter((f) => f.severity === 'error');
  return {
    kind: 'dry-run',
    path: file,
    verdict: report.verdict,
    findings: { errors: errors.length, warnings: report.findings.filter((f) => f.severity === 'warning').length, codes: [...new Set(errors.map((f) => f.code))] },
    ...waiversOf(report),
  };
}

/** The approvals given during the drill, then the drill itself. */
export function drillRecords(file: string, report: DrillReport): AuditInput[] {
  const approvals: AuditInput[] = report.approvals.map((a) => ({
    kind: 'approval',
    path: file,
    verdict: a.decision === 'approve' ? 'approved' : 'rejected',
    role: a.role,
    step: a.step,
    by: a.by,
    context: `drill ${report.scenario}`,
  }));
  return [
    ...approvals,
    {
      kind: 'drill',
      path: file,
      verdict: report.verdict,
      scenario: report.scenario,
      outcome: report.outcome,
      timings: report.timings,
      findings: { restored: report.restored, ...(report.reason ? { reason: report.reason } : {}), ...capturedOf(report), ...(report.fidelity ? { fidelity: report.fidelity } : {}) },
      // what each step did (its undo is the step's own `undone`): the editor's hover on a step id shows the last drill's
      steps: stepsOf(report),
      // what the after-action review tells (src/node/runbook/postmortem.ts): the triggers that fired with their values, each expectation against its limit, what each step said (a verify step its test's result)
      triggers: report.triggers.filter((t) => t.fired).map((t) => ({ id: t.id, metric: t.metric, ...(t.value !== undefined ? { value: t.value } : {}), message: t.message })),
      expectations: report.expectations,
      stepMessages: Object.fromEntries(report.steps.filter((s) => s.kind !== 'undo' && s.message).map((s) => [s.id, s.message!])),
      ...waiversOf(report),
    },
  ];
}

/** The policy rules the runbook waives, with their reasons, as the record carries them (`waivers: [{ rule, reason }]`); nothing when none. */
function waiversOf(report: { waivers?: Array<{ rule: string; reason: string }> }): { waivers?: Array<{ rule: string; reason: string }> } {
  return report.waivers?.length ? { waivers: report.waivers } : {};
}

/** Each step's outcome and duration, and its undo's outcome when the drill undid it. */
function stepsOf(report: DrillReport): Record<string, { outcome: string; durationMs: number; undo?: string }> {
  const out: Record<string, { outcome: string; durationMs: number; undo?: string }> = {};
  for (const st of report.steps) if (st.kind !== 'undo') out[st.id] = { outcome: st.outcome, durationMs: st.durationMs };
  for (const st of report.steps) if (st.kind === 'undo' && out[st.id]) out[st.id]!.undo = st.outcome;
  return out;
}

/** What the drill's steps captured before they acted (the values their undos put back), by step: `{ captured: { champion: { previous: "3" } } }`; nothing when none captured. */
function capturedOf(report: DrillReport): { captured?: Record<string, Record<string, string>> } {
  const by = Object.fromEntries(report.steps.filter((s) => s.captured && s.kind !== 'undo').map((s) => [s.id, s.captured!]));
  return Object.keys(by).length ? { captured: by } : {};
}

export function signOffRecord(file: string, role: string, decision: 'approve' | 'reject', note?: string, user?: string): AuditInput {
  return { kind: 'sign-off', path: file, verdict: decision === 'approve' ? 'signed-off' : 'refused', role, ...(note ? { note } : {}), ...(user ? { user } : {}) };
}

/** Appends the records in order; the first failure stops and is thrown. */
export async function appendAll(workspace: string, records: AuditInput[]): Promise<void> {
  for (const r of records) await appendAuditRecord(workspace, r);
}
