// The one git module: everything Rollback Lens learns from a repository comes
// through here. Files as they were at a revision, histories and blobs go
// through the git binary (child_process.execFile/spawn, no shell). Every failure
// is a GitError whose kind says what went wrong: git not installed, not a
// repository, unknown revision, file absent at that revision, or any other git
// failure (with git's message). Histories are read with bounded memory: the
// commits that changed a file come from one streamed `git log` (at most `max`
// of them kept), and file contents from one `git cat-file --batch`, handed over
// in chunks, never whole.
// The commit HEAD names, two ways: headCommit asks git (`git rev-parse`, a
// process, bounded by a timeout); headCommitFromFiles reads HEAD, the loose
// refs and packed-refs itself, spawns nothing and works without a git binary
// (every audit record is stamped with it, so it must stay fast), and falls back
// to headCommit only when the files cannot tell (e.g. reftable). Both return
// null rather than throw.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export type GitErrorKind = 'git-missing' | 'not-a-repository' | 'unknown-revision' | 'not-a-file' | 'git-failed';

export class GitError extends Error {
  constructor(
    readonly kind: GitErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A file's place in its repository. */
export interface RepoPath {
  /** Absolute path of the work tree's top folder. */
  root: string;
  /** Path of the file from the top folder, with forward slashes. */
  path: string;
}

const MAX_BUFFER = 64 * 1024 * 1024;
/** A full commit id: SHA-1 (40 hex digits) or SHA-256 (64). */
const COMMIT_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

// C locale: git's messages are matched below; no prompts, no optional locks on someone else's repository
const GIT_ENV = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' });

/** Runs git; resolves with its output and exit code, rejects only when git cannot be started (or outlives `timeoutMs`). */
function git(args: string[], cwd: string, timeoutMs = 0): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, maxBuffer: MAX_BUFFER, encoding: 'utf8', env: GIT_ENV(), windowsHide: true, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code !== 'number') {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' && !stderr) reject(new GitError('git-missing', 'git is not installed or not on the PATH'));
          else reject(new GitError('git-failed', `git ${args[0]} failed: ${error.message}`));
          return;
        }
        resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
      },
    );
  });
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  ).replace(/^fatal: /, '');
}

/** The repository that holds `file` (absolute), and the file's path in it. Its folder must exist. */
export async function repoPathOf(file: string): Promise<RepoPath> {
  const { root, prefix } = await repoOf(path.dirname(file));
  return { root, path: prefix + path.basename(file) };
}

/** The work tree holding the folder `dir` (which must exist): its top folder, and `dir`'s path in it ('' at the top, else ending in `/`). */
export async function repoOf(dir: string): Promise<{ root: string; prefix: string }> {
  // a missing cwd makes spawn fail with ENOENT too: tell it apart from a missing git
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new GitError('not-a-repository', `${dir} is not a folder`);
  const r = await git(['rev-parse', '--show-toplevel', '--show-prefix'], dir);
  if (r.code !== 0) {
    if (/not a git repository/i.test(r.stderr)) throw new GitError('not-a-repository', `${dir} is not in a git repository`);
    throw new GitError('git-failed', `git rev-parse failed in ${dir}: ${firstLine(r.stderr)}`);
  }
  const [top, prefix = ''] = r.stdout.split('\n');
  if (!top) throw new GitError('not-a-repository', `${dir} is not in a git work tree`);
  return { root: top, prefix };
}

