// CSV tables (RFC 4180 as csv-parse reads it: a header row, quoted fields,
// CRLF or LF, a UTF-8 byte order mark dropped). Streamed: one record at a
// time, whatever the file's size. Cells are typed by the contract's schema
// for the file (ColumnTypes): a column whose type allows `integer` or
// `number` becomes a number, `boolean` true/false, else the cell stays a
// string. An empty cell is null when the column allows null; in a column
// that does not, it is an empty string for string columns and a located
// error ("column `x` is empty, and its schema does not allow null") for
// the others. An `array` or `object` column holds JSON text (as the CSV
// baseline writer writes it). A cell that does not fit its column's type, or a row with
// more or fewer cells than the header, is a bad row; the next row is read.
// A stream read by its caller record by record (a command's CSV stdout) is
// typed the same way (csvPull).
import { createReadStream } from 'node:fs';
import { parse, type Info } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { TableError, type ReadOptions, type RowPlace, type RowSink } from './types';

type Cell = (text: string) => unknown;
/** A cell's value, or this (with the reason in `failure`) when it does not fit. */
const BAD = Symbol('bad cell');

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * A decimal number's text, as NUMBER says, without a regular expression on
 * the hot path: starts with a digit, sign or point, and is not a hex, octal
 * or binary literal (which `+t` would take); `+t` then refuses the rest.
 */
function looksNumeric(t: string): boolean {
  const c = t.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46)) return NUMBER.test(t);
  if (t.length > 1 && c === 48) {
    const d = t.charCodeAt(1) | 32;
    if (d === 120 || d === 111 || d === 98) return false; // 0x 0o 0b
  }
  return true;
}

/** Row objects of one shape: one object literal over the converted cells (one hidden class for every row). */
function rowMaker(names: string[]): (cells: unknown[]) => Record<string, unknown> {
  if (names.includes('__proto__')) {
    // a literal's `__proto__:` would set the prototype: such a header is copied key by key
    return (v) => {
      const o: Record<string, unknown> = {};
      names.forEach((n, j) => Object.defineProperty(o, n, { value: v[j], enumerable: true, writable: true, configurable: true }));
      return o;
    };
  }
  const body = names.map((n, j) => `${JSON.stringify(n)}: v[${j}]`).join(', ');
  // generated from the header's names, each quoted by JSON.stringify
  return new Function('v', `return { ${body} };`) as (cells: unknown[]) => Record<string, unknown>;
}

/** A cell typed by its text (ReadOptions.guess). */
function guessed(t: string): unknown {
  if (t === '') return null;
  if (NUMBER.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t[0] === '[' || t[0] === '{') {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  }
  return t;
}

function converter(name: string, types: Set<string> | undefined, fail: (m: string) => typeof BAD, guess: boolean): Cell {
  if (!types || types.size === 0) return guess ? guessed : (t) => t;
  const nullable = types.has('null');
  const numeric = types.has('number') || types.has('integer');
  const integerOnly = types.has('integer') && !types.has('number');
  const boolean = types.has('boolean');
  const string = types.has('string');
  const structured = types.has('array') || types.has('object');
  const want = [...types].filter((t) => t !== 'null').join(' or ') || 'null';
  // the usual columns, without the checks that cannot apply: a string column keeps every cell (an empty one is '')
  if (types.size === 1 && string) return (t) => t;
  if (types.size === 1 && types.has('number')) {
    return (t) => {
      if (t !== '' && looksNumeric(t)) {
        const v = +t;
        if (Number.isFinite(v)) return v;
      }
      return t === '' ? fail(`column \`${name}\` is empty, and its schema does not allow null`) : fail(`column \`${name}\` is ${JSON.stringify(t)}, expected ${want}`);
    };
  }
  return (t) => {
    if (t === '') {
      if (nullable) return null;
      if (string) return '';
      return fail(`column \`${name}\` is empty, and its schema does not allow null`);
    }
    if (numeric && looksNumeric(t)) {
      const v = +t;
      if (Number.isFinite(v) && (!integerOnly || Number.isInteger(v))) return v;
    }
    if (boolean) {
      const l = t.toLowerCase();
      if (l === 'true') return true;
      if (l === 'false') return false;
    }
    if (structured && (t[0] === '[' || t[0] === '{')) {
      try {
        const v: unknown = JSON.parse(t);
        if (Array.isArray(v) ? types.has('array') : v !== null && typeof v === 'object' && types.has('object')) return v;
      } catch {
        /* not JSON: reported below */
      }
    }
    if (string) return t;
    if (nullable && t.toLowerCase() === 'null') return null;
    return fail(`column \`${name}\` is ${JSON.stringify(t)}, expected ${want}`);
  };
}

