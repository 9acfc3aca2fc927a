// JSON Schema as people write it, end to end through the CLI on real files in
// a temporary workspace: the dialect follows `$schema` (2020-12 with `$defs`,
// `prefixItems` and `unevaluatedProperties: false`; draft-04's boolean
// `exclusiveMaximum`; draft-06), `format` is checked unless `--no-formats`,
// and a schema split across files (a sibling file's `$defs` by JSON Pointer, an
// `$id`, YAML, an OpenAPI document) resolves inside the workspace only. `validate`
// loads and compiles the same schemas with the same loader: a bad `$ref`, an
// uncompilable schema or an unknown dialect is an `invalid-schema` error at the
// reference's exact range, with the message `test` stops with.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../unit/helpers';

const D2020 = 'https://json-schema.org/draft/2020-12/schema';
const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/** A contract over `data/*.jsonl`, its outputs read from `data/current.jsonl`; `extra` replaces its tests. */
function contract(input: string, output: string, tests?: string): string {
  return `apiVersion: rollback-lens/v1
kind: InterfaceContract
metadata:
  name: scorer
  version: 1
input:
  key: id
  schema: ${input}
output:
  key: id
  schema: ${output}
source:
  file: data/current.jsonl
tests:
${
  tests ??
  `  - id: parity
    inputs: data/inputs.jsonl
    baseline: data/baseline.jsonl
    tolerance:
      score: { abs: 0.01 }
`
}`;
}

const COMMON = json({ $schema: D2020, $defs: { id: { type: 'string', minLength: 1 } } });
const INPUT = json({ $schema: D2020, type: 'object', properties: { id: { $ref: 'common.schema.json#/$defs/id' }, x: { type: 'number' } }, required: ['id'] });
const OUTPUT_2020 = json({
  $schema: D2020,
  $defs: { score: { type: 'number', minimum: 0, maximum: 1 } },
  type: 'object',
  properties: {
    id: { $ref: 'common.schema.json#/$defs/id' },
    score: { $ref: '#/$defs/score' },
    range: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false },
  },
  required: ['id', 'score'],
  unevaluatedProperties: false,
});

function workspace(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-schemas-')));
  const all: Record<string, string> = {
    'schemas/common.schema.json': COMMON,
    'schemas/input.schema.json': INPUT,
    'data/inputs.jsonl': '{"id":"a","x":1}\n{"id":"b","x":2}\n',
    'data/baseline.jsonl': '{"id":"a","score":0.5,"range":[0,1]}\n{"id":"b","score":0.7}\n',
    'data/current.jsonl': '{"id":"a","score":0.5,"range":[0,1]}\n{"id":"b","score":0.7}\n',
    ...files,
  };
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

const lines = (s: string) => s.split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));

/** `file:line:col` (1-based) of the `n`-th occurrence of `needle` in the workspace file. */
function at(dir: string, file: string, needle: string, n = 1): string {
  const text = readFileSync(path.join(dir, file), 'utf8');
  let i = -1;
  for (let k = 0; k < n; k++) i = text.indexOf(needle, i + 1);
  assert.notEqual(i, -1, `${needle} in ${file}`);
  const before = text.slice(0, i).split('\n');
  return `${file}:${before.length}:${before.at(-1)!.length + 1}`;
}

async function validateErrors(dir: string, file: string): Promise<string[]> {
  const r = await runCli(dir, 'validate', file);
  return r.stdout.split('\n').filter((l) => / error /.test(l));
}

