// `rollback-lens compat`: classifies every change between two versions of an
// interface contract, from two files or from one file and a git revision
// (schemas read at that revision too). The comparison itself is
// compareContracts() in src/core/contract/compat/; this module only reads
// files and prints. Exit codes: 0 compatible (risky changes are reported but pass unless
// --strict), 1 breaking changes, 2 usage or I/O error.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { compareContracts, ContractLoadError, loadContractVersion, type CompatChange, type CompatReport, type ContractVersion, type ReadFile } from '../core/contract/compat';
import { asObject } from '../core/util/object';
import { parseDate } from '../core/util/values';
import { calendarClock } from '../node/clock';
import { GitError, listAtCommit, readAtCommit, repoPathOf, resolveCommit } from '../node/git';
import { UsageError, type CliIO } from './io';
import { plural } from '../core/util/plural';

/** Largest contract or schema file read from disk. */
const MAX_BYTES = 16 * 1024 * 1024;

/** `rollback-lens compat`, its options parsed by main() (src/cli/commands.ts). */
export async function compatCommand(
  { values, positionals }: { values: { against?: string; format: string; today?: string; strict?: boolean }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not \`${format}\``);
  let now = calendarClock()(); // main() has checked ROLLBACK_LENS_NOW
  if (values.today !== undefined) {
    const d = parseDate(values.today);
    if (!d.ok) throw new UsageError(`--today: ${d.error.message}`);
    now = d.value;
  }
  if (positionals.length === 0) throw new UsageError('give two contracts, or one contract and --against <git-revision>');
  if (positionals.length > 2) throw new UsageError(`too many arguments: ${positionals.slice(2).join(' ')}`);
  if (positionals.length === 2 && values.against !== undefined) throw new UsageError('--against compares one contract with its own history: give one contract, not two');

  let versions: { before: ContractVersion; after: ContractVersion };
  try {
    versions = await loadVersions(positionals, values.against, io.cwd);
  } catch (e) {
    if (e instanceof ContractLoadError || e instanceof GitError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const report = compareContracts(versions.before, versions.after, { now });
  if (format === 'json') {
    io.stdout.write(toJson(versions.before.doc.file, versions.after.doc.file, report) + '\n');
  } else {
    const text = toText(report.changes);
    if (text) io.stdout.write(text + '\n');
    io.stderr.write(summary(versions.before.doc.file, versions.after.doc.file, report) + '\n');
  }
  if (report.verdict === 'breaking') return 1;
  if (report.verdict === 'risky' && values.strict) return 1;
  return 0;
}

// ---- reading the two versions -------------------------------------------------------

async function loadVersions(positionals: string[], against: string | undefined, cwd: string): Promise<{ before: ContractVersion; after: ContractVersion }> {
  const newAbs = path.resolve(cwd, positionals[positionals.length - 1]!);
  if (positionals.length === 2) {
    const before = await loadFromDisk(path.resolve(cwd, positionals[0]!), cwd);
    const after = await loadFromDisk(newAbs, cwd);
    return { before, after };
  }
  const after = await loadFromDisk(newAbs, cwd);
  if (against !== undefined) return { before: await loadAtRevision(newAbs, against), after };
  // one contract: what its compatibility section names
  const compat = asObject(asObject(after.contract).compatibility);
  if (typeof compat.revision === 'string') return { before: await loadAtRevision(newAbs, compat.revision), after };
  if (typeof compat.file === 'string') return { before: await loadFromDisk(path.resolve(path.dirname(newAbs), compat.file), cwd), after };
  throw new UsageError(`${after.doc.file} has no compatibility.file or compatibility.revision: give the old contract, or --against <git-revision>`);
}

/** A contract from the working tree; `$ref` schema paths resolve against its folder. */
function loadFromDisk(abs: string, cwd: string): Promise<ContractVersion> {
  // the reader's root is the file system root, so `../shared/x.schema.json` references resolve
  const root = path.parse(abs).root;
  const rel = path.relative(root, abs).split(path.sep).join('/');
  return loadContractVersion(rel, fileReader(root), { display: (p) => displayPath(cwd, path.join(root, ...p.split('/'))), listFiles: (dir) => filesIn(path.join(root, ...dir.split('/'))) });
}

/** The same contract at a git revision, with its schema files at that revision. */
async function loadAtRevision(abs: string, rev: string): Promise<ContractVersion> {
  const repo = await repoPathOf(abs);
  const commit = await resolveCommit(repo.root, rev);
  const cache = new Map<string, Promise<string | undefined>>();
  const read: ReadFile = (p) => {
    let r = cache.get(p);
    if (!r) cache.set(p, (r = readAtCommit(repo.root, commit, p)));
    return r;
  };
  if ((await read(repo.path)) === undefined) throw new ContractLoadError(`${repo.path} does not exist at revision ${rev} (${commit.slice(0, 12)})`);
  return loadContractVersion(repo.path, read, { display: (p) => `${rev}:${p}`, listFiles: (dir) => listAtCommit(repo.root, commit, dir) });
}

function fileReader(root: string): ReadFile {
  return async (rel) => {
    const abs = path.join(root, ...rel.split('/'));
    let st: Stats;
    try {
      st = await fs.stat(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
    if (st.isDirectory()) throw new Error('it is a folder, not a file');
    if (st.size > MAX_BYTES) throw new Error(`it is larger than ${MAX_BYTES} bytes`);
    return fs.readFile(abs, 'utf8');
  };
}

/** The names of the files in a folder (where a schema declaring an `$id` is looked for); none when it cannot be read. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return (rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file).split(path.sep).join('/');
}

// ---- output -----------------------------------------------------------------------

/** One line per change: `file:line:col: class code message` (1-based), or `file: class code message` without a position. */
export function toText(changes: CompatChange[]): string {
  return changes
    .map((c) => {
      const l = c.location;
      const where = l.line !== undefined ? `${l.file}:${l.line + 1}:${(l.character ?? 0) + 1}` : l.file;
      return `${where}: ${c.class} ${c.code} ${c.message}`;
    })
    .join('\n');
}

export function toJson(before: string, after: string, report: CompatReport): string {
  return JSON.stringify({ old: before, new: after, verdict: report.verdict, counts: report.counts, changes: report.changes }, null, 2);
}

function summary(before: string, after: string, report: CompatReport): string {
  const n = report.changes.length;
  if (n === 0) return `${before} → ${after}: no changes`;
  const { breaking, risky, compatible } = report.counts;
  return `${before} → ${after}: ${plural(n, 'change')}: ${breaking} breaking, ${risky} risky, ${compatible} compatible`;
}
