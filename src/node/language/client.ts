// The editor's handle on the language-service worker: typed requests (over
// rpc.ts), a timeout per request, and a fresh worker if one dies. A worker
// crash never takes the extension host with it.
import { Worker } from 'node:worker_threads';
import type { DocRef, Method, Requests } from './protocol';
import { RpcError, WorkerConnection } from '../rpc';

export interface ClientOptions {
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  onLog?: (message: string) => void;
  /** Worker heap limit in MB. */
  maxHeapMb?: number;
}

export class LanguageClient {
  private connection: WorkerConnection<Requests> | undefined;
  /** Version of each document the worker holds, so unchanged text is not sent again. */
  private readonly sent = new Map<string, number>();
  private disposed = false;
  private settings: Requests['configure']['params'] = {};

  constructor(
    private readonly workerPath: string,
    private readonly options: ClientOptions = {},
  ) {}

  private ensure(): WorkerConnection<Requests> {
    if (this.connection) return this.connection;
    const w = new Worker(this.workerPath, { resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb ?? 512 } });
    w.unref();
    const c: WorkerConnection<Requests> = new WorkerConnection<Requests>(w, {
      describeStop: (why) => new Error(`language service stopped: ${why}`),
      onStop: (why) => {
        if (this.connection !== c) return;
        this.connection = undefined;
        this.sent.clear();
        if (!this.disposed) this.options.onLog?.(`language service worker stopped (${why}); it restarts on the next request`);
      },
    });
    this.connection = c;
    // a restarted worker gets the settings again
    if (Object.keys(this.settings).length) void c.request('configure', this.settings).catch(() => undefined);
    return c;
  }

  private send<M extends Method>(method: M, params: Requests[M]['params']): Promise<Requests[M]['result']> {
    return this.ensure().request(method, params, { timeoutMs: this.options.timeoutMs ?? 30_000, timeoutMessage: `language service: ${method} timed out` });
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
      if (e instanceof RpcError && (e.data as { missingText?: boolean } | undefined)?.missingText) {
        this.sent.set(doc.uri, doc.version);
        return this.send(method, { ...extra, doc } as Requests[M]['params']);
      }
      throw e;
    }
  }

  close(uri: string): void {
    this.sent.delete(uri);
    if (this.connection) void this.send('close', { uri }).catch(() => undefined);
  }

  /** Settings for the worker: sent now if it runs, else when it starts (activation never starts it). */
  configure(params: Requests['configure']['params']): Promise<null> {
    this.settings = { ...this.settings, ...params };
    if (!this.connection) return Promise.resolve(null);
    return this.send('configure', params);
  }

  /** Drops the worker's cached diagnostics (nothing to drop before it starts). */
  invalidate(): Promise<null> {
    if (!this.connection) return Promise.resolve(null);
    return this.send('invalidate', {});
  }

  dispose(): void {
    this.disposed = true;
    void this.connection?.dispose(new Error('language service stopped: disposed'));
    this.connection = undefined;
  }
}
