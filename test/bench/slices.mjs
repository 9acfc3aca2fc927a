// Child of run.mjs: plays the extension host. Starts the language-service
// worker, sends a large runbook through 5 edits (validate, completion, hover
// each), and reports the longest time its own event loop was blocked.
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRunbook } from './generate.mjs';
import { startProbe } from './probe.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { LanguageClient } = require(join(root, 'dist/bench/core.js'));
const [lines, ws] = [Number(process.argv[2]), process.argv[3]];
const text = generateRunbook(lines);
const client = new LanguageClient(join(root, 'dist/language-worker.js'));
const doc = { uri: 'file:///bench/slices.runbook.yaml', version: 1, root: ws, path: 'bench.runbook.yaml', text };
await client.request('validate', doc, {}); // start the worker, compile the schemas
const stopProbe = startProbe();
const t0 = performance.now();
for (let v = 2; v < 7; v++) {
  const edited = { ...doc, version: v, text: text + `# edit ${v}\n` };
  await client.request('validate', edited, {});
  await client.request('complete', edited, { offset: 200 });
  await client.request('hover', edited, { offset: 200 });
}
const total = performance.now() - t0;
const longest = stopProbe();
client.dispose();
process.stdout.write(JSON.stringify({ longest, total }));
