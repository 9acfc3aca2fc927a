// A row group of a Parquet file read page by page, for flat columns: the
// memory a read holds is each column's chunk bytes (compressed, as in the
// file) and one decoded page per column, whatever the row group's size. A
// file written with pyarrow's defaults has a single row group of up to 1Mi
// rows; decoding it whole (hyparquet's parquetRead) held every row's values
// at once, ~300 MB at 1M rows. Each column keeps a cursor over its chunk:
// its dictionary, the page being handed out and where in it; rows are made
// for the run of rows every column has decoded, then the column whose page
// ran out decodes its next one. Pages are decoded by hyparquet's own page
// reader (readPage, parquetHeader: the package's public `src/*.js` exports),
// so values are exactly what parquetRead gives (a differential test,
// test/unit/parquet-pages.test.ts, holds them to it). Pages wholly before
// `from` are skipped by their header, without being decompressed; reading
// stops at `to`. PLAIN and dictionary pages (version 1 or 2) of strings and
// of plain numbers (how pyarrow and hyparquet-writer write ids, labels and
// scores) are decoded here instead, a few hundred values at a time as rows
// are made (LazyPage): hyparquet makes a Uint8Array view per string and,
// beside nulls, arrays of levels and of boxed numbers per page, and at
// ~90,000 values a page (a million for a label column's dictionary indices,
// which fit one page) those outlived young-generation collections (a
// million-row group's read peaked at 216 MB for one id column, 83 MB now). Columns that are not flat (lists, maps,
// structs: a row's values can span pages) are not read here: pageReadable()
// says so and the caller decodes the row group whole (parquet.ts).
import type { AsyncBuffer, ColumnChunk, DecodedArray, FileMetaData } from 'hyparquet';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { parquetSchema } from 'hyparquet/src/metadata.js';
import { getMaxDefinitionLevel, getTreePath, isFlatColumn } from 'hyparquet/src/schema.js';
import type { ColumnDecoder, Compressors, DataReader, PageHeader } from 'hyparquet/src/types.js';
import { plain } from './plain';

/** A column's chunk in a row group, and how its pages decode. */
interface ColumnPlan {
  name: string;
  start: number;
  end: number;
  decoder: ColumnDecoder;
}

/** Where a column is: its chunk's bytes, its dictionary, the page being handed out. */
interface Cursor {
  plan: ColumnPlan;
  reader: DataReader;
  dictionary: DecodedArray | undefined;
  /** The decoded page, values made JSON-like (see `plainValues`), or a page still to decode (LazyPage). */
  page: ArrayLike<unknown> | LazyPage;
  /** The file row (0-based, in the group) of page[0]. */
  pageRow: number;
  /** The next row of the group this cursor hands out. */
  row: number;
}

/**
 * A page decoded value by value as rows are made: strings (where each
 * starts and ends in the page's bytes), numbers with nulls or dictionary
 * indices (each row's index among the values); start -1 is null. Decoded a page at a time,
 * ~90,000 ids (or boxed numbers beside nulls) were alive together and
 * outlived young collections; decoded LAZY_RUN at a time they die young.
 */
interface LazyPage {
  lazy: 'strings' | 'numbers' | 'indices';
  bytes: Buffer | undefined;
  /** The values (numbers), or the dictionary indices of the present values (indices). */
  numbers: Float64Array | Float32Array | Int32Array | undefined;
  dictionary: ArrayLike<unknown> | undefined;
  starts: Int32Array;
  ends: Int32Array | undefined;
  length: number;
}

/** Rows made at a time from a LazyPage. */
const LAZY_RUN = 512;

/** Rows handed out between two returns to the event loop. */
const YIELD_ROWS = 32_768;

