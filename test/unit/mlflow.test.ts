// MLflow model signatures as the JSON Schema of one row
// (core/contract/mlflow.ts), on two MLmodel files as MLflow 2.x writes them
// (test/fixtures/mlflow: an sklearn model, column-based, logged from a frame
// whose petal width had missing values, so that column is `required: false`;
// a Keras model, tensor-based). The schemas are compiled with strict ajv and
// run on good and bad rows, so a wrong conversion fails here, not only a
// changed one. Errors: exact message and the exact text they point at.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { signatureSchema, type SignaturePart } from '../../src/core/contract/mlflow';
import { FIXTURES } from './helpers';

const read = (name: string) => fs.readFileSync(path.join(FIXTURES, 'mlflow', name, 'MLmodel'), 'utf8');
const SKLEARN = read('sklearn-iris');
const KERAS = read('keras-tensor');

function schemaOf(text: string, part: SignaturePart): Record<string, unknown> {
  const r = signatureSchema(text, part);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.schema;
}

/** Which rows the schema accepts (strict ajv: a schema it would warn about fails the test). */
function accepts(schema: Record<string, unknown>, rows: unknown[]): boolean[] {
  const validate = new Ajv({ strict: true }).compile(schema);
  return rows.map((r) => validate(r) as boolean);
}

/** A short MLmodel as MLflow writes it (the signature's JSON single-quoted). */
const mlmodel = (inputs: unknown, outputs: unknown = null) =>
  `artifact_path: model\nmlflow_version: 2.14.1\nsignature:\n  inputs: ${inputs === null ? 'null' : `'${JSON.stringify(inputs)}'`}\n  outputs: ${outputs === null ? 'null' : `'${JSON.stringify(outputs)}'`}\n  params: null\n`;

/** [message, the text its span covers]. */
function error(text: string, part: SignaturePart): [string, string] {
  const r = signatureSchema(text, part);
  assert.ok(!r.ok, 'expected an error');
  return [r.message, text.slice(r.span.start, r.span.end)];
}

describe('MLflow signatures: column-based (sklearn)', () => {
  it('inputs: an object with the four double columns; petal width (required: false) optional and nullable', () => {
    const s = schemaOf(SKLEARN, 'inputs');
    assert.deepEqual(s, {
      type: 'object',
      properties: {
        'sepal length (cm)': { type: 'number' },
        'sepal width (cm)': { type: 'number' },
        'petal length (cm)': { type: 'number' },
        'petal width (cm)': { type: ['number', 'null'] },
      },
      required: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)'],
    });
    const row = { 'sepal length (cm)': 5.1, 'sepal width (cm)': 3.5, 'petal length (cm)': 1.4, 'petal width (cm)': 0.2 };
    const { 'petal width (cm)': _, ...without } = row;
    assert.deepEqual(accepts(s, [row, without, { ...row, 'petal width (cm)': null }, { ...row, 'sepal length (cm)': '5.1' }, { ...row, 'sepal width (cm)': null }]), [true, true, true, false, false]);
  });

  it('outputs: one unnamed long column is the bare value of a row', () => {
    const s = schemaOf(SKLEARN, 'outputs');
    assert.deepEqual(s, { type: 'integer' });
    assert.deepEqual(accepts(s, [0, 2, 1.5, '1']), [true, true, false, false]);
  });

  it('every column type, MLflow 1.x specs without `required`, and the newer array/object/map/any', () => {
    const cols = [
      { type: 'boolean', name: 'b' },
      { type: 'integer', name: 'i', required: true },
      { type: 'long', name: 'l', required: true },
      { type: 'float', name: 'f', required: true },
      { type: 'string', name: 's', required: true },
      { type: 'binary', name: 'bin', required: true },
      { type: 'datetime', name: 'd', required: true },
      { type: 'array', items: { type: 'double' }, name: 'v', required: true },
      { type: 'object', properties: { k: { type: 'string', required: true }, o: { type: 'long', required: false } }, name: 'obj', required: true },
      { type: 'map', values: { type: 'double' }, name: 'm', required: true },
      { type: 'any', name: 'x', required: false },
    ];
    const s = schemaOf(mlmodel(cols), 'inputs');
    assert.deepEqual(s.properties, {
      b: { type: 'boolean' },
      i: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
      l: { type: 'integer' },
      f: { type: 'number' },
      s: { type: 'string' },
      bin: { type: 'string', contentEncoding: 'base64' },
      d: { type: 'string' },
      v: { type: 'array', items: { type: 'number' } },
      obj: { type: 'object', properties: { k: { type: 'string' }, o: { type: ['integer', 'null'] } }, required: ['k'] },
      m: { type: 'object', additionalProperties: { type: 'number' } },
      x: {},
    });
    assert.deepEqual(s.required, ['b', 'i', 'l', 'f', 's', 'bin', 'd', 'v', 'obj', 'm']);
    const good = { b: true, i: 1, l: 2 ** 40, f: 0.5, s: 'a', bin: 'AAE=', d: '2024-01-01T00:00:00', v: [1, 2], obj: { k: 'z' }, m: { a: 1 } };
    assert.deepEqual(accepts(s, [good, { ...good, i: 2 ** 31 }, { ...good, v: ['1'] }, { ...good, obj: {} }, { ...good, m: { a: 'x' } }]), [true, false, false, false, false]);
  });

  it('several unnamed columns: a tuple', () => {
    const s = schemaOf(mlmodel([{ type: 'double', required: true }, { type: 'string', required: true }]), 'inputs');
    assert.deepEqual(accepts(s, [[1, 'a'], [1], [1, 'a', 2], ['a', 1]]), [true, false, false, false]);
  });
});

