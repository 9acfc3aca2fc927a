// The version of the CLI: what esbuild.mjs defines as __VERSION__ (package.json's
// version) in the bundle, 0.0.0-dev when run from source. `--version`
// prints it, SARIF reports and baseline sidecars carry it.
declare const __VERSION__: string | undefined;
export const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';
