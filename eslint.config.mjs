// ESLint: the type-aware checks the compiler does not make (a promise nobody
// awaits, an import only used as a type) and the layer boundaries: core is pure
// and imports no other layer, node does not reach into cli or the editor, only
// src/extension imports vscode, the webview sees only the protocol it renders.
// `npm run lint` runs it; `npm test` runs lint first.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (...names) => names.map((n) => ({ group: [`**/${n}/*`, `**/${n}`], message: `this layer must not import src/${n}` }));
const noVscode = { name: 'vscode', message: 'only src/extension imports vscode' };

export default tseslint.config(
  { ignores: ['dist/**', 'media/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', 'examples/**', 'test/fixtures/**', '**/*.d.mts'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: layer('node', 'cli', 'extension', 'webview') }] } },
  { files: ['src/node/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: layer('cli', 'extension', 'webview') }] } },
  { files: ['src/cli/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: layer('extension', 'webview') }] } },
  { files: ['src/webview/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: layer('node', 'cli', 'extension') }] } },
);
