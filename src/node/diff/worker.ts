// The row index in a worker thread: building it parses every line of both
// files (seconds at a million rows), and sorting and filtering a million rows
// must not stall the editor's extension host. One index per worker; the
// client (rows.ts) starts one per open diff view.
import { parentPort } from 'node:worker_threads';
import { serve } from '../rpc';
import { RowIndex } from './rowIndex';
import type { RowIndexApi } from './workerProtocol';

let index: RowIndex | undefined;

if (parentPort)
  serve<RowIndexApi>(parentPort, {
    build: async ({ spec, files }, { progress }) => {
      await index?.dispose();
      index = await RowIndex.build(spec, files, { onProgress: progress });
      return { rows: index.rows, outside: index.counts().outside, ms: index.buildMs };
    },
    page: async ({ query, offset, count }) => {
      if (!index) throw new Error('no index built');
      return index.page(query, offset, count);
    },
    memory: () => process.memoryUsage(),
  });
