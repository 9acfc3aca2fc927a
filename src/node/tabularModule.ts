// Loads the tabular readers (src/node/tabular) at run time. The bundles
// (extension, contract worker, diff worker, CLI) do not contain them: they
// are one bundle of their own, dist/tabular.js, beside the others, so that
// hyparquet and csv-parse are in the .vsix once (esbuild.mjs). The require
// below takes a variable, which esbuild leaves alone: in dist/ it finds
// dist/tabular.js, under the TypeScript loader of the tests
// src/node/tabular/index.ts. Loaded once, on first use (JSONL never needs it).
import type * as Tabular from './tabular';

let loaded: typeof Tabular | undefined;

export function tabular(): typeof Tabular {
  if (!loaded) {
    const name = './tabular';
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a run-time load of a bundle beside this one, on purpose (see above)
    loaded = require(name) as typeof Tabular;
  }
  return loaded;
}
