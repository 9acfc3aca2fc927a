// The language host on a real file system: workspace-relative reads confined
// to the workspace (also through symlinks), and the calendar of src/node/clock.ts
// (ROLLBACK_LENS_NOW when set, else the real clock) unless a clock is given.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FileStat, LanguageHost } from '../core/host';
import { calendarClockOrReal } from './clock';

export interface NodeHostOptions {
  /** Largest referenced file read, in bytes. */
  maxReadBytes?: number;
  /** The calendar (default: ROLLBACK_LENS_NOW when set and valid, else the real clock). */
  now?: () => number;
  lastDrill?: LanguageHost['lastDrill'];
}

export class NodeHost implements LanguageHost {
  private rootReal: Promise<string>;
  private readonly maxReadBytes: number;
  readonly lastDrill: LanguageHost['lastDrill'];
  private readonly clock: () => number;

  constructor(
    readonly root: string,
    options: NodeHostOptions = {},
  ) {
    this.rootReal = fs.realpath(root).catch(() => path.resolve(root));
    this.maxReadBytes = options.maxReadBytes ?? 16 * 1024 * 1024;
    this.clock = options.now ?? calendarClockOrReal();
    this.lastDrill = options.lastDrill;
  }

  now(): number {
    return this.clock();
  }

  /** Absolute path of a workspace-relative one, or undefined when it leaves the workspace. */
  private async inside(rel: string): Promise<{ abs: string; real: string | undefined } | 'outside'> {
    const root = await this.rootReal;
    const abs = path.resolve(root, rel);
    if (!isWithin(root, abs)) return 'outside';
    let real: string | undefined;
    try {
      real = await fs.realpath(abs);
    } catch {
      real = undefined;
    }
    if (real !== undefined && !isWithin(root, real)) return 'outside';
    return { abs, real };
  }

  async stat(rel: string): Promise<FileStat> {
    const at = await this.inside(rel);
    if (at === 'outside') return 'outside';
    if (at.real === undefined) return 'missing';
    try {
      const st = await fs.stat(at.real);
      return st.isDirectory() ? 'directory' : 'file';
    } catch {
      return 'missing';
    }
  }

  async readFile(rel: string): Promise<string | undefined> {
    const at = await this.inside(rel);
    if (at === 'outside' || at.real === undefined) return undefined;
    try {
      const st = await fs.stat(at.real);
      if (!st.isFile() || st.size > this.maxReadBytes) return undefined;
      return await fs.readFile(at.real, 'utf8');
    } catch {
      return undefined;
    }
  }
}

export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Workspace-relative posix path of `abs`. */
export function toWorkspacePath(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}
