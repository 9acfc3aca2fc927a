// LanguageService.validate(): the clean fixtures give nothing, and each broken
// variant gives exactly the expected diagnostics (range, severity, code,
// message, related info). Ranges are derived from the text, never copied from
// the output. The host is in memory, with the clock fixed at 2026-11-22.
import * as assert from 'node:assert/strict';
import { LanguageService } from '../../src/core';
import {
  CLEAN_CONTRACT,
  CLEAN_FILES,
  CLEAN_RUNBOOK,
  DAY,
  FakeHost,
  NOW,
  doc,
  r,
  rangeIn,
  rangeOfText,
  replaceOnce,
  setup,
  showAll,
  type FakeHostOptions,
  type Range,
  type Shown,
} from './helpers';

type Options = Parameters<typeof setup>[1];

async function check(text: string, options: Options = {}): Promise<Shown[]> {
  const { service, doc: d } = setup(text, options);
  return showAll(text, await service.validate(d), true);
}

function err(range: Range, code: string, message: string, related?: Array<{ range: Range; message: string }>): Shown {
  return { range, severity: 'error', code, message, ...(related ? { related } : {}) };
}

function warn(range: Range, code: string, message: string, related?: Array<{ range: Range; message: string }>): Shown {
  return { range, severity: 'warning', code, message, ...(related ? { related } : {}) };
}

const RB = CLEAN_RUNBOOK;
const CT = CLEAN_CONTRACT;
const contract = { path: 'iris.contract.yaml' };

describe('validate: clean documents', () => {
  it('the clean runbook has no diagnostics (every referenced file present, drilled 10 days ago)', async () => {
    assert.deepEqual(await check(RB, { host: { lastDrill: NOW - 10 * DAY } }), []);
  });

  it('the clean contract has no diagnostics (its deprecation has not started yet)', async () => {
    assert.deepEqual(await check(CT, contract), []);
  });

  it('the fixture folder holds every file the clean documents reference', async () => {
    // the same documents with an empty workspace report every reference as missing
    const host = new FakeHost({ files: { 'iris.runbook.yaml': RB } });
    const service = new LanguageService(host);
    const missing = (await service.validate(doc('iris.runbook.yaml', RB))).filter((d) => d.code === 'missing-file');
    // 2 release contracts, metrics file, 3 state files, flag file, verify contract; the script of run, dryRun and undo
    assert.equal(missing.length, 11);
    for (const d of missing) {
      const ref = /^(?:file|script) `([^`]+)` does not exist \(looked for `([^`]+)`\)/.exec(d.message)![2]!;
      assert.ok(CLEAN_FILES.has(ref), ref);
    }
  });

  it('a JSON document is YAML too: the clean runbook written as JSON has no diagnostics', async () => {
    const { service, doc: d } = setup(RB);
    const value = service.analysis(d).parsed!.value;
    const json = JSON.stringify(value, null, 2);
    assert.deepEqual(await check(json, { host: { lastDrill: NOW } }), []);
  });
});

describe('validate: guards before parsing', () => {
  it('empty file: one empty-document error at the start', async () => {
    assert.deepEqual(await check(''), [err(r(0, 0, 0, 0), 'empty-document', 'empty document: expected a `RollbackRunbook` with `apiVersion` and `kind`')]);
  });

  it('a file with only a comment is empty: the error covers the first line', async () => {
    const t = '# to be written\n';
    assert.deepEqual(await check(t), [err(r(0, 0, 0, 15), 'empty-document', 'empty document: expected a `RollbackRunbook` with `apiVersion` and `kind`')]);
  });

  it('empty contract and empty file of unknown kind: the message names what is expected', async () => {
    assert.deepEqual(await check('', contract), [err(r(0, 0, 0, 0), 'empty-document', 'empty document: expected an `InterfaceContract` with `apiVersion` and `kind`')]);
    assert.deepEqual(await check('', { path: 'notes.yaml' }), [
      err(r(0, 0, 0, 0), 'empty-document', 'empty document: expected a `RollbackRunbook`, `InterfaceContract` or `RollbackPolicy` with `apiVersion` and `kind`'),
    ]);
  });

  it('binary content: one binary-file error on the first NUL byte, nothing else', async () => {
    const t = 'apiVersion: x\u0000\u0001\u0002\nkind: [';
    assert.deepEqual(await check(t), [err(r(0, 13, 0, 14), 'binary-file', 'this is a binary file (it contains NUL bytes), not YAML')]);
  });

  it('file-too-large with a tiny maxSize: one error on the first line, no parse', async () => {
    const { service, doc: d } = setup(RB, { service: { maxSize: 1000, maxAliasExpansion: 100_000 } });
    const ds = await service.validate(d);
    assert.deepEqual(showAll(RB, ds), [
      err(r(0, 0, 0, 28), 'file-too-large', 'file is 1.8 KiB; Rollback Lens checks files up to 1000 bytes (setting `rollbackLens.maxFileSize`)'),
    ]);
    assert.equal(service.analysis(d).parsed, null);
  });

  it('file-too-large says the sizes in readable units', async () => {
    const big = RB + '# ' + 'x'.repeat(1.5 * 1024 * 1024) + '\n';
    const { service, doc: d } = setup(big, { service: { maxSize: 1024 * 1024, maxAliasExpansion: 100_000 } });
    assert.deepEqual(showAll(big, await service.validate(d)), [
      err(r(0, 0, 0, 28), 'file-too-large', 'file is 1.50 MiB; Rollback Lens checks files up to 1.00 MiB (setting `rollbackLens.maxFileSize`)'),
    ]);
  });

  it('exactly maxSize is still checked', async () => {
    const { service, doc: d } = setup(RB, { service: { maxSize: RB.length, maxAliasExpansion: 100_000 } });
    assert.deepEqual(await service.validate(d), []);
  });
});

