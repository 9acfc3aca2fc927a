// Baselines: recording a model's outputs for a test's inputs as the JSONL
// baseline, with its provenance in a sidecar `<baseline>.meta.json`, and
// checking that provenance before a baseline is compared with anything.
//
// The sidecar (examples/iris/data/baseline-1.4.2.meta.json is one):
//   description   "Provenance of <baseline>: outputs of <model> <version> for <inputs>."
//   model, version  the model that produced the outputs
//   seed          the seed it was given (absent: none)
//   recordedAt    when, ISO 8601 in UTC to the second
//   command       the source's command as written in the contract (url for http, file for file)
//   inputs        { file: the inputs, relative to the baseline's folder, digest: sha256:… of its bytes }
//   modelDigest   sha256:… of the model file, when one is named
//   digest        sha256:… of the baseline file's bytes
//   tool          { name: "rollback-lens", version }
//
// Recording replaces both files atomically: each is written to a temporary
// file in the same folder and fsynced, and only when the source has finished
// without error are they renamed over the old ones (baseline first). A
// failing, cancelled or crashing run leaves the old baseline and sidecar as
// they were. (A crash between the two renames leaves a new baseline beside
// the old sidecar; its digest then no longer matches, which checkSidecar says.)
//
// Recording is in two steps so nothing is replaced unseen: prepareBaseline()
// runs the source into the temporary files and says what would change
// (baselineChange.ts: the baseline it replaces, how many rows differ, where
// the version entered disagrees with the file name or the old sidecar);
// commit() first copies the baseline and sidecar it replaces to a dated copy
// in `keepDir` (when given), then renames; discard() drops the new files.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256File } from '../jsonl';
import { obtainOutputChunks, prepareFile, prepareOutputs, SourceError, type ObtainOptions, type SourceSpec } from '../sources';
import { describeChange, keepCopies, type BaselineChange } from './baselineChange';
import { prepareWritten } from '../sources/write';
import { inputsAsJsonl, stdoutRead, tableFormat } from './tables';
import { tabular } from '../tabularModule';

export const TOOL_NAME = 'rollback-lens';

export interface Sidecar {
  description?: string;
  model?: string;
  version?: string;
  seed?: number;
  recordedAt?: string;
  command?: string;
  url?: string;
  file?: string;
  inputs?: { file?: string; digest?: string };
  modelDigest?: string;
  digest?: string;
  tool?: { name?: string; version?: string };
  [k: string]: unknown;
}

/**
 * `data/baseline-1.4.2.jsonl` -> `data/baseline-1.4.2.meta.json`, and the same
 * for the tabular baselines (`.csv`, `.parquet`, `.json`); other names get
 * `.meta.json` appended.
 */
export function sidecarPath(baselinePath: string): string {
  const ext = /\.(jsonl|csv|parquet|json)$/.exec(baselinePath);
  if (ext && !/\.meta\.json$/i.test(baselinePath)) return `${baselinePath.slice(0, -ext[0].length)}.meta.json`;
  return `${baselinePath}.meta.json`;
}

/**
 * The sidecar of a baseline, or undefined when it has none. A sidecar that is
 * not JSON, or whose fields have the wrong types, is a `config` SourceError.
 */
export async function readSidecar(baselinePath: string): Promise<Sidecar | undefined> {
  const file = sidecarPath(baselinePath);
  const name = path.basename(file);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new SourceError('config', `the sidecar ${name} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SourceError('config', `the sidecar ${name} is not a JSON object`);
  const s = value as Sidecar;
  const bad = (field: string, want: string): never => {
    throw new SourceError('config', `the sidecar ${name}: \`${field}\` must be ${want}`);
  };
  if (s.seed !== undefined && !Number.isInteger(s.seed)) bad('seed', 'a whole number');
  if (typeof s.version === 'number') s.version = String(s.version);
  for (const k of ['model', 'version', 'recordedAt', 'command', 'digest', 'modelDigest'] as const) if (s[k] !== undefined && typeof s[k] !== 'string') bad(k, 'a string');
  if (s.inputs !== undefined) {
    if (s.inputs === null || typeof s.inputs !== 'object' || Array.isArray(s.inputs)) bad('inputs', 'an object { file, digest }');
    if (s.inputs.digest !== undefined && typeof s.inputs.digest !== 'string') bad('inputs.digest', 'a string');
  }
  return s;
}

const short = (digest: string): string => (digest.length > 19 ? `${digest.slice(0, 19)}…` : digest);

