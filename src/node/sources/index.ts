// Obtaining a model's current outputs for a test's inputs, from the
// contract's `source`: a JSONL file, a command, or an HTTP endpoint.
//
//   for await (const row of obtainOutputs(contract.source, { cwd: contractDir, inputsFile })) …
//
// Rows come in the order the source produces them (for command and http: the
// inputs' order). Every failure is a SourceError (see errors.ts); a timeout or
// a cancel through `signal` kills the command's whole process tree (or aborts
// the requests) before the error is thrown, and so does leaving the loop early.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseDuration } from '../../core/util/values';
import { DEFAULT_MAX_LINE_BYTES, readJsonlChunks } from '../jsonl';
import { commandOutputs } from './command';
import { RunContext } from './context';
import { formatSize, SourceError } from './errors';
import { httpOutputs } from './http';
import { PROTOCOLS, protocolOf, type ProtocolName } from './protocols';
import { outputRow } from './output';
import { shapedOutputs } from './shape';
import type { HttpSpec, ObtainOptions, OutputRow, SourceSpec } from './types';

export { formatSize, SourceError, type SourceErrorDetails, type SourceErrorKind } from './errors';
export { groupAlive, liveMembers, STDERR_TAIL_BYTES } from './process';
export type { HttpSpec, ObtainOptions, OutputRow, Progress, SourceSpec } from './types';
export { prepareFile, prepareOutputs, writeOutputs, type PreparedFile, type WrittenOutputs } from './write';

export const DEFAULT_TIMEOUT = '60s';
export const DEFAULT_REQUEST_TIMEOUT = '30s';
export const DEFAULT_RETRY_DELAY = '500ms';
const SEED_PLACEHOLDER = /\{\{\s*seed\s*\}\}/;

/** Which of file, command and http the source uses. */
export function sourceKind(source: SourceSpec): 'file' | 'command' | 'http' {
  const kinds = (['file', 'command', 'http'] as const).filter((k) => source[k] !== undefined);
  if (kinds.length !== 1) {
    throw new SourceError('config', kinds.length ? `the source sets ${kinds.join(' and ')}; it must set exactly one of file, command and http` : 'the source sets none of file, command and http');
  }
  return kinds[0]!;
}

/** What is wrong with `source.format` (the format of a command's stdout: a file says its format in `file: { file, format }`), or undefined. */
export function sourceFormatProblem(source: SourceSpec): string | undefined {
  if (source.format === undefined) return undefined;
  if (source.command === undefined) return `\`source.format\` is the format of a command's stdout; ${source.file !== undefined ? "a file's format goes in `file: { file, format }`" : 'an http source answers JSON'}`;
  if (source.format !== 'jsonl' && source.format !== 'csv') return `\`source.format\` is jsonl or csv, not ${JSON.stringify(source.format)}`;
  return undefined;
}

/** The command with `{{seed}}` filled in; a `config` error when it needs a seed and has none. */
export function expandCommand(command: string, seed: number | undefined): string {
  if (!SEED_PLACEHOLDER.test(command)) return command;
  if (seed === undefined) throw new SourceError('config', 'the command uses {{seed}} but the source has no seed');
  return command.replace(new RegExp(SEED_PLACEHOLDER.source, 'g'), String(seed));
}

/**
 * The http source's `text` (its URL or a header value, named `where`) with
 * `{{seed}}` filled in, as expandCommand does for a command. The body is
 * never a template: the records go out exactly as written in the inputs file.
 */
export function expandHttp(text: string, seed: number | undefined, where: string): string {
  if (!SEED_PLACEHOLDER.test(text)) return text;
  if (seed === undefined) throw new SourceError('config', `the http source uses {{seed}} in \`${where}\` but the source has no seed`);
  return text.replace(new RegExp(SEED_PLACEHOLDER.source, 'g'), String(seed));
}

function duration(value: unknown, fallback: string, what: string): number {
  const text = value === undefined ? fallback : String(value);
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new SourceError('config', `${what} \`${text}\` is not a duration: ${parsed.error.message}`);
  return parsed.value;
}

function positiveInt(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new SourceError('config', `${what} must be a whole number of at least 1, not ${JSON.stringify(value)}`);
  return value;
}

