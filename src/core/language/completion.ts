// Completion from the schemas, the document and the workspace: keys valid at
// the cursor, enum values and examples, step ids inside `requires`, declared
// roles in every role position (`owner`, `approve`, `signOff`, `notify.to`,
// reintroduction `approve`), the metrics source's names (with their current
// values) for a trigger's or check's `metric`, and a snapshot's nested numbers
// for `metrics.paths`. Where the document or the workspace declares the names,
// the schema's examples are not offered. The cursor's place in the tree is
// found by parsing a copy of the text with a probe token at the cursor, so
// incomplete lines resolve the way the YAML parser itself sees them. After a
// trigger's `fromRule: file#`, the rule file's alert names (ruleInfo.ts).
// Snippets (snippets/*.code-snippets.json, the same files the manifest
// contributes) are offered in key positions only, never in a value position.
import type { Analysis } from './analysis';
import type { Facts } from './facts';
import type { LanguageHost } from './host';
import { ruleCompletion } from './ruleInfo';
import { requiredOnlyKey } from './schemaErrors';
import { describe, propertiesAt, resolveRef, schemasAt, typeLabel, type JsonSchema } from './schemas';
import type { CompletionItem, Span } from '../types';
import { deref, locate, parseYaml, type PNode, type PathSegment } from '../yaml';
import { STEP_KINDS } from '../runbook/steps';
import runbookSnippets from '../../../snippets/runbook.code-snippets.json';
import contractSnippets from '../../../snippets/contract.code-snippets.json';

const PROBE = '__rl_probe__';

export function complete(analysis: Analysis, offset: number, host?: LanguageHost, facts: Facts = {}): CompletionItem[] {
  const schema = analysis.schema;
  if (!schema) return [];
  const text = analysis.input.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let wordStart = offset;
  while (wordStart > lineStart && /[\w$.-]/.test(text[wordStart - 1]!)) wordStart--;
  let wordEnd = offset;
  while (wordEnd < text.length && /[\w$.-]/.test(text[wordEnd]!)) wordEnd++;
  const replace: Span = { start: wordStart, end: wordEnd };
  const before = text.slice(lineStart, wordStart);
  const after = text.slice(wordEnd, text.indexOf('\n', wordEnd) === -1 ? text.length : text.indexOf('\n', wordEnd));
  if (analysis.kind === 'RollbackRunbook') {
    const rules = ruleCompletion(host, analysis.input.path, before, replace);
    if (rules) return rules;
  }
  const keyPosition = /^\s*(-\s+)*$/.test(before);
  // on an existing key (`tiem|out: 5m`) the colon is there already: replace the name only
  const hasColon = /^\s*:/.test(after);

  if (keyPosition) {
    const probe = probePath(text, wordStart, wordEnd, hasColon ? PROBE : `${PROBE}:`, true);
    if (probe) {
      const parentPath = probe.path.slice(0, -1);
      const parentSchemas = schemasAt(schema, parentPath);
      // a snippet goes where a key or a list item starts (its body brings its own `- `)
      const snippets = !hasColon && /^\s*$/.test(before) ? snippetItems(analysis, replace) : [];
      if (parentSchemas.length > 0 && !acceptsObject(parentSchemas)) {
        // a list of plain values (`- |`): complete values, not keys
        return [...valueItems(analysis, schema, parentPath, replace, probe.root, facts), ...snippets];
      }
      return [...keyItems(schema, parentPath, probe.root, replace, indentFor(before), hasColon), ...snippets];
    }
  }
  const probe = probePath(text, wordStart, wordEnd, PROBE, false);
  if (!probe) return [];
  return valueItems(analysis, schema, probe.path, replace, probe.root, facts);
}

interface Snippet {
  prefix: string | string[];
  body: string | string[];
  description?: string;
}

const SNIPPETS: Record<string, Record<string, Snippet>> = { RollbackRunbook: runbookSnippets, InterfaceContract: contractSnippets };

/** The document kind's snippets, one item per prefix (as VS Code lists contributed snippets). */
function snippetItems(analysis: Analysis, replace: Span): CompletionItem[] {
  const all = analysis.kind ? SNIPPETS[analysis.kind] : undefined;
  if (!all) return [];
  const out: CompletionItem[] = [];
  for (const [name, s] of Object.entries(all)) {
    const body = Array.isArray(s.body) ? s.body.join('\n') : s.body;
    for (const prefix of Array.isArray(s.prefix) ? s.prefix : [s.prefix]) {
      out.push({ label: prefix, kind: 'snippet', insertText: body, snippet: true, replace, detail: name, ...(s.description ? { documentation: s.description } : {}) });
    }
  }
  return out;
}

