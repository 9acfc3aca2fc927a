// One open diff view, host side: answers the webview's messages. The report
// goes out at once (summary, statistics, the offending sample: the first
// paint needs nothing else); the row index builds meanwhile, its progress
// goes out as it comes, and then pages of rows on request. The editor's
// panel (src/extension/diffView.ts), the browser tests and the benchmark all
// drive the webview through this class.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ContractReport, TestReport } from '../../core/contract/report';
import { asWebviewMessage, type HostMessage, type IndexState, type WebviewMessage } from '../../core/diff/protocol';
import { diffSpecOf, type DiffSpec } from '../../core/diff/rowCheck';
import { isWithin } from '../workspace';
import { KEPT_OUTPUTS_DIR } from './keptOutputs';
import type { IndexFiles } from './rowIndex';
import type { RowSource } from './rows';

/** `inputs`: the test's inputs file (absolute, inside the workspace), when the report names one that exists: a row's input is shown beside it. */
export type RowFiles = { spec: DiffSpec; files: IndexFiles; inputs?: string } | { reason: string };

/**
 * The baseline and current files of a report, resolved and confined to the
 * workspace: `contract.path` is relative to the workspace the run used, the
 * files are relative to the contract's folder. `roots` are candidate
 * workspaces (the editor's folders, the saved report's folder and its parents);
 * the first one holding the contract wins.
 */
export function resolveRowFiles(report: TestReport, roots: string[]): RowFiles {
  const spec = diffSpecOf(report);
  if (!spec) return { reason: report.counts.matched ? 'the report does not record how rows were joined (written by an older version): run the test again to see every row' : 'no rows were compared' };
  if (!report.files?.baseline) return { reason: 'the report names no baseline file' };
  if (!report.files.current) return { reason: 'the report names no file of current outputs' };
  for (const root of roots) {
    const contract = path.resolve(root, report.contract.path);
    if (!isWithin(root, contract) || !existsSync(contract)) continue;
    const dir = path.dirname(contract);
    const files = { baseline: path.resolve(dir, report.files.baseline), current: path.resolve(dir, report.files.current) };
    const kept = isWithin(path.join(root, KEPT_OUTPUTS_DIR), files.current);
    for (const [which, f] of Object.entries(files)) {
      if (!isWithin(root, f)) return { reason: `the ${which} file \`${report.files[which as 'baseline']}\` is outside the workspace` };
      if (which === 'current' && kept) {
        // outputs a run kept: only the report's own run's copy, never another run's
        const SAMPLE_ONLY = "only the report's own sample rows are shown";
        if (!report.runId || !report.files.currentDigest) {
          return { reason: `the report does not identify the outputs its run kept (written by an older version): run the test again to see every row; ${SAMPLE_ONLY}` };
        }
        if (!existsSync(f)) return { reason: `the outputs kept by this report's run (${report.runId}) are gone: a later run of \`${report.testId}\` replaced them; ${SAMPLE_ONLY}` };
        continue;
      }
      if (!existsSync(f)) return { reason: `the ${which} file \`${path.relative(root, f)}\` does not exist (any more)` };
    }
    const formats = report.files.formats ? { formats: report.files.formats } : {};
    const inputsFile = report.files.inputs ? path.resolve(dir, report.files.inputs) : undefined;
    const inputs = inputsFile && isWithin(root, inputsFile) && existsSync(inputsFile) ? { inputs: inputsFile } : {};
    return { spec, files: kept ? { ...files, ...formats, expect: { digest: report.files.currentDigest!, runId: report.runId! } } : { ...files, ...formats }, ...inputs };
  }
  return { reason: `cannot find the contract \`${report.contract.path}\` the report was made from` };
}

