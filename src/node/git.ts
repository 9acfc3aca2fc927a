// Reading files as they were at a git revision, through the git binary
// (child_process.execFile, no shell). Every failure is a GitError whose kind
// says what went wrong: git not installed, not a repository, unknown revision,
// file absent at that revision, or any other git failure (with git's message).
import { execFile } from 'node:child_process';
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

interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs git; resolves with its output and exit code, rejects only when git cannot be started. */
function git(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      // C locale: git's messages are matched below; no prompts, no optional locks on someone else's repository
      { cwd, maxBuffer: MAX_BUFFER, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' }, windowsHide: true },
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
  const dir = path.dirname(file);
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
  return { root: top, path: prefix + path.basename(file) };
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

/** A reader of repository-relative paths at one commit, for loadContractVersion(). */
export function revisionReader(root: string, commit: string): (file: string) => Promise<string | undefined> {
  return (file) => readAtCommit(root, commit, file);
}
