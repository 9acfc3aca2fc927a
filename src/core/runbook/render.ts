// Dry-run and drill reports as text (the CLI) and as Markdown (the editor's
// report view). Every value that came from the runbook or a command is
// escaped for Markdown, so a step id or a command's output cannot inject
// markup or links into the preview; a message's `code` spans stay code spans
// (their text can neither close them nor hold markup). The Markdown is made
// for a narrow side preview: findings and steps are lists, not wide tables,
// and every mark says its meaning in words (an emoji is never the only
// carrier). A finding's place is a link the caller makes (linkTo).
import { formatDuration, humanDuration } from '../util/values';
import { PHASES, type DrillReport, type DryRunReport, type Phase } from './report';
import { detectText } from './detect';
import { fidelityLines, fidelityNumber, type Fidelity } from './fidelity';
import { messagesMarkdown, messagesText } from './comms';
import { stagePlanText } from './stages';

const TITLES: Record<Phase, string> = { detect: 'Detect', decide: 'Decide', execute: 'Execute', verify: 'Verify', close: 'Close', communicate: 'Communicate' };

/** A measured time for people (src/core/util/values.ts; messages use it too). */
export { humanDuration };

const duration = humanDuration;

export function dryRunText(r: DryRunReport): string {
  const lines = [`Dry-run of ${r.runbook} — nothing was changed`];
  for (const phase of PHASES) {
    if (!r.phases[phase].length) continue;
    lines.push(`${TITLES[phase]}:`);
    for (const p of r.phases[phase]) lines.push(`  ${p}`);
  }
  if (r.reintroduction) lines.push('Reintroduction (stage plan):', ...stagePlanText(r.reintroduction).map((l) => `  ${l}`));
  const w = r.worstCase;
  lines.push(`Worst case: ${formatDuration(w.ms)}${w.path.length ? ` (${w.path.join(' → ')})` : ''}${w.restoreMs !== undefined ? `; windows.restore ${formatDuration(w.restoreMs)}` : ''}`);
  if (r.findings.length) {
    lines.push('Findings:');
    for (const f of r.findings) lines.push(`  ${r.runbook}${f.line ? `:${f.line}:${f.column}` : ''}: ${f.severity} ${f.code} ${f.message}`);
  }
  lines.push(r.verdict === 'ready' ? 'READY' : `NOT READY: ${errorCount(r)} error(s)`);
  return lines.join('\n');
}

export function drillText(r: DrillReport): string {
  const lines = [`Drill ${r.scenario} of ${r.runbook}`];
  lines.push(`  triggers: ${r.triggers.map((t) => `${t.id}${t.fired ? ' fired' : ''}${t.value !== undefined ? ` (${t.metric} = ${t.value})` : ''}`).join(', ') || 'none'}`);
  for (const s of r.steps) lines.push(`  ${s.outcome.padEnd(11)} ${s.id} (${s.kind}, ${formatDuration(Math.round(s.durationMs)) || '0s'})${s.message ? ` — ${s.message}` : ''}`);
  const t = r.timings;
  lines.push(`  detect ${formatDuration(t.detectMs)}, decide ${formatDuration(t.decideMs)}, execute ${formatDuration(t.executeMs)}, verify ${formatDuration(t.verifyMs)}`);
  if (r.detect) lines.push(`  detect: ${detectText(r.detect)}`);
  for (const e of r.expectations) lines.push(`  ${e.met ? '✓' : '✗'} ${e.what} ${formatDuration(e.limitMs)}: ${e.notReached ? `not measured — ${e.notReached}` : `took ${formatDuration(e.actualMs)}`}`);
  if (r.fidelity) for (const l of fidelityLines(r.fidelity)) lines.push(`  ${l}`);
  for (const e of r.fidelity?.expectations ?? []) lines.push(`  ${e.met ? '✓' : '✗'} ${e.message}`);
  for (const f of r.faults) lines.push(`  ${f.reached ? '✓' : '✗'} injected ${f.fault} \`${f.target}\`: ${f.reached ? 'reached' : 'never reached'}`);
  lines.push(...messagesText(r.messages ?? []));
  lines.push(r.verdict === 'cancelled' ? `CANCELLED${r.reason ? ` — ${r.reason}` : ''}` : `${r.verdict === 'pass' ? 'PASS' : 'FAIL'}: ${r.outcome}${r.reason ? ` — ${r.reason}` : ''}`);
  return lines.join('\n');
}

