// Contract compatibility: the core classification on the fixture contracts in
// test/fixtures/compat (each a copy of base.contract.yaml with one kind of
// change), the rule table in both directions on bare schemas, the loader's
// errors, and `rollback-lens compat` on files. On a real temporary git
// repository (--against): test/system/compat.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMPAT_USAGE } from '../../src/cli/commands';
import {
  COMPAT_CODES,
  COMPAT_RULES,
  compareContracts,
  compareSchemas,
  ContractLoadError,
  loadContractVersion,
  type CompatClass,
  type CompatCode,
  type CompatReport,
  type ContractVersion,
} from '../../src/core/contract/compat';
import { FIXTURES } from './helpers';
import { cli } from '../support/compat';

const DIR = path.join(FIXTURES, 'compat');
const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris', 'iris.contract.yaml');
/** Before the base's deprecation of input.old_len is due (removeAfter 2026-06-01). */
const EARLY = Date.UTC(2026, 2, 1);
/** After it. */
const LATE = Date.UTC(2026, 6, 1);

/** Reads fixture files by their path inside test/fixtures/compat, shown as is. */
const fixtureReader = async (p: string) => {
  const abs = path.join(DIR, p);
  return fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : undefined;
};

async function fixture(name: string): Promise<ContractVersion> {
  return loadContractVersion(name, fixtureReader);
}

async function compare(name: string, now = EARLY): Promise<CompatReport> {
  return compareContracts(await fixture('base.contract.yaml'), await fixture(name), { now });
}

/** [class, code, field, message, `file#pointer@line:character` (0-based) in the new version]. */
type Row = [CompatClass, CompatCode, string, string, string];
function rows(r: CompatReport): Row[] {
  return r.changes.map((c) => [c.class, c.code, c.field ?? '', c.message, `${c.location.file}#${c.location.pointer}@${c.location.line}:${c.location.character}`]);
}

describe('compat: inputs (callers send them)', () => {
  it('breaking: removed, newly required, narrowed, removed enum value, tighter bounds, pattern changed, closed', async () => {
    const f = 'input-breaking.contract.yaml';
    const s = `${f}#/input/schema`;
    const r = await compare(f);
    assert.deepEqual(rows(r), [
      ['breaking', 'type-narrowed', 'input.length', '`input.length` type narrowed from number to integer; callers sending values of the old type are rejected', `${s}/properties/length@14:6`],
      ['breaking', 'constraint-tightened', 'input.length', '`input.length`: minimum raised from 0 to 1; callers sending values the old contract allowed are rejected', `${s}/properties/length/minimum@14:40`],
      ['breaking', 'constraint-tightened', 'input.length', '`input.length`: maximum lowered from 30 to 20; callers sending values the old contract allowed are rejected', `${s}/properties/length/maximum@14:52`],
      ['breaking', 'type-narrowed', 'input.width', '`input.width` type narrowed from [number, null] to number; callers sending values of the old type are rejected', `${s}/properties/width@15:6`],
      ['breaking', 'field-now-required', 'input.color', '`input.color` is now required; callers that omit it are rejected', `${s}/required/2@10:27`],
      ['breaking', 'enum-value-removed', 'input.color', '`input.color` no longer allows `white`; callers sending it are rejected', `${s}/properties/color/enum@16:29`],
      ['breaking', 'constraint-tightened', 'input.code', '`input.code`: maxLength lowered from 8 to 4; callers sending values the old contract allowed are rejected', `${s}/properties/code/maxLength@17:63`],
      [
        'breaking',
        'constraint-changed',
        'input.code',
        '`input.code`: pattern changed from `^[a-z]+$` to `^[a-z0-9]+$`; the two cannot be compared, so the change is counted as breaking',
        `${s}/properties/code/pattern@17:37`,
      ],
      ['breaking', 'constraint-tightened', 'input.tags[]', '`input.tags[]`: maxLength lowered from 10 to 5; callers sending values the old contract allowed are rejected', `${s}/properties/tags/items/maxLength@18:61`],
      // removed: located at the key of the nearest surviving ancestor (`properties:`)
      ['breaking', 'field-removed', 'input.note', '`input.note` was removed from the input schema; callers that still send it are rejected (additionalProperties is false)', `${s}/properties/note@12:4`],
      ['breaking', 'field-added-required', 'input.season', '`input.season` was added to the input schema as a required field; callers that do not send it are rejected', `${s}/properties/season@19:6`],
      [
        'breaking',
        'additional-properties-closed',
        'input',
        '`input` no longer allows fields beyond those listed (additionalProperties: false); callers sending other fields are rejected',
        `${s}/additionalProperties@11:26`,
      ],
    ]);
    assert.deepEqual(r.counts, { compatible: 0, risky: 0, breaking: 12 });
    assert.equal(r.verdict, 'breaking');
  });

  it('where each change was in the old version, and the values before and after', async () => {
    const r = await compare('input-breaking.contract.yaml');
    const removed = r.changes.find((c) => c.code === 'field-removed')!;
    assert.deepEqual(removed.previous, { file: 'base.contract.yaml', pointer: '/input/schema/properties/note', line: 18, character: 6 });
    const narrowed = r.changes.find((c) => c.field === 'input.width')!;
    assert.deepEqual([narrowed.before, narrowed.after], ['[number, null]', 'number']);
    const min = r.changes.find((c) => c.message.includes('minimum'))!;
    assert.deepEqual([min.before, min.after, min.previous?.pointer], [0, 1, '/input/schema/properties/length/minimum']);
  });

  it('compatible: added optional field, relaxed bounds, widened type, new enum value, required -> optional, pattern removed', async () => {
    const f = 'input-compatible.contract.yaml';
    const s = `${f}#/input/schema`;
    const r = await compare(f);
    assert.deepEqual(rows(r), [
      ['compatible', 'annotation-changed', 'input.id', '`input.id`: description changed', `${s}/properties/id@12:6`],
      ['compatible', 'field-now-optional', 'input.length', '`input.length` is now optional', `${s}/properties/length@13:6`],
      ['compatible', 'constraint-relaxed', 'input.length', '`input.length`: lower bound changed from minimum 0 to exclusiveMinimum -1', `${s}/properties/length/exclusiveMinimum@13:48`],
      ['compatible', 'constraint-relaxed', 'input.length', '`input.length`: maximum raised from 30 to 40', `${s}/properties/length/maximum@13:61`],
      ['compatible', 'type-widened', 'input.width', '`input.width` type widened from [number, null] to [number, string, null]', `${s}/properties/width@14:6`],
      ['compatible', 'enum-value-added', 'input.color', '`input.color` now also allows `blue`', `${s}/properties/color/enum/2@15:48`],
      ['compatible', 'constraint-relaxed', 'input.code', '`input.code`: maxLength raised from 8 to 16', `${s}/properties/code/maxLength@16:39`],
      ['compatible', 'constraint-relaxed', 'input.code', '`input.code`: pattern `^[a-z]+$` removed', `${s}/properties/code@16:6`],
      ['compatible', 'field-added', 'input.season', '`input.season` was added to the input schema as an optional field', `${s}/properties/season@20:6`],
    ]);
    assert.equal(r.verdict, 'compatible');
    // a keyword that moved: `previous` points at the old keyword
    assert.equal(r.changes[2]!.previous?.pointer, '/input/schema/properties/length/minimum');
  });
});

