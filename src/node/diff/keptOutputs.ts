// The current outputs of a `command` or `http` source exist only while a
// contract test runs. The diff view pages every row from files, so the run
// keeps a copy: `.rollback-lens/outputs/<contract>--<test>--<run id>.jsonl` in
// the workspace (a folder that ignores itself in git), one output per line at
// the line number the source gave it, so the report's line numbers point
// into it. Written to a temporary file (hashed as it is written) and renamed
// when the run ends; then the copies of earlier runs of the same test are
// removed (one copy per test is kept). A run that fails or is cancelled
// leaves the previous copy as it was. The report names its copy and its
// sha256, so a diff view never pages another run's rows as its own.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import * as path from 'node:path';

export const KEPT_OUTPUTS_DIR = '.rollback-lens/outputs';

/** A run's id: `r` and 12 hex digits, in the kept file's name and the report. */
export function newRunId(): string {
  return `r${randomBytes(6).toString('hex')}`;
}

function slugOf(contractRel: string, testId: string): string {
  return `${contractRel}--${testId}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Where run `runId` keeps the outputs of `testId` of the contract at `contractRel` (workspace-relative); without a run id, the report's name base. */
export function keptOutputsPath(workspace: string, contractRel: string, testId: string, runId?: string): string {
  return path.join(workspace, KEPT_OUTPUTS_DIR, `${slugOf(contractRel, testId)}${runId ? `--${runId}` : ''}.jsonl`);
}

export class OutputKeeper {
  private lines = 0;
  private buffer: string[] = [];
  private buffered = 0;
  private failed: Error | undefined;
  private readonly hash = createHash('sha256');
  /** sha256:… of the file, once committed. */
  digest: string | undefined;

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
    const chunk = this.buffer.join('');
    this.hash.update(chunk, 'utf8');
    this.out.write(chunk);
    this.buffer = [];
    this.buffered = 0;
  }

  /** Finishes the file, renames it into place and removes the copies earlier runs of the same test kept. */
  async commit(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (this.failed) {
      await fs.rm(this.tmp, { force: true });
      throw this.failed;
    }
    await fs.rename(this.tmp, this.file);
    this.digest = `sha256:${this.hash.digest('hex')}`;
    const name = path.basename(this.file);
    const m = /^(.*)--r[0-9a-f]{12}\.jsonl$/.exec(name);
    if (!m) return;
    const earlier = new RegExp(`^${m[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--r[0-9a-f]{12})?\\.jsonl$`);
    const dir = path.dirname(this.file);
    for (const f of await fs.readdir(dir).catch(() => [] as string[])) {
      if (f !== name && earlier.test(f)) await fs.rm(path.join(dir, f), { force: true });
    }
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