function errorCount(r: DryRunReport): number {
  return r.findings.filter((f) => f.severity === 'error').length;
}

/** Escapes text for Markdown: no markup, no HTML, no autolinks survive. */
export function md(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+\-.!|~:]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

/** Like md(), but a `code` span of the text stays one (its content made safe by code()). */
export function mdc(text: string): string {
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(/`([^`\r\n]+)`/g)) {
    out.push(md(text.slice(last, m.index)), `\`${code(m[1]!)}\``);
    last = m.index! + m[0].length;
  }
  out.push(md(text.slice(last)));
  return out.join('');
}

/** A location in the runbook as a link the preview can open (`file.yaml#L12`); plain text when there is none. */
export type LinkTo = (line: number, column: number) => string | undefined;

export function dryRunMarkdown(r: DryRunReport, linkTo: LinkTo = () => undefined): string {
  const out: string[] = [];
  const errors = errorCount(r);
  const warnings = r.findings.filter((f) => f.severity === 'warning').length;
  out.push(`# Dry-run of ${md(r.runbook)}`, '');
  out.push(r.verdict === 'ready' ? `**Verdict: READY** — nothing was changed; ${warnings} warning(s).` : `**Verdict: NOT READY** — ${errors} error(s), ${warnings} warning(s); nothing was changed.`, '');
  const w = r.worstCase;
  out.push(
    `Worst case ${md(duration(w.ms))}${w.path.length ? ` along ${w.path.map((p) => `\`${code(p)}\``).join(' → ')}` : ''}${w.restoreMs !== undefined ? `; windows.restore ${md(duration(w.restoreMs))}` : ''}${w.decideMs !== undefined ? `; windows.decide ${md(duration(w.decideMs))}` : ''}.`,
    '',
  );
  if (r.findings.length) {
    out.push('## Findings', '');
    for (const f of r.findings) {
      const where = f.line ? `${f.line}:${f.column}` : '';
      const link = f.line ? linkTo(f.line, f.column ?? 1) : undefined;
      const at = where ? ` at ${link ? `[${where}](${link})` : where}` : '';
      out.push(`- **${f.severity}**${at} \`${code(f.code)}\`: ${mdc(f.message)}`);
    }
    out.push('');
  }
  out.push('## Steps', '');
  for (const s of r.steps) {
    const outcome = s.outcome === 'ran' ? `ran${s.durationMs !== undefined ? ` in ${duration(s.durationMs)}` : ''}` : s.outcome === 'would-run' ? 'would run' : s.outcome;
    out.push(`${s.order}. \`${code(s.id)}\` (${md(s.kind)}), **${md(outcome)}**: ${mdc(s.action)}`);
  }
  out.push('');
  for (const phase of PHASES) {
    if (!r.phases[phase].length) continue;
    out.push(`## ${TITLES[phase]}`, '');
    for (const p of r.phases[phase]) out.push(`- ${mdc(p)}`);
    out.push('');
  }
  if (r.reintroduction) {
    out.push('## Reintroduction', '');
    for (const l of stagePlanText(r.reintroduction)) out.push(l.startsWith('  ') ? `  - ${mdc(l.trim())}` : `- ${mdc(l)}`);
    out.push('');
  }
  return out.join('\n');
}

