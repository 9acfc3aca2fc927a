// Test helpers: an in-memory LanguageHost with a fixed clock, fixture loading,
// conversions between offsets, substrings and 0-based line/character ranges
// so that expectations stay readable, and the CLI in-process (runCli) or as a
// real process of its bundle (runCliProcess).
import { main } from '../../src/cli/main';
import { spawn, spawnSync } from 'node:child_process';
import { buildSync, type BuildOptions } from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  LanguageService,
  LineIndex,
  type AnalysisOptions,
  type Diagnostic,
  type FileStat,
  type LanguageHost,
  type LastContractRun,
  type LastDrillRun,
  type PolicySource,
  type Position,
  type Span,
  type TextDocumentInput,
  type TextEdit,
} from '../../src/core';

/** The fixed "now" of every test: 2026-11-22T00:00:00Z. */
export const NOW = Date.UTC(2026, 10, 22);
export const DAY = 86_400_000;

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

export interface FakeHostOptions {
  /** Workspace-relative posix path -> content. */
  files?: Record<string, string> | Map<string, string>;
  now?: number;
  /** What `lastDrill` returns; leave out to have no `lastDrill` method at all. */
  lastDrill?: number | null | undefined | ((runbookPath: string) => number | null | undefined);
  /** What `firstSeen` returns; leave out to have no `firstSeen` method at all. */
  firstSeen?: number | undefined;
  /** Paths that `stat` reports as 'outside' (e.g. symlinks leaving the workspace). */
  outside?: string[];
  /** What `lastDrillRun` returns; leave out to have no such method. */
  lastDrillRun?: LastDrillRun | null;
  /** What `lastContractRun` returns; leave out to have no such method. */
  lastContractRun?: LastContractRun | null;
  /** What `policyFor` returns; leave out to have no such method. */
  policy?: PolicySource | null;
}

/** An in-memory workspace: no file system, a fixed clock. */
export class FakeHost implements LanguageHost {
  readonly files: Map<string, string>;
  readonly outside: Set<string>;
  readonly reads: string[] = [];
  readonly stats: string[] = [];
  private readonly clock: number;
  lastDrill?: (runbookPath: string) => Promise<number | null | undefined>;
  firstSeen?: (runbookPath: string) => Promise<number | undefined>;
  lastDrillRun?: (runbookPath: string) => Promise<LastDrillRun | null | undefined>;
  lastContractRun?: (contractPath: string) => Promise<LastContractRun | null | undefined>;
  policyFor?: (documentPath: string) => Promise<PolicySource | null>;

  constructor(options: FakeHostOptions = {}) {
    this.files = options.files instanceof Map ? new Map(options.files) : new Map(Object.entries(options.files ?? {}));
    this.outside = new Set(options.outside ?? []);
    this.clock = options.now ?? NOW;
    if ('lastDrill' in options) {
      const ld = options.lastDrill;
      this.lastDrill = async (p) => (typeof ld === 'function' ? ld(p) : ld);
    }
    if ('firstSeen' in options) {
      const fs = options.firstSeen;
      this.firstSeen = async () => fs;
    }
    if ('lastDrillRun' in options) this.lastDrillRun = async () => options.lastDrillRun;
    if ('lastContractRun' in options) this.lastContractRun = async () => options.lastContractRun;
    if ('policy' in options) this.policyFor = async () => options.policy ?? null;
  }

  now(): number {
    return this.clock;
  }

  async readFile(p: string): Promise<string | undefined> {
    this.reads.push(p);
    if (this.outside.has(p)) return undefined;
    return this.files.get(p);
  }

  async listFiles(dir: string): Promise<string[]> {
    const prefix = dir === '' ? '' : dir.endsWith('/') ? dir : dir + '/';
    return [...this.files.keys()].filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/')).map((f) => f.slice(prefix.length));
  }

  async stat(p: string): Promise<FileStat> {
    this.stats.push(p);
    if (this.outside.has(p)) return 'outside';
    if (this.files.has(p)) return 'file';
    const prefix = p === '' ? '' : p.endsWith('/') ? p : p + '/';
    for (const f of this.files.keys()) if (f.startsWith(prefix)) return 'directory';
    return 'missing';
  }
}