describe('compat: outputs (consumers read them)', () => {
  it('breaking: removed field, widened type, new enum value, looser bounds, no longer required, opened, anyOf changed', async () => {
    const s = 'schemas/output-breaking.schema.json#';
    const r = await compare('output-breaking.contract.yaml');
    assert.deepEqual(rows(r), [
      // through $ref: #/definitions/label
      ['breaking', 'enum-value-added', 'output.label', '`output.label` now also allows `hybrid`, a value consumers do not know', `${s}/definitions/label/enum/3@20:79`],
      ['breaking', 'constraint-relaxed', 'output.probability', '`output.probability`: maximum raised from 1 to 100; consumers may receive values the old contract ruled out', `${s}/properties/probability/maximum@7:64`],
      ['breaking', 'field-now-optional', 'output.count', '`output.count` is no longer required; consumers that expect it in every record break', `${s}/properties/count@8:4`],
      ['breaking', 'type-widened', 'output.count', '`output.count` type widened from integer to number; consumers may receive values they do not expect', `${s}/properties/count@8:4`],
      ['breaking', 'field-removed', 'output.margin', '`output.margin` was removed from the output schema; consumers that read it break', `${s}/properties/margin@4:2`],
      // one shared #/$defs/score: reported for every field that uses it
      ['breaking', 'constraint-relaxed', 'output.scores.setosa', '`output.scores.setosa`: maximum raised from 1 to 2; consumers may receive values the old contract ruled out', `${s}/$defs/score/maximum@23:58`],
      ['breaking', 'constraint-relaxed', 'output.scores.versicolor', '`output.scores.versicolor`: maximum raised from 1 to 2; consumers may receive values the old contract ruled out', `${s}/$defs/score/maximum@23:58`],
      ['breaking', 'constraint-relaxed', 'output.scores.virginica', '`output.scores.virginica`: maximum raised from 1 to 2; consumers may receive values the old contract ruled out', `${s}/$defs/score/maximum@23:58`],
      [
        'breaking',
        'unclassified-change',
        'output.explanation',
        '`output.explanation`: anyOf changed (unclassified); whether data valid before is still valid cannot be told, so the change is counted as breaking',
        `${s}/properties/explanation/anyOf@17:21`,
      ],
      ['breaking', 'additional-properties-opened', 'output', '`output` now allows fields beyond those listed; consumers that validate outputs against the old schema reject them', `${s}@0:0`],
    ]);
    assert.deepEqual(r.changes[0]!.previous, undefined);
    assert.deepEqual(r.changes[4]!.previous, { file: 'schemas/base-output.schema.json', pointer: '/properties/margin', line: 10, character: 4 });
  });

  it('compatible: added field, narrowed type, tighter bounds, newly required; a $ref to an equal definition is no change', async () => {
    const s = 'schemas/output-compatible.schema.json#';
    const r = await compare('output-compatible.contract.yaml');
    assert.deepEqual(rows(r), [
      ['compatible', 'constraint-tightened', 'output.probability', '`output.probability`: multipleOf 0.001 added', `${s}/properties/probability/multipleOf@8:81`],
      ['compatible', 'constraint-tightened', 'output.count', '`output.count`: minimum 0 added', `${s}/properties/count/minimum@9:45`],
      ['compatible', 'field-now-required', 'output.margin', '`output.margin` is now always present (required)', `${s}/required/4@3:54`],
      ['compatible', 'type-narrowed', 'output.margin', '`output.margin` type narrowed from number to integer', `${s}/properties/margin@10:4`],
      ['compatible', 'field-added', 'output.rank', '`output.rank` was added to the output schema', `${s}/properties/rank@11:4`],
    ]);
  });

  it('a schema moved from its file into the contract (inline) is no change', async () => {
    const r = await compare('inline-output.contract.yaml');
    assert.deepEqual(r.changes, []);
    assert.equal(r.verdict, 'compatible');
  });
});

describe('compat: key and labels', () => {
  it('changed key and label field, removed label, added label (risky), reordered labels', async () => {
    const f = 'key-labels.contract.yaml';
    const r = await compare(f);
    assert.deepEqual(rows(r), [
      ['breaking', 'key-changed', '', 'output.key changed from `id` to `uid`; consumers and baselines join outputs to inputs by it', `${f}#/output/key@24:7`],
      ['breaking', 'label-field-changed', '', 'output.labelField changed from `label` to `species`; consumers read the predicted label from it', `${f}#/output/labelField@25:14`],
      ['breaking', 'label-removed', '', 'label `virginica` was removed from output.labels; consumers that rely on it break', `${f}#/output/labels@26:2`],
      ['risky', 'label-added', '', 'label `hybrid` was added to output.labels; consumers with a closed label set may not handle it', `${f}#/output/labels/2@26:31`],
      [
        'breaking',
        'labels-reordered',
        '',
        'output.labels order changed from [setosa, versicolor, virginica] to [versicolor, setosa, hybrid]; consumers that index labels by position break',
        `${f}#/output/labels@26:2`,
      ],
    ]);
    assert.deepEqual(
      r.changes.map((c) => c.area),
      ['key', 'labels', 'labels', 'labels', 'labels'],
    );
    assert.deepEqual([r.changes[0]!.before, r.changes[0]!.after], ['id', 'uid']);
  });

  it('the input key follows output.key unless input.key is set', () => {
    const v = (contract: object): ContractVersion => ({ contract: { kind: 'InterfaceContract', ...contract }, doc: { file: 'c.contract.yaml' } });
    const follows = compareContracts(v({ output: { key: 'id' } }), v({ output: { key: 'uid' } }), { now: EARLY });
    assert.deepEqual(
      follows.changes.map((c) => c.code),
      ['key-changed'],
    );
    const own = compareContracts(v({ input: { key: 'id' }, output: { key: 'id' } }), v({ input: { key: 'rid' }, output: { key: 'id' } }), { now: EARLY });
    assert.deepEqual(
      own.changes.map((c) => [c.code, c.class, c.message, c.location]),
      [['input-key-changed', 'breaking', 'the input key changed from `id` to `rid`; callers identify their records by it', { file: 'c.contract.yaml', pointer: '/input/key' }]],
    );
    const dropped = compareContracts(v({ output: { key: 'id', labels: ['a'] } }), v({ output: { key: 'id' } }), { now: EARLY });
    assert.deepEqual(
      dropped.changes.map((c) => [c.code, c.class, c.message]),
      [['labels-dropped', 'breaking', 'output.labels was removed; the closed set of labels [a] is no longer declared']],
    );
  });
});

describe('compat: deprecations', () => {
  it('a field past its removeAfter that the new schema still has is breaking', async () => {
    const r = await compare('base.contract.yaml', LATE);
    assert.deepEqual(rows(r), [
      ['breaking', 'deprecation-overdue', 'input.old_len', '`input.old_len` was due for removal after 2026-06-01 and is still in the input schema', 'base.contract.yaml#/input/schema/properties/old_len@19:6'],
    ]);
    assert.equal(r.changes[0]!.area, 'deprecations');
  });

  it('not on the removeAfter day itself, nor before it', async () => {
    assert.deepEqual((await compare('base.contract.yaml', Date.UTC(2026, 5, 1, 23))).changes, []);
    assert.deepEqual((await compare('base.contract.yaml', EARLY)).changes, []);
  });

  it('removing the field after its date is risky (as announced); before it, breaking', async () => {
    const f = 'deprecated-removed.contract.yaml';
    assert.deepEqual(rows(await compare(f, LATE)), [
      ['risky', 'deprecated-field-removed', 'input.old_len', '`input.old_len` was removed as announced (removal due after 2026-06-01); callers that still send it break', `${f}#/input/schema/properties/old_len@11:4`],
    ]);
    assert.deepEqual(rows(await compare(f, EARLY)), [
      [
        'breaking',
        'field-removed',
        'input.old_len',
        '`input.old_len` was removed from the input schema before its announced removal after 2026-06-01; the model no longer reads it from callers that still send it',
        `${f}#/input/schema/properties/old_len@11:4`,
      ],
    ]);
  });
});

