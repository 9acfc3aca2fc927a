// The editor's handle on the language-service worker: typed requests,
// a timeout per request, and a fresh worker if one dies. A worker crash never
// takes the extension host with it.
import { Worker } from 'node:worker_threads';
import type { DocRef, Method, Requests, ResponseMessage } from './protocol';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ClientOptions {
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  onLog?: (message: string) => void;
  /** Worker heap limit in MB. */
  maxHeapMb?: number;
}

export class LanguageClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Version of each document the worker holds, so unchanged text is not sent again. */
  private readonly sent = new Map<string, number>();
  private disposed = false;
  private settings: Requests['configure']['params'] = {};

  constructor(
    private readonly workerPath: string,
    private readonly options: ClientOptions = {},
  ) {}

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerPath, { resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb ?? 512 } });
    w.unref();
    w.on('message', (m: ResponseMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if ('error' in m) p.reject(Object.assign(new Error(m.error), { missingText: !!m.missingText }));
      else p.resolve(m.result);
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.sent.clear();
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`language service stopped: ${why}`));
        this.pending.delete(id);
      }
      if (!this.disposed) this.options.onLog?.(`language service worker stopped (${why}); it restarts on the next request`);
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = w;
    // a restarted worker gets the settings again
    if (Object.keys(this.settings).length) w.postMessage({ id: this.nextId++, method: 'configure', params: this.settings });
    return w;
  }

  private send<M extends Method>(method: M, params: Requests[M]['params']): Promise<Requests[M]['result']> {
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`language service: ${method} timed out`));
      }, this.options.timeoutMs ?? 30_000);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      w.postMessage({ id, method, params });
    });
  }

  /** Sends a document request, including the text only when the worker lacks this version. */
  async request<M extends Exclude<Method, 'close' | 'configure' | 'invalidate'>>(
    method: M,
    doc: DocRef & { text: string },
    extra: Omit<Requests[M]['params'], 'doc'>,
  ): Promise<Requests[M]['result']> {
    const known = this.sent.get(doc.uri) === doc.version;
    const ref: DocRef = known ? { uri: doc.uri, version: doc.version, root: doc.root, path: doc.path } : doc;
    this.sent.set(doc.uri, doc.version);
    try {
      return await this.send(method, { ...extra, doc: ref } as Requests[M]['params']);
    } catch (e) {
      if ((e as { missingText?: boolean }).missingText) {
        this.sent.set(doc.uri, doc.version);
        return this.send(method, { ...extra, doc } as Requests[M]['params']);
      }
      throw e;
    }
  }

  close(uri: string): void {
    this.sent.delete(uri);
    if (this.worker) void this.send('close', { uri }).catch(() => undefined);
  }

  /** Settings for the worker: sent now if it runs, else when it starts (activation never starts it). */
  configure(params: Requests['configure']['params']): Promise<null> {
    this.settings = { ...this.settings, ...params };
    if (!this.worker) return Promise.resolve(null);
    return this.send('configure', params);
  }

  /** Drops the worker's cached diagnostics (nothing to drop before it starts). */
  invalidate(): Promise<null> {
    if (!this.worker) return Promise.resolve(null);
    return this.send('invalidate', {});
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
