// ajv errors -> located diagnostics a person understands: each error on the
// exact node (the key for unknown properties, the parent key for missing
// ones, the value otherwise), oneOf/anyOf noise collapsed into one message,
// the format's own syntaxes explained by their parsers, duplicates removed.
// Every message names the property (or list item) it is about and, where ajv
// knows them, the allowed values; data records get the same words by path.
import type { ErrorObject } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import { propertiesAt, resolveRef, type JsonSchema } from './schemas';
import type { Diagnostic, Span } from '../types';
import { deref, locate, parsePointer, pointerToPath, type PNode, type PathSegment } from '../yaml';

export interface SchemaErrorContext {
  text: string;
  root: PNode | null;
  schema: JsonSchema;
  /** Properties reported by semantic checks instead (e.g. `undo`, which has a quick fix there). */
  requiredHandledElsewhere: ReadonlySet<string>;
}

/** Definitions whose values a parser checks instead of the schema's pattern. */
export const SYNTAX_DEFINITIONS = ['duration', 'comparison', 'date', 'outputPath'];

export function schemaDiagnostics(errors: readonly ErrorObject[], ctx: SchemaErrorContext): Diagnostic[] {
  const collapsed = collapseCombinators(errors, ctx);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const d of collapsed) {
    const key = `${d.span.start}:${d.span.end}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

function collapseCombinators(errors: readonly ErrorObject[], ctx: SchemaErrorContext): Diagnostic[] {
  // Branch errors of a oneOf/anyOf live under its schemaPath; handle them with their parent.
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const branchOf = (e: ErrorObject): ErrorObject | undefined => combinators.find((c) => c !== e && isBranchError(c, e, ctx.schema));
  const out: Diagnostic[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue; // the `then` errors say what is wrong
    if (branchOf(e)) continue;
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      out.push(...combinatorDiagnostic(e, errors.filter((b) => b !== e && isBranchError(e, b, ctx.schema)), ctx));
      continue;
    }
    const d = single(e, ctx);
    if (d) out.push(d);
  }
  return out;
}

/**
 * Whether `e` was raised inside one of the alternatives of the oneOf/anyOf
 * error `c`: under its schema path, or (for an alternative that is a $ref,
 * whose errors carry the definition's own path) under that definition.
 */
function isBranchError(c: ErrorObject, e: ErrorObject, root: JsonSchema): boolean {
  if (!e.instancePath.startsWith(c.instancePath)) return false;
  if (e.instancePath.length > c.instancePath.length && e.instancePath[c.instancePath.length] !== '/') return false;
  if (e.schemaPath.startsWith(c.schemaPath + '/')) return true;
  const alternatives = Array.isArray(c.schema) ? (c.schema as JsonSchema[]) : [];
  return alternatives.some((a) => refsOf(a, root).some((ref) => e.schemaPath.startsWith(ref + '/')));
}

/** The `#/definitions/...` refs an alternative stands for (directly or through allOf), transitively. */
function refsOf(s: JsonSchema, root: JsonSchema, seen = new Set<string>()): string[] {
  const out: string[] = [];
  const visit = (x: JsonSchema): void => {
    if (x.$ref && !seen.has(x.$ref)) {
      seen.add(x.$ref);
      out.push(x.$ref);
      visit(resolveRef(root, { $ref: x.$ref }));
    }
    for (const sub of x.allOf ?? []) visit(sub);
  };
  visit(s);
  return out;
}

function combinatorDiagnostic(e: ErrorObject, branches: ErrorObject[], ctx: SchemaErrorContext): Diagnostic[] {
  const path = pointerToPath(ctx.root, e.instancePath);
  const passing = (e.params as { passingSchemas?: number[] | null }).passingSchemas;
  const alternatives = Array.isArray(e.schema) ? (e.schema as JsonSchema[]).map((a) => resolveRef(ctx.schema, a)) : [];
  // "Exactly one of these keys" pattern: every branch is just `required: [k]`.
  const requiredKeys = alternatives.map(requiredOnlyKey);
  if (requiredKeys.length > 0 && requiredKeys.every((k) => k !== null)) {
    const keys = requiredKeys as string[];
    if (Array.isArray(passing) && passing.length > 1) {
      // in document order: the squiggle goes on the key that came second
      const present = passing
        .map((i) => keys[i]!)
        .sort((a, b) => (locate(ctx.root, [...path, a]).pair?.start ?? 0) - (locate(ctx.root, [...path, b]).pair?.start ?? 0));
      const second = locate(ctx.root, [...path, present[1]!]);
      return [
        {
          span: second.pair ? keySpan(second.pair.key) : valueSpan(ctx, path),
          severity: 'error',
          code: 'schema-exclusive',
          message: `${list(present)} cannot be used together here; keep exactly one of ${list(keys)}`,
        },
      ];
    }
    return [
      {
        span: parentKeySpan(ctx, path),
        severity: 'error',
        code: 'schema-required',
        message: `missing one of ${list(keys)}`,
      },
    ];
  }
  if (Array.isArray(passing) && passing.length > 1) {
    return [{ span: valueSpan(ctx, path), severity: 'error', code: 'schema-invalid', message: `${where(path)}matches more than one of the allowed forms` }];
  }
  // Pick the branch that got furthest: deepest error path, then fewest errors.
  const byBranch = new Map<string, ErrorObject[]>();
  for (const b of branches) {
    const idx = b.schemaPath.slice(e.schemaPath.length + 1).split('/')[0]!;
    (byBranch.get(idx) ?? byBranch.set(idx, []).get(idx)!).push(b);
  }
  const ranked = [...byBranch.values()].map((errs) => ({
    errs,
    depth: Math.max(...errs.map((x) => x.instancePath.length)),
    typeOnly: errs.every((x) => x.keyword === 'type' && x.instancePath === e.instancePath),
  }));
  if (ranked.length === 0 || ranked.every((r) => r.typeOnly)) {
    const types = new Set<string>();
    for (const r of ranked) for (const x of r.errs) for (const t of String((x.params as { type?: string }).type ?? '').split(',')) if (t) types.add(t);
    const found = jsonType(valueAtPath(ctx.root, path));
    return [
      {
        span: valueSpan(ctx, path),
        severity: 'error',
        code: 'schema-type',
        message: types.size ? `${where(path)}expected ${orList([...types].map(article))}, found ${article(found)}` : `${where(path)}does not match any of the allowed forms`,
      },
    ];
  }
  const candidates = ranked.filter((r) => !r.typeOnly);
  candidates.sort((a, b) => b.depth - a.depth || a.errs.length - b.errs.length);
  return collapseCombinators(candidates[0]!.errs, ctx);
}

/** The key of a branch that only says "this key is present" (`{required: [k]}`, optionally `properties: {k: true}`). */
export function requiredOnlyKey(a: JsonSchema | undefined): string | null {
  if (!a || a.required?.length !== 1) return null;
  const extra = Object.keys(a).filter((k) => k !== 'required' && k !== 'properties' && k !== 'description');
  if (extra.length) return null;
  if (a.properties && !Object.values(a.properties).every((v) => (v as unknown) === true)) return null;
  return a.required[0]!;
}

function single(e: ErrorObject, ctx: SchemaErrorContext): Diagnostic | undefined {
  const path = pointerToPath(ctx.root, e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const loc = locate(ctx.root, [...path, name]);
      const span = loc.alias ? aliasSpan(loc.alias) : loc.pair ? keySpan(loc.pair.key) : valueSpan(ctx, path);
      // `$schema` is accepted at the top level, but is not what an unknown key was meant to be
      const allowed = propertiesAt(ctx.schema, path)
        .map((p) => p.name)
        .filter((n) => n !== '$schema');
      const suggestion = suggest(name, allowed);
      if (suggestion) {
        return {
          span,
          severity: 'error',
          code: 'schema-unknown-property',
          message: `unknown property \`${name}\` — did you mean \`${suggestion}\`?`,
          fixes: loc.alias ? [] : [{ title: `Change \`${name}\` to \`${suggestion}\``, edits: [{ ...span, newText: suggestion }], preferred: true }],
        };
      }
      return {
        span,
        severity: 'error',
        code: 'schema-unknown-property',
        message: `unknown property \`${name}\`${allowed.length ? `; expected ${orList(allowed.slice(0, 12).map(code))}${allowed.length > 12 ? ', …' : ''}` : ''}`,
      };
    }
    case 'required': {
      const name = String(params.missingProperty);
      if (ctx.requiredHandledElsewhere.has(name)) return undefined;
      return { span: parentKeySpan(ctx, path), severity: 'error', code: 'schema-required', message: `missing required property \`${name}\`` };
    }
    case 'type': {
      const found = jsonType(valueAtPath(ctx.root, path));
      const want = String(params.type).split(',');
      return { span: valueSpan(ctx, path), severity: 'error', code: 'schema-type', message: `${where(path)}expected ${orList(want.map(article))}, found ${article(found)}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const value = valueAtPath(ctx.root, path);
      const span = valueSpan(ctx, path);
      const suggestion = typeof value === 'string' ? suggest(value, allowed.filter((a): a is string => typeof a === 'string')) : undefined;
      return {
        span,
        severity: 'error',
        code: 'schema-enum',
        message: `${where(path)}${show(value)} is not one of ${orList(allowed.map(show))}${suggestion ? ` — did you mean \`${suggestion}\`?` : ''}`,
        ...(suggestion ? { fixes: [{ title: `Change to \`${suggestion}\``, edits: [{ ...span, newText: suggestion }], preferred: true }] } : {}),
      };
    }
    case 'const': {
      const value = valueAtPath(ctx.root, path);
      const span = valueSpan(ctx, path);
      const want = String(params.allowedValue);
      return {
        span,
        severity: 'error',
        code: 'schema-enum',
        message: `${where(path)}${show(value)} must be \`${want}\``,
        fixes: [{ title: `Change to \`${want}\``, edits: [{ ...span, newText: want }], preferred: true }],
      };
    }
    case 'pattern': {
      // durations, comparisons and dates are explained by their parsers (checks/syntax.ts)
      if (SYNTAX_DEFINITIONS.some((name) => ctx.schema.definitions?.[name] === e.parentSchema)) return undefined;
      if ((e as { propertyName?: string }).propertyName !== undefined) return undefined; // reported with its propertyNames error
      const value = valueAtPath(ctx.root, path);
      const hint = exampleHint(e.parentSchema);
      return { span: valueSpan(ctx, path), severity: 'error', code: 'schema-pattern', message: `${where(path)}${show(value)} does not match the expected form \`${String(params.pattern)}\`${hint ? ` (${hint})` : ''}` };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const loc = locate(ctx.root, [...path, name]);
      const names = resolveRef(ctx.schema, ((e.parentSchema as JsonSchema | undefined)?.propertyNames as JsonSchema | undefined) ?? {});
      const example = names.examples?.[0];
      return {
        span: loc.alias ? aliasSpan(loc.alias) : loc.pair ? keySpan(loc.pair.key) : valueSpan(ctx, path),
        severity: 'error',
        code: 'schema-pattern',
        message: `\`${name}\` is not a valid name here${names.pattern ? `: it must match \`${names.pattern}\`` : ''}${example !== undefined ? ` (e.g. ${show(example)})` : ''}`,
      };
    }
    case 'uniqueItems': {
      const { i, j } = params as { i: number; j: number };
      const dup = locate(ctx.root, [...path, i]);
      const item = valueAtPath(ctx.root, [...path, i]);
      return {
        span: dup.node ? trimSpan(ctx.text, dup.node) : valueSpan(ctx, path),
        severity: 'error',
        code: 'schema-duplicate-item',
        message: `${where(path)}${show(item)} is listed twice (items ${j + 1} and ${i + 1}); list each once`,
      };
    }
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
    case 'maxProperties': {
      const limit = Number(params.limit);
      const what = e.keyword.endsWith('Items') ? 'item' : e.keyword.endsWith('Length') ? 'character' : 'entry';
      const least = e.keyword.startsWith('min');
      const message =
        least && limit === 1
          ? `${prop(path)}must not be empty`
          : `${prop(path)}needs ${least ? 'at least' : 'at most'} ${limit} ${what}${limit === 1 ? '' : what === 'entry' ? 'ies' : 's'}`;
      return { span: valueSpan(ctx, path), severity: 'error', code: 'schema-size', message: message.replace(/entrys$/, 'entries') };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const bound = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' }[e.keyword];
      return {
        span: valueSpan(ctx, path),
        severity: 'error',
        code: 'schema-range',
        message: `${prop(path)}must be ${bound} ${String(params.limit)}, not ${show(valueAtPath(ctx.root, path))}`,
      };
    }
    case 'not': {
      const together = (e.schema as JsonSchema | undefined)?.required;
      if (together && together.length > 1) {
        const second = locate(ctx.root, [...path, together[1]!]);
        return {
          span: second.pair ? keySpan(second.pair.key) : parentKeySpan(ctx, path),
          severity: 'error',
          code: 'schema-exclusive',
          message: `${together.map((k) => `\`${k}\``).join(' and ')} cannot be used together; keep one`,
        };
      }
      return { span: valueSpan(ctx, path), severity: 'error', code: 'schema-invalid', message: `${prop(path)}is not allowed in this form` };
    }
    default: {
      return { span: valueSpan(ctx, path), severity: 'error', code: 'schema-invalid', message: `${where(path)}${otherMessage(e, valueAtPath(ctx.root, path))}` };
    }
  }
}

// ---- helpers -----------------------------------------------------------------

export function suggest(name: string, candidates: readonly string[]): string | undefined {
  if (!candidates.length) return undefined;
  let best = closest(name, candidates as string[]);
  // on a tie, a candidate the name is the start of (`of` → `off`, not `on`)
  const tied = candidates.filter((c) => distance(name, c) === distance(name, best));
  best = tied.find((c) => c.startsWith(name)) ?? best;
  const d = distance(name.toLowerCase(), best.toLowerCase());
  return d > 0 && d <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function prop(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  return last === undefined ? '' : typeof last === 'number' ? `item ${last + 1} ` : `\`${last}\` `;
}

