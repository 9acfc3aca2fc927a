// Core shapes (offsets) -> VS Code shapes (positions), once, at the edge.
import * as vscode from 'vscode';
import type { CompletionItem, Diagnostic, DocumentSymbol, Severity, Span, SymbolKind } from '../core/types';
import { LineIndex } from '../core/util/text';

/** What converting offsets needs of a document: an open one, or a text read from disk (textPositions). */
export type Positions = Pick<vscode.TextDocument, 'positionAt'>;

export function range(doc: Positions, span: Span): vscode.Range {
  return new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end));
}

/** Positions in a text that is not open in the editor (the same line and character rules as VS Code's). */
export function textPositions(text: string): Positions {
  const index = new LineIndex(text);
  return {
    positionAt: (o: number) => {
      const p = index.positionAt(o);
      return new vscode.Position(p.line, p.character);
    },
  };
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function diagnostic(doc: Positions & Pick<vscode.TextDocument, 'uri'>, d: Diagnostic): vscode.Diagnostic {
  const out = new vscode.Diagnostic(range(doc, d.span), d.message, SEVERITY[d.severity]);
  out.source = 'rollback-lens';
  out.code = d.code;
  if (d.related?.length) {
    out.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, range(doc, r.span)), r.message));
  }
  return out;
}

const COMPLETION_KIND: Record<CompletionItem['kind'], vscode.CompletionItemKind> = {
  property: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.Value,
  enum: vscode.CompletionItemKind.EnumMember,
  reference: vscode.CompletionItemKind.Reference,
  snippet: vscode.CompletionItemKind.Snippet,
};

export function completionItem(doc: vscode.TextDocument, c: CompletionItem): vscode.CompletionItem {
  const item = new vscode.CompletionItem(c.label, COMPLETION_KIND[c.kind]);
  item.insertText = c.snippet ? new vscode.SnippetString(c.insertText) : c.insertText;
  item.range = range(doc, c.replace);
  if (c.detail) item.detail = c.detail;
  if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
  if (c.insertText.endsWith(': ') || c.insertText.endsWith('\n')) {
    // after a key, offer its values straight away
    item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
  }
  return item;
}

const SYMBOL_KIND: Record<SymbolKind, vscode.SymbolKind> = {
  document: vscode.SymbolKind.File,
  section: vscode.SymbolKind.Namespace,
  step: vscode.SymbolKind.Function,
  trigger: vscode.SymbolKind.Event,
  test: vscode.SymbolKind.Method,
  role: vscode.SymbolKind.Constant,
  scenario: vscode.SymbolKind.Class,
  deprecation: vscode.SymbolKind.Field,
};

export function documentSymbol(doc: vscode.TextDocument, s: DocumentSymbol): vscode.DocumentSymbol {
  const full = range(doc, s.span);
  let sel = range(doc, s.selection);
  if (!full.contains(sel)) sel = new vscode.Range(full.start, full.start);
  const out = new vscode.DocumentSymbol(s.name, s.detail ?? '', SYMBOL_KIND[s.kind], full, sel);
  out.children = s.children.map((c) => documentSymbol(doc, c));
  return out;
}
