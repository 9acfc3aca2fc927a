// One analysis per document version: size and content guards, the YAML parse,
// kind selection by apiVersion/kind (or the file name), then schema and
// semantic checks (with the policy that applies: checks/policy.ts). Nothing here throws for any input text. Text arrives
// decoded (by Node's reader or by the editor): bytes that were not UTF-8 are
// U+FFFD there, and each run of them is reported where it stands.
import { checkContract } from './checks/contract';
import { checkFileRefs } from './checks/files';
import { checkPolicy } from './checks/policy';
import { checkReferences } from './checks/references';
import { checkRunbook } from './checks/runbook';
import { checkSchemas } from './checks/schemas';
import { checkSyntaxValues } from './checks/syntax';
import type { LanguageHost } from './host';
import { keySpan as keySpanOf, parentKeySpan, schemaDiagnostics, valueSpan } from './schemaErrors';
import { API_VERSION, KINDS, SCHEMAS, validatorFor, type JsonSchema } from './schemas';
import { skeleton } from './skeletons';
import type { Diagnostic, DocumentKind } from '../types';
import { deref, getPair, parseYaml, type ParsedYaml } from '../yaml';

export interface DocumentInput {
  /** Workspace-relative posix path (decides the expected kind and resolves references). */
  path: string;
  text: string;
}

export interface AnalysisOptions {
  /** Largest document analysed, in UTF-16 code units. */
  maxSize: number;
  maxAliasExpansion: number;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = { maxSize: 5 * 1024 * 1024, maxAliasExpansion: 100_000 };

export interface Analysis {
  input: DocumentInput;
  parsed: ParsedYaml | null;
  /** The kind the document is, when it could be decided. */
  kind: DocumentKind | undefined;
  schema: JsonSchema | undefined;
  /** Diagnostics that need no host: guards, syntax, kind, schema. */
  syntactic: Diagnostic[];
  /** True when the value is valid enough for semantic checks. */
  checkable: boolean;
}

export function expectedKind(path: string): DocumentKind | undefined {
  if (/\.runbook\.ya?ml$/i.test(path)) return 'RollbackRunbook';
  if (/\.contract\.ya?ml$/i.test(path)) return 'InterfaceContract';
  if (/\.policy\.ya?ml$/i.test(path)) return 'RollbackPolicy';
  return undefined;
}

export function analyze(input: DocumentInput, options: AnalysisOptions = DEFAULT_ANALYSIS_OPTIONS): Analysis {
  try {
    return analyzeUnguarded(input, options);
  } catch (e) {
    // e.g. a stack overflow on pathological nesting: report it, never throw
    const tooDeep = e instanceof RangeError;
    return {
      input,
      parsed: null,
      kind: undefined,
      schema: undefined,
      checkable: false,
      syntactic: [
        {
          span: { start: 0, end: 0 },
          severity: 'error',
          code: tooDeep ? 'yaml-too-deep' : 'internal-error',
          message: tooDeep ? 'the document nests too deeply to be checked' : `Rollback Lens could not check this document: ${(e as Error).message}`,
        },
      ],
    };
  }
}

function analyzeUnguarded(input: DocumentInput, options: AnalysisOptions): Analysis {
  const { text } = input;
  const base = { input, parsed: null, kind: undefined, schema: undefined, checkable: false };
  const firstLine = { start: 0, end: Math.max(0, Math.min(text.length, (text.indexOf('\n') + 1 || text.length + 1) - 1)) };
  if (text.length > options.maxSize) return { ...base, syntactic: [fileTooLarge(text.length, options.maxSize, firstLine)] };
  const nul = text.slice(0, 65536).indexOf('\u0000');
  if (nul !== -1) {
    return { ...base, syntactic: [{ span: { start: nul, end: nul + 1 }, severity: 'error', code: 'binary-file', message: 'this is a binary file (it contains NUL bytes), not YAML' }] };
  }
  const parsed = parseYaml(text, { maxAliasExpansion: options.maxAliasExpansion });
  const expected = expectedKind(input.path);
  // until the document says what it is, the file name decides (completion needs a schema)
  const withParsed = { ...base, parsed, kind: expected, schema: expected ? SCHEMAS[expected] : undefined };
  const diagnostics = [...invalidUtf8(text), ...parsed.diagnostics];
  const wanted = expected ? `${expected === 'InterfaceContract' ? 'an' : 'a'} \`${expected}\`` : `a ${kindList()}`;
  const root = deref(parsed.root);
  if (!root || (root.type === 'scalar' && (root.value === null || root.value === ''))) {
    if (!parsed.hasSyntaxErrors) {
      // "Insert a skeleton": a minimal valid document of the kind the file name asks for, after whatever comments there are
      const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
      const fixes = expected ? [{ title: 'Insert a skeleton', edits: [{ start: text.length, end: text.length, newText: sep + skeleton(expected, input.path) }], preferred: true }] : [];
      diagnostics.push({ span: firstLine, severity: 'error', code: 'empty-document', message: `empty document: expected ${wanted} with \`apiVersion\` and \`kind\``, ...(fixes.length ? { fixes } : {}) });
    }
    return { ...withParsed, syntactic: diagnostics };
  }
  if (root.type !== 'map') {
    diagnostics.push({
      span: { start: root.start, end: root.end },
      severity: 'error',
      code: 'not-a-mapping',
      message: `expected ${wanted}: a mapping with \`apiVersion\`, \`kind\` and \`metadata\`, found a ${root.type === 'seq' ? 'list' : 'single value'}`,
    });
    return { ...withParsed, syntactic: diagnostics };
  }
  // kind: from the document, else from the file name
  const ctx = { root: parsed.root, text };
  const kindValue = deref(getPair(root, 'kind')?.value ?? null);
  let kind: DocumentKind | undefined = expected;
  if (kindValue && kindValue.type === 'scalar' && kindValue.value !== null) {
    const k = kindValue.value;
    if (typeof k === 'string' && (KINDS as string[]).includes(k)) {
      kind = k as DocumentKind;
      if (expected && expected !== kind) {
        diagnostics.push({
          span: valueSpan(ctx, ['kind']),
          severity: 'warning',
          code: 'kind-mismatch',
          message: `this file is named like ${wanted} but declares \`kind: ${kind}\`; it is checked as \`${kind}\``,
        });
      }
    } else {
      diagnostics.push({
        span: valueSpan(ctx, ['kind']),
        severity: 'error',
        code: 'unknown-kind',
        message: `unknown kind \`${String(k)}\`; expected ${kindList()}`,
        ...(expected ? { fixes: [{ title: `Change to \`${expected}\``, edits: [{ ...valueSpan(ctx, ['kind']), newText: expected }], preferred: true }] } : {}),
      });
      return { ...withParsed, syntactic: diagnostics };
    }
  } else if (!kind) {
    const at = getPair(root, 'kind') ? keySpanOf(getPair(root, 'kind')!.key) : parentKeySpan(ctx, []);
    diagnostics.push({ span: at, severity: 'error', code: 'unknown-kind', message: `missing \`kind\`; expected ${kindList()}` });
    return { ...withParsed, syntactic: diagnostics };
  }
  const apiValue = deref(getPair(root, 'apiVersion')?.value ?? null);
  if (apiValue && apiValue.type === 'scalar' && apiValue.value !== API_VERSION) {
    const span = valueSpan(ctx, ['apiVersion']);
    diagnostics.push({
      span,
      severity: 'error',
      code: 'unknown-api-version',
      message: `unknown apiVersion \`${String(apiValue.value)}\`; this version of Rollback Lens reads \`${API_VERSION}\``,
      fixes: [{ title: `Change to \`${API_VERSION}\``, edits: [{ ...span, newText: API_VERSION }], preferred: true }],
    });
    return { ...withParsed, kind, schema: SCHEMAS[kind], syntactic: diagnostics };
  }
  const schema = SCHEMAS[kind];
  if (parsed.hasSyntaxErrors) return { ...withParsed, kind, schema, syntactic: diagnostics };
  const validate = validatorFor(kind);
  validate(parsed.value);
  diagnostics.push(...schemaDiagnostics(validate.errors ?? [], { text, root: parsed.root, schema, requiredHandledElsewhere: REQUIRED_HANDLED_ELSEWHERE }));
  diagnostics.push(...checkSyntaxValues({ text, root: parsed.root, value: parsed.value }, schema));
  return { ...withParsed, kind, schema, syntactic: diagnostics, checkable: true };
}

/** `RollbackRunbook`, `InterfaceContract` or `RollbackPolicy`. */
function kindList(): string {
  const names = KINDS.map((x) => `\`${x}\``);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** At most this many invalid-UTF-8 runs are reported one by one (a Latin-1 file has one per accent). */
const MAX_UTF8_DIAGNOSTICS = 20;
const UTF8_MESSAGE = 'invalid UTF-8: the bytes here are not valid UTF-8 and were read as U+FFFD (the replacement character); save the file as UTF-8';

/** One error per run of U+FFFD: what a decoder makes of bytes that are not UTF-8. */
function invalidUtf8(text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  let runs = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i)) {
    let end = i;
    while (text.charCodeAt(end) === 0xfffd) end++;
    if (++runs <= MAX_UTF8_DIAGNOSTICS) out.push({ span: { start: i, end }, severity: 'error', code: 'invalid-utf8', message: UTF8_MESSAGE });
    i = end;
  }
  if (runs > MAX_UTF8_DIAGNOSTICS) out[out.length - 1]!.message += `; ${runs - MAX_UTF8_DIAGNOSTICS} more such places after this one`;
  return out;
}

