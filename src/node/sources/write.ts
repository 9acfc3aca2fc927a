// Writing outputs to a file so that a crash, or a source that fails half-way,
// leaves the old file as it was: everything goes to a temporary file in the
// same folder, which is fsynced and only then renamed over the target.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A temporary file written and fsynced, waiting to replace its target. */
export interface PreparedFile {
  file: string;
  tmp: string;
  bytes: number;
  /** `sha256:<hex>` of the content. */
  digest: string;
  /** Renames the temporary file over the target (then fsyncs the folder). */
  commit(): Promise<void>;
  /** Removes the temporary file. */
  discard(): Promise<void>;
}

export interface WrittenOutputs extends PreparedFile {
  rows: number;
}

function tmpName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function prepared(file: string, tmp: string, bytes: number, digest: string): PreparedFile {
  return {
    file,
    tmp,
    bytes,
    digest,
    async commit() {
      try {
        await fs.rename(tmp, file);
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
      await syncFolder(path.dirname(file));
    },
    async discard() {
      await fs.rm(tmp, { force: true });
    },
  };
}

/** Makes a rename durable; not every platform can open a folder, and that is fine. */
async function syncFolder(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    /* best effort */
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/** Writes `data` to a temporary file beside `file`; commit() puts it in place. */
export async function prepareFile(file: string, data: string | Uint8Array): Promise<PreparedFile> {
  const tmp = tmpName(file);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const h = await fs.open(tmp, 'wx');
  try {
    await h.writeFile(buf);
    await h.sync();
    await h.close();
  } catch (e) {
    await h.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return prepared(file, tmp, buf.length, `sha256:${createHash('sha256').update(buf).digest('hex')}`);
}

/**
 * Writes each row's `text` (rows may come in arrays) as a line to a temporary file beside `file`,
 * fsynced; commit() puts it in place. If the rows throw, the temporary file is
 * removed and the error passed on: `file` is untouched.
 */
export async function prepareOutputs(rows: AsyncIterable<{ text: string } | ReadonlyArray<{ text: string }>>, file: string): Promise<WrittenOutputs> {
  const tmp = tmpName(file);
  const hash = createHash('sha256');
  const h = await fs.open(tmp, 'wx');
  let n = 0;
  let bytes = 0;
  let parts: string[] = [];
  let pending = 0;
  const flush = async (): Promise<void> => {
    if (!parts.length) return;
    const buf = Buffer.from(parts.join(''), 'utf8');
    parts = [];
    pending = 0;
    hash.update(buf);
    bytes += buf.length;
    await h.write(buf);
  };
  try {
    for await (const item of rows) {
      for (const row of Array.isArray(item) ? (item as ReadonlyArray<{ text: string }>) : [item as { text: string }]) {
        parts.push(row.text, '\n');
        pending += row.text.length + 1;
        n++;
      }
      if (pending >= 256 * 1024) await flush();
    }
    await flush();
    await h.sync();
    await h.close();
  } catch (e) {
    await h.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return { ...prepared(file, tmp, bytes, `sha256:${hash.digest('hex')}`), rows: n };
}

/**
 * A file written by `write` (given the temporary path beside `file`, it
 * writes and fsyncs it and returns how many rows it holds); its bytes are
 * hashed afterwards. For outputs written in another format than JSONL
 * (src/node/contract/baseline.ts). If `write` throws, the temporary file is removed.
 */
export async function prepareWritten(file: string, write: (tmp: string) => Promise<number>): Promise<WrittenOutputs> {
  const tmp = tmpName(file);
  let rows: number;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    rows = await write(tmp);
    const h = await fs.open(tmp, 'r');
    try {
      for await (const chunk of h.createReadStream({ highWaterMark: 256 * 1024, autoClose: false })) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
    } finally {
      await h.close();
    }
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return { ...prepared(file, tmp, bytes, `sha256:${hash.digest('hex')}`), rows };
}

/** Writes the rows (or groups of rows, as obtainOutputChunks gives them) to `file` atomically; returns how many, the size and the digest. */
export async function writeOutputs(rows: AsyncIterable<{ text: string } | ReadonlyArray<{ text: string }>>, file: string): Promise<WrittenOutputs> {
  const out = await prepareOutputs(rows, file);
  await out.commit();
  return out;
}