/** The commit HEAD names, or null (no repository, no commit yet, git missing, or no answer within `timeoutMs`). Never throws. */
export async function headCommit(cwd: string, timeoutMs = 5000): Promise<string | null> {
  try {
    const r = await git(['rev-parse', '--verify', '--quiet', 'HEAD'], cwd, timeoutMs);
    const id = r.stdout.trim();
    return r.code === 0 && COMMIT_RE.test(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * The commit checked out in the repository holding `dir` (HEAD resolved through
 * loose refs and packed-refs, worktrees and submodules included; headCommit
 * (`git rev-parse HEAD`) when the files say nothing, e.g. reftable). Null when
 * `dir` is not in a repository, HEAD has no commit yet, or anything fails:
 * never throws.
 */
export async function headCommitFromFiles(dir: string): Promise<string | null> {
  try {
    const gitDir = await findGitDir(path.resolve(dir));
    if (!gitDir) return null;
    const fromFiles = await commitFromFiles(gitDir);
    if (fromFiles !== undefined) return fromFiles;
    return await headCommit(dir);
  } catch {
    return null;
  }
}

async function findGitDir(start: string): Promise<string | undefined> {
  for (let dir = start; ; ) {
    const dotGit = path.join(dir, '.git');
    const st = await fs.stat(dotGit).catch(() => undefined);
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(await fs.readFile(dotGit, 'utf8'));
      return m ? path.resolve(dir, m[1]!) : undefined;
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The commit from HEAD and the refs files; null for an unborn branch; undefined when the files cannot tell. */
async function commitFromFiles(gitDir: string): Promise<string | null | undefined> {
  const head = (await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
  if (COMMIT_RE.test(head)) return head;
  const m = /^ref:\s*(refs\/\S+)$/.exec(head);
  if (!m) return undefined;
  const ref = m[1]!;
  const common = await fs
    .readFile(path.join(gitDir, 'commondir'), 'utf8')
    .then((c) => path.resolve(gitDir, c.trim()))
    .catch(() => gitDir);
  for (const base of new Set([gitDir, common])) {
    const loose = await fs.readFile(path.join(base, ...ref.split('/')), 'utf8').catch(() => undefined);
    if (loose !== undefined && COMMIT_RE.test(loose.trim())) return loose.trim();
  }
  const packed = await fs.readFile(path.join(common, 'packed-refs'), 'utf8').catch(() => undefined);
  for (const line of packed?.split('\n') ?? []) {
    const [id, name] = line.trim().split(' ');
    if (name === ref && id && COMMIT_RE.test(id)) return id;
  }
  return undefined;
}

/** The commit a revision names (`HEAD~1`, `main`, `v1.4.2`, a sha). */
export async function resolveCommit(root: string, rev: string): Promise<string> {
  if (!rev || rev.startsWith('-') || /[\0\n]/.test(rev)) throw new GitError('unknown-revision', `\`${rev}\` is not a git revision`);
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], root);
  const sha = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) throw new GitError('unknown-revision', `unknown revision \`${rev}\` in the repository at ${root}`);
  return sha;
}

/**
 * The text of a file (repository-relative posix path) at a commit; undefined
 * when no such file exists there. A folder or symbolic link at that path is a
 * GitError of kind 'not-a-file'.
 */
export async function readAtCommit(root: string, commit: string, file: string): Promise<string | undefined> {
  const ls = await git(['ls-tree', '-z', '--full-tree', commit, '--', file], root);
  if (ls.code !== 0) throw new GitError('git-failed', `git ls-tree failed: ${firstLine(ls.stderr)}`);
  const entry = ls.stdout.split('\0').find((e) => e.endsWith(`\t${file}`));
  if (!entry) return undefined;
  const [mode, type] = entry.split(/[ \t]/);
  if (type !== 'blob' || mode === '120000') {
    throw new GitError('not-a-file', `${file} is a ${type === 'tree' ? 'folder' : mode === '120000' ? 'symbolic link' : type} at ${commit.slice(0, 12)}, not a file`);
  }
  const r = await git(['show', '--no-textconv', `${commit}:${file}`], root);
  if (r.code !== 0) throw new GitError('git-failed', `git show ${commit.slice(0, 12)}:${file} failed: ${firstLine(r.stderr)}`);
  return r.stdout;
}

/** The names of the files (not folders or links) in a folder (repository-relative posix path, '' the top) at a commit; none when there is no such folder. */
export async function listAtCommit(root: string, commit: string, dir: string): Promise<string[]> {
  const ls = await git(['ls-tree', '-z', '--full-tree', commit, '--', ...(dir === '' ? [] : [`${dir}/`])], root);
  if (ls.code !== 0) throw new GitError('git-failed', `git ls-tree failed: ${firstLine(ls.stderr)}`);
  return ls.stdout
    .split('\0')
    .map((e) => /^(\d+) (\w+) \S+\t(.*)$/s.exec(e))
    .flatMap((m) => (m && m[2] === 'blob' && m[1] !== '120000' ? [m[3]!.slice(m[3]!.lastIndexOf('/') + 1)] : []));
}

/** A reader of repository-relative paths at one commit, for loadContractVersion(). */
export function revisionReader(root: string, commit: string): (file: string) => Promise<string | undefined> {
  return (file) => readAtCommit(root, commit, file);
}

// ---- histories, streamed --------------------------------------------------------------------

/** A commit that changed a file. */
export interface FileCommit {
  id: string;
  /** Committer date, YYYY-MM-DD. */
  date: string;
  subject: string;
}

/**
 * The commits of HEAD's history that changed `file` (repository-relative
 * posix path), newest first, at most `max`; `more` when older ones exist.
 * Empty when HEAD has no commit yet. git's output is read as a stream and
 * git is stopped once `max + 1` commits were seen.
 */
export async function commitsChanging(root: string, file: string, max: number): Promise<{ commits: FileCommit[]; more: boolean }> {
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD'], root);
  if (head.code !== 0) return { commits: [], more: false }; // unborn branch
  const commits: FileCommit[] = [];
  let more = false;
  const child = start(['log', `--max-count=${max + 1}`, '--no-show-signature', '--format=%H%x00%cs%x00%s', 'HEAD', '--', file], root);
  const stderr = collect(child.stderr!);
  const exited = exitOf(child);
  try {
    for await (const line of lines(child.stdout!)) {
      if (line === '') continue;
      if (commits.length === max) {
        more = true;
        break;
      }
      const [id = '', date = '', subject = ''] = line.split('\0');
      commits.push({ id, date, subject });
    }
  } finally {
    if (more) stop(child);
  }
  const code = await exited;
  if (!more && code !== 0) throw new GitError('git-failed', `git log failed: ${firstLine(await stderr)}`);
  return { commits, more };
}

/** A blob named by `<commit>:<path>` or `:<path>` (the index). */
export interface BlobId {
  oid: string;
  size: number;
}

/** Each name's blob (`<commit>:<path>`, `:<path>` for the staged version), or undefined where there is none. One `git cat-file --batch-check`. */
export async function blobIds(root: string, names: string[]): Promise<Array<BlobId | undefined>> {
  for (const n of names) if (/[\n\0]/.test(n)) throw new GitError('git-failed', `cannot name ${JSON.stringify(n)} to git`);
  const child = start(['cat-file', '--batch-check'], root);
  const stderr = collect(child.stderr!);
  const exited = exitOf(child);
  const feeding = feed(child, names.map((n) => n + '\n'));
  const out: Array<BlobId | undefined> = [];
  for await (const line of lines(child.stdout!)) {
    const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(line);
    out.push(m && m[2] === 'blob' ? { oid: m[1]!, size: Number(m[3]) } : undefined);
  }
  await feeding;
  const code = await exited;
  if (code !== 0 || out.length !== names.length) throw new GitError('git-failed', `git cat-file --batch-check failed: ${firstLine(await stderr) || `${out.length} of ${names.length} answers`}`);
  return out;
}

/**
 * The contents of blobs, in order, through one `git cat-file --batch`: for
 * each, `onBlob(index, size, chunks)` must read `chunks` (the blob's bytes,
 * at most 64 KiB at a time) or leave them; it returns false to stop early
 * (git is then stopped).
 */
export async function readBlobs(root: string, oids: string[], onBlob: (index: number, size: number, chunks: AsyncIterable<Buffer>) => Promise<boolean>): Promise<void> {
  const child = start(['cat-file', '--batch'], root);
  const stderr = collect(child.stderr!);
  const exited = exitOf(child);
  const feeding = feed(
    child,
    oids.map((o) => o + '\n'),
  );
  const reader = new ByteReader(child.stdout!);
  let stopped = false;
  try {
    for (let i = 0; i < oids.length; i++) {
      const header = await reader.line();
      const m = header === undefined ? null : /^([0-9a-f]{40,64}) blob (\d+)$/.exec(header);
      if (!m) throw new GitError('git-failed', `git cat-file --batch: unexpected answer for ${oids[i]}: ${JSON.stringify(header ?? '(end)')} ${firstLine(await stderr)}`);
      const size = Number(m[2]);
      const chunks = reader.take(size);
      const go = await onBlob(i, size, chunks);
      for await (const _ of chunks) {
        // drain what the callback left
      }
      await reader.take(1)[Symbol.asyncIterator]().next(); // the newline after the contents
      if (!go) {
        stopped = true;
        break;
      }
    }
  } finally {
    if (stopped || child.exitCode === null) stop(child);
    await feeding.catch(() => undefined);
  }
  await exited;
}

/** Stops a git that is no longer listened to (its pipes closed, so it cannot block on a full one). */
function stop(child: ChildProcess): void {
  child.stdout?.destroy();
  child.stdin?.destroy();
  child.kill();
}

function start(args: string[], cwd: string): ChildProcess {
  const child = spawn('git', args, { cwd, env: GIT_ENV(), windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => undefined); // git stopped early: EPIPE
  return child;
}

/** Resolves with the exit code; rejects with a GitError when git cannot be started. */
function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new GitError('git-missing', 'git is not installed or not on the PATH') : new GitError('git-failed', `git failed: ${e.message}`)),
    );
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/** Writes the lines to git's stdin with back-pressure, then closes it. */
async function feed(child: ChildProcess, input: string[]): Promise<void> {
  const stdin = child.stdin!;
  for (const s of input) {
    if (stdin.destroyed) return;
    if (!stdin.write(s)) await new Promise<void>((r) => (stdin.once('drain', r), stdin.once('close', r)));
  }
  stdin.end();
}

/** The first 64 KiB of a stream, as text (git's messages). */
async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const c of stream) if (text.length < 65536) text += String(c);
  return text;
}

