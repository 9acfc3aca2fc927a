// The core is pure: nothing under src/core may import vscode, a Node builtin
// (fs, node:*, child_process, http, https, net, worker_threads, ...) or the
// node/cli/extension layers; and only src/extension may import vscode.
// Checked on the source text of every import/export-from/import()/require().
// No import cycles among the files under src/: a depth-first search over their
// relative imports (type-only ones count: they tie the layout together too);
// the cycles that exist today are named edge by edge in KNOWN_CYCLE_EDGES, so
// any new cycle fails, and so does an entry that no longer closes one.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', 'src');
const CORE = path.join(SRC, 'core');
const EXTENSION = path.join(SRC, 'extension');

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|js|mjs|cjs|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Removes comments (block and line) while keeping string contents, so a comment mentioning `from 'fs'` is not an import. */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end === -1 ? src.length : end + 2;
      out += ' ';
    } else if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      const q = c;
      out += c;
      i++;
      while (i < src.length && src[i] !== q) {
        if (src[i] === '\\') {
          out += src[i]!;
          i++;
        }
        out += src[i] ?? '';
        i++;
      }
      out += src[i] ?? '';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier imported or required by `src`. */
export function importedModules(src: string): string[] {
  const code = stripComments(src);
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g, // import x from 'm', export { x } from 'm', multi-line braces
    /\bimport\s*(['"])([^'"]+)\1/g, // import 'm'
    /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g, // import('m')
    /\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g, // require('m')
    /\bimport\s+\w+\s*=\s*require\s*\(\s*(['"])([^'"]+)\1\s*\)/g, // import x = require('m')
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[2]!);
  return [...new Set(out)];
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Why a core file may not import `spec`, or undefined when it may. */
export function forbiddenInCore(spec: string, fromFile: string): string | undefined {
  if (spec === 'vscode' || spec.startsWith('vscode/')) return 'the core must not depend on vscode';
  if (spec.startsWith('node:')) return 'the core must not use Node builtins (node:*)';
  const root = spec.split('/')[0]!;
  if (NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(root)) return `the core must not use the Node builtin \`${spec}\``;
  if (spec.startsWith('.')) {
    const target = path.resolve(path.dirname(fromFile), spec);
    const inCore = target === CORE || target.startsWith(CORE + path.sep);
    const schemaJson = target.startsWith(path.join(SRC, 'schemas') + path.sep) && target.endsWith('.json');
    // the snippets are data of the format too (completion offers them where a key goes)
    const snippetJson = target.startsWith(path.join(SRC, '..', 'snippets') + path.sep) && target.endsWith('.code-snippets.json');
    if (!inCore && !schemaJson && !snippetJson) return `the core must not import \`${path.relative(SRC, target)}\` from outside src/core`;
  }
  return undefined;
}

describe('architecture: the core is pure', () => {
  const coreFiles = sourceFiles(CORE);

  it('finds the core sources', () => {
    assert.ok(coreFiles.some((f) => f.endsWith(path.join('core', 'language', 'service.ts'))));
    assert.ok(coreFiles.length >= 10);
  });

  it('no file under src/core imports vscode, a Node builtin, or another layer', () => {
    const problems: string[] = [];
    for (const f of coreFiles) {
      for (const spec of importedModules(fs.readFileSync(f, 'utf8'))) {
        const why = forbiddenInCore(spec, f);
        if (why) problems.push(`${path.relative(SRC, f)}: imports '${spec}': ${why}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('only src/extension imports vscode', () => {
    const problems: string[] = [];
    for (const f of sourceFiles(SRC)) {
      if (f.startsWith(EXTENSION + path.sep)) continue;
      if (importedModules(fs.readFileSync(f, 'utf8')).some((s) => s === 'vscode' || s.startsWith('vscode/'))) problems.push(path.relative(SRC, f));
    }
    assert.deepEqual(problems, []);
  });
});

/**
 * Core modules that parse or analyse a document (the YAML tree, the language
 * service and its checks, the contract model, the core's index that re-exports
 * them): the extension host leaves that to the language-service worker.
 */
export function parsesInCore(target: string): boolean {
  const rel = path.relative(CORE, target).split(path.sep).join('/');
  if (rel.startsWith('..')) return false;
  if (rel === 'index' || rel === 'index.ts' || rel === 'yaml' || rel.startsWith('yaml/')) return true;
  if (rel.startsWith('language/')) return rel !== 'language/codes';
  return rel === 'contract/model' || rel.startsWith('contract/compat');
}

describe('architecture: the extension host does not parse', () => {
  it('no file under src/extension imports a parser or analysis module of the core (the worker answers)', () => {
    const problems: string[] = [];
    for (const f of sourceFiles(EXTENSION)) {
      for (const spec of importedModules(fs.readFileSync(f, 'utf8'))) {
        if (spec.startsWith('.') && parsesInCore(path.resolve(path.dirname(f), spec))) problems.push(`${path.relative(SRC, f)}: imports '${spec}'`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('the check names the parsing modules and lets the others through', () => {
    const at = (rel: string) => path.join(CORE, rel);
    assert.deepEqual(
      ['yaml', 'yaml/parse', 'language/analysis', 'language/checks/context', 'contract/model', 'contract/compat/index', 'index'].filter((r) => !parsesInCore(at(r))),
      [],
    );
    assert.deepEqual(['language/codes', 'contract/report', 'contract/compare', 'util/text', 'diff/html', 'runbook/render', 'types'].filter((r) => parsesInCore(at(r))), []);
  });
});

describe('architecture: the import scanner itself', () => {
  const core = path.join(CORE, 'x.ts');
  const flagged = (src: string) => importedModules(src).filter((s) => forbiddenInCore(s, core));

  it('flags every forbidden form of import', () => {
    assert.deepEqual(flagged("import * as fs from 'fs';"), ['fs']);
    assert.deepEqual(flagged("import { readFile } from 'node:fs/promises';"), ['node:fs/promises']);
    assert.deepEqual(flagged("import type { ExtensionContext } from 'vscode';"), ['vscode']);
    assert.deepEqual(flagged("import {\n  spawn,\n  exec,\n} from \"child_process\";"), ['child_process']);
    assert.deepEqual(flagged("export { request } from 'https';"), ['https']);
    assert.deepEqual(flagged("import 'net';"), ['net']);
    assert.deepEqual(flagged("const w = require('worker_threads');"), ['worker_threads']);
    assert.deepEqual(flagged("const h = await import('http');"), ['http']);
    assert.deepEqual(flagged("import cp = require('node:child_process');"), ['node:child_process']);
    assert.deepEqual(flagged("import { x } from '../node/host';"), ['../node/host']);
    assert.deepEqual(flagged("import { y } from '../extension/extension';"), ['../extension/extension']);
  });

  it('allows libraries, core-relative modules and the bundled schemas', () => {
    assert.deepEqual(flagged("import { parseDocument } from 'yaml';\nimport Ajv from 'ajv';\nimport { analyze } from './analysis';\nimport s from '../schemas/runbook.schema.json';"), []);
    assert.deepEqual(flagged("import { diag } from './checks/context';"), []);
  });

  it('ignores comments and strings that merely mention modules', () => {
    assert.deepEqual(flagged("// import * as fs from 'fs';\n/* require('http') */\nconst s = \"from 'net'\";"), []);
  });
});

describe('architecture: the webview is browser code', () => {
  const WEBVIEW = path.join(SRC, 'webview');
  const files = sourceFiles(WEBVIEW);

  it('src/webview imports nothing but itself, the diff protocol / report types and the plural helper of the core', () => {
    assert.ok(files.some((f) => f.endsWith(path.join('webview', 'main.ts'))));
    const problems: string[] = [];
    for (const f of files) {
      for (const spec of importedModules(fs.readFileSync(f, 'utf8'))) {
        const target = spec.startsWith('.') ? path.resolve(path.dirname(f), spec) : spec;
        const ok = target.startsWith(WEBVIEW + path.sep) || [path.join(CORE, 'diff', 'protocol'), path.join(CORE, 'contract', 'report'), path.join(CORE, 'util', 'plural')].includes(target);
        if (!ok) problems.push(`${path.relative(SRC, f)}: imports '${spec}'`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

// ---- rooms -------------------------------------------------------------------------

/**
 * Which rooms of a layer a room may import (besides itself and the layer's
 * top-level files such as core/types.ts). The core's lower rooms (util, yaml)
 * know nothing of the domains; the language service sits on top of all of
 * them; node rooms reach the core freely but one another only as listed.
 */
const CORE_ROOMS: Record<string, string[]> = {
  util: [],
  // what the audit log's records say of the last runs (the Rollback Lens view) and what a signature
  // covers; only the bottom room (util: one spelling of a workspace path)
  audit: ['util'],
  yaml: ['util'],
  contract: ['util', 'yaml'],
  runbook: ['util', 'yaml'],
  diff: ['util', 'contract'],
  // RollbackPolicy rules and waivers over parsed values (the language service applies them)
  policy: ['util', 'yaml'],
  language: ['util', 'yaml', 'contract', 'runbook', 'policy'],
  // the readiness review's figures and pages over the audit records
  review: ['util'],
};
const NODE_ROOMS: Record<string, string[]> = {
  audit: [],
  // a command's CSV stdout (`source.format: csv`) is typed by the table readers
  sources: ['tabular'],
  metrics: [],
  diff: ['tabular'],
  tabular: [],
  contract: ['audit', 'sources', 'diff', 'tabular'],
  language: ['audit'],
  runbook: ['audit', 'contract', 'language', 'metrics', 'sources'],
  // SSH-signed approvals and sign-offs: ssh-keygen, and the check of the log's signatures
  signing: ['audit'],
  // the readiness review: the log, the runbooks and their post-mortems
  review: ['audit', 'runbook'],
};

/** `from`'s room imports of `to`'s that the table does not allow, as 'core/a/x.ts -> core/b/y.ts'. */
function roomViolations(layer: 'core' | 'node', rooms: Record<string, string[]>, graph: Map<string, string[]>): string[] {
  const base = path.join(SRC, layer);
  const roomOf = (f: string): string | undefined => {
    const r = path.relative(base, f).split(path.sep);
    return r.length > 1 && !r[0]!.startsWith('..') ? r[0] : undefined;
  };
  const out: string[] = [];
  for (const [f, targets] of graph) {
    const from = roomOf(f);
    if (!from || !f.startsWith(base + path.sep)) continue;
    for (const t of targets) {
      const to = roomOf(t);
      if (!to || to === from || !t.startsWith(base + path.sep)) continue;
      if (!(rooms[from] ?? []).includes(to)) out.push(`${path.relative(SRC, f)} -> ${path.relative(SRC, t)}`.split(path.sep).join('/'));
    }
  }
  return out.sort();
}

describe('architecture: one room per domain', () => {
  const graph = importGraph(sourceFiles(SRC));
  const dirs = (layer: string) => fs.readdirSync(path.join(SRC, layer), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

  it('the core and node layers have exactly the rooms the tables name', () => {
    assert.deepEqual(dirs('core'), Object.keys(CORE_ROOMS).sort());
    assert.deepEqual(dirs('node'), Object.keys(NODE_ROOMS).sort());
  });

  it('a core room imports only the rooms below it', () => {
    assert.deepEqual(roomViolations('core', CORE_ROOMS, graph), []);
  });

  it('a node room imports only the node rooms it is allowed to', () => {
    assert.deepEqual(roomViolations('node', NODE_ROOMS, graph), []);
  });

  it('the room check flags an import the table does not allow', () => {
    const g = new Map([[path.join(SRC, 'core', 'yaml', 'a.ts'), [path.join(SRC, 'core', 'language', 'b.ts'), path.join(SRC, 'core', 'util', 'c.ts'), path.join(SRC, 'core', 'types.ts')]]]);
    assert.deepEqual(roomViolations('core', CORE_ROOMS, g), ['core/yaml/a.ts -> core/language/b.ts']);
  });
});

// ---- import cycles ------------------------------------------------------------------

/** `a -> b`, paths relative to src/ with forward slashes. */
type Edge = string;

/**
 * Imports that close a cycle which exists today. Each entry is the import to
 * drop or invert; removing it makes the rest of its cycle acyclic. None is
 * left (issue 9 opened the last one): a new entry needs the reason beside it.
 */
const KNOWN_CYCLE_EDGES: Edge[] = [];

/** A source file's relative imports, resolved to source files (`./x` -> x.ts, x.tsx or x/index.ts); JSON and other files are not modules here. */
export function importGraph(files: string[], read: (f: string) => string = (f) => fs.readFileSync(f, 'utf8')): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const targets = new Set<string>();
    for (const spec of importedModules(read(f))) {
      if (!spec.startsWith('.')) continue;
      const base = path.resolve(path.dirname(f), spec);
      const hit = [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((c) => known.has(c));
      if (hit) targets.add(hit);
    }
    graph.set(f, [...targets].sort());
  }
  return graph;
}

/** Every cycle a depth-first search meets (one per back edge), each as the files from where it closes back to itself; `skip` edges are left out of the graph. */
export function findCycles(graph: Map<string, string[]>, name: (f: string) => string, skip: ReadonlySet<Edge> = new Set()): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (u: string): void => {
    state.set(u, 'open');
    stack.push(u);
    for (const v of graph.get(u) ?? []) {
      if (skip.has(`${name(u)} -> ${name(v)}`)) continue;
      if (state.get(v) === 'open') cycles.push([...stack.slice(stack.indexOf(v)), v].map(name));
      else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}

/** Whether `to` is reachable from `from`. */
function reaches(graph: Map<string, string[]>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length) {
    const u = todo.pop()!;
    if (u === to) return true;
    if (seen.has(u)) continue;
    seen.add(u);
    todo.push(...(graph.get(u) ?? []));
  }
  return false;
}

describe('architecture: no import cycles', () => {
  const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');
  const graph = importGraph(sourceFiles(SRC));

  it('resolves the imports of src/ (the compat command reaches the core)', () => {
    assert.ok(graph.size >= 50, `only ${graph.size} files`);
    assert.ok(graph.get(path.join(SRC, 'cli', 'commands.ts'))!.includes(path.join(SRC, 'cli', 'compat.ts')));
  });

  it('no cycle among the files under src/ except the known ones', () => {
    const cycles = findCycles(graph, rel, new Set(KNOWN_CYCLE_EDGES)).map((c) => c.join(' -> '));
    assert.deepEqual(cycles, []);
  });

  it('every known cycle edge still exists and still closes a cycle (else remove it from KNOWN_CYCLE_EDGES)', () => {
    const byName = new Map([...graph.keys()].map((f) => [rel(f), f]));
    const stale = KNOWN_CYCLE_EDGES.filter((e) => {
      const [a, b] = e.split(' -> ').map((n) => byName.get(n!));
      return !a || !b || !graph.get(a)!.includes(b) || !reaches(graph, b, a);
    });
    assert.deepEqual(stale, []);
  });

  it('the search finds a cycle, names it, and skips only the edges it is told to', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', ['d']],
      ['e', ['a']],
    ]);
    const id = (f: string) => f;
    assert.deepEqual(findCycles(g, id), [
      ['a', 'b', 'c', 'a'],
      ['d', 'd'],
    ]);
    assert.deepEqual(findCycles(g, id, new Set(['c -> a'])), [['d', 'd']]);
    assert.deepEqual(findCycles(g, id, new Set(['c -> a', 'd -> d'])), []);
  });

  it('the graph counts type-only, re-export and index imports, and ignores packages and JSON', () => {
    const dir = path.join(SRC, 'zz');
    const src: Record<string, string> = {
      [path.join(dir, 'a.ts')]: "import type { B } from './b';\nimport { parse } from 'yaml';\nimport s from '../schemas/x.schema.json';",
      [path.join(dir, 'b.ts')]: "export { c } from './c';",
      [path.join(dir, 'c', 'index.ts')]: "// import { a } from '../a';\nexport const c = 1;",
    };
    const g = importGraph(Object.keys(src), (f) => src[f]!);
    assert.deepEqual([...g.entries()].map(([f, ts]) => [rel(f), ts.map(rel)]), [
      ['zz/a.ts', ['zz/b.ts']],
      ['zz/b.ts', ['zz/c/index.ts']],
      ['zz/c/index.ts', []],
    ]);
  });
});

// ---- comments ---------------------------------------------------------------------

describe('architecture: comments name files that exist', () => {
  const ROOT = path.resolve(SRC, '..');
  /** Repository paths a text names (`src/…`, `test/…`, `examples/…`), without trailing punctuation. */
  const namedPaths = (text: string): string[] => [...text.matchAll(/(?<![\w./-])((?:src|test|examples)\/[\w./-]*[\w])/g)].map((m) => m[1]!);
  const exists = (p: string): boolean => [p, `${p}.ts`, `${p}.mjs`].some((c) => fs.existsSync(path.join(ROOT, c)));

  it('finds the paths a text names, not those inside other paths', () => {
    assert.deepEqual(namedPaths('see src/node/workspace.ts, and test/unit/x.test.ts. dist/test/integration/index.js .vscode-test/node'), ['src/node/workspace.ts', 'test/unit/x.test.ts']);
  });

  it('every src/, test/ or examples/ path a source file or the README names exists', () => {
    const files = [...sourceFiles(SRC), path.join(ROOT, 'README.md')];
    const missing: string[] = [];
    for (const f of files) for (const p of namedPaths(fs.readFileSync(f, 'utf8'))) if (!exists(p)) missing.push(`${path.relative(ROOT, f)}: ${p}`);
    assert.deepEqual([...new Set(missing)], []);
  });
});

// ---- file size --------------------------------------------------------------------

describe('architecture: files with one job', () => {
  /** The opening comment block of a source file. */
  const header = (text: string): string => (text.match(/^(?:\/\/.*\n)+/) ?? [''])[0];

  it('no source file over 500 lines unless its header says why (a line starting "Long because")', () => {
    const long: string[] = [];
    for (const f of sourceFiles(SRC)) {
      const text = fs.readFileSync(f, 'utf8');
      const lines = text.split('\n').length;
      if (lines > 500 && !/^\/\/ Long because /m.test(header(text))) long.push(`${path.relative(SRC, f)}: ${lines} lines`);
    }
    assert.deepEqual(long, []);
  });

  it('every source file opens with a header paragraph', () => {
    const bare = sourceFiles(SRC).filter((f) => header(fs.readFileSync(f, 'utf8')) === '').map((f) => path.relative(SRC, f));
    assert.deepEqual(bare, []);
  });
});
