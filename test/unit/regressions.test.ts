// Regressions: bugs in src/ found while writing the unit tests, each fixed and
// kept here with the behaviour it must keep. The comments above each test say
// what was wrong. Bug 9 needs a child process: test/system/regressions.test.ts.
import * as assert from 'node:assert/strict';
import { DIAGNOSTIC_CODES, parseComparison, parseDuration } from '../../src/core';
import runbookSchema from '../../src/schemas/runbook.schema.json';
import { CLEAN_CONTRACT, CLEAN_RUNBOOK, NOW, applyEdits, cursor, rangeIn, rangeOfText, replaceOnce, setup, showAll, spanOf } from './helpers';

async function check(text: string, p = 'iris.runbook.yaml') {
  const { service, doc } = setup(text, { path: p, host: { lastDrill: NOW } });
  return showAll(text, await service.validate(doc));
}

describe('regressions', () => {
  // src/core/language/schemaErrors.ts (pattern errors only call the parser when the
  // pattern fails) + src/core/language/checks/contract.ts ("the schema check explains
  // the date", but it does not): a date of the right shape that does not exist
  // passes silently, and an impossible removeAfter disables the deprecation.
  it('bug 1: an impossible date (month 13, February 30) is reported as invalid-date on the bad part', async () => {
    const t = replaceOnce(CLEAN_CONTRACT, 'removeAfter: 2099-06-01', 'removeAfter: 2099-13-01');
    assert.deepEqual(await check(t, 'iris.contract.yaml'), [
      { range: rangeIn(t, 'removeAfter: 2099-13-01', '13'), severity: 'error', code: 'invalid-date', message: 'invalid date `2099-13-01`: month `13` is not between 01 and 12' },
    ]);
    const t2 = replaceOnce(CLEAN_CONTRACT, 'since: 2099-01-01', 'since: 2099-02-30');
    assert.deepEqual(await check(t2, 'iris.contract.yaml'), [
      { range: rangeIn(t2, 'since: 2099-02-30', '30'), severity: 'error', code: 'invalid-date', message: 'invalid date `2099-02-30`: day `30` does not exist in 2099-02 (it has 28 days)' },
    ]);
  });

  // src/core/util/values.ts parseComparison: the tail error starts at the blank
  // after the threshold, so the squiggle includes the leading space.
  it('bug 2: `> 5 apples` points at `apples`, not at ` apples`', async () => {
    assert.deepEqual(parseComparison('> 5 apples'), { ok: false, error: { at: 4, length: 6, message: 'unexpected `apples` after the threshold' } });
    const t = replaceOnce(CLEAN_RUNBOOK, 'when: "> 250"', 'when: "> 5 apples"');
    assert.deepEqual(await check(t), [
      { range: rangeIn(t, '"> 5 apples"', 'apples'), severity: 'error', code: 'invalid-comparison', message: 'invalid comparison `> 5 apples`: unexpected `apples` after the threshold' },
    ]);
  });

  // src/core/util/values.ts parseDuration: "missing unit" is reported at the end of
  // the string with length 1, i.e. outside it; the editor then underlines the
  // closing quote, or the blank/comma after an unquoted value.
  it('bug 3: a number without unit points at that number, inside the value', async () => {
    assert.deepEqual(parseDuration('5'), { ok: false, error: { at: 0, length: 1, message: 'missing unit after `5`; use one of ms, s, m, h, d, w' } });
    assert.deepEqual(parseDuration('1h30'), { ok: false, error: { at: 2, length: 2, message: 'missing unit after `30`; use one of ms, s, m, h, d, w' } });
    const t = replaceOnce(CLEAN_RUNBOOK, 'for: 5m }', 'for: 1h30 }');
    assert.deepEqual(await check(t), [
      { range: rangeIn(t, 'for: 1h30 }', '30'), severity: 'error', code: 'invalid-duration', message: 'invalid duration `1h30`: missing unit after `30`; use one of ms, s, m, h, d, w' },
    ]);
  });

  // src/core/language/schemaErrors.ts collapseCombinators: errors inside a oneOf branch
  // that is a $ref carry the referenced definition's schemaPath, so they are
  // not recognised as branch errors; the string branch's type error leaks out.
  it('bug 4: an http undo with a typo gives only the typo, not also "expected a string"', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '    undo: ./scripts/set-alias.sh iris champion 2.0.0\n', '    undo: { url: "https://x", methd: POST }\n');
    assert.deepEqual(await check(t), [
      { range: rangeOfText(t, 'methd'), severity: 'error', code: 'schema-unknown-property', message: 'unknown property `methd` — did you mean `method`?' },
    ]);
  });

  it('bug 4b: an undo of the wrong type gives one message naming both allowed forms', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '    undo: ./scripts/set-alias.sh iris champion 2.0.0\n', '    undo: 5\n');
    assert.deepEqual(await check(t), [
      { range: rangeIn(t, 'undo: 5', '5'), severity: 'error', code: 'schema-type', message: '`undo`: expected a string or a mapping, found an integer' },
    ]);
  });

  // src/core/yaml/parse.ts: an alias whose anchor does not exist resolves to
  // undefined and silently becomes null; the yaml library reports it only when
  // converting to JS, which the tree builder never does.
  it('bug 5: an undefined alias is a YAML error on the alias', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'owner: ml-platform', 'owner: *nope');
    const ds = await check(t);
    assert.equal(ds.length, 1, JSON.stringify(ds));
    assert.deepEqual(ds[0]!.range, rangeOfText(t, '*nope'));
    assert.equal(ds[0]!.code, 'yaml-syntax');
    assert.match(ds[0]!.message, /nope/);
  });

  // src/core/language/schemaErrors.ts valueSpan: an empty value is a zero-width null
  // scalar after the colon, so the error has an empty range that editors can
  // hardly show; "a missing value points at its key" should apply.
  it('bug 6: an empty value is reported on its key, not as an empty range after the colon', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '    timeout: 60s', '    timeout:');
    assert.deepEqual(await check(t), [{ range: rangeIn(t, '    timeout:', 'timeout'), severity: 'error', code: 'schema-type', message: '`timeout`: expected a string, found nothing (null)' }]);
  });

  // src/core/language/schemas.ts propertiesAt merges `required` from every oneOf branch
  // and if/then, and completion.ts does not drop the branches the node already
  // excludes: a step with `run` is offered http/flag/approve/notify/verify,
  // each labelled "required", though adding one is a schema-exclusive error.
  it('bug 7: completion in a step that has `run` offers no other kind key and labels nothing required', async () => {
    const { text, offset } = cursor(replaceOnce(CLEAN_RUNBOOK, '    requires: [flag-off]\n', '    requires: [flag-off]\n    |\n'));
    const { service, doc } = setup(text);
    const items = (await service.complete(doc, offset)).filter((i) => i.kind !== 'snippet');
    assert.deepEqual(items.map((i) => i.label).sort(), ['capture', 'check', 'cwd', 'description', 'env', 'owner', 'retries', 'retryDelay']);
    assert.deepEqual(items.filter((i) => i.detail?.startsWith('required')).map((i) => i.label), []);
  });

  // src/core/language/analysis.ts returns no schema when the document is empty or its
  // kind is not (yet) valid, even when the file name decides the kind, so
  // completion.ts has nothing to offer in a new file.
  it('bug 8: completion in an empty *.runbook.yaml offers apiVersion and kind; `kind: |` offers RollbackRunbook', async () => {
    const empty = setup('', { path: 'new.runbook.yaml' });
    const labels = (await empty.service.complete(empty.doc, 0)).map((i) => i.label);
    assert.ok(labels.includes('apiVersion') && labels.includes('kind'), JSON.stringify(labels));
    const { text, offset } = cursor('apiVersion: rollback-lens/v1\nkind: |\n');
    const s = setup(text, { path: 'new.runbook.yaml' });
    assert.ok((await s.service.complete(s.doc, offset)).some((i) => i.label === 'RollbackRunbook'));
  });

  // src/core/language/checks/runbook.ts declareRoleFix: with no `roles` key it appends a
  // block `roles:` section at the end, also when the root is a flow mapping
  // (a JSON runbook), which makes the document invalid YAML.
  it('bug 10: "Declare role" on a JSON runbook keeps it valid', async () => {
    const t = JSON.stringify({
      apiVersion: 'rollback-lens/v1',
      kind: 'RollbackRunbook',
      metadata: { name: 'x' },
      release: { current: { model: 'm', version: '2' }, target: { model: 'm', version: '1' } },
      steps: [{ id: 'a', approve: ['decisionMaker'] }],
    });
    const { service, doc } = setup(t);
    const actions = await service.codeActions(doc, spanOf(t, '"kind"'));
    const declare = actions.find((a) => a.diagnostic.code === 'missing-decision-maker')!;
    assert.ok(declare, 'a Declare role fix is offered');
    const fixed = applyEdits(t, declare.edits);
    const after = await check(fixed);
    assert.deepEqual(after.map((d) => `${d.code}: ${d.message}`), []);
  });

  // the schema's comparison pattern and parseComparison disagree, so the
  // linter and every tool that uses the parser disagree too: a tab after the
  // operator passes the schema but not the parser (the dry-run would fail on
  // a file the editor calls clean); `.5` fails the schema (with a raw regex as
  // message) but parses.
  it('bug 11: the comparison pattern of the schema and parseComparison accept the same strings', () => {
    const pattern = new RegExp((runbookSchema as unknown as { definitions: { comparison: { pattern: string } } }).definitions.comparison.pattern);
    const disagreements = ['> 250', '>\t250', '> .5', '>= -0.5', '> 1e3', '>+5', ' < 2 ', '> 5.'].filter((s) => pattern.test(s) !== parseComparison(s).ok);
    assert.deepEqual(disagreements, []);
  });

  // src/core/language/schemaErrors.ts has no case for `propertyNames`: an invalid role
  // name gives two errors over the whole roles map, one quoting the map as
  // `{}` and one with ajv's raw text; neither names or points at the bad key.
  it('bug 12: an invalid role name is one error on that key, naming it', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '  commsLiaison:  { name: Support lead, contact: "#support" }\n', '  commsLiaison:  { name: Support lead, contact: "#support" }\n  on-call lead: { contact: "#x" }\n');
    const ds = await check(t);
    assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => d.message)));
    assert.deepEqual(ds[0]!.range, rangeOfText(t, 'on-call lead'));
    assert.equal(ds[0]!.code, 'schema-pattern');
    assert.match(ds[0]!.message, /`on-call lead`/);
  });

  // src/core/language/schemaErrors.ts single(): the default case emits `schema-<ajv
  // keyword>` codes (schema-minItems, schema-maximum, schema-minLength, ...)
  // that src/core/language/codes.ts does not list, so they are neither documented nor
  // stable, and SARIF rules get no description; their messages are ajv's raw
  // text ("must NOT have fewer than 1 items").
  it('bug 13: every code validate() emits is listed in DIAGNOSTIC_CODES', async () => {
    const variants: Array<[string, string]> = [
      [replaceOnce(CLEAN_RUNBOOK, 'approve: [decisionMaker]', 'approve: []'), 'iris.runbook.yaml'], // minItems
      [CLEAN_RUNBOOK + 'reintroduction:\n  stages:\n    - percent: 0\n    - percent: 150\n', 'iris.runbook.yaml'], // exclusiveMinimum, maximum
      [replaceOnce(CLEAN_RUNBOOK, 'name: iris-classifier-rollback', 'name: ""'), 'iris.runbook.yaml'], // minLength
      [replaceOnce(CLEAN_CONTRACT, 'seed: 42', 'seed: 42\n  concurrency: 0'), 'iris.contract.yaml'], // minimum
      [CLEAN_CONTRACT + 'compatibility: { file: iris.contract.yaml, revision: HEAD~1 }\n', 'iris.contract.yaml'], // not
    ];
    const unlisted = new Set<string>();
    for (const [text, p] of variants) for (const d of await check(text, p)) if (!(d.code in DIAGNOSTIC_CODES)) unlisted.add(d.code);
    assert.deepEqual([...unlisted], []);
  });
});