/** Every file under a fixture folder, keyed by posix path relative to it. */
export function loadFixtureDir(dir: string): Map<string, string> {
  const root = path.resolve(FIXTURES, dir);
  const out = new Map<string, string>();
  const walk = (abs: string): void => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const p = path.join(abs, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(root, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out;
}

export function readFixture(rel: string): string {
  return fs.readFileSync(path.resolve(FIXTURES, rel), 'utf8');
}

export const CLEAN_FILES = loadFixtureDir('clean');
export const CLEAN_RUNBOOK = CLEAN_FILES.get('iris.runbook.yaml')!;
export const CLEAN_CONTRACT = CLEAN_FILES.get('iris.contract.yaml')!;

let docCounter = 0;
export function doc(path: string, text: string): TextDocumentInput {
  return { uri: `mem://${++docCounter}/${path}`, version: 1, path, text };
}

/** A service over the clean workspace (plus/minus files), checking `text` as `path`. */
export function setup(
  text: string,
  options: { path?: string; host?: FakeHostOptions; service?: AnalysisOptions; extraFiles?: Record<string, string>; removeFiles?: string[] } = {},
): { service: LanguageService; host: FakeHost; doc: TextDocumentInput } {
  const p = options.path ?? 'iris.runbook.yaml';
  const files = new Map(CLEAN_FILES);
  for (const r of options.removeFiles ?? []) files.delete(r);
  for (const [k, v] of Object.entries(options.extraFiles ?? {})) files.set(k, v);
  files.set(p, text);
  const host = new FakeHost({ ...options.host, files });
  const service = options.service ? new LanguageService(host, options.service) : new LanguageService(host);
  return { service, host, doc: doc(p, text) };
}

export async function validate(text: string, options: Parameters<typeof setup>[1] = {}): Promise<Diagnostic[]> {
  const { service, doc: d } = setup(text, options);
  return service.validate(d);
}

// ---- positions ----------------------------------------------------------------

export interface Range {
  start: Position;
  end: Position;
}

/** Offset of the `occurrence`-th (1-based) occurrence of `needle` in `text`; throws when absent. */
export function offsetOf(text: string, needle: string, occurrence = 1): number {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`\`${needle}\` occurrence ${occurrence} not found in text`);
  }
  return at;
}

/** The span of the `occurrence`-th occurrence of `needle`. */
export function spanOf(text: string, needle: string, occurrence = 1): Span {
  const start = offsetOf(text, needle, occurrence);
  return { start, end: start + needle.length };
}

/** The span of `needle` inside the `occurrence`-th occurrence of `context` (e.g. the `x` of `for: 5x`). */
export function spanIn(text: string, context: string, needle: string, occurrence = 1): Span {
  const base = offsetOf(text, context, occurrence);
  const inner = context.indexOf(needle);
  if (inner === -1) throw new Error(`\`${needle}\` is not inside \`${context}\``);
  return { start: base + inner, end: base + inner + needle.length };
}

/** The range of `needle` inside the `occurrence`-th occurrence of `context`. */
export function rangeIn(text: string, context: string, needle: string, occurrence = 1): Range {
  return rangeOf(text, spanIn(text, context, needle, occurrence));
}

/** A span converted to 0-based line/character positions. */
export function rangeOf(text: string, span: Span): Range {
  const index = new LineIndex(text);
  return { start: index.positionAt(span.start), end: index.positionAt(span.end) };
}

/** The range of the `occurrence`-th occurrence of `needle` (shortcut for rangeOf(spanOf())). */
export function rangeOfText(text: string, needle: string, occurrence = 1): Range {
  return rangeOf(text, spanOf(text, needle, occurrence));
}

/** A literal range: r(line, char, endLine, endChar). */
export function r(line: number, character: number, endLine: number, endCharacter: number): Range {
  return { start: { line, character }, end: { line: endLine, character: endCharacter } };
}

/** A diagnostic in an assertion-friendly shape: range, severity, code, message. */
export interface Shown {
  range: Range;
  severity: string;
  code: string;
  message: string;
  related?: Array<{ range: Range; message: string }>;
}

export function show(text: string, d: Diagnostic, withRelated = false): Shown {
  return {
    range: rangeOf(text, d.span),
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(withRelated && d.related ? { related: d.related.map((x) => ({ range: rangeOf(text, x.span), message: x.message })) } : {}),
  };
}

export function showAll(text: string, ds: Diagnostic[], withRelated = false): Shown[] {
  return ds.map((d) => show(text, d, withRelated));
}

/** A shown diagnostic with its quick fixes as `title: newText|newText…` (no `fixes` key when it has none). */
export interface ShownWithFixes extends Shown {
  fixes?: string[];
}

export function showWithFixes(text: string, ds: Diagnostic[]): ShownWithFixes[] {
  return ds.map((d) => ({ ...show(text, d), ...(d.fixes?.length ? { fixes: d.fixes.map((f) => `${f.title}: ${f.edits.map((e) => e.newText).join('|')}`) } : {}) }));
}

