// The tabular readers behind one call: `readTable(file, format, sink)` reads
// a JSONL, CSV, Parquet or JSON array file row by row into a RowSink (see
// types.ts), in bounded memory. This folder is bundled on its own
// (dist/tabular.js, see esbuild.mjs) and loaded at run time through
// ../tabularModule.ts, so that hyparquet and csv-parse are in the .vsix once.
import { readJsonlChunks } from '../jsonl';
import { readCsv } from './csv';
import { readJsonArray, preview } from './jsonArray';
import { readParquet } from './parquet';
import type { TabularFormat } from './format';
import type { ColumnTypes, ReadOptions, RowSink } from './types';

export { formatOf, isFormat, unitOf, FORMATS, type TabularFormat } from './format';
export { TableError, type ColumnTypes, type ReadOptions, type RowPlace, type RowSink } from './types';
export { readCsv, csvRecordReader, csvPull, csvParseProblem, type CsvRecord } from './csv';
export { readJsonArray } from './jsonArray';
export { readParquet, openParquet, parquetFooter, groupsOf, readGroupRows, plain, type ParquetGroups } from './parquet';
export { writeTable, type TableWriter } from './write';

/** JSONL through the same interface: lines parsed, blank lines skipped, `n` the line number. */
async function readJsonlRows(file: string, sink: RowSink, options: ReadOptions): Promise<void> {
  for await (const items of readJsonlChunks(file, options.signal ? { signal: options.signal } : {})) {
    for (const item of items) {
      const at = { line: item.line, offset: item.offset, ...('text' in item ? { length: Buffer.byteLength(item.text) } : {}) };
      if (!('text' in item)) {
        sink.bad(item.line, `line is ${item.length} bytes, longer than the 1 MiB limit`, at);
        continue;
      }
      let v: unknown;
      try {
        v = JSON.parse(item.text);
      } catch {
        sink.bad(item.line, `not JSON: \`${preview(item.text)}\``, at);
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) sink.bad(item.line, `expected a JSON object, found ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}`, at);
      else sink.row(item.line, v as Record<string, unknown>, at);
    }
  }
}

export function readTable(file: string, format: TabularFormat, sink: RowSink, options: ReadOptions = {}): Promise<void> {
  switch (format) {
    case 'csv':
      return readCsv(file, sink, options);
    case 'parquet':
      return readParquet(file, sink, options);
    case 'json':
      return readJsonArray(file, sink, options);
    default:
      return readJsonlRows(file, sink, options);
  }
}

/**
 * The column types a JSON Schema gives a table's columns: each top-level
 * property's `type` (a string or a list; `enum`/`const` values' JSON types
 * when it has none; a `$ref`ed or combined property is left untyped).
 */
export function columnTypes(schema: unknown): ColumnTypes {
  const out: ColumnTypes = new Map();
  const props = schema && typeof schema === 'object' ? (schema as { properties?: unknown }).properties : undefined;
  if (!props || typeof props !== 'object') return out;
  for (const [name, p] of Object.entries(props as Record<string, unknown>)) {
    if (!p || typeof p !== 'object') continue;
    const s = p as { type?: unknown; enum?: unknown; const?: unknown; nullable?: unknown };
    const types = new Set<string>();
    if (typeof s.type === 'string') types.add(s.type);
    else if (Array.isArray(s.type)) {
      for (const t of s.type) if (typeof t === 'string') types.add(t);
    } else {
      const values = Array.isArray(s.enum) ? s.enum : 'const' in s ? [s.const] : [];
      for (const v of values) types.add(v === null ? 'null' : typeof v === 'number' ? 'number' : typeof v);
    }
    if (s.nullable === true) types.add('null');
    if (types.size) out.set(name, types);
  }
  return out;
}