interface Probe {
  path: PathSegment[];
  root: PNode | null;
}

function probePath(text: string, start: number, end: number, token: string, asKey: boolean): Probe | undefined {
  const probed = text.slice(0, start) + token + text.slice(end);
  const parsed = parseYaml(probed);
  const found = findProbe(parsed.root, [], asKey);
  return found ? { path: found, root: parsed.root } : undefined;
}

function findProbe(n: PNode | null, path: PathSegment[], asKey: boolean): PathSegment[] | undefined {
  if (!n) return undefined;
  if (n.type === 'map') {
    for (const p of n.pairs) {
      if (asKey && p.keyText === PROBE) return [...path, PROBE];
      if (!asKey && p.value?.type === 'scalar' && p.value.value === PROBE) return [...path, p.keyText];
      const r = findProbe(p.value, [...path, p.keyText], asKey);
      if (r) return r;
    }
  } else if (n.type === 'seq') {
    for (let i = 0; i < n.items.length; i++) {
      const it = n.items[i]!;
      if (!asKey && it?.type === 'scalar' && it.value === PROBE) return [...path, i];
      const r = findProbe(it, [...path, i], asKey);
      if (r) return r;
    }
  }
  return undefined;
}

function acceptsObject(schemas: JsonSchema[]): boolean {
  return schemas.some((s) => s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')) || s.properties !== undefined);
}

function indentFor(before: string): string {
  return ' '.repeat(before.length);
}

function keyItems(schema: JsonSchema, parentPath: PathSegment[], root: PNode | null, replace: Span, indent: string, nameOnly = false): CompletionItem[] {
  const parent = deref(locate(root, parentPath).node);
  const present = new Set(parent && parent.type === 'map' ? parent.pairs.map((p) => p.keyText).filter((k) => k !== PROBE) : []);
  // keys that exclude each other (a step's kind): once one is present, offer none of the others
  const excluded = new Set<string>();
  for (const s of schemasAt(schema, parentPath)) {
    const group = (s.oneOf ?? []).map((a) => requiredOnlyKey(resolveRef(schema, a)));
    if (group.length < 2 || group.some((k) => k === null)) continue;
    if (group.some((k) => present.has(k!))) for (const k of group) excluded.add(k!);
  }
  return propertiesAt(schema, parentPath)
    // `$schema` (Red Hat YAML's association) is accepted and hovered, not offered: nobody types it key by key
    .filter((p) => !present.has(p.name) && !excluded.has(p.name) && p.name !== '$schema')
    .map((p) => {
      const t = typeLabel([p.schema]);
      const objectLike = p.schema.type === 'object' || (p.schema.properties !== undefined && p.schema.type === undefined);
      const insertText = nameOnly ? p.name : p.schema.type === 'array' ? `${p.name}:\n${indent}  - ` : objectLike ? `${p.name}:\n${indent}  ` : `${p.name}: `;
      const doc = describe([p.schema]);
      return {
        label: p.name,
        kind: 'property' as const,
        insertText,
        replace,
        detail: `${p.required ? 'required' : 'optional'}${t ? ` · ${t}` : ''}`,
        ...(doc ? { documentation: doc } : {}),
      };
    });
}

function valueItems(analysis: Analysis, schema: JsonSchema, path: PathSegment[], replace: Span, probeRoot: PNode | null, facts: Facts): CompletionItem[] {
  const items = new Map<string, CompletionItem>();
  const add = (label: string, kind: CompletionItem['kind'], detail?: string, documentation?: string): void => {
    if (!items.has(label)) items.set(label, { label, kind, insertText: label, replace, ...(detail ? { detail } : {}), ...(documentation ? { documentation } : {}) });
  };
  // a list of references holds each one once: skip the ones already listed
  const parentList = typeof path[path.length - 1] === 'number' ? deref(locate(probeRoot, path.slice(0, -1)).node) : null;
  const listed = new Set(parentList?.type === 'seq' ? parentList.items.map((i) => (i?.type === 'scalar' ? String(i.value) : '')) : []);
  const refs = referenceValues(analysis, path, probeRoot, facts);
  for (const ref of refs) if (!listed.has(ref.label)) add(ref.label, 'reference', ref.detail, ref.documentation);
  const schemas = schemasAt(schema, path);
  for (const s of schemas) {
    for (const e of s.enum ?? []) if (isScalar(e)) add(String(e), 'enum', typeLabel([s]), describe([s]));
    if (s.const !== undefined && isScalar(s.const)) add(String(s.const), 'enum');
    if (s.type === 'boolean') {
      add('true', 'enum');
      add('false', 'enum');
    }
  }
  // the schema's examples are guesses: where the document or the workspace names what can go here, only those
  if (refs.length > 0) return [...items.values()];
  for (const s of schemas) {
    for (const e of s.examples ?? []) if (isScalar(e)) add(String(e), 'value', 'example');
    if (s.default !== undefined && isScalar(s.default)) add(String(s.default), 'value', 'default');
  }
  return [...items.values()];
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

interface RefValue {
  label: string;
  detail: string;
  documentation?: string;
}

/** Every place a role is named (`#`: a list index). */
const ROLE_PLACES = new Set(
  ['steps/#/approve', 'steps/#/owner', 'steps/#/notify/to', 'closure/signOff', 'communication/#/owner', 'reintroduction/stages/#/approve'].flatMap((p) =>
    p.endsWith('owner') ? [p] : [p, `${p}/#`],
  ),
);
/** Every place a metric of the metrics source is named. */
const METRIC_PLACES = new Set(['triggers/#/metric', 'reintroduction/stages/#/checks/#/metric']);

/** How a number reads in a detail: as written in the snapshot. */
const shown = (n: number): string => String(n);

/** Values that name something declared elsewhere in the document or in the workspace. */
function referenceValues(analysis: Analysis, path: PathSegment[], probeRoot: PNode | null, facts: Facts): RefValue[] {
  if (analysis.kind !== 'RollbackRunbook') return [];
  const p = path.map((s) => (typeof s === 'number' ? '#' : s)).join('/');
  if (METRIC_PLACES.has(p)) {
    const m = facts.metrics;
    if (!m) return [];
    return m.names.map((n) => ({
      label: n.name,
      detail: n.query !== undefined ? 'metric · Prometheus query' : n.value !== undefined ? `metric · ${shown(n.value)} now (${m.source})` : `metric · ${m.source}`,
      ...(n.query !== undefined ? { documentation: `\`\`\`promql\n${n.query}\n\`\`\`` } : {}),
    }));
  }
  if (path.length === 3 && path[0] === 'metrics' && path[1] === 'paths' && facts.metrics) {
    const m = facts.metrics;
    return m.leaves.map((l) => ({ label: l.path, detail: `${shown(l.value)} in ${m.source}` }));
  }
  // Read declarations from the probed text: it is the freshest view of the document.
  const root = probeRoot;
  if (p === 'steps/#/requires/#' || p === 'steps/#/requires') {
    const own = deref(locate(root, [path[0]!, path[1]!, 'id']).node);
    const ownId = own?.type === 'scalar' ? own.value : undefined;
    const steps = deref(locate(root, ['steps']).node);
    if (!steps || steps.type !== 'seq') return [];
    const out: RefValue[] = [];
    for (const s of steps.items) {
      const st = deref(s);
      if (!st || st.type !== 'map') continue;
      const id = st.pairs.find((x) => x.keyText === 'id')?.value;
      if (id?.type === 'scalar' && typeof id.value === 'string' && id.value !== ownId && id.value !== PROBE) {
        const kind = st.pairs.find((x) => (STEP_KINDS as readonly string[]).includes(x.keyText))?.keyText;
        out.push({ label: id.value, detail: `step${kind ? ` · ${kind}` : ''}` });
      }
    }
    return out;
  }
  if (ROLE_PLACES.has(p)) {
    const roles = deref(locate(root, ['roles']).node);
    if (!roles || roles.type !== 'map') return [];
    return roles.pairs
      .filter((r) => r.keyText !== PROBE)
      .map((r) => {
        const name = deref(locate(r.value, ['name']).node);
        return { label: r.keyText, detail: `role${name?.type === 'scalar' && name.value ? ` · ${String(name.value)}` : ''}` };
      });
  }
  return [];
}
