// One parse per document version: the `yaml` library's Document, turned in a
// single walk into (a) a small positional tree the rest of the core reads and
// (b) the plain JS value that the schema validator sees. Aliases are shared,
// not copied, and their expansion is bounded, so an alias bomb costs O(nodes)
// and produces a located error instead of exhausting memory. An unclosed
// quote is reported where the quote opens (the library reports end of file).
// A value that starts with an unquoted `>` or `|` followed by text (`when: >
// 250`: YAML reads a block-scalar indicator and then fails) is read as the
// plain text it was meant to be: one located `yaml-unquoted-indicator` error
// with a "Quote it" fix, and the rest of the document is checked as usual.
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Parser, type Document, type Node as YNode } from 'yaml';
import { parseYamlFast } from './fast';
import type { Diagnostic, Span } from '../types';
import type { PNode, PPair, PScalar } from './nodes';


export interface ParsedYaml {
  text: string;
  root: PNode | null;
  value: unknown;
  /** YAML syntax errors and resource-limit errors, located. */
  diagnostics: Diagnostic[];
  /** True when the YAML had errors: the tree is partial and schema checks are skipped. */
  hasSyntaxErrors: boolean;
}

export interface ParseLimits {
  /** Maximum number of nodes that aliases may expand to in total. */
  maxAliasExpansion: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxAliasExpansion: 100_000 };

interface Built {
  node: PNode;
  value: unknown;
  size: number;
}

export interface ParseOptions extends ParseLimits {
  /** Use the js-yaml fast path for documents in the plain subset (default true). */
  fast?: boolean;
}

export function parseYaml(text: string, options: ParseOptions = DEFAULT_PARSE_LIMITS): ParsedYaml {
  if (options.fast !== false) {
    const fast = parseYamlFast(text);
    if (fast) return { text, root: fast.root, value: fast.value, diagnostics: [], hasSyntaxErrors: false };
  }
  return parseYamlRecovering(text, options);
}

/** Deepest `[`/`{` nesting the `yaml` path is given (deeper input can exhaust V8 itself). */
export const MAX_FLOW_DEPTH = 256;

/** The `yaml` library path: every syntax error located, a partial tree, bounded aliases. */
export function parseYamlRecovering(text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParsedYaml {
  const deep = flowDepthExceeded(text, MAX_FLOW_DEPTH);
  if (deep !== -1) {
    return {
      text,
      root: null,
      value: null,
      hasSyntaxErrors: true,
      diagnostics: [
        { span: { start: deep, end: deep + 1 }, severity: 'error', code: 'yaml-too-deep', message: `YAML: brackets nest more than ${MAX_FLOW_DEPTH} levels deep here; the file is not checked further` },
      ],
    };
  }
  const doc = parseDocument(text, YAML_OPTIONS);
  if (doc.errors.length > 0) {
    const recovered = withIndicatorsAsText(text, doc, limits);
    if (recovered) return recovered;
  }
  return fromDocument(text, doc, limits);
}

const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: true, keepSourceTokens: false, strict: true } as const;

/** What a misused indicator is replaced with while parsing (same length, so every offset stays), and back. */
const SENTINEL: Record<string, string> = { '>': '\uE000', '|': '\uE001' };
const RESTORE = /[\uE000\uE001]/g;
const restoreIndicators = (s: string): string => s.replace(RESTORE, (c) => (c === '\uE000' ? '>' : '|'));

/**
 * Offsets of `>` / `|` that open a value (after `key: `, `- `, `[` or `,`) and
 * are followed on their line by what no block-scalar header allows (a header
 * is an indentation digit and/or a chomping `+`/`-`, then only a comment).
 * Candidates only: the parse confirms each one (a plain scalar starts there).
 */
