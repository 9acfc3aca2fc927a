// The comparison of a contract test, row by row and streaming: baseline
// lines first, then current lines; each line is parsed once, joined to the
// baseline by the contract's key, checked against the output schema and the
// label set, and folded into per-field statistics. Lines are taken in small
// batches so that the join's memory reads overlap (see flush); what a row
// reports does not depend on it. Memory is bounded by the baseline's keys
// (a KeyTable: characters and a hash table in typed arrays) and one number
// (or label code) per row and field, held in typed arrays; the report keeps
// bounded samples only. Pure: no I/O.
import {
  emptyCounts,
  REPORT_VERSION,
  type Counts,
  type FieldReport,
  type KeySample,
  type LineProblem,
  type OffendingField,
  type OffendingRow,
  type RuleResult,
  type TestReport,
} from './report';
import { brokenRules, checkArray, exactText, fieldKind, numericArray, outsideScore, RULE_ABS, RULE_EXACT, RULE_REL, ruleIds, type FieldKind, type ToleranceSpec } from './tolerance';
import { hashKey, KeyTable } from './keys';
import { fieldPath } from './path';
import { Floats, histogram, Ints, ks, psi, quantiles, sortFloats, TopK } from './stats';

export interface DriftSpec {
  psi?: number;
  ks?: number;
  bins?: number;
}

export interface CompareSpec {
  testId: string;
  /** The output field that joins outputs to the baseline (and to inputs). */
  key: string;
  /** The closed label set, when the contract declares one. */
  labels?: string[];
  /** The output field holding the label (default `label` when labels are declared). */
  labelField?: string;
  tolerance: Record<string, ToleranceSpec>;
  drift: Record<string, DriftSpec>;
  missingKeys?: 'fail' | 'warn';
  extraKeys?: 'fail' | 'warn';
}

/** First schema error of a row, or undefined when the row is valid. */
export type RowValidator = (row: unknown) => string | undefined;

export interface CompareOptions {
  validateOutput?: RowValidator;
  validateInput?: RowValidator;
  /** Offending rows kept in the report (worst first). */
  offendingLimit?: number;
  /** Line problems kept in the report. */
  problemLimit?: number;
  /** Missing/extra/duplicate key samples kept. */
  keySampleLimit?: number;
}

interface FieldState {
  name: string;
  path: string[];
  kind: FieldKind;
  tolerance: ToleranceSpec;
  drift: DriftSpec | undefined;
  // baseline value per baseline row
  baseNum: Floats;
  baseCode: Ints;
  baseExact: string[];
  // all current values (numeric): summary and drift
  curNum: Floats;
  // matched pairs
  count: number;
  sumDelta: number;
  sumAbs: number;
  maxAbs: number;
  maxAbsKey: string;
  /** The element of maxAbs when it was in an array, else -1. */
  maxAbsIndex: number;
  /** Values compared (elements of arrays count one each): the means' denominator. */
  values: number;
  /** Baseline arrays of a numeric field, from the first one seen: per baseline row its start in `elems` and length (-1: no array). */
  arrays: { start: Ints; length: Ints; elems: Floats } | undefined;
  /** Matched rows whose arrays have another length than the baseline's. */
  lengthMismatch: number;
  /** Some row held an array (drift then cannot be computed). */
  sawArray: boolean;
  absViolations: number;
  relViolations: number;
  exactViolations: number;
  agree: number;
  disagree: number;
  /** baseline code × 65536 + current code -> rows, in the order the pairs were first seen */
  confusion: Map<number, number>;
  /** The counts of the pairs of codes below SMALL_CODES (their entries in `confusion` hold 0 until finish()). */
  smallConfusion: Float64Array;
  /** Why values could not be used, per side: `absent`, `a string`, … -> rows (baseline: every row; current: matched rows). */
  unusable: { baseline: Map<string, number>; current: Map<string, number> } | undefined;
}

const DEFAULT_BINS = 10;
/** Label codes below this are counted in a small array (see FieldState.smallConfusion). */
const SMALL_CODES = 16;
/** Lines per batch (see flush). */
const BATCH = 256;
/** A line JSON.parse rejected. */
const NOT_JSON = Symbol('not JSON');
/** No hash computed for a key yet. */
const NO_HASH = 0x100000000;

export class Comparison {
  private readonly counts: Counts = emptyCounts();
  private readonly fields: FieldState[] = [];
  /** Baseline keys, numbered by baseline row index. */
  private readonly keys = new KeyTable();
  /** The baseline row after the last one matched: outputs in baseline order are joined without a hash lookup. */
  private cursor = 0;
  private readonly labelPath: string[] | undefined;
  private readonly baseLines = new Ints();
  private matched = new Uint8Array(1024);
  private readonly extraKeys = new Set<string>();
  private readonly dictionary = new Map<string, number>();
  private readonly dictionaryNames: string[] = [];
  private readonly problems: LineProblem[] = [];
  private problemsTotal = 0;
  private readonly missingSample: KeySample[] = [];
  private readonly extraSample: KeySample[] = [];
  private readonly duplicateSample: Array<KeySample & { file: 'baseline' | 'current' }> = [];
  private readonly offending: TopK<OffendingRow>;
  private outputSchemaFailures = 0;
  private inputSchemaFailures = 0;
  private labelViolations = 0;
  private firstLabelViolation: { line: number; label: string } | undefined;
  private readonly labelSet: Set<string> | undefined;
  private readonly labelField: string | undefined;
  private readonly keyPath: string[];
  private readonly problemLimit: number;
  private readonly keySampleLimit: number;
  // the batch (see flush)
  private batchFile: 'baseline' | 'current' | undefined;
  private batchSize = 0;
  private readonly batchLines = new Float64Array(BATCH);
  private readonly batchTexts: Array<string | undefined> = new Array<string | undefined>(BATCH).fill(undefined);
  private readonly batchValues: unknown[] = new Array<unknown>(BATCH).fill(undefined);
  private readonly batchKeys: Array<string | undefined> = new Array<string | undefined>(BATCH).fill(undefined);
  private readonly batchHashes = new Int32Array(BATCH);
  /** batchLooked[i]: current row i is looked up in the hash table (its hash is in batchHashes). */
  private readonly batchLooked = new Uint8Array(BATCH);
  /** The hashes of the rows looked up, one after another, and the key numbers they most likely find. */
  private readonly lookupHashes = new Int32Array(BATCH);
  private readonly candidates = new Int32Array(BATCH);
  /** What the batch's look-ahead reads add up to: kept so that the reads are not optimised away. */
  private sink = 0;
  /** The radix sort's second buffer in finish(), shared by the numeric fields. */
  private scratch: Uint32Array | undefined;

