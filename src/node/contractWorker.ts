// Contract tests in a worker thread: the editor runs them here, so reading
// and comparing a million rows never competes with the extension host's
// event loop, and a run that exhausts its heap ends this thread, not the
// editor. One run per worker; the model processes it starts are its children
// and die with the run (cancel kills their process trees).
import { parentPort, workerData } from 'node:worker_threads';
import { runContractTests } from './contractTest';
import type { ContractRunRequest, ContractWorkerMessage } from './contractRunner';

const port = parentPort;
if (!port) throw new Error('contractWorker must run in a worker thread');

const request = workerData as ContractRunRequest;
const controller = new AbortController();
port.on('message', (m: { type: 'cancel' }) => {
  if (m.type === 'cancel') controller.abort();
});
const post = (m: ContractWorkerMessage) => port.postMessage(m);

runContractTests(request.file, { ...request.options, signal: controller.signal, onProgress: (event) => post({ type: 'progress', event }) })
  .then((report) => post({ type: 'done', report }))
  .catch((e: Error) => post({ type: 'error', message: e.message, name: e.name }))
  .finally(() => port.close());
