// The caller's side of src/node/contract/worker.ts (the editor's and the
// bundled CLI's): runs the contract tests of one contract in a fresh worker
// thread and resolves with the same report runContractTests gives. Cancel
// (the signal) is forwarded; a worker that dies (out of memory, a crash) is
// an error naming why, never a crash of the caller. The worker's V8 limits
// are contractWorkerLimits(): `npm run bench` measures the comparison under
// the same ones.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ContractReport } from '../../core/contract/report';
import type { RunOptions } from './run';
import { WorkerConnection } from '../rpc';

/** What crosses into the worker: the serialisable part of RunOptions. */
export interface ContractRunRequest {
  file: string;
  options: Omit<RunOptions, 'signal' | 'onProgress'>;
}

export type ProgressEvent = Parameters<NonNullable<RunOptions['onProgress']>>[0];

/** The contract-test worker's API: one run per worker. */
export interface ContractWorkerApi {
  run: { params: ContractRunRequest; result: ContractReport; progress: ProgressEvent };
}

export interface WorkerRunOptions extends RunOptions {
  /** Heap limit (old generation) of the worker in MB (default DEFAULT_CONTRACT_HEAP_MB). */
  maxHeapMb?: number;
}

/** The old generation's limit when none is given (MB). */
export const DEFAULT_CONTRACT_HEAP_MB = 2048;

/**
 * The contract-test worker's V8 limits: the old generation as asked; the
 * young generation as V8 sizes it (a fixed smaller one saved no memory
 * consistently in `npm run bench` and cost CPU time).
 */
export function contractWorkerLimits(maxHeapMb = DEFAULT_CONTRACT_HEAP_MB): ResourceLimits {
  return { maxOldGenerationSizeMb: maxHeapMb };
}

/** The name of the error a run gets when its worker stopped before reporting (out of memory, a crash, an exit). */
export const WORKER_STOPPED = 'ContractWorkerStopped';

function workerStopped(message: string): Error {
  const e = new Error(message);
  e.name = WORKER_STOPPED;
  return e;
}

export async function runContractTestsInWorker(workerPath: string, file: string, options: WorkerRunOptions): Promise<ContractReport> {
  const { signal, onProgress, maxHeapMb, ...rest } = options;
  if (signal?.aborted) throw new Error('cancelled');
  const heap = maxHeapMb ?? DEFAULT_CONTRACT_HEAP_MB;
  const worker = new Worker(workerPath, { resourceLimits: contractWorkerLimits(heap) });
  const connection = new WorkerConnection<ContractWorkerApi>(worker, {
    describeStop: (why, e) => {
      if (!e) return workerStopped(`the contract-test worker stopped (${why}) before reporting`);
      const oom = /heap|memory/i.test(e.message) || (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      return workerStopped(oom ? `the contract test ran out of memory (worker heap limit ${heap} MB): ${e.message}` : `the contract-test worker failed: ${e.message}`);
    },
  });
  try {
    return await connection.request('run', { file, options: rest }, { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
  } finally {
    // the run is over (or failed): its model processes were stopped by the run itself
    void connection.dispose(new Error('the contract-test worker was stopped'));
  }
}
