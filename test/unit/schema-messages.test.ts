// Schema messages name what they are about: the property (or the list item)
// and, where ajv knows them, the allowed values; never ajv's own wording
// ("must NOT have additional properties"). One test per error kind, exact
// messages, in documents (located) and in data records (the contract test's
// input and output rows, by property path). The same wording from a real
// contract-test run: test/system/schema-messages.test.ts.
import * as assert from 'node:assert/strict';
import Ajv from 'ajv';
import { recordErrorMessage } from '../../src/core/language/schemaErrors';
import { CLEAN_RUNBOOK, rangeIn, rangeOfText, replaceOnce, setup, showAll } from './helpers';

async function messages(text: string): Promise<Array<[string, string]>> {
  const { service, doc } = setup(text);
  return showAll(text, await service.validate(doc)).map((d) => [d.code, d.message]);
}

describe('schema messages in documents name the property', () => {
  it('type: the property and both types', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '    timeout: 60s', '    timeout: 60');
    assert.deepEqual(await messages(t), [['schema-type', '`timeout`: expected a string, found an integer']]);
  });

  it('type in a list item: the item and the list', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'preserve: [locale, consent]', 'preserve: [locale, 7]');
    const { service, doc } = setup(t);
    const ds = showAll(t, await service.validate(doc));
    assert.deepEqual(ds, [{ range: rangeIn(t, '[locale, 7]', '7'), severity: 'error', code: 'schema-type', message: 'item 2 of `preserve`: expected a string, found an integer' }]);
  });

  it('enum: the property, the value and the allowed values', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'on: [start, close]', 'on: [start, clos]');
    assert.deepEqual(await messages(t), [['schema-enum', 'item 2 of `on`: `clos` is not one of `start`, `update` or `close` — did you mean `close`?']]);
  });

  it('pattern: the property and the form', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '  - id: repoint\n', '  - id: Repoint\n').replace('requires: [repoint]', 'requires: [Repoint]');
    const got = await messages(t);
    assert.equal(got.filter(([c]) => c === 'schema-pattern').length, 2);
    assert.deepEqual(got[0], ['schema-pattern', '`id`: `Repoint` does not match the expected form `^[a-z0-9][a-z0-9-_]*$` (e.g. `approve`)']);
  });

  it('uniqueItems: the list, the item and both positions', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'signOff: [decisionMaker, dataSteward]', 'signOff: [decisionMaker, dataSteward, decisionMaker]');
    assert.deepEqual(await messages(t), [['schema-duplicate-item', '`signOff`: `decisionMaker` is listed twice (items 1 and 3); list each once']]);
  });

  it('a value matching none of the allowed forms by type: the property and every form', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '    undo: ./scripts/set-alias.sh iris champion 2.0.0\n', '    undo: 5\n');
    const { service, doc } = setup(t);
    assert.deepEqual(showAll(t, await service.validate(doc)), [
      { range: rangeIn(t, 'undo: 5', '5'), severity: 'error', code: 'schema-type', message: '`undo`: expected a string or a mapping, found an integer' },
    ]);
  });

  it('unknown property: named, with what is allowed (no ajv wording anywhere)', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'windows: { decide: 15m, restore: 30m }', 'windows: { decide: 15m, restore: 30m, foo: 1 }');
    const got = await messages(t);
    assert.deepEqual(got, [['schema-unknown-property', 'unknown property `foo`; expected `detect`, `decide` or `restore`']]);
    assert.ok(!got.some(([, m]) => /must NOT|must have|must be equal/.test(m)));
    assert.deepEqual(rangeOfText(t, 'foo'), showAll(t, await setup(t).service.validate(setup(t).doc))[0]!.range);
  });
});

describe('schema messages for data records (contract test rows) name the property', () => {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'label'],
    properties: {
      id: { type: 'string' },
      label: { enum: ['setosa', 'versicolor'] },
      probability: { type: 'number', minimum: 0, maximum: 1 },
      meta: { type: 'object', additionalProperties: false, properties: { seed: { type: 'integer' } } },
      tags: { type: 'array', items: { type: 'string' }, uniqueItems: true },
      code: { type: 'string', pattern: '^[A-Z]+$' },
    },
  };
  const validate = ajv.compile(schema);
  const first = (row: unknown): string => {
    assert.equal(validate(row), false);
    return recordErrorMessage(validate.errors![0]!, row);
  };

  it('an extra property at the top: unknown property, named', () => {
    assert.equal(first({ id: 'a', label: 'setosa', foo: 1 }), 'unknown property `foo`');
  });
  it('an extra property inside an object: the path and the name', () => {
    assert.equal(first({ id: 'a', label: 'setosa', meta: { sed: 1 } }), '`meta`: unknown property `sed`');
  });
  it('a missing property', () => {
    assert.equal(first({ id: 'a' }), 'missing required property `label`');
  });
  it('a wrong type: the property, the expected and the found type', () => {
    assert.equal(first({ id: 'a', label: 'setosa', probability: '0.5' }), '`probability`: expected a number, found a string');
  });
  it('an integer expected inside an object', () => {
    assert.equal(first({ id: 'a', label: 'setosa', meta: { seed: 1.5 } }), '`meta.seed`: expected an integer, found a number');
  });
  it('a value outside the allowed values: the value and the allowed ones', () => {
    assert.equal(first({ id: 'a', label: 'virginica' }), '`label`: `virginica` is not one of `setosa` or `versicolor`');
  });
  it('a number out of range', () => {
    assert.equal(first({ id: 'a', label: 'setosa', probability: 1.5 }), '`probability`: must be at most 1, not 1.5');
  });
  it('a duplicate list item: the list and the item position', () => {
    assert.equal(first({ id: 'a', label: 'setosa', tags: ['x', 'x'] }), '`tags`: `x` is listed twice (items 1 and 2)');
  });
  it('a pattern: the property and the form', () => {
    assert.equal(first({ id: 'a', label: 'setosa', code: 'ab' }), '`code`: `ab` does not match the expected form `^[A-Z]+$`');
  });
  it('not an object at all', () => {
    assert.equal(first([1]), 'the record: expected an object, found a list');
  });
});