describe('validate: YAML and document shape', () => {
  it('YAML syntax error: located on the offending character; schema checks are skipped', async () => {
    const t = replaceOnce(RB, 'owner: ml-platform', 'owner: @ml-platform');
    assert.deepEqual(await check(t), [err(rangeIn(t, 'owner: @ml', '@'), 'yaml-syntax', 'YAML: Plain value cannot start with reserved character @')]);
  });

  it('alias bomb: exactly one yaml-alias-limit error, nothing else', async () => {
    const lines = ['apiVersion: rollback-lens/v1', 'kind: RollbackRunbook', 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const t = lines.join('\n') + '\n';
    assert.deepEqual(await check(t), [
      err(rangeOfText(t, '*a4'), 'yaml-alias-limit', 'YAML: aliases expand to more than 100000 nodes (an alias bomb?); the file is not validated further'),
    ]);
  });

  it('a list at the top: not-a-mapping over the whole list', async () => {
    const t = '[1, 2, 3]\n';
    assert.deepEqual(await check(t), [
      err(r(0, 0, 0, 9), 'not-a-mapping', 'expected a `RollbackRunbook`: a mapping with `apiVersion`, `kind` and `metadata`, found a list'),
    ]);
  });

  it('a scalar at the top: not-a-mapping over the scalar', async () => {
    const t = 'hello world\n';
    assert.deepEqual(await check(t, contract), [
      err(r(0, 0, 0, 11), 'not-a-mapping', 'expected an `InterfaceContract`: a mapping with `apiVersion`, `kind` and `metadata`, found a single value'),
    ]);
  });

  it('a JSON document missing properties: required errors on the first key, the decision-maker on `kind`', async () => {
    const t = '{"apiVersion":"rollback-lens/v1","kind":"RollbackRunbook"}';
    assert.deepEqual(await check(t), [
      err(r(0, 1, 0, 13), 'schema-required', 'missing required property `metadata`'),
      err(r(0, 1, 0, 13), 'schema-required', 'missing required property `release`'),
      err(r(0, 1, 0, 13), 'schema-required', 'missing required property `steps`'),
      err(r(0, 33, 0, 39), 'missing-decision-maker', 'no `decisionMaker` role: someone must own the decision to roll back; declare `roles.decisionMaker` with a contact'),
    ]);
  });

  it('unknown apiVersion: on the value, and nothing else is checked', async () => {
    const t = replaceOnce(RB, 'apiVersion: rollback-lens/v1', 'apiVersion: rollback-lens/v2');
    assert.deepEqual(await check(t), [
      err(r(0, 12, 0, 28), 'unknown-api-version', 'unknown apiVersion `rollback-lens/v2`; this version of Rollback Lens reads `rollback-lens/v1`'),
    ]);
  });

  it('unknown kind: on the value', async () => {
    const t = replaceOnce(RB, 'kind: RollbackRunbook', 'kind: RollbackRunBook');
    assert.deepEqual(await check(t), [err(r(1, 6, 1, 21), 'unknown-kind', 'unknown kind `RollbackRunBook`; expected `RollbackRunbook`, `InterfaceContract` or `RollbackPolicy`')]);
  });

  it('missing kind in a file whose name does not decide it: on the first key', async () => {
    const t = replaceOnce(RB, 'kind: RollbackRunbook\n', '');
    assert.deepEqual(await check(t, { path: 'rollback.yaml' }), [err(r(0, 0, 0, 10), 'unknown-kind', 'missing `kind`; expected `RollbackRunbook`, `InterfaceContract` or `RollbackPolicy`')]);
  });

  it('missing kind in a *.runbook.yaml: the file name decides the schema, which requires `kind`', async () => {
    const t = replaceOnce(RB, 'kind: RollbackRunbook\n', '');
    assert.deepEqual(await check(t, { host: { lastDrill: NOW } }), [err(r(0, 0, 0, 10), 'schema-required', 'missing required property `kind`')]);
  });

  it('kind-mismatch: a warning on the declared kind, checked as what it declares', async () => {
    const t = replaceOnce(CT, 'kind: InterfaceContract', 'kind: RollbackRunbook');
    const ds = await check(t, contract);
    assert.deepEqual(
      ds.find((d) => d.code === 'kind-mismatch'),
      warn(r(1, 6, 1, 21), 'kind-mismatch', 'this file is named like an `InterfaceContract` but declares `kind: RollbackRunbook`; it is checked as `RollbackRunbook`'),
    );
    assert.ok(ds.some((d) => d.code === 'schema-required' && d.message === 'missing required property `release`'));
  });
});

describe('validate: schema errors', () => {
  it('unknown property with did-you-mean (`undoo` -> `undo`), and the step then misses its undo', async () => {
    const t = replaceOnce(RB, '    undo: ./scripts', '    undoo: ./scripts');
    assert.deepEqual(await check(t, { host: { lastDrill: NOW } }), [
      err(
        rangeIn(t, 'run: ./scripts/set-alias.sh iris', 'run'),
        'missing-undo',
        'step `repoint` changes something (`run`) but has no `undo`; add what reverses it so the rollback can itself be rolled back',
      ),
      err(rangeOfText(t, 'undoo'), 'schema-unknown-property', 'unknown property `undoo` — did you mean `undo`?'),
    ]);
  });

  it('unknown property without a close match lists what is allowed', async () => {
    const t = replaceOnce(RB, 'owner: ml-platform }', 'owner: ml-platform, colour: red }');
    assert.deepEqual(await check(t), [
      err(rangeOfText(t, 'colour'), 'schema-unknown-property', 'unknown property `colour`; expected `name`, `owner`, `description`, `labels` or `links`'),
    ]);
  });

  it('missing required property: on the key of the object that lacks it', async () => {
    const t = replaceOnce(RB, '  target:  { model: iris-classifier, version: 1.4.2, contract: iris.contract.yaml }\n', '');
    assert.deepEqual(await check(t), [err(r(3, 0, 3, 7), 'schema-required', 'missing required property `target`')]);
  });

  it('missing required property in a role: on the role key', async () => {
    const t = replaceOnce(RB, 'dataSteward:   { name: Data steward, contact: "#data" }', 'dataSteward:   { name: Data steward }');
    assert.deepEqual(await check(t), [err(r(9, 2, 9, 13), 'schema-required', 'missing required property `contact`')]);
  });

  it('wrong type: a number where a duration string is expected', async () => {
    const t = replaceOnce(RB, '    timeout: 60s', '    timeout: 60');
    assert.deepEqual(await check(t), [err(rangeIn(t, 'timeout: 60\n', '60'), 'schema-type', '`timeout`: expected a string, found an integer')]);
  });

  it('wrong type: a string where a list is expected', async () => {
    const t = replaceOnce(RB, 'preserve: [locale, consent]', 'preserve: locale');
    assert.deepEqual(await check(t), [err(rangeIn(t, 'preserve: locale', 'locale'), 'schema-type', '`preserve`: expected a list, found a string')]);
  });

  it('enum value with a suggestion: communication `on`', async () => {
    const t = replaceOnce(RB, 'on: [start, close]', 'on: [start, clos]');
    assert.deepEqual(await check(t), [err(rangeIn(t, '[start, clos]', 'clos'), 'schema-enum', 'item 2 of `on`: `clos` is not one of `start`, `update` or `close` — did you mean `close`?')]);
  });

  it('enum value with a suggestion: http method', async () => {
    const t = replaceOnce(RB, '  - id: verify\n', '  - id: call\n    http: { method: PSOT, url: "https://registry.example.com" }\n    undo: { method: POST, url: "https://registry.example.com" }\n  - id: verify\n');
    assert.deepEqual(await check(t), [
      err(rangeOfText(t, 'PSOT'), 'schema-enum', '`method`: `PSOT` is not one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE` or `HEAD` — did you mean `POST`?'),
    ]);
  });

  it('a step with two kinds: schema-exclusive on the second kind key', async () => {
    const t = replaceOnce(RB, '  - id: approve\n    approve: [decisionMaker]\n', '  - id: approve\n    run: echo hi\n    undo: echo bye\n    approve: [decisionMaker]\n');
    assert.deepEqual(await check(t), [
      err(
        rangeIn(t, '    approve: [decisionMaker]', 'approve'),
        'schema-exclusive',
        '`run`, `approve` cannot be used together here; keep exactly one of `run`, `http`, `flag`, `approve`, `notify`, `verify`',
      ),
    ]);
  });

  it('a step with no kind: schema-required on its first key', async () => {
    const t = replaceOnce(RB, '  - id: approve\n    approve: [decisionMaker]\n', '  - id: approve\n');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, '  - id: approve', 'id'), 'schema-required', 'missing one of `run`, `http`, `flag`, `approve`, `notify`, `verify`'),
    ]);
  });

  it('a duplicate in a list of unique items: on the second occurrence, naming both positions', async () => {
    const t = replaceOnce(RB, 'signOff: [decisionMaker, dataSteward]', 'signOff: [decisionMaker, dataSteward, decisionMaker]');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, 'dataSteward, decisionMaker]', 'decisionMaker'), 'schema-duplicate-item', '`signOff`: `decisionMaker` is listed twice (items 1 and 3); list each once'),
    ]);
  });

  it('both metrics sources: schema-exclusive on the second', async () => {
    const t = replaceOnce(RB, 'metrics: { file: metrics/now.json }', 'metrics: { file: metrics/now.json, prometheus: { url: "http://prom:9090", queries: { p99_latency_ms: "x" } } }');
    assert.deepEqual(await check(t), [
      err(rangeOfText(t, 'prometheus'), 'schema-exclusive', '`file`, `prometheus` cannot be used together here; keep exactly one of `file`, `prometheus`'),
    ]);
  });
});