describe('compat: test tolerances', () => {
  it('tightened is compatible; loosened and incomparable are risky; a removed test is risky', async () => {
    const f = 'tolerances.contract.yaml';
    const t = `${f}#/tests/0`;
    const r = await compare(f);
    assert.deepEqual(rows(r), [
      ['compatible', 'tolerance-tightened', 'output.label', 'test `parity`: tolerance for `label` tightened from agreement 0.95 to agreement 0.99', `${t}/tolerance/label/agreement@34:26`],
      [
        'risky',
        'tolerance-loosened',
        'output.probability',
        'test `parity`: tolerance for `probability` loosened from abs 0.05 to abs 0.1; the model may now drift further from the baseline',
        `${t}/tolerance/probability/abs@35:26`,
      ],
      ['risky', 'tolerance-loosened', 'output.count', 'test `parity`: tolerance for `count` loosened from exact to abs 0; the model may now drift further from the baseline', `${t}/tolerance/count/abs@36:20`],
      ['risky', 'tolerance-changed', 'output.margin', 'test `parity`: tolerance for `margin` changed from rel 0.1 to abs 0.1; the two cannot be compared', `${t}/tolerance/margin/abs@37:21`],
      ['compatible', 'tolerance-tightened', 'output.probability', 'test `parity`: drift limit for `probability` tightened from psi 0.2 to psi 0.1', `${t}/drift/probability/psi@39:26`],
      [
        'risky',
        'tolerance-loosened',
        'output.probability',
        'test `parity`: drift limit for `probability` loosened from ks 0.1 to ks 0.3; its distribution may now shift further from the baseline',
        `${t}/drift/probability/ks@39:35`,
      ],
      ['risky', 'tolerance-loosened', '', 'test `parity`: missingKeys loosened from fail to warn', `${t}/missingKeys@40:17`],
      ['risky', 'test-removed', '', 'test `edge` was removed; what it checked is no longer tested', `${f}#/tests@29:0`],
      ['compatible', 'test-added', '', 'test `smoke` was added', `${f}#/tests/1@41:4`],
    ]);
    assert.equal(r.verdict, 'risky');
  });

  it('tolerances and drift limits added or removed', () => {
    const v = (test: object): ContractVersion => ({ contract: { output: { key: 'id' }, tests: [{ id: 't', ...test }] }, doc: { file: 'c.contract.yaml' } });
    const a = v({ tolerance: { p: { abs: 0.1 } }, drift: { p: { psi: 0.1, bins: 10 } } });
    const b = v({ tolerance: { q: { exact: true } }, drift: { p: { psi: 0.1, bins: 20 } } });
    assert.deepEqual(
      compareContracts(a, b, { now: EARLY }).changes.map((c) => [c.class, c.code, c.message]),
      [
        ['risky', 'tolerance-loosened', 'test `t`: tolerance for `p` (abs 0.1) was removed; `p` may now differ from the baseline by any amount'],
        ['compatible', 'tolerance-tightened', 'test `t`: tolerance for `q` (exact) was added'],
        ['risky', 'tolerance-changed', 'test `t`: drift bins for `p` changed from 10 to 20; PSI values are not comparable across bin counts'],
      ],
    );
  });
});

describe('compat: metadata and encodings', () => {
  it('same version with changes, another name, encodings changed, added and removed', async () => {
    const f = 'metadata-encodings.contract.yaml';
    const r = await compare(f);
    assert.deepEqual(rows(r), [
      ['compatible', 'annotation-changed', 'input.id', '`input.id`: description changed', `${f}#/input/schema/properties/id@12:6`],
      ['risky', 'encoding-changed', 'input.length', 'the input encoding of `length` changed: dtype "float32" → "float64", range [0,30] → [0,40]', `${f}#/input/encodings/length@21:4`],
      ['risky', 'encoding-removed', 'input.width', 'the input encoding of `width` was removed', `${f}#/input/encodings@20:2`],
      ['compatible', 'encoding-added', 'input.code', 'the input encoding of `code` was added', `${f}#/input/encodings/code@22:4`],
      ['risky', 'name-changed', '', 'metadata.name changed from `flowers` to `blossoms`; are these versions of the same interface?', `${f}#/metadata/name@4:8`],
      ['risky', 'version-not-bumped', '', 'metadata.version is still 1 although the contract changed; bump it on every change', `${f}#/metadata/version@5:11`],
    ]);
  });
});

describe("compat: the example's contract", () => {
  it('against itself: no changes', async () => {
    const read = async (p: string) => (fs.existsSync(path.join(path.dirname(EXAMPLE), p)) ? fs.readFileSync(path.join(path.dirname(EXAMPLE), p), 'utf8') : undefined);
    const v = await loadContractVersion('iris.contract.yaml', read);
    assert.ok(v.input && v.output, 'both schemas are resolved from their files');
    const r = compareContracts(v, v, { now: Date.UTC(2000, 0, 1) });
    assert.deepEqual(r.changes, []);
    assert.equal(r.verdict, 'compatible');
  });

  it('against itself after its deprecations are due: exactly the fields the schemas still have, and nothing else', async () => {
    const read = async (p: string) => (fs.existsSync(path.join(path.dirname(EXAMPLE), p)) ? fs.readFileSync(path.join(path.dirname(EXAMPLE), p), 'utf8') : undefined);
    const v = await loadContractVersion('iris.contract.yaml', read);
    const deps = (v.contract as { deprecations?: Array<{ field: string; removeAfter: string }> }).deprecations ?? [];
    const r = compareContracts(v, v, { now: Date.UTC(2100, 0, 1) });
    const expected = deps
      .filter((d) => {
        const [dir, ...rest] = d.field.split('.');
        const props = ((dir === 'input' ? v.input : v.output)?.schema as { properties?: object }).properties ?? {};
        return rest.length === 1 && rest[0]! in props;
      })
      .map((d) => `\`${d.field}\` was due for removal after ${String(d.removeAfter)} and is still in the ${d.field.split('.')[0]} schema`);
    assert.ok(expected.length > 0, 'the example deprecates a field its schema still has');
    assert.deepEqual(
      r.changes.map((c) => c.message),
      expected,
    );
    assert.ok(r.changes.every((c) => c.code === 'deprecation-overdue' && c.class === 'breaking'));
  });
});

// ---- the rule table, on bare schemas, in both directions ------------------------------

