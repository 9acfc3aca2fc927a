// The editor's side of src/node/contractWorker.ts: runs the contract tests of
// one contract in a fresh worker thread and resolves with the same report
// runContractTests gives. Cancel (the signal) is forwarded; a worker that
// dies (out of memory, a crash) is an error naming why, never a crash of the
// caller.
import { Worker } from 'node:worker_threads';
import type { ContractReport } from '../core/contract/report';
import type { RunOptions } from './contractTest';

/** What crosses into the worker: the serialisable part of RunOptions. */
export interface ContractRunRequest {
  file: string;
  options: Omit<RunOptions, 'signal' | 'onProgress'>;
}

export type ProgressEvent = Parameters<NonNullable<RunOptions['onProgress']>>[0];

export type ContractWorkerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'done'; report: ContractReport }
  | { type: 'error'; message: string; name: string };

export interface WorkerRunOptions extends RunOptions {
  /** Heap limit of the worker in MB (default 2048). */
  maxHeapMb?: number;
}

export function runContractTestsInWorker(workerPath: string, file: string, options: WorkerRunOptions): Promise<ContractReport> {
  const { signal, onProgress, maxHeapMb, ...rest } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('cancelled'));
      return;
    }
    const request: ContractRunRequest = { file, options: rest };
    const worker = new Worker(workerPath, { workerData: request, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb ?? 2048 } });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => worker.postMessage({ type: 'cancel' });
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ContractWorkerMessage) => {
      if (m.type === 'progress') onProgress?.(m.event);
      else if (m.type === 'done') settle(() => resolve(m.report));
      else settle(() => reject(Object.assign(new Error(m.message), { name: m.name })));
    });
    worker.on('error', (e) => {
      const oom = /heap|memory/i.test(e.message) || (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      settle(() => reject(new Error(oom ? `the contract test ran out of memory (worker heap limit ${maxHeapMb ?? 2048} MB): ${e.message}` : `the contract-test worker failed: ${e.message}`)));
    });
    worker.on('exit', (code) => settle(() => reject(new Error(`the contract-test worker stopped (exit code ${code}) before reporting`))));
  });
}