function misusedIndicators(text: string): number[] {
  const out: number[] = [];
  const re = /(?:^[ \t]*(?:-[ \t]+)*|:[ \t]+|[[,][ \t]*)([>|])(.*)$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rest = m[2]!;
    if (/^(?:[1-9][+-]?|[+-][1-9]?)?(?:[ \t]+#.*)?[ \t]*$/.test(rest)) continue; // a real block scalar's header
    out.push(m.index + m[0].length - rest.length - 1);
  }
  return out;
}

/** The parse with each misused indicator read as text, plus its error; undefined when there is none. */
function withIndicatorsAsText(text: string, original: Document, limits: ParseLimits): ParsedYaml | undefined {
  if (/[\uE000\uE001]/.test(text)) return undefined; // the sentinels are taken: leave the document as it is
  let candidates = misusedIndicators(text);
  for (let attempt = 0; attempt < 2 && candidates.length; attempt++) {
    let patched = text;
    for (const at of candidates) patched = patched.slice(0, at) + SENTINEL[text[at]!]! + patched.slice(at + 1);
    const doc = parseDocument(patched, YAML_OPTIONS);
    // the same errors or more: the indicators were not the problem
    if (doc.errors.length >= original.errors.length) return undefined;
    const parsed = fromDocument(text, doc, limits, restoreIndicators);
    const starts = new Map<number, { node: PScalar; key?: string }>();
    collectScalars(parsed.root, undefined, starts);
    const confirmed = candidates.filter((at) => {
      const s = starts.get(at);
      return s && typeof s.node.value === 'string' && s.node.value.startsWith(text[at]!);
    });
    if (confirmed.length !== candidates.length) {
      candidates = confirmed;
      continue;
    }
    const own = confirmed.map((at) => unquotedIndicator(text, at, starts.get(at)!));
    parsed.diagnostics.unshift(...own);
    parsed.diagnostics.sort((a, b) => a.span.start - b.span.start);
    return parsed;
  }
  return undefined;
}

/** Every scalar by its start offset, with how its place is written (`when: `, `- `, or nothing in a flow list). */
function collectScalars(n: PNode | null, place: string | undefined, out: Map<number, { node: PScalar; key?: string }>): void {
  if (!n) return;
  if (n.type === 'scalar') out.set(n.start, { node: n, ...(place !== undefined ? { key: place } : {}) });
  else if (n.type === 'map') for (const p of n.pairs) collectScalars(p.value, `${p.keyText}: `, out);
  else if (n.type === 'seq') for (const it of n.items) collectScalars(it, n.flow ? '' : '- ', out);
}

function unquotedIndicator(text: string, at: number, found: { node: PScalar; key?: string }): Diagnostic {
  const indicator = text[at]!;
  const value = String(found.node.value);
  const quoted = JSON.stringify(value);
  const span = { start: found.node.start, end: found.node.end };
  return {
    span,
    severity: 'error',
    code: 'yaml-unquoted-indicator',
    message: `YAML reads \`${indicator}\` at the start of a value as a ${indicator === '>' ? 'folded' : 'literal'} block scalar, so \`${value}\` is not the text it looks like; quote it: \`${found.key ?? ''}${quoted}\``,
    fixes: [{ title: `Quote it: \`${quoted}\``, edits: [{ ...span, newText: quoted }], preferred: true }],
  };
}

/** The located diagnostics, the tree and the value of a parsed document (`restore` maps each scalar string back). */
function fromDocument(text: string, doc: Document, limits: ParseLimits, restore?: (s: string) => string): ParsedYaml {
  const diagnostics: Diagnostic[] = [];
  // one broken construct can cascade into hundreds of errors: show the first ones
  for (const e of doc.errors.slice(0, MAX_SYNTAX_ERRORS)) {
    const quote = e.code === 'MISSING_CHAR' && /closing ["']quote/.test(e.message) ? unclosedQuote(text, e.pos[0]) : undefined;
    if (quote) diagnostics.push({ span: quote.span, severity: 'error', code: 'yaml-syntax', message: quote.message });
    else diagnostics.push({ span: errorSpan(text, e.pos), severity: 'error', code: 'yaml-syntax', message: yamlMessage(e.message, e.code) });
  }
  if (doc.errors.length > MAX_SYNTAX_ERRORS) {
    const last = doc.errors[MAX_SYNTAX_ERRORS]!;
    diagnostics.push({
      span: errorSpan(text, last.pos),
      severity: 'error',
      code: 'yaml-syntax',
      message: `YAML: ${doc.errors.length - MAX_SYNTAX_ERRORS} more syntax errors after this point; fix the ones above first`,
    });
  }
  for (const w of doc.warnings) {
    diagnostics.push({ span: errorSpan(text, w.pos), severity: 'warning', code: 'yaml-warning', message: yamlMessage(w.message, w.code) });
  }
  const builder = new TreeBuilder(text, doc, limits, diagnostics, restore);
  const built = doc.contents ? builder.build(doc.contents as YNode) : null;
  return {
    text,
    root: built?.node ?? null,
    value: built ? built.value : null,
    diagnostics,
    hasSyntaxErrors: doc.errors.length > 0 || builder.aliasLimitHit || builder.unresolved,
  };
}

/** Offset of the first `[` or `{` nested deeper than `max`, or -1. Quoted strings and comments are skipped. */
export function flowDepthExceeded(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      if (depth > 0) depth--;
    } else if ((c === 34 /* " */ || c === 39) /* ' */ && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) {
      // a quoted scalar: skip to its end
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (c === 34 && d === 92 /* \ */) i++;
        else if (d === c) break;
      }
    } else if (c === 35 /* # */ && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
    }
  }
  return -1;
}

