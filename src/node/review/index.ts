// The readiness review's reading of the world: the decision repository's
// records (readAuditLog of node/audit: the file log, or the workspace's log
// in PostgreSQL when an audit URL is set, src/node/audit/store.ts), every runbook of the workspace and every runbook a drill or
// rollback record names that still exists (its metadata.name, windows,
// drills.every, top-level waivers), and the action items of each runbook's
// post-mortems (src/node/runbook/postmortem.ts: confined, size-limited).
// The figures are computed by src/core/review (pure). A runbook that cannot
// be loaded is still reviewed from its records, with the reason as its note.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { REVIEW_CSS, reviewHtml } from '../../core/review/html';
import { parseActionItems } from '../../core/runbook/postmortem';
import { review, waiversOf, type ActionItemFact, type Review, type ReviewRecord, type RunbookFacts } from '../../core/review/review';
import { parseDuration } from '../../core/util/values';
import { readAuditLog, type AuditLog } from '../audit';
import { DocumentError, findDocuments, loadDocument } from '../documents';
import { postmortemDiagnostics } from '../runbook/postmortem';
import { toWorkspacePath } from '../workspace';

export interface ReviewOptions {
  workspace: string;
  /** Epoch ms: the calendar's now (ROLLBACK_LENS_NOW or the real clock). */
  now: number;
  /** Length of the period before now, in ms. */
  sinceMs: number;
}

export interface LoadedReview {
  review: Review;
  /** Lines of the log that are not well-formed records (they are left out of the figures). */
  problems: AuditLog['problems'];
  log: { file: string; exists: boolean; records: number };
}

const RUNBOOK_RE = /\.runbook\.ya?ml$/i;

function ms(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const d = parseDuration(v);
  return d.ok ? d.value : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** What the review needs of one runbook file. */
export async function runbookFacts(file: string, workspace: string, now: number): Promise<RunbookFacts> {
  const rel = toWorkspacePath(workspace, file);
  let value: Record<string, unknown>;
  try {
    value = (await loadDocument(file, 'RollbackRunbook', { workspace, allowErrors: true })).value;
  } catch (e) {
    if (e instanceof DocumentError) return { path: rel, problem: e.message };
    throw e;
  }
  const windows = obj(value.windows);
  const every = obj(value.drills).every;
  const everyMs = ms(every);
  const restoreMs = ms(windows.restore);
  const decideMs = ms(windows.decide);
  const name = obj(value.metadata).name;
  const actionItems: ActionItemFact[] = [];
  for (const pm of await postmortemDiagnostics(file, workspace, now)) {
    const shown = toWorkspacePath(workspace, pm.file);
    for (const i of parseActionItems(pm.text).items) actionItems.push({ action: i.action, owner: i.owner, due: i.due, status: i.status, file: shown });
  }
  const waivers = waiversOf(value.waivers);
  return {
    path: rel,
    ...(typeof name === 'string' ? { name } : {}),
    windows: { ...(restoreMs !== undefined ? { restoreMs } : {}), ...(decideMs !== undefined ? { decideMs } : {}) },
    ...(typeof every === 'string' && everyMs !== undefined ? { drillEvery: { text: every, ms: everyMs } } : {}),
    ...(waivers.length ? { waivers } : {}),
    ...(actionItems.length ? { actionItems } : {}),
  };
}

/** Reads the log and the runbooks and computes the review. */
export async function loadReview(o: ReviewOptions): Promise<LoadedReview> {
  const workspace = path.resolve(o.workspace);
  // the decision repository: the file or the database, whichever the audit URL names
  const log = await readAuditLog(workspace);
  const records: ReviewRecord[] = log.entries.map((e) => ({ line: e.line, record: e.record }));
  const files = new Set((await findDocuments([workspace], workspace)).files.filter((f) => RUNBOOK_RE.test(f)));
  for (const r of records) {
    if ((r.record.kind === 'drill' || r.record.kind === 'rollback') && typeof r.record.path === 'string') {
      const abs = path.resolve(workspace, r.record.path);
      if (toWorkspacePath(workspace, abs).startsWith('..')) continue;
      files.add(abs);
    }
  }
  const runbooks: RunbookFacts[] = [];
  for (const f of [...files].sort()) {
    const facts = await runbookFacts(f, workspace, o.now).catch((e: Error) => ({ path: toWorkspacePath(workspace, f), problem: e.message }));
    // a runbook only the log still names (the file is gone) is reviewed from its records
    if (facts.problem?.includes('ENOENT')) continue;
    runbooks.push(facts);
  }
  return {
    review: review({ records, runbooks, now: o.now, since: o.now - o.sinceMs }),
    problems: log.problems,
    log: { file: log.file, exists: log.exists, records: records.length },
  };
}

/** The review as one self-contained HTML file: no script, the inline stylesheet allowed by its SHA-256 alone. */
export function reviewFileHtml(r: Review, title: string): string {
  const hash = createHash('sha256').update(REVIEW_CSS, 'utf8').digest('base64');
  return reviewHtml(r, { title, styleSrc: `'sha256-${hash}'` });
}

/** The review as JSON: the figures, with the period's instants as ISO dates, and what the log held. */
export function reviewJson(l: LoadedReview, workspace: string): Record<string, unknown> {
  const { now, since, ...rest } = l.review;
  return { workspace, period: { since: new Date(since).toISOString(), now: new Date(now).toISOString() }, log: { records: l.log.records, exists: l.log.exists, problems: l.problems }, ...rest };
}
