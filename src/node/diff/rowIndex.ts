// The diff view's row index: every matched row of a baseline/current pair of
// JSONL, CSV, Parquet or JSON array files, joined by the contract's key the way the engine joins them
// (first baseline row of a key wins, first current row of a key wins,
// unusable lines skipped), with per row the byte offsets and line numbers of
// both lines, whether and how far it is outside tolerance, and per numeric
// field the delta: typed arrays, not a million objects. Sorting, filtering
// and key search run here over the index; pages of rows are read back from
// the files by offset (JSONL lines, CSV records and JSON array elements by
// byte offset and length; Parquet rows by row number, each row group a page
// needs read once). A table's "line" is its 1-based row number. Built in a worker thread by the editor (worker.ts).
import { promises as fs, type Stats } from 'node:fs';
import { numericArray } from '../../core/contract/tolerance';
import { checkLabel, checkNumericValue, getPath, numericValue, RULE_EXACT, ruleIds, SKIPPED as NOT_COMPARED, type DiffSpec } from '../../core/diff/rowCheck';
import type { DiffCell, DiffRow, RowQuery } from '../../core/diff/protocol';
import { sha256File } from '../jsonl';
import { formatOf, type TabularFormat } from '../tabular/format';
import { eachRecord, RecordReader } from './records';

export interface IndexFiles {
  /** Absolute paths. */
  baseline: string;
  current: string;
  /** The sha256 the current file must have (the outputs a run kept), and that run's id: build() refuses another file. */
  expect?: { digest: string; runId: string };
  /** An explicit format of either file (the contract's `format:`); absent: by extension (src/node/tabular/format.ts). */
  formats?: { baseline?: TabularFormat; current?: TabularFormat };
}

export interface BuildProgress {
  /** 0..1, by bytes read. */
  progress: number;
  rows: number;
}

export interface BuildOptions {
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
}

/** Counts per field, by rule, as the engine reports them (for the differential test and the summary). */
export interface IndexCounts {
  matched: number;
  outside: number;
  fields: Record<string, { compared: number; outside: number; abs: number; rel: number; exact: number; agreement: number }>;
}