async function mustExist(file: string, what: string, cwd: string): Promise<void> {
  try {
    await fs.access(file);
  } catch {
    throw new SourceError('config', `the ${what} ${path.relative(cwd, file) || file} does not exist`);
  }
}

function seedEnv(source: SourceSpec, seed: number | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(source.env ?? {}) };
  if (seed !== undefined) env.ROLLBACK_LENS_SEED = String(seed);
  else delete env.ROLLBACK_LENS_SEED;
  return env;
}

/**
 * The outputs of the source for the inputs file, one row per output line.
 * See OutputRow for what `line` and `inputLine` are, ObtainOptions for the
 * overrides. Errors are SourceErrors, thrown from the iteration.
 */
export function obtainOutputs(source: SourceSpec, options: ObtainOptions): AsyncIterableIterator<OutputRow> {
  return new RowIterator(obtainOutputChunks(source, options), options.signal);
}

/** Rows one by one from the groups; a plain iterator because an async generator costs ~30% more per row. */
class RowIterator implements AsyncIterableIterator<OutputRow> {
  private rows: OutputRow[] = [];
  private i = 0;
  constructor(
    private readonly chunks: AsyncGenerator<OutputRow[], void, undefined>,
    private readonly signal: AbortSignal | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<OutputRow>> {
    // cancelled in the middle of a group: the rest of it is dropped, and the next step throws the cancel error
    if (this.i < this.rows.length && !this.signal?.aborted) return Promise.resolve({ value: this.rows[this.i++]!, done: false });
    return this.chunks.next().then((r): IteratorResult<OutputRow> | Promise<IteratorResult<OutputRow>> => {
      if (r.done) return { value: undefined, done: true };
      this.rows = r.value;
      this.i = 0;
      return this.next();
    });
  }

  async return(): Promise<IteratorResult<OutputRow>> {
    this.rows = [];
    await this.chunks.return();
    return { value: undefined, done: true };
  }
}

/**
 * The same rows as obtainOutputs, in groups as they arrive (a chunk of stdout
 * or of the outputs file, one batch, one HTTP response): one async step per
 * group instead of per row, for consumers of millions of rows.
 */
export async function* obtainOutputChunks(source: SourceSpec, options: ObtainOptions): AsyncGenerator<OutputRow[], void, undefined> {
  const kind = sourceKind(source);
  const cwd = path.resolve(options.cwd);
  const seed = options.seed ?? source.seed;
  const timeoutMs = options.timeoutMs ?? duration(source.timeout, DEFAULT_TIMEOUT, '`timeout`');
  const concurrency = options.concurrency ?? positiveInt(source.concurrency, '`concurrency`') ?? 1;
  const batch = options.batch ?? positiveInt(source.batch, '`batch`');
  const retries = options.retries ?? source.retries ?? 0;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const inputsFile = options.inputsFile !== undefined ? path.resolve(cwd, options.inputsFile) : undefined;

  const formatProblem = sourceFormatProblem(source);
  if (formatProblem) throw new SourceError('config', formatProblem);

  if (kind === 'file') {
    const file = path.resolve(cwd, String(source.file));
    await mustExist(file, 'outputs file', cwd);
    // outputs without a key (or bare predictions) are shaped like a command's: joined to the inputs by position
    if (options.shape) {
      if (!inputsFile) throw new SourceError('config', 'an outputs file without a key (`output.key: { fromInput }` or `output.fields`) needs an inputs file to join by position');
      await mustExist(inputsFile, 'inputs file', cwd);
      yield* shapedOutputs(obtainOutputChunks(source, { ...options, shape: undefined, bare: options.shape.fields !== undefined }), options.shape, inputsFile, maxLineBytes);
      return;
    }
    const ctx = new RunContext(timeoutMs, maxLineBytes, undefined, options.signal, options.onProgress);
    ctx.bare = options.bare === true;
    try {
      yield* fileOutputs(file, path.relative(cwd, file), ctx);
    } finally {
      ctx.dispose();
    }
    return;
  }

  if (!inputsFile) throw new SourceError('config', `a ${kind} source needs an inputs file`);
  await mustExist(inputsFile, 'inputs file', cwd);
  if (options.shape) {
    yield* shapedOutputs(obtainOutputChunks(source, { ...options, shape: undefined, bare: options.shape.fields !== undefined }), options.shape, inputsFile, maxLineBytes);
    return;
  }
  const ctx = new RunContext(timeoutMs, maxLineBytes, inputsFile, options.signal, options.onProgress);
  ctx.bare = options.bare === true;
  try {
    if (kind === 'command') {
      const command = expandCommand(String(source.command), seed);
      const folder = path.resolve(cwd, source.cwd ?? '.');
      if (source.cwd !== undefined) await mustExist(folder, 'folder', cwd);
      yield* commandOutputs(
        {
          command,
          cwd: folder,
          env: seedEnv(source, seed),
          inputsFile,
          batch,
          concurrency,
          retries,
          killGraceMs: options.killGraceMs,
          // CSV cells typed as the caller says (the output schema's columns), else by their text
          ...(source.format === 'csv' ? { csv: options.csv ?? { guess: true } } : {}),
        },
        ctx,
      );
    } else {
      const spec = source.http as HttpSpec;
      let url: URL;
      try {
        url = new URL(expandHttp(String(spec?.url), seed, 'http.url'));
      } catch (e) {
        if (e instanceof SourceError) throw e;
        throw new SourceError('config', `\`http.url\` ${JSON.stringify(spec?.url)} is not a URL`);
      }
      const dotted = (p: unknown): string[] => (typeof p === 'string' && p ? p.split('.') : []);
      let protocol;
      if (spec.protocol !== undefined) {
        if (!PROTOCOLS.includes(spec.protocol as ProtocolName)) throw new SourceError('config', `\`http.protocol\` is one of ${PROTOCOLS.join(', ')}, not ${JSON.stringify(spec.protocol)}`);
        const p = protocolOf({
          name: spec.protocol as ProtocolName,
          ...(spec.model !== undefined ? { model: String(spec.model) } : {}),
          ...(spec.version !== undefined ? { version: String(spec.version) } : {}),
          ...(spec.format !== undefined ? { format: spec.format } : {}),
          ...(spec.fields ? { fields: spec.fields } : {}),
          ...(spec.tensor?.name ? { tensor: spec.tensor.name } : {}),
          ...(spec.datatype ? { datatype: spec.datatype } : {}),
        });
        if (typeof p === 'string') throw new SourceError('config', p);
        protocol = p;
        url = new URL(url.pathname.replace(/\/+$/, '') + p.path + url.search, url);
      }
      yield* httpOutputs(
        {
          url,
          method: spec.method ?? 'POST',
          headers: Object.fromEntries(Object.entries(spec.headers ?? {}).map(([k, v]) => [k, expandHttp(String(v), seed, `http.headers.${k}`)])),
          inputsPath: dotted(spec.inputsPath),
          outputsPath: dotted(spec.outputsPath),
          batch,
          concurrency,
          retries,
          requestTimeoutMs: options.requestTimeoutMs ?? duration(spec.requestTimeout, DEFAULT_REQUEST_TIMEOUT, '`http.requestTimeout`'),
          retryDelayMs: options.retryDelayMs ?? duration(spec.retryDelay, DEFAULT_RETRY_DELAY, '`http.retryDelay`'),
          inputsFile,
          protocol,
          bare: ctx.bare,
        },
        ctx,
      );
    }
  } finally {
    ctx.dispose();
  }
}

async function* fileOutputs(file: string, name: string, ctx: RunContext): AsyncGenerator<OutputRow[]> {
  let outputs = 0;
  try {
    for await (const items of readJsonlChunks(file, { maxLineBytes: ctx.maxLineBytes, signal: ctx.signal })) {
      const rows: OutputRow[] = [];
      for (const item of items) {
        if ('tooLong' in item) {
          throw new SourceError('too-long', `line ${item.line} of ${name} is ${formatSize(item.length)} long, more than the ${formatSize(ctx.maxLineBytes)} limit`, { outputLine: item.line });
        }
        rows.push(outputRow(`line ${item.line} of ${name}`, item.line, item.text, undefined, undefined, ctx.bare));
      }
      outputs += rows.length;
      ctx.progress(outputs, 0, true);
      yield rows;
    }
  } catch (e) {
    if (ctx.stopped) throw ctx.stopError(`stopped after ${outputs} outputs`, { outputs });
    throw e;
  }
  ctx.progress(outputs, 0, true, true);
}