export function drillMarkdown(r: DrillReport): string {
  const out: string[] = [];
  out.push(`# Drill \`${code(r.scenario)}\` of ${md(r.runbook)}`, '');
  out.push(r.verdict === 'cancelled' ? `**Verdict: CANCELLED**${r.reason ? ` — ${mdc(r.reason)}` : ''}` : `**Verdict: ${r.verdict === 'pass' ? 'PASS' : 'FAIL'}** — ${md(r.outcome)}${r.reason ? `: ${mdc(r.reason)}` : ''}`, '');
  const t = r.timings;
  out.push('| Detect | Decide | Execute | Verify | Restore |', '|---|---|---|---|---|', `| ${[t.detectMs, t.decideMs, t.executeMs, t.verifyMs, t.restoreMs].map((x) => md(duration(x))).join(' | ')} |`, '');
  if (r.detect) out.push(`Detect: ${mdc(detectText(r.detect))}.`, '');
  if (r.expectations.length || r.fidelity?.expectations?.length) {
    out.push('## Expectations', '');
    for (const e of r.expectations) out.push(`- ${e.met ? 'met' : '**not met**'}: ${md(e.what)} ${md(duration(e.limitMs))}: ${e.notReached ? `not measured — ${mdc(e.notReached)}` : `took ${md(duration(e.actualMs))}`}`);
    for (const e of r.fidelity?.expectations ?? []) out.push(`- ${e.met ? 'met' : '**not met**'}: ${mdc(e.message)}`);
    out.push('');
  }
  if (r.fidelity) {
    out.push('## Fidelity', '', ...fidelityMarkdown(r.fidelity), '');
  }
  if (r.faults.length) {
    out.push('## Injected faults', '');
    for (const f of r.faults) out.push(`- ${md(f.fault)} \`${code(f.target)}\`: ${f.reached ? 'reached' : '**never reached**'}`);
    out.push('');
  }
  out.push('## Triggers', '');
  for (const x of r.triggers) out.push(`- \`${code(x.id)}\` ${x.fired ? '**fired**' : 'quiet'}: ${mdc(x.message)}`);
  out.push('');
  if (r.approvals.length) {
    out.push('## Approvals', '');
    for (const a of r.approvals) out.push(`- \`${code(a.step)}\`: ${md(a.role)} ${a.decision === 'approve' ? 'approved' : 'rejected'} (${a.by === 'scenario' ? `scenario${a.afterMs ? `, after ${md(duration(a.afterMs))}` : ''}` : 'asked'})`);
    out.push('');
  }
  out.push('## Steps', '');
  for (const s of r.steps) out.push(`- \`${code(s.id)}\` (${md(s.kind)}): **${md(s.outcome)}** in ${md(duration(s.durationMs))}${s.message ? ` — ${mdc(s.message)}` : ''}`);
  out.push('');
  if (r.restored.length) out.push(`Restored (undone, newest first): ${r.restored.map((x) => `\`${code(x)}\``).join(', ')}`, '');
  out.push(...messagesMarkdown(r.messages ?? [], md));
  return out.join('\n');
}

/** Text inside a code span: backticks and pipes cannot close it or break the table. */
export function code(text: string): string {
  return text.replace(/[`|\r\n]/g, ' ');
}

/**
 * One command a step ran, as the output channel logs it:
 * `repoint: $ ./scripts/set-alias.sh iris champion 1.4.2 → exit 3 after 12 ms; stderr: no such alias`.
 */
export function commandLogLine(step: string, c: { command: string; status: string; code: number; ms: number; tries: number; stderrTail?: string }): string {
  const end = c.status === 'ok' ? 'exit 0' : c.status === 'exit' ? `exit ${c.code}` : c.status === 'timeout' ? 'timed out, killed' : c.status === 'cancelled' ? 'cancelled' : 'could not start';
  const tries = c.tries > 1 ? ` (${c.tries} tries)` : '';
  return `${step}: $ ${c.command} → ${end} after ${humanDuration(c.ms)}${tries}${c.stderrTail ? `; stderr: ${c.stderrTail.replace(/\s*\n\s*/g, ' ⏎ ')}` : ''}`;
}

/** A fidelity as Markdown list items: what was compared, then each verify step's test (the drill's report and a post-mortem). */
export function fidelityMarkdown(f: Fidelity): string[] {
  const out = fidelityLines(f).map((l) => `- ${mdc(l)}`);
  for (const t of f.tests) {
    const parts = [`${t.rowsWithinTolerance}/${t.rowsCompared} rows within tolerance`, ...(t.agreement ? [`${t.agreement.agree}/${t.agreement.of} labels agree`] : []), ...(t.maxAbsDelta ? [`max |Δ| ${fidelityNumber(t.maxAbsDelta.value)} (\`${t.maxAbsDelta.field}\` at \`${t.maxAbsDelta.key}\`)`] : [])];
    out.push(`- \`${code(t.step)}\`: contract test \`${code(t.test)}\` of ${md(t.contract)} ${md(t.verdict)}: ${mdc(parts.join(', '))}${t.reason ? ` — ${mdc(t.reason)}` : ''}`);
  }
  return out;
}
