// The `command` source: a shell command that reads JSONL inputs on stdin and
// writes one JSONL output per input on stdout, or with `format: csv` a CSV
// header row and then one record per input, typed as a CSV outputs file is
// (by the contract's output schema: CommandSettings.csv); the outputs are
// then numbered as rows (header excluded, per run), and a record that cannot
// be used is a `bad-output` error naming its row.
//
// Without `batch`, one run gets the whole inputs file streamed into its stdin
// and its outputs are passed on as they come. With `batch: N`, the inputs go
// N records at a time to separate runs, up to `concurrency` at once; each run's
// outputs are kept until it has finished and passed on in input order (a run
// must then write at most one output per input).
import { createReadStream } from 'node:fs';
import * as os from 'node:os';
import type { Writable } from 'node:stream';
import { readJsonl, readJsonlChunks, type JsonlItem } from '../jsonl';
import type { ReadOptions } from '../tabular/types';
import { tabular } from '../tabularModule';
import { formatSize, inputLines, plural, SourceError, type SourceErrorDetails } from './errors';
import { outputRow, tooLongError } from './output';
import { orderedMap } from './pool';
import { ProcessRun } from './process';
import type { OutputRow } from './types';
import type { RunContext } from './context';

export interface CommandSettings {
  /** The command with `{{seed}}` filled in. */
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  inputsFile: string;
  batch: number | undefined;
  concurrency: number;
  retries: number;
  killGraceMs: number | undefined;
  /** stdout is CSV (`format: csv`), its cells typed by these options (the output schema's column types). */
  csv?: Pick<ReadOptions, 'types' | 'guess'> | undefined;
}

/** One output of stdout: a JSONL line (or one too long), or a CSV record already typed (`value`), or one that cannot be used (`bad`). */
type StdoutItem = JsonlItem | { line: number; text: string; value: Record<string, unknown> } | { line: number; bad: string };

/** CSV stdout record by record: the header row read first, then one item per record, numbered from 1. */
async function* csvItems(stdout: NodeJS.ReadableStream, options: Pick<ReadOptions, 'types' | 'guess'>): AsyncGenerator<StdoutItem> {
  const t = tabular();
  const { parser, typed } = t.csvPull(options);
  stdout.on('error', (e: Error) => parser.destroy(e));
  stdout.pipe(parser);
  let n = 0;
  try {
    for await (const record of parser) {
      let r;
      try {
        r = typed(record);
      } catch (e) {
        if ((e as { name?: string }).name === 'TableError') throw new SourceError('bad-output', `the command's CSV: ${(e as Error).message}`, {});
        throw e;
      }
      if (r === undefined) continue;
      n++;
      yield r.ok ? { line: n, text: JSON.stringify(r.value), value: r.value } : { line: n, bad: r.message };
    }
  } catch (e) {
    const problem = t.csvParseProblem(e);
    if (problem !== undefined) throw new SourceError('bad-output', `output row ${n + 1}: ${problem}`, { outputLine: n + 1 });
    throw e;
  } finally {
    stdout.unpipe(parser);
    parser.destroy();
  }
}

/** stdout's outputs one by one: JSONL lines, or CSV records (`format: csv`). */
function stdoutItems(stdout: NodeJS.ReadableStream & AsyncIterable<Buffer>, s: CommandSettings, maxLineBytes: number): AsyncIterable<StdoutItem> {
  return s.csv ? csvItems(stdout, s.csv) : readJsonl(stdout, { maxLineBytes });
}

/** stdout's outputs in groups: JSONL one group per chunk read, CSV one per record. */
async function* stdoutChunks(stdout: NodeJS.ReadableStream & AsyncIterable<Buffer>, s: CommandSettings, maxLineBytes: number): AsyncGenerator<StdoutItem[]> {
  if (!s.csv) {
    yield* readJsonlChunks(stdout, { maxLineBytes });
    return;
  }
  for await (const item of csvItems(stdout, s.csv)) yield [item];
}

const at = (inputLine: number | undefined): string => (inputLine !== undefined ? ` (input line ${inputLine})` : '');

