// Small numeric helpers for the comparison: quantiles, histograms, PSI and the
// two-sample KS statistic over Float64Arrays (no per-row objects).

/** Linear-interpolated quantile (type 7) of an ascending-sorted array. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;

export function quantiles(sorted: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (const q of QUANTILES) out[`p${Math.round(q * 100)}`] = quantileSorted(sorted, q);
  return out;
}

/** Empty-bin proportion used by PSI so that ln(0) never happens. Documented in the README. */
export const PSI_EPSILON = 1e-4;

/**
 * Bin edges from the baseline's quantiles: `bins` bins with (about) equal
 * baseline mass; duplicate edges (ties) are merged, so fewer bins may result.
 * Returns the inner edges; bin i holds x with edges[i-1] < x <= edges[i].
 */
export function quantileEdges(sortedBaseline: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const e = quantileSorted(sortedBaseline, i / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

export function binCounts(values: Float64Array, edges: number[], sorted = false): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  if (sorted) {
    // ascending values: bin k holds the values after those <= edges[k - 1], up to those <= edges[k]
    let from = 0;
    for (let k = 0; k < edges.length; k++) {
      const e = edges[k]!;
      let lo = from;
      let hi = values.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (values[mid]! <= e) lo = mid + 1;
        else hi = mid;
      }
      counts[k] = lo - from;
      from = lo;
    }
    counts[edges.length] = values.length - from;
    return counts;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // binary search: first edge >= v
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

/** Population stability index of current against baseline over the baseline's quantile bins. `currentSorted`: current is ascending too (counted by binary search). */
export function psi(sortedBaseline: Float64Array, current: Float64Array, bins: number, currentSorted = false): { value: number; edges: number[]; baseline: number[]; current: number[] } {
  const edges = quantileEdges(sortedBaseline, bins);
  const b = binCounts(sortedBaseline, edges, true);
  const c = binCounts(current, edges, currentSorted);
  const nb = sortedBaseline.length || 1;
  const nc = current.length || 1;
  let value = 0;
  for (let i = 0; i < b.length; i++) {
    const pb = Math.max(b[i]! / nb, PSI_EPSILON);
    const pc = Math.max(c[i]! / nc, PSI_EPSILON);
    value += (pc - pb) * Math.log(pc / pb);
  }
  return { value, edges, baseline: b, current: c };
}

/** Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs. */
export function ks(sortedA: Float64Array, sortedB: Float64Array): number {
  const n = sortedA.length;
  const m = sortedB.length;
  if (n === 0 || m === 0) return NaN;
  let i = 0;
  let j = 0;
  // |i/n - j/m| = |i*m - j*n| / (n*m): integers until the one division, so 20 of 100 is exactly 0.2
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(sortedA[i]!, sortedB[j]!);
    while (i < n && sortedA[i]! <= x) i++;
    while (j < m && sortedB[j]! <= x) j++;
    d = Math.max(d, Math.abs(i * m - j * n));
  }
  return d / (n * m);
}

/**
 * Equal-width histogram of both series over their common range (for the diff
 * view). `sorted`: both are ascending and without NaN; the same result, found
 * by binary search instead of a pass over every value.
 */
export function histogram(a: Float64Array, b: Float64Array, bins = 20, sorted = false): { edges: number[]; baseline: number[]; current: number[] } {
  let min = Infinity;
  let max = -Infinity;
  for (const s of [a, b]) {
    if (sorted) {
      // the loop below would find the first and the last value (or, for the largest, an
      // equal value of the other sign of zero, which gives the same width and edges)
      if (s.length === 0) continue;
      if (s[0]! < min) min = s[0]!;
      if (s[s.length - 1]! > max) max = s[s.length - 1]!;
      continue;
    }
    for (let i = 0; i < s.length; i++) {
      if (s[i]! < min) min = s[i]!;
      if (s[i]! > max) max = s[i]!;
    }
  }
  if (!Number.isFinite(min)) return { edges: [], baseline: [], current: [] };
  if (max === min) max = min + 1;
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  const binOf = (x: number) => Math.min(bins - 1, Math.floor((x - min) / width));
  const count = (s: Float64Array) => {
    const out = new Array<number>(bins).fill(0);
    if (sorted) {
      // binOf never decreases along ascending values: each bin is one run, found by binary search
      let from = 0;
      for (let k = 0; k < bins; k++) {
        let lo = from;
        let hi = s.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (binOf(s[mid]!) <= k) lo = mid + 1;
          else hi = mid;
        }
        out[k] = lo - from;
        from = lo;
      }
      return out;
    }
    for (let i = 0; i < s.length; i++) out[binOf(s[i]!)]!++;
    return out;
  };
  return { edges, baseline: count(a), current: count(b) };
}