  constructor(
    private readonly spec: CompareSpec,
    private readonly options: CompareOptions = {},
  ) {
    this.offending = new TopK(options.offendingLimit ?? 100);
    this.problemLimit = options.problemLimit ?? 200;
    this.keySampleLimit = options.keySampleLimit ?? 50;
    this.keyPath = spec.key.split('.');
    this.labelSet = spec.labels?.length ? new Set(spec.labels) : undefined;
    this.labelField = this.labelSet ? (spec.labelField ?? 'label') : spec.labelField;
    this.labelPath = this.labelField?.split('.');
    const names = new Set([...Object.keys(spec.tolerance), ...Object.keys(spec.drift)]);
    for (const name of names) {
      const tolerance = spec.tolerance[name] ?? {};
      const kind = fieldKind(tolerance, !!spec.drift[name]);
      this.fields.push({
        name,
        path: fieldPath(name),
        kind,
        tolerance,
        drift: spec.drift[name],
        baseNum: new Floats(),
        baseCode: new Ints(),
        baseExact: [],
        curNum: new Floats(),
        count: 0,
        sumDelta: 0,
        sumAbs: 0,
        maxAbs: 0,
        maxAbsKey: '',
        maxAbsIndex: -1,
        values: 0,
        arrays: undefined,
        lengthMismatch: 0,
        sawArray: false,
        absViolations: 0,
        relViolations: 0,
        exactViolations: 0,
        agree: 0,
        disagree: 0,
        confusion: new Map(),
        smallConfusion: new Float64Array(kind === 'categorical' ? SMALL_CODES * SMALL_CODES : 0),
        unusable: undefined,
      });
    }
  }

  // ---- input rows ---------------------------------------------------------------

  addInput(line: number, text: string): void {
    this.flush();
    this.counts.inputRows++;
    const row = this.parse('inputs', line, text);
    if (row === undefined) {
      this.counts.invalidInputs++;
      return;
    }
    const err = this.options.validateInput?.(row);
    if (err) {
      this.counts.invalidInputs++;
      this.inputSchemaFailures++;
      this.problem('inputs', line, `does not match the input schema: ${err}`);
    }
  }

  // ---- baseline and current lines, in batches -------------------------------------
  //
  // Baseline and current lines are taken in batches of BATCH lines. A batch is
  // parsed and its keys found first, then the hash-table slots and the
  // baseline data its rows will look up are read in tight loops, and only
  // then is each row handled, in order, exactly as if it had been handled on
  // arrival. With 1M baseline rows the join's data is far larger than the CPU
  // caches: row by row, every lookup waited for memory one read after the
  // other; in a tight loop the reads of many rows are in flight together.
  // Everything a row reports (problems, counts, samples) is decided in the
  // last step, in line order; every other method, and finish(), first
  // handles the lines still in the batch.

  addBaseline(line: number, text: string): void {
    this.queue('baseline', line, text);
  }

  addCurrent(line: number, text: string): void {
    this.queue('current', line, text);
  }

  /** A current output already parsed (sources parse what they read). Handled at once: the row object is not kept. */
  addCurrentRow(line: number, row: Record<string, unknown>): void {
    this.flush();
    this.currentRow(line, row, keyString(get(row, this.keyPath)), NO_HASH);
  }

  /** A line that could not be read at all (e.g. longer than the line limit). */
  unusableLine(file: LineProblem['file'], line: number, message: string): void {
    this.flush();
    const counter = file === 'inputs' ? 'inputRows' : file === 'baseline' ? 'baselineRows' : 'currentRows';
    this.counts[counter]++;
    this.counts[file === 'inputs' ? 'invalidInputs' : file === 'baseline' ? 'invalidBaseline' : 'invalidCurrent']++;
    this.problem(file, line, message);
  }

  private queue(file: 'baseline' | 'current', line: number, text: string): void {
    if (this.batchFile !== file) {
      this.flush();
      this.batchFile = file;
    }
    const i = this.batchSize++;
    this.batchLines[i] = line;
    this.batchTexts[i] = text;
    if (this.batchSize === BATCH) this.flush();
  }

