// An unquoted `when: > 250`: YAML reads `>` (and `|`) at the start of a value
// as a block-scalar indicator. The editor says to quote it, offers the quick
// fix that does, and still reports every other diagnostic of the document
// (the value is read as the text it was meant to be).
import * as assert from 'node:assert/strict';
import { CLEAN_RUNBOOK, applyEdits, replaceOnce, setup, show, spanOf, validate } from './helpers';
import { parseYaml } from '../../src/core/yaml';

const message = (indicator: '>' | '|', value: string, key: string): string =>
  `YAML reads \`${indicator}\` at the start of a value as a ${indicator === '>' ? 'folded' : 'literal'} block scalar, so \`${value}\` is not the text it looks like; quote it: \`${key}"${value}"\``;

describe('an unquoted `>` or `|` at the start of a value', () => {
  // the flow trigger of the clean runbook, and a block one, both unquoted; and an unrelated mistake further down
  const text = replaceOnce(
    replaceOnce(replaceOnce(CLEAN_RUNBOOK, 'when: "> 250"', 'when: > 250'), '  - { id: drift, metric: score_psi, when: "> 0.2" }\n', '  - id: drift\n    metric: score_psi\n    when: >= 0.2\n'),
    'requires: [repoint]',
    'requires: [repoit]',
  );

  it('is one located error per value, with a message that says to quote it, and the other diagnostics stay', async () => {
    const found = await validate(text);
    assert.deepEqual(
      found.map((d) => show(text, d)),
      [
        { ...show(text, { span: spanOf(text, '> 250'), severity: 'error', code: 'yaml-unquoted-indicator', message: message('>', '> 250', 'when: ') }) },
        { ...show(text, { span: spanOf(text, '>= 0.2'), severity: 'error', code: 'yaml-unquoted-indicator', message: message('>', '>= 0.2', 'when: ') }) },
        { ...show(text, { span: spanOf(text, 'repoit'), severity: 'error', code: 'unknown-step', message: '`requires` names step `repoit`, which does not exist — did you mean `repoint`?' }) },
      ],
    );
  });

  it('reads the value as the text it was meant to be', () => {
    const parsed = parseYaml(text);
    const triggers = (parsed.value as { triggers: Array<{ when: string }> }).triggers;
    assert.deepEqual(
      triggers.map((t) => t.when),
      ['> 250', '>= 0.2'],
    );
    assert.equal(parsed.hasSyntaxErrors, false);
  });

  it('offers "Quote it", which gives the quoted value and leaves only the other diagnostic', async () => {
    const { service, doc } = setup(text);
    const actions = await service.codeActions(doc, spanOf(text, '>= 0.2'));
    assert.deepEqual(
      actions.map((a) => [a.diagnostic.code, a.title, a.preferred]),
      [['yaml-unquoted-indicator', 'Quote it: `">= 0.2"`', true]],
    );
    const fixed = applyEdits(text, actions[0]!.edits);
    assert.equal(fixed, replaceOnce(text, 'when: >= 0.2', 'when: ">= 0.2"'));
    const again = applyEdits(fixed, (await setup(fixed).service.codeActions(setup(fixed).doc, spanOf(fixed, '> 250')))[0]!.edits);
    assert.deepEqual(
      (await validate(again)).map((d) => d.code),
      ['unknown-step'],
    );
  });

  it('names the literal indicator `|` and a list item the same way', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'preserve: [locale, consent]', 'preserve:\n    - | locale');
    const found = await validate(t);
    assert.deepEqual(
      found.map((d) => show(t, d)),
      [show(t, { span: spanOf(t, '| locale'), severity: 'error', code: 'yaml-unquoted-indicator', message: message('|', '| locale', '- ') })],
    );
  });

  it('leaves real block scalars, and `>` inside one, alone', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'checklist: [outputs within tolerance of the 1.4.2 baseline, sampled user state intact]', 'checklist:\n    - >-\n      outputs: > 250 rows within tolerance\n    - |\n      when: > 3');
    const parsed = parseYaml(t);
    assert.deepEqual((parsed.value as { closure: { checklist: string[] } }).closure.checklist, ['outputs: > 250 rows within tolerance', 'when: > 3\n']);
    assert.deepEqual(await validate(t), []);
  });

  it('keeps the YAML error when the value is broken in another way too', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'when: "> 250"', 'when: > 250 ]');
    const found = await validate(t);
    assert.ok(found.every((d) => d.code === 'yaml-syntax' || d.code === 'yaml-unquoted-indicator'), JSON.stringify(found));
    assert.ok(found.some((d) => d.code === 'yaml-syntax'), JSON.stringify(found));
  });
});
