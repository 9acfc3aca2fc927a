// Which tabular format a file is in: an explicit `format:` from the contract
// wins, else the file's extension decides (.jsonl/.ndjson, .csv, .parquet,
// .json = a JSON array of records). Anything else is JSONL, as before this
// module existed. Pure: names only, nothing is opened.

export const FORMATS = ['jsonl', 'csv', 'parquet', 'json'] as const;
export type TabularFormat = (typeof FORMATS)[number];

export function isFormat(v: unknown): v is TabularFormat {
  return typeof v === 'string' && (FORMATS as readonly string[]).includes(v);
}

/** The format of `file`: `explicit` when given, else by extension (default jsonl). */
export function formatOf(file: string, explicit?: string): TabularFormat {
  if (explicit !== undefined && isFormat(explicit)) return explicit;
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) return 'parquet';
  if (lower.endsWith('.json')) return 'json';
  return 'jsonl';
}

/** What a record of the format is called in messages: JSONL has lines, the others rows. */
export function unitOf(format: TabularFormat): 'line' | 'row' {
  return format === 'jsonl' ? 'line' : 'row';
}
