// The runbook's `communication` entries as messages: which entry speaks on
// which event, the values its `{{placeholders}}` are filled from, the `every`
// schedule, and the messages as text for the CLI and Markdown for the editor's
// report. Pure: src/node/runbook/comms.ts runs the schedule and posts webhooks.
// Events: `start` (the triggers fired and every step's setup was checked),
// `update` (each step's or undo's result: a phase's update is the update of
// its steps, `{{step.phase}}` names it and `{{timings.<phase>}}` its time so
// far), `close` (the run ended, with its verdict) and `every` (an entry's
// `every: 15m` while the run is open, due at start + k × every of run time).
// An entry without `on` fires on start, update and close (the schema's
// default); `every` fires whatever `on` says. A notify step's own message is
// listed with the run's messages as `notify <step>` (no run event: its
// template has only what every template has).
// What a template can name is one definition, messageShape(), shared by the
// renderer and the linter: the run's values (templateValues), `roles.<role>.*`,
// `triggers.fired` and `triggers.<id>.*`, `timings.*`, `event`, `verdict` and
// `outcome` (`open` until the close) and, only in an entry that fires on
// `update` alone, `step.*` — so a rendered message never has a hole.
import { humanDuration as humanMs, parseDuration } from '../util/values';
import { templateValues, renderTemplate } from './plan';
import type { DrillReport, DrillStep, RenderedMessage } from './report';

export type { RenderedMessage };

export type CommsEvent = RenderedMessage['event'];

/** Where an entry's messages are posted: a URL written in the runbook, or the name of an environment variable holding it. */
export type WebhookRef = { url: string } | { env: string };

export interface CommsEntry {
  /** Index under `communication`. */
  index: number;
  audience: string;
  owner: string;
  on: ReadonlySet<'start' | 'update' | 'close'>;
  everyMs?: number;
  channel?: string;
  template: string;
  webhook?: WebhookRef;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function durationMs(d: unknown): number | undefined {
  const p = typeof d === 'string' ? parseDuration(d) : undefined;
  return p?.ok && p.value > 0 ? p.value : undefined;
}

/** The webhook an entry's `to` names, if any. */
export function webhookOf(entry: Record<string, unknown>): WebhookRef | undefined {
  const w = obj(entry.to).webhook;
  if (typeof w === 'string' && w) return { url: w };
  const env = str(obj(w).env);
  return env ? { env } : undefined;
}

/** The usable entries of `communication` (an audience, an owner and a template), in document order. */
export function commsEntries(runbook: Record<string, unknown>): CommsEntry[] {
  const out: CommsEntry[] = [];
  (Array.isArray(runbook.communication) ? runbook.communication : []).forEach((raw, index) => {
    const c = obj(raw);
    const audience = str(c.audience);
    const template = str(c.template);
    if (!audience || template === undefined) return;
    type On = 'start' | 'update' | 'close';
    const on: On[] = Array.isArray(c.on) ? c.on.filter((e): e is On => e === 'start' || e === 'update' || e === 'close') : ['start', 'update', 'close'];
    const everyMs = durationMs(c.every);
    const webhook = webhookOf(c);
    out.push({
      index,
      audience,
      owner: str(c.owner) ?? '',
      on: new Set(on),
      template,
      ...(everyMs ? { everyMs } : {}),
      ...(str(c.channel) ? { channel: str(c.channel)! } : {}),
      ...(webhook ? { webhook } : {}),
    });
  });
  return out;
}

/** Whether `step.*` is filled in every message of the entry: it fires on `update` alone, with no `every`. */
export function stepKnown(entry: Record<string, unknown>): boolean {
  return Array.isArray(entry.on) && entry.on.length === 1 && entry.on[0] === 'update' && entry.every === undefined;
}

const TIMINGS = ['detect', 'decide', 'execute', 'verify', 'restore', 'elapsed'] as const;
const STEP_FIELDS = ['id', 'kind', 'phase', 'outcome', 'duration', 'message'] as const;
const TRIGGER_FIELDS = ['metric', 'value', 'fired', 'message'] as const;

/** The run as a message sees it when it fires. */
export interface MessageState {
  event: CommsEvent;
  /** `drill`, `rollback`: the run's `{{phase}}`. */
  phase: string;
  triggers: DrillReport['triggers'];
  timings: {
    detectMs: number;
    decideMs: number;
    executeMs: number;
    verifyMs: number;
  };
  elapsedMs: number;
  step?: DrillStep & { phase?: string };
  report?: Pick<DrillReport, 'verdict' | 'outcome'>;
}

function rolesOf(runbook: Record<string, unknown>): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(obj(runbook.roles)).map(([name, r]) => [
      name,
      Object.fromEntries(['name', 'contact', 'deputy', 'description'].flatMap((k) => (typeof obj(r)[k] === 'string' ? [[k, obj(r)[k] as string]] : []))),
    ]),
  );
}

