// The language host on a real file system (also the schema loader's host:
// src/core/contract/schemas): workspace-relative reads and listings confined
// to the workspace by src/node/workspace.ts (also through symlinks, refused
// before the target is opened or stat-ed), and the calendar of src/node/clock.ts
// (ROLLBACK_LENS_NOW when set, else the real clock) unless a clock is given.
// The policy that applies to a document is found by src/node/policy.ts (the
// one named by `--policy` / the setting, else the nearest *.policy.yaml).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FileStat, LanguageHost, PolicySource } from '../../core/language/host';
import { policyFor, type PolicyChoice } from '../policy';
import { calendarClockOrReal } from '../clock';
import { confine } from '../workspace';


export interface NodeHostOptions {
  /** Largest referenced file read, in bytes. */
  maxReadBytes?: number;
  /** The calendar (default: ROLLBACK_LENS_NOW when set and valid, else the real clock). */
  now?: () => number;
  lastDrill?: LanguageHost['lastDrill'];
  firstSeen?: LanguageHost['firstSeen'];
  lastDrillRun?: LanguageHost['lastDrillRun'];
  lastContractRun?: LanguageHost['lastContractRun'];
  /** The policy the user named (`--policy`, the setting), read at each validation; none: the nearest *.policy.yaml. */
  policy?: () => PolicyChoice | undefined;
}

export class NodeHost implements LanguageHost {
  private rootReal: Promise<string>;
  private readonly maxReadBytes: number;
  readonly lastDrill: LanguageHost['lastDrill'];
  readonly firstSeen: LanguageHost['firstSeen'];
  readonly lastDrillRun: LanguageHost['lastDrillRun'];
  readonly lastContractRun: LanguageHost['lastContractRun'];
  private readonly clock: () => number;
  private readonly policy: () => PolicyChoice | undefined;

  constructor(
    readonly root: string,
    options: NodeHostOptions = {},
  ) {
    this.rootReal = fs.realpath(root).catch(() => path.resolve(root));
    this.maxReadBytes = options.maxReadBytes ?? 16 * 1024 * 1024;
    this.clock = options.now ?? calendarClockOrReal();
    this.lastDrill = options.lastDrill;
    this.firstSeen = options.firstSeen;
    this.lastDrillRun = options.lastDrillRun;
    this.lastContractRun = options.lastContractRun;
    this.policy = options.policy ?? (() => undefined);
  }

  policyFor(documentPath: string): Promise<PolicySource | null> {
    return policyFor(this.root, documentPath, this.policy());
  }

  now(): number {
    return this.clock();
  }

  /** The real path of a workspace-relative one, or 'outside' when it (or a link on the way) leaves the workspace. */
  private async inside(rel: string): Promise<string | 'outside'> {
    const root = await this.rootReal;
    const c = await confine(root, root, rel);
    return c.ok ? c.real : 'outside';
  }

  async stat(rel: string): Promise<FileStat> {
    const real = await this.inside(rel);
    if (real === 'outside') return 'outside';
    try {
      const st = await fs.stat(real);
      return st.isDirectory() ? 'directory' : 'file';
    } catch {
      return 'missing';
    }
  }

  /** The names of the files (not folders) in a workspace folder; none when it is outside or unreadable. */
  async listFiles(rel: string): Promise<string[]> {
    const real = await this.inside(rel === '' ? '.' : rel);
    if (real === 'outside') return [];
    try {
      return (await fs.readdir(real, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch {
      return [];
    }
  }

  async readFile(rel: string): Promise<string | undefined> {
    const real = await this.inside(rel);
    if (real === 'outside') return undefined;
    try {
      const st = await fs.stat(real);
      if (!st.isFile() || st.size > this.maxReadBytes) return undefined;
      return await fs.readFile(real, 'utf8');
    } catch {
      return undefined;
    }
  }
}