/** The row of one stdout item, or the SourceError it is: what outputRow does for a JSONL line, for every item. */
function itemRow(item: Exclude<StdoutItem, { tooLong: true }>, what: string, inputLine: number | undefined, details: () => SourceErrorDetails, bare: boolean): OutputRow {
  if ('bad' in item) throw new SourceError('bad-output', `${what}: ${item.bad}${at(inputLine)}`, { ...details(), outputLine: item.line, ...(inputLine !== undefined ? { inputLine } : {}) });
  if ('value' in item) {
    const row: OutputRow = bare ? { line: item.line, text: item.text, value: {}, bare: item.value } : { line: item.line, text: item.text, value: item.value };
    if (inputLine !== undefined) row.inputLine = inputLine;
    return row;
  }
  return outputRow(what, item.line, item.text, inputLine, details, bare);
}

/** Rows in groups (one per chunk of stdout, or per batch): one async step per group, not per row. */
export function commandOutputs(s: CommandSettings, ctx: RunContext): AsyncGenerator<OutputRow[]> {
  return s.batch === undefined ? singleRun(s, ctx) : batchedRuns(s, s.batch, ctx);
}

/** Which input line the k-th (1-based) output answers: the k-th non-blank input line. */
class InputScanner {
  records = 0;
  done = false;
  private line = 1;
  private pos = 0;
  private content = false;
  private readonly blanks: number[] = [];
  private bi = 0;

  push(chunk: Buffer): void {
    let s = 0;
    const len = chunk.length;
    for (;;) {
      const nl = chunk.indexOf(10, s);
      const e = nl === -1 ? len : nl;
      if (!this.content) {
        for (let i = s; i < e; i++) {
          const c = chunk[i]!;
          if (c === 32 || c === 9 || c === 13) continue;
          if (this.pos + i < 3 && c === [0xef, 0xbb, 0xbf][this.pos + i]) continue; // BOM
          this.content = true;
          break;
        }
      }
      if (nl === -1) break;
      if (this.content) this.records++;
      else this.blanks.push(this.line);
      this.line++;
      this.content = false;
      s = nl + 1;
    }
    this.pos += len;
  }

  end(): void {
    if (this.content) this.records++;
    this.content = false;
    this.done = true;
  }

  /** Valid for increasing k only. */
  lineOf(k: number): number | undefined {
    if (k > this.records) return undefined;
    while (this.bi < this.blanks.length && this.blanks[this.bi]! <= k + this.bi) this.bi++;
    return k + this.bi;
  }
}

async function feedFile(stdin: Writable, file: string, scanner: InputScanner): Promise<Error | undefined> {
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
      if (stdin.destroyed || stdin.writableEnded) return undefined; // the command stopped reading
      scanner.push(chunk as Buffer);
      if (!stdin.write(chunk)) await drained(stdin);
    }
    scanner.end();
    if (!stdin.destroyed) stdin.end();
    return undefined;
  } catch (e) {
    // the file could not be read: end stdin so the command does not wait forever
    if (!stdin.destroyed) stdin.end();
    return e as Error;
  }
}

function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

