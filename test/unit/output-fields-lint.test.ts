// The language service on a contract's `output.fields` (bare predictions
// mapped to named fields): a `$`-path that is not one is an error on the
// characters where it stops being one (invalid-output-path); a field name the output schema does not have
// is unknown-field at the name (an error for a closed schema, with a
// did-you-mean, a warning for an open one), like a tolerance's field; the
// key carried over by `output.key.fromInput` counts as a field.
import * as assert from 'node:assert/strict';
import { CLEAN_CONTRACT, rangeIn, rangeOfText, replaceOnce, setup, showWithFixes, type ShownWithFixes } from './helpers';

async function lint(text: string, extraFiles: Record<string, string> = {}): Promise<ShownWithFixes[]> {
  const { service, doc } = setup(text, { path: 'iris.contract.yaml', extraFiles });
  const ds = (await service.validate(doc)).filter((d) => d.severity !== 'info');
  return showWithFixes(text, ds);
}

/** The clean contract with keyless outputs: key from the input, `fields` as given. */
const keyless = (fields: string) => replaceOnce(CLEAN_CONTRACT, '  key: id\n', `  key: { fromInput: id }\n  fields: ${fields}\n`);

describe('lint: output.fields', () => {
  it('fields the output schema has, with good paths: nothing', async () => {
    assert.deepEqual(await lint(keyless('{ label: "$[0]", probability: "$[1]" }')), []);
  });

  it('a path that is not a $-path: invalid-output-path on the characters where it stops being one, and no schema-pattern error besides', async () => {
    const t = keyless('{ label: "$[0]", probability: "$[1].x y" }');
    assert.deepEqual(await lint(t), [
      {
        range: rangeIn(t, '"$[1].x y"', ' y'),
        severity: 'error',
        code: 'invalid-output-path',
        message: 'invalid output path `$[1].x y`: ` y` is not `.name`, `[index]` or `["name"]`; after `$` a path is any of those, e.g. `$[0]` or `$.probabilities[1]`',
      },
    ]);
    const noDollar = keyless('{ label: "[0]", probability: "$[1]" }');
    assert.deepEqual(
      (await lint(noDollar)).map((g) => [g.range, g.code, g.message]),
      [[rangeOfText(noDollar, '[0]'), 'invalid-output-path', 'invalid output path `[0]`: a path starts with `$` (the whole output), e.g. `$` or `$[0]`']],
    );
  });

  it('a field name the closed output schema does not have: unknown-field at the name, with a did-you-mean', async () => {
    const t = keyless('{ label: "$[0]", probabilty: "$[1]" }');
    assert.deepEqual(await lint(t), [
      {
        range: rangeOfText(t, 'probabilty'),
        severity: 'error',
        code: 'unknown-field',
        message: '`output.fields` names `probabilty`, which is not a field of the output schema (`schemas/iris-output.schema.json`): the shaped output would not validate — did you mean `probability`?',
        fixes: ['Change to `probability`: probability'],
      },
    ]);
  });

  it('an open output schema: a warning; the fromInput key is a field too', async () => {
    const open = JSON.stringify({ type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' }, probability: { type: 'number' } } });
    const t = replaceOnce(keyless('{ label: "$", score: "$" }'), 'schemas/iris-output.schema.json', 'schemas/open.schema.json');
    assert.deepEqual(await lint(t, { 'schemas/open.schema.json': open }), [
      { range: rangeOfText(t, 'score'), severity: 'warning', code: 'unknown-field', message: '`output.fields` names `score`, which is not declared in the output schema (`schemas/open.schema.json`)' },
    ]);
    const key = keyless('{ id: "$", label: "$" }');
    assert.deepEqual(await lint(key), []);
  });
});
