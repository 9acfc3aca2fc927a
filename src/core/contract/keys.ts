// The baseline's keys for the comparison's join, without a JS object per key:
// the keys' characters one after another in a typed array (one byte per
// character while every character fits in one, two bytes from the first that
// does not), where each key ends (not kept while all keys have the same
// length, as ids often do), and an open-addressing hash table (linear
// probing) of key numbers. A lookup hashes the key, skips slots whose stored
// hash bits differ, and checks a candidate by its characters, so two keys
// with the same hash are still told apart.
// At 1M keys of 8 characters this holds ~16 MB in two typed arrays, where a
// Map<string, number> plus the key strings held ~51 MB on the V8 heap and cost
// ~1 s of the comparison in hashing, growth and garbage collection.
// Pure: no I/O.

/** 32-bit hash of a string's UTF-16 code units: FNV-1a, then murmur3's finaliser to spread sequential keys. */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

/** hashKey of the string whose code units are a[start, end). */
function hashUnits(a: Uint8Array | Uint16Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  return mix(h);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const MAX_UNITS = 0x7fffffff;

/** Distinct string keys numbered 0, 1, 2, … in the order they were added. */
export class KeyTable {
  /** The keys' characters while all fit in a byte (then `units` is undefined). */
  private bytes: Uint8Array = new Uint8Array(8192);
  /** The keys' UTF-16 code units, from the first key with a character above U+00FF on. */
  private units: Uint16Array | undefined;
  private used = 0;
  /** The length all keys have, while they all have the same one (-1: no key yet; -2: they differ, see `ends`). */
  private width = -1;
  /** Once keys differ in length: ends[i] is where key i's characters end (key i starts where key i - 1 ends). */
  private ends = new Int32Array(0);
  /**
   * One Int32 per slot, 0 = empty; the length is a power of two 2^bits, at
   * most half full. A used slot holds the key number + 1 in its low `bits`
   * bits and the hash's bits above `bits` in the rest: most slots of other
   * keys are passed over without reading their characters.
   */
  private slots = new Int32Array(2048);
  private bits = 11;
  /** Number of keys. */
  size = 0;
  /** What grow()'s look-ahead reads add up to, so that they are not optimised away. */
  private sink = 0;

  /** Makes the hash table large enough for `n` keys in all, so that adding them does not grow (rehash) it again. */
  reserve(n: number): void {
    let bits = this.bits;
    while (2 * n > 1 << bits && bits < 30) bits++;
    if (bits > this.bits) this.grow(bits);
  }

  /** Adds `key` as number `size` and returns that number, or returns -1 when the key is already there. */
  add(key: string, h: number = hashKey(key)): number {
    if (2 * (this.size + 1) > this.slots.length) this.grow();
    const slots = this.slots;
    const bits = this.bits;
    const mask = slots.length - 1;
    const tag = (h >>> bits) << bits;
    let s = h & mask;
    for (;;) {
      const v = slots[s]!;
      if (v === 0) break;
      if ((v & ~mask) === tag && this.equals((v & mask) - 1, key)) return -1;
      s = (s + 1) & mask;
    }
    const idx = this.size;
    this.store(idx, key);
    this.size++;
    slots[s] = tag | (idx + 1);
    return idx;
  }

  /** The number of `key` (whose hashKey is `h`), or -1. */
  find(key: string, h: number = hashKey(key)): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const tag = (h >>> this.bits) << this.bits;
    let s = h & mask;
    for (;;) {
      const v = slots[s]!;
      if (v === 0) return -1;
      if ((v & ~mask) === tag && this.equals((v & mask) - 1, key)) return (v & mask) - 1;
      s = (s + 1) & mask;
    }
  }

  // ---- look-ahead for a batch of lookups -------------------------------------------
  // A lookup in a table far larger than the CPU caches waits for memory: the
  // slot, then the key's characters. A caller with many lookups to do reads
  // what they will read first, array by array in tight loops (touchSlots,
  // candidates, touchKeys), where the reads of many keys are in flight at
  // once; find() then works from the cache. The touch methods return a
  // number that means nothing, for the caller to keep (so the reads stay).

  /** Whether the keys differ in length (then where each ends is kept). */
  get variableWidth(): boolean {
    return this.width === -2;
  }

  /** Reads the slots hashes[0, n) hash to. */
  touchSlots(hashes: Int32Array, n: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    let sink = 0;
    for (let i = 0; i < n; i++) sink ^= slots[hashes[i]! & mask]!;
    return sink;
  }

  /**
   * out[i]: for hashes[i], the first key number on its probe sequence whose
   * stored hash bits match, without comparing characters (what find() will
   * most likely return), or -1.
   */
  candidates(hashes: Int32Array, n: number, out: Int32Array): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    const bits = this.bits;
    for (let i = 0; i < n; i++) {
      const h = hashes[i]!;
      const tag = (h >>> bits) << bits;
      let s = h & mask;
      let found = -1;
      for (;;) {
        const v = slots[s]!;
        if (v === 0) break;
        if ((v & ~mask) === tag) {
          found = (v & mask) - 1;
          break;
        }
        s = (s + 1) & mask;
      }
      out[i] = found;
    }
  }

  /** Reads the first character of the keys numbered idx[0, n) (-1: none). */
  touchKeys(idx: Int32Array, n: number): number {
    let sink = 0;
    const chars = this.units ?? this.bytes;
    if (this.width >= 0) {
      const w = this.width;
      for (let i = 0; i < n; i++) {
        const at = idx[i]! * w;
        if (at >= 0 && at < chars.length) sink ^= chars[at]!;
      }
      return sink;
    }
    // keys of different lengths: where they start first, then their characters
    const ends = this.ends;
    for (let i = 0; i < n; i++) if (idx[i]! > 0) sink ^= ends[idx[i]! - 1]!;
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      const at = k > 0 ? ends[k - 1]! : k === 0 ? 0 : -1;
      if (at >= 0 && at < chars.length) sink ^= chars[at]!;
    }
    return sink;
  }

  /**
   * For a caller done with lookups: the hash table's memory as a Uint32Array
   * (for reuse as scratch space). Afterwards keyAt() and equals() still work,
   * add() and find() must not be called.
   */
  releaseSlots(): Uint32Array {
    const slots = this.slots;
    this.slots = new Int32Array(0);
    return new Uint32Array(slots.buffer, slots.byteOffset, slots.length);
  }

  private start(idx: number): number {
    return this.width >= 0 ? idx * this.width : idx === 0 ? 0 : this.ends[idx - 1]!;
  }

  private end(idx: number): number {
    return this.width >= 0 ? (idx + 1) * this.width : this.ends[idx]!;
  }

  /** Whether key number `idx` is `key` (false when there is no key `idx`). */
  equals(idx: number, key: string): boolean {
    if (idx >= this.size) return false;
    const n = key.length;
    let start: number;
    if (this.width >= 0) {
      if (n !== this.width) return false;
      start = idx * n;
    } else {
      start = idx === 0 ? 0 : this.ends[idx - 1]!;
      if (this.ends[idx]! - start !== n) return false;
    }
    if (this.units) return equalUnits(this.units, start, key);
    const bytes = this.bytes;
    for (let i = 0; i < n; i++) if (bytes[start + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Key number `idx` as a string. */
  keyAt(idx: number): string {
    const start = this.start(idx);
    const end = this.end(idx);
    const chars = this.units ?? this.bytes;
    let out = '';
    // in pieces: String.fromCharCode takes its arguments on the stack
    for (let i = start; i < end; i += 8192) out += String.fromCharCode(...chars.subarray(i, Math.min(end, i + 8192)));
    return out;
  }

  private store(idx: number, key: string): void {
    const n = key.length;
    const at = this.used;
    if (n > MAX_UNITS - at) throw new RangeError(`the baseline's keys are longer than ${MAX_UNITS} characters in all`);
    if (!this.units) {
      const need = at + n;
      if (need > this.bytes.length) this.bytes = grownBytes(this.bytes, need);
      const bytes = this.bytes;
      let i = 0;
      for (; i < n; i++) {
        const c = key.charCodeAt(i);
        if (c > 0xff) break;
        bytes[at + i] = c;
      }
      if (i < n) {
        // the first character that needs two bytes: every key is held in UTF-16 from now on
        const units = new Uint16Array(Math.max(bytes.length, 1024));
        for (let j = 0; j < at + i; j++) units[j] = bytes[j]!;
        this.units = units;
        this.bytes = new Uint8Array(0);
      }
    }
    if (this.units) {
      const need = at + n;
      if (need > this.units.length) {
        const next = new Uint16Array(Math.max(2 * this.units.length, need));
        next.set(this.units.subarray(0, at));
        this.units = next;
      }
      const units = this.units;
      for (let i = 0; i < n; i++) units[at + i] = key.charCodeAt(i);
    }
    this.used = at + n;
    if (this.width === -1) this.width = n;
    else if (this.width >= 0 && n !== this.width) {
      // the first key of another length: from now on, where each key ends is kept
      const ends = new Int32Array(Math.max(1024, 2 * idx));
      for (let i = 0; i < idx; i++) ends[i] = (i + 1) * this.width;
      this.ends = ends;
      this.width = -2;
    }
    if (this.width === -2) {
      if (idx >= this.ends.length) {
        const next = new Int32Array(2 * this.ends.length);
        next.set(this.ends);
        this.ends = next;
      }
      this.ends[idx] = at + n;
    }
  }

  private grow(bits = this.bits + 1): void {
    const slots = new Int32Array(1 << bits);
    const mask = slots.length - 1;
    const chars = this.units ?? this.bytes;
    const hashes = new Int32Array(256);
    let start = 0;
    let sink = 0;
    // in blocks: hash, read the slots in a tight loop (many reads in flight), insert
    for (let from = 0; from < this.size; from += 256) {
      const n = Math.min(256, this.size - from);
      for (let i = 0; i < n; i++) {
        const end = this.end(from + i);
        hashes[i] = hashUnits(chars, start, end);
        start = end;
      }
      for (let i = 0; i < n; i++) sink ^= slots[hashes[i]! & mask]!;
      for (let i = 0; i < n; i++) {
        const h = hashes[i]!;
        let s = h & mask;
        while (slots[s] !== 0) s = (s + 1) & mask;
        slots[s] = ((h >>> bits) << bits) | (from + i + 1);
      }
    }
    this.slots = slots;
    this.bits = bits;
    this.sink ^= sink;
  }
}

function equalUnits(units: Uint16Array, start: number, key: string): boolean {
  for (let i = 0; i < key.length; i++) if (units[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

function grownBytes(a: Uint8Array, need: number): Uint8Array {
  const next = new Uint8Array(Math.max(2 * a.length, need));
  next.set(a);
  return next;
}
