// The row index in a worker thread: building it parses every line of both
// files (seconds at a million rows), and sorting and filtering a million rows
// must not stall the editor's extension host. One index per worker; the
// client (client.ts) starts one per open diff view.
import { parentPort } from 'node:worker_threads';
import { RowIndex } from './rowIndex';
import type { WorkerRequest, WorkerResponse } from './workerProtocol';

let index: RowIndex | undefined;

parentPort?.on('message', async (msg: WorkerRequest) => {
  const reply = (m: WorkerResponse) => parentPort!.postMessage(m);
  try {
    switch (msg.method) {
      case 'build': {
        await index?.dispose();
        index = await RowIndex.build(msg.spec, msg.files, { onProgress: (p) => reply({ id: msg.id, progress: p }) });
        const c = index.counts();
        reply({ id: msg.id, result: { rows: index.rows, outside: c.outside, ms: index.buildMs } });
        break;
      }
      case 'page': {
        if (!index) throw new Error('no index built');
        reply({ id: msg.id, result: await index.page(msg.query, msg.offset, msg.count) });
        break;
      }
      case 'memory':
        reply({ id: msg.id, result: process.memoryUsage() });
        break;
    }
  } catch (e) {
    reply({ id: msg.id, error: (e as Error).message });
  }
});
