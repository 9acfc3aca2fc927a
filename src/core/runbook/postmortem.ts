// After-action reviews (post-mortems): the Markdown written from one drill or
// rollback record of the audit log (renderPostmortem), and the check of a
// post-mortem's action items (checkPostmortem) that `validate` and the editor
// run. Pure: the record, the runbook's parsed value and "today" are given.
// Invariants: everything above "Root cause" is what the record says (and the
// runbook's windows and roles, as the runbook is now); a value the record
// does not hold is said to be not recorded, never guessed; the record is
// named by the SHA-256 of its audit line (`**Audit record**: \`sha256:…\``),
// which recordHashOf reads back. Action items are the first Markdown table
// under the `## Action items` heading, with the columns Action, Owner, Due and
// Status (any order, more allowed): an owner must be a declared role, a due
// date is YYYY-MM-DD, a status is open or done; an open item past its due day
// is overdue. A table that cannot be read is an error at its row (a span of
// the text), never an exception.
import type { Diagnostic, Span } from '../types';
import { asArray, asObject, asString } from '../util/object';
import { formatDate, formatDuration, parseDate, parseDuration } from '../util/values';
import { fidelityMarkdown, humanDuration, mdc } from './render';
import type { Fidelity } from './fidelity';
import { stepsOf } from './steps';

/** Days from the day a post-mortem is written to the due date of the action items it seeds. */
export const ACTION_DUE_DAYS = 14;
const DAY = 86_400_000;

/** The audit record a post-mortem is written from: a `drill` or `rollback` record (src/node/contract/records.ts) and where it is in the log. */
export interface PostmortemRecord {
  /** SHA-256 of the record's line (`sha256:<hex>`): the next record's `prev`. */
  hash: string;
  /** 1-based line in the audit log. */
  line: number;
  record: Record<string, unknown>;
}

export interface PostmortemContext {
  /** The runbook as shown (workspace-relative). */
  runbook: string;
  /** A relative link from the post-mortem's folder to the runbook. */
  runbookLink: string;
  /** The audit log, workspace-relative. */
  auditLog: string;
  /** The runbook's parsed value, as it is now. */
  value: Record<string, unknown>;
  /** Today (the calendar), epoch ms: when the review is written and from when its action items are due. */
  today: number;
}

/** `2026-12-04-drill-latency-spike.md`: the record's day (UTC), its kind and scenario. */
export function postmortemFileName(r: PostmortemRecord): string {
  const day = String(r.record.time ?? '').slice(0, 10) || 'undated';
  const scenario = asString(r.record.scenario);
  const slug = scenario ? `-${scenario.replace(/[^A-Za-z0-9._-]+/g, '-')}` : '';
  return `${day}-${String(r.record.kind)}${slug}.md`;
}

/** The hash of the audit record a post-mortem was written from, as its `**Audit record**` line names it. */
export function recordHashOf(text: string): string | undefined {
  return /^- \*\*Audit record\*\*: `(sha256:[0-9a-f]{64})`/m.exec(text)?.[1];
}

/** Text for a Markdown table cell: no column break, no HTML, one line. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

/** An id or value as a code span (its backticks cannot close it). */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