describe('compat: the rule table (compareSchemas)', () => {
  const run = (before: unknown, after: unknown, dir: 'input' | 'output') =>
    compareSchemas({ schema: before, doc: { file: 'old.json' }, pointer: '' }, { schema: after, doc: { file: 'new.json' }, pointer: '' }, dir, 'x').changes.map(
      (c) => `${c.code}:${c.class}`,
    );
  // [what, before, after, codes, class for inputs, class for outputs, codes for outputs when they differ]
  const cases: Array<[string, unknown, unknown, CompatCode[], CompatClass, CompatClass, CompatCode[]?]> = [
    ['number -> integer', { type: 'number' }, { type: 'integer' }, ['type-narrowed'], 'breaking', 'compatible'],
    ['integer -> number', { type: 'integer' }, { type: 'number' }, ['type-widened'], 'compatible', 'breaking'],
    ['string -> number', { type: 'string' }, { type: 'number' }, ['type-changed'], 'breaking', 'breaking'],
    ['[string, null] -> string', { type: ['string', 'null'] }, { type: 'string' }, ['type-narrowed'], 'breaking', 'compatible'],
    ['any -> string', {}, { type: 'string' }, ['type-narrowed'], 'breaking', 'compatible'],
    ['false -> any', false, {}, ['type-widened'], 'compatible', 'breaking'],
    ['enum value removed', { enum: ['a', 'b'] }, { enum: ['a'] }, ['enum-value-removed'], 'breaking', 'breaking'],
    ['enum value added', { enum: ['a'] }, { enum: ['a', 'b'] }, ['enum-value-added'], 'compatible', 'breaking'],
    ['enum added', { type: 'string' }, { type: 'string', enum: ['a'] }, ['enum-added'], 'breaking', 'compatible'],
    ['enum dropped', { type: 'string', enum: ['a'] }, { type: 'string' }, ['enum-dropped'], 'compatible', 'breaking'],
    ['an enum and a type that say the same', { enum: ['a', 'b'] }, { type: 'string', enum: ['a', 'b'] }, [], 'compatible', 'compatible'],
    ['minimum raised', { minimum: 0 }, { minimum: 1 }, ['constraint-tightened'], 'breaking', 'compatible'],
    ['maximum raised', { maximum: 1 }, { maximum: 2 }, ['constraint-relaxed'], 'compatible', 'breaking'],
    ['minimum -> exclusiveMinimum, same value', { minimum: 0 }, { exclusiveMinimum: 0 }, ['constraint-tightened'], 'breaking', 'compatible'],
    ['exclusiveMaximum -> maximum, same value', { exclusiveMaximum: 1 }, { maximum: 1 }, ['constraint-relaxed'], 'compatible', 'breaking'],
    ['maxLength lowered', { maxLength: 8 }, { maxLength: 4 }, ['constraint-tightened'], 'breaking', 'compatible'],
    ['minItems removed', { minItems: 1 }, {}, ['constraint-relaxed'], 'compatible', 'breaking'],
    ['maxProperties added', {}, { maxProperties: 3 }, ['constraint-tightened'], 'breaking', 'compatible'],
    ['pattern added', {}, { pattern: '^a' }, ['constraint-tightened'], 'breaking', 'compatible'],
    ['format changed', { format: 'date' }, { format: 'date-time' }, ['constraint-changed'], 'breaking', 'breaking'],
    ['multipleOf 0.5 -> 0.25', { multipleOf: 0.5 }, { multipleOf: 0.25 }, ['constraint-relaxed'], 'compatible', 'breaking'],
    ['multipleOf 0.25 -> 0.5', { multipleOf: 0.25 }, { multipleOf: 0.5 }, ['constraint-tightened'], 'breaking', 'compatible'],
    ['multipleOf 2 -> 3', { multipleOf: 2 }, { multipleOf: 3 }, ['constraint-changed'], 'breaking', 'breaking'],
    ['uniqueItems added', { type: 'array' }, { type: 'array', uniqueItems: true }, ['constraint-tightened'], 'breaking', 'compatible'],
    ['field removed', { properties: { a: {} } }, { properties: {} }, ['field-removed'], 'breaking', 'breaking'],
    // consumers just get one more field
    ['required field added', {}, { properties: { a: {} }, required: ['a'] }, ['field-added-required'], 'breaking', 'compatible', ['field-added']],
    ['optional field added', {}, { properties: { a: {} } }, ['field-added'], 'compatible', 'compatible'],
    ['field now required', { properties: { a: {} } }, { properties: { a: {} }, required: ['a'] }, ['field-now-required'], 'breaking', 'compatible'],
    ['field now optional', { properties: { a: {} }, required: ['a'] }, { properties: { a: {} } }, ['field-now-optional'], 'compatible', 'breaking'],
    ['additionalProperties true -> false', { additionalProperties: true }, { additionalProperties: false }, ['additional-properties-closed'], 'breaking', 'risky'],
    ['additionalProperties false -> absent', { additionalProperties: false }, {}, ['additional-properties-opened'], 'compatible', 'breaking'],
    ['additionalProperties schema narrowed', { additionalProperties: { type: 'number' } }, { additionalProperties: { type: 'integer' } }, ['type-narrowed'], 'breaking', 'compatible'],
    ['array items narrowed', { items: { type: 'number' } }, { items: { type: 'integer' } }, ['type-narrowed'], 'breaking', 'compatible'],
    ['tuple items: one fewer', { items: [{ type: 'string' }, { type: 'number' }] }, { items: [{ type: 'string' }] }, ['item-removed'], 'breaking', 'breaking'],
    ['oneOf changed', { oneOf: [{ type: 'string' }] }, { oneOf: [{ type: 'number' }] }, ['unclassified-change'], 'breaking', 'breaking'],
    ['allOf added', {}, { allOf: [{ minimum: 1 }] }, ['unclassified-change'], 'breaking', 'breaking'],
    ['not removed', { not: { type: 'null' } }, {}, ['unclassified-change'], 'breaking', 'breaking'],
    ['if/then changed', { if: { type: 'string' }, then: { minLength: 1 } }, { if: { type: 'string' }, then: { minLength: 2 } }, ['unclassified-change'], 'breaking', 'breaking'],
    ['same external $ref', { $ref: 'other.json#/a' }, { $ref: 'other.json#/a' }, ['ref-unresolved'], 'risky', 'risky'],
    ['another external $ref', { $ref: 'a.json' }, { $ref: 'b.json' }, ['unclassified-change'], 'breaking', 'breaking'],
    ['default changed', { default: 1 }, { default: 2 }, ['default-changed'], 'risky', 'compatible'],
    ['description and title', { description: 'a' }, { description: 'b', title: 't' }, ['annotation-changed'], 'compatible', 'compatible'],
  ];
  for (const [what, before, after, codes, inputClass, outputClass, outputCodes = codes] of cases) {
    it(`${what}: ${codes.join(', ') || 'no change'} (inputs ${inputClass}, outputs ${outputClass})`, () => {
      assert.deepEqual(run(before, after, 'input'), codes.map((c) => `${c}:${inputClass}`));
      assert.deepEqual(run(before, after, 'output'), outputCodes.map((c) => `${c}:${outputClass}`));
    });
  }

  it('every code has a description and a rule', () => {
    assert.deepEqual(Object.keys(COMPAT_RULES).sort(), Object.keys(COMPAT_CODES).sort());
  });

  it('field paths: nested objects, array items, tuple items, additionalProperties', () => {
    const fields = (before: unknown, after: unknown) =>
      compareSchemas({ schema: before, doc: { file: 'o' }, pointer: '' }, { schema: after, doc: { file: 'n' }, pointer: '' }, 'output').changes.map((c) => [c.field, c.message]);
    assert.deepEqual(fields({ properties: { a: { properties: { b: { type: 'integer' } } } } }, { properties: { a: { properties: { b: { type: 'number' } } } } }), [
      ['output.a.b', '`output.a.b` type widened from integer to number; consumers may receive values they do not expect'],
    ]);
    assert.deepEqual(fields({ properties: { t: { items: { enum: ['x'] } } } }, { properties: { t: { items: { enum: ['x', 'y'] } } } }), [
      ['output.t[]', '`output.t[]` now also allows `y`, a value consumers do not know'],
    ]);
    assert.deepEqual(fields({ items: [{ type: 'integer' }] }, { items: [{ type: 'number' }] }), [['output[0]', '`output[0]` type widened from integer to number; consumers may receive values they do not expect']]);
    assert.deepEqual(fields({ additionalProperties: { maximum: 1 } }, { additionalProperties: { maximum: 2 } }), [
      ['output.*', '`output.*`: maximum raised from 1 to 2; consumers may receive values the old contract ruled out'],
    ]);
  });

  it('a recursive schema ($ref to an ancestor) terminates, and a change inside is found', () => {
    const tree = (v: string) => ({
      $ref: '#/$defs/node',
      $defs: { node: { type: 'object', properties: { v: { type: v }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } } },
    });
    const r = compareSchemas({ schema: tree('number'), doc: { file: 'o' }, pointer: '' }, { schema: tree('integer'), doc: { file: 'n' }, pointer: '' }, 'input');
    assert.deepEqual(
      r.changes.map((c) => [c.code, c.field, c.location.pointer]),
      [['type-narrowed', 'input.v', '/$defs/node/properties/v']],
    );
  });

  it('a changed definition under an unchanged oneOf is seen through its $ref', () => {
    const s = (max: number) => ({ oneOf: [{ $ref: '#/definitions/a' }, { type: 'null' }], definitions: { a: { type: 'number', maximum: max } } });
    const r = compareSchemas({ schema: s(1), doc: { file: 'o' }, pointer: '' }, { schema: s(2), doc: { file: 'n' }, pointer: '' }, 'input');
    assert.deepEqual(
      r.changes.map((c) => c.code),
      ['unclassified-change'],
    );
  });

  it('a missing schema: added narrows inputs, removed widens outputs', () => {
    const v = (input?: unknown, output?: unknown): ContractVersion => ({
      contract: { output: { key: 'id' } },
      doc: { file: 'c.contract.yaml' },
      ...(input ? { input: { schema: input, doc: { file: 'c.contract.yaml' }, pointer: '/input/schema' } } : {}),
      ...(output ? { output: { schema: output, doc: { file: 'c.contract.yaml' }, pointer: '/output/schema' } } : {}),
    });
    assert.deepEqual(
      compareContracts(v(undefined, {}), v({}, undefined), { now: EARLY }).changes.map((c) => [c.code, c.class, c.message]),
      [
        ['schema-added', 'breaking', 'the input schema was added; inputs it rejects are now refused'],
        ['schema-removed', 'breaking', 'the output schema was removed; outputs are no longer constrained'],
      ],
    );
  });
});

