// Turning one line of model output into a row, or a clear error.
import { formatSize, snippet, SourceError, type SourceErrorDetails } from './errors';
import type { OutputRow } from './types';

const at = (inputLine: number | undefined): string => (inputLine !== undefined ? ` (input line ${inputLine})` : '');

/** `what` names the line, e.g. `output line 12`. */
/** With `bare` (the contract maps outputs by `output.fields`), any JSON value is an output, kept in `bare` (see OutputRow). */
export function outputRow(what: string, line: number, text: string, inputLine: number | undefined, details?: () => SourceErrorDetails, bare = false): OutputRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SourceError('bad-output', `${what} is not JSON: ${snippet(text)}${at(inputLine)}`, { ...details?.(), outputLine: line, ...(inputLine !== undefined ? { inputLine } : {}), cause: e });
  }
  if (bare) return { line, ...(inputLine !== undefined ? { inputLine } : {}), text, value: {}, bare: value };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SourceError('bad-output', `${what} is not a JSON object: ${snippet(text)}${at(inputLine)}`, { ...details?.(), outputLine: line, ...(inputLine !== undefined ? { inputLine } : {}) });
  }
  return inputLine !== undefined ? { line, inputLine, text, value: value as Record<string, unknown> } : { line, text, value: value as Record<string, unknown> };
}

export function tooLongError(what: string, line: number, length: number, max: number, inputLine: number | undefined, details: SourceErrorDetails = {}): SourceError {
  return new SourceError('too-long', `${what} is ${formatSize(length)} long, more than the ${formatSize(max)} limit${at(inputLine)}`, {
    ...details,
    outputLine: line,
    ...(inputLine !== undefined ? { inputLine } : {}),
  });
}

/** Calls `report` at most every `everyMs`, and always on `flush()`. */
export class Throttle<T> {
  private last = 0;
  constructor(
    private readonly report: ((p: T) => void) | undefined,
    private readonly everyMs = 100,
  ) {}
  tick(p: () => T): void {
    if (!this.report) return;
    const now = Date.now();
    if (now - this.last >= this.everyMs) {
      this.last = now;
      this.report(p());
    }
  }
  flush(p: T): void {
    this.report?.(p);
  }
}
