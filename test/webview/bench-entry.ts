// What test/bench/diffview.mjs needs from the TypeScript sources, bundled by
// esbuild.mjs into dist/bench/diff.js (playwright-core stays external).
export { million } from './fixtures';
export { openDiffPage, serveMedia, CHROMIUM, CHROMIUM_ARGS } from './host';
export { readReportFile, resolveRowFiles } from '../../src/node/diff/session';
export { workerRows } from '../../src/node/diff/rows';
