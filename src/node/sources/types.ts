// What a source is given and what it yields.
import type { OutputShape } from '../../core/contract/outputShape';
import type { ReadOptions } from '../tabular/types';

/** The contract's `source` object (see src/schemas/contract.schema.json). */
export interface SourceSpec {
  /** JSONL outputs, relative to the contract folder. */
  file?: string;
  /** Shell command run in the contract folder (or `cwd`): JSONL inputs on stdin, JSONL outputs on stdout (CSV with `format: csv`). */
  command?: string;
  /** The format of a command's stdout: jsonl (default) or csv (a header row, then one record per input). */
  format?: string;
  /** An HTTP endpoint; see HttpSpec. Typed loosely because it comes straight from the YAML. */
  http?: HttpSpec | Record<string, unknown>;
  seed?: number;
  /** Longest time to obtain all outputs, as a duration (default 60s). */
  timeout?: string;
  concurrency?: number;
  /** Input records per HTTP request or command run; absent: one request per record (http), one run for all (command). */
  batch?: number;
  /** Retries of a failed request or command run (default 0). */
  retries?: number;
  /** Folder the command runs in, relative to the contract folder. */
  cwd?: string;
  /** Environment variables added for the command. */
  env?: Record<string, string>;
  [k: string]: unknown;
}

export interface HttpSpec {
  url: string;
  method?: 'POST' | 'PUT' | 'GET';
  headers?: Record<string, string>;
  /** Where the input row (or the array of rows, with `batch`) goes in the request body, as a dotted path; absent: the body is the row (array) itself. */
  inputsPath?: string;
  /** Where the output (or the array of outputs, with `batch`) is in the response body, as a dotted path; absent: the body itself. */
  outputsPath?: string;
  /** Longest time for one request, response body included, as a duration (default 30s). */
  requestTimeout?: string;
  /** Wait before the first retry, as a duration (default 500ms); each further retry waits twice as long. */
  retryDelay?: string;
  /** A serving stack's request and response shapes (protocols.ts): the URL is then the server's base URL. */
  protocol?: 'mlflow' | 'tfserving' | 'open-inference';
  /** The served model's name, for tfserving and open-inference paths. */
  model?: string;
  /** The served model's version, when the path should name one. */
  version?: string | number;
  /** mlflow: records (default) or split; tfserving: row (default) or columnar. */
  format?: string;
  /** The input fields sent, in this order (default: all of each record's). */
  fields?: string[];
  /** open-inference: one 2-D tensor [rows, fields] of all the fields, under this name (default: one tensor per field). */
  tensor?: { name: string };
  /** open-inference: the datatype of the input tensors (default from the values: BOOL, INT64, FP64, BYTES). */
  datatype?: string;
}

export interface Progress {
  /** Outputs obtained so far. */
  outputs: number;
  /** Input records read so far (all of them once `inputsDone`). */
  inputs: number;
  inputsDone: boolean;
}

export interface ObtainOptions {
  /** The contract's folder: relative paths in the source are resolved against it, and commands run in it. */
  cwd: string;
  /** The test's inputs (JSONL), absolute or relative to `cwd`. Not needed by a `file` source. */
  inputsFile?: string;
  /** Overrides `source.seed`. */
  seed?: number;
  /** Overrides `source.timeout`: longest time to obtain all outputs. */
  timeoutMs?: number;
  /** Overrides `source.concurrency`. */
  concurrency?: number;
  /** Overrides `source.batch`. */
  batch?: number;
  /** Overrides `source.retries`. */
  retries?: number;
  /** Overrides `source.http.requestTimeout`. */
  requestTimeoutMs?: number;
  /** Overrides `source.http.retryDelay`. */
  retryDelayMs?: number;
  /** Cancels: commands' process trees are killed, requests aborted; the iterator throws a `cancelled` SourceError. */
  signal?: AbortSignal;
  /** Called as outputs arrive, at most every 100 ms, and once at the end. */
  onProgress?: (p: Progress) => void;
  /** Longest output (and input) line in bytes (default 1 MiB). */
  maxLineBytes?: number;
  /** The contract's `output.key.fromInput` / `output.fields`: outputs are joined to inputs by position and mapped to fields (shape.ts). */
  shape?: OutputShape | undefined;
  /** Set by the shaping layer (shape.ts): outputs may be any JSON value, carried in OutputRow.bare. */
  bare?: boolean;
  /** Between SIGTERM and SIGKILL when a process tree is killed (default 2000 ms). */
  killGraceMs?: number;
  /** How a command's CSV stdout (`format: csv`) is typed: the output schema's column types (tables.ts, stdoutRead); absent: by the cells' text. */
  csv?: Pick<ReadOptions, 'types' | 'guess'>;
}

export interface OutputRow {
  /**
   * The output's 1-based line: in the outputs file (`file`, blank lines
   * counted), in the command's stdout (`command`, one run), or its position
   * among all outputs (`command` with `batch`, `http`).
   */
  line: number;
  /** The line in the inputs file of the input this output answers (by position), when known. */
  inputLine?: number;
  /** The output as JSON text, one line. */
  text: string;
  /** The output, parsed (always a JSON object). */
  value: Record<string, unknown>;
  /**
   * Inside the sources only, when the contract maps bare predictions to
   * fields: the output as it came (any JSON value); `value` is then `{}`
   * until shape.ts has made it the keyed object every consumer sees.
   */
  bare?: unknown;
}