class Grow<T extends Float64Array | Int32Array | Uint8Array> {
  length = 0;
  constructor(private data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const f64 = () => new Grow(new Float64Array(1024));
const i32 = () => new Grow(new Int32Array(1024));
const u8 = () => new Grow(new Uint8Array(1024));

interface FieldColumns {
  /** RULE_* bits per row. */
  bits: Uint8Array;
  /** current − baseline per row (numeric fields; NaN where not compared). */
  delta?: Float64Array;
  /** 1 where the engine compared this field for the row. */
  compared: Uint8Array;
}

export class RowIndex {
  private readonly selections = new Map<string, Uint32Array>();
  private readers: { baseline: RecordReader; current: RecordReader } | undefined;

  private constructor(
    readonly spec: DiffSpec,
    readonly files: IndexFiles,
    private readonly stamps: { baseline: Stats; current: Stats },
    readonly keys: string[],
    readonly baseLine: Int32Array,
    readonly baseOff: Float64Array,
    readonly baseLen: Int32Array,
    readonly curLine: Int32Array,
    readonly curOff: Float64Array,
    readonly curLen: Int32Array,
    readonly score: Float64Array,
    readonly outside: Uint8Array,
    private readonly columns: Map<string, FieldColumns>,
    readonly buildMs: number,
    private readonly formats: { baseline: TabularFormat; current: TabularFormat },
  ) {}

  get rows(): number {
    return this.keys.length;
  }

  static async build(spec: DiffSpec, files: IndexFiles, options: BuildOptions = {}): Promise<RowIndex> {
    const started = performance.now();
    if (files.expect && (await sha256File(files.current, options.signal)) !== files.expect.digest) {
      throw new Error(`the outputs kept by this report's run (${files.expect.runId}) changed after it: only the report's own sample rows are shown`);
    }
    const [bs, cs] = await Promise.all([fs.stat(files.baseline), fs.stat(files.current)]);
    const totalBytes = Math.max(1, bs.size + cs.size);
    const formats = { baseline: formatOf(files.baseline, files.formats?.baseline), current: formatOf(files.current, files.formats?.current) };
    const keyPath = spec.key.split('.');
    const keyOf = (row: unknown): string | undefined => {
      const k = getPath(row, keyPath);
      return typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)) ? String(k) : undefined;
    };
    let lastReport = 0;
    const progress = (bytes: number, rows: number) => {
      const now = performance.now();
      if (now - lastReport < 100) return;
      lastReport = now;
      options.onProgress?.({ progress: Math.min(1, bytes / totalBytes), rows });
    };

    // baseline: key -> baseline row, and the values the checks need
    const keyIndex = new Map<string, number>();
    const bLine = i32();
    const bOff = f64();
    const bLen = i32();
    const baseNum = spec.fields.map((f) => (f.kind === 'numeric' ? f64() : undefined));
    const baseText = spec.fields.map((f): (string | undefined)[] | undefined => (f.kind === 'numeric' ? undefined : []));
    // baseline arrays of numeric fields, by baseline row (only fields and rows that hold one)
    const baseArrays = spec.fields.map(() => undefined as Map<number, number[]> | undefined);
    await eachRecord(files.baseline, formats.baseline, options.signal, (line, offset, length, row) => {
      const key = row && keyOf(row);
      if (key === undefined || keyIndex.has(key)) return;
      keyIndex.set(key, bLine.length);
      bLine.push(line);
      bOff.push(offset);
      bLen.push(length);
      spec.fields.forEach((f, i) => {
        const v = getPath(row, f.path);
        if (f.kind === 'numeric') {
          baseNum[i]!.push(numericValue(v));
          const elems = numericArray(v);
          if (elems) (baseArrays[i] ??= new Map()).set(bLine.length - 1, elems);
        }
        else if (f.kind === 'categorical') baseText[i]!.push(v === undefined || v === null ? undefined : String(v));
        else baseText[i]!.push(JSON.stringify(v) ?? 'undefined');
      });
    }, (bytes) => progress(bytes, 0));
    const baseLineAll = bLine.done();
    const baseOffAll = bOff.done();
    const baseLenAll = bLen.done();
    const baseNums = baseNum.map((g) => g?.done());
    const baseKeys: string[] = new Array(keyIndex.size);
    for (const [k, i] of keyIndex) baseKeys[i] = k;

    // current: join, check every field, keep offsets
    const matched = new Uint8Array(baseLineAll.length);
    const keys: string[] = [];
    const baseIdx = i32();
    const cLine = i32();
    const cOff = f64();
    const cLen = i32();
    const score = f64();
    const outside = u8();
    const bits = spec.fields.map(() => u8());
    const compared = spec.fields.map(() => u8());
    const deltas = spec.fields.map((f) => (f.kind === 'numeric' ? f64() : undefined));
    let cursor = 0;
    await eachRecord(files.current, formats.current, options.signal, (line, offset, length, row) => {
      const key = row && keyOf(row);
      if (key === undefined) return;
      const idx = baseKeys[cursor] === key ? cursor : keyIndex.get(key);
      if (idx === undefined) return; // extra key
      cursor = idx + 1;
      if (matched[idx]) return; // duplicate
      matched[idx] = 1;
      keys.push(key);
      baseIdx.push(idx);
      cLine.push(line);
      cOff.push(offset);
      cLen.push(length);
      let s = 0;
      let out = 0;
      for (let i = 0; i < spec.fields.length; i++) {
        const f = spec.fields[i]!;
        const v = getPath(row, f.path);
        let check;
        if (f.kind === 'numeric') check = checkNumericValue(f.tolerance, baseNums[i]![idx]!, baseArrays[i]?.get(idx), v);
        else if (f.kind === 'categorical') check = checkLabel(baseText[i]![idx], v);
        else if (v === undefined && baseText[i]![idx] === 'undefined') check = NOT_COMPARED; // absent on both sides, as the engine skips it
        else {
          const same = baseText[i]![idx] === (JSON.stringify(v) ?? 'undefined');
          check = { compared: true, rules: same ? 0 : RULE_EXACT, score: same ? 0 : 1, delta: NaN };
        }
        bits[i]!.push(check.rules);
        compared[i]!.push(check.compared ? 1 : 0);
        deltas[i]?.push(check.delta);
        if (check.rules) {
          out = 1;
          if (check.score > s) s = check.score;
        }
      }
      score.push(s);
      outside.push(out);
    }, (bytes) => progress(bs.size + bytes, keys.length));
    const bi = baseIdx.done();
    const gather = <T extends Float64Array | Int32Array>(src: T, make: (n: number) => T): T => {
      const out = make(bi.length);
      for (let r = 0; r < bi.length; r++) out[r] = src[bi[r]!]!;
      return out;
    };
    const columns = new Map<string, FieldColumns>();
    spec.fields.forEach((f, i) => columns.set(f.name, { bits: bits[i]!.done(), compared: compared[i]!.done(), ...(deltas[i] ? { delta: deltas[i]!.done() } : {}) }));
    options.onProgress?.({ progress: 1, rows: keys.length });
    return new RowIndex(
      spec,
      files,
      { baseline: bs, current: cs },
      keys,
      gather(baseLineAll, (n) => new Int32Array(n)),
      gather(baseOffAll, (n) => new Float64Array(n)),
      gather(baseLenAll, (n) => new Int32Array(n)),
      cLine.done(),
      cOff.done(),
      cLen.done(),
      score.done(),
      outside.done(),
      columns,
      performance.now() - started,
      formats,
    );
  }