const SIGNAL_NAMES = new Map(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

function exitCodeHint(code: number): string {
  if (code === 127) return ' (command not found)';
  if (code === 126) return ' (command not executable)';
  // the shell reports a child killed by signal N as 128 + N
  const signal = code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
  return signal ? ` (killed by ${signal})` : '';
}

/** `; stderr: …` with the last lines of stderr, at most ~1 KiB, or nothing. */
export function stderrPart(tail: string): string {
  if (!tail) return '';
  let t = tail;
  if (t.length > 1024) {
    t = t.slice(t.length - 1024);
    const nl = t.indexOf('\n');
    t = `…${nl >= 0 && nl < t.length - 1 ? t.slice(nl + 1) : t}`;
  }
  return `; stderr: ${t}`;
}

async function* singleRun(s: CommandSettings, ctx: RunContext): AsyncGenerator<OutputRow[]> {
  let attempt = 0;
  for (;;) {
    attempt++;
    let yielded = false;
    try {
      for await (const rows of oneRun(s, ctx)) {
        yielded = true;
        yield rows;
      }
      return;
    } catch (e) {
      // a run is retried only while nothing of it was passed on
      if (!yielded && attempt <= s.retries && retryable(e) && !ctx.stopped) continue;
      throw e;
    }
  }
}

const retryable = (e: unknown): boolean => e instanceof SourceError && (e.kind === 'exit' || e.kind === 'signal');

async function* oneRun(s: CommandSettings, ctx: RunContext): AsyncGenerator<OutputRow[]> {
  const run = new ProcessRun({ command: s.command, cwd: s.cwd, env: s.env, ...(s.killGraceMs !== undefined ? { killGraceMs: s.killGraceMs } : {}) });
  const scanner = new InputScanner();
  const feeding = feedFile(run.child.stdin, s.inputsFile, scanner);
  const stop = (): void => void run.kill();
  ctx.signal.addEventListener('abort', stop);
  let outputs = 0;
  const total = async (): Promise<number | undefined> => (scanner.done ? scanner.records : ctx.countInputs());
  const facts = async (): Promise<SourceErrorDetails> => {
    const inputs = await total();
    const tail = run.stderrTail();
    return { outputs, ...(inputs !== undefined ? { inputs } : {}), ...(tail ? { stderrTail: tail } : {}), ...(run.pgid !== undefined ? { pgid: run.pgid } : {}) };
  };
  try {
    try {
      const unit = s.csv ? 'row' : 'line';
      for await (const items of stdoutChunks(run.child.stdout, s, ctx.maxLineBytes)) {
        if (ctx.stopped) break;
        const rows: OutputRow[] = [];
        let bad: SourceError | undefined;
        for (const item of items) {
          const k = outputs + 1;
          const inputLine = scanner.lineOf(k);
          if ('tooLong' in item) {
            bad = tooLongError(`output line ${item.line}`, item.line, item.length, ctx.maxLineBytes, inputLine, await facts());
            break;
          }
          try {
            rows.push(itemRow(item, `output ${unit} ${item.line}`, inputLine, () => ({ outputs, ...tailOf(run) }), ctx.bare));
          } catch (e) {
            bad = e as SourceError;
            break;
          }
          outputs = k;
        }
        ctx.progress(outputs, scanner.records, scanner.done);
        // the good outputs before a bad one are passed on first
        if (rows.length) yield rows;
        if (bad) throw bad;
      }
    } catch (e) {
      // killed on a timeout or cancel: stdout may end with a premature close
      if (!ctx.stopped) throw e;
    }
    const status = await run.exit;
    if (ctx.stopped) {
      await run.kill();
      throw ctx.stopError(`killed the process tree after ${outputs} of ${(await total()) ?? '?'} outputs${stderrPart(run.stderrTail())}`, await facts());
    }
    await run.settled();
    if (status.error) throw spawnError(status.error, s.cwd);
    const feedError = await feeding;
    if (status.code !== 0) {
      const f = await facts();
      const code = status.code ?? -1;
      if (status.signal || status.code === null) {
        throw new SourceError('signal', `the command was killed by ${status.signal ?? 'a signal'} after ${outputs} of ${f.inputs ?? '?'} outputs${stderrPart(run.stderrTail())}`, { ...f, ...(status.signal ? { signal: status.signal } : {}) });
      }
      throw new SourceError('exit', `the command exited with code ${code}${exitCodeHint(code)} after ${outputs} of ${f.inputs ?? '?'} outputs${stderrPart(run.stderrTail())}`, { ...f, exitCode: code });
    }
    if (feedError) throw new SourceError('config', `cannot read the inputs file: ${feedError.message}`, { cause: feedError });
    ctx.progress(outputs, scanner.records, true, true);
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    // on errors and when the consumer stops early: nothing of the run may stay behind
    await run.kill();
    await feeding;
  }
}

function spawnError(e: Error, cwd: string): SourceError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? `the folder ${cwd} or /bin/sh does not exist` : e.message;
  return new SourceError('spawn', `cannot start the command: ${why}`, { cause: e });
}

interface Batch {
  /** Input line of each record. */
  lines: number[];
  texts: string[];
}

async function* batchesOf(file: string, size: number, maxLineBytes: number, signal: AbortSignal): AsyncGenerator<Batch> {
  let b: Batch = { lines: [], texts: [] };
  for await (const item of readJsonl(file, { maxLineBytes, signal })) {
    if ('tooLong' in item) {
      throw new SourceError('too-long', `input line ${item.line} is ${formatSize(item.length)} long, more than the ${formatSize(maxLineBytes)} limit`, { inputLine: item.line });
    }
    b.lines.push(item.line);
    b.texts.push(item.text);
    if (b.lines.length === size) {
      yield b;
      b = { lines: [], texts: [] };
    }
  }
  if (b.lines.length) yield b;
}

interface BatchResult {
  batch: Batch;
  rows: Array<Pick<OutputRow, 'text' | 'value' | 'bare'>>;
}

