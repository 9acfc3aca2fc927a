// Shared shapes of the language service. Everything here works on UTF-16
// offsets into the document text; line/character positions are computed once,
// at the edge (CLI output, editor adapter), with a LineIndex.

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** Half-open range [start, end) of UTF-16 offsets. */
export interface Span {
  start: number;
  end: number;
}

export interface TextEdit extends Span {
  newText: string;
}

export interface RelatedInfo {
  span: Span;
  message: string;
}

export interface Diagnostic {
  span: Span;
  severity: Severity;
  /** Stable, documented code (see DIAGNOSTIC_CODES). */
  code: string;
  message: string;
  related?: RelatedInfo[];
  /** Edits that fix the problem when the fix is obvious. */
  fixes?: QuickFix[];
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The fix to apply when several diagnostics are fixed at once. */
  preferred?: boolean;
  /** A file the fix creates (the editor does it, confined to the workspace, never over an existing file). */
  create?: FileToCreate;
}

export interface FileToCreate {
  /** Workspace-relative posix path. */
  path: string;
  content: string;
  /** Made executable (a script). */
  executable?: boolean;
}

export type DocumentKind = 'RollbackRunbook' | 'InterfaceContract' | 'RollbackPolicy';

export type CompletionKind = 'property' | 'value' | 'enum' | 'reference' | 'snippet';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** Text inserted; may be a snippet when `snippet` is true. */
  insertText: string;
  snippet?: boolean;
  /** Range replaced by the insertion. */
  replace: Span;
  detail?: string;
  documentation?: string;
}

export interface HoverResult {
  span: Span;
  /** Markdown. */
  contents: string;
}

export type SymbolKind = 'document' | 'section' | 'step' | 'trigger' | 'test' | 'role' | 'scenario' | 'deprecation';

/** A contract's test as the editor's Test Explorer shows it (offsets; the adapter converts). */
export interface ContractTestOutline {
  id: string;
  description?: string;
  /** Has `inputs` and a `baseline`: the baseline can be recorded from the source. */
  recordable: boolean;
  /** The test's item in the `tests` sequence (absent when the tree has no node there). */
  span?: Span;
  /** Where a failure points: `''` the test's `id` key, `tolerance.<field>` and `drift.<field>` their keys. */
  locations: Record<string, Span>;
}

export interface DocumentSymbol {
  name: string;
  detail?: string;
  kind: SymbolKind;
  /** The whole item. */
  span: Span;
  /** The part to reveal (e.g. the id value). */
  selection: Span;
  children: DocumentSymbol[];
}
