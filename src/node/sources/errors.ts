// The one error type of the sources: a kind to branch on, a message to show
// as is, and the facts behind it (exit code, stderr tail, line numbers).
import { plural } from '../../core/util/plural';

export type SourceErrorKind =
  /** The source spec or options cannot be used (no file/command/http, a `{{seed}}` without a seed, a missing file). */
  | 'config'
  /** The command could not be started. */
  | 'spawn'
  /** The time limit passed (the whole source's, or one HTTP request's after its retries). */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'cancelled'
  /** The command exited with a non-zero code. */
  | 'exit'
  /** The command was ended by a signal it did not get from us. */
  | 'signal'
  /** An output is not a JSON object, or an HTTP response cannot be mapped to outputs. */
  | 'bad-output'
  /** An input line is not JSON (sources that parse inputs: http). */
  | 'bad-input'
  /** An output (or input) line, or an HTTP response, is longer than the limit. */
  | 'too-long'
  /** An HTTP request failed: a status other than 2xx, or the connection. */
  | 'http';

export interface SourceErrorDetails {
  /** Last bytes (up to 8 KiB) the command wrote on stderr. */
  stderrTail?: string;
  /** Line in the inputs file of the input concerned, when known. */
  inputLine?: number;
  /** The output concerned: its line in the outputs file / stdout, or its position. */
  outputLine?: number;
  /** Outputs obtained before the failure. */
  outputs?: number;
  /** Records in the inputs file, when counted. */
  inputs?: number;
  exitCode?: number;
  signal?: string;
  /** HTTP status of the last attempt. */
  status?: number;
  /** HTTP attempts made (1 + retries used). */
  attempts?: number;
  /** Process group id of the command that was killed. */
  pgid?: number;
  cause?: unknown;
}

export class SourceError extends Error {
  override readonly name = 'SourceError';
  readonly stderrTail?: string;
  readonly inputLine?: number;
  readonly outputLine?: number;
  readonly outputs?: number;
  readonly inputs?: number;
  readonly exitCode?: number;
  readonly signal?: string;
  readonly status?: number;
  readonly attempts?: number;
  readonly pgid?: number;

  constructor(
    readonly kind: SourceErrorKind,
    message: string,
    details: SourceErrorDetails = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    const { cause: _cause, ...facts } = details;
    Object.assign(this, facts);
  }
}

const KiB = 1024;
const MiB = 1024 * 1024;

/** 10485760 -> `10 MiB`, 1572864 -> `1.5 MiB`, 2048 -> `2 KiB`, 100 -> `100 bytes`. */
export function formatSize(n: number): string {
  const unit = (size: number, name: string): string => {
    const v = n / size;
    return `${Number.isInteger(v) ? v : v.toFixed(1)} ${name}`;
  };
  if (n >= MiB) return unit(MiB, 'MiB');
  if (n >= KiB) return unit(KiB, 'KiB');
  return plural(n, 'byte');
}

/** A piece of text for a message: single line, at most `max` characters, in backticks. */
export function snippet(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `\`${flat.length > max ? `${flat.slice(0, max)}…` : flat}\``;
}

/** `input line 7`, `input lines 3-9`. */
export function inputLines(first: number, last: number): string {
  return first === last ? `input line ${first}` : `input lines ${first}-${last}`;
}

export { plural };
