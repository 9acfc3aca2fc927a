// The current outputs of a `command` or `http` source exist only while a
// contract test runs. The diff view pages every row from files, so the run
// keeps a copy: `.rollback-lens/outputs/<contract>--<test>.jsonl` in the
// workspace (a folder that ignores itself in git), one output per line at
// the line number the source gave it, so the report's line numbers point
// into it. Written to a temporary file and renamed when the run ends; a run
// that fails or is cancelled leaves the previous copy as it was.
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import * as path from 'node:path';

export const KEPT_OUTPUTS_DIR = '.rollback-lens/outputs';

/** Where the outputs of `testId` of the contract at `contractRel` (workspace-relative) are kept. */
export function keptOutputsPath(workspace: string, contractRel: string, testId: string): string {
  const slug = `${contractRel}--${testId}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return path.join(workspace, KEPT_OUTPUTS_DIR, `${slug}.jsonl`);
}

export class OutputKeeper {
  private lines = 0;
  private buffer: string[] = [];
  private buffered = 0;
  private failed: Error | undefined;

  private constructor(
    readonly file: string,
    private readonly tmp: string,
    private readonly out: WriteStream,
  ) {
    out.on('error', (e) => (this.failed ??= e));
  }

  static async open(file: string): Promise<OutputKeeper> {
    const dir = path.dirname(file);
    await fs.mkdir(dir, { recursive: true });
    // the folder holds generated copies only: keep it out of git wherever it is
    await fs.writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    return new OutputKeeper(file, tmp, createWriteStream(tmp));
  }

  /** Appends an output at its 1-based line (blank lines fill any gap, so line numbers stay true). */
  add(line: number, text: string): void {
    let s = '';
    while (this.lines + 1 < line) {
      s += '\n';
      this.lines++;
    }
    s += text + '\n';
    this.lines++;
    this.buffer.push(s);
    this.buffered += s.length;
    if (this.buffered >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (!this.buffer.length) return;
    this.out.write(this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  /** Finishes the file and renames it over the previous copy. */
  async commit(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (this.failed) {
      await fs.rm(this.tmp, { force: true });
      throw this.failed;
    }
    await fs.rename(this.tmp, this.file);
  }

  /** Drops the temporary file. */
  async discard(): Promise<void> {
    this.out.destroy();
    await fs.rm(this.tmp, { force: true });
  }
}

/**
 * Saves a test's report beside its kept outputs (`…--<test>.report.json`), so a
 * diff view opened from a run can be restored after the editor restarts.
 */
export async function keepReport(workspace: string, report: { contract: { path: string }; testId: string }): Promise<string> {
  const file = keptOutputsPath(workspace, report.contract.path, report.testId).replace(/\.jsonl$/, '.report.json');
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(report));
  await fs.rename(tmp, file);
  return file;
}
