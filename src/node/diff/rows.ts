// Where the diff view's pages of rows come from: a row index in a worker
// thread (the editor), or in this thread (tests). Both behind one interface.
import { Worker } from 'node:worker_threads';
import type { RowQuery } from '../../core/diff/protocol';
import type { DiffSpec } from '../../core/diff/rowCheck';
import { RowIndex, type BuildProgress, type IndexFiles } from './rowIndex';
import { WorkerConnection } from '../rpc';
import type { BuildResult, PageResult, RowIndexApi } from './workerProtocol';

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

/** The index in a worker thread (dist/diff-worker.js), stopped by dispose(). */
export function workerRows(workerPath: string, spec: DiffSpec, files: IndexFiles, options: { maxHeapMb?: number } = {}): RowSource {
  const worker = new Worker(workerPath, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 2048 } });
  worker.unref();
  const rpc = new WorkerConnection<RowIndexApi>(worker, { describeStop: (why) => new Error(`row index stopped${why.startsWith('exit code') ? ` (${why})` : `: ${why}`}`) });
  return {
    build: (onProgress) => rpc.request('build', { spec, files }, { onProgress }),
    page: (query, offset, count) => rpc.request('page', { query, offset, count }),
    memory: () => rpc.request('memory', {}),
    dispose: () => rpc.dispose(new Error('row index disposed')),
  };
}
