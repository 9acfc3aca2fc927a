// Keyless and bare outputs (core/contract/outputShape.ts) and the serving
// presets' request/response shapes (node/sources/protocols.ts, pure): paths,
// the key carried over, and the counts that must agree.
import * as assert from 'node:assert/strict';
import { contractModel } from '../../src/core/contract/model';
import { outputShapeOf, parseFieldPath, shapeOutput } from '../../src/core/contract/outputShape';
import { protocolOf, type Protocol } from '../../src/node/sources/protocols';

describe('output shape: $-paths, fields, the key from the input', () => {
  it('parses $, members, indexes and quoted members; anything else is not a path', () => {
    assert.deepEqual(parseFieldPath('$'), []);
    assert.deepEqual(parseFieldPath('$[0]'), [0]);
    assert.deepEqual(parseFieldPath('$.probabilities'), ['probabilities']);
    assert.deepEqual(parseFieldPath('$.outputs[1]["a b"]'), ['outputs', 1, 'a b']);
    assert.equal(parseFieldPath('label'), undefined);
    assert.equal(parseFieldPath('$.'), undefined);
    assert.equal(parseFieldPath('$[x]'), undefined);
  });

  it('maps a bare label, a vector element and a member to named fields, the key first', () => {
    const shape = outputShapeOf({ key: { fromInput: 'id' }, fields: { label: '$[0]', proba: '$[1]' } })!;
    assert.deepEqual(shapeOutput(['setosa', 0.98], shape, 'iris-001'), { ok: true, value: { id: 'iris-001', label: 'setosa', proba: 0.98 } });
    const whole = outputShapeOf({ key: { fromInput: 'id' }, fields: { label: '$' } })!;
    assert.deepEqual(shapeOutput('virginica', whole, 7), { ok: true, value: { id: 7, label: 'virginica' } });
    assert.deepEqual(shapeOutput({ probabilities: [0.1, 0.9] }, outputShapeOf({ key: 'id', fields: { p: '$.probabilities[1]' } })!, undefined), { ok: true, value: { p: 0.9 } });
  });

  it('an object output keeps its fields and takes the input\'s key in place of its own', () => {
    const shape = outputShapeOf({ key: { fromInput: 'id' } })!;
    assert.deepEqual(shapeOutput({ label: 'a', id: 'wrong' }, shape, 'k1'), { ok: true, value: { id: 'k1', label: 'a' } });
  });

  it('a path that finds nothing, or a bare value without fields, is an error saying which', () => {
    const shape = outputShapeOf({ key: { fromInput: 'id' }, fields: { label: '$[0]', proba: '$[2]' } })!;
    assert.deepEqual(shapeOutput(['a', 0.5], shape, 'x'), { ok: false, message: 'field `proba` (`$[2]`) is not in the output' });
    assert.deepEqual(shapeOutput(0.5, outputShapeOf({ key: { fromInput: 'id' } })!, 'x'), { ok: false, message: 'the output is not a JSON object (map a bare prediction to named fields with `output.fields`)' });
  });

  it('the contract model: key `{ fromInput: id }` joins on id; a plain key has no shape', () => {
    const base = { metadata: { name: 'm', version: 1 }, tests: [{ id: 't', inputs: 'i', baseline: 'b' }] };
    const m = contractModel({ ...base, output: { key: { fromInput: 'rid' }, fields: { label: '$' } } });
    assert.equal(m.key, 'rid');
    assert.equal(m.tests[0]!.compare!.key, 'rid');
    assert.deepEqual(m.outputShape, { fromInput: 'rid', fields: [{ name: 'label', path: '$', steps: [] }] });
    assert.equal(contractModel({ ...base, output: { key: 'id' } }).outputShape, undefined);
  });
});

