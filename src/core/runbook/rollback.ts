// A rollback done for real, as people read it: its report's shape (the
// drill's, with the release pair, the dry-run it passed or was forced past,
// and the reason of a force), the line the CLI prints for each step as it
// starts and ends (rollbackProgressLine), the report as text (the CLI) and as
// Markdown (the editor's report file), each with the restore's fidelity and
// every message the run rendered (sent or why not), as a drill's report has,
// and the confirmation the editor asks before it starts. Pure; every value that came from the runbook or a command
// is escaped in the Markdown (render.ts's md/mdc).
import { formatDuration } from '../util/values';
import { messagesMarkdown, messagesText } from './comms';
import { fidelityLines } from './fidelity';
import { fidelityMarkdown, humanDuration, md, mdc } from './render';
import type { DrillApproval, DrillProgress, DrillReport, DryRunReport, Finding } from './report';

export interface RollbackRole {
  role: string;
  name?: string;
  contact?: string;
}

/** What a rollback of a runbook does, named before it starts. */
export interface RollbackPlan {
  /** `iris-classifier 2.0.0` (model and version). */
  current: string;
  target: string;
  /** Each approval gate, in the runbook's order, with the roles that must approve it. */
  gates: Array<{ step: string; roles: RollbackRole[] }>;
}

/** A drill's report without its scenario (a rollback has none), and what only a rollback has. */
export interface RollbackReport extends Omit<DrillReport, 'scenario'> {
  mode: 'rollback';
  release: { current: string; target: string };
  dryRun: { verdict: DryRunReport['verdict']; blocking: Finding[] };
  /** Why the rollback started although the dry-run said NOT READY. */
  forced?: string;
}

/** `decisionMaker (On-call ML lead, #ml-oncall)`. */
export function roleText(r: RollbackRole): string {
  const about = [r.name, r.contact].filter(Boolean).join(', ');
  return about ? `${r.role} (${about})` : r.role;
}

/** The editor's modal confirmation: the release pair, then the approvals the rollback needs. */
export function rollbackConfirmation(plan: RollbackPlan, runbook: string): { message: string; detail: string } {
  const gates = plan.gates.length
    ? plan.gates.map((g) => `${g.step}: ${g.roles.map(roleText).join(' and ')}`).join('\n')
    : 'none: no step of this runbook is an approval gate';
  return {
    message: `Roll back ${plan.current} → ${plan.target} for real?`,
    detail: `${runbook}: the steps run for real, not in the drill sandbox; a failed step or a cancel undoes the completed steps.\n\nApprovals needed:\n${gates}`,
  };
}

/**
 * After the modal, the box in which the target version must be typed: one
 * Enter (the modal's default button) never starts a rollback for real.
 */
export function rollbackTypedConfirmation(plan: RollbackPlan): { version: string; title: string; prompt: string; wrong: string } {
  const version = plan.target.split(' ').at(-1) ?? plan.target;
  return {
    version,
    title: `Roll back ${plan.current} → ${plan.target}`,
    prompt: `Type ${version}, the release to roll back to, to start the rollback for real; Escape runs nothing.`,
    wrong: `type ${version} to start the rollback, or press Escape to run nothing`,
  };
}

/** One line of the live progress: `▶ flag-off …`, `✓ flag-off done in 12 ms — …`, `↺ repoint undone in 8 ms`. */
export function rollbackProgressLine(e: DrillProgress): string {
  if (e.kind === 'plan') return `Plan: ${e.steps.map((s) => s.id).join(' → ')}`;
  if (e.kind === 'start') return `▶ ${e.phase === 'undo' ? 'undo ' : ''}${e.id} (timeout ${formatDuration(e.timeoutMs)}) …`;
  const s = e.step;
  const mark = s.outcome === 'done' || s.outcome === 'approved' ? '✓' : s.outcome === 'undone' ? '↺' : '✗';
  return `${mark} ${s.id} ${s.outcome} in ${humanDuration(s.durationMs)}${s.message ? ` — ${s.message}` : ''}`;
}

