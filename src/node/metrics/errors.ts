// The one error type of the metrics sources: a kind to branch on and a message
// to show as it is.

export type MetricsErrorKind =
  /** The runbook's `metrics` section cannot be used (neither file nor prometheus, a bad duration, an unset token variable). */
  | 'config'
  /** The snapshot file cannot be read (missing, a folder, no permission). */
  | 'file'
  /** The snapshot file is not JSON, or not a JSON object. */
  | 'not-json'
  /** A snapshot entry is not a number (or a `{ value, series }` object of numbers). */
  | 'not-number'
  /** The Prometheus server cannot be reached (connection refused, unknown host, reset). */
  | 'unreachable'
  /** No answer within the source's timeout. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'cancelled'
  /** An HTTP status other than 2xx without a Prometheus error body. */
  | 'http'
  /** Prometheus answered `status: "error"` (a PromQL syntax error, a query timeout, …). */
  | 'api'
  /** The answer cannot be read: not JSON, an unexpected result type, an unreadable value. */
  | 'bad-response'
  /** The query returned an empty vector or matrix. */
  | 'no-series'
  /** The query returned more than one series; a trigger needs one number. */
  | 'many-series'
  /** The query returned NaN. */
  | 'nan';

export interface MetricsErrorDetails {
  metric?: string;
  /** HTTP status of the answer. */
  status?: number;
  /** Prometheus' `errorType` (bad_data, timeout, execution, …). */
  errorType?: string;
  /** Number of series returned (many-series). */
  series?: number;
  cause?: unknown;
}

export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  readonly metric?: string;
  readonly status?: number;
  readonly errorType?: string;
  readonly series?: number;

  constructor(
    readonly kind: MetricsErrorKind,
    message: string,
    details: MetricsErrorDetails = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    const { cause: _cause, ...facts } = details;
    Object.assign(this, facts);
  }
}

/** A piece of text for a message: single line, at most `max` characters, in backticks. */
export function snippet(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `\`${flat.length > max ? `${flat.slice(0, max)}…` : flat}\``;
}