/** The plans of `columns` in row group `g`, or undefined when one of them is not a flat column of the file's top level. */
export function pageReadable(metadata: FileMetaData, g: number, columns: readonly string[], compressors: Compressors): ColumnPlan[] | undefined {
  const tree = parquetSchema(metadata);
  const chunks = new Map<string, ColumnChunk>();
  for (const c of metadata.row_groups[g]!.columns) {
    const path = c.meta_data?.path_in_schema;
    if (path?.length === 1) chunks.set(path[0]!, c);
  }
  const plans: ColumnPlan[] = [];
  for (const name of columns) {
    const chunk = chunks.get(name);
    const meta = chunk?.meta_data;
    if (!chunk || !meta || chunk.file_path) return undefined;
    const schemaPath = getTreePath(tree, [name]);
    if (!isFlatColumn(schemaPath)) return undefined;
    // where hyparquet's plan starts a chunk: its dictionary page if it has one
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    plans.push({
      name,
      start,
      end: start + Number(meta.total_compressed_size),
      decoder: { pathInSchema: [name], type: meta.type, element: schemaPath[schemaPath.length - 1]!.element, schemaPath, codec: meta.codec, parsers: DEFAULT_PARSERS, compressors },
    });
  }
  return plans;
}

/**
 * Rows [from, to) of a row group (`rows` rows long) read page by page,
 * `make(cols, offsets)` giving the function that makes row i of a run (value
 * of column j at cols[j][offsets[j] + i]); each row goes to `each` with its
 * 0-based row in the group.
 */