describe('JSON Schema dialects: `test` reads each as written', function () {
  this.timeout(60_000);

  it('2020-12: $defs, prefixItems and unevaluatedProperties: false reject rows with the exact messages; a sibling file’s $defs by JSON Pointer', async () => {
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ $ref: schemas/output.schema.json }'),
      'schemas/output.schema.json': OUTPUT_2020,
      'data/current.jsonl': '{"id":"a","score":0.5,"range":[0,"1"]}\n{"id":"b","score":0.7,"note":"extra"}\n',
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual([r.code, r.stderr], [1, '']);
    assert.deepEqual(lines(r.stdout), [
      'm.contract.yaml (scorer v1)',
      '  FAIL parity — 2 rows matched, 0 missing, 0 extra',
      '    ✗ output-schema: 2 outputs do not match the output schema; first: current line 1: does not match the output schema: `range[1]`: expected a number, found a string',
      '    ✓ 5 rules passed',
      '      current line 1: does not match the output schema: `range[1]`: expected a number, found a string',
      '      current line 2: does not match the output schema: the record: unknown property `note`',
      '0 passed, 1 failed',
      '',
    ]);
    // the same rows as the baseline pass
    writeFileSync(path.join(dir, 'data/current.jsonl'), readFileSync(path.join(dir, 'data/baseline.jsonl')));
    const ok = await runCli(dir, 'test', 'm.contract.yaml');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), []);
  });

  const edgeCases = (accept: string, reject: string) => `  - id: edges
    against: output
    accept:
${accept}
    reject:
${reject}
`;

  it('draft-04: `exclusiveMaximum: true` (the boolean form) excludes the maximum', async () => {
    const schema = json({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties: { id: { type: 'string' }, score: { type: 'number', maximum: 1, exclusiveMaximum: true } } });
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ $ref: schemas/output.schema.json }', edgeCases('      - { id: a, score: 0.99 }\n      - { id: b, score: 1 }', '      - { id: c, score: 1.5 }')),
      'schemas/input.schema.json': json({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }),
      'schemas/output.schema.json': schema,
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual(lines(r.stdout), [
      'm.contract.yaml (scorer v1)',
      '  FAIL edges — 3 cases',
      '    ✗ accept[1]: the output schema rejects `b`, which it must accept: `score`: must be less than 1, not 1',
      '    ✓ 2 rules passed',
      '0 passed, 1 failed',
      '',
    ]);
    assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), []);
  });

  it('draft-06: `exclusiveMaximum` is a number', async () => {
    const d6 = 'http://json-schema.org/draft-06/schema#';
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ $ref: schemas/output.schema.json }', edgeCases('      - { id: a, score: 0.99 }', '      - { id: b, score: 1 }')),
      'schemas/input.schema.json': json({ $schema: d6, type: 'object' }),
      'schemas/output.schema.json': json({ $schema: d6, type: 'object', properties: { score: { type: 'number', exclusiveMaximum: 1 } } }),
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual([r.code, lines(r.stdout)], [0, ['m.contract.yaml (scorer v1)', '  PASS edges — 2 cases', '    ✓ 2 rules passed', '1 passed, 0 failed', '']]);
  });

  it('format: a `date-time` that is not one fails the row; --no-formats passes it', async () => {
    const output = json({ $schema: D2020, type: 'object', properties: { id: { type: 'string' }, score: { type: 'number' }, at: { type: 'string', format: 'date-time' } }, required: ['id', 'score'] });
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ $ref: schemas/output.schema.json }'),
      'schemas/output.schema.json': output,
      'data/current.jsonl': '{"id":"a","score":0.5,"at":"2026-11-22T10:00:00Z"}\n{"id":"b","score":0.7,"at":"yesterday"}\n',
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(lines(r.stdout).includes('      current line 2: does not match the output schema: `at`: `yesterday` is not a valid date-time'), r.stdout);
    const off = await runCli(dir, 'test', 'm.contract.yaml', '--no-formats');
    assert.deepEqual([off.code, lines(off.stdout)[1]], [0, '  PASS parity — 2 rows matched, 0 missing, 0 extra']);
  });

  it('no `$schema`: draft-07, as before (`prefixItems` means nothing there)', async () => {
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ $ref: schemas/output.schema.json }'),
      'schemas/input.schema.json': json({ type: 'object' }),
      'schemas/output.schema.json': json({ type: 'object', properties: { range: { prefixItems: [{ type: 'number' }] } } }),
      'data/current.jsonl': '{"id":"a","score":0.5,"range":["x"]}\n{"id":"b","score":0.7}\n',
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('schemas across files: `$id`, YAML, OpenAPI, confined to the workspace', function () {
  this.timeout(60_000);

  const rejectShort = `  - id: edges
    against: input
    accept:
      - { id: abc }
    reject:
      - { id: ab }
`;

  it('$id: a $ref to the absolute URI a schema file next to it declares', async () => {
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ type: object }', rejectShort),
      'schemas/input.schema.json': json({ $schema: D2020, type: 'object', properties: { id: { $ref: 'https://schemas.example.com/iris/ids.json#/$defs/id' } } }),
      'schemas/ids.schema.json': json({ $schema: D2020, $id: 'https://schemas.example.com/iris/ids.json', $defs: { id: { type: 'string', minLength: 3 } } }),
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual([r.code, lines(r.stdout)[1]], [0, '  PASS edges — 2 cases']);
    assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), []);
  });

  it('a schema written in YAML, referring to a YAML file', async () => {
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.yaml }', '{ type: object }', rejectShort),
      'schemas/input.schema.yaml': `$schema: ${D2020}\ntype: object\nproperties:\n  id: { $ref: "ids.yml#/$defs/id" }\n`,
      'schemas/ids.yml': '$defs:\n  id: { type: string, minLength: 3 }\n',
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual([r.code, lines(r.stdout)[1]], [0, '  PASS edges — 2 cases']);
    assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), []);
  });

  it('a schema from an OpenAPI 3.1 document: `openapi.json#/components/schemas/IrisRequest`, its internal refs against the document', async () => {
    const openapi = json({
      openapi: '3.1.0',
      info: { title: 'iris', version: '1.0.0' },
      paths: {},
      components: {
        schemas: {
          IrisRequest: { type: 'object', properties: { id: { $ref: '#/components/schemas/RecordId' } }, required: ['id'], unevaluatedProperties: false },
          RecordId: { type: 'string', minLength: 3 },
        },
      },
    });
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: api/openapi.json#/components/schemas/IrisRequest }', '{ type: object }', rejectShort.replace('      - { id: ab }', '      - { id: ab }\n      - { id: abc, extra: 1 }')),
      'api/openapi.json': openapi,
    });
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual([r.code, lines(r.stdout)[1]], [0, '  PASS edges — 3 cases']);
    assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), []);
  });

  it('a $ref through a link that leads out of the workspace: refused naming the $ref, in `test` and `validate`', async () => {
    const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-outside-')));
    writeFileSync(path.join(outside, 'ids.json'), json({ $defs: { id: { type: 'string' } } }));
    const dir = workspace({
      'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ type: object }', rejectShort),
      'schemas/input.schema.json': json({ properties: { id: { $ref: 'ids.json#/$defs/id' } } }),
    });
    symlinkSync(path.join(outside, 'ids.json'), path.join(dir, 'schemas', 'ids.json'));
    const message = 'the input schema `schemas/input.schema.json` cannot be used: the `$ref` `ids.json#/$defs/id` in `schemas/input.schema.json` is outside the workspace (through a link)';
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: ${message}\n`]);
    assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), [`${at(dir, 'm.contract.yaml', 'schemas/input.schema.json')}: error invalid-schema ${message}`]);
  });

  it('a $ref out of the workspace or to the network: `test` stops naming the $ref, `validate` errs at the contract’s reference', async () => {
    for (const [ref, why] of [
      ['../../../../etc/passwd', 'the `$ref` `../../../../etc/passwd` in `schemas/input.schema.json` is outside the workspace'],
      [
        'http://schemas.example.com/ids.json#/$defs/id',
        'the `$ref` `http://schemas.example.com/ids.json#/$defs/id` in `schemas/input.schema.json` names `http://schemas.example.com/ids.json`, which no schema file declares as its `$id` (looked in the loaded files and next to `schemas/input.schema.json`); Rollback Lens does not fetch schemas from the network',
      ],
    ] as const) {
      const dir = workspace({
        'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ type: object }', rejectShort),
        'schemas/input.schema.json': json({ $schema: D2020, properties: { id: { $ref: ref } } }),
      });
      const message = `the input schema \`schemas/input.schema.json\` cannot be used: ${why}`;
      const r = await runCli(dir, 'test', 'm.contract.yaml');
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `rollback-lens: ${message}\n`]);
      assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), [`${at(dir, 'm.contract.yaml', 'schemas/input.schema.json')}: error invalid-schema ${message}`]);
    }
  });
});