function ms(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function durationOf(v: unknown): number | undefined {
  const s = asString(v);
  if (!s) return undefined;
  const p = parseDuration(s);
  return p.ok ? p.value : undefined;
}

interface Expectation {
  what: string;
  limitMs: number;
  actualMs: number;
  met: boolean;
  notReached?: string;
}

const PHASE_ROWS: Array<{ phase: string; timing: string; window?: string; expect?: string }> = [
  { phase: 'detect', timing: 'detectMs', window: 'detect', expect: 'detectWithin' },
  { phase: 'decide', timing: 'decideMs', window: 'decide', expect: 'decideWithin' },
  { phase: 'execute', timing: 'executeMs' },
  { phase: 'verify', timing: 'verifyMs', expect: 'verifyWithin' },
  { phase: 'restore (execute + verify)', timing: 'restoreMs', window: 'restore', expect: 'restoreWithin' },
];

/** The roles a seeded action item is owned by when nothing closer is known: the first sign-off role, else the decision-maker, else the first role. */
function defaultOwner(value: Record<string, unknown>, roles: string[]): string {
  const signOff = asArray(asObject(value.closure).signOff).map(String);
  return signOff.find((r) => roles.includes(r)) ?? (roles.includes('decisionMaker') ? 'decisionMaker' : (roles[0] ?? 'decisionMaker'));
}

/** The Markdown after-action review of one drill or rollback record. */
export function renderPostmortem(r: PostmortemRecord, ctx: PostmortemContext): string {
  const rec = r.record;
  const kind = String(rec.kind);
  const scenario = asString(rec.scenario);
  const value = ctx.value;
  const roles = Object.keys(asObject(value.roles));
  const owner = defaultOwner(value, roles);
  const timings = asObject(rec.timings);
  const windows = asObject(value.windows);
  const findings = asObject(rec.findings);
  const reason = asString(findings.reason);
  const release = asObject(value.release);
  const current = asObject(release.current);
  const target = asObject(release.target);
  const due = formatDate(ctx.today + ACTION_DUE_DAYS * DAY);
  const actions: Array<{ action: string; owner: string }> = [];
  const out: string[] = [];

  const title = kind === 'drill' ? `drill ${code(scenario ?? '?')}` : kind;
  out.push(`# After-action review: ${title} of ${ctx.runbook}`, '');
  out.push(`- **Runbook**: [${ctx.runbook}](${encodeURI(ctx.runbookLink)})`);
  if (current.version !== undefined || target.version !== undefined) {
    out.push(`- **Release**: ${cell(`${String(current.model ?? target.model ?? '?')} ${String(current.version ?? '?')} → ${String(target.version ?? '?')}`)}`);
  }
  out.push(`- **Audit record**: ${code(r.hash)} (line ${r.line} of ${ctx.auditLog})`);
  const commit = asString(rec.commit);
  out.push(`- **When**: ${cell(String(rec.time))}, by ${cell(String(rec.user))}${commit ? ` at commit ${code(commit.slice(0, 12))}` : ''}`);
  const outcome = asString(rec.outcome);
  out.push(`- **Verdict**: ${cell(String(rec.verdict).toUpperCase())}${outcome ? `, ${cell(outcome)}` : ''}`);
  if (reason) out.push(`- **What happened**: ${cell(reason)}`);
  if (asString(rec.forced)) out.push(`- **Forced**: ${cell(asString(rec.forced)!)}`);
  const approvals = asArray(rec.approvals).map(asObject);
  if (approvals.length) out.push(`- **Approvals**: ${approvals.map((a) => cell(`${String(a.role ?? '?')} (${String(a.by ?? '?')}${a.name ? `: ${String(a.name)}` : ''})`)).join(', ')}`);
  out.push('', `_Written by \`rollback-lens postmortem\` on ${formatDate(ctx.today)}. The sections up to "Root cause" are what the audit record says; windows and roles are the runbook's as it is now. Root cause, human factors and action items are yours to complete._`, '');

  // ---- timeline
  out.push('## Timeline', '');
  const recorded = Array.isArray(rec.expectations) ? (rec.expectations as unknown[]).map(asObject) : undefined;
  const scenarioExpect = asObject(asArray(asObject(value.drills).scenarios).map(asObject).find((s) => s.id === scenario)?.expect);
  const expectationOf = (what: string): Expectation | undefined => {
    if (recorded) {
      const e = recorded.find((x) => x.what === what);
      return e ? { what, limitMs: ms(e.limitMs) ?? 0, actualMs: ms(e.actualMs) ?? 0, met: e.met === true, ...(asString(e.notReached) ? { notReached: asString(e.notReached)! } : {}) } : undefined;
    }
    // a record without its expectations: the scenario's, judged on the record's timings
    const limit = durationOf(scenarioExpect[what]);
    const row = PHASE_ROWS.find((p) => p.expect === what)!;
    const actual = ms(timings[row.timing]);
    return limit !== undefined && actual !== undefined ? { what, limitMs: limit, actualMs: actual, met: actual <= limit } : undefined;
  };
  if (!Object.keys(timings).length) out.push('The record holds no phase timings.', '');
  else {
    out.push('| Phase | Took | Window | Scenario expects |', '| --- | --- | --- | --- |');
    for (const p of PHASE_ROWS) {
      const took = ms(timings[p.timing]);
      const w = p.window ? durationOf(windows[p.window]) : undefined;
      let windowCell = '—';
      if (w !== undefined && took !== undefined) {
        windowCell = took <= w ? `${formatDuration(w)}: within` : `${formatDuration(w)}: **exceeded** by ${humanDuration(took - w)}`;
        if (took > w) actions.push({ action: `Bring ${p.phase} within windows.${p.window} ${formatDuration(w)} (took ${humanDuration(took)})`, owner });
      } else if (w !== undefined) windowCell = `${formatDuration(w)}: not timed`;
      const e = p.expect ? expectationOf(p.expect) : undefined;
      let expectCell = '—';
      if (e) {
        expectCell = e.notReached ? `${p.expect} ${formatDuration(e.limitMs)}: **not measured** (${cell(e.notReached)})` : `${p.expect} ${formatDuration(e.limitMs)}: ${e.met ? 'met' : '**not met**'}`;
        if (!e.met) actions.push({ action: e.notReached ? `Make the scenario reach ${p.phase} (${e.notReached})` : `Meet ${p.expect} ${formatDuration(e.limitMs)} (took ${humanDuration(e.actualMs)})`, owner });
      }
      out.push(`| ${p.phase} | ${took !== undefined ? humanDuration(took) : 'not recorded'} | ${windowCell} | ${expectCell} |`);
    }
    out.push('');
  }

  // ---- triggers
  out.push('## Triggers that fired', '');
  if (!Array.isArray(rec.triggers)) out.push('Not recorded: the record does not list its triggers (it was written before Rollback Lens kept them).');
  else {
    const fired = (rec.triggers as unknown[]).map(asObject);
    if (!fired.length) out.push('None fired, so the rollback would not have started.');
    for (const t of fired) {
      const v = t.value !== undefined ? `${cell(String(t.metric ?? '?'))} = ${cell(String(t.value))}` : `${cell(String(t.metric ?? '?'))}: no value recorded`;
      out.push(`- ${code(String(t.id))}: ${v}${asString(t.message) ? ` — ${code(asString(t.message)!)}` : ''}`);
    }
  }
  out.push('');

  // ---- steps
  out.push('## Steps', '');
  const steps = asObject(rec.steps);
  const declared = stepsOf(value);
  const raws = asArray(value.steps).map(asObject);
  const ownerOf = (id: string) => asString(raws.find((s) => s.id === id)?.owner);
  const ids = [...Object.keys(steps), ...declared.map((s) => s.id).filter((id) => id && !(id in steps))];
  if (!ids.length) out.push('The record holds no steps, and the runbook declares none.');
  else {
    out.push('| Step | Kind | Owner | Outcome | Took | Undo |', '| --- | --- | --- | --- | --- | --- |');
    for (const id of ids) {
      const s = id in steps ? asObject(steps[id]) : undefined;
      const k = declared.find((d) => d.id === id)?.kind ?? '?';
      const took = s ? ms(s.durationMs) : undefined;
      const o = s ? String(s.outcome) : 'not reached';
      out.push(`| ${code(id)} | ${k} | ${ownerOf(id) ? cell(ownerOf(id)!) : '—'} | ${cell(o)} | ${took !== undefined ? humanDuration(took) : '—'} | ${s && asString(s.undo) ? cell(asString(s.undo)!) : '—'} |`);
      const injected = reason?.includes(`step \`${id}\` failed (injected`) || reason?.includes(`step \`${id}\` hung past`);
      if (o === 'failed' && !injected) actions.push({ action: `Find and fix why step \`${id}\` failed`, owner: ownerOf(id) && roles.includes(ownerOf(id)!) ? ownerOf(id)! : owner });
      if (s && s.undo === 'undo-failed') actions.push({ action: `Find and fix why the undo of step \`${id}\` failed`, owner: ownerOf(id) && roles.includes(ownerOf(id)!) ? ownerOf(id)! : owner });
    }
  }
  out.push('');

  // ---- fidelity and verification
  out.push('## Fidelity', '');
  const fidelity = findings.fidelity;
  if (isFidelity(fidelity)) {
    out.push(...fidelityMarkdown(fidelity));
    for (const e of fidelity.expectations ?? []) out.push(`- ${e.met ? 'met' : '**not met**'}: ${mdc(e.message)}`);
  } else out.push('Not measured: the record holds no fidelity findings.');
  out.push('', '## Verification', '');
  // the runbook's verify steps (those with a `verify:` block) the run reached, with what each said
  const said = rec.stepMessages && typeof rec.stepMessages === 'object' ? asObject(rec.stepMessages) : undefined;
  const verify = raws.filter((s) => s.verify !== undefined && asString(s.id) !== undefined && asString(s.id)! in steps).map((s) => asString(s.id)!);
  if (!said) out.push('Not recorded: the record does not hold what its steps said.');
  else if (!verify.length) out.push('No verify step ran: nothing compared the outputs with the baseline.');
  for (const id of said ? verify : []) out.push(`- ${code(id)}: ${cell(String(asObject(steps[id]).outcome))}${asString(said![id]) ? ` — ${cell(asString(said![id])!)}` : ''}`);
  out.push('');

  // ---- what people fill in
  out.push('## Root cause', '');
  out.push(`What the record says: ${reason ? cell(reason) : `the ${kind} ended ${cell(outcome ?? String(rec.verdict))}`}.`, '');
  out.push(`_Why was the rollback needed${kind === 'drill' ? ' (for a drill: what would cause this scenario in production)' : ''}, and why did it take the time it took? Ask "why" until you reach something you can change, and write it here._`, '');
  out.push('## Human factors', '');
  out.push('_This review is blameless: it asks how the system, the runbook and the signals shaped what people did, not who was at fault._', '');
  const decide = ms(timings.decideMs);
  out.push(
    '- What did the people on call see first, and what told them to act (an alert, a dashboard, a message)?',
    '- Where did the runbook help, and where did someone have to improvise, wait or look something up?',
    `- The decision took ${decide !== undefined ? humanDuration(decide) : 'an unrecorded time'}${durationOf(windows.decide) !== undefined ? ` against a window of ${formatDuration(durationOf(windows.decide)!)}` : ''}: what made it quick or slow?`,
    `- Was anyone unsure whose call it was, or whom to tell?${roles.length ? ` (roles: ${roles.map(cell).join(', ')})` : ''}`,
    '- What surprised anyone?',
    '',
  );
  out.push('## Action items', '');
  out.push(
    `_Owner: a role of the runbook${roles.length ? ` (${roles.map(cell).join(', ')})` : ''}. Due: YYYY-MM-DD. Status: open or done. \`rollback-lens validate\` warns about open items past their due date._`,
    '',
  );
  if (!actions.length) actions.push({ action: `Review this ${kind} with the team: keep, change or add action items`, owner });
  out.push('| Action | Owner | Due | Status |', '| --- | --- | --- | --- |');
  for (const a of actions) out.push(`| ${cell(a.action)} | ${cell(a.owner)} | ${due} | open |`);
  return out.join('\n') + '\n';
}

// ---- action items -------------------------------------------------------------------

export interface ActionItem {
  action: string;
  owner: string;
  due: string;
  status: string;
  /** Spans of the row and of its cells, in the post-mortem's text. */
  row: Span;
  cells: { action: Span; owner: Span; due: Span; status: Span };
}

const COLUMNS = ['action', 'owner', 'due', 'status'] as const;

/** The cells of a table row `| a | b |` with their spans (trimmed); an escaped `\|` stays in its cell. */
function rowCells(line: string, at: number): Array<{ text: string; span: Span }> {
  const cells: Array<{ text: string; span: Span }> = [];
  let i = line.indexOf('|');
  let start = i + 1;
  for (i = start; i <= line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '|' || i === line.length) {
      const raw = line.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      const text = raw.trim();
      // the text after the last pipe is a cell only when it holds something
      if (c === '|' || text) cells.push({ text, span: { start: at + start + lead, end: at + start + lead + text.length } });
      start = i + 1;
    }
  }
  return cells;
}