/** A fired trigger in one line: `slow (p99_latency_ms = 400)`. */
export function firedText(t: DrillReport['triggers'][number]): string {
  return `${t.id}${t.value !== undefined ? ` (${t.metric} = ${t.value})` : ''}`;
}

/** What a message can be filled with before the run: the run's values and the roles (a dry-run leaves the rest as written). */
export function staticMessageValues(runbook: Record<string, unknown>, phase: string): Record<string, unknown> {
  return { ...templateValues(runbook, phase), roles: rolesOf(runbook) };
}

/** The values a message is filled from. */
export function messageValues(runbook: Record<string, unknown>, s: MessageState): Record<string, unknown> {
  const t = s.timings;
  const fired = s.triggers.filter((x) => x.fired);
  const triggers: Record<string, unknown> = {
    fired: fired.length ? fired.map(firedText).join(', ') : 'none',
  };
  for (const x of s.triggers)
    triggers[x.id] = {
      metric: x.metric,
      value: x.value !== undefined ? String(x.value) : 'unknown',
      fired: x.fired ? 'fired' : 'quiet',
      message: x.message,
    };
  const ms: Record<(typeof TIMINGS)[number], number> = {
    detect: t.detectMs,
    decide: t.decideMs,
    execute: t.executeMs,
    verify: t.verifyMs,
    restore: t.executeMs + t.verifyMs,
    elapsed: s.elapsedMs,
  };
  const verdict = s.report ? s.report.verdict.toUpperCase() : 'open';
  return {
    ...staticMessageValues(runbook, s.phase),
    triggers,
    timings: Object.fromEntries(TIMINGS.map((k) => [k, humanMs(ms[k])])),
    event: s.event,
    verdict,
    outcome: s.report ? s.report.outcome : 'open',
    ...(s.step
      ? {
          step: {
            id: s.step.id,
            kind: s.step.kind,
            phase: s.step.phase ?? 'execute',
            outcome: s.step.outcome,
            duration: humanMs(s.step.durationMs),
            message: s.step.message ?? '',
          },
        }
      : {}),
  };
}

/**
 * Every name a template of `communication[index]` can use, with stand-in
 * values: what the linter checks placeholders against. Trigger ids are the
 * declared ones (a trigger's value is known once the run detects).
 */
export function messageShape(runbook: Record<string, unknown>, index: number): Record<string, unknown> {
  const entry = obj((Array.isArray(runbook.communication) ? runbook.communication : [])[index]);
  const ids = (Array.isArray(runbook.triggers) ? runbook.triggers : []).map((x) => str(obj(x).id)).filter((x): x is string => !!x);
  const triggers = ids.map((id) => ({
    id,
    metric: '',
    value: 0,
    fired: true,
    message: '',
  }));
  const values = messageValues(runbook, {
    event: 'update',
    phase: 'validate',
    triggers,
    timings: { detectMs: 0, decideMs: 0, executeMs: 0, verifyMs: 0 },
    elapsedMs: 0,
  });
  return stepKnown(entry) ? { ...values, step: Object.fromEntries(STEP_FIELDS.map((k) => [k, ''])) } : values;
}

