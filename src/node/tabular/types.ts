// What every tabular reader gives its caller: one call per data row, in file
// order, with the row's 1-based number and where it is in the file, so the
// diff view can read it back. A row that cannot be used is a `bad` call with
// a message; reading goes on with the next row where the format allows it
// (a CSV row with a wrong cell, a malformed JSON array element) and stops
// where it cannot (a broken Parquet footer, an unterminated CSV quote).

/** Where a row is: CSV and JSON array rows by byte offset (and line), Parquet rows by row group and row within it, JSONL by line and offset. */
export interface RowPlace {
  /** Byte offset of the row's first byte (CSV, JSON array, JSONL). */
  offset?: number;
  /** Its length in bytes (CSV: with its line break; JSON array: the element; JSONL: the line). */
  length?: number;
  /** 1-based line the row starts on (JSONL, JSON array). */
  line?: number;
  /** Parquet: the row group's index (0-based) and the row's index within it. */
  group?: number;
  inGroup?: number;
}

export interface RowSink {
  /** A usable row: a plain object (the reader made it; the sink may keep it, unless ReadOptions.reuseRow). */
  row(n: number, value: Record<string, unknown>, at: RowPlace): void;
  /** A row that cannot be used, and why (without the "row N: " prefix). */
  bad(n: number, message: string, at: RowPlace): void;
  /** How many rows the file holds, before the first row, when the format says (a Parquet footer): a sizing hint. */
  rows?(total: number): void;
}

/** The JSON Schema types a column may hold, by column name (from the contract's schema for the file). */
export type ColumnTypes = Map<string, Set<string>>;

export interface ReadOptions {
  /** How CSV cells are typed; absent: every cell is a string (unless `guess`). */
  types?: ColumnTypes;
  /**
   * CSV columns without a type in `types` are typed by their text: a JSON
   * number is a number, true/false a boolean, an empty cell null, JSON
   * array/object text parsed. For the diff view, which has no schema.
   */
  guess?: boolean;
  /**
   * Parquet: read only these top-level columns (the others are not decoded,
   * and the rows do not have them): a comparison that validates no row needs
   * only its key and compared fields (Comparison.columnsNeeded). Absent: every
   * column. The other formats read every column regardless.
   */
  columns?: ReadonlySet<string>;
  /**
   * Parquet: hand every row of a row group in one object, refilled for each
   * row, so the sink must not keep it (a comparison handling each row at
   * once). No object per row: fewer collections while a row group's columns
   * are alive, so fewer of them are promoted. Default false.
   */
  reuseRow?: boolean;
  /** CSV: leave out the rows' byte offsets (a contract run needs none; csv-parse's record info costs about a fifth of its time). Default false. */
  noPlaces?: boolean;
  signal?: AbortSignal;
}

/** A file that cannot be read as a table at all (not Parquet, no header, …): the message says so. */
export class TableError extends Error {
  override name = 'TableError';
}
