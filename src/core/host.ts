// What the language service needs from the world, injected. The core never
// touches files itself; the node layer and the editor adapter implement this.

export type FileStat = 'file' | 'directory' | 'missing' | 'outside';

export interface LanguageHost {
  /** Reads a workspace file by workspace-relative posix path; undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** What is at a workspace-relative posix path; 'outside' when it resolves outside the workspace (e.g. a symlink). */
  stat(path: string): Promise<FileStat>;
  /** Now, in epoch milliseconds (injectable clock). */
  now(): number;
  /**
   * The time of the last recorded drill of a runbook (workspace-relative path),
   * null when none is recorded, undefined when no drill history is available.
   */
  lastDrill?(runbookPath: string): Promise<number | null | undefined>;
}

/** Resolves `ref` against the folder of `fromPath`; undefined when it leaves the workspace root. */
export function resolveWorkspacePath(fromPath: string, ref: string): string | undefined {
  if (ref.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(ref) || ref.startsWith('\\')) return undefined;
  const base = fromPath.split('/').slice(0, -1);
  const parts = [...base];
  for (const seg of ref.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}