async function* batchedRuns(s: CommandSettings, size: number, ctx: RunContext): AsyncGenerator<OutputRow[]> {
  let outputs = 0;
  let inputs = 0;
  const batches = (async function* () {
    for await (const b of batchesOf(s.inputsFile, size, ctx.maxLineBytes, ctx.signal)) {
      inputs += b.lines.length;
      yield b;
    }
  })();
  const results = orderedMap(batches, s.concurrency, ctx.signal, (b, signal) => runBatchWithRetries(s, b, ctx, signal));
  try {
    for await (const r of results) {
      const rows = r.rows.map((row, i): OutputRow => ({ line: outputs + i + 1, inputLine: r.batch.lines[i]!, text: row.text, value: row.value, ...('bare' in row ? { bare: row.bare } : {}) }));
      outputs += rows.length;
      ctx.progress(outputs, inputs, false);
      yield rows;
    }
  } catch (e) {
    if (ctx.stopped) {
      throw ctx.stopError(`killed the process trees after ${outputs} of ${(await ctx.countInputs()) ?? '?'} outputs`, { outputs });
    }
    throw e;
  }
  ctx.progress(outputs, inputs, true, true);
}

async function runBatchWithRetries(s: CommandSettings, b: Batch, ctx: RunContext, signal: AbortSignal): Promise<BatchResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runBatch(s, b, ctx, signal);
    } catch (e) {
      if (attempt <= s.retries && retryable(e) && !signal.aborted) continue;
      throw e;
    }
  }
}

async function runBatch(s: CommandSettings, b: Batch, ctx: RunContext, signal: AbortSignal): Promise<BatchResult> {
  const run = new ProcessRun({ command: s.command, cwd: s.cwd, env: s.env, ...(s.killGraceMs !== undefined ? { killGraceMs: s.killGraceMs } : {}) });
  const stop = (): void => void run.kill();
  signal.addEventListener('abort', stop);
  if (signal.aborted) stop();
  const first = b.lines[0]!;
  const last = b.lines[b.lines.length - 1]!;
  const which = `the run for ${inputLines(first, last)}`;
  const rows: BatchResult['rows'] = [];
  const feeding = new Promise<void>((resolve) => {
    const stdin = run.child.stdin;
    stdin.end(b.texts.join('\n') + '\n', () => resolve());
    stdin.once('error', () => resolve());
    stdin.once('close', () => resolve());
  });
  try {
    try {
      const unit = s.csv ? 'row' : 'line';
      for await (const item of stdoutItems(run.child.stdout, s, ctx.maxLineBytes)) {
        if (signal.aborted) break;
        const k = rows.length + 1;
        const inputLine = b.lines[k - 1];
        if (inputLine === undefined) {
          throw new SourceError('bad-output', `${which} wrote more outputs than its ${plural(b.lines.length, 'input')}`, { outputLine: item.line, ...tailOf(run) });
        }
        if ('tooLong' in item) throw tooLongError(`output line ${item.line} of ${which}`, item.line, item.length, ctx.maxLineBytes, inputLine, tailOf(run));
        const row = itemRow(item, `output ${unit} ${item.line} of ${which}`, inputLine, () => tailOf(run), ctx.bare);
        rows.push({ text: row.text, value: row.value, ...('bare' in row ? { bare: row.bare } : {}) });
      }
    } catch (e) {
      if (!signal.aborted) throw e; // killed: stdout may end with a premature close
    }
    const status = await run.exit;
    // stopped by a timeout, a cancel or another run's failure: the caller reports that
    if (signal.aborted) throw new SourceError('cancelled', 'stopped');
    await run.settled();
    if (status.error) throw spawnError(status.error, s.cwd);
    if (status.code !== 0) {
      const details = { outputs: rows.length, inputs: b.lines.length, ...tailOf(run) };
      if (status.signal || status.code === null) {
        throw new SourceError('signal', `${which} was killed by ${status.signal ?? 'a signal'} after ${rows.length} of ${b.lines.length} outputs${stderrPart(run.stderrTail())}`, { ...details, ...(status.signal ? { signal: status.signal } : {}) });
      }
      throw new SourceError('exit', `${which} exited with code ${status.code}${exitCodeHint(status.code)} after ${rows.length} of ${b.lines.length} outputs${stderrPart(run.stderrTail())}`, { ...details, exitCode: status.code });
    }
    return { batch: b, rows };
  } finally {
    signal.removeEventListener('abort', stop);
    await run.kill();
    await feeding;
  }
}

function tailOf(run: ProcessRun): SourceErrorDetails {
  const tail = run.stderrTail();
  return { ...(tail ? { stderrTail: tail } : {}), ...(run.pgid !== undefined ? { pgid: run.pgid } : {}) };
}
