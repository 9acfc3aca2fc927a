// The git-history check of `audit verify`: every version of the log that
// HEAD's history committed (the newest `maxCommits` commits that changed it),
// and the staged one, must be a byte prefix of the file: a committed line
// cannot change or go away, however the chain was recomputed. The first
// (oldest) version the file contradicts is named, with the line. Contents are
// streamed from one `git cat-file --batch` (through ../git.ts) and compared
// with the file chunk by chunk. No repository, or the log not in git: the
// check is "not checked", never passed.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { blobIds, commitsChanging, GitError, readBlobs, repoOf, type FileCommit } from '../git';
import { plural, type AuditCheck } from './check';
import { AUDIT_LOG, AuditError, CHUNK, NL } from './record';

/** A version of the log in git: committed (with its commit) or staged. */
interface GitVersion {
  oid: string;
  size: number;
  commit?: FileCommit;
}

/** Every committed version (the newest maxCommits) and the staged one must be a byte prefix of the file. */
export async function historyCheck(root: string, file: string, exists: boolean, maxCommits: number): Promise<AuditCheck> {
  const notChecked = (why: string): AuditCheck => ({ check: 'git-history', status: 'not-checked', message: `no git history to compare: ${why}` });
  let rel: string;
  let top: string;
  let commits: FileCommit[];
  let more: boolean;
  let ids: Array<{ oid: string; size: number } | undefined>;
  try {
    const repo = await repoOf(root);
    top = repo.root;
    rel = repo.prefix + AUDIT_LOG;
    ({ commits, more } = await commitsChanging(top, rel, Math.max(1, maxCommits)));
    commits.reverse(); // oldest first: the first version the file contradicts is the one named
    ids = await blobIds(top, [...commits.map((c) => `${c.id}:${rel}`), `:${rel}`]);
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    if (e.kind === 'not-a-repository') return notChecked('the workspace is not in a git repository');
    if (e.kind === 'git-missing') return notChecked(e.message);
    return notChecked(`git failed: ${e.message}`);
  }
  const versions: GitVersion[] = [];
  const seen = new Set<string>();
  let committed = 0;
  commits.forEach((c, i) => {
    const id = ids[i];
    if (!id) return; // the log was deleted in this commit
    committed++;
    if (!seen.has(id.oid)) versions.push({ ...id, commit: c });
    seen.add(id.oid);
  });
  const staged = ids[commits.length];
  const stagedOwn = staged !== undefined && !seen.has(staged.oid);
  if (staged && stagedOwn) versions.push({ ...staged });
  if (versions.length === 0) return notChecked(`the log is not tracked by git (commit ${rel} to have its history checked)`);

  const failure = await firstNotPrefix(top, file, exists, versions);
  if (failure) return failure;
  const newest = commits.filter((_, i) => ids[i]).at(-1);
  let message: string;
  if (committed === 0) message = 'the staged version of the log is a prefix of the file (no commit of it yet)';
  else {
    const which = committed === 1 ? named(newest!) : `the newest ${named(newest!)}`;
    const many = committed > 1 || stagedOwn;
    message = `the ${plural(committed, 'committed version')} of the log, ${which},${stagedOwn ? ' and the staged one' : ''} ${many ? 'are prefixes' : 'is a prefix'} of the file`;
    if (more) message += `; only the newest ${commits.length} commits that changed it were compared`;
  }
  return { check: 'git-history', status: 'passed', message };
}

function named(c: FileCommit): string {
  return `${c.id.slice(0, 12)} (${c.date}, ${JSON.stringify(c.subject)})`;
}

/** Streams each version from git and compares it with the file's bytes; the first that is not a prefix, as a failed check. */
async function firstNotPrefix(top: string, file: string, exists: boolean, versions: GitVersion[]): Promise<AuditCheck | undefined> {
  let h: FileHandle | undefined;
  let size = 0;
  if (exists) {
    try {
      h = await fs.open(file, 'r');
      size = (await h.stat()).size;
    } catch (e) {
      throw new AuditError('io', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  const cur = Buffer.allocUnsafe(CHUNK);
  let failure: AuditCheck | undefined;
  try {
    await readBlobs(
      top,
      versions.map((v) => v.oid),
      async (i, _size, chunks) => {
        let pos = 0;
        let diffAt = -1;
        let linesBefore = 0; // newlines of the version before diffAt
        let newlines = 0;
        let last = -1;
        for await (const chunk of chunks) {
          if (diffAt === -1) {
            const want = Math.min(chunk.length, Math.max(0, size - pos));
            const got = want > 0 && h ? (await h.read(cur, 0, want, pos)).bytesRead : 0;
            let k = 0;
            if (got === chunk.length && chunk.equals(cur.subarray(0, got))) k = got;
            else while (k < got && chunk[k] === cur[k]) k++;
            if (k < chunk.length) {
              diffAt = pos + k;
              linesBefore = newlines + countNewlines(chunk, 0, k);
            }
          }
          newlines += countNewlines(chunk, 0, chunk.length);
          if (chunk.length) last = chunk[chunk.length - 1]!;
          pos += chunk.length;
        }
        if (diffAt === -1) return true;
        const v = versions[i]!;
        const total = newlines + (pos > 0 && last !== NL ? 1 : 0);
        const where = v.commit ? `the version committed in ${named(v.commit)}` : 'the staged version (git add)';
        const line = linesBefore + 1;
        let message: string;
        if (!exists) message = `the log does not exist, but ${where} has ${plural(total, 'line')}`;
        else if (diffAt === size && (size === 0 || (await lastByte(h!, size)) === NL)) {
          message = line === total ? `line ${line} of ${where} was removed from the end of the file` : `lines ${line}–${total} of ${where} were removed from the end of the file`;
        } else message = `line ${line} differs from line ${line} of ${where}: a committed line was changed, or lines were inserted or removed before it`;
        failure = { check: 'git-history', status: 'failed', message, line, ...(v.commit ? { commit: v.commit.id } : {}) };
        return false;
      },
    );
  } catch (e) {
    if (e instanceof GitError) return { check: 'git-history', status: 'not-checked', message: `no git history to compare: git failed: ${e.message}` };
    throw e;
  } finally {
    await h?.close();
  }
  return failure;
}

function countNewlines(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = b.indexOf(NL, start); i !== -1 && i < end; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

async function lastByte(h: FileHandle, size: number): Promise<number> {
  const b = Buffer.alloc(1);
  await h.read(b, 0, 1, size - 1);
  return b[0]!;
}
