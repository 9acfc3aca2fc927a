// The records of the files the diff view's row index (rowIndex.ts) joins:
// read through once when the index is built (eachRecord: each record's
// number, place and value), and read back a page at a time (RecordReader).
// JSONL lines, CSV records and JSON array elements are found by byte offset
// and length, Parquet rows by their 0-based row (each row group a page needs
// is read once). The tabular readers come from their own bundle (../tabularModule.ts).
import { promises as fs } from 'node:fs';
import type { AsyncBuffer } from 'hyparquet';
import { readJsonlChunks } from '../jsonl';
import type { TabularFormat } from '../tabular/format';
import type { ParquetGroups } from '../tabular/parquet';
import { tabular } from '../tabularModule';

/** A record of a file: JSON parsed, or undefined when it is not a JSON object. */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every record of a file with its number (JSONL: line; tables: row), where
 * it is (byte offset and length; Parquet: the 0-based row, length 0) and its
 * value (undefined: not usable). CSV cells are typed by their text (there is
 * no schema here): the rows the engine compares as numbers are numbers here too.
 */
export async function eachRecord(
  file: string,
  format: TabularFormat,
  signal: AbortSignal | undefined,
  each: (line: number, offset: number, length: number, row: Record<string, unknown> | undefined) => void,
  progress: (bytes: number) => void,
): Promise<void> {
  if (format === 'jsonl') {
    for await (const items of readJsonlChunks(file, signal ? { signal } : {})) {
      for (const it of items) if ('text' in it) each(it.line, it.offset, Buffer.byteLength(it.text), parseObject(it.text));
      progress(items[items.length - 1]!.offset);
    }
    return;
  }
  let n = 0;
  await tabular().readTable(
    file,
    format,
    {
      row(line, value, at) {
        each(line, format === 'parquet' ? line - 1 : at.offset!, at.length ?? 0, value);
        if (++n % 4096 === 0) progress(at.offset ?? 0);
      },
      bad() {},
    },
    { guess: true, ...(signal ? { signal } : {}) },
  );
}

/** Reads records back for pages: by offset and length (JSONL, JSON array, CSV), by row (Parquet). */
export class RecordReader {
  private handle: fs.FileHandle | undefined;
  private parquet: { buffer: AsyncBuffer; groups: ParquetGroups; close: () => Promise<void> } | undefined;
  private csv: ((bytes: Buffer) => Record<string, unknown> | undefined) | undefined;

  constructor(
    private readonly file: string,
    private readonly format: TabularFormat,
  ) {}

  /** The records at the given places, in order. */
  async read(places: Array<{ offset: number; length: number }>): Promise<unknown[]> {
    if (this.format === 'parquet') return this.readParquet(places.map((p) => p.offset));
    this.handle ??= await fs.open(this.file, 'r');
    if (this.format === 'csv') this.csv ??= await tabular().csvRecordReader(this.file, { guess: true });
    const h = this.handle;
    return Promise.all(
      places.map(async ({ offset, length }) => {
        const buf = Buffer.allocUnsafe(length);
        await h.read(buf, 0, length, offset);
        return this.csv ? this.csv(buf) : JSON.parse(buf.toString('utf8'));
      }),
    );
  }

  /** Rows by 0-based number: each row group needed is read once, for the rows asked of it. */
  private async readParquet(rows: number[]): Promise<unknown[]> {
    const t = tabular();
    if (!this.parquet) {
      const { buffer, close } = await t.openParquet(this.file);
      this.parquet = { buffer, close, groups: t.groupsOf(await t.parquetFooter(buffer)) };
    }
    const { buffer, groups } = this.parquet;
    const out = new Array<unknown>(rows.length);
    const byGroup = new Map<number, number[]>();
    rows.forEach((r, i) => {
      let g = 0;
      while (g + 1 < groups.starts.length - 1 && groups.starts[g + 1]! <= r) g++;
      const list = byGroup.get(g) ?? [];
      list.push(i);
      byGroup.set(g, list);
    });
    for (const [g, list] of byGroup) {
      const wanted = new Map(list.map((i) => [rows[i]!, i]));
      const lo = Math.min(...wanted.keys());
      const hi = Math.max(...wanted.keys()) + 1;
      await t.readGroupRows(buffer, groups, g, (r, value) => {
        const i = wanted.get(r);
        if (i !== undefined) out[i] = value;
      }, lo, hi);
    }
    return out;
  }

  async close(): Promise<void> {
    const h = this.handle;
    const p = this.parquet;
    this.handle = undefined;
    this.parquet = undefined;
    await Promise.all([h?.close(), p?.close()]);
  }
}