describe('validate: the format’s own syntaxes, with the inner sub-range', () => {
  it('invalid duration `5x`: on the unit', async () => {
    const t = replaceOnce(RB, 'for: 5m', 'for: 5x');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, 'for: 5x', 'x'), 'invalid-duration', 'invalid duration `5x`: unknown duration unit `x`; use one of ms, s, m, h, d, w'),
    ]);
  });

  it('invalid duration in a quoted value: the sub-range skips the quote', async () => {
    const t = replaceOnce(RB, 'restore: 30m', 'restore: "3Om"');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, 'restore: "3Om"', 'Om'), 'invalid-duration', 'invalid duration `3Om`: unknown duration unit `Om`; use one of ms, s, m, h, d, w'),
    ]);
  });

  it('invalid duration `m5`: on the first character', async () => {
    const t = replaceOnce(RB, 'every: 90d', 'every: d90');
    assert.deepEqual(await check(t), [
      err(
        rangeIn(t, 'every: d90', 'd'),
        'invalid-duration',
        'invalid duration `d90`: expected a number at `d`; a duration is a number and a unit (ms, s, m, h, d, w), e.g. `5m` or `1h30m`',
      ),
    ]);
  });

  it('invalid comparison `=> 250`: on the operator', async () => {
    const t = replaceOnce(RB, 'when: "> 250"', 'when: "=> 250"');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, '"=> 250"', '=>'), 'invalid-comparison', 'invalid comparison `=> 250`: expected a comparison operator (>= <= == != > <) at the start, e.g. `> 250`'),
    ]);
  });

  it('invalid comparison `> abc`: on the threshold', async () => {
    const t = replaceOnce(RB, 'when: "> 250"', 'when: "> abc"');
    assert.deepEqual(await check(t), [err(rangeIn(t, '"> abc"', 'abc'), 'invalid-comparison', 'invalid comparison `> abc`: expected a number after `>` (digits, e.g. `0.5`)')]);
  });

  it('invalid comparison in single quotes `>= 1kb`: on the trailing text', async () => {
    const t = replaceOnce(RB, 'when: "> 250"', "when: '>= 1kb'");
    assert.deepEqual(await check(t), [err(rangeIn(t, "'>= 1kb'", 'kb'), 'invalid-comparison', 'invalid comparison `>= 1kb`: unexpected `kb` after the threshold')]);
  });

  it('invalid date `2099/06/01`: on the whole value', async () => {
    const t = replaceOnce(CT, 'removeAfter: 2099-06-01', 'removeAfter: 2099/06/01');
    assert.deepEqual(await check(t, contract), [
      err(rangeOfText(t, '2099/06/01'), 'invalid-date', 'invalid date `2099/06/01`: expected a date as YYYY-MM-DD, e.g. `2027-01-01`'),
    ]);
  });
});