/** What a message is about, as its prefix: "`timeout`: ", "item 2 of `on`: ", nothing at the top. */
function where(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  if (last === undefined) return '';
  if (typeof last === 'string') return `\`${last}\`: `;
  const parent = path[path.length - 2];
  return typeof parent === 'string' ? `item ${last + 1} of \`${parent}\`: ` : `item ${last + 1}: `;
}

/** ajv keywords without a case of their own, in words that name the limit (never ajv's "must NOT ..."). */
function otherMessage(e: ErrorObject, value: unknown): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}, not ${show(value)}`;
    case 'format':
      return `${show(value)} is not a valid ${String(params.format)}`;
    case 'false schema':
      return 'is not allowed here';
    case 'dependencies':
    case 'dependentRequired':
      return `\`${String(params.property)}\` needs \`${String(params.missingProperty)}\` too`;
    case 'unevaluatedProperties':
      return `unknown property \`${String(params.unevaluatedProperty)}\``;
    case 'contains':
      return 'has no item of the required form';
    default:
      return e.message ?? 'is invalid';
  }
}

/**
 * An ajv error on a data record (a contract test's input or output row) in
 * words that name the property by its path (`meta.seed`) and, where ajv knows
 * them, the allowed values: "unknown property `foo`", not "must NOT have
 * additional properties". `record` is the validated value (for what was found).
 */
