// What the language service needs from the world, injected. The core never
// touches files itself; the node layer and the editor adapter implement this.

export type FileStat = 'file' | 'directory' | 'missing' | 'outside';

export interface LanguageHost {
  /** Reads a workspace file by workspace-relative posix path; undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** What is at a workspace-relative posix path; 'outside' when it resolves outside the workspace (e.g. a symlink). */
  stat(path: string): Promise<FileStat>;
  /** The names of the files in a workspace folder (for a schema `$ref` to an `$id` declared next to it); optional. */
  listFiles?(dir: string): Promise<string[]>;
  /** Now, in epoch milliseconds (injectable clock). */
  now(): number;
  /**
   * The time of the last recorded drill of a runbook (workspace-relative path),
   * null when none is recorded, undefined when no drill history is available.
   */
  lastDrill?(runbookPath: string): Promise<number | null | undefined>;
}
