// The audit log: record format and chain, verify and its messages, the CLI,
// crash safety (torn tails, stale locks, a SIGKILLed appender), concurrency
// with real processes, and the drill history the language service reads.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUDIT_USAGE } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { LanguageService } from '../../src/core';
import {
  acquireAuditLock,
  appendAuditRecord,
  auditLockPath,
  auditLogPath,
  GENESIS,
  drillHistoryFromAudit,
  lastDrillFromAudit,
  readAuditLog,
  verifyAuditLog,
  type AuditInput,
} from '../../src/node/audit';
import { headCommitFromFiles as readGitCommit } from '../../src/node/git';
import { NodeHost } from '../../src/node/language/host';
import { DAY, FIXTURES, NOW } from '../unit/helpers';

const APPEND = path.join(FIXTURES, 'audit/append.cjs');
const TORN = path.join(FIXTURES, 'audit/torn.cjs');
const LOG = '.rollback-lens/audit.jsonl';
const RUNBOOK = 'iris.runbook.yaml';
const RUNBOOK_TEXT = 'kind: RollbackRunbook\n';

/** The checks a log in a temporary folder (no git repository, no --expect-head) gets when its chain is intact. */
const NO_GIT = { check: 'git-history', status: 'not-checked', message: 'no git history to compare: the workspace is not in a git repository' } as const;
const NO_HEAD = { check: 'expected-head', status: 'not-checked', message: 'no head kept elsewhere was given (--expect-head; `audit head` prints the current one)' } as const;
const chainOk = (n: number) => ({ check: 'hash-chain', status: 'passed', message: `${n} record${n === 1 ? '' : 's'}, each chained to the line before it` }) as const;
const checksText = (n: number): string =>
  `${LOG}: hash chain: passed: ${chainOk(n).message}\n${LOG}: git history: not checked: ${NO_GIT.message}\n${LOG}: expected head: not checked: ${NO_HEAD.message}\n`;
const sha = (s: string | Buffer): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const at = (iso: string) => () => Date.parse(iso);
const drill = (extra: Partial<AuditInput> = {}): AuditInput => ({ kind: 'drill', path: RUNBOOK, verdict: 'pass', ...extra });

