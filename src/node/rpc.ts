// Typed requests to a worker thread, the one layer under the language service's
// worker (client.ts / worker.ts), the contract-test worker (contractRunner.ts /
// contractWorker.ts) and the diff view's row index (diff/rows.ts /
// diff/worker.ts). An API is a record of methods, each with its params, its
// result and (optionally) the progress events it reports; both ends are typed
// by the same record.
//
// Invariants: every request is answered exactly once, by a result, an error or
// the connection's stop. A worker that dies (an error, an exit, out of memory)
// rejects every pending request and every later one with the error the owner's
// `describeStop` builds, so a caller never waits on a dead worker. A handler's
// error reaches the caller with its message, its name and its `data` (a
// structured-cloneable property a thrown error may carry). Cancelling a
// request (its AbortSignal) aborts the handler's signal in the worker; the
// request still settles with whatever the handler then does.
import type { MessagePort, Worker } from 'node:worker_threads';

export interface MethodShape {
  params: unknown;
  result: unknown;
  progress?: unknown;
}
/** An API: every method with its params, result and optional progress (an interface or a type). */
export type Api<A> = { [M in keyof A]: MethodShape };

type ProgressOf<A extends Api<A>, M extends keyof A> = A[M] extends { progress: infer G } ? G : never;

type Request = { rpc: 'request'; id: number; method: string; params: unknown } | { rpc: 'cancel'; id: number };
type Response =
  | { rpc: 'progress'; id: number; progress: unknown }
  | { rpc: 'result'; id: number; result: unknown }
  | { rpc: 'error'; id: number; message: string; name: string; data?: unknown };

/** An error a handler threw, as the caller sees it. */
export class RpcError extends Error {
  constructor(
    message: string,
    name: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = name;
  }
}

export interface Call<G> {
  /** Reports a progress event to the caller's onProgress. */
  progress(event: G): void;
  /** Aborted when the caller cancels this request. */
  signal: AbortSignal;
}

export type Handlers<A extends Api<A>> = {
  [M in keyof A]: (params: A[M]['params'], call: Call<ProgressOf<A, M>>) => A[M]['result'] | Promise<A[M]['result']>;
};

/** The worker's side: answers every request on `port` with its handler. */
export function serve<A extends Api<A>>(port: MessagePort, handlers: Handlers<A>): void {
  const running = new Map<number, AbortController>();
  port.on('message', async (m: Request) => {
    if (m.rpc === 'cancel') {
      running.get(m.id)?.abort();
      return;
    }
    const controller = new AbortController();
    running.set(m.id, controller);
    const reply = (r: Response) => port.postMessage(r);
    try {
      const handler = handlers[m.method as keyof A] as unknown as ((p: unknown, c: Call<unknown>) => unknown) | undefined;
      if (!handler) throw new Error(`unknown method ${m.method}`);
      const result = await handler(m.params, { progress: (progress) => reply({ rpc: 'progress', id: m.id, progress }), signal: controller.signal });
      reply({ rpc: 'result', id: m.id, result });
    } catch (e) {
      const err = e as Error & { data?: unknown };
      reply({ rpc: 'error', id: m.id, message: err?.message ?? String(e), name: err?.name ?? 'Error', ...(err?.data !== undefined ? { data: err.data } : {}) });
    } finally {
      running.delete(m.id);
    }
  });
}

export interface RequestOptions<G> {
  /** Rejects the request with `timeout message` after this many ms (the worker keeps running). */
  timeoutMs?: number;
  timeoutMessage?: string;
  onProgress?: (event: G) => void;
  signal?: AbortSignal;
}

export interface ConnectionOptions {
  /** The error pending and later requests get when the worker stops: `why` is its error's message or `exit code N`. */
  describeStop: (why: string, error?: Error) => Error;
  /** Told once when the worker stops by itself (not by dispose). */
  onStop?: (why: string) => void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  progress?: (event: unknown) => void;
  done: () => void;
}

/** The caller's side over one worker thread. */
export class WorkerConnection<A extends Api<A>> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stoppedWith: Error | undefined;

  constructor(
    readonly worker: Worker,
    private readonly options: ConnectionOptions,
  ) {
    worker.on('message', (m: Response) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.rpc === 'progress') return p.progress?.(m.progress);
      this.pending.delete(m.id);
      p.done();
      if (m.rpc === 'error') p.reject(new RpcError(m.message, m.name, m.data));
      else p.resolve(m.result);
    });
    worker.on('error', (e) => this.stop(this.options.describeStop(e.message, e), e.message));
    worker.on('exit', (code) => this.stop(this.options.describeStop(`exit code ${code}`), `exit code ${code}`));
  }

  /** The error the worker stopped with, if it has. */
  get stopped(): Error | undefined {
    return this.stoppedWith;
  }

  request<M extends keyof A & string>(method: M, params: A[M]['params'], options: RequestOptions<ProgressOf<A, M>> = {}): Promise<A[M]['result']> {
    if (this.stoppedWith) return Promise.reject(this.stoppedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const { signal, timeoutMs } = options;
      const onAbort = () => this.worker.postMessage({ rpc: 'cancel', id } satisfies Request);
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              signal?.removeEventListener('abort', onAbort);
              reject(new Error(options.timeoutMessage ?? `${method} timed out`));
            }, timeoutMs);
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        done,
        ...(options.onProgress ? { progress: options.onProgress as (e: unknown) => void } : {}),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage({ rpc: 'request', id, method, params } satisfies Request);
    });
  }

  /** Stops the worker; pending and later requests are rejected with `reason`. */
  async dispose(reason: Error = new Error('worker disposed')): Promise<void> {
    this.stop(reason);
    await this.worker.terminate();
  }

  private stop(error: Error, why?: string): void {
    if (this.stoppedWith) return;
    this.stoppedWith = error;
    for (const p of this.pending.values()) {
      p.done();
      p.reject(error);
    }
    this.pending.clear();
    if (why !== undefined) this.options.onStop?.(why);
  }
}
