// The comparison of a contract test, row by row and streaming: the ingest
// and the join. Baseline lines first, then current lines; each line is
// parsed once, joined to the baseline by the contract's key, checked against
// the output schema and the label set, and folded into per-field state
// (fieldState.ts) with the tolerance arithmetic of tolerance.ts. Lines are
// taken in small batches so that the join's memory reads overlap (see
// flush); what a row reports does not depend on it. Memory is bounded by the
// baseline's keys (a KeyTable: characters and a hash table in typed arrays)
// and one number (or label code) per row and field, held in typed arrays;
// the report (assembled by assemble.ts in finish()) keeps bounded samples
// only. Pure: no I/O.
// Long because the batching, the join and the per-row fold
// share the batch's and the join's state and run once per row; split into
// modules, that state would travel through calls on the hot path that
// `npm run bench` ("contract comparison") measures.
import { emptyCounts, type Counts, type KeySample, type LineProblem, type OffendingRow, type RowUnits, type TestReport } from './report';
import { assembleReport, offendingFields, type ReportMeta } from './assemble';
import { baseArrayAt, newFieldState, SMALL_CODES, storeBaseArray, unusable, valueAt, type FieldState } from './fieldState';
import { hashKey, KeyTable } from './keys';
import { Ints, TopK } from './stats';
import { brokenRules, checkArray, exactText, numericArray, outsideScore, RULE_ABS, RULE_EXACT, RULE_REL, type DriftSpec, type ToleranceSpec } from './tolerance';

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
  /** Files read as tables (CSV, Parquet, JSON array): their numbers are rows, and messages say so. */
  units?: RowUnits;
}

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
  /** Matched rows outside a row tolerance of any field (the offending sample is bounded; this counts them all). */
  private outsideToleranceRows = 0;
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
      this.fields.push(newFieldState(name, spec.tolerance[name] ?? {}, spec.drift[name]));
    }
  }

  /**
   * The top-level fields the comparison reads of a file's rows, when it reads
   * only some: the key and the compared fields (and the label, for outputs);
   * for inputs none (they are only counted). Undefined when a row validator
   * needs whole rows. A table reader may leave the other columns out
   * (ReadOptions.columns): what a row reports depends on these fields only.
   */
  columnsNeeded(file: LineProblem['file']): Set<string> | undefined {
    if (file === 'inputs') return this.options.validateInput ? undefined : new Set();
    if (file === 'current' && this.options.validateOutput) return undefined;
    const out = new Set([this.keyPath[0]!, ...this.fields.map((f) => f.path[0]!)]);
    if (file === 'current' && this.labelPath) out.add(this.labelPath[0]!);
    return out;
  }

  /**
   * A file's row count, when it is known before its rows are (a Parquet
   * footer's): the baseline's key table and per-row arrays (or the current
   * values the summary and drift keep) are sized once instead of grown while the rows come.
   * A hint only: at most 4M rows are reserved, and nothing else changes.
   */
  expectRows(file: LineProblem['file'], n: number): void {
    const rows = Math.min(Math.max(0, Math.floor(n)), 1 << 22);
    if (file === 'baseline') {
      this.keys.reserve(rows);
      this.baseLines.reserve(rows);
      for (const f of this.fields) {
        if (f.kind === 'numeric') f.baseNum.reserve(rows);
        else if (f.kind === 'categorical') f.baseCode.reserve(rows);
      }
    } else if (file === 'current') {
      for (const f of this.fields) if (f.kind === 'numeric') f.curNum.reserve(rows);
      if (this.matched.length < this.keys.size) {
        const next = new Uint8Array(this.keys.size);
        next.set(this.matched);
        this.matched = next;
      }
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

  /** An input row already parsed (a CSV, Parquet or JSON array row; `line`: its row number). */
  addInputRow(line: number, row: Record<string, unknown>): void {
    this.flush();
    this.counts.inputRows++;
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

  /** A baseline row already parsed (a CSV, Parquet or JSON array row; `line`: its row number). Batched as a line is (see flush). */
  addBaselineRow(line: number, row: Record<string, unknown>): void {
    this.queueRow('baseline', line, row);
  }

  /** A current row of a table already parsed: batched as a line is, so the join's reads overlap (see flush). */
  addCurrentTableRow(line: number, row: Record<string, unknown>): void {
    this.queueRow('current', line, row);
  }

  /** A current output already parsed (sources parse what they read). Handled at once: the row object is not kept. */
  addCurrentRow(line: number, row: Record<string, unknown>): void {
    this.flush();
    this.currentRow(line, row, keyString(valueAt(row, this.keyPath)), NO_HASH);
  }

  /** A line that could not be read at all (e.g. longer than the line limit). */
  unusableLine(file: LineProblem['file'], line: number, message: string): void {
    this.flush();
    const counter = file === 'inputs' ? 'inputRows' : file === 'baseline' ? 'baselineRows' : 'currentRows';
    this.counts[counter]++;
    this.counts[file === 'inputs' ? 'invalidInputs' : file === 'baseline' ? 'invalidBaseline' : 'invalidCurrent']++;
    this.problem(file, line, message);
  }

  /** A row already parsed into the batch: its text stays undefined, and parseBatch takes the value as it is. */
  private queueRow(file: 'baseline' | 'current', line: number, row: Record<string, unknown>): void {
    if (this.batchFile !== file) {
      this.flush();
      this.batchFile = file;
    }
    const i = this.batchSize++;
    this.batchLines[i] = line;
    this.batchTexts[i] = undefined;
    this.batchValues[i] = row;
    if (this.batchSize === BATCH) this.flush();
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
      for (let i = 0; i < n; i++) this.baselineLine(lines[i]!, texts[i] ?? '', values[i], keys[i], hashes[i]!);
    } else {
      this.lookAheadCurrent(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === NOT_JSON || v === null || typeof v !== 'object' || Array.isArray(v)) {
          this.counts.currentRows++;
          this.counts.invalidCurrent++;
          this.notAnObject('current', lines[i]!, texts[i] ?? '', v);
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
      const text = texts[i];
      let v: unknown;
      if (text === undefined) v = values[i]; // a row already parsed (queueRow)
      else {
        try {
          v = JSON.parse(text);
        } catch {
          v = NOT_JSON;
        }
      }
      values[i] = v;
      keys[i] = v !== null && typeof v === 'object' && !Array.isArray(v) ? keyString(valueAt(v, keyPath)) : undefined;
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
      const v = valueAt(row, f.path);
      if (f.kind === 'numeric') {
        if (f.arrays) {
          f.arrays.start.push(-1);
          f.arrays.length.push(-1);
        }
        const elems = typeof v === 'number' ? undefined : numericArray(v);
        if (elems) {
          f.baseNum.push(NaN);
          storeBaseArray(f, elems);
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
      const label = valueAt(row, this.labelPath!);
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
      const v = valueAt(row, f.path);
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
    if (flagged) this.outsideToleranceRows++;
    if (flagged) this.offending.offer(score, () => ({ key, baselineLine: this.baseLines.get(idx), currentLine: line, fields: offendingFields(this.fields, this.dictionaryNames, idx, row), score }));
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
    const b = baseArrayAt(f, idx);
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

  // ---- the end: keys nobody answered, then the report (assemble.ts) ------------------

  finish(meta: ReportMeta): TestReport {
    this.flush();
    // baseline keys nobody answered
    for (let idx = 0; idx < this.keys.size; idx++) {
      if (idx < this.matched.length && this.matched[idx]) continue;
      this.counts.missing++;
      if (this.missingSample.length < this.keySampleLimit) this.missingSample.push({ key: this.keys.keyAt(idx), line: this.baseLines.get(idx) });
    }
    return assembleReport(
      {
        spec: this.spec,
        counts: this.counts,
        fields: this.fields,
        baselineKeys: this.keys.size,
        dictionaryNames: this.dictionaryNames,
        labelSet: this.labelSet,
        checksOutputs: !!this.options.validateOutput,
        checksInputs: !!this.options.validateInput,
        outputSchemaFailures: this.outputSchemaFailures,
        inputSchemaFailures: this.inputSchemaFailures,
        labelViolations: this.labelViolations,
        firstLabelViolation: this.firstLabelViolation,
        problems: this.problems,
        problemsTotal: this.problemsTotal,
        missingSample: this.missingSample,
        extraSample: this.extraSample,
        duplicateSample: this.duplicateSample,
        offending: this.offending.items(),
        outsideToleranceRows: this.outsideToleranceRows,
        units: this.options.units,
        // no more lookups: the hash table's memory becomes the sort's second buffer (saves 8 MB at 1M rows)
        scratch: this.keys.releaseSlots(),
      },
      meta,
    );
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
    const k = valueAt(row, this.keyPath);
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
