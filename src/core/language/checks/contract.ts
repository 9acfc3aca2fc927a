// Semantic checks of an InterfaceContract: deprecation dates against the
// injected clock, deprecated output fields still used by tests, duplicate test
// ids, and the tolerance and drift fields of every test against the output
// schema (read through the host by the one schema loader, so a schema inside
// an OpenAPI document, `openapi.json#/components/schemas/X`, is looked into
// too, and every `$ref` is followed, into other files of the workspace as
// well: `common.schema.json#/$defs/x`, schemas/inline.ts; a schema that is
// missing or cannot be loaded is reported by the file
// and schema checks and checks nothing here). A field the schema does not describe is only flagged
// where the schema says so: an unknown property of a closed object is an
// error, of an open one a warning; no `type` means nothing is known.
import { schemaSource } from '../../contract/compat/load';
import { inlinedSchema, loadSchemaBundle } from '../../contract/schemas';
import { fieldPath, pathTokens } from '../../contract/path';
import { isObject } from '../../util/object';
import { suggest } from '../schemaErrors';
import { expand, type JsonSchema } from '../schemas';
import type { Diagnostic } from '../../types';
import { formatDate, parseDate } from '../../util/values';
import { asArray, asObject, asString, diag, keyAt, valueAt, type CheckContext } from './context';
import { plural } from '../../util/plural';

const DAY = 86_400_000;

export async function checkContract(ctx: CheckContext): Promise<Diagnostic[]> {
  return [...checkDeprecations(ctx), ...checkTestIds(ctx), ...(await checkTestFields(ctx)), ...(await checkOutputFields(ctx))];
}

/** The names of `output.fields` against the output schema: the shaped output holds them (and the key), so the schema must have them. */
async function checkOutputFields(ctx: CheckContext): Promise<Diagnostic[]> {
  const fields = asObject(asObject(ctx.value.output).fields);
  if (!Object.keys(fields).length) return [];
  const schema = await outputSchema(ctx);
  if (!schema) return [];
  const where = schema.name === 'inline' ? 'the output schema' : `the output schema (\`${schema.name}\`)`;
  const out: Diagnostic[] = [];
  for (const name of Object.keys(fields)) {
    const w = walk(schema.root, schema.schema, [name]);
    if (!('unknown' in w)) continue;
    const span = keyAt(ctx, ['output', 'fields', name]);
    const guess = suggest(name, w.candidates);
    const mean = guess ? ` — did you mean \`${guess}\`?` : '';
    const message = w.closed
      ? `\`output.fields\` names \`${name}\`, which is not a field of ${where}: the shaped output would not validate${mean}`
      : `\`output.fields\` names \`${name}\`, which is not declared in ${where}${mean}`;
    out.push(diag(span, w.closed ? 'error' : 'warning', 'unknown-field', message, guess ? { fixes: [{ title: `Change to \`${guess}\``, edits: [{ ...span, newText: guess }], preferred: true }] } : {}));
  }
  return out;
}

/** The rules that compare numbers. */
const NUMERIC_RULES = { tolerance: ['abs', 'rel'], drift: ['psi', 'ks'] } as const;

/**
 * The output schema (`{ $ref: file }` read through the host, or inline), the
 * document its `#/...` refs resolve in (`root`: the file, or the whole OpenAPI
 * document a pointer leads into) and how to name it, or undefined.
 */
async function outputSchema(ctx: CheckContext): Promise<{ schema: JsonSchema; root: JsonSchema; name: string } | undefined> {
  // where the output schema is: the one reading compat and the contract-test run use too
  const src = schemaSource(ctx.value, 'output');
  if (!src) return undefined;
  if ('inline' in src) {
    if (!isObject(src.inline) || typeof src.inline.$ref === 'string') return undefined;
    // its refs to files are followed as a file's are; one that cannot be loaded leaves it as written
    const loaded = await loadSchemaBundle(src, ctx.documentPath, ctx.host);
    const schema = (loaded.ok ? inlinedSchema(loaded.bundle) : src.inline) as JsonSchema;
    return { schema, root: schema, name: 'inline' };
  }
  const loaded = await loadSchemaBundle({ ref: src.ref }, ctx.documentPath, ctx.host);
  if (!loaded.ok) return undefined; // reported by the file check or the schema check
  // every $ref followed, into other files of the workspace too (`common.schema.json#/$defs/x`)
  const schema = inlinedSchema(loaded.bundle);
  return isObject(schema) ? { schema: schema as JsonSchema, root: schema as JsonSchema, name: src.ref } : undefined;
}