function errorSpan(text: string, pos: [number, number]): Span {
  let [start, end] = pos;
  start = Math.max(0, Math.min(start, text.length));
  end = Math.max(start, Math.min(end, text.length));
  if (end === start && start < text.length && text[start] !== '\n') end = start + 1;
  return { start, end };
}

/**
 * The quoted scalar that runs to `pos` without closing: its opening quote to
 * the end of that line, and a message that says so. Found in the library's
 * CST, which knows where each quoted token starts.
 */
function unclosedQuote(text: string, pos: number): { span: Span; message: string } | undefined {
  let found: { offset: number; double: boolean } | undefined;
  const walk = (t: unknown): void => {
    if (found || !t || typeof t !== 'object') return;
    if (Array.isArray(t)) {
      for (const x of t) walk(x);
      return;
    }
    const tok = t as { type?: unknown; offset?: unknown; source?: unknown };
    if ((tok.type === 'double-quoted-scalar' || tok.type === 'single-quoted-scalar') && typeof tok.offset === 'number' && typeof tok.source === 'string') {
      if (tok.offset <= pos && pos <= tok.offset + tok.source.length) found = { offset: tok.offset, double: tok.type === 'double-quoted-scalar' };
      return;
    }
    for (const v of Object.values(t)) walk(v);
  };
  for (const token of new Parser().parse(text)) walk(token);
  if (!found) return undefined;
  const nl = text.indexOf('\n', found.offset);
  const end = trimEnd(text, found.offset, nl === -1 ? text.length : nl);
  const [kind, q] = found.double ? ['double', '"'] : ['single', "'"];
  return {
    span: { start: found.offset, end: Math.max(end, found.offset + 1) },
    message: `YAML: this ${kind}-quoted string is never closed: the \`${q}\` here has no closing \`${q}\`, so the rest of the file is read as part of it`,
  };
}

/** The yaml library's messages end with "at line L, column C" context; positions are ours to give. */
const MAX_SYNTAX_ERRORS = 20;

function yamlMessage(message: string, code?: string): string {
  if (code === 'MULTIPLE_DOCS') return 'YAML: a runbook or contract is one YAML document; this file has more than one (`---` starts another)';
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').trim();
  return `YAML: ${first}`;
}