describe('validate: steps', () => {
  it('duplicate step id: on the second id, related info on the first', async () => {
    const t = replaceOnce(RB, '  - id: verify\n', '  - id: repoint\n');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, '- id: repoint', 'repoint', 2), 'duplicate-step-id', 'step id `repoint` is already used by step 3', [
        { range: rangeIn(t, '- id: repoint', 'repoint', 1), message: 'first use of `repoint`' },
      ]),
    ]);
  });

  it('requires naming a missing step, with a suggestion', async () => {
    const t = replaceOnce(RB, 'requires: [repoint]', 'requires: [repoimt]');
    assert.deepEqual(await check(t), [
      err(rangeOfText(t, 'repoimt'), 'unknown-step', '`requires` names step `repoimt`, which does not exist — did you mean `repoint`?'),
    ]);
  });

  it('requires naming a missing step, nothing close', async () => {
    const t = replaceOnce(RB, 'requires: [repoint]', 'requires: [repoint, warm-up]');
    assert.deepEqual(await check(t), [err(rangeOfText(t, 'warm-up'), 'unknown-step', '`requires` names step `warm-up`, which does not exist')]);
  });

  it('dependency cycle: the message names the cycle, related info names each other edge', async () => {
    const t = replaceOnce(RB, '    approve: [decisionMaker]\n', '    approve: [decisionMaker]\n    requires: [verify]\n');
    // approve -> verify -> repoint -> flag-off -> approve; reported on the edge that closes it
    assert.deepEqual(await check(t), [
      err(
        rangeIn(t, 'requires: [approve]', 'approve'),
        'dependency-cycle',
        'dependency cycle: `approve` requires `verify` requires `repoint` requires `flag-off` requires `approve`',
        [
          { range: rangeIn(t, 'requires: [verify]', 'verify'), message: '`approve` requires `verify`' },
          { range: rangeIn(t, 'requires: [repoint]', 'repoint'), message: '`verify` requires `repoint`' },
          { range: rangeIn(t, 'requires: [flag-off]', 'flag-off'), message: '`repoint` requires `flag-off`' },
        ],
      ),
    ]);
  });

  it('a two-step cycle', async () => {
    const t = replaceOnce(RB, 'requires: [flag-off]', 'requires: [flag-off, verify]');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, 'requires: [repoint]', 'repoint'), 'dependency-cycle', 'dependency cycle: `repoint` requires `verify` requires `repoint`', [
        { range: rangeIn(t, 'requires: [flag-off, verify]', 'verify'), message: '`repoint` requires `verify`' },
      ]),
    ]);
  });

  it('a run step without undo: on the `run` key', async () => {
    const t = replaceOnce(RB, '    undo: ./scripts/set-alias.sh iris champion 2.0.0\n', '');
    assert.deepEqual(await check(t), [
      err(
        rangeIn(t, '    run: ./scripts', 'run'),
        'missing-undo',
        'step `repoint` changes something (`run`) but has no `undo`; add what reverses it so the rollback can itself be rolled back',
      ),
    ]);
  });

  it('an http step without undo: on the `http` key', async () => {
    const t = replaceOnce(RB, '  - id: verify\n', '  - id: call\n    http: { method: POST, url: "https://registry.example.com" }\n  - id: verify\n');
    assert.deepEqual(await check(t), [
      err(
        rangeIn(t, '    http: {', 'http'),
        'missing-undo',
        'step `call` changes something (`http`) but has no `undo`; add what reverses it so the rollback can itself be rolled back',
      ),
    ]);
  });

  it('a step without id is named by its position', async () => {
    const t = replaceOnce(RB, '  - id: verify\n', '  - run: echo hi\n  - id: verify\n');
    const ds = await check(t);
    assert.deepEqual(
      ds.filter((d) => d.code === 'missing-undo'),
      [err(rangeIn(t, '  - run: echo hi', 'run'), 'missing-undo', 'step 4 changes something (`run`) but has no `undo`; add what reverses it so the rollback can itself be rolled back')],
    );
  });

  it('a flag step without undo is fine (the clean runbook has one)', async () => {
    assert.ok(/- id: flag-off\n {4}flag:/.test(RB) && !/flag-off[\s\S]*?undo[\s\S]*?- id: repoint/.test(RB));
    assert.deepEqual(await check(RB, { host: { lastDrill: NOW } }), []);
  });
});

