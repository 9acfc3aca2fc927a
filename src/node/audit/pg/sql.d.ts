// The migrations' SQL files, imported as text: esbuild's text loader in the
// bundles (esbuild.mjs), a require hook in the tests (test/unit/register.cjs).
declare module '*.sql' {
  const text: string;
  export default text;
}