class TreeBuilder {
  private readonly memo = new Map<YNode, Built>();
  private expanded = 0;
  aliasLimitHit = false;
  unresolved = false;

  constructor(
    private readonly text: string,
    private readonly doc: Document,
    private readonly limits: ParseLimits,
    private readonly diagnostics: Diagnostic[],
    private readonly restore?: (s: string) => string,
  ) {}

  build(n: YNode): Built {
    const range = n.range ?? [0, 0, 0];
    const start = range[0];
    // ends exclude trailing blanks; block collections end with their last entry
    let end = trimEnd(this.text, start, range[1]);
    let built: Built;
    if (isScalar(n)) {
      const value = this.restore && typeof n.value === 'string' ? this.restore(n.value) : n.value;
      built = { node: { type: 'scalar', start, end, value }, value, size: 1 };
    } else if (isMap(n)) {
      const pairs: PPair[] = [];
      const obj: Record<string, unknown> = {};
      let size = 1;
      for (const item of n.items) {
        if (!isPair(item)) continue;
        const k = item.key as YNode | null;
        const keyBuilt = k ? this.build(k) : { node: { type: 'scalar', start, end: start, value: null } as PScalar, value: null, size: 1 };
        const keyText = keyToString(keyBuilt.value);
        const v = item.value as YNode | null;
        const valBuilt = v ? this.build(v) : null;
        const kNode = keyBuilt.node;
        const pairEnd = valBuilt ? Math.max(valBuilt.node.end, kNode.end) : kNode.end;
        pairs.push({ key: kNode, keyText, value: valBuilt ? valBuilt.node : null, start: kNode.start, end: pairEnd });
        setOwn(obj, keyText, valBuilt ? valBuilt.value : null);
        size += 1 + (valBuilt ? valBuilt.size : 1);
      }
      if (!n.flow) end = pairs.length ? pairs[pairs.length - 1]!.end : start;
      built = { node: { type: 'map', start, end, pairs, flow: !!n.flow }, value: obj, size };
    } else if (isSeq(n)) {
      const items: Array<PNode | null> = [];
      const arr: unknown[] = [];
      let size = 1;
      for (const item of n.items) {
        const b = item ? this.build(item as YNode) : null;
        items.push(b ? b.node : null);
        arr.push(b ? b.value : null);
        size += b ? b.size : 1;
      }
      if (!n.flow) {
        const last = items.length ? items[items.length - 1] : null;
        end = last ? last.end : start + 1;
      }
      built = { node: { type: 'seq', start, end, items, flow: !!n.flow }, value: arr, size };
    } else if (isAlias(n)) {
      const target = n.resolve(this.doc) as YNode | undefined;
      const t = target ? this.memo.get(target) : undefined;
      if (!target) {
        this.unresolved = true;
        this.diagnostics.push({ span: { start, end }, severity: 'error', code: 'yaml-syntax', message: `YAML: unknown alias \`*${n.source}\`: no anchor \`&${n.source}\` comes before it` });
      }
      let value: unknown = null;
      let size = 1;
      if (t) {
        this.expanded += t.size;
        if (this.expanded > this.limits.maxAliasExpansion) {
          if (!this.aliasLimitHit) {
            this.aliasLimitHit = true;
            this.diagnostics.push({
              span: { start, end },
              severity: 'error',
              code: 'yaml-alias-limit',
              message: `YAML: aliases expand to more than ${this.limits.maxAliasExpansion} nodes (an alias bomb?); the file is not validated further`,
            });
          }
        } else {
          value = t.value;
          size = t.size;
        }
      }
      built = { node: { type: 'alias', start, end, name: n.source, target: t ? t.node : null }, value, size };
    } else {
      built = { node: { type: 'scalar', start, end, value: null }, value: null, size: 1 };
    }
    if ((n as { anchor?: string }).anchor) this.memo.set(n, built);
    return built;
  }
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end;
}

function keyToString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  else obj[key] = value;
}