/**
 * Sorts a Float64Array without NaNs in place, ascending, into the order
 * Float64Array.prototype.sort gives (-0 before +0): a least-significant-digit
 * radix sort on the values' bits, 11 bits a pass, skipping the passes in which
 * every value has the same digit. At 1M values about three times as fast as
 * sort(). `scratch` (2 × length Uint32s, allocated when missing or too short)
 * can be shared by several calls. Arrays with a NaN, and short ones, go to sort().
 */
export function sortFloats(a: Float64Array, scratch?: Uint32Array): Float64Array {
  const n = a.length;
  if (n < 1024 || a.byteOffset % 4 !== 0) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  // the bits as an unsigned 64-bit number in the values' order: negative values all bits flipped, others the sign bit
  const counts = new Uint32Array(6 * 2048);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    if (x !== x) return a.sort(); // NaN
    const hi = words[2 * i + 1]!;
    const m = hi >> 31;
    const lo = words[2 * i]! ^ m;
    const h = hi ^ (m | 0x80000000);
    counts[lo & 0x7ff]!++;
    counts[2048 + ((lo >>> 11) & 0x7ff)]!++;
    counts[4096 + (lo >>> 22)]!++;
    counts[6144 + (h & 0x7ff)]!++;
    counts[8192 + ((h >>> 11) & 0x7ff)]!++;
    counts[10240 + (h >>> 22)]!++;
  }
  if (!scratch || scratch.length < 2 * n) scratch = new Uint32Array(2 * n);
  let src = words;
  let dst = scratch;
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * 2048;
    // exclusive prefix sums; a digit shared by all values leaves the order as it is
    let sum = 0;
    let trivial = false;
    for (let d = 0; d < 2048; d++) {
      const c = counts[base + d]!;
      if (c === n) trivial = true;
      counts[base + d] = sum;
      sum += c;
    }
    if (trivial) continue;
    const shift = (pass % 3) * 11;
    const high = pass >= 3;
    for (let i = 0; i < n; i++) {
      const lo = src[2 * i]!;
      const hi = src[2 * i + 1]!;
      const m = hi >> 31;
      const key = high ? hi ^ (m | 0x80000000) : lo ^ m;
      const d = shift === 22 ? key >>> 22 : (key >>> shift) & 0x7ff;
      const at = 2 * counts[base + d]!++;
      dst[at] = lo;
      dst[at + 1] = hi;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== words) words.set(src.subarray(0, 2 * n));
  return a;
}

/** A growable Float64Array. */
export class Floats {
  private data = new Float64Array(1024);
  length = 0;
  /** Makes room for `n` values in all, so that pushing them does not grow the array again. */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const next = new Float64Array(n);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  /** Reads the values at idx[0, n) (-1: none) and returns a number that means nothing: a look-ahead (see KeyTable). */
  touch(idx: Int32Array, n: number): number {
    const data = this.data;
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      if (k >= 0) sink += data[k]!;
    }
    return sink;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
  sorted(): Float64Array {
    return Float64Array.from(this.view()).sort();
  }
}

/** A growable Int32Array. */
export class Ints {
  private data = new Int32Array(1024);
  length = 0;
  /** Makes room for `n` values in all, so that pushing them does not grow the array again. */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const next = new Int32Array(n);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  /** Reads the values at idx[0, n) (-1: none) and returns a number that means nothing: a look-ahead (see KeyTable). */
  touch(idx: Int32Array, n: number): number {
    const data = this.data;
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      if (k >= 0) sink ^= data[k]!;
    }
    return sink;
  }
  set(i: number, v: number): void {
    this.data[i] = v;
  }
}

/** Keeps the `limit` items with the highest score (a min-heap). */
export class TopK<T> {
  private readonly heap: Array<{ score: number; item: T }> = [];
  constructor(private readonly limit: number) {}
  offer(score: number, make: () => T): void {
    if (this.limit <= 0) return;
    if (this.heap.length < this.limit) {
      this.heap.push({ score, item: make() });
      this.up(this.heap.length - 1);
    } else if (score > this.heap[0]!.score) {
      this.heap[0] = { score, item: make() };
      this.down(0);
    }
  }
  /** Highest score first. */
  items(): T[] {
    return [...this.heap].sort((a, b) => b.score - a.score).map((e) => e.item);
  }
  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.score <= h[i]!.score) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.score < h[m]!.score) m = l;
      if (r < h.length && h[r]!.score < h[m]!.score) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}
