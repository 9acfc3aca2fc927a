// The workspace on disk: resolve a reference, confine it to the workspace,
// display it. Every file a runbook or contract names (metrics snapshots, state
// schemas and samples, flag files, scripts, contracts, inputs, baselines,
// schemas) goes through `confine` before anything opens or stats it:
//
// - a reference is resolved against the folder of the file that names it;
//   an absolute reference is refused, as the language service refuses it
//   (src/core/util/path.ts resolveWorkspacePath), so the editor and the CLI agree;
// - `..` that leaves the workspace is refused lexically;
// - links are followed: the real path of the deepest existing ancestor (and of
//   a dangling link's target) must lie inside the workspace's real path, so a
//   link inside the workspace that points out is refused, also for a path that
//   does not exist yet (a file a drill will write).
//
// Which folder is the workspace (findWorkspace), for every command alike: the
// `--workspace` folder, else the nearest enclosing git work tree (a folder
// holding `.git`, a folder or a worktree's file), else the current folder.
// Paths are shown relative to the current folder (displayPath), so a
// `file:line:col` in the output opens from where the command ran.
//
// Only the workspace's own folders and the links on the way are looked at
// (realpath, readlink); the target is never opened or stat-ed when refused.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

export type Confined = { ok: true; path: string; real: string } | { ok: false; message: string };

/** Thrown by readConfined: a located caller turns `message` into a finding. */
export class WorkspaceError extends Error {}

/**
 * `ref` resolved against `fromDir` and confined to `workspace`: `path` is the
 * resolved path, `real` the one to open (links followed). `what` prefixes the
 * refusal: "state schema `x` is outside the workspace (through a link)".
 */
export async function confine(workspace: string, fromDir: string, ref: string, what?: string): Promise<Confined> {
  if (path.isAbsolute(ref) || /^[a-zA-Z]:[\\/]/.test(ref) || ref.startsWith('\\')) return refused(ref, what, false);
  return confinePath(workspace, path.resolve(fromDir, ref), ref, what);
}

/** An already resolved absolute path confined to `workspace` (lexically, then through links); `shown` names it in the refusal. */
export async function confinePath(workspace: string, abs: string, shown: string = abs, what?: string): Promise<Confined> {
  const root = path.resolve(workspace);
  const rootReal = await fs.realpath(root).catch(() => root);
  if (!isWithin(root, abs) && !isWithin(rootReal, abs)) return refused(shown, what, false);
  const real = await realOf(abs);
  if (!isWithin(rootReal, real)) return refused(shown, what, true);
  return { ok: true, path: abs, real };
}

function refused(ref: string, what: string | undefined, link: boolean): Confined {
  return { ok: false, message: `${what ? `${what} ` : ''}\`${ref}\` is outside the workspace${link ? ' (through a link)' : ''}` };
}

/**
 * The UTF-8 text (BOM removed) of a confined reference; a WorkspaceError with
 * the reason when it is outside, missing, a folder or unreadable.
 */
export async function readConfined(workspace: string, fromDir: string, ref: string, what: string): Promise<string> {
  const c = await confine(workspace, fromDir, ref, what);
  if (!c.ok) throw new WorkspaceError(c.message);
  try {
    const text = await fs.readFile(c.real, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WorkspaceError(`${what} \`${ref}\` ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? (e as Error).message})`}`);
  }
}

/** The real path of `abs`: the deepest existing ancestor's real path plus the rest; a dangling link is followed to its target. */
export async function realOf(abs: string): Promise<string> {
  let cur = abs;
  const rest: string[] = [];
  for (let hops = 0; ; ) {
    try {
      return path.join(await fs.realpath(cur), ...rest);
    } catch {
      const link = await fs.readlink(cur).catch(() => undefined);
      if (link !== undefined && hops++ < 40) {
        cur = path.resolve(path.dirname(cur), link);
        continue;
      }
      const parent = path.dirname(cur);
      if (parent === cur) return path.join(cur, ...rest);
      rest.unshift(path.basename(cur));
      cur = parent;
    }
  }
}

/** Whether `p` is `root` or below it (lexically). */
export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Workspace-relative posix path of `abs`. */
export function toWorkspacePath(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** The workspace of a command run in `cwd`: `explicit` (resolved against cwd), else the nearest enclosing git work tree, else cwd. */
export function findWorkspace(cwd: string, explicit: string | undefined): string {
  const start = path.resolve(cwd);
  if (explicit !== undefined) return path.resolve(start, explicit);
  for (let d = start; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return start;
  }
}

/** `file` as the output shows it: relative to `cwd` (`../iris.runbook.yaml` too), posix separators; absolute only when no relative path exists (another drive). */
export function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  if (rel === '') return path.basename(file);
  return (path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
}