/** Candidate workspaces for a saved report: the given folders, then the report's folder and its parents. */
export function rootsFor(reportFile: string, folders: string[]): string[] {
  const out = [...folders];
  let d = path.dirname(path.resolve(reportFile));
  for (;;) {
    out.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

/** The test reports in a saved report file: a ContractReport (the CLI's `--format json`) or a single TestReport. */
export async function readReportFile(file: string): Promise<TestReport[]> {
  const text = await fs.readFile(file, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path.basename(file)} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  const o = data as Partial<ContractReport & TestReport>;
  if (o && typeof o === 'object' && Array.isArray(o.tests)) return o.tests.filter(isTestReport);
  if (isTestReport(o)) return [o];
  throw new Error(`${path.basename(file)} is not a Rollback Lens contract-test report (\`rollback-lens test --format json --out file\` writes one)`);
}

function isTestReport(t: unknown): t is TestReport {
  const o = t as Partial<TestReport>;
  return !!o && typeof o === 'object' && typeof o.testId === 'string' && typeof o.verdict === 'string' && !!o.counts && Array.isArray(o.rules) && Array.isArray(o.fields) && Array.isArray(o.offending) && !!o.contract;
}

export interface SessionOptions {
  report: TestReport;
  title: string;
  origin: string;
  canOpen: boolean;
  /** Pages of rows, or why there are none. */
  rows: RowSource | { reason: string };
  post: (m: HostMessage) => void | Thenable<boolean>;
  onIndexState?: (s: IndexState) => void;
}

type Thenable<T> = PromiseLike<T>;

/** Longest wait for the webview's first paint before the row index starts anyway. */
const START_INDEX_AFTER_MS = 1000;

export class DiffSession {
  private building: Promise<void> | undefined;
  private index: IndexState;
  private disposed = false;
  private startTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: SessionOptions) {
    this.index = 'reason' in o.rows ? { state: 'none', reason: o.rows.reason } : { state: 'building', progress: 0, rows: 0 };
  }

  get indexState(): IndexState {
    return this.index;
  }

  /** Starts the index (once); resolves when it is ready or failed. */
  startIndex(): Promise<void> {
    clearTimeout(this.startTimer);
    const rows = this.o.rows;
    if ('reason' in rows) return Promise.resolve();
    this.building ??= rows
      .build((p) => this.setIndex({ state: 'building', progress: p.progress, rows: p.rows }))
      .then(
        (r) => this.setIndex({ state: 'ready', rows: r.rows, outside: r.outside, ms: r.ms }),
        (e: Error) => this.setIndex({ state: 'error', message: e.message }),
      );
    return this.building;
  }

  private setIndex(s: IndexState): void {
    if (this.disposed) return;
    this.index = s;
    this.o.onIndexState?.(s);
    void this.o.post({ type: 'index', ...s });
  }

  /** Handles one message from the webview; returns it checked (the adapter acts on `open`). */
  async handle(raw: unknown): Promise<WebviewMessage | undefined> {
    const m = asWebviewMessage(raw);
    if (!m || this.disposed) return m;
    if (m.type === 'ready') {
      // a restored or re-shown webview asks again: send everything it needs
      void this.o.post({ type: 'init', report: this.o.report, title: this.o.title, origin: this.o.origin, canOpen: this.o.canOpen });
      void this.o.post({ type: 'index', ...this.index });
      // the index parses every line of both files: let the first paint have the CPU,
      // start once the webview has painted its first rows (or a second after it asked)
      this.startTimer ??= setTimeout(() => void this.startIndex(), START_INDEX_AFTER_MS);
    } else if (m.type === 'painted') {
      if (m.what === 'rows' || (m.what === 'summary' && this.o.report.offending.length === 0)) void this.startIndex();
    } else if (m.type === 'rows') {
      const rows = this.o.rows;
      if ('reason' in rows) return m;
      await this.startIndex();
      if (this.index.state !== 'ready') return m;
      try {
        const page = await rows.page(m.query, m.offset, m.count);
        void this.o.post({ type: 'rows', requestId: m.requestId, query: m.query, offset: m.offset, total: page.total, rows: page.rows });
      } catch (e) {
        void this.o.post({ type: 'error', message: (e as Error).message });
      }
    }
    return m;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.startTimer);
    if (!('reason' in this.o.rows)) await this.o.rows.dispose();
  }
}
