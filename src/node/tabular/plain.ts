// A Parquet value as JSON would hold it, for the two Parquet readers
// (parquet.ts, a row group whole; parquetPages.ts, page by page): INT64
// (bigint) a number when it is a safe integer, else its digits as a string;
// dates and timestamps ISO 8601 strings (an invalid one null); typed arrays
// and lists arrays; structs and maps objects; undefined null.
/** A Parquet value as JSON would hold it. */
export function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const t = typeof v;
  if (t === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : String(v);
  }
  if (t !== 'object') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => plain(x));
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = plain(x);
  return o;
}

