// The language service: one analysis per document version, reused by every
// request on that version. Pure: the host brings files, time and the audit
// log's last runs; completion and hover gather what they need of those first
// (facts.ts), then answer synchronously over the analysis.
import { analyze, semanticDiagnostics, DEFAULT_ANALYSIS_OPTIONS, type Analysis, type AnalysisOptions } from './analysis';
import { complete } from './completion';
import { contractTests } from './contractTests';
import { gatherFacts, type Facts } from './facts';
import type { LanguageHost } from './host';
import { hover } from './hover';
import { symbols } from './symbols';
import type { CompletionItem, ContractTestOutline, Diagnostic, DocumentSymbol, HoverResult, QuickFix, Span } from '../types';

export interface TextDocumentInput {
  /** Identity of the document (a URI in the editor, a path in the CLI). */
  uri: string;
  version: number;
  /** Workspace-relative posix path. */
  path: string;
  text: string;
}

interface Entry {
  version: number;
  analysis: Analysis;
  diagnostics?: Promise<Diagnostic[]>;
}

export class LanguageService {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly host: LanguageHost,
    private options: AnalysisOptions = DEFAULT_ANALYSIS_OPTIONS,
  ) {}

  configure(options: Partial<AnalysisOptions>): void {
    this.options = { ...this.options, ...options };
    this.cache.clear();
  }

  /**
   * Forgets every document's diagnostics (the analyses stay): the world the
   * semantic checks read changed (referenced files, the audit log's drills).
   */
  invalidate(): void {
    for (const e of this.cache.values()) delete e.diagnostics;
  }

  private entry(doc: TextDocumentInput): Entry {
    const e = this.cache.get(doc.uri);
    if (e && e.version === doc.version && e.analysis.input.text === doc.text) return e;
    const fresh: Entry = { version: doc.version, analysis: analyze({ path: doc.path, text: doc.text }, this.options) };
    this.cache.set(doc.uri, fresh);
    return fresh;
  }

  analysis(doc: TextDocumentInput): Analysis {
    return this.entry(doc).analysis;
  }

  /** All diagnostics, sorted by position; never throws. */
  validate(doc: TextDocumentInput): Promise<Diagnostic[]> {
    const e = this.entry(doc);
    e.diagnostics ??= (async () => {
      let semantic: Diagnostic[];
      try {
        semantic = await semanticDiagnostics(e.analysis, this.host);
      } catch (err) {
        semantic = [{ span: { start: 0, end: 0 }, severity: 'error', code: 'internal-error', message: `Rollback Lens could not finish its checks: ${(err as Error).message}` }];
      }
      return [...e.analysis.syntactic, ...semantic].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    })();
    return e.diagnostics;
  }

  /** Completion at `offset`, with what the workspace declares (facts.ts: the metrics source's names and values). */
  async complete(doc: TextDocumentInput, offset: number): Promise<CompletionItem[]> {
    const analysis = this.entry(doc).analysis;
    const facts = await this.facts(analysis);
    return guard(() => complete(analysis, offset, this.host, facts), []);
  }

  /** Hover at `offset`, with what references name in the workspace (current metric values, the last recorded runs). */
  async hover(doc: TextDocumentInput, offset: number): Promise<HoverResult | null> {
    const analysis = this.entry(doc).analysis;
    const facts = await this.facts(analysis);
    return guard(() => hover(analysis, offset, this.host, facts), null);
  }

  private async facts(analysis: Analysis): Promise<Facts> {
    try {
      return await gatherFacts(analysis, this.host);
    } catch {
      return {};
    }
  }

  symbols(doc: TextDocumentInput): DocumentSymbol[] {
    return guard(() => symbols(this.entry(doc).analysis), []);
  }

  /** A contract's tests for the Test Explorer; null when the document is no parsed contract. */
  contractTests(doc: TextDocumentInput): ContractTestOutline[] | null {
    return guard(() => contractTests(this.entry(doc).analysis), null);
  }

  /** Quick fixes of the diagnostics that touch `span`. */
  async codeActions(doc: TextDocumentInput, span: Span): Promise<Array<QuickFix & { diagnostic: Diagnostic }>> {
    const diagnostics = await this.validate(doc);
    const out: Array<QuickFix & { diagnostic: Diagnostic }> = [];
    for (const d of diagnostics) {
      if (d.span.end < span.start || d.span.start > span.end) continue;
      for (const f of d.fixes ?? []) out.push({ ...f, diagnostic: d });
    }
    return out;
  }

  close(uri: string): void {
    this.cache.delete(uri);
  }
}

function guard<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}
