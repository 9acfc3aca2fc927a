// Lets mocha load the TypeScript unit tests directly: esbuild strips the types on require.
const { transformSync } = require('esbuild');
const fs = require('node:fs');
require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline' });
  module._compile(code, filename);
};
// the audit store's SQL migrations, imported as text (esbuild's text loader in the bundles)
require.extensions['.sql'] = function (module, filename) {
  module.exports = { __esModule: true, default: fs.readFileSync(filename, 'utf8') };
};