/** Applies non-overlapping edits (in any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit) throw new Error('overlapping edits');
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

/** Text with a `|` cursor marker removed, and the cursor offset. */
export function cursor(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf('|');
  if (offset === -1 || marked.indexOf('|', offset + 1) !== -1) throw new Error('mark exactly one cursor with |');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

/** Replaces the `occurrence`-th occurrence of `from` in `text` (throws when absent). */
export function replaceOnce(text: string, from: string, to: string, occurrence = 1): string {
  const at = offsetOf(text, from, occurrence);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** Strips a common indentation from a template literal and removes the first newline. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  let s = strings.reduce((acc, str, i) => acc + str + (i < values.length ? String(values[i]) : ''), '');
  if (s.startsWith('\n')) s = s.slice(1);
  const lines = s.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length);
  const min = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(min)).join('\n').replace(/\n[ ]*$/, '\n');
}

/** Runs the CLI in-process with collected stdout and stderr. */
export async function runCli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') => ({ write: (s: string | Uint8Array) => ((out[k] += typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true) });
  const code = await main(argv, { stdout: sink('stdout'), stderr: sink('stderr'), cwd } as unknown as Parameters<typeof main>[1]);
  return { code, ...out };
}

// ---- the CLI as a real process ----------------------------------------------------------

let bundled: string | undefined;

/** The CLI bundled the way esbuild.mjs bundles dist/cli.js, built once per test run into a temporary folder. */
export function cliBundle(): string {
  if (bundled) return bundled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-cli-bundle-'));
  const node: BuildOptions = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' };
  // as esbuild.mjs: import.meta.url, jsonc-parser's ESM build (its UMD `main` cannot be bundled), the audit
  // store's SQL migrations as text, pg's optional libpq binding left out
  const common: BuildOptions = {
    ...node,
    inject: [path.resolve(__dirname, '../../src/node/import-meta-url.js')],
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    loader: { '.sql': 'text' },
    external: ['pg-native'],
  };
  const src = (p: string) => path.resolve(__dirname, '../../src', p);
  buildSync({ ...common, entryPoints: [src('cli/main.ts')], outfile: path.join(dir, 'cli.js'), define: { 'import.meta.url': 'importMetaUrl', __VERSION__: '"0.0.0-test"' } });
  // the contract-test worker beside the CLI, where the bundled CLI runs contract tests (src/cli/test.ts)
  buildSync({ ...common, entryPoints: [src('node/contract/worker.ts')], outfile: path.join(dir, 'contract-worker.js'), define: { 'import.meta.url': 'importMetaUrl' } });
  // the tabular readers, a bundle of their own beside the CLI's (src/node/tabularModule.ts)
  buildSync({ ...node, entryPoints: [src('node/tabular/index.ts')], outfile: path.join(dir, 'tabular.js') });
  return (bundled = path.join(dir, 'cli.js'));
}

/**
 * A contract in `dir` (name.contract.yaml) comparing `rows` JSONL rows with
 * themselves (inputs, baseline and a source.file of outputs, key `id`):
 * its baseline's key table outgrows a small heap (the worker heap limit tests).
 */
export function writeBigContract(dir: string, name: string, rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => `{"id":"k${i}","x2":${i}}`).join('\n') + '\n';
  for (const f of ['base', 'cur', 'in']) fs.writeFileSync(path.join(dir, `${name}-${f}.jsonl`), lines);
  const file = path.join(dir, `${name}.contract.yaml`);
  fs.writeFileSync(
    file,
    [
      'apiVersion: rollback-lens/v1',
      'kind: InterfaceContract',
      `metadata: { name: ${name}, version: 1 }`,
      'input: { schema: { type: object } }',
      'output: { key: id, schema: { type: object } }',
      `source: { file: ${name}-cur.jsonl }`,
      'tests:',
      `  - { id: all, inputs: ${name}-in.jsonl, baseline: ${name}-base.jsonl, tolerance: { x2: { abs: 0 } } }`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Runs `node <bundled cli> ...argv` in `cwd`; `env` entries are added to this process's environment (undefined removes one). */
export function runCliProcess(cwd: string, argv: string[], env: Record<string, string | undefined> = {}): { code: number | null; stdout: string; stderr: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, [cliBundle(), ...argv], { cwd, encoding: 'utf8', env: childEnv, timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The bundled CLI in `cwd` as a running process, stdin not a terminal; `during` may act on it (send it a signal). */
export function spawnCliProcess(cwd: string, args: string[], during?: (child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    during?.(child);
  });
}
