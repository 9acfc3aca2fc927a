// Tampering at the end of the audit log: what the hash chain alone cannot see
// (the last record edited or deleted, the whole chain rewritten with every
// prev recomputed) and the two checks that can: the log against its own git
// history (every committed version, and the staged one, must be a byte prefix
// of the file) and --expect-head (a head kept elsewhere). Real git
// repositories in temporary folders with real commits; the CLI both in-process
// and as a real process.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUDIT_USAGE } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { appendAuditRecord, auditLogPath, GENESIS, verifyAuditLog, type AuditCheck, type AuditInput } from '../../src/node/audit';
import { runCliProcess } from '../unit/helpers';

const LOG = '.rollback-lens/audit.jsonl';
const RUNBOOK = 'iris.runbook.yaml';
const DATE = '2026-11-20';

const sha = (s: string | Buffer): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const at = (iso: string) => () => Date.parse(iso);
const drill = (n: number): AuditInput => ({ kind: 'drill', path: RUNBOOK, verdict: 'pass', user: 'ana', commit: null, n });

class Sink {
  text = '';
  write(s: string | Uint8Array): boolean {
    this.text += typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    return true;
  }
}

/** `rollback-lens audit <argv>` in `cwd`, with `cwd` as the workspace (the repository above it would be the default); a later `--workspace` wins. */
async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(['audit', argv[0]!, '--workspace', cwd, ...argv.slice(1)], { stdout, stderr, cwd } as unknown as Parameters<typeof main>[1]);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Rewrites records consistently: each prev recomputed from the line before, as a forger with the tool's code would. */
function rechain(lines: string[], edit: (record: Record<string, unknown>, i: number) => void): string[] {
  const out: string[] = [];
  lines.forEach((line, i) => {
    const { prev: _prev, ...body } = JSON.parse(line) as Record<string, unknown>;
    edit(body, i);
    out.push(JSON.stringify({ ...body, prev: i === 0 ? GENESIS : sha(out[i - 1]!) }));
  });
  return out;
}

const NO_HEAD = 'no head kept elsewhere was given (--expect-head; `audit head` prints the current one)';
const CHAIN_OK = (n: number) => ({ check: 'hash-chain', status: 'passed', message: `${n} record${n === 1 ? '' : 's'}, each chained to the line before it` });

