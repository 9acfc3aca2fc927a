// Every JSON Schema a document names is loaded and compiled by the one schema
// loader (src/core/contract/schemas), the one `test` and the dry-run use, so
// `validate` and `test` agree: a contract's input and output schemas (a file
// `$ref`, with an optional JSON Pointer, or written inline) and a runbook's
// state schemas (`state.targetReads`, `state.writes`). A schema that cannot be
// parsed or compiled, an unresolvable `$ref`, a `$ref` out of the workspace or
// to the network, an unknown dialect: one `invalid-schema` error at the
// reference (the `$ref` value; an inline schema's `schema` key) with the
// loader's message. The named file itself missing or outside the workspace is
// the file check's (files.ts), not reported twice. MLflow signatures are
// converted, not loaded, and are checked by `test`.
import { loadSchema, schemaProblem, type SchemaSource } from '../../contract/schemas';
import type { Diagnostic, Span } from '../../types';
import { asObject, asString, diag, keyAt, valueAt, type CheckContext } from './context';

interface Named {
  source: SchemaSource;
  span: Span;
  what: string;
  ref?: string;
}

export async function checkSchemas(ctx: CheckContext, kind: 'RollbackRunbook' | 'InterfaceContract'): Promise<Diagnostic[]> {
  const named: Named[] = [];
  if (kind === 'InterfaceContract') {
    for (const dir of ['input', 'output'] as const) {
      const schema = asObject(ctx.value[dir]).schema;
      if (schema === undefined || schema === null || typeof schema !== 'object' || Array.isArray(schema)) continue;
      const s = asObject(schema);
      if (s.mlflowSignature !== undefined) continue;
      const ref = asString(s.$ref);
      if (ref !== undefined && !ref.startsWith('#')) named.push({ source: { ref }, span: valueAt(ctx, [dir, 'schema', '$ref']), what: `the ${dir} schema`, ref });
      else named.push({ source: { inline: schema }, span: keyAt(ctx, [dir, 'schema']), what: `the ${dir} schema` });
    }
  } else {
    const state = asObject(ctx.value.state);
    for (const key of ['targetReads', 'writes'] as const) {
      const ref = asString(state[key]);
      if (ref !== undefined) named.push({ source: { ref }, span: valueAt(ctx, ['state', key]), what: 'state schema', ref });
    }
  }
  const out = await Promise.all(
    named.map(async (n): Promise<Diagnostic | undefined> => {
      const r = await loadSchema(n.source, ctx.documentPath, ctx.host);
      if (r.ok || r.root) return undefined; // the named file itself: the file check says it
      return diag(n.span, 'error', 'invalid-schema', schemaProblem(n.what, n.ref, r.message));
    }),
  );
  return out.filter((d): d is Diagnostic => d !== undefined);
}