export async function readGroupPages(
  buffer: AsyncBuffer,
  plans: ColumnPlan[],
  rows: number,
  from: number,
  to: number,
  make: (cols: ArrayLike<unknown>[], offsets: number[]) => (i: number) => Record<string, unknown>,
  each: (row: number, value: Record<string, unknown>) => void,
): Promise<void> {
  const bytes = await Promise.all(plans.map((p) => buffer.slice(p.start, p.end)));
  const cursors: Cursor[] = plans.map((plan, j) => ({ plan, reader: { view: new DataView(bytes[j]!), offset: 0 }, dictionary: undefined, page: [], pageRow: 0, row: 0 }));
  for (const c of cursors) nextPage(c, from, rows);
  // each column's decoded values of the run being made (LazyPage pages)
  const runs = cursors.map(() => new Array<unknown>(LAZY_RUN));
  let row = from;
  let sinceYield = 0;
  while (row < to) {
    if (sinceYield >= YIELD_ROWS) {
      // back to the event loop now and then: V8 finishes its old-generation collections in tasks run there, which one
      // synchronous pass over a million-row group kept waiting while the heap grew (one string column: 216 MB peak, 202 MB with these)
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    let run = to - row;
    for (const c of cursors) {
      if (c.row >= c.pageRow + c.page.length) nextPage(c, row, rows);
      run = Math.min(run, c.pageRow + c.page.length - row);
    }
    if (cursors.some((c) => 'lazy' in c.page)) run = Math.min(run, LAZY_RUN);
    const make1 = make(
      cursors.map((c, j) => ('lazy' in c.page ? decodeRun(c.page, row - c.pageRow, run, runs[j]!) : c.page)),
      cursors.map((c) => ('lazy' in c.page ? 0 : row - c.pageRow)),
    );
    for (let i = 0; i < run; i++) each(row + i, make1(i));
    row += run;
    sinceYield += run;
    for (const c of cursors) c.row = row;
  }
}

/**
 * Decodes the cursor's next data page holding row `at` (pages wholly before
 * it are skipped by their header); an error when the chunk ends first.
 */
function nextPage(c: Cursor, at: number, rows: number): void {
  const { reader, plan } = c;
  let pageRow = c.pageRow + c.page.length;
  for (;;) {
    if (reader.offset >= reader.view.byteLength - 1) throw new Error(`column \`${plan.name}\` ends at row ${pageRow} of a row group of ${rows} rows`);
    const header = parquetHeader(reader);
    if (header.type === 'DICTIONARY_PAGE') {
      const { data } = readPage(reader, header, plan.decoder, undefined, undefined, 0);
      if (data) c.dictionary = convert(data, plan.decoder);
      continue;
    }
    // a flat column's values are its rows
    const count = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_rows;
    if (count !== undefined && pageRow + count <= at) {
      reader.offset += header.compressed_page_size;
      pageRow += count;
      continue;
    }
    const fast = plainPage(reader, header, plan, c.dictionary);
    const { data } = fast ? { data: fast } : readPage(reader, header, plan.decoder, c.dictionary, undefined, 0);
    if (!data || !data.length) continue;
    c.page = fast ?? plainValues(data as DecodedArray);
    c.pageRow = pageRow;
    c.row = Math.max(c.row, pageRow);
    return;
  }
}

/** The number types a page is decoded here for (with no converted or logical type), by their width in bytes; and strings (BYTE_ARRAY). */
const NUMBERS = { DOUBLE: 8, FLOAT: 4, INT32: 4 } as const;

/**
 * A PLAIN or dictionary page (version 1 or 2) of a string column or a plain
 * number column (DOUBLE, FLOAT, INT32 without a converted type), decoded as
 * hyparquet decodes it (strings as its stringFromBytes: TextDecoder, invalid
 * sequences replaced, a leading BOM dropped; nulls where the definition
 * levels say): numbers without nulls as a typed array, anything else as a
 * LazyPage. undefined for any other page, left unread.
 */
function plainPage(reader: DataReader, header: PageHeader, plan: ColumnPlan, dictionary: DecodedArray | undefined): ArrayLike<unknown> | LazyPage | undefined {
  const v1 = header.type === 'DATA_PAGE' ? header.data_page_header : undefined;
  const v2 = header.type === 'DATA_PAGE_V2' ? header.data_page_header_v2 : undefined;
  const { element, type, codec, compressors, schemaPath } = plan.decoder;
  const encoding = (v1 ?? v2)?.encoding;
  // dictionary indices into a dictionary of strings or plain numbers (converted as hyparquet converts it)
  const indexed = (encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') && dictionary !== undefined && plainDictionary(dictionary);
  if (encoding !== 'PLAIN' && !indexed) return undefined;
  const plainType = element.converted_type === undefined && element.logical_type === undefined;
  const strings = type === 'BYTE_ARRAY' && (plainType || element.converted_type === 'UTF8' || element.logical_type?.type === 'STRING');
  const width = type in NUMBERS && plainType ? NUMBERS[type as keyof typeof NUMBERS] : 0;
  if (!strings && !width) return undefined;
  if (indexed && (v1 ?? v2)!.num_values === 0) return undefined;
  const raw = new Uint8Array(reader.view.buffer, reader.view.byteOffset + reader.offset, header.compressed_page_size);
  reader.offset += header.compressed_page_size;
  const maxDefinition = getMaxDefinitionLevel(schemaPath);
  const count = (v1 ?? v2)!.num_values;
  // levels in a typed array: an array of a page's levels (a value each) outlived young collections
  const levels = maxDefinition ? new Uint8Array(count) : undefined;
  const levelWidth = 32 - Math.clz32(maxDefinition);
  let values: Uint8Array;
  if (v1) {
    // version 1: levels (each with its length) and values, compressed together
    const page = decompressPage(raw, Number(header.uncompressed_page_size), codec, compressors);
    const at: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
    if (levels) readRleBitPackedHybrid(at, levelWidth, levels as unknown as number[]);
    values = page.subarray(at.offset);
  } else {
    // version 2: repetition then definition levels uncompressed, their lengths in the header; then the values
    const repetition = v2!.repetition_levels_byte_length;
    const definition = v2!.definition_levels_byte_length;
    if (levels) readRleBitPackedHybrid({ view: new DataView(raw.buffer, raw.byteOffset + repetition, definition), offset: 0 }, levelWidth, levels as unknown as number[], definition);
    const rest = raw.subarray(repetition + definition);
    values = v2!.is_compressed === false ? rest : decompressPage(rest, Number(header.uncompressed_page_size) - repetition - definition, codec, compressors);
  }
  // where each row's value is: its byte offset (strings) or its index among the values (numbers, indices); -1 null
  const starts = new Int32Array(count);
  const present = levels ? levels.reduce((n, l) => n + (l === maxDefinition ? 1 : 0), 0) : count;
  if (indexed) {
    // a bit width, then the indices of the present values, RLE / bit-packed (to the page's end)
    const indices = new Int32Array(present);
    const at: DataReader = { view: new DataView(values.buffer, values.byteOffset, values.byteLength), offset: 0 };
    const bitWidth = at.view.getUint8(at.offset++);
    if (bitWidth) readRleBitPackedHybrid(at, bitWidth, indices as unknown as number[], values.byteLength - 1);
    for (let i = 0, j = 0; i < count; i++) starts[i] = !levels || levels[i] === maxDefinition ? j++ : -1;
    return { lazy: 'indices', numbers: indices, dictionary: dictionary as ArrayLike<unknown>, bytes: undefined, starts, ends: undefined, length: count };
  }
  if (!strings) {
    // an aligned copy of the values (the page's bytes need not be aligned for a typed array)
    const copy = values.slice(0, present * width);
    const numbers = type === 'DOUBLE' ? new Float64Array(copy.buffer) : type === 'FLOAT' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    if (!levels || present === count) return numbers;
    for (let i = 0, j = 0; i < count; i++) starts[i] = levels[i] === maxDefinition ? j++ : -1;
    return { lazy: 'numbers', numbers, dictionary: undefined, bytes: undefined, starts, ends: undefined, length: count };
  }
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const ends = new Int32Array(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (levels && levels[i] !== maxDefinition) {
      starts[i] = -1;
      continue;
    }
    const length = bytes.readUInt32LE(offset);
    offset += 4;
    // TextDecoder drops a leading byte order mark; Buffer's decoder keeps it
    const bom = length >= 3 && bytes[offset] === 0xef && bytes[offset + 1] === 0xbb && bytes[offset + 2] === 0xbf ? 3 : 0;
    starts[i] = offset + bom;
    ends[i] = offset + length;
    offset += length;
  }
  return { lazy: 'strings', numbers: undefined, dictionary: undefined, bytes, starts, ends, length: count };
}

const plainDictionaries = new WeakMap<object, boolean>();

/** Whether a dictionary holds only strings or plain numbers (asked once per dictionary, not per page). */
function plainDictionary(dictionary: DecodedArray): boolean {
  let known = plainDictionaries.get(dictionary);
  if (known === undefined) {
    known = Array.isArray(dictionary) ? dictionary.every((v) => typeof v === 'string') : dictionary instanceof Float64Array || dictionary instanceof Float32Array || dictionary instanceof Int32Array;
    plainDictionaries.set(dictionary, known);
  }
  return known;
}

/** Values [at, at + n) of a LazyPage, decoded into `out` (an index past the dictionary's end is null, as parquetRead's undefined is). */
function decodeRun(page: LazyPage, at: number, n: number, out: unknown[]): unknown[] {
  const { bytes, numbers, dictionary, starts, ends } = page;
  for (let k = 0; k < n; k++) {
    const s = starts[at + k]!;
    out[k] = s < 0 ? null : dictionary ? (dictionary[numbers![s]!] ?? null) : numbers ? numbers[s] : bytes!.toString('utf8', s, ends![at + k]);
  }
  return out;
}

/** A page's values as JSON holds them (plain.ts): numbers in typed arrays as they are, the rest converted in place. */
function plainValues(data: DecodedArray): ArrayLike<unknown> {
  if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array)) return data as ArrayLike<unknown>;
  const arr: unknown[] = ArrayBuffer.isView(data) ? Array.from(data as ArrayLike<unknown>) : (data as unknown[]);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v === undefined) arr[i] = null;
    else if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) arr[i] = plain(v);
  }
  return arr;
}