/** A stream's lines, without their newline (a line longer than 64 KiB is cut). */
async function* lines(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  const reader = new ByteReader(stream);
  for (let l = await reader.line(); l !== undefined; l = await reader.line()) yield l;
}

/** Reads a byte stream by lines and by exact byte counts. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer | string>;
  private done = false;

  constructor(stream: NodeJS.ReadableStream) {
    this.it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
    return true;
  }

  /** The next line without its newline; undefined at the end. */
  async line(): Promise<string | undefined> {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl !== -1) {
        const l = this.buf.subarray(0, Math.min(nl, 65536)).toString('utf8');
        this.buf = this.buf.subarray(nl + 1);
        return l;
      }
      if (this.buf.length > 65536) this.buf = this.buf.subarray(0, 65536); // cut an overlong line
      if (!(await this.more())) {
        if (this.buf.length === 0) return undefined;
        const l = this.buf.toString('utf8');
        this.buf = Buffer.alloc(0);
        return l;
      }
    }
  }

  /** Exactly `n` bytes (fewer only when the stream ends first), in chunks of at most 64 KiB; reading stops wherever the consumer stops. */
  async *take(n: number): AsyncIterable<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.more())) return;
      const k = Math.min(left, this.buf.length, 65536);
      const chunk = Buffer.from(this.buf.subarray(0, k));
      this.buf = this.buf.subarray(k);
      left -= k;
      yield chunk;
    }
  }
}
