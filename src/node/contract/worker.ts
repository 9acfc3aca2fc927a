// Contract tests in a worker thread: the editor runs them here, so reading
// and comparing a million rows never competes with the extension host's
// event loop, and a run that exhausts its heap ends this thread, not the
// editor. One run per worker; the model processes it starts are its children
// and die with the run (cancel kills their process trees).
import { parentPort } from 'node:worker_threads';
import type { ContractWorkerApi } from './runner';
import { runContractTests } from './run';
import { serve } from '../rpc';

if (!parentPort) throw new Error('contractWorker must run in a worker thread');

serve<ContractWorkerApi>(parentPort, {
  run: (request, { progress, signal }) => runContractTests(request.file, { ...request.options, signal, onProgress: progress }),
});