function unescapeCell(text: string): string {
  return text.replace(/\\([\\|])/g, '$1').replace(/^`([^`]*)`$/, '$1');
}

/** The action items of a post-mortem, and why its table cannot be read (errors at their place). */
export function parseActionItems(text: string): { items: ActionItem[]; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const bad = (span: Span, message: string): false => {
    problems.push({ span, severity: 'error', code: 'postmortem-table-malformed', message });
    return false;
  };
  const lines: Array<{ text: string; start: number }> = [];
  for (let at = 0; at <= text.length; ) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    lines.push({ text: text.slice(at, end).replace(/\r$/, ''), start: at });
    if (nl < 0) break;
    at = nl + 1;
  }
  const heading = lines.findIndex((l) => /^#{1,6}\s+action items\s*#*\s*$/i.test(l.text));
  if (heading < 0) {
    bad({ start: 0, end: lines[0]?.text.length ?? 0 }, 'no `## Action items` section: a post-mortem lists its action items in a table under that heading (| Action | Owner | Due | Status |)');
    return { items: [], problems };
  }
  const h = lines[heading]!;
  const headingSpan = { start: h.start, end: h.start + h.text.length };
  let first = -1;
  for (let i = heading + 1; i < lines.length && !/^#{1,6}\s/.test(lines[i]!.text); i++) {
    if (lines[i]!.text.trimStart().startsWith('|')) {
      first = i;
      break;
    }
  }
  if (first < 0) {
    bad(headingSpan, 'the Action items section has no table: add one with the columns | Action | Owner | Due | Status |');
    return { items: [], problems };
  }
  const header = lines[first]!;
  const names = rowCells(header.text, header.start);
  const column: Partial<Record<(typeof COLUMNS)[number], number>> = {};
  names.forEach((c, i) => {
    const n = c.text.toLowerCase() as (typeof COLUMNS)[number];
    if ((COLUMNS as readonly string[]).includes(n) && column[n] === undefined) column[n] = i;
  });
  const headerSpan = { start: header.start, end: header.start + header.text.length };
  const missing = COLUMNS.filter((c) => column[c] === undefined);
  if (missing.length) {
    bad(headerSpan, `the action items table has no ${missing.map((m) => m[0]!.toUpperCase() + m.slice(1)).join(', ')} column: its header must name Action, Owner, Due and Status`);
    return { items: [], problems };
  }
  const sep = lines[first + 1];
  const sepCells = sep && sep.text.trimStart().startsWith('|') ? rowCells(sep.text, sep.start) : [];
  if (!sep || sepCells.length !== names.length || !sepCells.every((c) => /^:?-+:?$/.test(c.text))) {
    bad(sep && sep.text.trimStart().startsWith('|') ? { start: sep.start, end: sep.start + sep.text.length } : headerSpan, `the action items table needs a delimiter row of ${names.length} cells (| --- | --- | … |) right after its header`);
    return { items: [], problems };
  }
  const items: ActionItem[] = [];
  for (let i = first + 2; i < lines.length && lines[i]!.text.trimStart().startsWith('|'); i++) {
    const l = lines[i]!;
    const row = { start: l.start, end: l.start + l.text.length };
    const cells = rowCells(l.text, l.start);
    if (cells.length !== names.length) {
      bad(row, `this action item has ${cells.length} cells, the table's header ${names.length}`);
      continue;
    }
    const get = (c: (typeof COLUMNS)[number]) => cells[column[c]!]!;
    const item: ActionItem = {
      action: unescapeCell(get('action').text),
      owner: unescapeCell(get('owner').text),
      due: unescapeCell(get('due').text),
      status: unescapeCell(get('status').text).toLowerCase(),
      row,
      cells: { action: get('action').span, owner: get('owner').span, due: get('due').span, status: get('status').span },
    };
    const spanOr = (s: Span) => (s.end > s.start ? s : row);
    let ok = true;
    if (!item.action) ok = bad(row, 'this action item has no action: say what is to be done');
    if (!item.owner) ok = bad(spanOr(item.cells.owner), 'this action item has no owner: name a role of the runbook');
    const d = parseDate(item.due);
    if (!d.ok) ok = bad(spanOr(item.cells.due), `due date \`${item.due}\`: ${d.error.message}`);
    if (item.status !== 'open' && item.status !== 'done') ok = bad(spanOr(item.cells.status), `status \`${item.status}\` must be open or done`);
    if (ok) items.push(item);
  }
  return { items, problems };
}