  /** Handles the lines in the batch. */
  private flush(): void {
    const n = this.batchSize;
    if (n === 0) return;
    this.batchSize = 0;
    const { batchLines: lines, batchTexts: texts, batchValues: values, batchKeys: keys, batchHashes: hashes, batchLooked: looked } = this;
    // 1. parse every line and find its key; nothing is reported yet
    this.parseBatch(n);
    if (this.batchFile === 'baseline') {
      // 2. read ahead what the rows will read
      this.lookAheadBaseline(n);
      // 3. each row in order
      for (let i = 0; i < n; i++) this.baselineLine(lines[i]!, texts[i]!, values[i], keys[i], hashes[i]!);
    } else {
      this.lookAheadCurrent(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === NOT_JSON || v === null || typeof v !== 'object' || Array.isArray(v)) {
          this.counts.currentRows++;
          this.counts.invalidCurrent++;
          this.notAnObject('current', lines[i]!, texts[i]!, v);
        } else this.currentRow(lines[i]!, v as Record<string, unknown>, keys[i], looked[i] ? hashes[i]! : NO_HASH);
      }
    }
    // let the batch's strings and rows go
    texts.fill(undefined, 0, n);
    values.fill(undefined, 0, n);
    keys.fill(undefined, 0, n);
  }

  /** batchValues: each line parsed (or NOT_JSON); batchKeys: its key, if it is an object with a usable one. */
  private parseBatch(n: number): void {
    const { batchTexts: texts, batchValues: values, batchKeys: keys, keyPath } = this;
    for (let i = 0; i < n; i++) {
      let v: unknown;
      try {
        v = JSON.parse(texts[i]!);
      } catch {
        v = NOT_JSON;
      }
      values[i] = v;
      keys[i] = v !== null && typeof v === 'object' && !Array.isArray(v) ? keyString(get(v, keyPath)) : undefined;
    }
  }

  /** Baseline rows: hashes their keys (batchHashes) and reads the slots they will be added at. */
  private lookAheadBaseline(n: number): void {
    const { batchKeys: keys, batchHashes: hashes } = this;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (key !== undefined) hashes[i] = hashKey(key);
    }
    this.sink ^= this.keys.touchSlots(hashes, n); // (rows without a key: a stale hash, a read for nothing)
  }

  /**
   * Current rows that do not follow the baseline's order (as far as can be
   * told before handling them: neither the next baseline row nor the one
   * after) are looked up (batchLooked, batchHashes): reads their slots, then
   * the key and the baseline data of the row each most likely finds, array by array.
   */
  private lookAheadCurrent(n: number): void {
    const { batchKeys: keys, batchHashes: hashes, batchLooked: looked, lookupHashes, candidates } = this;
    let next = this.cursor;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      looked[i] = 0;
      if (key === undefined) continue;
      if (this.keys.equals(next, key)) next++;
      else if (this.keys.equals(next + 1, key)) next += 2;
      else {
        const h = hashKey(key);
        hashes[i] = h;
        looked[i] = 1;
        lookupHashes[m++] = h;
      }
    }
    if (m === 0) return;
    let sink = this.keys.touchSlots(lookupHashes, m);
    this.keys.candidates(lookupHashes, m, candidates);
    sink ^= this.keys.touchKeys(candidates, m);
    const matched = this.matched;
    for (let j = 0; j < m; j++) {
      const k = candidates[j]!;
      if (k >= 0 && k < matched.length) sink ^= matched[k]!;
    }
    for (const f of this.fields) {
      if (f.kind === 'numeric') sink += f.baseNum.touch(candidates, m);
      else if (f.kind === 'categorical') sink ^= f.baseCode.touch(candidates, m);
    }
    this.sink ^= sink;
  }

  private baselineLine(line: number, text: string, v: unknown, key: string | undefined, h: number): void {
    this.counts.baselineRows++;
    if (v === NOT_JSON || v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.counts.invalidBaseline++;
      this.notAnObject('baseline', line, text, v);
      return;
    }
    const row = v as Record<string, unknown>;
    if (key === undefined) {
      this.keyOf('baseline', line, row); // reports why
      this.counts.invalidBaseline++;
      return;
    }
    if (this.keys.add(key, h) < 0) {
      this.counts.duplicateBaseline++;
      if (this.duplicateSample.length < this.keySampleLimit) this.duplicateSample.push({ key, line, file: 'baseline' });
      return;
    }
    this.baseLines.push(line);
    for (const f of this.fields) {
      const v = get(row, f.path);
      if (f.kind === 'numeric') {
        if (f.arrays) {
          f.arrays.start.push(-1);
          f.arrays.length.push(-1);
        }
        const elems = typeof v === 'number' ? undefined : numericArray(v);
        if (elems) {
          f.baseNum.push(NaN);
          this.baseArray(f, elems);
        } else f.baseNum.push(this.number('baseline', line, f, v));
      } else if (f.kind === 'categorical') {
        if (v === undefined || v === null) {
          unusable(f, 'baseline', v);
          f.baseCode.push(-1);
        } else f.baseCode.push(this.code(String(v)));
      } else {
        if (v === undefined) unusable(f, 'baseline', v);
        f.baseExact.push(exactText(v));
      }
    }
  }

  /** A current row that is a JSON object; `key`: its key (undefined: none usable), `h`: the key's hash or NO_HASH. */
  private currentRow(line: number, row: Record<string, unknown>, key: string | undefined, h: number): void {
    this.counts.currentRows++;
    const err = this.options.validateOutput?.(row);
    if (err) {
      this.outputSchemaFailures++;
      this.problem('current', line, `does not match the output schema: ${err}`);
    }
    if (this.labelSet && this.labelField) {
      const label = get(row, this.labelPath!);
      if (typeof label !== 'string' || !this.labelSet.has(label)) {
        this.labelViolations++;
        this.firstLabelViolation ??= { line, label: String(label) };
        this.problem('current', line, `label \`${String(label)}\` is not one of ${[...this.labelSet].map((l) => `\`${l}\``).join(', ')}`);
      }
    }
    if (key === undefined) {
      this.keyOf('current', line, row); // reports why
      this.counts.invalidCurrent++;
      return;
    }
    // outputs usually come in the baseline's order: check the next baseline key before the hash table
    // (unless the batch already found the row out of order; keys are unique, so find() gives the same)
    const idx = h === NO_HASH ? (this.keys.equals(this.cursor, key) ? this.cursor : this.keys.find(key)) : this.keys.find(key, h);
    if (idx >= 0) this.cursor = idx + 1;
    else {
      if (this.extraKeys.has(key)) {
        this.duplicate(key, line);
        return;
      }
      this.extraKeys.add(key);
      this.counts.extra++;
      if (this.extraSample.length < this.keySampleLimit) this.extraSample.push({ key, line });
      return;
    }
    if (idx >= this.matched.length) {
      const next = new Uint8Array(Math.max(this.matched.length * 2, idx + 1));
      next.set(this.matched);
      this.matched = next;
    }
    if (this.matched[idx]) {
      this.duplicate(key, line);
      return;
    }
    this.matched[idx] = 1;
    this.counts.matched++;
    this.compareRow(key, idx, line, row);
  }

  private duplicate(key: string, line: number): void {
    this.counts.duplicateCurrent++;
    if (this.duplicateSample.length < this.keySampleLimit) this.duplicateSample.push({ key, line, file: 'current' });
  }

  /**
   * Folds a matched pair into the field statistics. Allocates nothing per row:
   * the offending fields of a row are built (by offendingFields) only when the
   * row makes it into the bounded sample.
   */
  private compareRow(key: string, idx: number, line: number, row: unknown): void {
    let score = 0;
    let flagged = false;
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i]!;
      const v = get(row, f.path);
      if (f.kind === 'numeric') {
        if (typeof v !== 'number' && Array.isArray(v)) {
          const s = this.compareArray(f, key, idx, line, v);
          if (s > 0) {
            flagged = true;
            if (s > score) score = s;
          }
          continue;
        }
        const c = this.number('current', line, f, v);
        if (Number.isNaN(c)) continue;
        f.curNum.push(c);
        const b = f.baseNum.get(idx);
        if (Number.isNaN(b)) continue;
        const delta = c - b;
        const abs = Math.abs(delta);
        f.count++;
        f.values++;
        f.sumDelta += delta;
        f.sumAbs += abs;
        if (abs > f.maxAbs || f.maxAbsKey === '') {
          f.maxAbs = abs;
          f.maxAbsKey = key;
          f.maxAbsIndex = -1;
        }
        const broken = brokenRules(f.tolerance, b, delta);
        if (broken) {
          if (broken & RULE_ABS) f.absViolations++;
          if (broken & RULE_REL) f.relViolations++;
          if (broken & RULE_EXACT) f.exactViolations++;
          flagged = true;
          const s = outsideScore(f.tolerance, b, delta);
          if (s > score) score = s;
        }
      } else if (f.kind === 'categorical') {
        const bc = f.baseCode.get(idx);
        if (v === undefined || v === null) {
          unusable(f, 'current', v);
          continue;
        }
        if (bc < 0) continue;
        const label = String(v);
        // most rows agree: the baseline's label needs no dictionary lookup
        const cc = label === this.dictionaryNames[bc] ? bc : this.code(label);
        f.count++;
        const cell = bc * 65536 + cc;
        if (bc < SMALL_CODES && cc < SMALL_CODES) {
          // a few labels: count in an array; the map only keeps the order the pairs came in
          if (f.smallConfusion[bc * SMALL_CODES + cc]!++ === 0) f.confusion.set(cell, 0);
        } else f.confusion.set(cell, (f.confusion.get(cell) ?? 0) + 1);
        if (bc === cc) f.agree++;
        else {
          f.disagree++;
          flagged = true;
          if (1 > score) score = 1;
        }
      } else {
        const c = exactText(v);
        if (v === undefined) {
          unusable(f, 'current', v);
          if (f.baseExact[idx] === 'undefined') continue; // absent on both sides: nothing compared
        }
        f.count++;
        if (f.baseExact[idx]! !== c) {
          f.exactViolations++;
          flagged = true;
          if (1 > score) score = 1;
        }
      }
    }
    if (flagged) this.offending.offer(score, () => ({ key, baselineLine: this.baseLines.get(idx), currentLine: line, fields: this.offendingFields(idx, row), score }));
  }

  /** Stores a baseline row's array of field `f` (the row's NaN is already in baseNum). */
  private baseArray(f: FieldState, elems: number[]): void {
    f.sawArray = true;
    if (!f.arrays) {
      // the first array: earlier rows had none
      const a = { start: new Ints(), length: new Ints(), elems: new Floats() };
      for (let k = 0; k < f.baseNum.length - 1; k++) {
        a.start.push(-1);
        a.length.push(-1);
      }
      a.start.push(-1);
      a.length.push(-1);
      f.arrays = a;
    }
    const a = f.arrays;
    const row = a.start.length - 1;
    a.start.set(row, a.elems.length);
    a.length.set(row, elems.length);
    for (const x of elems) a.elems.push(x);
  }

  /** The baseline array of row `idx` of `f`, or undefined. */
  private baseArrayAt(f: FieldState, idx: number): Float64Array | undefined {
    const a = f.arrays;
    if (!a || idx >= a.length.length) return undefined;
    const n = a.length.get(idx);
    if (n < 0) return undefined;
    const start = a.start.get(idx);
    return a.elems.view().subarray(start, start + n);
  }

  /** A current value that is an array, for numeric field `f`: element-wise (see tolerance.ts). Returns the row's score (0: inside). */
  private compareArray(f: FieldState, key: string, idx: number, line: number, v: unknown[]): number {
    f.sawArray = true;
    const c = numericArray(v);
    if (!c) {
      this.number('current', line, f, v); // reports and counts it
      return 0;
    }
    for (const x of c) f.curNum.push(x);
    const b = this.baseArrayAt(f, idx);
    if (!b) {
      if (!Number.isNaN(f.baseNum.get(idx))) unusable(f, 'current', v); // a number in the baseline, an array now
      return 0;
    }
    const r = checkArray(f.tolerance, b, c);
    f.count++;
    if (!r.sameLength) {
      f.lengthMismatch++;
    } else {
      f.values += r.elements;
      f.sumDelta += r.sumDelta;
      f.sumAbs += r.sumAbs;
      if (r.worst >= 0 && (Math.abs(r.worstDelta) > f.maxAbs || f.maxAbsKey === '')) {
        f.maxAbs = Math.abs(r.worstDelta);
        f.maxAbsKey = key;
        f.maxAbsIndex = r.worst;
      }
    }
    if (r.rules & RULE_ABS) f.absViolations++;
    if (r.rules & RULE_REL) f.relViolations++;
    if (r.rules & RULE_EXACT) f.exactViolations++;
    return r.score;
  }

  /** The fields of a matched pair that break a rule, as compareRow judged them (no counting, no problems). */
  private offendingFields(idx: number, row: unknown): OffendingField[] {
    const out: OffendingField[] = [];
    for (const f of this.fields) {
      const v = get(row, f.path);
      if (f.kind === 'numeric') {
        if (Array.isArray(v)) {
          const c = numericArray(v);
          const b = c && this.baseArrayAt(f, idx);
          if (!c || !b) continue;
          const r = checkArray(f.tolerance, b, c);
          const rules = ruleIds(f.name, r.rules);
          if (rules.length) out.push({ field: f.name, baseline: Array.from(b), current: c, ...(r.worst >= 0 ? { delta: r.worstDelta, index: r.worst } : {}), rules });
          continue;
        }
        if (typeof v !== 'number' || !Number.isFinite(v)) continue;
        const c = v;
        const b = f.baseNum.get(idx);
        if (Number.isNaN(b)) continue;
        const delta = c - b;
        const rules = ruleIds(f.name, brokenRules(f.tolerance, b, delta));
        if (rules.length) out.push({ field: f.name, baseline: b, current: c, delta, rules });
      } else if (f.kind === 'categorical') {
        const bc = f.baseCode.get(idx);
        if (bc < 0 || v === undefined || v === null) continue;
        const label = String(v);
        if (label !== this.dictionaryNames[bc]) out.push({ field: f.name, baseline: this.dictionaryNames[bc], current: label, rules: [`${f.name}.agreement`] });
      } else {
        const b = f.baseExact[idx]!;
        if (b !== exactText(v)) out.push({ field: f.name, baseline: b === 'undefined' ? undefined : JSON.parse(b), current: v, rules: [`${f.name}.exact`] });
      }
    }
    return out;
  }

  // ---- the report ---------------------------------------------------------------------

  finish(meta: { contractPath: string; contractName?: string; contractVersion?: string | number }): TestReport {
    this.flush();
    // baseline keys nobody answered
    for (let idx = 0; idx < this.keys.size; idx++) {
      if (idx < this.matched.length && this.matched[idx]) continue;
      this.counts.missing++;
      if (this.missingSample.length < this.keySampleLimit) this.missingSample.push({ key: this.keys.keyAt(idx), line: this.baseLines.get(idx) });
    }
    // no more lookups: the hash table's memory becomes the sort's second buffer (saves 8 MB at 1M rows)
    this.scratch = this.keys.releaseSlots();
    const rules: RuleResult[] = [];
    const fields: FieldReport[] = [];
    for (const f of this.fields) {
      for (const cell of f.confusion.keys()) {
        const b = Math.floor(cell / 65536);
        const c = cell % 65536;
        if (b < SMALL_CODES && c < SMALL_CODES) f.confusion.set(cell, f.smallConfusion[b * SMALL_CODES + c]!);
      }
    }
    for (const f of this.fields) {
      const r = this.fieldReport(f);
      fields.push(r.report);
      rules.push(...r.rules);
    }
    rules.push(...this.keyRules(), ...this.lineRules());
    const verdict = rules.some((r) => r.verdict === 'fail') ? 'fail' : 'pass';
    return {
      reportVersion: REPORT_VERSION,
      contract: { path: meta.contractPath, ...(meta.contractName ? { name: meta.contractName } : {}), ...(meta.contractVersion !== undefined ? { version: meta.contractVersion } : {}) },
      testId: this.spec.testId,
      verdict,
      counts: this.counts,
      rules,
      fields,
      offending: this.offending.items(),
      problems: this.problems,
      problemsTotal: this.problemsTotal,
      missingSample: this.missingSample,
      extraSample: this.extraSample,
      duplicateSample: this.duplicateSample,
    };
  }

  private fieldReport(f: FieldState): { report: FieldReport; rules: RuleResult[] } {
    const rules: RuleResult[] = [];
    const t = f.tolerance;
    const name = `\`${f.name}\``;
    if (f.kind === 'numeric') {
      // finish() is the last use of these arrays: compact and sort them in place, no copies
      const baseSorted = sortFloats(f.arrays ? withElements(finiteInPlace(f.baseNum.view()), f.arrays.elems.view()) : finiteInPlace(f.baseNum.view()), this.scratch);
      const curSorted = sortFloats(finiteInPlace(f.curNum.view()), this.scratch);
      const report: FieldReport = {
        field: f.name,
        kind: 'numeric',
        count: f.count,
        baseline: summary(baseSorted),
        current: summary(curSorted),
        delta: {
          mean: f.values ? f.sumDelta / f.values : NaN,
          meanAbs: f.values ? f.sumAbs / f.values : NaN,
          maxAbs: f.maxAbs,
          maxAbsKey: f.maxAbsKey,
          ...(f.maxAbsIndex >= 0 ? { maxAbsIndex: f.maxAbsIndex } : {}),
        },
        outsideTolerance: Math.max(f.absViolations, f.relViolations, f.exactViolations),
        histogram: histogram(baseSorted, curSorted, undefined, true),
      };
      const nc = this.notCompared(f);
      const at = `\`${f.maxAbsKey}\`${f.maxAbsIndex >= 0 ? `, element ${f.maxAbsIndex}` : ''}`;
      const lengths = f.lengthMismatch ? `; ${f.lengthMismatch} row${f.lengthMismatch === 1 ? ' has an array' : 's have arrays'} of another length than the baseline's` : '';
      nc.suffix = lengths + nc.suffix;
      if (t.abs !== undefined) {
        const fail = nc.none !== undefined || f.absViolations > 0;
        rules.push({
          id: `${f.name}.abs`,
          kind: 'abs',
          field: f.name,
          threshold: t.abs,
          ...(nc.none === undefined ? { value: f.maxAbs } : {}),
          violations: f.absViolations,
          verdict: fail ? 'fail' : 'pass',
          message:
            nc.none ??
            (f.absViolations > 0
              ? `${name}: ${f.absViolations} of ${f.count} rows differ from the baseline by more than ${num(t.abs)} (max |Δ| ${num(f.maxAbs)} at ${at})`
              : `${name}: all ${f.count} rows within ${num(t.abs)} of the baseline (max |Δ| ${num(f.maxAbs)})`) + nc.suffix,
        });
      }
      if (t.rel !== undefined) {
        const fail = nc.none !== undefined || f.relViolations > 0;
        rules.push({
          id: `${f.name}.rel`,
          kind: 'rel',
          field: f.name,
          threshold: t.rel,
          violations: f.relViolations,
          verdict: fail ? 'fail' : 'pass',
          message:
            nc.none ??
            (f.relViolations > 0
              ? `${name}: ${f.relViolations} of ${f.count} rows differ from the baseline by more than ${pct(t.rel)}`
              : `${name}: all ${f.count} rows within ${pct(t.rel)} of the baseline`) + nc.suffix,
        });
      }
      if (t.exact) rules.push(this.exactRule(f));
      // drift compares the two series of values, not pairs: it needs values on both sides
      const why = this.unusableText(f);
      const noSeries = f.sawArray
        ? 'arrays'
        : baseSorted.length === 0 || curSorted.length === 0
          ? `no numeric value (${why || 'no baseline row has a current output'})`
          : undefined;
      const notComputed = (what: string) =>
        noSeries === 'arrays' ? `\`${f.name}\` holds arrays and ${what} needs one number per row; address an element, e.g. \`${f.name}[0]\`` : noSeries;
      const leftOut = why ? `; left out: ${why}` : '';
      if (f.drift?.psi !== undefined) {
        if (noSeries) rules.push({ id: `${f.name}.psi`, kind: 'psi', field: f.name, threshold: f.drift.psi, verdict: 'fail', message: `${name}: PSI not computed: ${notComputed('PSI')}` });
        else {
          const p = psi(baseSorted, curSorted, f.drift.bins ?? DEFAULT_BINS, true);
          const fail = !(p.value <= f.drift.psi);
          rules.push({
            id: `${f.name}.psi`,
            kind: 'psi',
            field: f.name,
            threshold: f.drift.psi,
            value: p.value,
            verdict: fail ? 'fail' : 'pass',
            message: `${name}: PSI ${num(p.value)} ${fail ? '>' : '≤'} ${num(f.drift.psi)} over ${p.baseline.length} baseline-quantile bins${leftOut}`,
          });
        }
      }
      if (f.drift?.ks !== undefined) {
        if (noSeries) rules.push({ id: `${f.name}.ks`, kind: 'ks', field: f.name, threshold: f.drift.ks, verdict: 'fail', message: `${name}: KS not computed: ${notComputed('KS')}` });
        else {
          const d = ks(baseSorted, curSorted);
          const fail = !(d <= f.drift.ks);
          rules.push({
            id: `${f.name}.ks`,
            kind: 'ks',
            field: f.name,
            threshold: f.drift.ks,
            value: d,
            verdict: fail ? 'fail' : 'pass',
            message: `${name}: KS statistic ${num(d)} ${fail ? '>' : '≤'} ${num(f.drift.ks)}${leftOut}`,
          });
        }
      }
      return { report, rules };
    }
    if (f.kind === 'categorical') {
      const labels = [...new Set([...(this.spec.labels ?? []), ...this.usedLabels(f)])];
      const index = new Map(labels.map((l, i) => [l, i]));
      const matrix = labels.map(() => labels.map(() => 0));
      for (const [cell, n] of f.confusion) {
        const b = Math.floor(cell / 65536);
        const c = cell % 65536;
        matrix[index.get(this.dictionaryNames[b]!)!]![index.get(this.dictionaryNames[c]!)!]! += n;
      }
      const agreement = f.count ? f.agree / f.count : NaN;
      const report: FieldReport = { field: f.name, kind: 'categorical', count: f.count, outsideTolerance: f.disagree, confusion: { labels, matrix }, agreement };
      if (t.agreement !== undefined) {
        const nc = this.notCompared(f);
        const fail = nc.none !== undefined || !(agreement >= t.agreement);
        rules.push({
          id: `${f.name}.agreement`,
          kind: 'agreement',
          field: f.name,
          threshold: t.agreement,
          ...(nc.none === undefined ? { value: agreement } : {}),
          violations: f.disagree,
          verdict: fail ? 'fail' : 'pass',
          message: nc.none ?? `${name}: agreement ${pct(agreement)} (${f.agree} of ${f.count} rows) ${fail ? '<' : '≥'} required ${pct(t.agreement)}${nc.suffix}`,
        });
      }
      if (t.exact) rules.push(this.exactRule(f));
      return { report, rules };
    }
    return { report: { field: f.name, kind: 'categorical', count: f.count, outsideTolerance: f.exactViolations }, rules: [this.exactRule(f)] };
  }

  private exactRule(f: FieldState): RuleResult {
    const violations = f.kind === 'categorical' ? f.disagree : f.exactViolations;
    const nc = this.notCompared(f);
    return {
      id: `${f.name}.exact`,
      kind: 'exact',
      field: f.name,
      violations,
      verdict: nc.none !== undefined || violations > 0 ? 'fail' : 'pass',
      message:
        nc.none ??
        (violations > 0 ? `\`${f.name}\`: ${violations} of ${f.count} rows differ from the baseline (exact match required)` : `\`${f.name}\`: all ${f.count} rows equal the baseline`) + nc.suffix,
    };
  }

  private usedLabels(f: FieldState): string[] {
    const out = new Set<string>();
    for (const cell of f.confusion.keys()) {
      out.add(this.dictionaryNames[Math.floor(cell / 65536)]!);
      out.add(this.dictionaryNames[cell % 65536]!);
    }
    return [...out];
  }

  private keyRules(): RuleResult[] {
    const c = this.counts;
    const rules: RuleResult[] = [];
    const missingMode = this.spec.missingKeys ?? 'fail';
    const e = (s: KeySample[]) => (s[0] ? ` (e.g. \`${s[0].key}\`)` : '');
    rules.push({
      id: 'missing-keys',
      kind: 'missing-keys',
      value: c.missing,
      verdict: c.missing === 0 ? 'pass' : missingMode,
      message: c.missing === 0 ? `every baseline key has a current output` : `${c.missing} baseline key${c.missing === 1 ? ' has' : 's have'} no current output${e(this.missingSample)}`,
    });
    const extraMode = this.spec.extraKeys ?? 'warn';
    rules.push({
      id: 'extra-keys',
      kind: 'extra-keys',
      value: c.extra,
      verdict: c.extra === 0 ? 'pass' : extraMode,
      message: c.extra === 0 ? 'no current output without a baseline row' : `${c.extra} current output${c.extra === 1 ? ' has a key' : 's have keys'} not in the baseline${e(this.extraSample)}`,
    });
    const dups = c.duplicateBaseline + c.duplicateCurrent;
    rules.push({
      id: 'duplicate-keys',
      kind: 'duplicate-keys',
      value: dups,
      verdict: dups === 0 ? 'pass' : 'fail',
      message:
        dups === 0
          ? 'every key is unique'
          : `duplicate keys: ${c.duplicateBaseline} in the baseline, ${c.duplicateCurrent} in the current outputs${dupExample(this.duplicateSample[0])}`,
    });
    if (this.labelSet) {
      const v = this.labelViolations;
      rules.push({
        id: 'labels',
        kind: 'labels',
        value: v,
        verdict: v === 0 ? 'pass' : 'fail',
        message:
          v === 0
            ? `every label is one of ${[...this.labelSet].map((l) => `\`${l}\``).join(', ')}`
            : `${v} output${v === 1 ? ' has a label' : 's have labels'} outside the contract's labels (e.g. \`${this.firstLabelViolation!.label}\` at line ${this.firstLabelViolation!.line})`,
      });
    }
    return rules;
  }

  private lineRules(): RuleResult[] {
    const rules: RuleResult[] = [];
    if (this.options.validateOutput) rules.push(this.schemaRule('output', this.outputSchemaFailures, 'current'));
    if (this.options.validateInput) rules.push(this.schemaRule('input', this.inputSchemaFailures, 'inputs'));
    const c = this.counts;
    const unusable = c.invalidBaseline + c.invalidCurrent + (c.invalidInputs - this.inputSchemaFailures);
    if (unusable > 0) {
      rules.push({
        id: 'invalid-lines',
        kind: 'invalid-lines',
        value: unusable,
        verdict: 'fail',
        message: `${unusable} line${unusable === 1 ? '' : 's'} could not be used (${c.invalidBaseline} baseline, ${c.invalidCurrent} current, ${c.invalidInputs - this.inputSchemaFailures} inputs)${this.firstProblem()}`,
      });
    }
    return rules;
  }

  private schemaRule(which: 'input' | 'output', failures: number, file: LineProblem['file']): RuleResult {
    const v = failures;
    return {
      id: `${which}-schema`,
      kind: `${which}-schema`,
      value: v,
      verdict: v === 0 ? 'pass' : 'fail',
      message: v === 0 ? `every ${which} matches the ${which} schema` : `${v} ${which}${v === 1 ? '' : 's'} do${v === 1 ? 'es' : ''} not match the ${which} schema${this.firstProblem(file, `${which} schema`)}`,
    };
  }

  private firstProblem(file?: LineProblem['file'], containing?: string): string {
    const p = this.problems.find((x) => (!file || x.file === file) && (!containing || x.message.includes(containing)));
    return p ? `; first: ${p.file} line ${p.line}: ${p.message}` : '';
  }

  // ---- helpers -------------------------------------------------------------------------

  private parse(file: LineProblem['file'], line: number, text: string): Record<string, unknown> | undefined {
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      row = NOT_JSON;
    }
    if (row === NOT_JSON || !row || typeof row !== 'object' || Array.isArray(row)) {
      this.notAnObject(file, line, text, row);
      return undefined;
    }
    return row as Record<string, unknown>;
  }

  /** Reports a line that is not JSON (`value` NOT_JSON) or whose JSON is not an object. */
  private notAnObject(file: LineProblem['file'], line: number, text: string, value: unknown): void {
    // JSON.parse's wording changes between Node versions: say it our way
    if (value === NOT_JSON) this.problem(file, line, /(^|[^\w"])(NaN|-?Infinity)\b/.test(text) ? 'not JSON: NaN and Infinity are not JSON numbers' : `not JSON: \`${preview(text)}\``);
    else this.problem(file, line, `expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }

  private keyOf(file: LineProblem['file'], line: number, row: unknown): string | undefined {
    const k = get(row, this.keyPath);
    if (typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k))) return String(k);
    this.problem(file, line, k === undefined ? `has no key \`${this.spec.key}\`` : `key \`${this.spec.key}\` is ${JSON.stringify(k)}, expected a string or number`);
    return undefined;
  }

  /** A numeric value of field `f`, or NaN (with a problem, and counted as unusable) when it is not a finite number. */
  private number(file: 'baseline' | 'current', line: number, f: FieldState, v: unknown): number {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    unusable(f, file, v);
    const field = f.name;
    if (v === undefined) this.problem(file, line, `has no field \`${field}\``);
    else this.problem(file, line, `field \`${field}\` is ${typeof v === 'string' ? `a string (${JSON.stringify(v)})` : JSON.stringify(v)}, expected a number`);
    return NaN;
  }

  /**
   * Why some of field `f`'s values were not used, or '' when all were:
   * `absent in 2 of 150 baseline rows; a string in 1 of 148 current rows`
   * (baseline: the rows joined by key; current: the matched rows).
   */
  private unusableText(f: FieldState): string {
    if (!f.unusable) return '';
    const side = (m: Map<string, number>, total: number, name: string) =>
      m.size ? `${[...m].map(([why, n]) => `${why} in ${n}`).join(', ')} of ${total} ${name} rows` : '';
    return [side(f.unusable.baseline, this.keys.size, 'baseline'), side(f.unusable.current, this.counts.matched, 'current')].filter(Boolean).join('; ');
  }

  /** A tolerance rule's sentence over zero compared rows, or the suffix saying how many matched rows were not compared. */
  private notCompared(f: FieldState): { none?: string; suffix: string } {
    const why = this.unusableText(f);
    if (f.count === 0) return { none: `\`${f.name}\`: no row compared (${why || 'no baseline row has a current output'})`, suffix: '' };
    const skipped = this.counts.matched - f.count;
    return { suffix: skipped > 0 ? `; ${skipped} of ${this.counts.matched} matched rows not compared (${why})` : '' };
  }

  private code(label: string): number {
    const names = this.dictionaryNames;
    if (names.length <= 8) {
      // a few labels: comparing is quicker than hashing a new string
      for (let i = 0; i < names.length; i++) if (names[i] === label) return i;
    }
    let c = this.dictionary.get(label);
    if (c === undefined) {
      c = this.dictionaryNames.length;
      this.dictionary.set(label, c);
      this.dictionaryNames.push(label);
    }
    return c;
  }

  private problem(file: LineProblem['file'], line: number, message: string): void {
    this.problemsTotal++;
    if (this.problems.length < this.problemLimit) this.problems.push({ file, line, message });
  }
}

function preview(text: string): string {
  const t = text.trim();
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}

/** The join key a key field's value gives: strings and finite numbers, as a string. */
function keyString(k: unknown): string | undefined {
  return typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)) ? String(k) : undefined;
}

