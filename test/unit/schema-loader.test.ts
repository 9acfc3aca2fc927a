// The one schema loader (src/core/contract/schemas/) on an in-memory
// workspace: the dialect follows `$schema` (2020-12, 2019-09, draft-07,
// draft-06, draft-04; none is draft-07; any other URI is an error naming it),
// `format` is checked unless turned off, and a schema split across files
// (relative `$ref`s with JSON Pointers, `$id`s, YAML, an OpenAPI document) is
// resolved inside the workspace only.
import * as assert from 'node:assert/strict';
import { dialectOf, loadSchema, type LoadedSchema } from '../../src/core/contract/schemas';
import { compareContracts, loadContractVersion } from '../../src/core/contract/compat';
import { CLEAN_CONTRACT, CLEAN_FILES, CLEAN_RUNBOOK, FakeHost, NOW, spanIn, spanOf, validate } from './helpers';

const json = (v: unknown) => JSON.stringify(v, null, 2);

async function load(files: Record<string, string>, ref: string, options: { formats?: boolean; outside?: string[] } = {}): Promise<LoadedSchema> {
  const host = new FakeHost({ files, ...(options.outside ? { outside: options.outside } : {}) });
  return loadSchema({ ref }, 'm.contract.yaml', host, options.formats === false ? { formats: false } : {});
}

function ok(r: LoadedSchema): Extract<LoadedSchema, { ok: true }> {
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r;
}

function firstError(r: LoadedSchema, row: unknown): string | undefined {
  const v = ok(r).validate;
  if (v(row)) return undefined;
  const e = v.errors![0]!;
  return `${e.instancePath} ${e.keyword} ${e.message}`;
}

describe('schema loader: dialects', () => {
  it('`$schema` names the dialect (http or https, with or without `#`); no `$schema` is draft-07', () => {
    assert.deepEqual(
      [
        'https://json-schema.org/draft/2020-12/schema',
        'https://json-schema.org/draft/2019-09/schema',
        'http://json-schema.org/draft-07/schema#',
        'https://json-schema.org/draft-07/schema',
        'http://json-schema.org/draft-06/schema#',
        'http://json-schema.org/draft-04/schema#',
        undefined,
      ].map((u) => dialectOf(u)),
      ['2020-12', '2019-09', 'draft-07', 'draft-07', 'draft-06', 'draft-04', 'draft-07'].map((dialect) => ({ ok: true, dialect })),
    );
  });

  it('an unknown `$schema` is an error naming the URI', async () => {
    const r = await load({ 's.json': json({ $schema: 'https://example.com/my-dialect', type: 'object' }) }, 's.json');
    assert.deepEqual(r, {
      ok: false,
      message:
        'unknown JSON Schema dialect `https://example.com/my-dialect` (Rollback Lens reads `https://json-schema.org/draft/2020-12/schema`, `https://json-schema.org/draft/2019-09/schema`, `http://json-schema.org/draft-07/schema#`, `http://json-schema.org/draft-06/schema#`, `http://json-schema.org/draft-04/schema#`)',
    });
  });

  it('2020-12: prefixItems, $defs and unevaluatedProperties: false apply', async () => {
    const r = await load(
      {
        's.json': json({
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          $defs: { p: { type: 'number', minimum: 0 } },
          type: 'object',
          properties: { id: { type: 'string' }, v: { type: 'array', prefixItems: [{ $ref: '#/$defs/p' }, { type: 'string' }] } },
          unevaluatedProperties: false,
        }),
      },
      's.json',
    );
    assert.equal(ok(r).dialect, '2020-12');
    assert.equal(firstError(r, { id: 'a', v: [1, 'x'] }), undefined);
    assert.equal(firstError(r, { id: 'a', v: [-1, 'x'] }), '/v/0 minimum must be >= 0');
    assert.equal(firstError(r, { id: 'a', extra: 1 }), ' unevaluatedProperties must NOT have unevaluated properties');
  });

  it('2019-09: dependentRequired applies', async () => {
    const r = await load({ 's.json': json({ $schema: 'https://json-schema.org/draft/2019-09/schema', dependentRequired: { a: ['b'] } }) }, 's.json');
    assert.equal(firstError(r, { a: 1 }), ' dependentRequired must have property b when property a is present');
  });

  it('draft-04: exclusiveMaximum is the boolean form; draft-06: the number form', async () => {
    const d4 = await load({ 's.json': json({ $schema: 'http://json-schema.org/draft-04/schema#', properties: { p: { type: 'number', maximum: 1, exclusiveMaximum: true } } }) }, 's.json');
    assert.equal(ok(d4).dialect, 'draft-04');
    assert.equal(firstError(d4, { p: 0.5 }), undefined);
    assert.equal(firstError(d4, { p: 1 }), '/p maximum must be < 1');
    const d6 = await load({ 's.json': json({ $schema: 'http://json-schema.org/draft-06/schema#', properties: { p: { exclusiveMaximum: 1 } } }) }, 's.json');
    assert.equal(ok(d6).dialect, 'draft-06');
    assert.equal(firstError(d6, { p: 1 }), '/p exclusiveMaximum must be < 1');
    // the boolean form is not draft-06
    const wrong = await load({ 's.json': json({ $schema: 'http://json-schema.org/draft-06/schema#', properties: { p: { maximum: 1, exclusiveMaximum: true } } }) }, 's.json');
    assert.deepEqual(wrong, { ok: false, message: 'cannot be compiled: schema is invalid: data/properties/p/exclusiveMaximum must be number' });
  });

  it('format is checked, unless turned off', async () => {
    const files = { 's.json': json({ properties: { e: { type: 'string', format: 'email' }, t: { format: 'date-time' } } }) };
    assert.equal(firstError(await load(files, 's.json'), { e: 'not-an-address' }), '/e format must match format "email"');
    assert.equal(firstError(await load(files, 's.json'), { t: '2026-13-01T00:00:00Z' }), '/t format must match format "date-time"');
    assert.equal(firstError(await load(files, 's.json', { formats: false }), { e: 'not-an-address', t: 'x' }), undefined);
    // an unknown format is no error (as before formats were checked)
    assert.equal(firstError(await load({ 's.json': json({ format: 'iris-id' }) }, 's.json'), 'x'), undefined);
  });

  it('an unchanged schema is compiled once (the language service loads on every edit); a change, or formats off, compiles anew', async () => {
    const files = { 's.json': json({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'number' } } }) };
    const a = ok(await load(files, 's.json')).validate;
    assert.equal(ok(await load(files, 's.json')).validate, a);
    assert.notEqual(ok(await load(files, 's.json', { formats: false })).validate, a);
    const changed = ok(await load({ 's.json': files['s.json'].replace('number', 'string') }, 's.json')).validate;
    assert.notEqual(changed, a);
    assert.deepEqual([a({ n: 'x' }), changed({ n: 'x' })], [false, true]);
  });

  it('a schema that cannot be compiled: ajv’s words', async () => {
    assert.deepEqual(await load({ 's.json': json({ type: 'strin' }) }, 's.json'), {
      ok: false,
      message: 'cannot be compiled: schema is invalid: data/type must be equal to one of the allowed values, data/type must be array, data/type must match a schema in anyOf',
    });
  });
});

