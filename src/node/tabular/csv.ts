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
import { createReadStream } from 'node:fs';
import { parse, type Info } from 'csv-parse';
import { TableError, type ReadOptions, type RowSink } from './types';

type Cell = (text: string) => unknown;
/** A cell's value, or this (with the reason in `failure`) when it does not fit. */
const BAD = Symbol('bad cell');

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function converter(name: string, types: Set<string> | undefined, fail: (m: string) => typeof BAD): Cell {
  if (!types || types.size === 0) return (t) => t;
  const nullable = types.has('null');
  const numeric = types.has('number') || types.has('integer');
  const integerOnly = types.has('integer') && !types.has('number');
  const boolean = types.has('boolean');
  const string = types.has('string');
  const structured = types.has('array') || types.has('object');
  const want = [...types].filter((t) => t !== 'null').join(' or ') || 'null';
  return (t) => {
    if (t === '') {
      if (nullable) return null;
      if (string) return '';
      return fail(`column \`${name}\` is empty, and its schema does not allow null`);
    }
    if (numeric && NUMBER.test(t)) {
      const v = Number(t);
      if (!integerOnly || Number.isInteger(v)) return v;
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
  const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true });
  const input = createReadStream(file, { highWaterMark: 256 * 1024, ...(options.signal ? { signal: options.signal } : {}) });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let header: string[] | undefined;
  let cells: Cell[] = [];
  let failure = '';
  const fail = (m: string): typeof BAD => {
    failure = m;
    return BAD;
  };
  let n = 0;
  let offset = 0;
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const at = { offset };
      offset = rec.info.bytes;
      if (!header) {
        header = rec.record.map((h) => h.trim());
        const dup = header.find((h, i) => header!.indexOf(h) !== i);
        if (dup !== undefined) throw new TableError(`the header row names column \`${dup}\` twice`);
        cells = header.map((h) => converter(h, options.types?.get(h), fail));
        continue;
      }
      n++;
      const r = rec.record;
      if (r.length !== header.length) {
        sink.bad(n, `has ${r.length} cells, the header has ${header.length}`, at);
        continue;
      }
      const value: Record<string, unknown> = {};
      let ok = true;
      for (let i = 0; i < r.length; i++) {
        const v = cells[i]!(r[i]!);
        if (v === BAD) {
          ok = false;
          break;
        }
        value[header[i]!] = v;
      }
      if (ok) sink.row(n, value, at);
      else sink.bad(n, failure, at);
    }
  } catch (e) {
    if (e instanceof TableError || (e as { name?: string }).name === 'AbortError') throw e;
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new TableError(`row ${n + 1}: ${(e as Error).message.replace(/^Invalid Record Length: |^Invalid Opening Quote: |^Quote Not Closed: /, '')}`);
    throw e;
  }
  if (!header) throw new TableError('the file has no header row');
}