type Walk =
  | { found: JsonSchema[] }
  | { unknown: number; candidates: string[]; closed: boolean }
  | { open: true };

/** Follows a field path through the schema `start` (its refs resolved in `root`): the schemas at its end, the first segment the schema rules out, or open (nothing known). */
function walk(root: JsonSchema, start: JsonSchema, segments: string[]): Walk {
  let current = expand(root, start);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next: JsonSchema[] = [];
    let open = false;
    const names = new Set<string>();
    let closed = false;
    let objects = false;
    for (const s of current) {
      if (/^\d+$/.test(seg) && s.items) {
        const item = Array.isArray(s.items) ? s.items[Number(seg)] : s.items;
        if (item) next.push(item);
        else open = true;
        continue;
      }
      const p = s.properties?.[seg];
      if (p) {
        next.push(p);
        continue;
      }
      if (s.patternProperties && Object.keys(s.patternProperties).length) open = true;
      if (s.additionalProperties && typeof s.additionalProperties === 'object') next.push(s.additionalProperties);
      if (s.properties) {
        objects = true;
        for (const n of Object.keys(s.properties)) names.add(n);
        // 2019-09 / 2020-12 close an object with unevaluatedProperties: false as well
        if (s.additionalProperties === false || s.unevaluatedProperties === false) closed = true;
      } else if (!s.additionalProperties && s.additionalProperties !== false) open = open || !s.items;
    }
    if (next.length === 0) {
      if (open || !objects) return { open: true };
      return { unknown: i, candidates: [...names], closed };
    }
    current = next.flatMap((s) => expand(root, s));
  }
  return { found: current };
}

/** The JSON types the schemas allow (empty: not known). */
function typesOf(schemas: JsonSchema[]): Set<string> {
  const out = new Set<string>();
  for (const s of schemas) for (const t of typeof s.type === 'string' ? [s.type] : (s.type ?? [])) out.add(t);
  return out;
}

const A_TYPE: Record<string, string> = { string: 'a string', boolean: 'a boolean', object: 'an object', array: 'an array', null: 'null' };

function checkTestFields(ctx: CheckContext): Promise<Diagnostic[]> {
  const tests = asArray(ctx.value.tests);
  const used = tests.some((t) => Object.keys(asObject(asObject(t).tolerance)).length || Object.keys(asObject(asObject(t).drift)).length);
  if (!used) return Promise.resolve([]);
  return outputSchema(ctx).then((out) => (out ? fieldDiagnostics(ctx, out.root, out.schema, out.name) : []));
}

function fieldDiagnostics(ctx: CheckContext, root: JsonSchema, start: JsonSchema, schemaName: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const where = schemaName === 'inline' ? 'the output schema' : `the output schema (\`${schemaName}\`)`;
  asArray(ctx.value.tests).forEach((t, ti) => {
    for (const section of ['tolerance', 'drift'] as const) {
      for (const [field, rule] of Object.entries(asObject(asObject(t)[section]))) {
        const span = keyAt(ctx, ['tests', ti, section, field]);
        const segments = fieldPath(field);
        const w = walk(root, start, segments);
        if ('unknown' in w) {
          const tokens = pathTokens(field);
          const token = tokens[w.unknown];
          const guess = token ? suggest(token.segment, w.candidates) : undefined;
          const fixed = token && guess ? field.slice(0, token.start) + guess + field.slice(token.end) : undefined;
          const parent = token && w.unknown > 0 ? field.slice(0, tokens[w.unknown - 1]!.end + (field[tokens[w.unknown - 1]!.end] === ']' ? 1 : 0)) : undefined;
          const detail = parent ? `: \`${parent}\` has no property \`${token!.segment}\`` : '';
          const mean = fixed ? ` — did you mean \`${fixed}\`?` : '';
          const message = w.closed
            ? `\`${field}\` is not a field of ${where}${detail}, so no row can be compared${mean}`
            : `\`${field}\` is not declared in ${where}${detail}${mean}`;
          out.push(
            diag(span, w.closed ? 'error' : 'warning', 'unknown-field', message, fixed ? { fixes: [{ title: `Change to \`${fixed}\``, edits: [{ ...span, newText: fixed }], preferred: true }] } : {}),
          );
          continue;
        }
        if (!('found' in w)) continue;
        const types = typesOf(w.found);
        if (types.size === 0 || types.has('number') || types.has('integer')) continue;
        const numericArray = types.has('array') && typesOf(w.found.flatMap((s) => (s.items && !Array.isArray(s.items) ? expand(root, s.items) : []))).has('number');
        for (const r of NUMERIC_RULES[section]) {
          if (asObject(rule)[r] === undefined) continue;
          if (numericArray && section === 'tolerance') continue; // element-wise
          const message = numericArray
            ? `\`${field}\` is an array of numbers in the output schema; \`${r}\` needs one number per row: address an element, e.g. \`${field}[0]\``
            : `\`${field}\` is ${[...types].map((x) => A_TYPE[x] ?? x).join(' or ')} in the output schema; \`${r}\` compares numbers`;
          out.push(diag(span, 'error', 'field-not-numeric', message));
        }
      }
    }
  });
  return out;
}