describe('validate: roles', () => {
  it('undeclared roles in approve (with suggestion), signOff and communication.owner', async () => {
    let t = replaceOnce(RB, 'approve: [decisionMaker]', 'approve: [decisionMakr]');
    t = replaceOnce(t, 'signOff: [decisionMaker, dataSteward]', 'signOff: [decisionMaker, auditor]');
    t = replaceOnce(t, 'owner: commsLiaison', 'owner: press');
    assert.deepEqual(await check(t), [
      err(rangeOfText(t, 'decisionMakr'), 'undeclared-role', 'role `decisionMakr` (approval) is not declared under `roles` — did you mean `decisionMaker`?'),
      err(rangeOfText(t, 'auditor'), 'undeclared-role', 'role `auditor` (sign-off) is not declared under `roles`'),
      err(rangeOfText(t, 'press'), 'undeclared-role', 'role `press` (communication) is not declared under `roles`'),
    ]);
  });

  it('missing decisionMaker: on the `roles` key, and each use of it is undeclared', async () => {
    const t = replaceOnce(RB, '  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }\n', '');
    assert.deepEqual(await check(t), [
      err(r(6, 0, 6, 5), 'missing-decision-maker', 'no `decisionMaker` role: someone must own the decision to roll back; declare `roles.decisionMaker` with a contact'),
      err(rangeIn(t, 'approve: [decisionMaker]', 'decisionMaker'), 'undeclared-role', 'role `decisionMaker` (approval) is not declared under `roles`'),
      err(rangeIn(t, 'signOff: [decisionMaker', 'decisionMaker'), 'undeclared-role', 'role `decisionMaker` (sign-off) is not declared under `roles`'),
    ]);
  });

  it('no roles section at all: missing decisionMaker on the `kind` key', async () => {
    const t = [
      'apiVersion: rollback-lens/v1',
      'kind: RollbackRunbook',
      'metadata: { name: x }',
      'release:',
      '  current: { model: m, version: "2" }',
      '  target: { model: m, version: "1" }',
      'steps:',
      '  - id: only',
      '    notify: internal',
      '',
    ].join('\n');
    assert.deepEqual(await check(t), [
      err(r(1, 0, 1, 4), 'missing-decision-maker', 'no `decisionMaker` role: someone must own the decision to roll back; declare `roles.decisionMaker` with a contact'),
    ]);
  });
});

