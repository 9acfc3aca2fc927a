// The manifest's grammars and snippets: each language has its own grammar
// scope (VS Code keeps one grammar per scope, tokenized with the language of
// the first file that asked for it, and everything keyed by the language at
// the cursor follows that), the contract grammar is the runbook grammar under
// its own scope, and the placeholder injection reaches both. Snippets are not
// contributed: the language service offers them where a key goes.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

describe('grammars and snippets in the manifest', () => {
  const pkg = JSON.parse(read('package.json'));

  it('gives each language a grammar of its own scope', () => {
    const grammars = pkg.contributes.grammars as Array<{ language?: string; scopeName: string; path: string; injectTo?: string[] }>;
    const byLanguage = Object.fromEntries(grammars.filter((g) => g.language).map((g) => [g.language, g.scopeName]));
    assert.deepEqual(byLanguage, { 'rollback-runbook': 'source.yaml.rollback-lens', 'rollback-contract': 'source.yaml.rollback-contract', 'rollback-policy': 'source.yaml.rollback-policy' });
    for (const g of grammars) assert.equal(JSON.parse(read(g.path)).scopeName, g.scopeName, g.path);
    const injection = grammars.find((g) => !g.language)!;
    assert.deepEqual(injection.injectTo, ['source.yaml.rollback-lens', 'source.yaml.rollback-contract']);
    assert.equal(JSON.parse(read(injection.path)).injectionSelector, 'L:source.yaml.rollback-lens -comment, L:source.yaml.rollback-contract -comment');
  });

  it('keeps the contract and policy grammars the runbook grammar but for their scope, name and comment', () => {
    const strip = (g: Record<string, unknown>) => JSON.parse(JSON.stringify({ ...g, name: undefined, comment: undefined, scopeName: undefined }));
    const runbook = JSON.parse(read('syntaxes/rollback-lens.tmLanguage.json'));
    const contract = JSON.parse(read('syntaxes/rollback-contract.tmLanguage.json').replaceAll('source.yaml.rollback-contract', 'source.yaml.rollback-lens'));
    assert.deepEqual(strip(contract), strip(runbook));
    const policy = JSON.parse(read('syntaxes/rollback-policy.tmLanguage.json').replaceAll('source.yaml.rollback-policy', 'source.yaml.rollback-lens'));
    assert.deepEqual(strip(policy), strip(runbook));
  });

  it('contributes no snippets to VS Code: the language service offers them, in key positions only', () => {
    // VS Code offers contributed snippets everywhere, also in a value position (`owner: |`); completion.ts offers the same files' snippets where a key goes
    assert.equal(pkg.contributes.snippets, undefined);
    const prefixes = (rel: string): string[] => Object.values(JSON.parse(read(rel)) as Record<string, { prefix: string[] }>).flatMap((s) => s.prefix);
    for (const p of ['contract', 'test', 'tolerance']) assert.ok(prefixes('snippets/contract.code-snippets.json').includes(p), p);
    assert.ok(!prefixes('snippets/contract.code-snippets.json').includes('runbook'));
  });
});
