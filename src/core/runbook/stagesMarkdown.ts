// A reintroduction's report as Markdown, for the editor's preview beside the
// runbook: the verdict, then one section per stage with its split, its hold,
// what each check and abortOn trigger compared (values included), and its
// approvals. Every value from the runbook or a source is escaped (render.ts).
import { code, md, mdc } from './render';
import type { ReintroductionReport } from './stages';

export function reintroductionMarkdown(r: ReintroductionReport): string {
  const out: string[] = [];
  out.push(`# Reintroduction${r.scenario ? ` drill \`${code(r.scenario)}\`` : ''} of ${md(r.runbook)}`, '');
  out.push(`**Verdict: ${r.verdict.toUpperCase()}** — ${md(r.outcome)}${r.reason ? `: ${mdc(r.reason)}` : ''}`, '');
  out.push(`Flag \`${code(r.flag.name)}\` in ${md(r.flag.file)}: variant \`${code(r.flag.variant)}\` by a flagd fractional split.`, '');
  if (r.rolledBack) out.push(`Traffic: ${mdc(r.rolledBack)}`, '');
  if (r.drill) out.push(`Drill: ${md(r.drill.holds)}; ${md(r.drill.restored)}; expected ${md(r.drill.expect)}: **${r.drill.met ? 'met' : 'not met'}**.`, '');
  for (const s of r.stages) {
    out.push(`## Stage ${s.stage}: ${s.percent}% — ${md(s.outcome)}`, '');
    out.push(`- set: ${mdc(s.edit)}`, `- hold: ${s.hold ? `${md(s.hold)}, ${md(s.held)}` : 'none'}`);
    if (s.injected) out.push(`- injected: ${Object.entries(s.injected).map(([k, v]) => `\`${code(k)}\` = ${v}`).join(', ')}`);
    for (const c of s.checks) out.push(`- check **${c.outcome}** ${mdc(c.check)}: ${mdc(c.message)}`);
    for (const t of s.abortOn) out.push(`- abortOn \`${code(t.id)}\` **${md(t.state)}**: ${mdc(t.message)}`);
    for (const a of s.approvals) out.push(`- approval: ${md(a.role)} ${a.decision === 'approve' ? 'approved' : 'rejected'} (${md(a.by)}${a.name ? `: ${md(a.name)}` : ''})`);
    out.push('');
  }
  return out.join('\n');
}
