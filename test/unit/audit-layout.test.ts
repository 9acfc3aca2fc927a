// The audit log's source layout (issue 9): src/node/audit/ split by job
// (record, append, lock, read, verify, history, check, index), git read only
// through src/node/git.ts, no import cycle through any of them (type-only
// imports count), every file opening with its header paragraph and at most
// 500 lines, headers naming only files that exist, and the public API of
// src/node/audit unchanged by the split (readGitCommit moved to git.ts as
// headCommitFromFiles). The behaviour itself is pinned by audit.test.ts,
// audit-history.test.ts and audit-commit.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as audit from '../../src/node/audit';
import * as git from '../../src/node/git';
import { importedModules } from './architecture.test';

const SRC = path.resolve(__dirname, '..', '..', 'src');
const AUDIT_DIR = path.join(SRC, 'node', 'audit');
const GIT = path.join(SRC, 'node', 'git.ts');
const FILES = ['append.ts', 'check.ts', 'history.ts', 'index.ts', 'lock.ts', 'pg', 'read.ts', 'record.ts', 'store.ts', 'verify.ts'];
/** The PostgreSQL store (issue 13): its files under pg/. */
const PG_FILES = ['migrate.ts', 'migrations', 'sql.d.ts', 'store.ts'];
const MAX_LINES = 500;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The .ts file a relative specifier names (`./x` -> x.ts or x/index.ts), or undefined. */
function resolveTs(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [base, `${base}.ts`, path.join(base, 'index.ts')].find((f) => f.endsWith('.ts') && fs.existsSync(f) && fs.statSync(f).isFile());
}

/** The import graph of `files`: each file's relative imports (type-only ones included), as files. */
function importGraph(files: string[]): Map<string, string[]> {
  return new Map(files.map((f) => [f, importedModules(fs.readFileSync(f, 'utf8')).flatMap((s) => (s.startsWith('.') ? (resolveTs(f, s) ?? []) : []))]));
}

/** The cycles of a graph: its strongly connected components of more than one node, or of one node importing itself (Tarjan). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The leading `//` comment block of a source file, as lines without the `// `. */
function header(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => !l.startsWith('//'));
  return lines.slice(0, end === -1 ? lines.length : end).map((l) => l.replace(/^\/\/ ?/, ''));
}

const rel = (f: string): string => path.relative(path.dirname(SRC), f).split(path.sep).join('/');

describe('audit log: source layout', () => {
  it('src/node/audit.ts is split into src/node/audit/, one file per job', () => {
    assert.equal(fs.existsSync(path.join(SRC, 'node', 'audit.ts')), false, 'src/node/audit.ts still exists');
    assert.deepEqual(fs.existsSync(AUDIT_DIR) ? fs.readdirSync(AUDIT_DIR).sort() : [], FILES);
    assert.deepEqual(fs.readdirSync(path.join(AUDIT_DIR, 'pg')).sort(), PG_FILES);
  });

  it('every file of src/node/audit/ and src/node/git.ts opens with a header paragraph, and none is over 500 lines', () => {
    const problems: string[] = [];
    for (const f of [...FILES.filter((n) => n.endsWith('.ts')).map((n) => path.join(AUDIT_DIR, n)), ...sourceFiles(path.join(AUDIT_DIR, 'pg')), GIT]) {
      if (!fs.existsSync(f)) {
        problems.push(`${rel(f)}: missing`);
        continue;
      }
      const text = fs.readFileSync(f, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (header(text).length < 2) problems.push(`${rel(f)}: no header paragraph`);
      if (lines > MAX_LINES) problems.push(`${rel(f)}: ${lines} lines`);
    }
    assert.deepEqual(problems, []);
  });

  it('the headers of these files, and of every file importing the audit log, name only files that exist', () => {
    const importers = sourceFiles(SRC).filter((f) => importedModules(fs.readFileSync(f, 'utf8')).some((s) => s.startsWith('.') && resolveTs(f, s)?.startsWith(AUDIT_DIR + path.sep)));
    assert.ok(importers.some((f) => f.endsWith(path.join('cli', 'audit.ts'))), 'src/cli/audit.ts imports the audit log');
    const files = [...new Set([...sourceFiles(AUDIT_DIR), GIT, ...importers])];
    const problems: string[] = [];
    for (const f of files) {
      // src/… and test/… from the repository's top, ./… ../… and bare file names from the file's folder
      for (const named of header(fs.readFileSync(f, 'utf8')).join('\n').matchAll(/(?<![\w./-])((?:src|test)\/[\w./-]*\w|(?:\.\.?\/)+[\w./-]*\w|[\w-]+\.ts)\b/g)) {
        const name = named[1]!;
        const where = /^(src|test)\//.test(name) ? path.join(path.dirname(SRC), name) : path.join(path.dirname(f), name);
        if (!fs.existsSync(where)) problems.push(`${rel(f)}: names ${name}, which does not exist`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('no import cycle passes through src/node/audit/ or src/node/git.ts (type-only imports count)', () => {
    const cycles = cyclesOf(importGraph(sourceFiles(SRC))).filter((c) => c.some((f) => f === GIT || f.startsWith(AUDIT_DIR + path.sep)));
    assert.deepEqual(cycles.map((c) => c.map(rel)), []);
  });

  it('the cycle finder finds cycles (self-check)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c', 'd']],
      ['c', ['a']],
      ['d', []],
      ['e', ['e']],
    ]);
    assert.deepEqual(cyclesOf(g), [['a', 'b', 'c'], ['e']]);
    assert.deepEqual(cyclesOf(new Map([['a', ['b']], ['b', []]])), []);
  });

  it('git is read only through src/node/git.ts: nothing under src/node/audit/ spawns a process or reads .git itself', () => {
    const files = sourceFiles(AUDIT_DIR);
    const problems: string[] = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      for (const s of importedModules(text)) if (/^(node:)?child_process$/.test(s)) problems.push(`${rel(f)}: imports ${s}`);
      if (/packed-refs|'\.git'/.test(text)) problems.push(`${rel(f)}: reads git's files`);
    }
    assert.deepEqual(problems, []);
    assert.equal(typeof git.headCommitFromFiles, 'function');
  });

  it('src/node/audit exports what it did before the split, except readGitCommit (now headCommitFromFiles in git.ts), and the store (issue 13)', () => {
    assert.deepEqual(Object.keys(audit).sort(), [
      'AUDIT_KINDS',
      'AUDIT_LOG',
      'AUDIT_VERSION',
      'AuditError',
      'DEFAULT_LOCK_TIMEOUT_MS',
      'DEFAULT_MAX_COMMITS',
      'DEFAULT_STALE_LOCK_MS',
      'EMPTY_LOCK_STALE_MS',
      'GENESIS',
      'MAX_RECORD_BYTES',
      'REQUIRED_FIELDS',
      'acquireAuditLock',
      'appendAuditRecord',
      'auditHead',
      'auditLockPath',
      'auditLogId',
      'auditLogPath',
      'auditUrl',
      'cachedAuditRead',
      'currentUser',
      'drillHistoryFromAudit',
      'lastDrillFromAudit',
      'openAuditStore',
      'parseHead',
      'pushAuditLog',
      'readAuditLog',
      'setAuditUrl',
      'verifyAuditLog',
    ]);
  });
});
