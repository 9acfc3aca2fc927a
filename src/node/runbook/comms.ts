// A run's messages as they happen: the engine (drill.ts) calls start, update
// for each step result and close; this renders each `communication` entry that
// speaks on the event (src/core/runbook/comms.ts) and keeps it for the report.
// `every`: before each event the messages due in the run time so far are
// rendered (a drill's run time includes the scenario's simulated answer
// times, so a drill renders the `every` messages its elapsed run time covers);
// a run that sends also has a timer for the next one, so a long step does not
// delay it. The timer is unref'd and cleared at the close.
// Sending (`send`, the engine's sendMessages; a drill never sends and each
// message says `not sent: drill`): an entry whose `to.webhook` names a URL, or
// an environment variable holding it, gets a Slack-compatible POST of
// `{"text": ...}` (JSON, with Content-Length, a timeout). Sends go one at a
// time in the order the messages fired, in the background: a slow webhook
// never holds up a step; close() waits for them. A failure (an unset variable,
// not an http(s) URL, a non-2xx answer, no answer, no connection) is the
// message's `why`, located at the entry's `to` in the runbook
// (file:line:col), never a throw. A report never shows a URL's path (it may
// hold the token): a variable by its name, a literal URL by its origin.
import * as http from 'node:http';
import * as https from 'node:https';
import type { PNode, PathSegment } from '../../core/yaml';
import { locate } from '../../core/yaml';
import { LineIndex } from '../../core/util/text';
import { formatDuration } from '../../core/util/values';
import {
  commsEntries,
  entriesOn,
  everyDue,
  messageValues,
  nextDue,
  renderMessage,
  webhookLabel,
  type CommsEntry,
  type CommsEvent,
  type MessageState,
  type RenderedMessage,
  type WebhookRef,
} from '../../core/runbook/comms';
import type { DrillReport, DrillStep } from '../../core/runbook/report';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface CommsOptions {
  /** Post to the entries' webhooks (a drill does not). */
  send: boolean;
  /** The run's `{{phase}}`: `drill`, `rollback`. */
  phase: string;
  /** Run time now, in ms since the run's detect started. */
  clock: () => number;
  /** What the run knows so far: the triggers and the phase timings. */
  state: () => Pick<MessageState, 'triggers' | 'timings'>;
  /** The runbook's place, for located failures. */
  source: { rel: string; text: string; root: PNode | null | undefined };
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Posts `{"text": text}` to a webhook; resolves its status, rejects with what went wrong (naming the webhook by `label`, never its path). */
export function postWebhook(url: string, text: string, label: string, timeoutMs: number): Promise<number> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new Error(`${label} is not a URL`));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new Error(`${label} is not an http(s) URL`));
  const body = JSON.stringify({ text });
  return new Promise((resolve, reject) => {
    const lib = u.protocol === 'https:' ? https : http;
    const r = lib.request(
      u,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body, 'utf8')),
        },
        timeout: timeoutMs,
      },
      (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (answer.length < 200) answer += d;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(status);
          else reject(new Error(`${label} answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${answer.trim() ? `: ${answer.trim().slice(0, 200)}` : ''}`));
        });
        res.on('error', (e) => reject(new Error(`${label}: ${e.message}`)));
      },
    );
    r.on('timeout', () => r.destroy(new Error(`${label} gave no answer within ${formatDuration(timeoutMs)}`)));
    r.on('error', (e) => reject(e.message.startsWith(label) ? e : new Error(`${label}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    r.end(body);
  });
}

export class Communicator {
  private readonly entries: CommsEntry[];
  private readonly messages: RenderedMessage[] = [];
  private queue: Promise<void> = Promise.resolve();
  private startMs: number | undefined;
  /** Run time up to which `every` messages were rendered. */
  private everyUpTo = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly runbook: Record<string, unknown>,
    private readonly o: CommsOptions,
  ) {
    this.entries = commsEntries(runbook);
  }

  /** The run started: the triggers fired and the plan is set. */
  start(): void {
    if (this.startMs !== undefined || !this.entries.length) return;
    this.startMs = this.everyUpTo = this.o.clock();
    this.fire('start', this.startMs);
    this.arm();
  }

  /** A step's (or an undo's) result, in the phase it ran in. */
  update(step: DrillStep, phase?: string): void {
    if (this.startMs === undefined || this.closed) return;
    const now = this.o.clock();
    this.catchUp(now);
    this.fire('update', now, { ...step, ...(phase ? { phase } : {}) });
  }

  /** The run ended: the close messages, then every send finished; the messages in the order they fired. */
  async close(report: DrillReport): Promise<RenderedMessage[]> {
    if (this.startMs !== undefined && !this.closed) {
      const now = this.o.clock();
      this.catchUp(now);
      this.fire('close', now, undefined, report);
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.queue;
    return this.messages;
  }

  /**
   * A `notify` step's message to its audience, rendered by the step: kept with
   * the run's messages (event `notify`, no outcome: the step is still running) and, in a run that sends, posted to the audience's
   * webhook (its first `communication` entry) before the step ends. What the
   * step reports: where it went, or why it did not.
   */
  async notify(step: string, audience: string, text: string): Promise<string> {
    const entry = this.entries.find((e) => e.audience === audience);
    const m: RenderedMessage = {
      audience,
      owner: entry?.owner ?? '',
      event: 'notify',
      step,
      ...(entry?.channel ? { channel: entry.channel } : {}),
      atMs: this.o.clock(),
      text,
      sent: false,
      ...(entry?.webhook ? { to: webhookLabel(entry.webhook) } : {}),
    };
    this.messages.push(m);
    if (!this.o.send) {
      m.why = 'drill';
      return 'rendered, not sent (drill)';
    }
    if (!entry?.webhook) {
      m.why = 'no webhook under `to`';
      return `rendered, not sent: audience \`${audience}\` has no webhook under \`to\``;
    }
    this.send(entry, entry.webhook, m);
    await this.queue;
    return m.sent ? `sent to ${m.to} (HTTP ${m.status})` : `not sent: ${m.why}`;
  }

  private catchUp(now: number): void {
    for (const d of everyDue(this.entries, this.startMs!, this.everyUpTo, now)) this.emit(d.entry, 'every', d.atMs);
    this.everyUpTo = Math.max(this.everyUpTo, now);
  }

  /** A run that sends: a timer for the next `every`, so it goes out on time during a long step. */
  private arm(): void {
    if (!this.o.send || this.closed) return;
    const next = nextDue(this.entries, this.startMs!, this.everyUpTo);
    if (next === undefined) return;
    this.timer = setTimeout(
      () => {
        if (this.closed) return;
        this.catchUp(Math.max(this.o.clock(), next));
        this.arm();
      },
      Math.max(0, next - this.o.clock()),
    );
    this.timer.unref();
  }

  private fire(event: 'start' | 'update' | 'close', atMs: number, step?: DrillStep & { phase?: string }, report?: DrillReport): void {
    for (const e of entriesOn(this.entries, event)) this.emit(e, event, atMs, step, report);
  }

  private emit(entry: CommsEntry, event: CommsEvent, atMs: number, step?: DrillStep & { phase?: string }, report?: DrillReport): void {
    const values = messageValues(this.runbook, {
      event,
      phase: this.o.phase,
      ...this.o.state(),
      elapsedMs: atMs,
      ...(step ? { step } : {}),
      ...(report ? { report } : {}),
    });
    const m: RenderedMessage = {
      audience: entry.audience,
      owner: entry.owner,
      event,
      ...(step ? { step: step.id, stepOutcome: step.outcome } : {}),
      ...(entry.channel ? { channel: entry.channel } : {}),
      atMs,
      text: renderMessage(entry, values),
      sent: false,
      ...(entry.webhook ? { to: webhookLabel(entry.webhook) } : {}),
    };
    this.messages.push(m);
    if (!this.o.send) m.why = 'drill';
    else if (!entry.webhook) m.why = 'no webhook under `to`';
    else this.send(entry, entry.webhook, m);
  }

  private send(entry: CommsEntry, w: WebhookRef, m: RenderedMessage): void {
    const label = webhookLabel(w);
    const toPath: PathSegment[] = ['communication', entry.index, 'to', 'webhook', ...('env' in w ? ['env'] : [])];
    const url = 'env' in w ? (this.o.env ?? process.env)[w.env] : w.url;
    this.queue = this.queue.then(async () => {
      if (!url) {
        m.why = `${this.where(toPath)}: environment variable ${'env' in w ? w.env : ''} is not set`;
        return;
      }
      try {
        m.status = await postWebhook(url, m.text, label, this.o.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
        m.sent = true;
      } catch (e) {
        m.why = `${this.where(toPath)}: ${(e as Error).message}`;
      }
    });
  }

  private where(path: PathSegment[]): string {
    const { rel, text, root } = this.o.source;
    const n = root ? locate(root, path).node : null;
    if (!n) return rel;
    const at = new LineIndex(text).positionAt(n.start);
    return `${rel}:${at.line + 1}:${at.character + 1}`;
  }
}
