// What every run of a source shares: the deadline and the caller's signal
// folded into one AbortSignal, the error to throw when it fires, progress
// reports, and the number of input records (counted only when a message needs it).
import { formatDuration } from '../../core/util/values';
import { countJsonlRecords } from '../jsonl';
import { SourceError, type SourceErrorDetails } from './errors';
import { Throttle } from './output';
import type { Progress } from './types';

export class RunContext {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private reason: 'timeout' | 'cancelled' | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly throttle: Throttle<Progress>;
  private counted: Promise<number | undefined> | undefined;
  private readonly onCallerAbort = (): void => this.stop('cancelled');
  /** Outputs may be any JSON value (the contract maps them by `output.fields`); see OutputRow.bare. */
  bare = false;

  constructor(
    readonly timeoutMs: number,
    readonly maxLineBytes: number,
    private readonly inputsFile: string | undefined,
    private readonly callerSignal: AbortSignal | undefined,
    onProgress: ((p: Progress) => void) | undefined,
  ) {
    this.signal = this.controller.signal;
    this.throttle = new Throttle(onProgress);
    if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
      this.timer = setTimeout(() => this.stop('timeout'), timeoutMs);
      this.timer.unref?.();
    }
    if (callerSignal?.aborted) this.stop('cancelled');
    else callerSignal?.addEventListener('abort', this.onCallerAbort);
  }

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  private stop(reason: 'timeout' | 'cancelled'): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller.abort(reason);
  }

  /** The timeout or cancel error; `what` says what was done and how far it got. */
  stopError(what: string, details: SourceErrorDetails = {}): SourceError {
    if (this.reason === 'timeout') return new SourceError('timeout', `no result within ${formatDuration(this.timeoutMs)}; ${what}`, details);
    return new SourceError('cancelled', `cancelled; ${what}`, details);
  }

  /** Records in the inputs file; undefined when there is none or it cannot be read. */
  countInputs(): Promise<number | undefined> {
    const file = this.inputsFile;
    this.counted ??= file ? countJsonlRecords(file, { maxLineBytes: this.maxLineBytes }).catch(() => undefined) : Promise.resolve(undefined);
    return this.counted;
  }

  progress(outputs: number, inputs: number, inputsDone: boolean, final = false): void {
    if (final) this.throttle.flush({ outputs, inputs, inputsDone });
    else this.throttle.tick(() => ({ outputs, inputs, inputsDone }));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}
