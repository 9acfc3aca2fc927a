// The editor's side of src/node/contract/worker.ts: runs the contract tests of
// one contract in a fresh worker thread and resolves with the same report
// runContractTests gives. Cancel (the signal) is forwarded; a worker that
// dies (out of memory, a crash) is an error naming why, never a crash of the
// caller.
import { Worker } from 'node:worker_threads';
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
  /** Heap limit of the worker in MB (default 2048). */
  maxHeapMb?: number;
}

export async function runContractTestsInWorker(workerPath: string, file: string, options: WorkerRunOptions): Promise<ContractReport> {
  const { signal, onProgress, maxHeapMb, ...rest } = options;
  if (signal?.aborted) throw new Error('cancelled');
  const heap = maxHeapMb ?? 2048;
  const worker = new Worker(workerPath, { resourceLimits: { maxOldGenerationSizeMb: heap } });
  const connection = new WorkerConnection<ContractWorkerApi>(worker, {
    describeStop: (why, e) => {
      if (!e) return new Error(`the contract-test worker stopped (${why}) before reporting`);
      const oom = /heap|memory/i.test(e.message) || (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      return new Error(oom ? `the contract test ran out of memory (worker heap limit ${heap} MB): ${e.message}` : `the contract-test worker failed: ${e.message}`);
    },
  });
  try {
    return await connection.request('run', { file, options: rest }, { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
  } finally {
    // the run is over (or failed): its model processes were stopped by the run itself
    void connection.dispose(new Error('the contract-test worker was stopped'));
  }
}