describe('validate compiles the schemas `test` uses: located errors, the same messages', function () {
  this.timeout(60_000);

  for (const [name, files, message] of [
    [
      'a $ref whose pointer leads nowhere',
      { 'schemas/output.schema.json': json({ $schema: D2020, properties: { id: { $ref: 'common.schema.json#/$defs/nope' } } }) },
      "the output schema `schemas/output.schema.json` cannot be compiled: can't resolve reference common.schema.json#/$defs/nope from id schemas/output.schema.json",
    ],
    [
      'a schema that cannot be compiled',
      { 'schemas/output.schema.json': json({ $schema: D2020, properties: { id: { type: 'strin' } } }) },
      'the output schema `schemas/output.schema.json` cannot be compiled: schema is invalid: data/properties/id/type must be equal to one of the allowed values, data/properties/id/type must be array, data/properties/id/type must match a schema in anyOf',
    ],
    [
      'an unknown dialect',
      { 'schemas/output.schema.json': json({ $schema: 'https://example.com/schemas/v1', type: 'object' }) },
      'the output schema `schemas/output.schema.json` cannot be used: unknown JSON Schema dialect `https://example.com/schemas/v1` (Rollback Lens reads `https://json-schema.org/draft/2020-12/schema`, `https://json-schema.org/draft/2019-09/schema`, `http://json-schema.org/draft-07/schema#`, `http://json-schema.org/draft-06/schema#`, `http://json-schema.org/draft-04/schema#`)',
    ],
    [
      'a missing file a $ref names',
      { 'schemas/output.schema.json': json({ $schema: D2020, properties: { id: { $ref: 'ids.schema.json#/$defs/id' } } }) },
      'the output schema `schemas/output.schema.json` cannot be used: `schemas/ids.schema.json` does not exist (the `$ref` `ids.schema.json#/$defs/id` in `schemas/output.schema.json`)',
    ],
  ] as const) {
    it(`${name}: an error at the contract's $ref, and \`test\` stops with the same message`, async () => {
      const dir = workspace({ 'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', '{ $ref: schemas/output.schema.json }'), ...files });
      assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), [`${at(dir, 'm.contract.yaml', 'schemas/output.schema.json')}: error invalid-schema ${message}`]);
      const r = await runCli(dir, 'test', 'm.contract.yaml');
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `rollback-lens: ${message}\n`]);
    });
  }

  it('an inline schema with a bad $ref: the error is at its `schema` key', async () => {
    const dir = workspace({ 'm.contract.yaml': contract('{ $ref: schemas/input.schema.json }', `{ $schema: "${D2020}", type: object, properties: { id: { $ref: "schemas/common.schema.json#/$defs/nope" } } }`) });
    const message = "the output schema cannot be compiled: can't resolve reference schemas/common.schema.json#/$defs/nope from id m.contract.yaml";
    assert.deepEqual(await validateErrors(dir, 'm.contract.yaml'), [`${at(dir, 'm.contract.yaml', 'schema:', 2)}: error invalid-schema ${message}`]);
    const r = await runCli(dir, 'test', 'm.contract.yaml');
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: ${message}\n`]);
  });
});

describe("a runbook's state schemas: the same loader in validate and dry-run", function () {
  this.timeout(60_000);
  const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

  function runbookWorkspace(files: Record<string, string>): string {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-state-schemas-')));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), text);
    }
    const file = path.join(dir, 'iris.runbook.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('targetReads: state/profile.v3.schema.json', 'targetReads: state/reads.schema.json'));
    return dir;
  }

  it('a 2020-12 state schema split across files is read: the samples are checked against it', async () => {
    const dir = runbookWorkspace({
      'state/reads.schema.json': json({
        $schema: D2020,
        type: 'object',
        required: ['user_id', 'locale', 'consent'],
        properties: {
          user_id: { $ref: 'defs.schema.json#/$defs/userId' },
          // preserved: its type is read through the $ref (and the $ref inside defs.schema.json)
          locale: { $ref: 'defs.schema.json#/$defs/locale' },
          consent: { type: 'object' },
          favourite_species: { type: 'array', prefixItems: [{ $ref: 'defs.schema.json#/$defs/species' }] },
        },
      }),
      'state/defs.schema.json': json({
        $schema: D2020,
        $defs: { userId: { type: 'string', pattern: '^u-[0-9]+$' }, locale: { $ref: '#/$defs/tag' }, tag: { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$' }, species: { enum: ['setosa', 'versicolor', 'virginica'] } },
      }),
    });
    assert.deepEqual(await validateErrors(dir, 'iris.runbook.yaml'), []);
    const r = await runCli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json');
    const report = JSON.parse(r.stdout) as { findings: Array<{ code: string; message: string }> };
    assert.deepEqual(report.findings.filter((f) => f.code.startsWith('state-') || f.code === 'invalid-schema'), []);
    // a sample the split schema rules out (its first species, through the $ref into defs.schema.json)
    const samples = path.join(dir, 'state', 'samples.jsonl');
    writeFileSync(samples, readFileSync(samples, 'utf8').replace('"favourite_species":["setosa"]', '"favourite_species":["rose"]'));
    const bad = JSON.parse((await runCli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json')).stdout) as { findings: Array<{ code: string; message: string }> };
    assert.deepEqual(
      bad.findings.filter((f) => f.code.startsWith('state-')).map((f) => f.message),
      ['state/samples.jsonl line 1: the target cannot read it (state/reads.schema.json): /favourite_species/0 must be equal to one of the allowed values'],
    );
  });

  it('a state schema’s `format` is checked in the dry-run, unless --no-formats', async () => {
    const dir = runbookWorkspace({ 'state/reads.schema.json': json({ $schema: D2020, type: 'object', properties: { user_id: { type: 'string', format: 'email' } } }) });
    const findings = async (...extra: string[]) =>
      (JSON.parse((await runCli(dir, 'dry-run', 'iris.runbook.yaml', '--format', 'json', ...extra)).stdout) as { findings: Array<{ code: string; message: string }> }).findings
        .filter((f) => f.code === 'state-incompatible')
        .map((f) => f.message);
    // one finding at `samples` (the dry-run lists a problem at one place once): the first sample's
    assert.deepEqual(await findings(), ['state/samples.jsonl line 1: the target cannot read it (state/reads.schema.json): /user_id must match format "email"']);
    assert.deepEqual(await findings('--no-formats'), []);
  });

  it('a state schema with a $ref that leads nowhere: validate errs at `targetReads`, and the dry-run reports that one finding', async () => {
    const dir = runbookWorkspace({
      'state/reads.schema.json': json({ $schema: D2020, type: 'object', properties: { locale: { $ref: 'defs.schema.json#/$defs/nope' } } }),
      'state/defs.schema.json': json({ $schema: D2020, $defs: {} }),
    });
    const message = "state schema `state/reads.schema.json` cannot be compiled: can't resolve reference defs.schema.json#/$defs/nope from id state/reads.schema.json";
    const where = at(dir, 'iris.runbook.yaml', 'state/reads.schema.json');
    assert.deepEqual(await validateErrors(dir, 'iris.runbook.yaml'), [`${where}: error invalid-schema ${message}`]);
    const r = await runCli(dir, 'dry-run', 'iris.runbook.yaml');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(
      r.stdout.split('\n').filter((l) => l.includes('reads.schema.json')),
      [`  ${where}: error invalid-schema ${message}`],
    );
  });
});