describe('audit log: tampering at the end, git history and --expect-head', function () {
  this.timeout(30_000);
  let repo: string;
  /** The workspace: a subfolder of the repository, so the log's path in git has a prefix. */
  let dir: string;

  const logFile = (): string => auditLogPath(dir);
  const lines = (): string[] => fs.readFileSync(logFile(), 'utf8').split('\n').slice(0, -1);
  const writeLines = (ls: string[]): void => fs.writeFileSync(logFile(), ls.map((l) => l + '\n').join(''));
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_DATE: `${DATE}T10:00:00Z`, GIT_COMMITTER_DATE: `${DATE}T10:00:00Z` },
    }).trim();
  /** Commits the log; returns the commit's short id and how messages name it. */
  const commit = (message: string): { id: string; named: string } => {
    git('add', `ws/${LOG}`);
    git('commit', '-q', '-m', message);
    const id = git('rev-parse', 'HEAD');
    return { id, named: `${id.slice(0, 12)} (${DATE}, "${message}")` };
  };
  async function append(n: number): Promise<void> {
    await appendAuditRecord(dir, drill(n), { now: at(`2026-11-0${n + 1}T00:00:00Z`), durable: false });
  }
  const checks = async (options: Parameters<typeof verifyAuditLog>[1] = {}): Promise<AuditCheck[]> => (await verifyAuditLog(dir, options)).checks;

  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-audit-git-'));
    dir = path.join(repo, 'ws');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, RUNBOOK), 'kind: RollbackRunbook\n');
    git('init', '-q');
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('a clean log, committed twice and appended to since: each check is named as passed', async () => {
    for (const n of [0, 1]) await append(n);
    commit('audit: two records');
    await append(2);
    const newest = commit('audit: three records');
    await append(3);
    const head = sha(lines()[3]!);
    const gitOk = { check: 'git-history', status: 'passed', message: `the 2 committed versions of the log, the newest ${newest.named}, are prefixes of the file` };
    assert.deepEqual(await checks({ expectHead: head }), [CHAIN_OK(4), gitOk, { check: 'expected-head', status: 'passed', message: "the last line's hash is the expected head" }]);
    const v = await verifyAuditLog(dir, { expectHead: head });
    assert.equal(v.ok, true);
    assert.equal(v.head, head);
    assert.deepEqual(await cli(['verify', '--expect-head', head], dir), {
      code: 0,
      stdout:
        `${LOG}: hash chain: passed: 4 records, each chained to the line before it\n` +
        `${LOG}: git history: passed: ${gitOk.message}\n` +
        `${LOG}: expected head: passed: the last line's hash is the expected head\n` +
        `${LOG}: intact, 4 records, head ${head}\n`,
      stderr: '',
    });
    assert.deepEqual((await cli(['verify'], dir)).stdout.split('\n')[2], `${LOG}: expected head: not checked: ${NO_HEAD}`);
  });

  it('the last committed record edited: the chain cannot see it, the git history check names the commit and the line', async () => {
    for (const n of [0, 1, 2]) await append(n);
    const c = commit('audit: three records');
    const ls = lines();
    writeLines([ls[0]!, ls[1]!, ls[2]!.replace('"verdict":"pass"', '"verdict":"fail"')]);
    const message = `line 3 differs from line 3 of the version committed in ${c.named}: a committed line was changed, or lines were inserted or removed before it`;
    assert.deepEqual(await checks(), [CHAIN_OK(3), { check: 'git-history', status: 'failed', message, line: 3, commit: c.id }, { check: 'expected-head', status: 'not-checked', message: NO_HEAD }]);
    const r = await cli(['verify'], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.split('\n'), [
      `${LOG}: hash chain: passed: 3 records, each chained to the line before it`,
      `${LOG}:3: git history: FAILED: ${message}`,
      `${LOG}: expected head: not checked: ${NO_HEAD}`,
      `${LOG}: broken: caught by git history at line 3 (3 records, head ${sha(lines()[2]!)})`,
      '',
    ]);
  });

  it('the last committed record deleted: caught by the git history check', async () => {
    for (const n of [0, 1, 2]) await append(n);
    const c = commit('audit: three records');
    writeLines(lines().slice(0, 2));
    const v = await verifyAuditLog(dir);
    assert.equal(v.ok, false);
    assert.deepEqual(v.checks.slice(0, 2), [
      CHAIN_OK(2),
      { check: 'git-history', status: 'failed', message: `line 3 of the version committed in ${c.named} was removed from the end of the file`, line: 3, commit: c.id },
    ]);
    // two lines removed: the range is named
    writeLines(lines().slice(0, 1));
    assert.equal((await checks())[1]!.message, `lines 2–3 of the version committed in ${c.named} were removed from the end of the file`);
  });

  it('the whole chain rewritten consistently (every prev recomputed): the chain is intact, git history catches the first changed line', async () => {
    for (const n of [0, 1, 2]) await append(n);
    const c = commit('audit: three records');
    const forged = rechain(lines(), (r, i) => {
      if (i === 1) r.verdict = 'fail';
    });
    writeLines(forged);
    const v = await verifyAuditLog(dir);
    assert.deepEqual(v.problems, [], 'the forged chain verifies on its own');
    assert.deepEqual(v.checks[1], {
      check: 'git-history',
      status: 'failed',
      message: `line 2 differs from line 2 of the version committed in ${c.named}: a committed line was changed, or lines were inserted or removed before it`,
      line: 2,
      commit: c.id,
    });
    assert.equal(v.ok, false);
  });

  it('tampering after the last commit: git history still passes, only --expect-head catches it', async () => {
    for (const n of [0, 1]) await append(n);
    const c = commit('audit: two records');
    await append(2);
    const original = lines();
    const kept = (await cli(['head'], dir)).stdout.trim();
    assert.equal(kept, sha(original[2]!), '`audit head` prints the hash of the last line');
    const gitOk = { check: 'git-history', status: 'passed', message: `the 1 committed version of the log, ${c.named}, is a prefix of the file` };
    const failedHead = (head: string) => ({
      check: 'expected-head',
      status: 'failed',
      message: `${kept} is not the hash of any line of the log: lines at the end were changed or removed, or the log was rewritten (its last line's hash is ${head})`,
    });

    // the last record edited
    const edited = [original[0]!, original[1]!, original[2]!.replace('"verdict":"pass"', '"verdict":"fail"')];
    writeLines(edited);
    assert.deepEqual(await checks({ expectHead: kept }), [CHAIN_OK(3), gitOk, failedHead(sha(edited[2]!))]);
    // the last record deleted
    writeLines(original.slice(0, 2));
    assert.deepEqual(await checks({ expectHead: kept }), [CHAIN_OK(2), gitOk, failedHead(sha(original[1]!))]);
    // the last record deleted and a forged one appended in its place, chained correctly
    const replaced = rechain(original, (r, i) => {
      if (i === 2) r.verdict = 'fail';
    });
    writeLines(replaced);
    assert.deepEqual(await checks({ expectHead: kept }), [CHAIN_OK(3), gitOk, failedHead(sha(replaced[2]!))]);
    // the whole chain rewritten: both checks catch it
    const forged = rechain(original, (r) => (r.user = 'mallory'));
    writeLines(forged);
    const all = await checks({ expectHead: kept });
    assert.deepEqual(
      all.map((x) => [x.check, x.status, x.line]),
      [
        ['hash-chain', 'passed', undefined],
        ['git-history', 'failed', 1],
        ['expected-head', 'failed', undefined],
      ],
    );
    const r = await cli(['verify', '--expect-head', kept], dir);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.split('\n').at(-2), `${LOG}: broken: caught by git history at line 1, expected head (3 records, head ${sha(forged[2]!)})`);

    // untouched, with a record appended after the copy was taken: passes, and says what the copy does not cover
    writeLines(original);
    await append(3);
    assert.deepEqual((await checks({ expectHead: kept }))[2], {
      check: 'expected-head',
      status: 'passed',
      message: 'the expected head is the hash of line 3: the 1 line after it was appended after that head was kept, and is covered only by the chain',
    });
  });

  it('--expect-head takes the hash with or without `sha256:`, in either case; anything else is a usage error', async () => {
    for (const n of [0, 1]) await append(n);
    const head = sha(lines()[1]!);
    const hex = head.slice('sha256:'.length);
    for (const given of [head, hex, hex.toUpperCase(), `SHA256:${hex}`]) {
      const r = await cli(['verify', '--expect-head', given], dir);
      assert.equal(r.code, 0, given);
      assert.match(r.stdout, /^\.rollback-lens\/audit\.jsonl: expected head: passed: the last line's hash is the expected head$/m, given);
    }
    const usage = (m: string) => ({ code: 2, stdout: '', stderr: `rollback-lens audit: ${m}\n\n${AUDIT_USAGE}\n` });
    assert.deepEqual(await cli(['verify', '--expect-head', 'sha256:abc'], dir), usage('--expect-head must be sha256:<64 hex digits> or the 64 hex digits alone, not `sha256:abc`'));
    assert.deepEqual(await cli(['head', '--expect-head', head], dir), usage('--expect-head only applies to `audit verify`'));
    assert.deepEqual(await cli(['list', '--expect-head', head], dir), usage('--expect-head only applies to `audit verify`'));
  });

  it('no git history to compare: says so, and what it could not check (not a repository; the log untracked)', async () => {
    fs.rmSync(path.join(repo, '.git'), { recursive: true });
    for (const n of [0, 1]) await append(n);
    const notRepo = { check: 'git-history', status: 'not-checked', message: 'no git history to compare: the workspace is not in a git repository' };
    assert.deepEqual(await checks(), [CHAIN_OK(2), notRepo, { check: 'expected-head', status: 'not-checked', message: NO_HEAD }]);
    assert.deepEqual(await cli(['verify'], dir), {
      code: 0,
      stdout:
        `${LOG}: hash chain: passed: 2 records, each chained to the line before it\n` +
        `${LOG}: git history: not checked: ${notRepo.message}\n` +
        `${LOG}: expected head: not checked: ${NO_HEAD}\n` +
        `${LOG}: intact, 2 records, head ${sha(lines()[1]!)}\n`,
      stderr: '',
    });
    git('init', '-q');
    assert.deepEqual((await checks())[1], {
      check: 'git-history',
      status: 'not-checked',
      message: `no git history to compare: the log is not tracked by git (commit ws/${LOG} to have its history checked)`,
    });
    // outside git, only --expect-head can catch a rewrite
    const kept = sha(lines()[1]!);
    writeLines(rechain(lines(), (r) => (r.verdict = 'fail')));
    assert.deepEqual(
      (await checks({ expectHead: kept })).map((x) => [x.check, x.status]),
      [
        ['hash-chain', 'passed'],
        ['git-history', 'not-checked'],
        ['expected-head', 'failed'],
      ],
    );
  });

  it('the staged version is compared too', async () => {
    await append(0);
    const c = commit('audit: one record');
    await append(1);
    git('add', `ws/${LOG}`); // staged: two records
    const staged = lines();
    writeLines([staged[0]!, staged[1]!.replace('"verdict":"pass"', '"verdict":"fail"')]);
    assert.deepEqual((await checks())[1], {
      check: 'git-history',
      status: 'failed',
      message: 'line 2 differs from line 2 of the staged version (git add): a committed line was changed, or lines were inserted or removed before it',
      line: 2,
    });
    writeLines(staged);
    assert.deepEqual((await checks())[1], {
      check: 'git-history',
      status: 'passed',
      message: `the 1 committed version of the log, ${c.named}, and the staged one are prefixes of the file`,
    });
    // staged in a repository with no commit yet
    fs.rmSync(path.join(repo, '.git'), { recursive: true });
    git('init', '-q');
    git('add', `ws/${LOG}`);
    assert.deepEqual((await checks())[1], { check: 'git-history', status: 'passed', message: 'the staged version of the log is a prefix of the file (no commit of it yet)' });
  });

  it('a committed log that was deleted: broken, not "nothing to verify"', async () => {
    for (const n of [0, 1, 2]) await append(n);
    const c = commit('audit: three records');
    fs.rmSync(logFile());
    const v = await verifyAuditLog(dir);
    assert.equal(v.exists, false);
    assert.equal(v.ok, false);
    assert.deepEqual(v.checks[1], { check: 'git-history', status: 'failed', message: `the log does not exist, but the version committed in ${c.named} has 3 lines`, line: 1, commit: c.id });
    const r = await cli(['verify'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^\.rollback-lens\/audit\.jsonl: broken: caught by git history at line 1 \(0 records, head sha256:0{64}\)$/m);
    // without history, a missing log still has nothing to verify
    fs.rmSync(path.join(repo, '.git'), { recursive: true });
    assert.deepEqual(await cli(['verify'], dir), { code: 0, stdout: `${LOG}: no audit log yet: nothing to verify\n`, stderr: '' });
  });

  it('history rewritten in a later commit: the oldest commit the file contradicts is named', async () => {
    for (const n of [0, 1]) await append(n);
    const first = commit('audit: two records');
    writeLines(rechain(lines(), (r, i) => i === 0 && (r.verdict = 'fail')));
    commit('audit: rewritten');
    await append(2);
    const c = (await checks())[1]!;
    assert.equal(c.status, 'failed');
    assert.equal(c.commit, first.id);
    assert.equal(c.line, 1);
    assert.equal(c.message, `line 1 differs from line 1 of the version committed in ${first.named}: a committed line was changed, or lines were inserted or removed before it`);
  });

  it('a long history is bounded: only the newest commits are compared, and the message says so', async () => {
    for (const n of [0, 1, 2]) {
      await append(n);
      commit(`audit: ${n + 1}`);
    }
    const newest = git('rev-parse', 'HEAD').slice(0, 12);
    assert.deepEqual((await checks({ maxCommits: 2 }))[1], {
      check: 'git-history',
      status: 'passed',
      message: `the 2 committed versions of the log, the newest ${newest} (${DATE}, "audit: 3"), are prefixes of the file; only the newest 2 commits that changed it were compared`,
    });
    // rewriting line 1 is still caught by the newest commits
    writeLines(rechain(lines(), (r, i) => i === 0 && (r.verdict = 'fail')));
    assert.equal((await checks({ maxCommits: 2 }))[1]!.status, 'failed');
  });

  it('audit head: the hash of the last line, the value the next record’s prev carries; genesis without a log', async () => {
    assert.deepEqual(await cli(['head'], dir), { code: 0, stdout: `${GENESIS}\n`, stderr: '' });
    for (const n of [0, 1]) await append(n);
    const head = sha(lines()[1]!);
    assert.deepEqual(await cli(['head'], dir), { code: 0, stdout: `${head}\n`, stderr: '' });
    const json = await cli(['head', '--format', 'json', '--workspace', dir], os.tmpdir());
    assert.deepEqual(JSON.parse(json.stdout), { file: path.relative(os.tmpdir(), logFile()), head, lines: 2 });
    const next = await appendAuditRecord(dir, drill(9), { durable: false });
    assert.equal(next.prev, head);
  });

  it('the CLI as a real process: head, verify with --expect-head and the git check, exit codes', async () => {
    for (const n of [0, 1, 2]) await append(n);
    const c = commit('audit: three records');
    const head = runCliProcess(dir, ['audit', 'head', '--workspace', '.']);
    assert.equal(head.code, 0, head.stderr);
    const kept = head.stdout.trim();
    assert.equal(kept, sha(lines()[2]!));
    let r = runCliProcess(dir, ['audit', 'verify', '--workspace', '.', '--expect-head', kept.slice('sha256:'.length)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, [
      `${LOG}: hash chain: passed: 3 records, each chained to the line before it`,
      `${LOG}: git history: passed: the 1 committed version of the log, ${c.named}, is a prefix of the file`,
      `${LOG}: expected head: passed: the last line's hash is the expected head`,
      `${LOG}: intact, 3 records, head ${kept}`,
      '',
    ].join('\n'));
    writeLines(lines().slice(0, 2));
    r = runCliProcess(dir, ['audit', 'verify', '--workspace', '.', '--expect-head', kept, '--format', 'json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: AuditCheck[] };
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.map((x) => [x.check, x.status]),
      [
        ['hash-chain', 'passed'],
        ['git-history', 'failed'],
        ['expected-head', 'failed'],
      ],
    );
    r = runCliProcess(dir, ['audit', 'verify', '--workspace', '.', '--expect-head', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^rollback-lens audit: --expect-head must be sha256:<64 hex digits> or the 64 hex digits alone, not `nope`\n/);
  });
});