describe('validate: metrics and referenced files', () => {
  it('trigger metric missing from the snapshot, with a suggestion', async () => {
    const t = replaceOnce(RB, 'metric: score_psi', 'metric: score_psy');
    assert.deepEqual(await check(t), [
      err(
        rangeOfText(t, 'score_psy'),
        'unknown-metric',
        'metric `score_psy` is not in the metrics snapshot `metrics/now.json`, so this trigger can never fire — did you mean `score_psi`?',
      ),
    ]);
  });

  it('trigger metric missing from the snapshot, nothing close', async () => {
    const t = replaceOnce(RB, 'metric: score_psi', 'metric: qps');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, 'metric: qps', 'qps'), 'unknown-metric', 'metric `qps` is not in the metrics snapshot `metrics/now.json`, so this trigger can never fire'),
    ]);
  });

  it('a snapshot with a `metrics` object: its keys are the metrics', async () => {
    const extraFiles = { 'metrics/now.json': JSON.stringify({ at: '2026-11-22', metrics: { p99_latency_ms: 1, score_psi: 0.1 } }) };
    assert.deepEqual(await check(RB, { extraFiles, host: { lastDrill: NOW } }), []);
  });

  it('trigger metric missing from prometheus queries', async () => {
    const t = replaceOnce(RB, 'metrics: { file: metrics/now.json }', 'metrics: { prometheus: { url: "http://prom:9090", queries: { p99_latency_ms: "histogram_quantile(0.99, x)" } } }');
    assert.deepEqual(await check(t), [
      err(rangeIn(t, 'metric: score_psi', 'score_psi'), 'unknown-metric', 'metric `score_psi` is not in `metrics.prometheus.queries`, so this trigger can never fire'),
    ]);
  });

  it('metrics file that is not JSON: on the file reference, with the parser’s message', async () => {
    const bad = '{ "p99_latency_ms": 182,\n';
    let parseMessage = '';
    try {
      JSON.parse(bad);
    } catch (e) {
      parseMessage = (e as Error).message;
    }
    assert.deepEqual(await check(RB, { extraFiles: { 'metrics/now.json': bad } }), [
      err(rangeOfText(RB, 'metrics/now.json'), 'invalid-metrics-file', `metrics snapshot \`metrics/now.json\` is not valid JSON: ${parseMessage}`),
    ]);
  });

  it('referenced file missing: on the value, saying where it looked', async () => {
    const t = replaceOnce(RB, 'samples: state/samples.jsonl', 'samples: state/sample.jsonl');
    assert.deepEqual(await check(t), [err(rangeOfText(t, 'state/sample.jsonl'), 'missing-file', 'file `state/sample.jsonl` does not exist (looked for `state/sample.jsonl`)')]);
  });

  it('references resolve against the document’s folder', async () => {
    const ds = await check(RB, { path: 'ops/iris.runbook.yaml' });
    const samples = ds.find((d) => d.message.includes('samples'));
    assert.deepEqual(samples, err(rangeOfText(RB, 'state/samples.jsonl'), 'missing-file', 'file `state/samples.jsonl` does not exist (looked for `ops/state/samples.jsonl`)'));
  });

  it('a referenced folder is not a file', async () => {
    const t = replaceOnce(RB, 'samples: state/samples.jsonl', 'samples: state');
    assert.deepEqual(await check(t), [err(rangeIn(t, 'samples: state', 'state'), 'missing-file', '`state` is a folder, not a file')]);
  });

  it('a path escaping the workspace: file-outside-workspace, and the host is never asked about it', async () => {
    const t = replaceOnce(RB, 'samples: state/samples.jsonl', 'samples: ../../etc/passwd');
    const { service, host, doc: d } = setup(t);
    assert.deepEqual(showAll(t, await service.validate(d)), [
      err(rangeOfText(t, '../../etc/passwd'), 'file-outside-workspace', '`../../etc/passwd` points outside the workspace; referenced files must live inside it'),
    ]);
    assert.deepEqual(
      [...host.stats, ...host.reads].filter((p) => p.includes('passwd') || p.includes('..')),
      [],
    );
  });

  it('a path leaving the workspace through a link (host says outside)', async () => {
    assert.deepEqual(await check(RB, { host: { outside: ['state/samples.jsonl'] } }), [
      err(rangeOfText(RB, 'state/samples.jsonl'), 'file-outside-workspace', '`state/samples.jsonl` resolves outside the workspace (through a link); referenced files must live inside it'),
    ]);
  });

  it('a contract test whose inputs are missing', async () => {
    const t = replaceOnce(CT, 'inputs: data/inputs.jsonl', 'inputs: data/input.jsonl');
    assert.deepEqual(await check(t, contract), [err(rangeOfText(t, 'data/input.jsonl'), 'missing-file', 'file `data/input.jsonl` does not exist (looked for `data/input.jsonl`)')]);
  });
});