describe('serving presets: request bodies and predictions', () => {
  const rows = [
    { id: 'a', x: 1, y: 2.5, s: 'p' },
    { id: 'b', x: 3, y: 4, s: 'q' },
  ];
  const p = (s: Parameters<typeof protocolOf>[0]): Protocol => {
    const r = protocolOf(s);
    assert.ok(typeof r !== 'string', String(r));
    return r;
  };

  it('mlflow: records, split with chosen fields, and a count mismatch', () => {
    assert.equal(p({ name: 'mlflow' }).path, '/invocations');
    assert.equal(p({ name: 'mlflow' }).body(rows), JSON.stringify({ dataframe_records: rows }));
    assert.equal(p({ name: 'mlflow', format: 'split', fields: ['x', 'y'] }).body(rows), '{"dataframe_split":{"columns":["x","y"],"data":[[1,2.5],[3,4]]}}');
    assert.deepEqual(p({ name: 'mlflow' }).predictions({ predictions: ['a', 'b'] }, 2), ['a', 'b']);
    assert.deepEqual(p({ name: 'mlflow' }).predictions({ predictions: { label: ['a', 'b'] } }, 2), [{ label: 'a' }, { label: 'b' }]);
    assert.equal(p({ name: 'mlflow' }).predictions({ predictions: ['a'] }, 2), '`predictions` has 1 predictions for 2 inputs');
    assert.equal(protocolOf({ name: 'mlflow', format: 'row' }), '`http.format` for mlflow is records or split, not "row"');
  });

  it('tfserving: the path with a version, row and columnar bodies, and the model name required', () => {
    assert.equal(p({ name: 'tfserving', model: 'iris', version: '3' }).path, '/v1/models/iris/versions/3:predict');
    assert.equal(p({ name: 'tfserving', model: 'iris', fields: ['x'] }).body(rows), '{"instances":[{"x":1},{"x":3}]}');
    assert.equal(p({ name: 'tfserving', model: 'iris', format: 'columnar', fields: ['x', 's'] }).body(rows), '{"inputs":{"x":[1,3],"s":["p","q"]}}');
    assert.deepEqual(p({ name: 'tfserving', model: 'iris', format: 'columnar' }).predictions({ outputs: [[0.1, 0.9], [0.8, 0.2]] }, 2), [[0.1, 0.9], [0.8, 0.2]]);
    assert.equal(protocolOf({ name: 'tfserving' }), 'the `tfserving` protocol needs `http.model`, the served model\'s name (`/v1/models/{model}:predict`)');
  });

  it('open-inference: one [n,1] tensor per field with inferred datatypes, or one 2-D tensor; output tensors back to rows', () => {
    const oip = p({ name: 'open-inference', model: 'iris', fields: ['x', 'y', 's'] });
    assert.equal(oip.path, '/v2/models/iris/infer');
    assert.deepEqual(JSON.parse(oip.body(rows)), {
      inputs: [
        { name: 'x', shape: [2, 1], datatype: 'INT64', data: [1, 3] },
        { name: 'y', shape: [2, 1], datatype: 'FP64', data: [2.5, 4] },
        { name: 's', shape: [2, 1], datatype: 'BYTES', data: ['p', 'q'] },
      ],
    });
    assert.deepEqual(JSON.parse(p({ name: 'open-inference', model: 'iris', fields: ['x', 'y'], tensor: 'input-0', datatype: 'FP32' }).body(rows)), {
      inputs: [{ name: 'input-0', shape: [2, 2], datatype: 'FP32', data: [1, 2.5, 3, 4] }],
    });
    const res = { model_name: 'iris', outputs: [{ name: 'label', shape: [2], datatype: 'BYTES', data: ['a', 'b'] }, { name: 'p', shape: [2, 2], datatype: 'FP64', data: [0.1, 0.9, 0.7, 0.3] }] };
    assert.deepEqual(oip.predictions(res, 2), [{ label: 'a', p: [0.1, 0.9] }, { label: 'b', p: [0.7, 0.3] }]);
    assert.equal(oip.predictions(res, 3), 'output tensor `label` has shape [2] for 3 inputs');
    assert.equal(oip.predictions({ outputs: [{ name: 'p', shape: [2, 2], data: [1, 2, 3] }] }, 2), 'output tensor `p` has 3 values for shape [2, 2]');
  });
});
