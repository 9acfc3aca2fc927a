// The commit stamped on every audit record is read from the repository's files
// (HEAD, loose refs, packed-refs, a linked worktree's gitdir and commondir),
// not by running git: appends stay fast and work where no git binary is on the
// PATH. Checked in a real child process whose PATH holds no git, against real
// repositories made by git.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REGISTER = path.resolve(__dirname, '..', 'unit', 'register.cjs');
const AUDIT_MODULE = path.resolve(__dirname, '../../src/node/audit/index.ts');
const GIT_MODULE = path.resolve(__dirname, '../../src/node/git.ts');

/** In a child process with no git on its PATH: whether git is missing there, what headCommit (git) says, and the commit an appended record carries. */
function stampWithoutGit(workspace: string): { gitMissing: boolean; viaGit: string | null; stamped: string | null } {
  const script = `
    require(${JSON.stringify(REGISTER)});
    const { spawnSync } = require('node:child_process');
    const { appendAuditRecord } = require(${JSON.stringify(AUDIT_MODULE)});
    const { headCommit } = require(${JSON.stringify(GIT_MODULE)});
    (async () => {
      const gitMissing = spawnSync('git', ['--version']).error?.code === 'ENOENT';
      const viaGit = await headCommit(process.argv[1]);
      const record = await appendAuditRecord(process.argv[1], { kind: 'drill', path: 'iris.runbook.yaml', verdict: 'pass', user: 'ana' }, { durable: false });
      process.stdout.write(JSON.stringify({ gitMissing, viaGit, stamped: record.commit }));
    })().catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;
  const emptyBin = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-nogit-'));
  try {
    const r = spawnSync(process.execPath, ['-e', script, workspace], { encoding: 'utf8', env: { ...process.env, PATH: emptyBin }, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { gitMissing: boolean; viaGit: string | null; stamped: string | null };
  } finally {
    fs.rmSync(emptyBin, { recursive: true, force: true });
  }
}

describe('audit log: the commit on each record, without a git binary', function () {
  this.timeout(30000);
  let dir: string;
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@x' } }).trim();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-audit-commit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('HEAD through a loose ref, then packed-refs, then a linked worktree: stamped, while git itself answers nothing', () => {
    const repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    fs.writeFileSync(path.join(repo, 'iris.runbook.yaml'), 'kind: RollbackRunbook\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'one');
    const one = git(repo, 'rev-parse', 'HEAD');
    assert.ok(fs.existsSync(path.join(repo, '.git', 'refs', 'heads', 'main')), 'a loose ref');
    assert.deepEqual(stampWithoutGit(repo), { gitMissing: true, viaGit: null, stamped: one });

    git(repo, 'pack-refs', '--all');
    assert.equal(fs.existsSync(path.join(repo, '.git', 'refs', 'heads', 'main')), false, 'packed, no loose ref left');
    assert.deepEqual(stampWithoutGit(repo), { gitMissing: true, viaGit: null, stamped: one });

    git(repo, 'commit', '-q', '--allow-empty', '-m', 'two');
    const two = git(repo, 'rev-parse', 'HEAD');
    const wt = path.join(dir, 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', wt, one);
    assert.ok(fs.statSync(path.join(wt, '.git')).isFile(), 'a worktree: .git is a file naming its gitdir');
    assert.deepEqual(stampWithoutGit(wt), { gitMissing: true, viaGit: null, stamped: one });
    assert.deepEqual(stampWithoutGit(repo), { gitMissing: true, viaGit: null, stamped: two });
  });

  it('outside a repository: null', () => {
    fs.writeFileSync(path.join(dir, 'iris.runbook.yaml'), 'kind: RollbackRunbook\n');
    assert.deepEqual(stampWithoutGit(dir), { gitMissing: true, viaGit: null, stamped: null });
  });
});
