// The schema loader's host for `test` (src/core/contract/schemas reads a
// contract's schemas and everything they `$ref` through it): workspace-relative
// paths confined to the workspace by src/node/workspace.ts before anything is
// opened or stat-ed (links followed: one that leads out is 'outside'), files
// larger than 16 MiB not read. The language service's host (src/node/language)
// answers the same way, so `validate` and `test` see the same files.
import { promises as fs } from 'node:fs';
import type { FileStat, SchemaHost } from '../../core/contract/schemas';
import { confine } from '../workspace';

const MAX_READ_BYTES = 16 * 1024 * 1024;

export class WorkspaceSchemaHost implements SchemaHost {
  constructor(private readonly root: string) {}

  private async real(rel: string): Promise<string | undefined> {
    const c = await confine(this.root, this.root, rel === '' ? '.' : rel);
    return c.ok ? c.real : undefined;
  }

  async stat(rel: string): Promise<FileStat> {
    const real = await this.real(rel);
    if (real === undefined) return 'outside';
    try {
      return (await fs.stat(real)).isDirectory() ? 'directory' : 'file';
    } catch {
      return 'missing';
    }
  }

  async readFile(rel: string): Promise<string | undefined> {
    const real = await this.real(rel);
    if (real === undefined) return undefined;
    try {
      const st = await fs.stat(real);
      if (!st.isFile() || st.size > MAX_READ_BYTES) return undefined;
      return await fs.readFile(real, 'utf8');
    } catch {
      return undefined;
    }
  }

  async listFiles(rel: string): Promise<string[]> {
    const real = await this.real(rel);
    if (real === undefined) return [];
    try {
      return (await fs.readdir(real, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch {
      return [];
    }
  }
}