/** Reads a CSV file row by row into `sink`; see the top of this file. */
export async function readCsv(file: string, sink: RowSink, options: ReadOptions = {}): Promise<void> {
  const places = options.noPlaces !== true;
  const parser = parse({ bom: true, info: places, relax_column_count: true, skip_empty_lines: true });
  const input = createReadStream(file, { highWaterMark: 256 * 1024, ...(options.signal ? { signal: options.signal } : {}) });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let header: string[] | undefined;
  let cells: Cell[] = [];
  let make: (cells: unknown[]) => Record<string, unknown> = () => ({});
  let values: unknown[] = [];
  let failure = '';
  const fail = (m: string): typeof BAD => {
    failure = m;
    return BAD;
  };
  let n = 0;
  let offset = 0;
  const none = {};
  const handle = (item: { record: string[]; info: Info } | string[]): void => {
    let r: string[];
    let at: RowPlace;
    if (places) {
      const rec = item as { record: string[]; info: Info };
      r = rec.record;
      at = { offset, length: rec.info.bytes - offset };
      offset = rec.info.bytes;
    } else {
      r = item as string[];
      at = none;
    }
    if (!header) {
      header = r.map((h) => h.trim());
      const dup = header.find((h, i) => header!.indexOf(h) !== i);
      if (dup !== undefined) throw new TableError(`the header row names column \`${dup}\` twice`);
      cells = header.map((h) => converter(h, options.types?.get(h), fail, options.guess === true));
      make = rowMaker(header);
      values = new Array<unknown>(header.length);
      return;
    }
    n++;
    if (r.length !== header.length) {
      sink.bad(n, `has ${r.length} cells, the header has ${header.length}`, at);
      return;
    }
    for (let i = 0; i < r.length; i++) {
      const v = cells[i]!(r[i]!);
      if (v === BAD) {
        sink.bad(n, failure, at);
        return;
      }
      values[i] = v;
    }
    sink.row(n, make(values), at);
  };
  try {
    // the records the parser holds are taken in one synchronous loop per 'readable', not one
    // async iteration step each (that step was ~7% of reading a 1M-row file)
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const stop = (e: unknown): void => {
        if (done) return;
        done = true;
        input.unpipe(parser);
        input.destroy();
        parser.destroy();
        reject(e);
      };
      parser.on('readable', () => {
        try {
          let item: { record: string[]; info: Info } | string[] | null;
          while (!done && (item = parser.read() as { record: string[]; info: Info } | string[] | null) !== null) handle(item);
        } catch (e) {
          stop(e);
        }
      });
      parser.once('end', () => {
        if (done) return;
        done = true;
        resolve();
      });
      parser.once('error', stop);
    });
  } catch (e) {
    if (e instanceof TableError || (e as { name?: string }).name === 'AbortError') throw e;
    const problem = csvParseProblem(e);
    if (problem !== undefined) throw new TableError(`row ${n + 1}: ${problem}`);
    throw e;
  }
  if (!header) throw new TableError('the file has no header row');
}

/** csv-parse's reason for stopping (an unclosed quote, …) without its prefix, or undefined when `e` is not csv-parse's. */
export function csvParseProblem(e: unknown): string | undefined {
  const code = (e as { code?: string }).code;
  if (typeof code !== 'string' || !code.startsWith('CSV_')) return undefined;
  return (e as Error).message.replace(/^Invalid Record Length: |^Invalid Opening Quote: |^Quote Not Closed: /, '');
}

export type CsvRecord = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/**
 * CSV for a caller that pulls the records itself (a command's stdout,
 * src/node/sources/command.ts): csv-parse's parser with readCsv's options,
 * and `typed(record)` typing each record exactly as readCsv does: undefined
 * for the header row (a TableError when it names a column twice), then each
 * row, or why it cannot be used.
 */
export function csvPull(options: ReadOptions = {}): { parser: AsyncIterable<string[]> & NodeJS.WritableStream & { destroy(e?: Error): void }; typed(record: string[]): CsvRecord | undefined } {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
  let header: string[] | undefined;
  let cells: Cell[] = [];
  let make: (cells: unknown[]) => Record<string, unknown> = () => ({});
  let failure = '';
  const fail = (m: string): typeof BAD => {
    failure = m;
    return BAD;
  };
  return {
    parser,
    typed(r) {
      if (!header) {
        const h = r.map((x) => x.trim());
        const dup = h.find((x, i) => h.indexOf(x) !== i);
        if (dup !== undefined) throw new TableError(`the header row names column \`${dup}\` twice`);
        header = h;
        cells = h.map((x) => converter(x, options.types?.get(x), fail, options.guess === true));
        make = rowMaker(h);
        return undefined;
      }
      if (r.length !== header.length) return { ok: false, message: `has ${r.length} cells, the header has ${header.length}` };
      const values = new Array<unknown>(r.length);
      for (let i = 0; i < r.length; i++) {
        const v = cells[i]!(r[i]!);
        if (v === BAD) return { ok: false, message: failure };
        values[i] = v;
      }
      return { ok: true, value: make(values) };
    },
  };
}

/**
 * The header of a CSV file and a parser of one of its records read back by
 * offset and length (the diff view's paging): cells typed as readCsv types
 * them with the same options.
 */
export async function csvRecordReader(file: string, options: ReadOptions = {}): Promise<(bytes: Buffer) => Record<string, unknown> | undefined> {
  let header: string[] | undefined;
  await readCsvHead(file, (h) => (header = h));
  if (!header) throw new TableError('the file has no header row');
  let failure = '';
  const fail = (m: string): typeof BAD => {
    failure = m;
    return BAD;
  };
  const names = header;
  const cells = names.map((h) => converter(h, options.types?.get(h), fail, options.guess === true));
  return (bytes) => {
    const r = parseSync(bytes, { relax_column_count: true, skip_empty_lines: true, to_line: undefined })[0] as string[] | undefined;
    if (!r || r.length !== names.length) return undefined;
    const value: Record<string, unknown> = {};
    for (let i = 0; i < r.length; i++) {
      const v = cells[i]!(r[i]!);
      if (v === BAD) return void failure;
      value[names[i]!] = v;
    }
    return value;
  };
}

async function readCsvHead(file: string, onHeader: (h: string[]) => void): Promise<void> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, to_line: 1 });
  createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(parser);
  for await (const rec of parser as AsyncIterable<string[]>) {
    onHeader(rec.map((h) => h.trim()));
    break;
  }
  parser.destroy();
}