// ---- the 2019-09 / 2020-12 keywords ------------------------------------------------------

describe('compat: 2019-09 and 2020-12 keywords', () => {
  const run = (before: unknown, after: unknown, dir: 'input' | 'output') =>
    compareSchemas({ schema: before, doc: { file: 'old.json' }, pointer: '' }, { schema: after, doc: { file: 'new.json' }, pointer: '' }, dir, 'x').changes.map(
      (c) => `${c.code}:${c.class}:${c.field ?? ''}`,
    );
  const obj = (extra: object) => ({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, ...extra });
  const S = { type: 'string' };
  const N = { type: 'number' };
  // [what, before, after, `code:class:field` for inputs, the same for outputs]
  const cases: Array<[string, unknown, unknown, string[], string[]]> = [
    // unevaluatedProperties: false closes an object as additionalProperties: false does
    ['unevaluatedProperties absent -> false', obj({}), obj({ unevaluatedProperties: false }), ['additional-properties-closed:breaking:x'], ['additional-properties-closed:risky:x']],
    ['unevaluatedProperties false -> absent', obj({ unevaluatedProperties: false }), obj({}), ['additional-properties-opened:compatible:x'], ['additional-properties-opened:breaking:x']],
    ['additionalProperties: false -> unevaluatedProperties: false (the same closed object)', obj({ additionalProperties: false }), obj({ unevaluatedProperties: false }), [], []],
    ['unevaluatedProperties schema narrowed', obj({ unevaluatedProperties: N }), obj({ unevaluatedProperties: { type: 'integer' } }), ['type-narrowed:breaking:x.*'], ['type-narrowed:compatible:x.*']],
    // dependentRequired, and draft-07 dependencies with a list
    ['dependentRequired added', obj({}), obj({ dependentRequired: { a: ['b'] } }), ['dependent-required-added:breaking:x.b'], ['dependent-required-added:compatible:x.b']],
    ['dependentRequired removed', obj({ dependentRequired: { a: ['b'] } }), obj({}), ['dependent-required-removed:compatible:x.b'], ['dependent-required-removed:breaking:x.b']],
    ['draft-07 dependencies (a list) -> dependentRequired, the same', obj({ dependencies: { a: ['b'] } }), obj({ dependentRequired: { a: ['b'] } }), [], []],
    ['draft-07 dependencies: one more name', obj({ dependencies: { a: ['b'] } }), obj({ dependencies: { a: ['b', 'c'] } }), ['dependent-required-added:breaking:x.c'], ['dependent-required-added:compatible:x.c']],
    // dependentSchemas, and draft-07 dependencies with a schema
    ['dependentSchemas added', obj({}), obj({ dependentSchemas: { a: { required: ['b'] } } }), ['dependent-schema-added:breaking:x'], ['dependent-schema-added:compatible:x']],
    ['dependentSchemas removed', obj({ dependentSchemas: { a: { required: ['b'] } } }), obj({}), ['dependent-schema-removed:compatible:x'], ['dependent-schema-removed:breaking:x']],
    [
      'dependentSchemas: a type narrowed inside',
      obj({ dependentSchemas: { a: { properties: { b: N } } } }),
      obj({ dependentSchemas: { a: { properties: { b: { type: 'integer' } } } } }),
      ['type-narrowed:breaking:x.b'],
      ['type-narrowed:compatible:x.b'],
    ],
    ['draft-07 dependencies (a schema) -> dependentSchemas, the same', obj({ dependencies: { a: { required: ['b'] } } }), obj({ dependentSchemas: { a: { required: ['b'] } } }), [], []],
    // prefixItems: tuple positions; 2020-12 items then means the items after them
    ['prefixItems: a position removed', { prefixItems: [S, N] }, { prefixItems: [S] }, ['item-removed:breaking:x[1]'], ['item-removed:breaking:x[1]']],
    // the new position constrains what any item could be there before
    ['prefixItems: a position added (items open)', { prefixItems: [S] }, { prefixItems: [S, N] }, ['item-added:compatible:x[1]', 'type-narrowed:breaking:x[1]'], ['item-added:compatible:x[1]', 'type-narrowed:compatible:x[1]']],
    // ... or allows a longer tuple than before
    [
      'prefixItems: a position added (items: false)',
      { prefixItems: [S], items: false },
      { prefixItems: [S, N], items: false },
      ['item-added:compatible:x[1]', 'type-widened:compatible:x[1]'],
      ['item-added:compatible:x[1]', 'type-widened:breaking:x[1]'],
    ],
    ['prefixItems: a position narrowed', { prefixItems: [N] }, { prefixItems: [{ type: 'integer' }] }, ['type-narrowed:breaking:x[0]'], ['type-narrowed:compatible:x[0]']],
    ['2020-12 items after prefixItems narrowed', { prefixItems: [S], items: N }, { prefixItems: [S], items: { type: 'integer' } }, ['type-narrowed:breaking:x[]'], ['type-narrowed:compatible:x[]']],
    ['draft-07 tuple (items, additionalItems) -> prefixItems and items, the same', { items: [S, N], additionalItems: false }, { prefixItems: [S, N], items: false }, [], []],
    ['draft-07 additionalItems narrowed', { items: [S], additionalItems: N }, { items: [S], additionalItems: { type: 'integer' } }, ['type-narrowed:breaking:x[]'], ['type-narrowed:compatible:x[]']],
    ['unevaluatedItems: false added after a tuple', { prefixItems: [S] }, { prefixItems: [S], unevaluatedItems: false }, ['type-narrowed:breaking:x[]'], ['type-narrowed:compatible:x[]']],
    ['items: false -> unevaluatedItems: false (the same closed tuple)', { prefixItems: [S], items: false }, { prefixItems: [S], unevaluatedItems: false }, [], []],
    // $defs: followed like definitions
    ['a $ref into $defs narrowed', { $ref: '#/$defs/a', $defs: { a: N } }, { $ref: '#/$defs/a', $defs: { a: { type: 'integer' } } }, ['type-narrowed:breaking:x'], ['type-narrowed:compatible:x']],
  ];
  for (const [what, before, after, input, output] of cases) {
    it(`${what}: inputs [${input.join(', ')}], outputs [${output.join(', ')}]`, () => {
      assert.deepEqual(run(before, after, 'input'), input);
      assert.deepEqual(run(before, after, 'output'), output);
    });
  }

  it('each change located in the old and the new file, with its message', () => {
    const oldText = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "a": { "type": "string" },
    "b": { "type": "string" },
    "pair": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "number" }] }
  },
  "dependentSchemas": { "a": { "required": ["pair"] } }
}
`;
    const newText = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "a": { "type": "string" },
    "b": { "type": "string" },
    "pair": { "type": "array", "prefixItems": [{ "type": "string" }] }
  },
  "dependentRequired": { "a": ["b"] },
  "unevaluatedProperties": false
}
`;
    /** 0-based line:character of the n-th occurrence of `needle` in `text`. */
    const at = (text: string, needle: string, n = 1) => {
      let i = -1;
      for (let k = 0; k < n; k++) i = text.indexOf(needle, i + 1);
      assert.ok(i >= 0, needle);
      const before = text.slice(0, i).split('\n');
      return `${before.length - 1}:${before[before.length - 1]!.length}`;
    };
    const r = compareSchemas({ schema: JSON.parse(oldText), doc: { file: 'old.json', text: oldText }, pointer: '' }, { schema: JSON.parse(newText), doc: { file: 'new.json', text: newText }, pointer: '' }, 'input');
    assert.deepEqual(
      r.changes.map((c) => [c.code, c.class, c.message, `${c.location.pointer}@${c.location.line}:${c.location.character}`, `${c.previous?.pointer}@${c.previous?.line}:${c.previous?.character}`]),
      [
        [
          'item-removed',
          'breaking',
          '`input.pair[1]` was removed from the tuple (prefixItems); callers still send a value there, which the model no longer reads by position',
          `/properties/pair/prefixItems@${at(newText, '"prefixItems"')}`,
          `/properties/pair/prefixItems/1@${at(oldText, '{ "type": "number" }')}`,
        ],
        [
          'additional-properties-closed',
          'breaking',
          '`input` no longer allows fields beyond those listed (unevaluatedProperties: false); callers sending other fields are rejected',
          // a scalar is located at its value
          `/unevaluatedProperties@${at(newText, 'false')}`,
          `@0:0`,
        ],
        [
          'dependent-required-added',
          'breaking',
          '`input.b` is now required when `input.a` is present (dependentRequired); callers that send `a` without it are rejected',
          `/dependentRequired/a/0@${at(newText, '"b"]')}`,
          `@0:0`,
        ],
        [
          'dependent-schema-removed',
          'compatible',
          '`input`: the schema that applied when `input.a` is present was removed (dependentSchemas)',
          `@0:0`,
          `/dependentSchemas/a@${at(oldText, '"a": { "required"')}`,
        ],
      ],
    );
  });
});

