// Where the diff view's pages of rows come from: a row index in a worker
// thread (the editor), or in this thread (tests). Both behind one interface.
import { Worker } from 'node:worker_threads';
import type { RowQuery } from '../../core/diff/protocol';
import type { DiffSpec } from '../../core/diff/rowCheck';
import { RowIndex, type BuildProgress, type IndexFiles } from './rowIndex';
import type { BuildResult, PageResult, WorkerRequest, WorkerResponse } from './workerProtocol';

export type { BuildResult, PageResult } from './workerProtocol';

export interface RowSource {
  build(onProgress: (p: BuildProgress) => void): Promise<BuildResult>;
  page(query: RowQuery, offset: number, count: number): Promise<PageResult>;
  /** Heap of whatever holds the index (the worker's, or this process's). */
  memory(): Promise<NodeJS.MemoryUsage>;
  dispose(): Promise<void>;
}

/** The index in this thread. */
export function inProcessRows(spec: DiffSpec, files: IndexFiles): RowSource {
  let index: RowIndex | undefined;
  return {
    async build(onProgress) {
      index = await RowIndex.build(spec, files, { onProgress });
      return { rows: index.rows, outside: index.counts().outside, ms: index.buildMs };
    },
    async page(query, offset, count) {
      if (!index) throw new Error('no index built');
      return index.page(query, offset, count);
    },
    memory: async () => process.memoryUsage(),
    dispose: async () => index?.dispose(),
  };
}

/** The index in a worker thread (dist/diffWorker.js), stopped by dispose(). */
export function workerRows(workerPath: string, spec: DiffSpec, files: IndexFiles, options: { maxHeapMb?: number } = {}): RowSource {
  const worker = new Worker(workerPath, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 2048 } });
  worker.unref();
  let nextId = 1;
  let stopped: Error | undefined;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (p: BuildProgress) => void }>();
  const failAll = (e: Error) => {
    stopped ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (m: WorkerResponse) => {
    const p = pending.get(m.id);
    if (!p) return;
    if ('progress' in m) return p.progress?.(m.progress);
    pending.delete(m.id);
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.result);
  });
  worker.on('error', (e) => failAll(new Error(`row index stopped: ${e.message}`)));
  worker.on('exit', (code) => failAll(new Error(`row index stopped (exit code ${code})`)));
  const send = <T>(req: Omit<WorkerRequest, 'id'> & { method: WorkerRequest['method'] }, progress?: (p: BuildProgress) => void): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(progress ? { progress } : {}) });
      worker.postMessage({ ...req, id });
    });
  };
  return {
    build: (onProgress) => send<BuildResult>({ method: 'build', spec, files } as WorkerRequest, onProgress),
    page: (query, offset, count) => send<PageResult>({ method: 'page', query, offset, count } as WorkerRequest),
    memory: () => send<NodeJS.MemoryUsage>({ method: 'memory' } as WorkerRequest),
    async dispose() {
      failAll(new Error('row index disposed'));
      await worker.terminate();
    },
  };
}
