// A contract whose output schema is an MLflow model's signature
// (`output.schema: { mlflowSignature: model/MLmodel }`), end to end on a copy
// of the example: the real model process (1.4.2, which matches the baseline),
// an MLmodel file as MLflow 2.x writes one for a pyfunc model with named
// output columns, `rollback-lens test` passing on good rows and failing a bad
// row with the exact message; and a broken MLmodel stopping `test` with exit 2
// and a located message.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    cloudpickle_version: 3.0.0
    code: null
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.7
mlflow_version: 2.14.1
model_size_bytes: 5120
model_uuid: 2c9d4e6f8a0b4c1d9e2f3a4b5c6d7e8f
run_id: 7d6c5b4a39284f1e8d7c6b5a49382716
signature:
  inputs: '[{"type": "string", "name": "id", "required": true}, {"type": "double",
    "name": "sepal_length", "required": true}, {"type": "double", "name": "sepal_width",
    "required": true}, {"type": "double", "name": "petal_length", "required": true},
    {"type": "double", "name": "petal_width", "required": true}]'
  outputs: '[{"type": "string", "name": "id", "required": true}, {"type": "string",
    "name": "label", "required": true}, {"type": "double", "name": "probability", "required":
    true}, {"type": "object", "properties": {"setosa": {"type": "double", "required":
    true}, "versicolor": {"type": "double", "required": true}, "virginica": {"type":
    "double", "required": true}}, "name": "scores", "required": false}]'
  params: null
utc_time_created: '2024-06-20 08:31:12.402931'
`;

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${from} in ${file}`);
  writeFileSync(file, text.replace(from, to));
};

/** The example with its output schema taken from model/MLmodel, served by 1.4.2; the schema-only output test checks what the signature rules out. */
function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-mlflow-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  writeFileSync(path.join(dir, 'model', 'MLmodel'), MLMODEL);
  const c = path.join(dir, 'iris.contract.yaml');
  edit(c, 'schema: { $ref: schemas/iris-output.schema.json }', 'schema: { mlflowSignature: model/MLmodel }');
  edit(c, 'command: node model/predict.mjs --model model/v2.json', 'command: node model/predict.mjs --model model/v1.json');
  edit(c, '      - { id: b, label: Iris-setosa, probability: 0.9 }\n      - { id: c, label: setosa, probability: 1.2 }', '      - { id: b, label: setosa, probability: "0.9" }\n      - { id: c, probability: 0.9 }');
  return dir;
}

describe('rollback-lens test: an output schema from an MLflow signature (a real model process)', function () {
  this.timeout(60_000);

  it('good rows pass: the 150 outputs of 1.4.2 and the accepted row match the signature; the rows it rules out are rejected', async () => {
    const dir = workspace();
    const r = await runCli(dir, 'test', 'iris.contract.yaml');
    const lines = r.stdout.split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.deepEqual(lines, [
      'iris.contract.yaml (iris-classifier v3)',
      '  PASS parity — 150 rows matched, 0 missing, 0 extra',
      '    ✓ 10 rules passed',
      '  PASS input-edge-cases — 6 cases',
      '    ✓ 6 rules passed',
      // the signature rejects a probability as text and a row without a label
      '  PASS output-labels — 3 cases',
      '    ✓ 3 rules passed',
      '3 passed, 0 failed',
      '',
    ]);
  });

  it("a bad row fails with the schema message: the model's outputs against a signature whose probability is a long; an accepted case with a probability as text", async () => {
    const dir = workspace();
    edit(path.join(dir, 'model', 'MLmodel'), '{"type": "double", "name": "probability", "required":\n    true}', '{"type": "long", "name": "probability", "required":\n    true}');
    edit(path.join(dir, 'iris.contract.yaml'), '      - { id: a, label: virginica, probability: 1 }', '      - { id: a, label: virginica, probability: 1 }\n      - { id: d, label: setosa, probability: "1" }');
    const r = await runCli(dir, 'test', 'iris.contract.yaml');
    const lines = r.stdout.split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));
    const schemaFailure = 'does not match the output schema: `probability`: expected an integer, found a number';
    assert.deepEqual([r.code, r.stderr], [1, '']);
    assert.deepEqual(lines, [
      'iris.contract.yaml (iris-classifier v3)',
      '  FAIL parity — 150 rows matched, 0 missing, 0 extra',
      `    ✗ output-schema: 150 outputs do not match the output schema; first: current line 1: ${schemaFailure}`,
      '    ✓ 9 rules passed',
      `      current line 1: ${schemaFailure}`,
      `      current line 2: ${schemaFailure}`,
      `      current line 3: ${schemaFailure}`,
      '      … 147 more line problems (see --format json)',
      '  PASS input-edge-cases — 6 cases',
      '    ✓ 6 rules passed',
      '  FAIL output-labels — 4 cases',
      '    ✗ accept[1]: the output schema rejects `d`, which it must accept: `probability`: expected an integer, found a string',
      '    ✓ 3 rules passed',
      '1 passed, 2 failed',
      '',
    ]);
  });

  it('an MLmodel without an output signature stops `test` with exit 2, the file, line:column and why', async () => {
    const dir = workspace();
    edit(path.join(dir, 'model', 'MLmodel'), MLMODEL.slice(MLMODEL.indexOf('  outputs:'), MLMODEL.indexOf('  params:')), '  outputs: null\n');
    const r = await runCli(dir, 'test', 'iris.contract.yaml');
    // located at the null, 1-based
    const text = readFileSync(path.join(dir, 'model', 'MLmodel'), 'utf8');
    const before = text.slice(0, text.indexOf('null\n  params')).split('\n');
    const at = `${before.length}:${before.at(-1)!.length + 1}`;
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [2, '', `rollback-lens: model/MLmodel:${at}: \`signature.outputs\` is null in the MLmodel file: the model was logged without an output schema\n`],
    );
    assert.equal(at, '21:12');
  });
});