// ---- every code as reported: its class (per direction) and its area ----------------------

describe('compat: every code as reported', () => {
  // one small comparison per code; schema codes both ways (inputs, outputs), contract codes once
  const schema = (before: unknown, after: unknown) =>
    (['input', 'output'] as const).flatMap((dir) => compareSchemas({ schema: before, doc: { file: 'o' }, pointer: '' }, { schema: after, doc: { file: 'n' }, pointer: '' }, dir).changes);
  const version = (contract: Record<string, unknown>): ContractVersion => {
    const v: ContractVersion = { contract: { kind: 'InterfaceContract', ...contract }, doc: { file: 'c.contract.yaml' } };
    for (const dir of ['input', 'output'] as const) {
      const s = (contract[dir] as { schema?: unknown } | undefined)?.schema;
      if (s !== undefined) v[dir] = { schema: s, doc: v.doc, pointer: `/${dir}/schema` };
    }
    return v;
  };
  const contract = (before: Record<string, unknown>, after: Record<string, unknown>, now = EARLY) => compareContracts(version(before), version(after), { now }).changes;
  const props = (p: object, extra: object = {}) => ({ type: 'object', properties: p, ...extra });
  const dep = [{ field: 'input.a', removeAfter: '2026-06-01' }];
  const test = (t: object) => [{ id: 't', ...t }];

  it('each of the codes, with the class and area it is reported with', () => {
    const changes = [
      ...schema(props({ a: {} }), props({})),
      ...schema(props({}), props({ a: {} }, { required: ['a'] })),
      ...schema(props({}), props({ a: {} })),
      ...schema(props({ a: {} }), props({ a: {} }, { required: ['a'] })),
      ...schema(props({ a: {} }, { required: ['a'] }), props({ a: {} })),
      ...schema({ type: 'number' }, { type: 'integer' }),
      ...schema({ type: 'integer' }, { type: 'number' }),
      ...schema({ type: 'string' }, { type: 'number' }),
      ...schema({ enum: ['a', 'b'] }, { enum: ['a'] }),
      ...schema({ enum: ['a'] }, { enum: ['a', 'b'] }),
      ...schema({ type: 'string' }, { type: 'string', enum: ['a'] }),
      ...schema({ type: 'string', enum: ['a'] }, { type: 'string' }),
      ...schema({ minimum: 0 }, { minimum: 1 }),
      ...schema({ minimum: 1 }, { minimum: 0 }),
      ...schema({ format: 'date' }, { format: 'email' }),
      ...schema({}, { additionalProperties: false }),
      ...schema({ additionalProperties: false }, {}),
      ...schema(props({}, { dependentRequired: { a: ['b'] } }), props({})),
      ...schema(props({}), props({}, { dependentRequired: { a: ['b'] } })),
      ...schema(props({}, { dependentSchemas: { a: { required: ['b'] } } }), props({})),
      ...schema(props({}), props({}, { dependentSchemas: { a: { required: ['b'] } } })),
      ...schema({ prefixItems: [{}, {}] }, { prefixItems: [{}] }),
      ...schema({ prefixItems: [{}] }, { prefixItems: [{}, {}] }),
      ...schema({ oneOf: [{ type: 'string' }] }, { oneOf: [{ type: 'number' }] }),
      ...schema({ $ref: 'x.json' }, { $ref: 'x.json' }),
      ...schema({ default: 1 }, { default: 2 }),
      ...schema({ title: 'a' }, { title: 'b' }),
      ...contract({ input: { schema: props({ a: {} }) }, deprecations: dep }, { input: { schema: props({}) }, deprecations: dep }, LATE),
      ...contract({ output: { key: 'id' } }, {}),
      ...contract({ output: { key: 'id', schema: {} } }, { output: { key: 'id' }, input: { schema: {} } }),
      ...contract({}, { output: { key: 'id' } }),
      ...contract({ output: { key: 'id' } }, { output: { key: 'uid' } }),
      ...contract({ input: { key: 'id' } }, { input: { key: 'rid' } }),
      ...contract({ output: { labels: ['a', 'b', 'c'], labelField: 'l' } }, { output: { labels: ['b', 'a', 'd'] } }),
      ...contract({ output: { labels: ['a'] } }, {}),
      ...contract({}, { output: { labels: ['a'] } }),
      ...contract({ input: { schema: props({ a: {} }) } }, { input: { schema: props({ a: {} }) }, deprecations: dep }, LATE),
      ...contract({ tests: test({ tolerance: { x: { abs: 0.1 }, y: { abs: 0.1 }, z: { abs: 0.1 } } }) }, { tests: test({ tolerance: { x: { abs: 0.2 }, y: { abs: 0.05 }, z: { rel: 0.1 } } }) }),
      ...contract({ tests: [{ id: 'gone' }] }, { tests: [{ id: 'new' }] }),
      ...contract({ input: { encodings: { a: { unit: 'cm' }, b: {} } } }, { input: { encodings: { a: { unit: 'mm' }, c: {} } } }),
      ...contract({ metadata: { name: 'a', version: 1 }, output: { key: 'id' } }, { metadata: { name: 'b', version: 1 }, output: { key: 'id' } }),
    ];
    const seen: Record<string, string[]> = {};
    for (const c of changes) seen[c.code] = [...new Set([...(seen[c.code] ?? []), `${c.area} ${c.class}`])].sort();
    const expected: Record<CompatCode, string[]> = {
      'field-removed': ['input breaking', 'output breaking'],
      'deprecated-field-removed': ['input risky'],
      'field-added': ['input compatible', 'output compatible'],
      'field-added-required': ['input breaking'],
      'field-now-required': ['input breaking', 'output compatible'],
      'field-now-optional': ['input compatible', 'output breaking'],
      'type-narrowed': ['input breaking', 'output compatible'],
      'type-widened': ['input compatible', 'output breaking'],
      'type-changed': ['input breaking', 'output breaking'],
      'enum-value-removed': ['input breaking', 'output breaking'],
      'enum-value-added': ['input compatible', 'output breaking'],
      'enum-added': ['input breaking', 'output compatible'],
      'enum-dropped': ['input compatible', 'output breaking'],
      'constraint-tightened': ['input breaking', 'output compatible'],
      'constraint-relaxed': ['input compatible', 'output breaking'],
      'constraint-changed': ['input breaking', 'output breaking'],
      'additional-properties-closed': ['input breaking', 'output risky'],
      'additional-properties-opened': ['input compatible', 'output breaking'],
      'dependent-required-added': ['input breaking', 'output compatible'],
      'dependent-required-removed': ['input compatible', 'output breaking'],
      'dependent-schema-added': ['input breaking', 'output compatible'],
      'dependent-schema-removed': ['input compatible', 'output breaking'],
      'item-removed': ['input breaking', 'output breaking'],
      'item-added': ['input compatible', 'output compatible'],
      'unclassified-change': ['input breaking', 'output breaking'],
      'ref-unresolved': ['input risky', 'output risky'],
      'default-changed': ['input risky', 'output compatible'],
      'annotation-changed': ['input compatible', 'output compatible'],
      'schema-added': ['input breaking'],
      'schema-removed': ['output breaking'],
      'key-changed': ['key breaking'],
      'key-removed': ['key breaking'],
      'key-added': ['key compatible'],
      'input-key-changed': ['key breaking'],
      'label-removed': ['labels breaking'],
      'label-added': ['labels risky'],
      'labels-reordered': ['labels breaking'],
      'labels-dropped': ['labels breaking'],
      'labels-declared': ['labels compatible'],
      'label-field-changed': ['labels breaking'],
      'deprecation-overdue': ['deprecations breaking'],
      'tolerance-tightened': ['tests compatible'],
      'tolerance-loosened': ['tests risky'],
      'tolerance-changed': ['tests risky'],
      'test-added': ['tests compatible'],
      'test-removed': ['tests risky'],
      'encoding-added': ['encodings compatible'],
      'encoding-removed': ['encodings risky'],
      'encoding-changed': ['encodings risky'],
      'name-changed': ['metadata risky'],
      'version-not-bumped': ['metadata risky'],
    };
    assert.deepEqual(seen, expected);
    assert.deepEqual(Object.keys(expected).sort(), Object.keys(COMPAT_CODES).sort());
  });
});