describe('validate: dates and time against the injected clock (2026-11-22)', () => {
  const dep = 'since: 2099-01-01, removeAfter: 2099-06-01';
  const withDates = (since: string, removeAfter: string) => replaceOnce(CT, dep, `since: ${since}, removeAfter: ${removeAfter}`);

  it('deprecation expired: an error on the field', async () => {
    const t = withDates('2026-01-01', '2026-11-01');
    assert.deepEqual(await check(t, contract), [
      err(rangeOfText(t, 'input.petal_len'), 'deprecation-expired', '`input.petal_len` was to be removed after 2026-11-01 (21 days ago); use `input.petal_length` instead'),
    ]);
  });

  it('deprecation expired yesterday: "1 day ago"', async () => {
    const t = withDates('2026-01-01', '2026-11-21');
    assert.deepEqual(await check(t, contract), [
      err(rangeOfText(t, 'input.petal_len'), 'deprecation-expired', '`input.petal_len` was to be removed after 2026-11-21 (1 day ago); use `input.petal_length` instead'),
    ]);
  });

  it('deprecation inside its window (removeAfter today is still allowed): a warning', async () => {
    for (const removeAfter of ['2027-01-01', '2026-11-22']) {
      const t = withDates('2026-06-01', removeAfter);
      assert.deepEqual(await check(t, contract), [
        warn(
          rangeOfText(t, 'input.petal_len'),
          'deprecation-window',
          `\`input.petal_len\` is deprecated since 2026-06-01 and will be removed after ${removeAfter}; use \`input.petal_length\` instead`,
        ),
      ]);
    }
  });

  it('deprecation starting today is inside its window', async () => {
    const t = withDates('2026-11-22', '2027-11-21');
    assert.equal((await check(t, contract))[0]?.code, 'deprecation-window');
  });

  it('deprecation not started yet: nothing', async () => {
    assert.deepEqual(await check(withDates('2026-11-23', '2027-06-01'), contract), []);
  });

  it('a deprecated output field still used by a test: each use is flagged too', async () => {
    const t = replaceOnce(CT, `field: input.petal_len, ${dep}, replacement: input.petal_length`, 'field: output.probability, since: 2026-01-01, removeAfter: 2026-11-01');
    assert.deepEqual(await check(t, contract), [
      err(rangeOfText(t, 'output.probability'), 'deprecation-expired', '`output.probability` was to be removed after 2026-11-01 (21 days ago)'),
      err(rangeIn(t, 'probability: { abs', 'probability'), 'deprecation-expired', 'test uses deprecated field `output.probability` (removal after 2026-11-01)'),
      err(rangeIn(t, 'probability: { psi', 'probability'), 'deprecation-expired', 'test uses deprecated field `output.probability` (removal after 2026-11-01)'),
    ]);
  });

  it('removeAfter before since: deprecation-dates on removeAfter', async () => {
    const t = withDates('2027-06-01', '2027-01-01');
    assert.deepEqual(await check(t, contract), [err(rangeOfText(t, '2027-01-01'), 'deprecation-dates', 'removeAfter 2027-01-01 is before since 2027-06-01')]);
  });

  it('duplicate contract test id: on the second, related to the first', async () => {
    const t = CT + '  - id: parity\n    accept: [{ id: x }]\n';
    assert.deepEqual(await check(t, contract), [
      err(rangeIn(t, '- id: parity', 'parity', 2), 'duplicate-test-id', 'test id `parity` is already used by test 1', [
        { range: rangeIn(t, '- id: parity', 'parity', 1), message: 'first use of `parity`' },
      ]),
    ]);
  });

  it('worst-case plan longer than windows.restore: a warning on restore, related info per step', async () => {
    let t = replaceOnce(RB, 'restore: 30m', 'restore: 10m');
    t = replaceOnce(t, '    requires: [repoint]\n', '    requires: [repoint]\n    timeout: 15m\n');
    assert.deepEqual(await check(t), [
      warn(
        rangeIn(t, 'restore: 10m', '10m'),
        'restore-window-exceeded',
        "the plan's worst case is 16m (`approve` → `flag-off` → `repoint` → `verify`), longer than windows.restore 10m",
        [
          { range: rangeIn(t, '- id: approve', 'approve'), message: '`approve`: no timeout (0s)' },
          { range: rangeIn(t, '- id: flag-off', 'flag-off'), message: '`flag-off`: no timeout (0s)' },
          { range: rangeIn(t, 'timeout: 60s', '60s'), message: '`repoint`: 1m' },
          { range: rangeIn(t, 'timeout: 15m', '15m'), message: '`verify`: 15m' },
        ],
      ),
    ]);
  });

  it('worst-case plan exactly windows.restore: fine', async () => {
    let t = replaceOnce(RB, 'restore: 30m', 'restore: 16m');
    t = replaceOnce(t, '    requires: [repoint]\n', '    requires: [repoint]\n    timeout: 15m\n');
    assert.deepEqual(await check(t), []);
  });

  it('parallel branches: the longest chain counts, not the sum of all steps', async () => {
    let t = replaceOnce(RB, 'restore: 30m', 'restore: 20m');
    t = replaceOnce(t, '  - id: verify\n', '  - id: side\n    notify: internal\n    timeout: 19m\n    requires: [approve]\n  - id: verify\n');
    assert.deepEqual(await check(t), []);
  });

  const drillRange = () => rangeIn(RB, 'every: 90d', '90d');

  it('drill overdue: last drill 100 days ago, every 90d', async () => {
    const seen: string[] = [];
    const host: FakeHostOptions = {
      lastDrill: (p) => {
        seen.push(p);
        return NOW - 100 * DAY;
      },
    };
    assert.deepEqual(await check(RB, { host }), [
      warn(drillRange(), 'drill-overdue', 'drill overdue: the last drill was on 2026-08-14 (100 days ago); drills are due every 90d'),
    ]);
    assert.deepEqual(seen, ['iris.runbook.yaml']);
  });

  it('drill not overdue: exactly 90 days ago', async () => {
    assert.deepEqual(await check(RB, { host: { lastDrill: NOW - 90 * DAY } }), []);
  });

  it('no drill recorded: a warning', async () => {
    assert.deepEqual(await check(RB, { host: { lastDrill: null } }), [
      warn(drillRange(), 'drill-overdue', 'no drill of this runbook is recorded; drills are due every 90d'),
    ]);
  });

  it('no drill recorded: the cadence counts from when the log first saw the runbook (quiet until then, then a warning saying since when)', async () => {
    // the log saw the runbook today (its first dry-run started the log): nothing is overdue yet
    assert.deepEqual(await check(RB, { host: { lastDrill: null, firstSeen: NOW } }), []);
    assert.deepEqual(await check(RB, { host: { lastDrill: null, firstSeen: NOW - 90 * DAY } }), []);
    assert.deepEqual(await check(RB, { host: { lastDrill: null, firstSeen: NOW - 100 * DAY } }), [
      warn(drillRange(), 'drill-overdue', 'no drill of this runbook is recorded in the 100 days since the audit log first saw it (2026-08-14); drills are due every 90d'),
    ]);
    // a log that never saw the runbook: its cadence has not started
    assert.deepEqual(await check(RB, { host: { lastDrill: null, firstSeen: undefined } }), []);
    // a drill recorded: judged by the drill, whenever the log first saw the runbook
    assert.deepEqual(await check(RB, { host: { lastDrill: NOW - 100 * DAY, firstSeen: NOW - 200 * DAY } }), [
      warn(drillRange(), 'drill-overdue', 'drill overdue: the last drill was on 2026-08-14 (100 days ago); drills are due every 90d'),
    ]);
  });

  it('no drill history available (undefined, or no lastDrill at all): nothing', async () => {
    assert.deepEqual(await check(RB, { host: { lastDrill: undefined } }), []);
    assert.deepEqual(await check(RB), []);
  });
});