/** Counts a value of `f` that could not be used, by why (off the hot path: only for such values). */
function unusable(f: FieldState, side: 'baseline' | 'current', v: unknown): void {
  f.unusable ??= { baseline: new Map(), current: new Map() };
  const m = f.unusable[side];
  const why = typeName(v);
  m.set(why, (m.get(why) ?? 0) + 1);
}

/** What a value is, for a sentence: `absent`, `null`, `a string`, `an array`, … */
function typeName(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return 'not a finite number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function get(row: unknown, path: string[]): unknown {
  if (path.length === 1) return row !== null && typeof row === 'object' ? (row as Record<string, unknown>)[path[0]!] : undefined;
  let v = row;
  for (const p of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** `a` followed by `elems` (a new array). */
function withElements(a: Float64Array, elems: Float64Array): Float64Array {
  const out = new Float64Array(a.length + elems.length);
  out.set(a);
  out.set(elems, a.length);
  return out;
}

/** Moves the non-NaN values to the front and returns that part (the array is reused). */
function finiteInPlace(a: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i]!)) a[n++] = a[i]!;
  return a.subarray(0, n);
}

function summary(sorted: Float64Array): FieldReport['baseline'] {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    min: sorted.length ? sorted[0]! : NaN,
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    quantiles: quantiles(sorted),
  };
}

/** A number for a sentence: up to 4 significant digits. */
/** ` (e.g. \`k\` at baseline line 3)`, or nothing when no sample is kept (keySampleLimit 0). */
function dupExample(d: (KeySample & { file: string }) | undefined): string {
  return d ? ` (e.g. \`${d.key}\` at ${d.file} line ${d.line})` : '';
}

export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(4)));
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${Number((x * 100).toPrecision(4))}%` : String(x);
}