/** Why a name is not in messageShape(): the explanation the linter gives. */
export function shapeHint(entry: Record<string, unknown>, name: string): string {
  if (name === 'step' || name.startsWith('step.')) {
    if (stepKnown(entry)) return `(a step update can use ${STEP_FIELDS.map((f) => `\`step.${f}\``).join(', ')})`;
    const fires = [...(Array.isArray(entry.on) ? entry.on.map(String) : ['start', 'update', 'close']).filter((e) => e !== 'update'), ...(entry.every !== undefined ? ['every'] : [])];
    return `(\`step.*\` is filled only in step updates, and this entry also fires on ${fires.join(', ')}: give it \`on: [update]\` and no \`every\`)`;
  }
  if (name.startsWith('roles.')) return '(a role can give `roles.<role>.name`, `.contact`, `.deputy` and `.description`, as declared under `roles`)';
  if (name.startsWith('triggers.')) return `(\`triggers.fired\` lists the fired triggers; \`triggers.<id>\` gives ${TRIGGER_FIELDS.map((f) => `\`.${f}\``).join(', ')} of a declared trigger)`;
  if (name.startsWith('timings.')) return `(timings: ${TIMINGS.map((f) => `\`timings.${f}\``).join(', ')})`;
  return '(a message can use `metadata.*`, `current.*`, `target.*`, `phase`, `roles.*`, `triggers.*`, `timings.*`, `event`, `verdict` and `outcome`)';
}

/** Fills the entry's template; a name it cannot fill stays as written (the linter reports it). */
export function renderMessage(entry: CommsEntry, values: Record<string, unknown>): string {
  return renderTemplate(entry.template, values).text;
}

/** Which entries speak on an event, in document order. */
export function entriesOn(entries: readonly CommsEntry[], event: 'start' | 'update' | 'close'): CommsEntry[] {
  return entries.filter((e) => e.on.has(event));
}

/** The `every` messages due in the run time (fromMs, toMs] of a run that started at startMs: by time, then document order. */
export function everyDue(entries: readonly CommsEntry[], startMs: number, fromMs: number, toMs: number): Array<{ entry: CommsEntry; atMs: number }> {
  const out: Array<{ entry: CommsEntry; atMs: number }> = [];
  for (const entry of entries) {
    if (!entry.everyMs) continue;
    for (let k = Math.max(1, Math.floor((fromMs - startMs) / entry.everyMs) + 1); startMs + k * entry.everyMs <= toMs; k++) out.push({ entry, atMs: startMs + k * entry.everyMs });
  }
  return out.sort((a, b) => a.atMs - b.atMs || a.entry.index - b.entry.index);
}

/** The next `every` due after run time `afterMs` (for the timer of a run that sends), if any entry has `every`. */
export function nextDue(entries: readonly CommsEntry[], startMs: number, afterMs: number): number | undefined {
  const next = entries.filter((e) => e.everyMs).map((e) => startMs + (Math.floor((afterMs - startMs) / e.everyMs!) + 1) * e.everyMs!);
  return next.length ? Math.min(...next) : undefined;
}

/** How a webhook reference reads in a report: the variable's name, or the URL's origin (its path may hold a token). */
export function webhookLabel(w: WebhookRef): string {
  if ('env' in w) return `webhook $${w.env}`;
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(.*)$/i.exec(w.url);
  return `webhook ${m ? `${m[1]}${m[2] && m[2] !== '/' ? '/…' : ''}` : '(not a URL)'}`;
}

function delivery(m: RenderedMessage): string {
  if (m.sent) return `sent to ${m.to}${m.status !== undefined ? ` (${m.status})` : ''}`;
  // a drill says where a run would post it
  return `not sent: ${m.why ?? 'unknown'}${m.why === 'drill' && m.to ? ` (${m.to})` : ''}`;
}

/** ` repoint done` (an update: the step and its result), ` announce` (a notify step's own message), or nothing. */
function stepOf(m: RenderedMessage): string {
  return m.step ? ` ${m.step}${m.stepOutcome ? ` ${m.stepOutcome}` : ''}` : '';
}

function heading(m: RenderedMessage): string {
  return `${m.event}${stepOf(m)} → ${m.audience}${m.channel ? ` (${m.channel})` : ''} at ${humanMs(m.atMs)}`;
}

/** The messages in the CLI's report, one line each with their text on the next. */
export function messagesText(messages: readonly RenderedMessage[]): string[] {
  if (!messages.length) return [];
  const sent = messages.filter((m) => m.sent).length;
  return [`  messages: ${messages.length} rendered, ${sent} sent`, ...messages.flatMap((m) => [`    ${heading(m)}: ${delivery(m)}`, `      ${m.text.replace(/\s*\n\s*/g, ' ')}`])];
}

/** The messages as a Markdown section (`esc` escapes text, `code` makes code-span content safe). */
export function messagesMarkdown(messages: readonly RenderedMessage[], esc: (s: string) => string): string[] {
  if (!messages.length) return [];
  const sent = messages.filter((m) => m.sent).length;
  return [
    '## Messages',
    '',
    `${messages.length} rendered, ${sent} sent.`,
    '',
    ...messages.map(
      (m) =>
        `- **${esc(m.event)}**${stepOf(m) ? ` ${esc(stepOf(m).slice(1))}` : ''} to ${esc(m.audience)}${m.channel ? ` (${esc(m.channel)})` : ''} at ${esc(humanMs(m.atMs))}, ${esc(delivery(m))}: ${esc(m.text)}`,
    ),
    '',
  ];
}
