// The format's own scalar syntaxes, wherever the schema uses them: every
// duration, comparison and date is run through its one parser, so what the
// editor accepts is exactly what the engines accept, and an error points at
// the offending characters (`2027-13-01` underlines `13`). A contract's
// output `$`-paths (`output.fields`) are read the same way.
import type { JsonSchema } from '../schemas';
import { SYNTAX_DEFINITIONS, trimSpan, valueSpan } from '../schemaErrors';
import type { Diagnostic, Span } from '../../types';
import { parseOutputPath } from '../../contract/outputShape';
import { parseComparison, parseDate, parseDuration, type Parsed } from '../../util/values';
import type { PNode } from '../../yaml';
import { stringsOfDefinition } from './files';

const PARSERS: Record<string, (s: string) => Parsed<unknown>> = {
  duration: parseDuration,
  comparison: parseComparison,
  date: parseDate,
  outputPath: parseOutputPath,
};

/** How a syntax is named in its code (`invalid-output-path`) and message, where not by its definition's name. */
const NAMES: Record<string, string> = { outputPath: 'output path' };

export function checkSyntaxValues(ctx: { text: string; root: PNode | null; value: unknown }, schema: JsonSchema): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const what of SYNTAX_DEFINITIONS) {
    const parse = PARSERS[what]!;
    for (const { path, ref } of stringsOfDefinition(schema, ctx.value, what)) {
      const r = parse(ref);
      if (r.ok) continue;
      const span = trimSpan(ctx.text, valueSpan(ctx, path));
      out.push({
        span: innerSpan(ctx.text, span, ref, r.error.at, r.error.length),
        severity: 'error',
        code: `invalid-${(NAMES[what] ?? what).replace(/ /g, '-')}`,
        message: `invalid ${NAMES[what] ?? what} \`${ref}\`: ${r.error.message}`,
      });
    }
  }
  return out;
}

/** A sub-span inside a scalar's source for an error at `at` within its value. */
function innerSpan(text: string, span: Span, value: string, at: number, length: number): Span {
  const src = text.slice(span.start, span.end);
  const quoted = src.startsWith('"') || src.startsWith("'");
  const body = quoted ? src.slice(1, -1) : src;
  if (body !== value) return span; // escapes or folding: keep the whole value
  const start = span.start + (quoted ? 1 : 0) + Math.min(at, value.length);
  return { start, end: start + Math.max(0, Math.min(length, value.length - Math.min(at, value.length))) };
}