describe('schema loader: schemas across files', () => {
  const common = json({ $schema: 'https://json-schema.org/draft/2020-12/schema', $defs: { id: { type: 'string', minLength: 3 } } });
  const input = (ref: string) => json({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { id: { $ref: ref } }, required: ['id'] });

  it('a relative $ref with a JSON Pointer into a sibling file', async () => {
    const r = await load({ 'schemas/in.json': input('common.schema.json#/$defs/id'), 'schemas/common.schema.json': common }, 'schemas/in.json');
    assert.deepEqual(ok(r).files, ['schemas/in.json', 'schemas/common.schema.json']);
    assert.equal(firstError(r, { id: 'abc' }), undefined);
    assert.equal(firstError(r, { id: 'ab' }), '/id minLength must NOT have fewer than 3 characters');
  });

  it('a pointer that leads nowhere: ajv’s "can’t resolve reference", with workspace paths', async () => {
    const r = await load({ 'schemas/in.json': input('common.schema.json#/$defs/nope'), 'schemas/common.schema.json': common }, 'schemas/in.json');
    assert.deepEqual(r, { ok: false, message: "cannot be compiled: can't resolve reference common.schema.json#/$defs/nope from id schemas/in.json" });
  });

  it('a missing file, a path out of the workspace, a link out of it, a remote URL: errors naming the $ref, nothing read', async () => {
    const host = (files: Record<string, string>, outside: string[] = []) => new FakeHost({ files, outside });
    const h1 = host({ 'schemas/in.json': input('nope.schema.json#/$defs/id') });
    assert.deepEqual(await loadSchema({ ref: 'schemas/in.json' }, 'm.contract.yaml', h1), {
      ok: false,
      message: '`schemas/nope.schema.json` does not exist (the `$ref` `nope.schema.json#/$defs/id` in `schemas/in.json`)',
    });
    const h2 = host({ 'schemas/in.json': input('../../etc/passwd') });
    assert.deepEqual(await loadSchema({ ref: 'schemas/in.json' }, 'm.contract.yaml', h2), { ok: false, message: 'the `$ref` `../../etc/passwd` in `schemas/in.json` is outside the workspace' });
    assert.deepEqual(h2.reads, ['schemas/in.json']);
    const h3 = host({ 'schemas/in.json': input('link.json'), 'schemas/link.json': '{}' }, ['schemas/link.json']);
    assert.deepEqual(await loadSchema({ ref: 'schemas/in.json' }, 'm.contract.yaml', h3), { ok: false, message: 'the `$ref` `link.json` in `schemas/in.json` is outside the workspace (through a link)' });
    assert.deepEqual(h3.reads, ['schemas/in.json']);
    const h4 = host({ 'schemas/in.json': input('http://example.com/common.json#/$defs/id') });
    assert.deepEqual(await loadSchema({ ref: 'schemas/in.json' }, 'm.contract.yaml', h4), {
      ok: false,
      message:
        'the `$ref` `http://example.com/common.json#/$defs/id` in `schemas/in.json` names `http://example.com/common.json`, which no schema file declares as its `$id` (looked in the loaded files and next to `schemas/in.json`); Rollback Lens does not fetch schemas from the network',
    });
    assert.deepEqual(h4.reads, ['schemas/in.json']);
    assert.deepEqual(await loadSchema({ ref: '../x.json' }, 'm.contract.yaml', host({})), { ok: false, message: '`../x.json` is outside the workspace', root: 'outside' });
    assert.deepEqual(await loadSchema({ ref: 'x.json' }, 'm.contract.yaml', host({})), { ok: false, message: '`x.json` does not exist', root: 'missing' });
  });

  it('paths with spaces and percent-escapes; a $ref to the dialect’s meta-schema is ajv’s own, not fetched', async () => {
    const files = {
      'my schemas/in.json': input('my%20common.json#/$defs/id'),
      'my schemas/my common.json': common,
      'meta.json': json({ $schema: 'http://json-schema.org/draft-07/schema#', properties: { s: { $ref: 'http://json-schema.org/draft-07/schema#' } } }),
    };
    assert.equal(firstError(await load(files, 'my schemas/in.json'), { id: 'ab' }), '/id minLength must NOT have fewer than 3 characters');
    const meta = await load(files, 'meta.json');
    assert.equal(firstError(meta, { s: { type: 'object' } }), undefined);
    assert.equal(firstError(meta, { s: { type: 'strin' } }), '/s/type enum must be equal to one of the allowed values');
  });

  it('$id: a $ref to an absolute URI another file next to it declares', async () => {
    const files = {
      'schemas/in.json': input('https://schemas.example.com/iris/common.json#/$defs/id'),
      'schemas/other.json': json({ $id: 'https://schemas.example.com/iris/other.json' }),
      'schemas/common.schema.json': json({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://schemas.example.com/iris/common.json', $defs: { id: { type: 'string', minLength: 3 } } }),
    };
    const r = await load(files, 'schemas/in.json');
    assert.deepEqual(ok(r).files, ['schemas/in.json', 'schemas/common.schema.json']);
    assert.equal(firstError(r, { id: 'ab' }), '/id minLength must NOT have fewer than 3 characters');
  });

  it('$id: a relative $ref inside a schema with an absolute $id reads the sibling file', async () => {
    const files = {
      'schemas/in.json': json({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://schemas.example.com/iris/in.json', properties: { id: { $ref: 'common.schema.json#/$defs/id' } } }),
      'schemas/common.schema.json': common,
    };
    assert.equal(firstError(await load(files, 'schemas/in.json'), { id: 'ab' }), '/id minLength must NOT have fewer than 3 characters');
  });

  it('a YAML schema referring to a YAML file', async () => {
    const files = {
      'schemas/in.yaml': '$schema: https://json-schema.org/draft/2020-12/schema\ntype: object\nproperties:\n  id: { $ref: "common.yml#/$defs/id" }\n',
      'schemas/common.yml': '$defs:\n  id: { type: string, minLength: 3 }\n',
    };
    assert.equal(firstError(await load(files, 'schemas/in.yaml'), { id: 'ab' }), '/id minLength must NOT have fewer than 3 characters');
    const bad = await load({ 's.yaml': 'type: [object\n' }, 's.yaml');
    assert.equal(bad.ok, false);
    assert.match((bad as { message: string }).message, /^`s\.yaml` is not valid YAML: \d+:\d+: /);
  });

  it('a schema from an OpenAPI 3.1 document: its #/components/schemas refs resolve against the document', async () => {
    const openapi = json({
      openapi: '3.1.0',
      info: { title: 'iris', version: '1' },
      // a path item in a file of its own (not a schema: not read)
      paths: { '/predict': { $ref: 'paths/predict.yaml' } },
      components: { schemas: { IrisRequest: { type: 'object', properties: { id: { $ref: '#/components/schemas/Id' } }, required: ['id'] }, Id: { type: 'string', minLength: 3 } } },
    });
    const r = await load({ 'api/openapi.json': openapi }, 'api/openapi.json#/components/schemas/IrisRequest');
    assert.equal(ok(r).dialect, '2020-12');
    assert.deepEqual(ok(r).schema, JSON.parse(openapi).components.schemas.IrisRequest);
    assert.equal(firstError(r, { id: 'ab' }), '/id minLength must NOT have fewer than 3 characters');
    assert.equal(firstError(r, {}), ' required must have required property \'id\'');
    assert.deepEqual(await load({ 'api/openapi.json': openapi }, 'api/openapi.json#/components/schemas/Nope'), { ok: false, message: '`#/components/schemas/Nope` points at nothing in `api/openapi.json`' });
    // OpenAPI 3.0: draft-04
    assert.equal(ok(await load({ 'o.json': json({ openapi: '3.0.3', components: { schemas: { A: { type: 'number' } } } }) }, 'o.json#/components/schemas/A')).dialect, 'draft-04');
  });

  it('files of one schema share a dialect', async () => {
    const r = await load({ 'in.json': input('common.json#/$defs/id'), 'common.json': json({ $schema: 'http://json-schema.org/draft-07/schema#', definitions: {} }) }, 'in.json');
    assert.deepEqual(r, { ok: false, message: '`common.json` is written in JSON Schema draft-07 but `in.json` in 2020-12: the files of one schema must share a dialect' });
  });

  it('an inline schema: its relative $refs are taken from the document it is written in', async () => {
    const host = new FakeHost({ files: { 'c/schemas/common.schema.json': common } });
    const r = await loadSchema({ inline: { $schema: 'https://json-schema.org/draft/2020-12/schema', properties: { id: { $ref: 'schemas/common.schema.json#/$defs/id' } } } }, 'c/m.contract.yaml', host);
    assert.deepEqual(ok(r).files, ['c/schemas/common.schema.json']);
    assert.equal(firstError(r, { id: 'ab' }), '/id minLength must NOT have fewer than 3 characters');
  });
});

describe('the language service (validate, the editor) compiles the schemas a document names: invalid-schema at the reference', () => {
  const D2020 = 'https://json-schema.org/draft/2020-12/schema';

  it("a contract's output schema with a $ref that leads nowhere: the error spans the `$ref` value", async () => {
    const text = CLEAN_CONTRACT;
    const ds = await validate(text, {
      path: 'iris.contract.yaml',
      extraFiles: { 'schemas/iris-output.schema.json': json({ $schema: D2020, properties: { id: { $ref: 'ids.json#/$defs/nope' } } }), 'schemas/ids.json': json({ $defs: {} }) },
    });
    assert.deepEqual(
      ds.filter((d) => d.severity === 'error').map((d) => [d.code, d.span, d.message]),
      [['invalid-schema', spanOf(text, 'schemas/iris-output.schema.json'), "the output schema `schemas/iris-output.schema.json` cannot be compiled: can't resolve reference ids.json#/$defs/nope from id schemas/iris-output.schema.json"]],
    );
  });

  it('a runbook’s state schema declaring an unknown dialect: the error spans the `targetReads` value', async () => {
    const text = CLEAN_RUNBOOK;
    const ds = await validate(text, { extraFiles: { 'state/profile.v3.schema.json': json({ $schema: 'urn:example:dialect' }) } });
    assert.deepEqual(
      ds.filter((d) => d.severity === 'error').map((d) => [d.code, d.span, d.message.slice(0, d.message.indexOf(' (Rollback Lens reads'))]),
      [['invalid-schema', spanOf(text, 'state/profile.v3.schema.json'), 'state schema `state/profile.v3.schema.json` cannot be used: unknown JSON Schema dialect `urn:example:dialect`']],
    );
  });

  it('the named file missing is the file check’s missing-file, not also invalid-schema; an OpenAPI pointer is no part of the file name', async () => {
    const text = CLEAN_CONTRACT.replace('schemas/iris-output.schema.json', 'schemas/nope.json');
    const ds = await validate(text, { path: 'iris.contract.yaml' });
    assert.deepEqual(ds.map((d) => d.code), ['missing-file']);
    const api = CLEAN_CONTRACT.replace('schemas/iris-output.schema.json', 'api/openapi.json#/components/schemas/Out');
    const openapi = json({
      openapi: '3.1.0',
      components: { schemas: { Out: { type: 'object', properties: { id: { $ref: '#/components/schemas/Id' }, label: { type: 'string' }, probability: { type: 'number' } } }, Id: { type: 'string' } } },
    });
    assert.deepEqual(await validate(api, { path: 'iris.contract.yaml', extraFiles: { 'api/openapi.json': openapi } }), []);
  });

  it('a tolerance field is looked up in a schema inside an OpenAPI document, its refs resolved in the document', async () => {
    const openapi = json({
      openapi: '3.1.0',
      components: {
        schemas: {
          Out: { type: 'object', additionalProperties: false, properties: { id: { type: 'string' }, label: { type: 'string' }, probability: { $ref: '#/components/schemas/P' } } },
          P: { type: 'string' },
        },
      },
    });
    const text = CLEAN_CONTRACT.replace('schemas/iris-output.schema.json', 'api/openapi.json#/components/schemas/Out').replace('probability: { abs: 0.05 }', 'probabilty: { abs: 0.05 }');
    const ds = await validate(text, { path: 'iris.contract.yaml', extraFiles: { 'api/openapi.json': openapi } });
    assert.deepEqual(
      ds.map((d) => [d.code, d.message]),
      [
        ['unknown-field', '`probabilty` is not a field of the output schema (`api/openapi.json#/components/schemas/Out`), so no row can be compared — did you mean `probability`?'],
        ['field-not-numeric', '`probability` is a string in the output schema; `psi` compares numbers'],
      ],
    );
  });

  it('a 2020-12 output schema closed with unevaluatedProperties: false: a misspelt tolerance field is an error, as with additionalProperties: false', async () => {
    const schema = json({ $schema: D2020, type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' }, probability: { type: 'number' } }, unevaluatedProperties: false });
    const text = CLEAN_CONTRACT.replace('probability: { abs: 0.05 }', 'probabilty: { abs: 0.05 }');
    const ds = await validate(text, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': schema } });
    assert.deepEqual(
      ds.map((d) => [d.severity, d.code, d.message]),
      [['error', 'unknown-field', '`probabilty` is not a field of the output schema (`schemas/iris-output.schema.json`), so no row can be compared — did you mean `probability`?']],
    );
  });
});

describe('compat: a schema inside an OpenAPI document (`openapi.json#/components/schemas/X`)', () => {
  const contractText = `apiVersion: rollback-lens/v1
kind: InterfaceContract
metadata: { name: scorer, version: 1 }
input:
  schema: { $ref: api/openapi.json#/components/schemas/Req }
  key: id
output:
  schema: { type: object }
  key: id
`;
  const openapi = (idType: string) =>
    json({
      openapi: '3.1.0',
      info: { title: 'scorer', version: '1' },
      components: { schemas: { Req: { type: 'object', properties: { id: { $ref: '#/components/schemas/Id' } }, additionalProperties: false }, Id: { type: idType } } },
    });
  const reader = (files: Record<string, string>) => async (p: string) => files[p];

  it('its #/components refs are followed in the document: a changed definition is a located change', async () => {
    const before = await loadContractVersion('m.contract.yaml', reader({ 'm.contract.yaml': contractText, 'api/openapi.json': openapi('string') }));
    const after = await loadContractVersion('m.contract.yaml', reader({ 'm.contract.yaml': contractText, 'api/openapi.json': openapi('integer') }));
    const r = compareContracts(before, after, { now: NOW });
    assert.deepEqual(
      r.changes.map((c) => [c.class, c.code, c.field ?? '', `${c.location.file}#${c.location.pointer}`]),
      [
        ['breaking', 'type-changed', 'input.id', 'api/openapi.json#/components/schemas/Id'],
        ['risky', 'version-not-bumped', '', 'm.contract.yaml#/metadata/version'],
      ],
    );
    assert.deepEqual(compareContracts(before, before, { now: NOW }).changes, []);
  });

  it('a pointer that leads nowhere is an error naming the file and the pointer', async () => {
    await assert.rejects(
      loadContractVersion('m.contract.yaml', reader({ 'm.contract.yaml': contractText.replace('/Req', '/Nope'), 'api/openapi.json': openapi('string') })),
      { message: 'api/openapi.json: `#/components/schemas/Nope` (from input.schema `api/openapi.json#/components/schemas/Nope`) points at nothing in it' },
    );
  });
});

describe('field checks and compat follow $refs into other files of the workspace (`common.schema.json#/$defs/...`)', () => {
  const D2020 = 'https://json-schema.org/draft/2020-12/schema';
  const output = json({
    $schema: D2020,
    type: 'object',
    properties: { id: { type: 'string' }, label: { $ref: 'common.schema.json#/$defs/label' }, probability: { $ref: 'common.schema.json#/$defs/probability' }, scores: { $ref: 'common.schema.json#/$defs/scores' } },
    unevaluatedProperties: false,
  });
  const common = (probability: unknown) =>
    json({
      $schema: D2020,
      $defs: {
        label: { type: 'string' },
        probability,
        // a ref inside the other file resolves in that file
        scores: { type: 'object', additionalProperties: false, properties: { setosa: { $ref: '#/$defs/p' } } },
        p: { type: 'number' },
      },
    });

  it('a tolerance field defined in another file: its type is read there (field-not-numeric), a misspelt one below it is unknown-field', async () => {
    const text = CLEAN_CONTRACT.replace('probability: { abs: 0.05 }', 'probability: { abs: 0.05 }\n      scores.setosaa: { abs: 0.01 }\n      scores.setosa: { abs: 0.01 }');
    const ds = await validate(text, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': output, 'schemas/common.schema.json': common({ type: 'string' }) } });
    assert.deepEqual(
      ds.map((d) => [d.severity, d.code, d.message]),
      [
        ['error', 'field-not-numeric', '`probability` is a string in the output schema; `abs` compares numbers'],
        ['error', 'unknown-field', '`scores.setosaa` is not a field of the output schema (`schemas/iris-output.schema.json`): `scores` has no property `setosaa`, so no row can be compared — did you mean `scores.setosa`?'],
        ['error', 'field-not-numeric', '`probability` is a string in the output schema; `psi` compares numbers'],
      ],
    );
    assert.deepEqual(await validate(text.replace(/\n {6}scores\.setosaa: \{ abs: 0\.01 \}/, ''), { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': output, 'schemas/common.schema.json': common({ type: 'number' }) } }), []);
  });

  it('an output schema that is itself a $ref into another file; `output.fields` names are looked up there too', async () => {
    const root = json({ $schema: D2020, $ref: 'common.schema.json#/$defs/out' });
    const defs = json({ $schema: D2020, $defs: { out: { type: 'object', additionalProperties: false, properties: { id: { type: 'string' }, label: { type: 'string' }, probability: { type: 'number' } } } } });
    const text = CLEAN_CONTRACT.replace('probability: { abs: 0.05 }', 'probabilty: { abs: 0.05 }').replace('output:\n  key: id\n', 'output:\n  key: { fromInput: id }\n  fields: { label: "$[0]", proba: "$[1]" }\n');
    const ds = await validate(text, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': root, 'schemas/common.schema.json': defs } });
    assert.deepEqual(
      ds.filter((d) => d.code === 'unknown-field').map((d) => d.message),
      [
        '`output.fields` names `proba`, which is not a field of the output schema (`schemas/iris-output.schema.json`): the shaped output would not validate',
        '`probabilty` is not a field of the output schema (`schemas/iris-output.schema.json`), so no row can be compared — did you mean `probability`?',
      ],
    );
  });

  const contractText = `apiVersion: rollback-lens/v1
kind: InterfaceContract
metadata: { name: scorer, version: 1 }
input:
  schema: { $ref: schemas/in.json }
  key: id
output:
  schema: { type: object }
  key: id
`;
  const input = (ref: string) => json({ type: 'object', additionalProperties: false, properties: { id: { $ref: ref }, tags: { $ref: 'common.schema.json#/$defs/tags' } } });
  const commonDefs = (idType: string) => json({ $defs: { id: { type: idType }, tags: { type: 'array', items: { $ref: '#/$defs/tag' } }, tag: { type: 'string', maxLength: 10 } } });
  const reader = (files: Record<string, string>) => async (p: string) => files[p];

  it('compat: a definition changed in the other file is a change located there, its own refs followed in it', async () => {
    const files = (idType: string, maxLength = 10) => ({ 'm.contract.yaml': contractText, 'schemas/in.json': input('common.schema.json#/$defs/id'), 'schemas/common.schema.json': commonDefs(idType).replace('"maxLength": 10', `"maxLength": ${maxLength}`) });
    const before = await loadContractVersion('m.contract.yaml', reader(files('string')));
    const after = await loadContractVersion('m.contract.yaml', reader(files('integer', 5)));
    const r = compareContracts(before, after, { now: NOW });
    assert.deepEqual(
      r.changes.map((c) => [c.class, c.code, c.field ?? '', `${c.location.file}#${c.location.pointer}`]),
      [
        ['breaking', 'type-changed', 'input.id', 'schemas/common.schema.json#/$defs/id'],
        ['breaking', 'constraint-tightened', 'input.tags[]', 'schemas/common.schema.json#/$defs/tag/maxLength'],
        ['risky', 'version-not-bumped', '', 'm.contract.yaml#/metadata/version'],
      ],
    );
    assert.deepEqual(compareContracts(before, before, { now: NOW }).changes, []);
  });

  it('compat: a $ref to a file that does not exist, or out of the folder tree (not read): an error naming the schema file and the $ref', async () => {
    const read = async (p: string) => {
      assert.ok(!p.startsWith('..'), `read ${p}`);
      return { 'm.contract.yaml': contractText, 'schemas/in.json': input(p === 'schemas/in.json' ? 'nope.json#/$defs/id' : ''), 'schemas/common.schema.json': commonDefs('string') }[p];
    };
    // at the `$ref`'s value: line 6, column 15
    await assert.rejects(loadContractVersion('m.contract.yaml', read), { message: 'schemas/in.json:6:15: $ref `nope.json#/$defs/id` names schemas/nope.json, which does not exist' });
    const files = { 'm.contract.yaml': contractText, 'schemas/in.json': input('../../outside.json#/$defs/id'), 'schemas/common.schema.json': commonDefs('string') };
    await assert.rejects(loadContractVersion('m.contract.yaml', reader(files)), { message: 'schemas/in.json:6:15: $ref `../../outside.json#/$defs/id` leaves the folder tree it is read from' });
  });
});

describe('an absolute `$id` URI: compat and the field checks follow a $ref to it like a relative one; an $id no file declares is an error, nothing fetched', () => {
  const D2020 = 'https://json-schema.org/draft/2020-12/schema';
  const ID = 'https://example.com/iris/common.schema.json';
  const contractText = `apiVersion: rollback-lens/v1
kind: InterfaceContract
metadata: { name: scorer, version: 1 }
input:
  schema: { type: object }
  key: id
output:
  schema: { $ref: schemas/out.json }
  key: id
`;
  const out = (ref: string) => json({ $schema: D2020, type: 'object', properties: { id: { type: 'string' }, probability: { $ref: ref } } });
  const common = (probability: unknown, extra: Record<string, unknown> = {}) => json({ $schema: D2020, $id: ID, ...extra, $defs: { probability } });
  /** A reader that records what it reads, and the folder listing compat looks for an `$id` in. */
  const host = (files: Record<string, string>) => {
    const reads: string[] = [];
    const read = async (p: string) => {
      reads.push(p);
      return files[p];
    };
    const listFiles = async (dir: string) => Object.keys(files).filter((p) => p.slice(0, p.lastIndexOf('/') + 1) === (dir === '' ? '' : `${dir}/`)).map((p) => p.slice(p.lastIndexOf('/') + 1));
    return { reads, load: () => loadContractVersion('m.contract.yaml', read, { listFiles }) };
  };
  const changes = async (before: Record<string, string>, after: Record<string, string>) => {
    const r = compareContracts(await host(before).load(), await host(after).load(), { now: NOW });
    return r.changes.map((c) => [c.class, c.code, c.field ?? '', `${c.location.file}:${c.location.line}:${c.location.character}#${c.location.pointer}`]);
  };

  it('compat: the file next to the schema that declares the $id is read and the change located in it, exactly as for a relative $ref', async () => {
    const files = (type: string) => ({
      'm.contract.yaml': contractText,
      'schemas/out.json': out(`${ID}#/$defs/probability`),
      'schemas/other.json': json({ $id: 'https://example.com/iris/other.json' }),
      'schemas/common.schema.json': common({ type }),
    });
    assert.deepEqual(await changes(files('number'), files('string')), [
      ['breaking', 'type-changed', 'output.probability', 'schemas/common.schema.json:4:4#/$defs/probability'],
      ['risky', 'version-not-bumped', '', 'm.contract.yaml:2:35#/metadata/version'],
    ]);
    // the same change through a relative $ref: the same located change
    const relative = (type: string) => ({ ...files(type), 'schemas/out.json': out('common.schema.json#/$defs/probability') });
    assert.deepEqual(await changes(relative('number'), relative('string')), await changes(files('number'), files('string')));
    const h = host(files('number'));
    await h.load();
    // the neighbours in name order, up to the one that declares it
    assert.deepEqual(h.reads, ['m.contract.yaml', 'schemas/out.json', 'schemas/common.schema.json']);
  });

  it('compat: an $id declared by a file already read (in another folder), and a nested $id in its $defs, whose own #/ refs resolve in it', async () => {
    const outText = json({
      $schema: D2020,
      type: 'object',
      properties: { id: { $ref: '../lib/common.schema.json#/$defs/id' }, scores: { $ref: 'https://example.com/iris/p.json' } },
    });
    // `#/$defs/bounded` inside the resource `p.json` is its own $defs, not the file's
    const files = (maximum: number) => ({
      'm.contract.yaml': contractText,
      'schemas/out.json': outText,
      'lib/common.schema.json': common({ type: 'number' }).replace(
        '"$defs": {',
        `"$defs": {\n    "id": { "type": "string" },\n    "p": { "$id": "p.json", "type": "object", "properties": { "setosa": { "$ref": "#/$defs/bounded" } }, "$defs": { "bounded": { "type": "number", "maximum": ${maximum} } } },`,
      ),
    });
    // an output's maximum raised: consumers may now see larger values (line 5, the nested resource's own $defs)
    assert.deepEqual(await changes(files(0.5), files(1)), [
      ['breaking', 'constraint-relaxed', 'output.scores.setosa', 'lib/common.schema.json:5:158#/$defs/p/$defs/bounded/maximum'],
      ['risky', 'version-not-bumped', '', 'm.contract.yaml:2:35#/metadata/version'],
    ]);
    // validation reads it the same way (ajv resolves the nested $id and the #/ ref in it)
    assert.equal(firstError(await load(files(0.5), 'schemas/out.json'), { id: 'a', scores: { setosa: 0.7 } }), '/scores/setosa maximum must be <= 0.5');
  });

  it('compat and validation: a nested $id found in a file next to the schema (not otherwise read)', async () => {
    const files = (type: string) => ({
      'm.contract.yaml': contractText,
      'schemas/out.json': out('https://example.com/iris/p.json'),
      'schemas/common.schema.json': common({ $id: 'p.json', type }),
    });
    assert.deepEqual((await changes(files('number'), files('string')))[0], ['breaking', 'type-changed', 'output.probability', 'schemas/common.schema.json:4:4#/$defs/probability']);
    assert.equal(firstError(await load(files('number'), 'schemas/out.json'), { id: 'a', probability: 'x' }), '/probability type must be number');
  });

  it('a relative-path $id names nothing new (ajv knows the file by its path): found by its path, and a $ref by the $id string is a missing file in both', async () => {
    const files = (type: string, ref: string) => ({
      'm.contract.yaml': contractText,
      'schemas/out.json': out(ref),
      'schemas/common.json': json({ $schema: D2020, $id: 'schemas/common.json', $defs: { probability: { type } } }),
    });
    assert.deepEqual((await changes(files('number', 'common.json#/$defs/probability'), files('string', 'common.json#/$defs/probability')))[0], [
      'breaking',
      'type-changed',
      'output.probability',
      'schemas/common.json:4:4#/$defs/probability',
    ]);
    assert.equal(firstError(await load(files('number', 'common.json#/$defs/probability'), 'schemas/out.json'), { probability: 'x' }), '/probability type must be number');
    const byId = files('number', 'schemas/common.json#/$defs/probability');
    await assert.rejects(host(byId).load(), { message: 'schemas/out.json:9:15: $ref `schemas/common.json#/$defs/probability` names schemas/schemas/common.json, which does not exist' });
    assert.deepEqual(await load(byId, 'schemas/out.json'), {
      ok: false,
      message: '`schemas/schemas/common.json` does not exist (the `$ref` `schemas/common.json#/$defs/probability` in `schemas/out.json`)',
    });
  });

  it('compat: an $id no file declares is an error at the $ref, like a relative $ref to a missing file; nothing but the neighbours is read, nothing fetched', async () => {
    const files = { 'm.contract.yaml': contractText, 'schemas/out.json': out('https://example.com/iris/nope.json#/$defs/probability'), 'schemas/common.schema.json': common({ type: 'number' }) };
    const h = host(files);
    await assert.rejects(h.load(), {
      message:
        'schemas/out.json:9:15: $ref `https://example.com/iris/nope.json#/$defs/probability` names `https://example.com/iris/nope.json`, which no schema file declares as its `$id` (looked in the files read and next to schemas/out.json); Rollback Lens does not fetch schemas from the network',
    });
    assert.deepEqual(h.reads, ['m.contract.yaml', 'schemas/out.json', 'schemas/common.schema.json']);
    await assert.rejects(host({ ...files, 'schemas/out.json': out('nope.json#/$defs/probability') }).load(), { message: 'schemas/out.json:9:15: $ref `nope.json#/$defs/probability` names schemas/nope.json, which does not exist' });
    // a pointer into the declaring file that leads nowhere: the target is not compared (as for a relative $ref)
    const pointerless = { ...files, 'schemas/out.json': out(`${ID}#/$defs/nope`) };
    assert.deepEqual((await changes(pointerless, pointerless))[0]!.slice(0, 2), ['risky', 'ref-unresolved']);
  });

  it('field checks: a tolerance field and `output.fields` names under an absolute $id ref are looked up in the file declaring it; an undeclared $id is invalid-schema at the reference', async () => {
    const outText = json({ $schema: D2020, type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' }, probability: { $ref: `${ID}#/$defs/probability` }, scores: { $ref: 'https://example.com/iris/scores.json' } } });
    const commonText = common({ type: 'string' }, {}).replace('"$defs": {', '"$defs": {\n    "scores": { "$id": "scores.json", "type": "object", "additionalProperties": false, "properties": { "setosa": { "type": "number" } } },');
    const text = CLEAN_CONTRACT.replace('probability: { abs: 0.05 }', 'probability: { abs: 0.05 }\n      scores.setosaa: { abs: 0.01 }');
    const ds = await validate(text, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': outText, 'schemas/common.schema.json': commonText } });
    assert.deepEqual(
      ds.map((d) => [d.severity, d.code, d.message]),
      [
        ['error', 'field-not-numeric', '`probability` is a string in the output schema; `abs` compares numbers'],
        ['error', 'unknown-field', '`scores.setosaa` is not a field of the output schema (`schemas/iris-output.schema.json`): `scores` has no property `setosaa`, so no row can be compared — did you mean `scores.setosa`?'],
        ['error', 'field-not-numeric', '`probability` is a string in the output schema; `psi` compares numbers'],
      ],
    );
    // the output schema itself a $ref to the $id: `output.fields` names are looked up in the declaring file
    const root = json({ $schema: D2020, $ref: `${ID}#/$defs/out` });
    const outDef = common({ type: 'number' }, {}).replace('"$defs": {', '"$defs": {\n    "out": { "type": "object", "additionalProperties": false, "properties": { "id": { "type": "string" }, "label": { "type": "string" }, "probability": { "type": "number" } } },');
    const shaped = CLEAN_CONTRACT.replace('output:\n  key: id\n', 'output:\n  key: { fromInput: id }\n  fields: { label: "$[0]", proba: "$[1]" }\n');
    const fields = await validate(shaped, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': root, 'schemas/common.schema.json': outDef } });
    assert.deepEqual(
      fields.filter((d) => d.code === 'unknown-field').map((d) => [d.span, d.message]),
      [[spanIn(shaped, 'proba: "$[1]"', 'proba'), '`output.fields` names `proba`, which is not a field of the output schema (`schemas/iris-output.schema.json`): the shaped output would not validate']],
    );
    const nope = await validate(CLEAN_CONTRACT, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': outText.replace(ID, 'https://example.com/iris/nope.json'), 'schemas/common.schema.json': commonText } });
    assert.deepEqual(
      nope.map((d) => [d.code, d.span, d.message]),
      [
        [
          'invalid-schema',
          spanOf(CLEAN_CONTRACT, 'schemas/iris-output.schema.json'),
          'the output schema `schemas/iris-output.schema.json` cannot be used: the `$ref` `https://example.com/iris/nope.json#/$defs/probability` in `schemas/iris-output.schema.json` names `https://example.com/iris/nope.json`, which no schema file declares as its `$id` (looked in the loaded files and next to `schemas/iris-output.schema.json`); Rollback Lens does not fetch schemas from the network',
        ],
      ],
    );
  });
});

describe('a nested $id reached by walking the schema (not through a $ref): its own #/ refs resolve in it, for the field checks, compat and validation', () => {
  const D2020 = 'https://json-schema.org/draft/2020-12/schema';
  // `scores` is the resource `https://example.com/iris/scores.json`: its `#/$defs/p` is its own (a string), not the file's (a number)
  const out = (type: string) =>
    json({
      $schema: D2020,
      $id: 'https://example.com/iris/out.json',
      type: 'object',
      properties: {
        id: { type: 'string' },
        label: { type: 'string' },
        probability: { $ref: '#/$defs/p' },
        scores: { $id: 'scores.json', type: 'object', properties: { setosa: { $ref: '#/$defs/p' } }, $defs: { p: { type } } },
      },
      $defs: { p: { type: 'number' } },
    });

  it('field checks: the tolerance field under it is read in its own $defs; validation agrees', async () => {
    const text = CLEAN_CONTRACT.replace('probability: { abs: 0.05 }', 'probability: { abs: 0.05 }\n      scores.setosa: { abs: 0.01 }');
    const ds = await validate(text, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': out('string') } });
    assert.deepEqual(ds.map((d) => [d.code, d.message]), [['field-not-numeric', '`scores.setosa` is a string in the output schema; `abs` compares numbers']]);
    assert.deepEqual(await validate(text, { path: 'iris.contract.yaml', extraFiles: { 'schemas/iris-output.schema.json': out('number') } }), []);
    assert.equal(firstError(await load({ 'schemas/out.json': out('string') }, 'schemas/out.json'), { scores: { setosa: 1 } }), '/scores/setosa type must be string');
  });

  it('compat: a change to its own definition is located there', async () => {
    const read = (type: string) => async (p: string) => (p === 'schemas/iris-output.schema.json' ? out(type) : CLEAN_FILES.get(p));
    const before = await loadContractVersion('iris.contract.yaml', read('string'));
    const after = await loadContractVersion('iris.contract.yaml', read('integer'));
    assert.deepEqual(
      compareContracts(before, after, { now: NOW }).changes.filter((c) => c.area === 'output').map((c) => [c.class, c.code, c.field, `${c.location.file}#${c.location.pointer}`]),
      [['breaking', 'type-changed', 'output.scores.setosa', 'schemas/iris-output.schema.json#/properties/scores/$defs/p']],
    );
  });
});
