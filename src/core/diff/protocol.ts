// The messages between the diff view's webview and its host (the extension,
// or the browser tests' and benchmark's stand-in host): a discriminated union
// on `type`, imported by both sides. Rows travel in pages; the webview never
// holds more than the pages around what it shows. Pure types and a guard.
import type { TestReport } from '../contract/report';

export type SortKey = 'score' | 'key' | 'line' | `delta:${string}` | `absdelta:${string}`;

/** Which rows, in which order. */
export interface RowQuery {
  sort: SortKey;
  /** true: descending. */
  desc: boolean;
  /** Only rows outside tolerance (in `field` when it is set). */
  outsideOnly: boolean;
  /** Only this field's columns; with outsideOnly, only rows outside in it. '' for every field. */
  field: string;
  /** Keys containing this text (case-insensitive); '' for all. */
  search: string;
}

export const DEFAULT_QUERY: RowQuery = { sort: 'score', desc: true, outsideOnly: false, field: '', search: '' };

/** One field of one row, as shown. */
export interface DiffCell {
  field: string;
  baseline: unknown;
  current: unknown;
  /** current − baseline (numeric fields). */
  delta?: number;
  /** Outside the field's tolerance. */
  outside: boolean;
  /** The rule ids it breaks. */
  rules?: string[];
}

export interface DiffRow {
  /** Position of the row in the current file's matched rows (stable id). */
  id: number;
  key: string;
  baselineLine: number;
  currentLine: number;
  /** How far outside (largest |Δ|/threshold), 0 inside. */
  score: number;
  cells: DiffCell[];
}

export type IndexState =
  | { state: 'none'; reason: string }
  | { state: 'building'; progress: number; rows: number }
  | { state: 'ready'; rows: number; outside: number; ms: number }
  | { state: 'error'; message: string };

/** Host → webview. */
export type HostMessage =
  | {
      type: 'init';
      report: TestReport;
      /** Shown in the title: the contract and the test. */
      title: string;
      /** Where the report came from (a run, or a saved file). */
      origin: string;
      /** Whether rows can be opened in an editor (false in the browser tests' host). */
      canOpen: boolean;
      /** Kept in the webview's state; the panel serializer reopens the report from it after a restart. */
      restore?: unknown;
    }
  | ({ type: 'index' } & IndexState)
  | { type: 'rows'; requestId: number; query: RowQuery; offset: number; total: number; rows: DiffRow[] }
  | { type: 'error'; message: string };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'rows'; requestId: number; query: RowQuery; offset: number; count: number }
  | { type: 'open'; key: string; baselineLine: number; currentLine: number }
  /** After the summary and the first rows are on screen (for the benchmark and tests). */
  | { type: 'painted'; what: 'summary' | 'rows' | 'index-rows'; rows: number };

/** The largest page a host serves. */
export const MAX_PAGE = 500;

const SORT = /^(score|key|line|(abs)?delta:.+)$/;

/** A webview message checked at the boundary: anything else is dropped. */
export function asWebviewMessage(m: unknown): WebviewMessage | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const o = m as Record<string, unknown>;
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  switch (o.type) {
    case 'ready':
      return { type: 'ready' };
    case 'rows': {
      const q = o.query as Record<string, unknown> | undefined;
      if (!int(o.requestId) || !int(o.offset) || !int(o.count) || !q || typeof q !== 'object') return undefined;
      if (typeof q.sort !== 'string' || !SORT.test(q.sort) || typeof q.desc !== 'boolean' || typeof q.outsideOnly !== 'boolean') return undefined;
      if (typeof q.field !== 'string' || typeof q.search !== 'string') return undefined;
      const query: RowQuery = { sort: q.sort as SortKey, desc: q.desc, outsideOnly: q.outsideOnly, field: q.field, search: q.search };
      return { type: 'rows', requestId: o.requestId as number, offset: o.offset as number, count: Math.min(o.count as number, MAX_PAGE), query };
    }
    case 'open':
      if (typeof o.key !== 'string' || !int(o.baselineLine) || !int(o.currentLine)) return undefined;
      return { type: 'open', key: o.key, baselineLine: o.baselineLine as number, currentLine: o.currentLine as number };
    case 'painted':
      if (o.what !== 'summary' && o.what !== 'rows' && o.what !== 'index-rows') return undefined;
      return { type: 'painted', what: o.what, rows: int(o.rows) ? (o.rows as number) : 0 };
    default:
      return undefined;
  }
}