export function recordErrorMessage(e: ErrorObject, record: unknown): string {
  const segments = parsePointer(e.instancePath);
  let value: unknown = record;
  for (const seg of segments) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
  const dotted = segments.reduce((acc, seg) => (/^\d+$/.test(seg) && acc ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
  const at = dotted ? `\`${dotted}\`: ` : '';
  const params = e.params as Record<string, unknown>;
  const recordType = (t: string): string => (t === 'object' ? 'an object' : article(t));
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}unknown property \`${String(params.additionalProperty)}\``;
    case 'required':
      return `${at}missing required property \`${String(params.missingProperty)}\``;
    case 'type':
      return `${at || 'the record: '}expected ${orList(String(params.type).split(',').map(recordType))}, found ${recordType(jsonType(value))}`;
    case 'enum':
      return `${at}${show(value)} is not one of ${orList(((params.allowedValues as unknown[]) ?? []).map(show))}`;
    case 'const':
      return `${at}${show(value)} must be ${show(params.allowedValue)}`;
    case 'pattern':
      return `${at}${show(value)} does not match the expected form \`${String(params.pattern)}\``;
    case 'uniqueItems': {
      const { i, j } = params as { i: number; j: number };
      // ajv's order of i and j depends on the item types: name them first to last
      return `${at}${show(Array.isArray(value) ? value[i] : undefined)} is listed twice (items ${Math.min(i, j) + 1} and ${Math.max(i, j) + 1})`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      // ajv says which comparison failed: draft-04's boolean `exclusiveMaximum: true` is a `maximum` error with `<`
      const byComparison: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'more than', '<': 'less than' };
      const bound = byComparison[String(params.comparison)] ?? { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' }[e.keyword];
      return `${at}must be ${bound} ${String(params.limit)}, not ${JSON.stringify(value)}`;
    }
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
    case 'maxProperties': {
      const what = e.keyword.endsWith('Items') ? 'items' : e.keyword.endsWith('Length') ? 'characters' : 'properties';
      return `${at}needs ${e.keyword.startsWith('min') ? 'at least' : 'at most'} ${String(params.limit)} ${what}`;
    }
    default:
      return `${at || 'the record: '}${otherMessage(e, value)}`;
  }
}