function approvalText(a: DrillApproval): string {
  const by = a.by === 'flag' ? '--approve' : a.by === 'person' ? 'asked' : 'scenario';
  return `${a.step}: ${a.role} ${a.decision === 'approve' ? 'approved' : 'rejected'}${a.name ? ` by ${a.name}` : ''} (${by})${a.note ? ` — ${a.note}` : ''}`;
}

function detectText(r: RollbackReport): string {
  const fired = r.triggers.filter((t) => t.fired);
  return fired.length
    ? fired.map((t) => `${t.id} fired (${t.metric} = ${t.value ?? 'no value'})`).join(', ')
    : `no trigger fired (${r.triggers.length} evaluated against the metrics source): the rollback was started by hand`;
}

function verdictLine(r: RollbackReport): string {
  if (r.verdict === 'cancelled') return `CANCELLED${r.reason ? ` — ${r.reason}` : ''}`;
  return r.verdict === 'pass' ? `RESTORED and verified: ${r.release.target}` : `FAILED: ${r.outcome}${r.reason ? ` — ${r.reason}` : ''}`;
}

export function rollbackText(r: RollbackReport): string {
  const t = r.timings;
  const lines = [`Rollback of ${r.runbook}: ${r.release.current} → ${r.release.target}`];
  lines.push(`  dry-run: ${r.dryRun.verdict === 'ready' ? 'READY' : `NOT READY, forced: ${r.forced ?? ''}`}`);
  lines.push(`  detect ${humanDuration(t.detectMs)}: ${detectText(r)}`);
  lines.push(`  decide ${humanDuration(t.decideMs)}: ${r.approvals.map(approvalText).join('; ') || 'no approval gate'}`);
  lines.push(`  execute ${humanDuration(t.executeMs)}, verify ${humanDuration(t.verifyMs)}`);
  for (const s of r.steps) lines.push(`  ${s.outcome.padEnd(11)} ${s.id} (${s.kind}, ${humanDuration(s.durationMs)})${s.message ? ` — ${s.message}` : ''}`);
  if (r.fidelity) for (const l of fidelityLines(r.fidelity)) lines.push(`  ${l}`);
  lines.push(...messagesText(r.messages ?? []));
  lines.push(verdictLine(r));
  return lines.join('\n');
}

export function rollbackMarkdown(r: RollbackReport): string {
  const t = r.timings;
  const out = [`# Rollback of ${md(r.runbook)}: ${md(r.release.current)} → ${md(r.release.target)}`, ''];
  out.push(`**Verdict: ${r.verdict === 'cancelled' ? 'CANCELLED' : r.verdict === 'pass' ? 'RESTORED and verified' : 'FAILED'}** — ${md(r.outcome)}${r.reason ? `: ${mdc(r.reason)}` : ''}`, '');
  out.push(`Dry-run: ${r.dryRun.verdict === 'ready' ? 'READY' : `NOT READY, forced: ${md(r.forced ?? '')}`}`, '');
  out.push('| Detect | Decide | Execute | Verify |', '|---|---|---|---|', `| ${[t.detectMs, t.decideMs, t.executeMs, t.verifyMs].map((x) => md(humanDuration(x))).join(' | ')} |`, '');
  out.push('## Detect', '', `- ${mdc(detectText(r))}`, '');
  if (r.approvals.length) out.push('## Approvals', '', ...r.approvals.map((a) => `- ${mdc(approvalText(a))}`), '');
  out.push('## Steps', '', ...r.steps.map((s) => `- ${md(s.id)} (${md(s.kind)}): **${md(s.outcome)}** in ${md(humanDuration(s.durationMs))}${s.message ? ` — ${mdc(s.message)}` : ''}`), '');
  if (r.fidelity) out.push('## Fidelity', '', ...fidelityMarkdown(r.fidelity), '');
  out.push(...messagesMarkdown(r.messages ?? [], md));
  return out.join('\n');
}

/** The lens on a runbook after its last rollback. */
export function rollbackLensTitle(r: RollbackReport): string {
  return r.verdict === 'pass' ? '$(pass) rollback: restored and verified' : r.verdict === 'cancelled' ? '$(circle-slash) rollback: cancelled' : `$(error) rollback: failed (${r.outcome})`;
}
