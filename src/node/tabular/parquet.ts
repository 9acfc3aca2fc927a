// Parquet tables, read with hyparquet (pure JavaScript, every codec through
// hyparquet-compressors). Bounded memory: one row group at a time, and in it
// one page per column (parquetPages.ts) when the columns read are flat, so a
// file written as a single row group of a million rows (pyarrow's default)
// holds a page of each column, not the group; other columns (lists, structs)
// make the group read whole, column by column (the column pieces hyparquet
// decodes, not copied). Each row becomes one object only as it is handed to
// the sink; no array of row objects is built. A row's place is its row group
// and its index in it.
// With ReadOptions.columns only those columns are decoded (a comparison that
// validates no row reads its key and compared fields, not the whole row);
// with ReadOptions.reuseRow one object per row group is refilled for each row.
// Values are what the file holds, made JSON-like: INT64 (bigint) becomes a
// number when it is a safe integer (a string otherwise), dates and
// timestamps ISO 8601 strings, nulls null (converted once per column, in
// the column's array). A file that is not Parquet (no
// `PAR1` at both ends) or whose footer cannot be read is a TableError.
import { promises as fs } from 'node:fs';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { pageReadable, readGroupPages } from './parquetPages';
import { plain } from './plain';
import { TableError, type ReadOptions, type RowSink } from './types';

export { plain } from './plain';

/** An AsyncBuffer over an open file: reads each slice with one positioned read. */
export async function openParquet(file: string): Promise<{ buffer: AsyncBuffer; close: () => Promise<void> }> {
  const handle = await fs.open(file, 'r');
  const { size } = await handle.stat();
  const buffer: AsyncBuffer = {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const e = Math.min(end ?? size, size);
      const out = new Uint8Array(Math.max(0, e - start));
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return out.buffer;
    },
  };
  return { buffer, close: () => handle.close() };
}

/** The file's footer, or a TableError saying why it is not a Parquet file. */
export async function parquetFooter(buffer: AsyncBuffer): Promise<FileMetaData> {
  if (buffer.byteLength < 12) throw new TableError(`not a Parquet file: it is ${buffer.byteLength} bytes long`);
  const head = new Uint8Array(await buffer.slice(0, 4));
  const tail = new Uint8Array(await buffer.slice(buffer.byteLength - 4));
  const magic = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31;
  if (!magic(head) || !magic(tail)) throw new TableError('not a Parquet file: it does not start and end with `PAR1`');
  try {
    return await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new TableError(`the Parquet footer cannot be read: ${(e as Error).message}`);
  }
}

/**
 * Rows [from, from + rows) of one column as one array: the piece hyparquet
 * emitted when it is exactly that range (typed arrays of numbers as they
 * are), else the pieces' values in that range joined; values made JSON-like
 * in place.
 */
function columnArray(pieces: Array<{ start: number; data: ArrayLike<unknown> }>, from: number, rows: number): ArrayLike<unknown> {
  const only = pieces.length === 1 ? pieces[0]! : undefined;
  if (only && only.start === from && only.data.length === rows && ArrayBuffer.isView(only.data)) return only.data;
  let arr: unknown[];
  if (only && only.start === from && only.data.length === rows) arr = only.data as unknown[];
  else {
    arr = new Array<unknown>(rows).fill(null);
    for (const p of pieces) {
      for (let i = Math.max(0, from - p.start); i < p.data.length; i++) {
        const k = p.start + i - from;
        if (k >= rows) break;
        arr[k] = p.data[i];
      }
    }
  }
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v === undefined) arr[i] = null;
    else if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) arr[i] = plain(v);
  }
  return arr;
}

/** Makes the function giving row i of a run of rows: column j's value at cols[j][offsets[j] + i]. */
type RowMaker = (cols: ArrayLike<unknown>[], offsets: number[]) => (i: number) => Record<string, unknown>;

/**
 * A RowMaker making each row as one object literal: every row of a file
 * gets the same shape (one hidden class), and no per-cell call or computed
 * key assignment is needed.
 */
function rowMaker(names: string[]): RowMaker {
  if (names.includes('__proto__')) {
    // a literal's `__proto__:` would set the prototype: such columns are copied key by key
    return (cols, offsets) => (i) => {
      const o: Record<string, unknown> = {};
      names.forEach((n, j) => Object.defineProperty(o, n, { value: cols[j]![offsets[j]! + i], enumerable: true, writable: true, configurable: true }));
      return o;
    };
  }
  const body = names.map((n, j) => `${JSON.stringify(n)}: c${j}[o${j} + i]`).join(', ');
  const unpack = unpacking(names.length);
  // generated from the file's column names, each quoted by JSON.stringify
  return new Function('cols', 'offsets', `${unpack} return (i) => ({ ${body} });`) as RowMaker;
}

/**
 * Like rowMaker, but one object for all the rows of a read, refilled for
 * row i (ReadOptions.reuseRow): no object per row.
 */