function exampleHint(parentSchema: unknown): string | undefined {
  const ex = (parentSchema as JsonSchema | undefined)?.examples?.[0];
  return ex !== undefined ? `e.g. ${show(ex)}` : undefined;
}

export function keySpan(key: PNode): Span {
  return { start: key.start, end: key.end };
}

function aliasSpan(a: PNode): Span {
  return { start: a.start, end: a.end };
}

/** The span of the value at `path`; a missing value points at its key. */
export function valueSpan(ctx: { root: PNode | null; text: string }, path: readonly PathSegment[]): Span {
  const loc = locate(ctx.root, path);
  if (loc.alias) return aliasSpan(loc.alias);
  // an empty value (`key:`) has no text of its own: point at its key
  const empty = loc.node?.type === 'scalar' && loc.node.value === null && loc.node.start === loc.node.end;
  if (loc.node && !(empty && loc.pair)) return trimSpan(ctx.text, loc.node);
  if (loc.pair) return keySpan(loc.pair.key);
  return loc.deepest ? trimSpan(ctx.text, { start: loc.deepest.start, end: loc.deepest.start }) : { start: 0, end: 0 };
}

/** The key whose value is the object at `path` (the root: its first key). */
export function parentKeySpan(ctx: { root: PNode | null; text: string }, path: readonly PathSegment[]): Span {
  for (let i = path.length; i > 0; i--) {
    const loc = locate(ctx.root, path.slice(0, i));
    if (loc.alias) return aliasSpan(loc.alias);
    if (typeof path[i - 1] === 'string' && loc.pair) return keySpan(loc.pair.key);
    if (typeof path[i - 1] === 'number' && loc.node) {
      const n = deref(loc.node)!;
      // a sequence item that is a map: point at its first key (e.g. `id`)
      if (n.type === 'map' && n.pairs[0]) return keySpan(n.pairs[0].key);
      return trimSpan(ctx.text, n);
    }
  }
  const r = deref(ctx.root);
  if (r && r.type === 'map' && r.pairs[0]) return keySpan(r.pairs[0].key);
  return { start: 0, end: Math.min(ctx.text.length, Math.max(0, ctx.text.indexOf('\n') === -1 ? ctx.text.length : ctx.text.indexOf('\n'))) };
}

export function trimSpan(text: string, s: Span): Span {
  let end = s.end;
  while (end > s.start && /\s/.test(text[end - 1]!)) end--;
  return { start: s.start, end };
}

export function valueAtPath(root: PNode | null, path: readonly PathSegment[]): unknown {
  const n = deref(locate(root, path).node);
  if (!n) return null;
  if (n.type === 'scalar') return n.value;
  return n.type === 'map' ? {} : [];
}

function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function article(t: string): string {
  switch (t) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'null':
      return 'nothing (null)';
    case 'integer':
      return 'an integer';
    default:
      return `a ${t}`;
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? `\`${v}\`` : `\`${JSON.stringify(v)}\``;
}

function code(s: string): string {
  return `\`${s}\``;
}

function list(keys: string[]): string {
  return keys.map(code).join(', ');
}

function orList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