describe('MLflow signatures: tensor-based (Keras)', () => {
  it('inputs [-1, 28, 28] float32: a row is 28 lists of 28 numbers', () => {
    const s = schemaOf(KERAS, 'inputs');
    assert.deepEqual(s, { type: 'array', minItems: 28, maxItems: 28, items: { type: 'array', minItems: 28, maxItems: 28, items: { type: 'number' } } });
    const image = Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => 0.5));
    assert.deepEqual(accepts(s, [image, image.slice(1), [...image.slice(1), [...image[0]!.slice(1), 'x']]]), [true, false, false]);
  });

  it('outputs [-1, 10] float32: a row is 10 numbers', () => {
    const s = schemaOf(KERAS, 'outputs');
    assert.deepEqual(s, { type: 'array', minItems: 10, maxItems: 10, items: { type: 'number' } });
    assert.deepEqual(accepts(s, [Array(10).fill(0.1), Array(9).fill(0.1), 0.1]), [true, false, false]);
  });

  it('named tensors: an object of rows, every one required; -1 inside the shape is any length; integer dtypes keep their range', () => {
    const s = schemaOf(
      mlmodel([
        { name: 'ids', type: 'tensor', 'tensor-spec': { dtype: 'int32', shape: [-1, -1] } },
        { name: 'mask', type: 'tensor', 'tensor-spec': { dtype: 'uint8', shape: [-1, -1] } },
        { name: 'scale', type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1] } },
      ]),
      'inputs',
    );
    assert.deepEqual(s, {
      type: 'object',
      properties: {
        ids: { type: 'array', items: { type: 'integer', minimum: -2147483648, maximum: 2147483647 } },
        mask: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } },
        scale: { type: 'number' },
      },
      required: ['ids', 'mask', 'scale'],
    });
    assert.deepEqual(accepts(s, [{ ids: [1, 2, 3], mask: [1, 1, 0], scale: 1 }, { ids: [1], mask: [256], scale: 1 }, { ids: [1], mask: [1] }]), [true, false, false]);
  });
});

describe('MLflow signatures: errors name the part and point at it', () => {
  it('no signature, a missing part, a part that is not JSON, an unknown type, an unknown dtype, mixed specs', () => {
    const noSig = 'artifact_path: model\nmlflow_version: 2.14.1\n';
    assert.deepEqual(error(noSig, 'inputs'), ['the MLmodel file has no `signature` (log the model with `signature=` or an `input_example`)', noSig]);
    const noOut = mlmodel([{ type: 'double', name: 'a' }]);
    assert.deepEqual(error(noOut, 'outputs'), ['`signature.outputs` is null in the MLmodel file: the model was logged without an output schema', 'null']);
    const bad = 'signature:\n  inputs: \'[{"type": "double",\'\n';
    assert.deepEqual(error(bad, 'inputs')[1], '\'[{"type": "double",\'');
    assert.match(error(bad, 'inputs')[0], /^`signature\.inputs` is not valid JSON: /);
    const unknown = mlmodel([{ type: 'decimal', name: 'a' }]);
    assert.deepEqual(error(unknown, 'inputs'), [
      '`signature.inputs[0]` (`a`): unknown MLflow type `decimal` (one of boolean, integer, long, float, double, string, binary, datetime, array, object, map, any, sparkml_vector, tensor)',
      `'${JSON.stringify([{ type: 'decimal', name: 'a' }])}'`,
    ]);
    assert.deepEqual(error(mlmodel([{ type: 'tensor', 'tensor-spec': { dtype: 'complex64', shape: [-1] } }]), 'inputs')[0], '`signature.inputs[0]`: unknown tensor dtype `complex64` (bool, int8..int64, uint8..uint64, float16..float64, str, bytes, object, datetime64)');
    assert.deepEqual(error(mlmodel([{ type: 'double', name: 'a' }, { type: 'tensor', name: 'b', 'tensor-spec': { dtype: 'float32', shape: [-1] } }]), 'inputs')[0], '`signature.inputs` mixes column and tensor specs, which MLflow does not allow');
  });
});
