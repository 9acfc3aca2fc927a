// The language-service worker's API (carried by rpc.ts). Offsets only: the
// adapter converts to positions with its own document model. A request whose
// document text the worker lacks fails with data `{ missingText: true }`, and
// the client sends it again with the text.
import type { CompletionItem, ContractTestOutline, Diagnostic, DocumentSymbol, HoverResult, QuickFix, Span } from '../../core/types';

export interface DocRef {
  uri: string;
  version: number;
  /** Workspace root folder (absolute) the document belongs to. */
  root: string;
  /** Workspace-relative posix path. */
  path: string;
  /** Omitted when the worker already has this version. */
  text?: string;
}

export interface Requests {
  validate: { params: { doc: DocRef }; result: Diagnostic[] };
  complete: { params: { doc: DocRef; offset: number }; result: CompletionItem[] };
  hover: { params: { doc: DocRef; offset: number }; result: HoverResult | null };
  symbols: { params: { doc: DocRef }; result: DocumentSymbol[] };
  /** The contract's tests for the Test Explorer (null: not a parsed contract). */
  contractTests: { params: { doc: DocRef }; result: ContractTestOutline[] | null };
  codeActions: { params: { doc: DocRef; span: Span }; result: Array<QuickFix & { diagnostic: Diagnostic }> };
  close: { params: { uri: string }; result: null };
  /**
   * auditUrl: the editor's rollbackLens.auditUrl ('' for none): where the drill history is read (src/node/audit/store.ts);
   * `policy`: the `rollbackLens.policy` setting ('' = the nearest *.policy.yaml).
   */
  configure: { params: { maxSize?: number; auditUrl?: string; policy?: string }; result: null };
  /** The files the semantic checks read changed: validate again from scratch. */
  invalidate: { params: Record<string, never>; result: null };
}

export type Method = keyof Requests;