  /** Per field and rule, how many rows break it; what the engine's FieldReport and RuleResults count. */
  counts(): IndexCounts {
    const fields: IndexCounts['fields'] = {};
    let outsideRows = 0;
    for (let r = 0; r < this.rows; r++) outsideRows += this.outside[r]!;
    for (const f of this.spec.fields) {
      const c = this.columns.get(f.name)!;
      const n = { compared: 0, outside: 0, abs: 0, rel: 0, exact: 0, agreement: 0 };
      for (let r = 0; r < this.rows; r++) {
        const b = c.bits[r]!;
        n.compared += c.compared[r]!;
        if (b) n.outside++;
        if (b & 1) n.abs++;
        if (b & 2) n.rel++;
        if (b & 4) n.exact++;
        if (b & 8) n.agreement++;
      }
      fields[f.name] = n;
    }
    return { matched: this.rows, outside: outsideRows, fields };
  }

  /** The rows of a query, in order: row ids. Sorted orders are cached; filters scan them. */
  select(q: RowQuery): Uint32Array {
    const order = this.order(q.sort, q.desc);
    const bits = q.field ? this.columns.get(q.field)?.bits : undefined;
    const search = q.search.toLowerCase();
    if (!q.outsideOnly && !search) return order;
    const cacheKey = JSON.stringify(q);
    const hit = this.selections.get(cacheKey);
    if (hit) return hit;
    const out = new Uint32Array(order.length);
    let n = 0;
    const outside = bits ?? this.outside;
    for (let i = 0; i < order.length; i++) {
      const id = order[i]!;
      if (q.outsideOnly && !outside[id]) continue;
      if (search && !this.keys[id]!.toLowerCase().includes(search)) continue;
      out[n++] = id;
    }
    const sel = out.slice(0, n);
    this.remember(cacheKey, sel);
    return sel;
  }

  private remember(key: string, sel: Uint32Array): void {
    // a few recent selections: each is at most 4 bytes a row
    if (this.selections.size >= 8) this.selections.delete(this.selections.keys().next().value!);
    this.selections.set(key, sel);
  }

