// esbuild inject: gives ESM dependencies bundled into CommonJS a working import.meta.url.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