/**
 * Why the baseline cannot be compared under the current settings, or
 * undefined when nothing speaks against it. Checks the seed (always: an absent
 * seed on either side is a value too), the inputs' digest and the baseline's
 * own digest (each when both sides know it). Several reasons are joined by `; `.
 */
export function checkSidecar(sidecar: Sidecar, current: { seed?: number; inputsDigest?: string; digest?: string }): string | undefined {
  const reasons: string[] = [];
  if (sidecar.seed !== current.seed) {
    const then = sidecar.seed === undefined ? 'without a seed' : `with seed ${sidecar.seed}`;
    const now = current.seed === undefined ? 'sets no seed' : `uses ${current.seed}`;
    reasons.push(`baseline was recorded ${then}, the contract now ${now}`);
  }
  const inputs = sidecar.inputs?.digest;
  if (inputs && current.inputsDigest && inputs !== current.inputsDigest) {
    const file = sidecar.inputs?.file ? ` (${sidecar.inputs.file})` : '';
    reasons.push(`baseline was recorded for other inputs: the inputs file${file} was ${short(inputs)} then and is ${short(current.inputsDigest)} now`);
  }
  if (sidecar.digest && current.digest && sidecar.digest !== current.digest) {
    reasons.push(`baseline changed since it was recorded: its sidecar says ${short(sidecar.digest)}, the file is ${short(current.digest)} now; \`rollback-lens baseline record\` accepts a new one`);
  }
  return reasons.length ? reasons.join('; ') : undefined;
}

export interface RecordBaselineOptions {
  /** The contract's folder; the test's paths and the source's are relative to it. */
  contractDir: string;
  /** The test's files; `inputsFormat` / `baselineFormat`: an explicit `format:` (else by extension; see tables.ts). */
  test: { id?: string; inputs: string; baseline: string; inputsFormat?: string; baselineFormat?: string };
  /** The contract's input schema: types the cells of a CSV of inputs. */
  inputSchema?: object;
  /** The contract's output schema: types the cells of a command's CSV stdout (`source.format: csv`). */
  outputSchema?: object;
  source: SourceSpec;
  /** Overrides source.seed. */
  seed?: number;
  /** The model that produces the outputs; `file` (relative to contractDir) is hashed into modelDigest, or give `digest`. */
  model: { name: string; version: string | number; file?: string; digest?: string };
  toolVersion: string;
  signal?: AbortSignal;
  /** Passed on to obtainOutputs (timeout, concurrency, progress, limits). */
  obtain?: Omit<ObtainOptions, 'cwd' | 'inputsFile' | 'seed' | 'signal'>;
  /** The recording time (default: now). */
  now?: Date;
  /** The outputs' key field: rows of the old and the new baseline are paired by it (without: by position). */
  key?: string;
  /** Where commit() keeps a dated copy of the baseline and sidecar it replaces (absolute; created when needed). */
  keepDir?: string;
}

export interface RecordedBaseline {
  /** Absolute paths of the files written. */
  baseline: string;
  sidecar: string;
  meta: Sidecar;
  rows: number;
  /** What replacing the old baseline changed (prepareBaseline's). */
  change: BaselineChange;
  /** The dated copies of the baseline and sidecar it replaced (absolute), when there was one and keepDir was given. */
  kept?: { baseline: string; sidecar?: string };
}

/** New outputs in temporary files beside the baseline, and what replacing the baseline with them would change. */
export interface PendingBaseline {
  baseline: string;
  sidecar: string;
  meta: Sidecar;
  rows: number;
  change: BaselineChange;
  /** Keeps the replaced files (keepDir), then puts the new ones in place. */
  commit(): Promise<RecordedBaseline>;
  /** Drops the new files; the baseline stays as it was. A no-op after commit(). */
  discard(): Promise<void>;
}

const posix = (p: string): string => p.split(path.sep).join('/');

/** Runs the source on the test's inputs and replaces the baseline and its sidecar; see the top of this file. */
export async function recordBaseline(o: RecordBaselineOptions): Promise<RecordedBaseline> {
  const pending = await prepareBaseline(o);
  try {
    return await pending.commit();
  } finally {
    await pending.discard();
  }
}