describe('validate: caching and ordering', () => {
  it('diagnostics are sorted by position', async () => {
    let t = replaceOnce(RB, 'for: 5m', 'for: 5x');
    t = replaceOnce(t, 'requires: [repoint]', 'requires: [repoimt]');
    t = replaceOnce(t, 'approve: [decisionMaker]', 'approve: [boss]');
    const { service, doc: d } = setup(t);
    const ds = await service.validate(d);
    assert.deepEqual(
      ds.map((x) => x.code),
      ['invalid-duration', 'undeclared-role', 'unknown-step'],
    );
  });

  it('a new version of the document is analysed again', async () => {
    const { service, doc: d } = setup(RB);
    assert.deepEqual(await service.validate(d), []);
    const t = replaceOnce(RB, 'for: 5m', 'for: 5x');
    const ds = await service.validate({ ...d, version: 2, text: t });
    assert.deepEqual(ds.map((x) => x.code), ['invalid-duration']);
  });
});

describe('validate: contract test fields against the output schema', () => {
  const OUT = 'schemas/iris-output.schema.json';
  const arraySchema = JSON.stringify({
    type: 'object',
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      label: { type: 'string' },
      probability: { type: 'number' },
      proba: { type: 'array', items: { type: 'number' } },
      scores: { type: 'object', additionalProperties: false, properties: { setosa: { type: 'number' }, virginica: { type: 'number' } } },
    },
  });
  const withArrays = { ...contract, extraFiles: { [OUT]: arraySchema } };

  it('a misspelt tolerance field: unknown-field on its key, with a did-you-mean and its quick fix', async () => {
    const t = replaceOnce(CT, 'probability: { abs', 'probabilty: { abs');
    const { service, doc: d } = setup(t, contract);
    const ds = await service.validate(d);
    assert.deepEqual(showAll(t, ds), [
      err(rangeIn(t, 'probabilty: { abs', 'probabilty'), 'unknown-field', `\`probabilty\` is not a field of the output schema (\`${OUT}\`), so no row can be compared — did you mean \`probability\`?`),
    ]);
    assert.deepEqual(ds[0]!.fixes?.[0]?.edits, [{ ...{ start: t.indexOf('probabilty: { abs'), end: t.indexOf('probabilty: { abs') + 'probabilty'.length }, newText: 'probability' }]);
  });

  it('abs, rel, psi or ks on a string field: field-not-numeric on the key, naming the rule', async () => {
    const t = replaceOnce(replaceOnce(CT, 'label: { agreement: 0.98 }', 'label: { abs: 0.05 }'), 'probability: { psi', 'label: { psi');
    assert.deepEqual(await check(t, contract), [
      err(rangeIn(t, 'label: { abs', 'label'), 'field-not-numeric', '`label` is a string in the output schema; `abs` compares numbers'),
      err(rangeIn(t, 'label: { psi', 'label'), 'field-not-numeric', '`label` is a string in the output schema; `psi` compares numbers'),
    ]);
  });

  it('array paths: `proba`, `proba.0` and `proba[0]` are numeric for abs; drift on the whole array and unknown names are flagged', async () => {
    const ok = replaceOnce(replaceOnce(CT, 'probability: { abs: 0.05 }', 'proba: { abs: 0.05 }\n      proba.1: { rel: 0.1 }\n      scores.setosa: { abs: 0.1 }'), 'probability: { psi', 'proba[0]: { psi');
    assert.deepEqual(await check(ok, withArrays), []);
    const t = replaceOnce(replaceOnce(CT, 'probability: { abs: 0.05 }', 'probas[0]: { abs: 0.05 }\n      scores.setosaa: { abs: 0.1 }'), 'probability: { psi', 'proba: { psi');
    assert.deepEqual(await check(t, withArrays), [
      err(rangeIn(t, 'probas[0]: {', 'probas[0]'), 'unknown-field', `\`probas[0]\` is not a field of the output schema (\`${OUT}\`), so no row can be compared — did you mean \`proba[0]\`?`),
      err(
        rangeIn(t, 'scores.setosaa: {', 'scores.setosaa'),
        'unknown-field',
        `\`scores.setosaa\` is not a field of the output schema (\`${OUT}\`): \`scores\` has no property \`setosaa\`, so no row can be compared — did you mean \`scores.setosa\`?`,
      ),
      err(rangeIn(t, 'proba: { psi', 'proba'), 'field-not-numeric', '`proba` is an array of numbers in the output schema; `psi` needs one number per row: address an element, e.g. `proba[0]`'),
    ]);
  });

  it('an open schema (no additionalProperties: false): a warning, the field may still come; no output schema: nothing to check', async () => {
    const open = JSON.stringify({ type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' }, probability: { type: 'number' } } });
    const t = replaceOnce(CT, 'probability: { abs', 'probabilty: { abs');
    assert.deepEqual(await check(t, { ...contract, extraFiles: { [OUT]: open } }), [
      warn(rangeIn(t, 'probabilty: { abs', 'probabilty'), 'unknown-field', `\`probabilty\` is not declared in the output schema (\`${OUT}\`) — did you mean \`probability\`?`),
    ]);
    const noSchema = replaceOnce(t, '  schema: { $ref: schemas/iris-output.schema.json }\n', '');
    assert.notEqual(noSchema, t);
    assert.deepEqual(await check(noSchema, contract), []);
  });
});