  private order(sort: RowQuery['sort'], desc: boolean): Uint32Array {
    const cacheKey = `order:${sort}:${desc}`;
    const hit = this.selections.get(cacheKey);
    if (hit) return hit;
    const n = this.rows;
    let ids: Uint32Array;
    if (sort === 'line') {
      ids = new Uint32Array(n);
      for (let i = 0; i < n; i++) ids[i] = desc ? n - 1 - i : i;
    } else if (sort === 'score') {
      // outside rows by how far outside, the rest in file order: sorts only the outside rows
      const out: number[] = [];
      const inside = new Uint32Array(n);
      let k = 0;
      for (let i = 0; i < n; i++) {
        if (this.score[i]! > 0) out.push(i);
        else inside[k++] = i;
      }
      const s = this.score;
      out.sort((a, b) => s[b]! - s[a]! || a - b);
      ids = new Uint32Array(n);
      if (desc) {
        ids.set(out, 0);
        ids.set(inside.subarray(0, k), out.length);
      } else {
        ids.set(inside.subarray(0, k), 0);
        ids.set(out.reverse(), k);
      }
    } else if (sort === 'key') {
      ids = identity(n);
      const keys = this.keys;
      ids.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
      if (desc) ids.reverse();
    } else {
      const abs = sort.startsWith('absdelta:');
      const field = sort.slice(sort.indexOf(':') + 1);
      const d = this.columns.get(field)?.delta;
      ids = identity(n);
      if (d) {
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) v[i] = abs ? Math.abs(d[i]!) : d[i]!;
        // rows without a delta (NaN) last in both directions
        const sign = desc ? -1 : 1;
        ids.sort((a, b) => {
          const x = v[a]!;
          const y = v[b]!;
          if (x !== x) return y !== y ? a - b : 1;
          if (y !== y) return -1;
          return sign * (x - y) || a - b;
        });
      }
    }
    this.remember(cacheKey, ids);
    return ids;
  }

  /** A page of a query: the rows, read back from both files by offset. */
  async page(q: RowQuery, offset: number, count: number): Promise<{ total: number; rows: DiffRow[] }> {
    const sel = this.select(q);
    const ids = sel.subarray(Math.min(offset, sel.length), Math.min(offset + count, sel.length));
    await this.checkUnchanged();
    this.readers ??= { baseline: new RecordReader(this.files.baseline, this.formats.baseline), current: new RecordReader(this.files.current, this.formats.current) };
    const idList = Array.from(ids);
    const [bs, cs] = await Promise.all([
      this.readers.baseline.read(idList.map((id) => ({ offset: this.baseOff[id]!, length: this.baseLen[id]! }))),
      this.readers.current.read(idList.map((id) => ({ offset: this.curOff[id]!, length: this.curLen[id]! }))),
    ]);
    const fields = q.field ? this.spec.fields.filter((f) => f.name === q.field) : this.spec.fields;
    const rows = await Promise.all(
      idList.map(async (id, k): Promise<DiffRow> => {
        const [b, c] = [bs[k], cs[k]];
        const cells = fields.map((f): DiffCell => {
          const col = this.columns.get(f.name)!;
          const bitsOf = col.bits[id]!;
          const delta = col.delta?.[id];
          return {
            field: f.name,
            baseline: getPath(b, f.path) ?? null,
            current: getPath(c, f.path) ?? null,
            ...(delta !== undefined && !Number.isNaN(delta) ? { delta } : {}),
            outside: bitsOf !== 0,
            ...(bitsOf ? { rules: ruleIds(f.name, bitsOf) } : {}),
          };
        });
        return { id, key: this.keys[id]!, baselineLine: this.baseLine[id]!, currentLine: this.curLine[id]!, score: this.score[id]!, cells };
      }),
    );
    return { total: sel.length, rows };
  }

  /** The index reads lines by byte offset: a file rewritten since (a new run) would be misread. */
  private async checkUnchanged(): Promise<void> {
    for (const which of ['baseline', 'current'] as const) {
      const now = await fs.stat(this.files[which]);
      const then = this.stamps[which];
      if (now.size !== then.size || now.mtimeMs !== then.mtimeMs) {
        throw new Error(`the ${which} file changed after its rows were indexed; open the diff again`);
      }
    }
  }

  async dispose(): Promise<void> {
    const r = this.readers;
    this.readers = undefined;
    await Promise.all([r?.baseline.close(), r?.current.close()]);
  }
}

function identity(n: number): Uint32Array {
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return ids;
}

