// Where trigger metrics come from. Every failure is a MetricsError (errors.ts).

export interface MetricsSource {
  /** What the source is, for messages: `the snapshot metrics/now.json`, `Prometheus at http://…/`. */
  readonly label: string;
  /** The metric's value at `atMs` (default: now); undefined when the source has no such metric. */
  instant(metric: string, atMs?: number): Promise<number | undefined>;
  /** Samples `[timeMs, value]` of the metric in [sinceMs, untilMs], `stepMs` apart where the source resamples. */
  range(metric: string, sinceMs: number, untilMs: number, stepMs: number): Promise<Array<[number, number]>>;
  /**
   * The step to read a `for:` window of `forMs` with, or undefined when the
   * source keeps no history of the metric (then its one value is read).
   */
  windowStep(metric: string, forMs: number): Promise<number | undefined>;
  /** The message for a metric the source does not have: `no value for score_psi in the snapshot`. */
  missing(metric: string): string;
  /** When the source's values were taken, if it says (a snapshot's `time`); triggers are evaluated then. */
  time?(): Promise<number | undefined>;
}