/** `undo` is reported by the semantic check, which carries the quick fix. */
const REQUIRED_HANDLED_ELSEWHERE = new Set(['undo']);

export async function semanticDiagnostics(analysis: Analysis, host: LanguageHost): Promise<Diagnostic[]> {
  if (!analysis.checkable || !analysis.parsed || !analysis.kind || !analysis.schema) return [];
  const ctx = {
    text: analysis.input.text,
    root: analysis.parsed.root,
    value: analysis.parsed.value as Record<string, unknown>,
    documentPath: analysis.input.path,
    host,
  };
  const kind = analysis.kind;
  const [files, specific, references, schemas, policy] = await Promise.all([
    checkFileRefs(ctx, analysis.schema, kind),
    kind === 'RollbackRunbook' ? checkRunbook(ctx) : kind === 'InterfaceContract' ? checkContract(ctx) : Promise.resolve([]),
    kind === 'RollbackRunbook' ? checkReferences(ctx) : Promise.resolve([]),
    kind === 'RollbackPolicy' ? Promise.resolve([]) : checkSchemas(ctx, kind),
    checkPolicy(ctx, kind, (input) => analyze(input)),
  ]);
  return [...specific, ...references, ...schemas, ...files, ...policy];
}

/** The diagnostic for a document over the size limit (callers that never read it use this too). */
export function fileTooLarge(size: number, maxSize: number, span: Diagnostic['span'] = { start: 0, end: 0 }): Diagnostic {
  return {
    span,
    severity: 'error',
    code: 'file-too-large',
    message: `file is ${mb(size)}; Rollback Lens checks files up to ${mb(maxSize)} (setting \`rollbackLens.maxFileSize\`)`,
  };
}

function mb(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 2 : 1)} MiB`;
}
