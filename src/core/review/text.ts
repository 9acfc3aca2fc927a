// The readiness review as words: the lines `rollback-lens review` prints and
// the HTML page and the webview show beside their charts. One phrase per
// figure, each with what it rests on ("4 of 5 runs", "n=3 restored runs");
// a figure with nothing under it says "no data", never 0%. Pure.
import { formatDate, humanDuration } from '../util/values';
import type { DurationFigure, FidelityFigure, Review, RunbookReview, Share } from './review';

const DAY = 86_400_000;

/** A share as a percentage: at most one decimal (`80%`, `66.7%`). */
export function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function successPhrase(s: Share | undefined, what = 'drills and rollbacks'): string {
  return s ? `${percent(s.value)} (${s.part} of ${s.of} ${what} passed)` : `no data (no judged ${what})`;
}

export function durationPhrase(f: DurationFigure, runs: string, windowName: string): string {
  const window = f.window !== undefined ? `; ${windowName} ${humanDuration(f.window)}` : `; no ${windowName}`;
  if (!f.n || f.median === undefined || f.p90 === undefined) return `no data (no ${runs})${window}`;
  const within = f.window !== undefined && f.withinWindow !== undefined ? `, ${f.withinWindow} of ${f.n} within it` : '';
  const trend = f.trend
    ? `; trend ${f.trend.direction} (median ${humanDuration(f.trend.earlier)} → ${humanDuration(f.trend.later)}, earlier vs later half)`
    : `; no trend (fewer than 4 ${runs})`;
  return `median ${humanDuration(f.median)}, p90 ${humanDuration(f.p90)} (n=${f.n} ${runs})${window}${within}${trend}`;
}

export function fidelityPhrase(f: FidelityFigure): string {
  if (!f.measured) return f.of ? `no data (fidelity measured in none of ${plural(f.of, 'judged run')})` : 'no data (no judged runs)';
  const parts: string[] = [];
  if (f.agreement) parts.push(`agreement ${percent(f.agreement.value)} (${f.agreement.part}/${f.agreement.of} rows agree)`);
  if (f.withinTolerance) parts.push(`within tolerance ${percent(f.withinTolerance.value)} (${f.withinTolerance.part}/${f.withinTolerance.of} rows, runs without labels)`);
  return `${parts.join('; ')}; measured in ${f.measured} of ${plural(f.of, 'judged run')}`;
}

export function drillPhrase(r: RunbookReview, now: number): string {
  const s = r.drillStatus;
  if (s.state === 'no-cadence') return 'no drill cadence (drills.every)';
  if (s.state === 'no-history') return `due every ${r.drillCadence}: no record of this runbook in the audit log`;
  const last = s.last !== undefined ? `last drill ${formatDate(s.last)}` : 'no drill recorded since the log first saw it';
  if (s.state === 'ok') return `due every ${r.drillCadence}: ${last}, next due by ${formatDate(s.due)} (in ${Math.ceil((s.due - now) / DAY)} days)`;
  return `OVERDUE: due every ${r.drillCadence}; ${last}, due ${formatDate(s.due)} (${plural(s.days, 'day')} ago)`;
}

export function runsPhrase(c: { n: number; pass: number; fail: number; cancelled: number }, one: string): string {
  if (!c.n) return `no ${one}s`;
  return `${plural(c.n, one)} (${c.pass} passed, ${c.fail} failed${c.cancelled ? `, ${c.cancelled} cancelled` : ''})`;
}

export function unsignedPhrase(u: { approvals: number; signOffs: number; of: number }): string {
  if (!u.of) return 'no approvals or sign-offs';
  return `${u.approvals + u.signOffs} of ${u.of} approvals and sign-offs unsigned (${plural(u.approvals, 'approval')}, ${plural(u.signOffs, 'sign-off')})`;
}

export function actionsPhrase(a: RunbookReview['actionItems']): string {
  if (!a.open.length && !a.done) return 'no post-mortem action items';
  return `${a.open.length} open${a.overdue.length ? ` (${a.overdue.length} overdue)` : ''}, ${a.done} done`;
}

/** The period as dates. */
export function periodPhrase(r: Review): string {
  return `${formatDate(r.since)} to ${formatDate(r.now)}`;
}

/** The review as the CLI prints it. */
export function reviewText(r: Review, title: string): string {
  const out: string[] = [`Readiness review of ${title}: ${periodPhrase(r)}`, ''];
  for (const b of r.runbooks) {
    out.push(`${b.path}${b.name ? ` (${b.name})` : ''}`);
    if (b.problem) out.push(`  note: ${b.problem}`);
    out.push(`  runs: ${runsPhrase(b.drills, 'drill')}; ${runsPhrase(b.rollbacks, 'rollback')}`);
    out.push(`  success rate: ${successPhrase(b.successRate)}`);
    out.push(`  time to restore: ${durationPhrase(b.restore, 'restored runs', 'windows.restore')}`);
    out.push(`  time to decide: ${durationPhrase(b.decide, 'judged runs', 'windows.decide')}`);
    out.push(`  fidelity: ${fidelityPhrase(b.fidelity)}`);
    out.push(`  drills: ${drillPhrase(b, r.now)}`);
    out.push(`  post-mortem action items: ${actionsPhrase(b.actionItems)}`);
    for (const i of b.actionItems.overdue) out.push(`    overdue: ${i.action} (${i.owner}, due ${i.due}; ${i.file})`);
    out.push(`  signatures: ${unsignedPhrase(b.unsigned)}`);
    out.push(`  waivers: ${b.waivers.length ? b.waivers.map((w) => `${w.rule} (${w.reason})`).join('; ') : 'none'}`);
    out.push('');
  }
  if (!r.runbooks.length) out.push('no runbooks and no drills or rollbacks in the audit log', '');
  const a = r.across;
  out.push(`Across ${plural(a.runbooks, 'runbook')}:`);
  out.push(`  runs: ${plural(a.drills, 'drill')}, ${plural(a.rollbacks, 'rollback')}`);
  out.push(`  success rate: ${successPhrase(a.successRate)}`);
  out.push(`  time to restore: ${durationPhrase(a.restore, 'restored runs', 'common window')}`);
  out.push(`  time to decide: ${durationPhrase(a.decide, 'judged runs', 'common window')}`);
  out.push(`  fidelity: ${fidelityPhrase(a.fidelity)}`);
  out.push(`  overdue drills: ${a.overdueDrills.length ? a.overdueDrills.join(', ') : 'none'}`);
  out.push(`  post-mortem action items: ${a.openActionItems} open, ${a.overdueActionItems} overdue`);
  out.push(`  signatures: ${unsignedPhrase(a.unsigned)}`);
  out.push(`  waivers: ${a.waivers}`);
  out.push('', r.attention.length ? `Needs attention:\n${r.attention.map((x) => `  ${x}`).join('\n')}` : 'Nothing needs attention.');
  return out.join('\n') + '\n';
}