// ---- loading ---------------------------------------------------------------------------

describe('compat: loading a contract version', () => {
  const files: Record<string, string> = {
    'c/ok.contract.yaml': 'apiVersion: rollback-lens/v1\nkind: InterfaceContract\ninput:\n  schema: { $ref: ../s/in.json }\noutput: { key: id, schema: { type: object } }\n',
    'c/bad.contract.yaml': 'apiVersion: rollback-lens/v1\nkind: InterfaceContract\ninput: { schema: [\n',
    'c/runbook.contract.yaml': 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\n',
    'c/list.contract.yaml': '- a\n',
    'c/missing.contract.yaml': 'kind: InterfaceContract\ninput:\n  schema: { $ref: nowhere.json }\n',
    'c/escape.contract.yaml': 'kind: InterfaceContract\ninput:\n  schema: { $ref: ../../up.json }\n',
    'c/badjson.contract.yaml': 'kind: InterfaceContract\ninput:\n  schema: { $ref: bad.json }\n',
    'c/bad.json': '{ "type": "object", }',
    's/in.json': '\ufeff{ "type": "object" }',
    'c/mlflow.contract.yaml': 'kind: InterfaceContract\noutput:\n  key: id\n  schema: { mlflowSignature: ../m/MLmodel }\n',
    'm/MLmodel': `signature:\n  inputs: '[{"type": "double", "name": "x", "required": true}]'\n  outputs: '[{"type": "string", "name": "id", "required": true}, {"type": "double", "name": "score", "required": true}]'\n`,
    'm2/MLmodel': `signature:\n  inputs: '[{"type": "double", "name": "x", "required": true}]'\n  outputs: '[{"type": "string", "name": "id", "required": true}]'\n`,
    'c/mlflow2.contract.yaml': 'kind: InterfaceContract\noutput:\n  key: id\n  schema: { mlflowSignature: ../m2/MLmodel }\n',
    'c/nosig.contract.yaml': 'kind: InterfaceContract\noutput:\n  schema: { mlflowSignature: ../s/in.json }\n',
  };
  const read = async (p: string) => files[p];
  const load = (p: string) => loadContractVersion(p, read, { display: (x) => `ws:${x}` });

  it('resolves a $ref schema relative to the contract, and an inline one in place', async () => {
    const v = await load('c/ok.contract.yaml');
    assert.deepEqual(v.input, { schema: { type: 'object' }, doc: { file: 'ws:s/in.json', text: '{ "type": "object" }' }, pointer: '', path: 's/in.json' });
    assert.deepEqual(v.output, { schema: { type: 'object' }, doc: v.doc, pointer: '/output/schema', path: 'c/ok.contract.yaml' });
  });

  it('an MLflow signature (mlflowSignature): the schema of one row, from that MLmodel; a removed output column is field-removed there', async () => {
    const v = await load('c/mlflow.contract.yaml');
    assert.deepEqual(v.output, {
      schema: { type: 'object', properties: { id: { type: 'string' }, score: { type: 'number' } }, required: ['id', 'score'] },
      doc: { file: 'ws:m/MLmodel' },
      pointer: '',
    });
    const r = compareContracts(v, await load('c/mlflow2.contract.yaml'), { now: EARLY });
    assert.deepEqual(
      r.changes.map((c) => [c.code, c.class, c.message, c.location.file, c.location.pointer]),
      [['field-removed', 'breaking', '`output.score` was removed from the output schema; consumers that read it break', 'ws:m2/MLmodel', '/properties/score']],
    );
  });

  const errors: Array<[string, string]> = [
    ['c/nosig.contract.yaml', 'ws:s/in.json:1:1: the MLmodel file has no `signature` (log the model with `signature=` or an `input_example`)'],
    ['c/none.contract.yaml', 'ws:c/none.contract.yaml: no such file'],
    ['c/bad.contract.yaml', 'ws:c/bad.contract.yaml:4:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['c/runbook.contract.yaml', 'ws:c/runbook.contract.yaml: not an InterfaceContract (kind is `RollbackRunbook`)'],
    ['c/list.contract.yaml', 'ws:c/list.contract.yaml: not an InterfaceContract (the top level is not a mapping)'],
    ['c/missing.contract.yaml', 'ws:c/missing.contract.yaml: input.schema refers to `nowhere.json`, but ws:c/nowhere.json does not exist'],
    ['c/escape.contract.yaml', 'ws:c/escape.contract.yaml: input.schema refers to `../../up.json`, which leaves the folder tree it is read from'],
  ];
  for (const [file, message] of errors) {
    it(`${file}: ${message.replace(/^ws:\S+ /, '')}`, async () => {
      await assert.rejects(load(file), (e: unknown) => e instanceof ContractLoadError && e.message === message);
    });
  }

  it('a schema file that is not JSON', async () => {
    await assert.rejects(load('c/badjson.contract.yaml'), (e: unknown) => e instanceof ContractLoadError && /^ws:c\/bad\.json: not valid JSON: /.test(e.message));
  });

  it('a reader that fails: the message names the file', async () => {
    const failing = async () => {
      throw new Error('permission denied');
    };
    await assert.rejects(loadContractVersion('x.contract.yaml', failing), (e: unknown) => e instanceof ContractLoadError && e.message === 'cannot read x.contract.yaml: permission denied');
  });
});

// ---- the command ---------------------------------------------------------------------------

describe('cli: compat <old> <new>', () => {
  it('compatible changes: exit 0, one `file:line:col: class code message` line each (1-based), a summary on stderr', async () => {
    const r = await cli(['base.contract.yaml', 'input-compatible.contract.yaml', '--today', '2026-03-01'], DIR);
    assert.equal(r.code, 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 9);
    assert.equal(lines[0], 'input-compatible.contract.yaml:13:7: compatible annotation-changed `input.id`: description changed');
    assert.equal(lines[8], 'input-compatible.contract.yaml:21:7: compatible field-added `input.season` was added to the input schema as an optional field');
    assert.equal(r.stderr, 'base.contract.yaml → input-compatible.contract.yaml: 9 changes: 0 breaking, 0 risky, 9 compatible\n');
  });

  it('breaking changes: exit 1', async () => {
    const r = await cli(['base.contract.yaml', 'output-breaking.contract.yaml', '--today', '2026-03-01'], DIR);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.split('\n')[4], 'schemas/output-breaking.schema.json:5:3: breaking field-removed `output.margin` was removed from the output schema; consumers that read it break');
    assert.equal(r.stderr, 'base.contract.yaml → output-breaking.contract.yaml: 10 changes: 10 breaking, 0 risky, 0 compatible\n');
  });

  it('risky changes pass (exit 0) unless --strict (exit 1)', async () => {
    assert.equal((await cli(['base.contract.yaml', 'tolerances.contract.yaml', '--today', '2026-03-01'], DIR)).code, 0);
    assert.equal((await cli(['base.contract.yaml', 'tolerances.contract.yaml', '--today', '2026-03-01', '--strict'], DIR)).code, 1);
  });

  it('--today decides which deprecations are due', async () => {
    const early = await cli(['base.contract.yaml', 'base.contract.yaml', '--today', '2026-06-01'], DIR);
    assert.deepEqual([early.code, early.stdout, early.stderr], [0, '', 'base.contract.yaml → base.contract.yaml: no changes\n']);
    const late = await cli(['base.contract.yaml', 'base.contract.yaml', '--today', '2026-06-02'], DIR);
    assert.equal(late.code, 1);
    assert.equal(late.stdout, 'base.contract.yaml:20:7: breaking deprecation-overdue `input.old_len` was due for removal after 2026-06-01 and is still in the input schema\n');
  });

  it('--format json: the report, with 0-based positions', async () => {
    const r = await cli(['base.contract.yaml', 'key-labels.contract.yaml', '--format', 'json', '--today', '2026-03-01'], DIR);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['old', 'new', 'verdict', 'counts', 'changes']);
    assert.deepEqual([report.old, report.new, report.verdict, report.counts], ['base.contract.yaml', 'key-labels.contract.yaml', 'breaking', { compatible: 0, risky: 1, breaking: 4 }]);
    assert.deepEqual(report.changes[0], {
      code: 'key-changed',
      class: 'breaking',
      area: 'key',
      message: 'output.key changed from `id` to `uid`; consumers and baselines join outputs to inputs by it',
      location: { file: 'key-labels.contract.yaml', pointer: '/output/key', line: 24, character: 7 },
      previous: { file: 'base.contract.yaml', pointer: '/output/key', line: 24, character: 7 },
      before: 'id',
      after: 'uid',
    });
  });

  it('--format json with no changes', async () => {
    const r = await cli(['base.contract.yaml', 'inline-output.contract.yaml', '--format=json', '--today', '2026-03-01'], DIR);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      old: 'base.contract.yaml',
      new: 'inline-output.contract.yaml',
      verdict: 'compatible',
      counts: { compatible: 0, risky: 0, breaking: 0 },
      changes: [],
    });
  });

  it('paths outside the working folder are shown absolute', async () => {
    // a fresh empty folder as the working folder: the repository may itself live under the temp folder
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-cwd-'));
    const r = await cli([path.join(DIR, 'base.contract.yaml'), path.join(DIR, 'deprecated-removed.contract.yaml'), '--today', '2026-03-01'], elsewhere);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.startsWith(`${path.join(DIR, 'deprecated-removed.contract.yaml').split(path.sep).join('/')}:12:5: breaking field-removed`), r.stdout);
  });

  describe('errors: exit 2', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-compat-'));
      fs.writeFileSync(path.join(dir, 'bad.contract.yaml'), 'apiVersion: rollback-lens/v1\nkind: InterfaceContract\ninput: { schema: [\n');
      fs.writeFileSync(path.join(dir, 'ok.contract.yaml'), 'apiVersion: rollback-lens/v1\nkind: InterfaceContract\ninput: { schema: { type: object } }\noutput: { key: id }\n');
      fs.writeFileSync(path.join(dir, 'noref.contract.yaml'), 'apiVersion: rollback-lens/v1\nkind: InterfaceContract\ninput: { schema: { $ref: schemas/in.json } }\noutput: { key: id }\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const cases: Array<[string, string[], string]> = [
      ['a missing file', ['nope.contract.yaml', 'ok.contract.yaml'], 'rollback-lens: nope.contract.yaml: no such file\n'],
      ['bad YAML', ['ok.contract.yaml', 'bad.contract.yaml'], 'rollback-lens: bad.contract.yaml:4:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]\n'],
      ['a missing schema file', ['ok.contract.yaml', 'noref.contract.yaml'], 'rollback-lens: noref.contract.yaml: input.schema refers to `schemas/in.json`, but schemas/in.json does not exist\n'],
      // the working folder itself is shown absolute
      ['a folder', ['ok.contract.yaml', '.'], 'rollback-lens: cannot read <dir>: it is a folder, not a file\n'],
    ];
    for (const [what, argv, stderr] of cases) {
      it(what, async () => {
        const r = await cli(argv, dir);
        assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', stderr.replace('<dir>', dir.split(path.sep).join('/'))]);
      });
    }

    const usage: Array<[string, string[], string]> = [
      ['no arguments', [], 'give two contracts, or one contract and --against <git-revision>'],
      ['three contracts', ['a', 'b', 'c'], 'too many arguments: c'],
      ['two contracts and --against', ['a', 'b', '--against', 'HEAD'], '--against compares one contract with its own history: give one contract, not two'],
      ['an unknown format', ['a', 'b', '--format', 'sarif'], '--format must be text or json, not `sarif`'],
      ['a bad --today', ['a', 'b', '--today', '2026-13-01'], '--today: month `13` is not between 01 and 12'],
      ['an unknown option', ['a', 'b', '--bogus'], "Unknown option '--bogus'"],
      ['one contract without compatibility.file/revision', ['ok.contract.yaml'], 'ok.contract.yaml has no compatibility.file or compatibility.revision: give the old contract, or --against <git-revision>'],
    ];
    for (const [what, argv, message] of usage) {
      it(`usage: ${what}`, async () => {
        const r = await cli(argv, dir);
        assert.equal(r.code, 2);
        assert.equal(r.stdout, '');
        assert.ok(r.stderr.startsWith(`rollback-lens compat: ${message}`), r.stderr);
        assert.ok(r.stderr.endsWith(`\n\n${COMPAT_USAGE}\n`));
      });
    }
  });

  it('--help: the usage on stdout, exit 0', async () => {
    const r = await cli(['--help'], DIR);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, COMPAT_USAGE + '\n', '']);
  });

  it('one contract with compatibility.file: compared with that file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-compat-'));
    try {
      fs.cpSync(DIR, dir, { recursive: true });
      const text = fs.readFileSync(path.join(dir, 'key-labels.contract.yaml'), 'utf8') + 'compatibility: { file: base.contract.yaml }\n';
      fs.writeFileSync(path.join(dir, 'key-labels.contract.yaml'), text);
      const r = await cli(['key-labels.contract.yaml', '--today', '2026-03-01'], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'base.contract.yaml → key-labels.contract.yaml: 5 changes: 4 breaking, 1 risky, 0 compatible\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