function rowFiller(names: string[]): RowMaker | undefined {
  if (names.includes('__proto__')) return undefined;
  const sets = names.map((n, j) => `o[${JSON.stringify(n)}] = c${j}[o${j} + i];`).join(' ');
  const init = names.map((n) => `${JSON.stringify(n)}: null`).join(', ');
  // generated from the file's column names, each quoted by JSON.stringify; the object outlives each run of rows
  const filler = new Function('o', 'cols', 'offsets', `${unpacking(names.length)} return (i) => { ${sets} return o; };`) as (o: object, cols: ArrayLike<unknown>[], offsets: number[]) => (i: number) => Record<string, unknown>;
  const o = new Function(`return { ${init} };`)() as object;
  return (cols, offsets) => filler(o, cols, offsets);
}

/** `const [c0, …] = cols; const [o0, …] = offsets;` for n columns. */
function unpacking(n: number): string {
  const list = (p: string) => Array.from({ length: n }, (_x, j) => `${p}${j}`).join(', ');
  return `const [${list('c')}] = cols; const [${list('o')}] = offsets;`;
}

export interface ParquetGroups {
  metadata: FileMetaData;
  /** The first row (0-based, in the file) of each row group, and the total after the last. */
  starts: number[];
  /** The columns read (all of the file's, or those `only` kept), in the file's order. */
  columns: string[];
  /** Makes the row objects (rowMaker). */
  makeRow: RowMaker;
  /** Only some columns are read (groupsOf's `only`): hyparquet is told which. */
  projected: boolean;
}

/** The row groups of a file; with `only`, just the file's columns named in it are read (ReadOptions.columns). */
export function groupsOf(metadata: FileMetaData, only?: ReadonlySet<string>): ParquetGroups {
  const starts = [0];
  for (const g of metadata.row_groups) starts.push(starts[starts.length - 1]! + Number(g.num_rows));
  const all = parquetSchema(metadata).children.map((c) => c.element.name);
  const columns = only ? all.filter((c) => only.has(c)) : all;
  return { metadata, starts, columns, makeRow: rowMaker(columns), projected: columns.length !== all.length };
}

/**
 * Reads rows [from, to) of row group `g` into `each` (absolute 0-based row,
 * row object): page by page when every column read is flat, else the row
 * group whole. With `reuse`, one object is refilled for every row.
 */
export async function readGroupRows(buffer: AsyncBuffer, groups: ParquetGroups, g: number, each: (row: number, value: Record<string, unknown>) => void, from?: number, to?: number, reuse = false): Promise<void> {
  const groupStart = groups.starts[g]!;
  const groupEnd = groups.starts[g + 1]!;
  const rowStart = Math.max(groupStart, from ?? groupStart);
  const rowEnd = Math.min(groupEnd, to ?? groupEnd);
  if (rowEnd <= rowStart) return;
  const make = (reuse ? rowFiller(groups.columns) : undefined) ?? groups.makeRow;
  const plans = pageReadable(groups.metadata, g, groups.columns, compressors);
  if (plans) {
    try {
      await readGroupPages(buffer, plans, groupEnd - groupStart, rowStart - groupStart, rowEnd - groupStart, make, (r, value) => each(groupStart + r, value));
    } catch (e) {
      if (e instanceof TableError) throw e;
      throw new TableError(`row group ${g} cannot be read: ${(e as Error).message}`);
    }
    return;
  }
  const pieces = new Map(groups.columns.map((c) => [c, [] as Array<{ start: number; data: ArrayLike<unknown> }>]));
  try {
    await parquetRead({
      file: buffer,
      metadata: groups.metadata,
      rowStart,
      rowEnd,
      ...(groups.projected ? { columns: groups.columns } : {}),
      compressors,
      onChunk(chunk) {
        pieces.get(chunk.columnName)?.push({ start: chunk.rowStart, data: chunk.columnData as ArrayLike<unknown> });
      },
    });
  } catch (e) {
    throw new TableError(`row group ${g} cannot be read: ${(e as Error).message}`);
  }
  const n = rowEnd - rowStart;
  const row = make(
    groups.columns.map((c) => columnArray(pieces.get(c)!, rowStart, n)),
    groups.columns.map(() => 0),
  );
  pieces.clear();
  for (let i = 0; i < n; i++) each(rowStart + i, row(i));
}

/** Reads a Parquet file row group by row group into `sink`; see the top of this file. */
export async function readParquet(file: string, sink: RowSink, options: ReadOptions = {}): Promise<void> {
  const { buffer, close } = await openParquet(file);
  try {
    const groups = groupsOf(await parquetFooter(buffer), options.columns);
    sink.rows?.(groups.starts[groups.starts.length - 1]!);
    for (let g = 0; g < groups.metadata.row_groups.length; g++) {
      options.signal?.throwIfAborted();
      const start = groups.starts[g]!;
      await readGroupRows(buffer, groups, g, (r, value) => sink.row(r + 1, value, { group: g, inGroup: r - start }), undefined, undefined, options.reuseRow === true);
    }
  } finally {
    await close();
  }
}
