// The audit log's source layout (issue 9): git is read only through
// src/node/git.ts (readGitCommit moved there as headCommitFromFiles), and the
// public API of src/node/audit stays what it was. The behaviour itself is
// pinned by audit.test.ts, audit-history.test.ts and audit-commit.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as audit from '../../src/node/audit';
import * as git from '../../src/node/git';
import { importedModules } from './architecture.test';

const SRC = path.resolve(__dirname, '..', '..', 'src');
const AUDIT_DIR = path.join(SRC, 'node', 'audit');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const rel = (f: string): string => path.relative(path.dirname(SRC), f).split(path.sep).join('/');

describe('audit log: source layout', () => {
  it('git is read only through src/node/git.ts: nothing under src/node/audit/ spawns a process or reads .git itself', () => {
    const files = fs.existsSync(AUDIT_DIR) ? sourceFiles(AUDIT_DIR) : [path.join(SRC, 'node', 'audit.ts')];
    const problems: string[] = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      for (const s of importedModules(text)) if (/^(node:)?child_process$/.test(s)) problems.push(`${rel(f)}: imports ${s}`);
      if (/packed-refs|'\.git'/.test(text)) problems.push(`${rel(f)}: reads git's files`);
    }
    assert.deepEqual(problems, []);
    assert.equal(typeof git.headCommitFromFiles, 'function');
  });

  it('src/node/audit exports what it did before the split, except readGitCommit (now headCommitFromFiles in git.ts)', () => {
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
      'auditLogPath',
      'currentUser',
      'lastDrillFromAudit',
      'parseHead',
      'readAuditLog',
      'verifyAuditLog',
    ]);
  });
});