function checkDeprecations(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const now = ctx.host.now();
  const today = Math.floor(now / DAY) * DAY;
  asArray(ctx.value.deprecations).forEach((raw, i) => {
    const d = asObject(raw);
    const field = asString(d.field);
    const removeAfterText = asString(d.removeAfter);
    const sinceText = asString(d.since);
    if (!field || !removeAfterText) return;
    const removeAfter = parseDate(removeAfterText);
    if (!removeAfter.ok) return; // the schema check explains the date
    const since = sinceText ? parseDate(sinceText) : undefined;
    if (since && !since.ok) return; // the date syntax check explains it
    if (since && since.ok && since.value > removeAfter.value) {
      out.push(diag(valueAt(ctx, ['deprecations', i, 'removeAfter']), 'error', 'deprecation-dates', `removeAfter ${removeAfterText} is before since ${sinceText}`));
      return;
    }
    const replacement = asString(d.replacement);
    const instead = replacement ? `; use \`${replacement}\` instead` : '';
    let severity: 'error' | 'warning' | undefined;
    let message = '';
    let code = '';
    if (today > removeAfter.value) {
      severity = 'error';
      code = 'deprecation-expired';
      const days = Math.round((today - removeAfter.value) / DAY);
      message = `\`${field}\` was to be removed after ${removeAfterText} (${plural(days, 'day')} ago)${instead}`;
    } else if (!since || !since.ok || today >= since.value) {
      severity = 'warning';
      code = 'deprecation-window';
      message = `\`${field}\` is deprecated${sinceText ? ` since ${sinceText}` : ''} and will be removed after ${removeAfterText}${instead}`;
    }
    if (!severity) return;
    out.push(diag(valueAt(ctx, ['deprecations', i, 'field']), severity, code, message));
    // tests still comparing the deprecated output field
    const outputField = field.startsWith('output.') ? field.slice('output.'.length) : undefined;
    if (!outputField) return;
    asArray(ctx.value.tests).forEach((t, ti) => {
      for (const section of ['tolerance', 'drift'] as const) {
        if (Object.prototype.hasOwnProperty.call(asObject(asObject(t)[section]), outputField)) {
          out.push(
            diag(keyAt(ctx, ['tests', ti, section, outputField]), severity, code, `test uses deprecated field \`${field}\` (removal after ${formatDate(removeAfter.value)})${instead}`),
          );
        }
      }
    });
  });
  return out;
}

function checkTestIds(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = new Map<string, number>();
  asArray(ctx.value.tests).forEach((raw, i) => {
    const id = asString(asObject(raw).id);
    if (!id) return;
    const prev = first.get(id);
    if (prev === undefined) {
      first.set(id, i);
      return;
    }
    out.push(
      diag(valueAt(ctx, ['tests', i, 'id']), 'error', 'duplicate-test-id', `test id \`${id}\` is already used by test ${prev + 1}`, {
        related: [{ span: valueAt(ctx, ['tests', prev, 'id']), message: `first use of \`${id}\`` }],
      }),
    );
  });
  return out;
}
