// What every semantic check reads: the parsed document, where it lives, and the host.
import type { LanguageHost } from '../host';
import { keySpan, valueSpan } from '../schemaErrors';
import type { Diagnostic, Severity, Span } from '../../types';
import { deref, locate, type PNode, type PathSegment } from '../../yaml';

export interface CheckContext {
  text: string;
  root: PNode | null;
  value: Record<string, unknown>;
  /** Workspace-relative posix path of the document. */
  documentPath: string;
  host: LanguageHost;
}

export function valueAt(ctx: CheckContext, path: readonly PathSegment[]): Span {
  return valueSpan(ctx, path);
}

/** The key of the entry at `path` (falls back to the value, then the parent). */
export function keyAt(ctx: CheckContext, path: readonly PathSegment[]): Span {
  const loc = locate(ctx.root, path);
  if (loc.pair) return keySpan(loc.pair.key);
  return valueSpan(ctx, path);
}

export function nodeAtPath(ctx: CheckContext, path: readonly PathSegment[]): PNode | null {
  return deref(locate(ctx.root, path).node);
}

export function diag(span: Span, severity: Severity, code: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { span, severity, code, message, ...extra };
}

/** A "Change to `guess`" quick fix on `span`, keeping the value's quotes (`"off"` must stay a string); nothing without a guess. */
export function changeTo(text: string, span: Span, guess: string | undefined): Partial<Diagnostic> {
  if (!guess) return {};
  const q = text[span.start];
  const quoted = (q === '"' || q === "'") && text[span.end - 1] === q && span.end - span.start >= 2;
  const newText = quoted ? (q === '"' ? JSON.stringify(guess) : `'${guess.replace(/'/g, "''")}'`) : guess;
  return { fixes: [{ title: `Change to \`${guess}\``, edits: [{ ...span, newText }], preferred: true }] };
}

// the value guards every check uses, from the one place they live
export { asArray, asObject, asString } from '../../util/object';

/** Indentation (spaces) of the line containing `offset`. */
export function indentOfLine(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(lineStart));
  return m ? m[0] : '';
}

/** Offset of the end of the line containing `offset` (before the newline). */
export function endOfLine(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i === -1 ? text.length : i;
}