/**
 * The findings of a post-mortem's action items: its table's problems
 * (errors), an owner that is not a declared role and an open item past its
 * due day (`now`, epoch ms; warnings). `roles` are the runbook's.
 */
export function checkPostmortem(text: string, roles: readonly string[], now: number): Diagnostic[] {
  const { items, problems } = parseActionItems(text);
  const out = [...problems];
  const today = Math.floor(now / DAY) * DAY;
  for (const item of items) {
    if (!roles.includes(item.owner)) {
      out.push({
        span: item.cells.owner,
        severity: 'warning',
        code: 'postmortem-owner-unknown',
        message: `owner \`${item.owner}\` is not a role of the runbook${roles.length ? ` (roles: ${roles.join(', ')})` : ' (it declares none)'}`,
      });
    }
    const due = parseDate(item.due);
    if (item.status === 'open' && due.ok && due.value < today) {
      const days = Math.round((today - due.value) / DAY);
      out.push({
        span: item.cells.due,
        severity: 'warning',
        code: 'postmortem-action-overdue',
        message: `action item overdue: "${item.action}" was due on ${item.due} (${days} ${days === 1 ? 'day' : 'days'} ago) and is still open; owner ${item.owner}`,
      });
    }
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** A record's `findings.fidelity` as the drill wrote it (src/core/runbook/fidelity.ts); anything else is not a fidelity. */
function isFidelity(x: unknown): x is Fidelity {
  const f = asObject(x);
  return typeof f.measured === 'boolean' && typeof f.rowsCompared === 'number' && Array.isArray(f.tests);
}
