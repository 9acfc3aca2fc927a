// Bundles the extension, the language-service worker, the CLI and the tabular
// readers they share (node, cjs)
// and the diff view's and readiness review's webviews (browser, iife) into dist/ and media/.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const production = !process.argv.includes('--dev');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'inline',
  minify: production,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(pkg.version), 'import.meta.url': 'importMetaUrl' },
  inject: ['src/node/import-meta-url.js'],
  // jsonc-parser's `main` is a UMD build whose require() calls esbuild cannot follow; its ESM build bundles
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // the audit store's SQL migrations (src/node/audit/pg/migrations/*.sql) are bundled as text
  loader: { '.sql': 'text' },
};

// pg's optional libpq binding, required only by `pg.native` (never used): left out of every bundle
const PG_NATIVE = 'pg-native';

const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode', PG_NATIVE] },
  { ...common, entryPoints: { 'language-worker': 'src/node/language/worker.ts' }, outdir: 'dist', external: [PG_NATIVE] },
  { ...common, entryPoints: { 'contract-worker': 'src/node/contract/worker.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { 'diff-worker': 'src/node/diff/worker.ts' }, outdir: 'dist' },
  // the CSV, Parquet and JSON array readers (hyparquet, csv-parse), once: the bundles above load it at run time (src/node/tabularModule.ts)
  { ...common, entryPoints: { tabular: 'src/node/tabular/index.ts' }, outdir: 'dist' },
  // the diff view in the webview: a browser bundle and its stylesheet, nothing loaded from the network
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: production,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    entryPoints: { diffview: 'src/webview/main.ts', 'diffview-style': 'src/webview/diffview.css', review: 'src/webview/review.ts' },
    outdir: 'media',
    entryNames: '[name]',
  },
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, external: [PG_NATIVE] },
  { ...common, entryPoints: { 'bench/core': 'test/bench/entry.ts' }, outdir: 'dist' },
  // the audit store and a PostgreSQL server for test/bench/audit-pg.mjs
  { ...common, entryPoints: { 'bench/audit': 'test/bench/audit-entry.ts' }, outdir: 'dist', external: [PG_NATIVE] },
  { ...common, entryPoints: { 'bench/diff': 'test/webview/bench-entry.ts' }, outdir: 'dist', external: ['playwright-core'] },
  {
    ...common,
    minify: false,
    sourcemap: 'inline',
    entryPoints: { 'test/integration/index': 'test/integration/index.ts' },
    outdir: 'dist',
    external: ['vscode', 'mocha', PG_NATIVE],
  },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