class Sink {
  text = '';
  write(s: string | Uint8Array): boolean {
    this.text += typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    return true;
  }
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(['audit', ...argv], { stdout, stderr, cwd } as unknown as Parameters<typeof main>[1]);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('audit log', function () {
  this.timeout(15000);
  let dir: string;
  const children: ChildProcess[] = [];
  const logFile = (): string => auditLogPath(dir);
  const logLines = (): string[] => fs.readFileSync(logFile(), 'utf8').split('\n');
  const writeLog = (lines: string[], end = '\n'): void => fs.writeFileSync(logFile(), lines.join('\n') + end);

  /** A node child process; `exited` resolves once it is gone (and reaped, so its pid is dead). */
  function child(script: string, args: string[]): { proc: ChildProcess; stdout: () => string; exited: Promise<number | string> } {
    const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | string>((resolve) =>
      proc.on('close', (code, signal) => {
        if (code) process.stderr.write(err);
        resolve(code ?? signal!);
      }),
    );
    return { proc, stdout: () => out, exited };
  }

  async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-audit-'));
    fs.writeFileSync(path.join(dir, RUNBOOK), RUNBOOK_TEXT);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await new Promise((r) => c.once('close', r));
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('records and the chain', () => {
    it('lives in .rollback-lens/audit.jsonl, its lock beside it', () => {
      assert.equal(auditLogPath(dir), path.join(dir, '.rollback-lens', 'audit.jsonl'));
      assert.equal(auditLockPath(dir), path.join(dir, '.rollback-lens', 'audit.jsonl.lock'));
    });

    it('stores every field, in this order, and chains each record to the SHA-256 of the line before', async () => {
      const first = await appendAuditRecord(
        dir,
        drill({ timings: { detect: 1200, decide: 3000, execute: 45000, verify: 8000 }, findings: { errors: 0, warnings: 1 }, scenario: 'latency-spike' }),
        { now: at('2026-11-22T00:00:00Z') },
      );
      const second = await appendAuditRecord(dir, { kind: 'approval', path: RUNBOOK, verdict: 'approved', user: 'On-call ML lead' }, { now: at('2026-11-22T00:01:00Z') });
      const lines = logLines();
      assert.equal(lines.length, 3);
      assert.equal(lines[2], '', 'each record ends with a newline');
      assert.equal(
        lines[0],
        JSON.stringify({
          v: 1,
          time: '2026-11-22T00:00:00.000Z',
          kind: 'drill',
          path: 'iris.runbook.yaml',
          digest: sha(RUNBOOK_TEXT),
          commit: null,
          user: os.userInfo().username,
          verdict: 'pass',
          timings: { detect: 1200, decide: 3000, execute: 45000, verify: 8000 },
          findings: { errors: 0, warnings: 1 },
          scenario: 'latency-spike',
          prev: GENESIS,
        }),
      );
      assert.equal(GENESIS, 'sha256:0000000000000000000000000000000000000000000000000000000000000000');
      assert.deepEqual(first, JSON.parse(lines[0]!), 'the returned record is the stored one');
      assert.deepEqual(second, JSON.parse(lines[1]!));
      assert.equal(second.prev, sha(lines[0]!), 'prev: the previous line exactly, without its newline');
      assert.equal(second.user, 'On-call ML lead');
      const v = await verifyAuditLog(dir);
      assert.deepEqual(v, { ok: true, file: logFile(), exists: true, records: 2, lines: 2, problems: [], head: sha(lines[1]!), checks: [chainOk(2), NO_GIT, NO_HEAD] });
    });

    it('path: absolute inside the workspace is stored workspace-relative with slashes; an unreadable file has digest null', async () => {
      fs.mkdirSync(path.join(dir, 'ops'));
      fs.writeFileSync(path.join(dir, 'ops/a.contract.yaml'), 'x');
      const r1 = await appendAuditRecord(dir, { kind: 'contract-test', path: path.join(dir, 'ops', 'a.contract.yaml'), verdict: 'fail' });
      assert.equal(r1.path, 'ops/a.contract.yaml');
      assert.equal(r1.digest, sha('x'));
      const r2 = await appendAuditRecord(dir, { kind: 'dry-run', path: './ops/../gone.runbook.yaml', verdict: 'error' });
      assert.equal(r2.path, 'gone.runbook.yaml');
      assert.equal(r2.digest, null);
      const r3 = await appendAuditRecord(dir, { kind: 'sign-off', path: RUNBOOK, verdict: 'signed', digest: sha('editor buffer') });
      assert.equal(r3.digest, sha('editor buffer'), 'a digest given by the caller is kept');
    });

    it('refuses bad input, with the reason, and writes nothing', async () => {
      const bad: Array<[unknown, string]> = [
        [{ kind: 'postmortem', path: RUNBOOK, verdict: 'pass' }, '`kind` must be one of dry-run, drill, contract-test, approval, sign-off, rollback, reintroduction, closure-verify, checklist, close, not "postmortem"'],
        [{ kind: 'drill', path: RUNBOOK }, 'an audit record needs `verdict`: a non-empty string'],
        [{ kind: 'drill', verdict: 'pass' }, 'an audit record needs `path`: the runbook or contract it is about'],
        [drill({ prev: GENESIS }), '`prev` is set by the audit log, not by the caller'],
        [drill({ time: 'yesterday' }), '`time` is set by the audit log, not by the caller'],
        [drill({ path: '../elsewhere.runbook.yaml' }), `\`path\` ../elsewhere.runbook.yaml is outside the workspace ${dir}`],
        [drill({ path: '.' }), '`path` must name a file in the workspace, not the workspace itself'],
        [drill({ timings: { decide: -1 } }), '`timings.decide` must be a duration in milliseconds (a finite number >= 0)'],
        [drill({ digest: 'md5:abc' }), '`digest` must be sha256:<64 lowercase hex digits> or null'],
        [drill({ findings: [1] as unknown as Record<string, unknown> }), '`findings` must be an object'],
        [drill({ blob: 'x'.repeat(1024 * 1024) }), /^the record is 10488\d\d bytes; at most 1048576 are allowed$/.source],
      ];
      for (const [input, message] of bad) {
        await assert.rejects(appendAuditRecord(dir, input as AuditInput), (e: Error & { kind?: string }) => {
          if (message.startsWith('^')) assert.match(e.message, new RegExp(message));
          else assert.equal(e.message, message);
          assert.equal(e.kind, 'invalid');
          return true;
        });
      }
      assert.equal(fs.existsSync(logFile()), false);
      await assert.rejects(appendAuditRecord(path.join(dir, 'missing'), drill()), {
        kind: 'io',
        message: `cannot create ${path.join(dir, 'missing', '.rollback-lens')}: ENOENT: no such file or directory, mkdir '${path.join(dir, 'missing', '.rollback-lens')}'`,
      });
      assert.equal(fs.existsSync(path.join(dir, 'missing')), false, 'a missing workspace is not created');
    });

    it('commit: HEAD through a loose ref, packed-refs, a detached HEAD, from a subfolder; null outside a repository', async () => {
      assert.equal(await readGitCommit(dir), null);
      const git = (...args: string[]): string =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' }).trim();
      git('init', '-q');
      assert.equal(await readGitCommit(dir), null, 'no commit yet');
      git('commit', '-q', '--allow-empty', '-m', 'one');
      const one = git('rev-parse', 'HEAD');
      fs.mkdirSync(path.join(dir, 'sub'));
      assert.equal(await readGitCommit(path.join(dir, 'sub')), one);
      git('pack-refs', '--all');
      assert.equal(fs.existsSync(path.join(dir, '.git/refs/heads/main')), false);
      assert.equal(await readGitCommit(dir), one, 'packed');
      git('commit', '-q', '--allow-empty', '-m', 'two');
      const two = git('rev-parse', 'HEAD');
      git('checkout', '-q', '--detach', one);
      assert.equal(await readGitCommit(dir), one, 'detached');
      git('checkout', '-q', 'main');
      const r = await appendAuditRecord(dir, drill());
      assert.equal(r.commit, two);
    });
  });

  describe('verify', () => {
    async function three(): Promise<string[]> {
      for (const [i, t] of ['2026-11-01', '2026-11-02', '2026-11-03'].entries()) await appendAuditRecord(dir, drill({ n: i }), { now: at(`${t}T00:00:00Z`) });
      return logLines().slice(0, 3);
    }

    it('an intact log: ok, exit 0, the head hash', async () => {
      const lines = await three();
      assert.deepEqual(await cli(['verify'], dir), { code: 0, stdout: `${checksText(3)}${LOG}: intact, 3 records, head ${sha(lines[2]!)}\n`, stderr: '' });
      const json = await cli(['verify', '--format', 'json', '--workspace', dir], os.tmpdir());
      assert.equal(json.code, 0);
      assert.deepEqual(JSON.parse(json.stdout), {
        ok: true,
        file: path.relative(os.tmpdir(), logFile()),
        exists: true,
        records: 3,
        lines: 3,
        problems: [],
        head: sha(lines[2]!),
        checks: [chainOk(3), NO_GIT, NO_HEAD],
      });
    });

    it('no log yet: nothing to verify, exit 0', async () => {
      assert.deepEqual(await verifyAuditLog(dir), { ok: true, file: logFile(), exists: false, records: 0, lines: 0, problems: [], head: GENESIS, checks: [chainOk(0), NO_GIT, NO_HEAD] });
      assert.deepEqual(await cli(['verify'], dir), { code: 0, stdout: `${LOG}: no audit log yet: nothing to verify\n`, stderr: '' });
    });

    it('a corrupted line is named; appends still work and chain to its bytes; verify still names only it', async () => {
      const lines = await three();
      const corrupted = lines[1]!.slice(0, 40) + '#' + lines[1]!.slice(41);
      writeLog([lines[0]!, corrupted, lines[2]!]);
      const expectedProblems = [
        { line: 2, reason: 'not JSON' },
        {
          line: 3,
          reason: `prev mismatch: expected ${sha(corrupted)} (the hash of line 2), found "${sha(lines[1]!)}"; line 2 was changed, or lines were removed or inserted before this one`,
        },
      ];
      let v = await verifyAuditLog(dir);
      assert.equal(v.ok, false);
      assert.deepEqual(v.firstBroken, expectedProblems[0]);
      assert.deepEqual(v.problems, expectedProblems);
      assert.equal(v.records, 2);

      const r = await appendAuditRecord(dir, drill({ n: 3 }));
      assert.equal(r.prev, sha(lines[2]!));
      v = await verifyAuditLog(dir);
      assert.deepEqual(v.problems, expectedProblems, 'the new record chains; nothing new is broken');
      assert.equal(v.records, 3);
      const log = await readAuditLog(dir);
      assert.deepEqual(
        log.entries.map((e) => [e.line, e.record.n, e.hash]),
        [
          [1, 0, sha(lines[0]!)],
          [3, 2, sha(lines[2]!)],
          [4, 3, sha(JSON.stringify(r))],
        ],
        'records with a broken link are still read; the corrupted line is not',
      );
      assert.deepEqual(log.problems, expectedProblems);
      assert.deepEqual(await cli(['verify'], dir), {
        code: 1,
        stdout:
          `${LOG}:2: not JSON\n${LOG}:3: ${expectedProblems[1]!.reason}\n` +
          `${LOG}:2: hash chain: FAILED: 2 broken lines, the first at line 2\n${LOG}: git history: not checked: ${NO_GIT.message}\n${LOG}: expected head: not checked: ${NO_HEAD.message}\n` +
          `${LOG}: broken: caught by hash chain at line 2 (3 records, head ${sha(JSON.stringify(r))})\n`,
        stderr: '',
      });

      // garbage as the last line: the next record chains to the garbage's bytes
      fs.appendFileSync(logFile(), 'garbage\n');
      const after = await appendAuditRecord(dir, drill({ n: 5 }));
      assert.equal(after.prev, sha('garbage'));
      assert.deepEqual((await verifyAuditLog(dir)).problems, [...expectedProblems, { line: 5, reason: 'not JSON' }]);
    });

    it('a changed record breaks the next line; a removed one breaks the line after the gap', async () => {
      const lines = await three();
      const changed = lines[0]!.replace('"verdict":"pass"', '"verdict":"fail"');
      writeLog([changed, lines[1]!, lines[2]!]);
      assert.deepEqual((await verifyAuditLog(dir)).firstBroken, {
        line: 2,
        reason: `prev mismatch: expected ${sha(changed)} (the hash of line 1), found "${sha(lines[0]!)}"; line 1 was changed, or lines were removed or inserted before this one`,
      });
      writeLog([lines[0]!, lines[2]!]);
      assert.deepEqual((await verifyAuditLog(dir)).problems, [
        {
          line: 2,
          reason: `prev mismatch: expected ${sha(lines[0]!)} (the hash of line 1), found "${sha(lines[1]!)}"; line 1 was changed, or lines were removed or inserted before this one`,
        },
      ]);
      writeLog([lines[1]!, lines[2]!]);
      assert.deepEqual((await verifyAuditLog(dir)).problems, [
        { line: 1, reason: `prev mismatch: the first record's prev must be the genesis value ${GENESIS}, found "${sha(lines[0]!)}"` },
      ]);
    });

    it('missing and malformed fields, blank lines, non-objects, invalid UTF-8: each named at its line', async () => {
      const l1 = JSON.stringify({ v: 1, kind: 'drill', prev: GENESIS });
      const l2 = JSON.stringify({ v: 2, time: 'today', kind: 'postmortem', path: '', digest: 'x', commit: 'HEAD', user: 'u', verdict: 'pass', prev: sha(l1) });
      const bytes = Buffer.concat([Buffer.from(`${l1}\n${l2}\n\n[1,2]\n`), Buffer.from([0xc3, 0x28, 0x0a])]);
      fs.mkdirSync(path.dirname(logFile()));
      fs.writeFileSync(logFile(), bytes);
      assert.deepEqual((await verifyAuditLog(dir)).problems, [
        { line: 1, reason: 'missing fields: time, path, digest, commit, user, verdict' },
        {
          line: 2,
          reason:
            'unsupported version: v is 2, not 1; bad field time: not an ISO 8601 UTC time; bad field kind: "postmortem" is not one of dry-run, drill, contract-test, approval, sign-off, rollback, reintroduction, closure-verify, checklist, close; bad field path: not a non-empty string; bad field digest: not sha256:<hex> or null; bad field commit: not a commit id or null',
        },
        { line: 3, reason: 'empty line' },
        { line: 4, reason: 'not a JSON object' },
        { line: 5, reason: 'not UTF-8 text' },
      ]);
    });

    it('the CLI: usage errors and I/O errors exit 2', async () => {
      const usage = (m: string) => ({ code: 2, stdout: '', stderr: `rollback-lens audit: ${m}\n\n${AUDIT_USAGE}\n` });
      assert.deepEqual(await cli([], dir), usage('give a subcommand: verify, list, head or push'));
      assert.deepEqual(await cli(['check'], dir), usage('unknown subcommand `check`: use verify, list, head or push'));
      assert.deepEqual(await cli(['verify', 'x'], dir), usage('unexpected argument: x'));
      assert.deepEqual(await cli(['verify', '--format', 'sarif'], dir), usage('--format must be text or json, not `sarif`'));
      assert.deepEqual(await cli(['verify', '--kind', 'drill'], dir), usage('--kind and --path only apply to `audit list`'));
      assert.deepEqual(await cli(['list', '--kind', 'postmortem'], dir), usage('--kind must be one of dry-run, drill, contract-test, approval, sign-off, rollback, reintroduction, closure-verify, checklist, close, not `postmortem`'));
      const bogus = await cli(['verify', '--bogus'], dir);
      assert.equal(bogus.code, 2);
      assert.ok(bogus.stderr.startsWith("rollback-lens audit: Unknown option '--bogus'."), bogus.stderr);
      assert.deepEqual(await cli(['--help'], dir), { code: 0, stdout: AUDIT_USAGE + '\n', stderr: '' });
      fs.mkdirSync(logFile(), { recursive: true });
      assert.deepEqual(await cli(['verify'], dir), { code: 2, stdout: '', stderr: `rollback-lens audit: cannot read ${logFile()}: EISDIR: illegal operation on a directory, read\n` });
    });

    it('audit list: text, json, --kind and --path; broken lines named on stderr', async () => {
      fs.writeFileSync(path.join(dir, 'b.runbook.yaml'), 'b');
      await appendAuditRecord(dir, drill({ user: 'ana', commit: 'a'.repeat(40) }), { now: at('2026-11-01T00:00:00Z') });
      await appendAuditRecord(dir, { kind: 'dry-run', path: 'b.runbook.yaml', verdict: 'fail', user: 'bo' }, { now: at('2026-11-02T00:00:00Z') });
      await appendAuditRecord(dir, drill({ verdict: 'fail', user: 'bo' }), { now: at('2026-11-03T00:00:00Z') });
      assert.deepEqual(await cli(['list'], dir), {
        code: 0,
        stdout:
          `${LOG}:1: 2026-11-01T00:00:00.000Z drill iris.runbook.yaml: pass (by ana at aaaaaaaaaaaa)\n` +
          `${LOG}:2: 2026-11-02T00:00:00.000Z dry-run b.runbook.yaml: fail (by bo)\n` +
          `${LOG}:3: 2026-11-03T00:00:00.000Z drill iris.runbook.yaml: fail (by bo)\n`,
        stderr: '',
      });
      assert.equal((await cli(['list', '--kind', 'dry-run'], dir)).stdout, `${LOG}:2: 2026-11-02T00:00:00.000Z dry-run b.runbook.yaml: fail (by bo)\n`);
      const json = await cli(['list', '--format', 'json', '--path', './iris.runbook.yaml', '--kind', 'drill'], dir);
      const parsed = JSON.parse(json.stdout) as Array<{ line: number; record: { verdict: string } }>;
      assert.deepEqual(
        parsed.map((e) => [e.line, e.record.verdict]),
        [
          [1, 'pass'],
          [3, 'fail'],
        ],
      );
      fs.appendFileSync(logFile(), '{oops\n');
      const broken = await cli(['list', '--kind', 'sign-off'], dir);
      assert.deepEqual(broken, { code: 0, stdout: '', stderr: `rollback-lens audit: 1 broken line skipped, the first ${LOG}:4: not JSON; run \`rollback-lens audit verify\`\n` });
    });
  });

  describe('crash safety and locking', () => {
    it('a partial last line is ignored by readers; the next append saves it to audit.jsonl.torn and cuts it off', async () => {
      await appendAuditRecord(dir, drill());
      const [l1] = logLines();
      const fragment = '{"v":1,"time":"2026-11-22T00:00:00.000Z","kind":"dri';
      fs.appendFileSync(logFile(), fragment);
      const v = await verifyAuditLog(dir);
      assert.equal(v.ok, true);
      assert.deepEqual(v.incompleteTail, { line: 2, bytes: fragment.length });
      assert.equal(v.head, sha(l1!));
      assert.deepEqual(await cli(['verify'], dir), {
        code: 0,
        stdout:
          `${LOG}:2: incomplete last line (${fragment.length} bytes, no newline), left by an interrupted append: ignored; the next append removes it\n` +
          checksText(1) +
          `${LOG}: intact, 1 record, head ${sha(l1!)}\n`,
        stderr: '',
      });
      const r = await appendAuditRecord(dir, drill());
      assert.equal(r.prev, sha(l1!));
      assert.deepEqual(logLines(), [l1, JSON.stringify(r), '']);
      const torn = fs.readFileSync(logFile() + '.torn', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { offset: number; length: number; base64: string });
      assert.equal(torn.length, 1);
      assert.deepEqual([torn[0]!.offset, torn[0]!.length, Buffer.from(torn[0]!.base64, 'base64').toString()], [l1!.length + 1, fragment.length, fragment]);
      assert.equal((await verifyAuditLog(dir)).ok, true);
    });

    it('a whole record that only lost its newline counts, and the next append completes it', async () => {
      await appendAuditRecord(dir, drill());
      await appendAuditRecord(dir, drill());
      const [l1, l2] = logLines();
      fs.truncateSync(logFile(), fs.statSync(logFile()).size - 1);
      const v = await verifyAuditLog(dir);
      assert.deepEqual([v.ok, v.records, v.incompleteTail, v.head], [true, 2, undefined, sha(l2!)]);
      const r = await appendAuditRecord(dir, drill());
      assert.equal(r.prev, sha(l2!));
      assert.deepEqual(logLines(), [l1, l2, JSON.stringify(r), '']);
      assert.equal(fs.existsSync(logFile() + '.torn'), false);
    });

    it('a lock left by a dead process is taken over at once', async () => {
      const dead = child('-e', ['']);
      assert.equal(await dead.exited, 0);
      fs.mkdirSync(path.dirname(logFile()));
      fs.writeFileSync(auditLockPath(dir), JSON.stringify({ pid: dead.proc.pid, host: os.hostname(), time: '2026-11-22T00:00:00.000Z', token: 't' }));
      const t0 = Date.now();
      await appendAuditRecord(dir, drill(), { lockTimeoutMs: 2000 });
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(fs.existsSync(auditLockPath(dir)), false, 'released');
      assert.equal(fs.existsSync(auditLockPath(dir) + '.break'), false);
    });

    it('a live holder is waited for, with a bounded wait and a clear error; an unreadable lock only once it is old', async () => {
      const lock = await acquireAuditLock(dir);
      const held = JSON.parse(fs.readFileSync(auditLockPath(dir), 'utf8')) as { pid: number; time: string };
      assert.equal(held.pid, process.pid);
      await assert.rejects(appendAuditRecord(dir, drill(), { lockTimeoutMs: 100 }), {
        kind: 'lock-timeout',
        message: `timed out after 100 ms waiting for the audit log lock ${auditLockPath(dir)} (held by pid ${process.pid} since ${held.time}); if no rollback-lens process is running, delete the lock file`,
      });
      const waiting = appendAuditRecord(dir, drill(), { lockTimeoutMs: 2000 });
      await new Promise((r) => setTimeout(r, 30));
      await lock.release();
      await waiting;
      assert.equal((await verifyAuditLog(dir)).records, 1);

      // empty lock (its creator died before writing it): stale once older than 2 s
      fs.writeFileSync(auditLockPath(dir), '');
      const created = new Date(fs.statSync(auditLockPath(dir)).mtimeMs).toISOString();
      await assert.rejects(appendAuditRecord(dir, drill(), { lockTimeoutMs: 50 }), {
        message: `timed out after 50 ms waiting for the audit log lock ${auditLockPath(dir)} (holder unknown, created ${created}); if no rollback-lens process is running, delete the lock file`,
      });
      const old = new Date(Date.now() - 2500);
      fs.utimesSync(auditLockPath(dir), old, old);
      await appendAuditRecord(dir, drill(), { lockTimeoutMs: 1000 });
      assert.equal((await verifyAuditLog(dir)).records, 2);

      // another host's lock: stale once older than staleLockMs, whatever its pid
      const foreign = { pid: process.pid, host: `not-${os.hostname()}`, time: '2026-11-22T00:00:00.000Z', token: 'x' };
      fs.writeFileSync(auditLockPath(dir), JSON.stringify(foreign));
      await assert.rejects(appendAuditRecord(dir, drill(), { lockTimeoutMs: 50, staleLockMs: 1000 }), {
        message: `timed out after 50 ms waiting for the audit log lock ${auditLockPath(dir)} (held by pid ${process.pid} on not-${os.hostname()} since 2026-11-22T00:00:00.000Z); if no rollback-lens process is running, delete the lock file`,
      });
      fs.utimesSync(auditLockPath(dir), old, old);
      await appendAuditRecord(dir, drill(), { lockTimeoutMs: 1000, staleLockMs: 1000 });
      assert.equal((await verifyAuditLog(dir)).records, 3);
    });

    it('8 processes appending 50 records each at once: 400 whole lines, one unbroken chain, each writer in order', async function () {
      const writers = Array.from({ length: 8 }, (_, w) => child(APPEND, [dir, String(w), '50']));
      assert.deepEqual(await Promise.all(writers.map((w) => w.exited)), Array(8).fill(0));
      assert.deepEqual(
        writers.map((w) => w.stdout()),
        Array(8).fill('done 50\n'),
      );
      const lines = logLines();
      assert.equal(lines.length, 401);
      assert.equal(lines.pop(), '');
      const next = new Array<number>(8).fill(0);
      for (const l of lines) {
        const r = JSON.parse(l) as { writer: number; n: number };
        assert.equal(r.n, next[r.writer], `writer ${r.writer} in order`);
        next[r.writer]!++;
      }
      assert.deepEqual(next, Array(8).fill(50));
      const v = await verifyAuditLog(dir);
      assert.deepEqual([v.ok, v.records, v.problems], [true, 400, []]);
      assert.deepEqual(fs.readdirSync(path.dirname(logFile())), ['audit.jsonl'], 'no lock left');
    });

    it('an appender SIGKILLed half-way through a line: the log verifies, the next append recovers the lock and repairs the tail', async () => {
      await appendAuditRecord(dir, drill());
      const torn = child(TORN, [dir]);
      await until('the torn write', () => torn.stdout() === 'torn\n');
      assert.equal((JSON.parse(fs.readFileSync(auditLockPath(dir), 'utf8')) as { pid: number }).pid, torn.proc.pid);
      torn.proc.kill('SIGKILL');
      assert.equal(await torn.exited, 'SIGKILL');

      const v = await verifyAuditLog(dir);
      assert.equal(v.ok, true);
      assert.equal(v.records, 1);
      assert.equal(v.incompleteTail?.line, 2);
      const after = await appendAuditRecord(dir, drill(), { lockTimeoutMs: 2000 });
      const lines = logLines();
      assert.deepEqual(lines.slice(1), [JSON.stringify(after), '']);
      assert.equal(after.prev, sha(lines[0]!));
      const w = await verifyAuditLog(dir);
      assert.deepEqual([w.ok, w.records, w.incompleteTail], [true, 2, undefined]);
      assert.equal(fs.existsSync(auditLockPath(dir)), false);
    });

    it('an appender SIGKILLed at a random moment of a stream of appends leaves a log that verifies and can be appended to', async () => {
      const writer = child(APPEND, [dir, '0', '100000']);
      await until('some records', () => fs.existsSync(logFile()) && fs.statSync(logFile()).size > 20 * 300);
      writer.proc.kill('SIGKILL');
      assert.equal(await writer.exited, 'SIGKILL');
      const v = await verifyAuditLog(dir);
      assert.deepEqual([v.ok, v.problems], [true, []]);
      // killed between creating the lock and writing its owner (rare), the lock is empty: stale after 2 s
      await appendAuditRecord(dir, drill(), { lockTimeoutMs: 5000 });
      const w = await verifyAuditLog(dir);
      assert.deepEqual([w.ok, w.records, w.incompleteTail], [true, v.records + 1, undefined]);
    });
  });

  describe('lastDrillFromAudit', () => {
    it('the newest drill of each runbook by time, any verdict; other kinds do not count; undefined without a log, null when the log has none', async () => {
      fs.writeFileSync(path.join(dir, 'b.runbook.yaml'), 'b');
      const last = lastDrillFromAudit(dir);
      assert.equal(await last(RUNBOOK), undefined, 'no log yet: no drill history kept');
      await appendAuditRecord(dir, drill(), { now: at('2026-10-01T00:00:00Z') });
      await appendAuditRecord(dir, drill({ verdict: 'fail' }), { now: at('2026-10-05T00:00:00Z') });
      await appendAuditRecord(dir, drill(), { now: at('2026-10-03T00:00:00Z') });
      await appendAuditRecord(dir, { kind: 'dry-run', path: RUNBOOK, verdict: 'pass' }, { now: at('2026-11-01T00:00:00Z') });
      await appendAuditRecord(dir, { kind: 'dry-run', path: 'b.runbook.yaml', verdict: 'pass' }, { now: at('2026-11-01T00:00:00Z') });
      assert.equal(await last(RUNBOOK), Date.parse('2026-10-05T00:00:00Z'));
      assert.equal(await last('./iris.runbook.yaml'), Date.parse('2026-10-05T00:00:00Z'));
      assert.equal(await last('b.runbook.yaml'), null);
      fs.appendFileSync(logFile(), 'not a record\n');
      await appendAuditRecord(dir, drill({ path: 'b.runbook.yaml' }), { now: at('2026-11-02T00:00:00Z') });
      assert.equal(await last('b.runbook.yaml'), Date.parse('2026-11-02T00:00:00Z'), 'broken lines are skipped, later records still count');
    });

    it('reads the log again only when its size or mtime changes', async () => {
      await appendAuditRecord(dir, drill(), { now: at('2026-10-01T00:00:00Z') });
      const mtime = Math.floor(Date.now() / 1000) - 60; // whole seconds: restored exactly below
      fs.utimesSync(logFile(), mtime, mtime);
      const last = lastDrillFromAudit(dir);
      assert.equal(await last(RUNBOOK), Date.parse('2026-10-01T00:00:00Z'));
      // same file, size and mtime, different content: the cached answer stands (the file was not read again)
      fs.writeFileSync(logFile(), fs.readFileSync(logFile(), 'utf8').replace('2026-10-01', '2026-10-09'));
      fs.utimesSync(logFile(), mtime, mtime);
      assert.equal(await last(RUNBOOK), Date.parse('2026-10-01T00:00:00Z'));
      await appendAuditRecord(dir, { kind: 'approval', path: RUNBOOK, verdict: 'approved' });
      assert.equal(await last(RUNBOOK), Date.parse('2026-10-09T00:00:00Z'), 'changed: read again');
    });

    it('an unreadable log: no drill history (undefined)', async () => {
      fs.mkdirSync(logFile(), { recursive: true });
      assert.equal(await lastDrillFromAudit(dir)(RUNBOOK), undefined);
    });

    it('feeds the overdue-drill check through NodeHost', async () => {
      fs.cpSync(path.join(FIXTURES, 'clean'), dir, { recursive: true });
      const text = fs.readFileSync(path.join(dir, 'iris.runbook.yaml'), 'utf8');
      const check = async (): Promise<string[]> => {
        const service = new LanguageService(new NodeHost(dir, { now: () => NOW, ...drillHistoryFromAudit(dir) }));
        const ds = await service.validate({ uri: 'iris.runbook.yaml', version: 1, path: 'iris.runbook.yaml', text });
        return ds.map((d) => `${d.code}: ${d.message}`);
      };
      assert.deepEqual(await check(), [], 'no log: no drill history is kept here, nothing to warn about');
      // the first dry-run starts the log: the cadence counts from then, so nothing is overdue yet
      await appendAuditRecord(dir, { kind: 'dry-run', path: 'iris.runbook.yaml', verdict: 'ready' }, { now: () => NOW - DAY });
      assert.deepEqual(await check(), []);
      // a record of the runbook from 100 days ago: the log has known it that long without a drill
      await appendAuditRecord(dir, { kind: 'sign-off', path: 'iris.runbook.yaml', role: 'decisionMaker', verdict: 'signed-off' }, { now: () => NOW - 100 * DAY });
      assert.deepEqual(await check(), ['drill-overdue: no drill of this runbook is recorded in the 100 days since the audit log first saw it (2026-08-14); drills are due every 90d']);
      // records of other files do not start this runbook's cadence
      assert.equal(await drillHistoryFromAudit(dir).firstSeen('other.runbook.yaml'), undefined);
      assert.equal(await drillHistoryFromAudit(dir).firstSeen('./iris.runbook.yaml'), NOW - 100 * DAY);
      await appendAuditRecord(dir, drill(), { now: () => NOW - 100 * DAY });
      assert.deepEqual(await check(), ['drill-overdue: drill overdue: the last drill was on 2026-08-14 (100 days ago); drills are due every 90d']);
      await appendAuditRecord(dir, drill(), { now: () => NOW - 10 * DAY });
      assert.deepEqual(await check(), []);
    });
  });
});
