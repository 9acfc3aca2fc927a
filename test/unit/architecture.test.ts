// The core is pure: nothing under src/core may import vscode, a Node builtin
// (fs, node:*, child_process, http, https, net, worker_threads, ...) or the
// node/cli/extension layers; and only src/extension may import vscode.
// Checked on the source text of every import/export-from/import()/require().
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
    if (!inCore && !schemaJson) return `the core must not import \`${path.relative(SRC, target)}\` from outside src/core`;
  }
  return undefined;
}

describe('architecture: the core is pure', () => {
  const coreFiles = sourceFiles(CORE);

  it('finds the core sources', () => {
    assert.ok(coreFiles.some((f) => f.endsWith(path.join('core', 'service.ts'))));
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

  it('src/webview imports nothing but itself and the diff protocol / report types of the core', () => {
    assert.ok(files.some((f) => f.endsWith(path.join('webview', 'main.ts'))));
    const problems: string[] = [];
    for (const f of files) {
      for (const spec of importedModules(fs.readFileSync(f, 'utf8'))) {
        const target = spec.startsWith('.') ? path.resolve(path.dirname(f), spec) : spec;
        const ok = target.startsWith(WEBVIEW + path.sep) || target === path.join(CORE, 'diff', 'protocol') || target === path.join(CORE, 'contract', 'report');
        if (!ok) problems.push(`${path.relative(SRC, f)}: imports '${spec}'`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