/** Runs the source on the test's inputs into temporary files and says what replacing the baseline would change; see the top of this file. */
export async function prepareBaseline(o: RecordBaselineOptions): Promise<PendingBaseline> {
  const dir = path.resolve(o.contractDir);
  const inputsFile = path.resolve(dir, o.test.inputs);
  const baseline = path.resolve(dir, o.test.baseline);
  const sidecar = sidecarPath(baseline);
  const seed = o.seed ?? o.source.seed;
  const inputsDigest = await sha256File(inputsFile).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new SourceError('config', `the inputs file ${o.test.inputs} does not exist`) : e;
  });
  const modelDigest = o.model.digest ?? (o.model.file ? await sha256File(path.resolve(dir, o.model.file)) : undefined);
  await fs.mkdir(path.dirname(baseline), { recursive: true });

  const inputsFormat = tableFormat(inputsFile, o.test.inputsFormat);
  const baselineFormat = tableFormat(baseline, o.test.baselineFormat);
  // a table of inputs reaches the source as a JSONL copy (tables.ts); the baseline is written in its own format
  const copy = inputsFormat === 'jsonl' ? undefined : await inputsAsJsonl(inputsFile, inputsFormat, o.inputSchema, o.test.inputs, o.signal ? { signal: o.signal } : {});
  let outputs: Awaited<ReturnType<typeof prepareOutputs>>;
  try {
    const rows = obtainOutputChunks(o.source, { ...stdoutRead(o.source, o.outputSchema, o.obtain?.shape), ...o.obtain, cwd: dir, inputsFile: copy?.file ?? inputsFile, ...(seed !== undefined ? { seed } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    outputs = baselineFormat === 'jsonl' ? await prepareOutputs(rows, baseline) : await prepareWritten(baseline, (tmp) => writeRows(rows, tmp, baselineFormat));
  } finally {
    await copy?.remove();
  }
  let side: Awaited<ReturnType<typeof prepareFile>> | undefined;
  try {
    if (outputs.rows === 0) throw new SourceError('bad-output', `the source gave no outputs; ${o.test.baseline} was not recorded`);
    const folder = path.dirname(baseline);
    const inputsName = posix(path.relative(folder, inputsFile));
    const version = String(o.model.version);
    const meta: Sidecar = {
      description: `Provenance of ${path.basename(baseline)}: outputs of ${o.model.name} ${version} for ${inputsName}.`,
      model: o.model.name,
      version,
      ...(seed !== undefined ? { seed } : {}),
      recordedAt: (o.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(o.source.command !== undefined ? { command: String(o.source.command) } : {}),
      ...(o.source.http !== undefined ? { url: String((o.source.http as { url?: unknown }).url) } : {}),
      ...(o.source.file !== undefined ? { file: String(o.source.file) } : {}),
      inputs: { file: inputsName, digest: inputsDigest },
      ...(modelDigest ? { modelDigest } : {}),
      digest: outputs.digest,
      tool: { name: TOOL_NAME, version: o.toolVersion },
    };
    const previous = await readSidecar(baseline).catch(() => undefined);
    const change = await describeChange({ baseline, next: outputs.tmp, format: baselineFormat, rows: outputs.rows, version, ...(previous ? { previous } : {}), ...(o.key ? { key: o.key } : {}) });
    side = await prepareFile(sidecar, JSON.stringify(meta, null, 2) + '\n');
    const newSidecar = side;
    let done = false;
    return {
      baseline,
      sidecar,
      meta,
      rows: outputs.rows,
      change,
      async commit() {
        if (o.signal?.aborted) throw new SourceError('cancelled', `cancelled; ${o.test.baseline} was not recorded`);
        const kept = o.keepDir && change.previous ? await keepCopies(baseline, sidecar, o.keepDir, meta.recordedAt!) : undefined;
        try {
          await outputs.commit();
        } catch (e) {
          await newSidecar.discard();
          throw e;
        }
        await newSidecar.commit();
        done = true;
        return { baseline, sidecar, meta, rows: outputs.rows, change, ...(kept ? { kept } : {}) };
      },
      async discard() {
        if (done) return;
        done = true;
        await outputs.discard();
        await newSidecar.discard();
      },
    };
  } catch (e) {
    await outputs.discard();
    await side?.discard();
    throw e;
  }
}

/** Writes the source's outputs to `file` as a table (tabular/write.ts); returns how many. */
async function writeRows(rows: AsyncIterable<ReadonlyArray<{ value: Record<string, unknown> }>>, file: string, format: 'csv' | 'parquet' | 'json'): Promise<number> {
  const w = await tabular().writeTable(file, format);
  let n = 0;
  try {
    for await (const group of rows) {
      for (const r of group) {
        await w.add(r.value);
        n++;
      }
    }
    await w.finish();
  } catch (e) {
    await w.abort();
    if ((e as { name?: string }).name === 'TableError') throw new SourceError('bad-output', `${(e as Error).message}; the baseline was not recorded`);
    throw e;
  }
  return n;
}
