// Quick fixes that write what is not there yet: "Insert a skeleton" in an
// empty runbook or contract (a minimal document of its kind that validates
// with no diagnostics), and "Create `path`" on a missing referenced file (a
// stub of its kind, which the editor writes: src/extension/createFile.ts).
import * as assert from 'node:assert/strict';
import { CLEAN_CONTRACT, CLEAN_RUNBOOK, applyEdits, rangeOf, rangeOfText, replaceOnce, setup } from './helpers';
import { skeleton, stubFor } from '../../src/core/language/skeletons';

const SCHEMA_STUB = '{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n  "type": "object",\n  "properties": {}\n}\n';

describe('quick fix: Insert a skeleton', () => {
  for (const [path, kind] of [
    ['rollback/new.runbook.yaml', 'RollbackRunbook'],
    ['contracts/Fraud Model.contract.yaml', 'InterfaceContract'],
  ] as const) {
    it(`fills an empty ${kind} with a document that validates clean (${path})`, async () => {
      const { service, doc } = setup('', { path });
      const actions = await service.codeActions(doc, { start: 0, end: 0 });
      assert.deepEqual(
        actions.map((a) => [a.diagnostic.code, a.title, a.preferred]),
        [['empty-document', 'Insert a skeleton', true]],
      );
      const fixed = applyEdits('', actions[0]!.edits);
      assert.equal(fixed, skeleton(kind, path));
      const again = setup(fixed, { path });
      assert.deepEqual(await again.service.validate(again.doc), []);
    });
  }

  it('names the document after its file and keeps the comments already there', async () => {
    const text = '# the fraud model\n';
    const { service, doc } = setup(text, { path: 'fraud.contract.yaml' });
    const [action] = await service.codeActions(doc, { start: 0, end: 0 });
    const fixed = applyEdits(text, action!.edits);
    assert.equal(
      fixed,
      [
        '# the fraud model',
        'apiVersion: rollback-lens/v1',
        'kind: InterfaceContract',
        'metadata: { name: fraud, version: 1 }',
        'input:',
        '  schema: { type: object }',
        'output:',
        '  key: id',
        '  schema: { type: object, properties: { id: { type: string } }, required: [id] }',
        '',
      ].join('\n'),
    );
    assert.ok(skeleton('RollbackRunbook', 'iris.runbook.yaml').includes('metadata: { name: iris-rollback, owner: TODO }'));
  });

  it('offers no skeleton when the file name does not say the kind', async () => {
    const { service, doc } = setup('', { path: 'notes.yaml' });
    const actions = await service.codeActions(doc, { start: 0, end: 0 });
    assert.deepEqual(actions, []);
  });
});

describe('quick fix: Create a missing referenced file', () => {
  const cases: Array<{ what: string; path: string; text: string; missing: string; create: { path: string; content: string; executable?: boolean } }> = [
    {
      what: 'an inputs file: an empty JSONL',
      path: 'iris.contract.yaml',
      text: replaceOnce(CLEAN_CONTRACT, 'inputs: data/inputs.jsonl', 'inputs: data/new-inputs.jsonl'),
      missing: 'data/new-inputs.jsonl',
      create: { path: 'data/new-inputs.jsonl', content: '' },
    },
    {
      what: 'a baseline: an empty JSONL',
      path: 'iris.contract.yaml',
      text: replaceOnce(CLEAN_CONTRACT, 'baseline: data/baseline-1.4.2.jsonl', 'baseline: data/baseline-2.0.0.jsonl'),
      missing: 'data/baseline-2.0.0.jsonl',
      create: { path: 'data/baseline-2.0.0.jsonl', content: '' },
    },
    {
      what: 'an output schema: a JSON Schema stub',
      path: 'iris.contract.yaml',
      text: replaceOnce(CLEAN_CONTRACT, '$ref: schemas/iris-output.schema.json', '$ref: schemas/out.schema.json'),
      missing: 'schemas/out.schema.json',
      create: { path: 'schemas/out.schema.json', content: SCHEMA_STUB },
    },
    {
      what: 'a metrics snapshot: an empty JSON object',
      path: 'iris.runbook.yaml',
      text: replaceOnce(CLEAN_RUNBOOK, 'metrics: { file: metrics/now.json }', 'metrics: { file: metrics/later.json }'),
      missing: 'metrics/later.json',
      create: { path: 'metrics/later.json', content: '{}\n' },
    },
    {
      what: 'a flag file: flagd with no flags',
      path: 'iris.runbook.yaml',
      text: replaceOnce(CLEAN_RUNBOOK, 'file: flags.flagd.json', 'file: flags/new.flagd.json'),
      missing: 'flags/new.flagd.json',
      create: { path: 'flags/new.flagd.json', content: '{\n  "flags": {}\n}\n' },
    },
    {
      what: "a release's contract: a contract skeleton",
      path: 'iris.runbook.yaml',
      text: replaceOnce(CLEAN_RUNBOOK, 'version: 1.4.2, contract: iris.contract.yaml', 'version: 1.4.2, contract: contracts/iris-v1.contract.yaml'),
      missing: 'contracts/iris-v1.contract.yaml',
      create: { path: 'contracts/iris-v1.contract.yaml', content: skeleton('InterfaceContract', 'contracts/iris-v1.contract.yaml') },
    },
  ];
  for (const c of cases) {
    it(`${c.what}`, async () => {
      const { service, doc } = setup(c.text, { path: c.path });
      const diagnostics = await service.validate(doc);
      const missing = diagnostics.find((d) => d.code === 'missing-file' && d.message.includes(c.missing));
      assert.ok(missing, JSON.stringify(diagnostics));
      const actions = await service.codeActions(doc, missing.span);
      const create = actions.filter((a) => a.create);
      assert.deepEqual(
        create.map((a) => ({ title: a.title, edits: a.edits, create: a.create })),
        [{ title: `Create \`${c.create.path}\``, edits: [], create: c.create }],
      );
      // with the file written, the reference resolves
      const again = setup(c.text, { path: c.path, extraFiles: { [c.create.path]: c.create.content } });
      assert.ok(!(await again.service.validate(again.doc)).some((d) => d.code === 'missing-file'));
    });
  }

  it('a script gets a shebang and is made executable; a file of unknown kind gets no stub', () => {
    assert.deepEqual(stubFor('RollbackRunbook', ['steps', 0, 'run'], 'scripts/set-alias.sh'), { path: 'scripts/set-alias.sh', content: '#!/bin/sh\nset -eu\n', executable: true });
    assert.deepEqual(stubFor('RollbackRunbook', ['steps', 0, 'run'], 'scripts/check.py'), { path: 'scripts/check.py', content: '#!/usr/bin/env python3\n', executable: true });
    assert.equal(stubFor('InterfaceContract', ['input', 'schema', 'mlflowSignature'], 'model/MLmodel'), undefined);
  });

  it('the contract skeleton a runbook creates validates clean', async () => {
    const s = setup(skeleton('InterfaceContract', 'contracts/iris-v1.contract.yaml'), { path: 'contracts/iris-v1.contract.yaml' });
    assert.deepEqual(await s.service.validate(s.doc), []);
  });
});

describe('lint: a step command that runs a script that does not exist', () => {
  it('missing-file at the command, the script looked for relative to the step cwd, with "Create it" (a shell script, executable)', async () => {
    const t = CLEAN_RUNBOOK.replace('undo: ./scripts/set-alias.sh iris champion 2.0.0', 'undo: ./scripts/unset-alias.sh iris champion');
    const { service, doc } = setup(t);
    const ds = (await service.validate(doc)).filter((d) => d.code === 'missing-file');
    assert.deepEqual(
      ds.map((d) => [rangeOf(t, d.span), d.severity, d.message, d.fixes?.map((f) => [f.title, f.create])]),
      [
        [
          rangeOfText(t, './scripts/unset-alias.sh iris champion'),
          'error',
          'script `./scripts/unset-alias.sh` does not exist (looked for `scripts/unset-alias.sh`)',
          [['Create `scripts/unset-alias.sh`', { path: 'scripts/unset-alias.sh', content: '#!/bin/sh\nset -eu\n', executable: true }]],
        ],
      ],
    );
    // with a cwd, the script is looked for there; a command that is no script path is not checked
    const inTools = CLEAN_RUNBOOK.replace('    run: ./scripts/set-alias.sh iris champion 1.4.2\n', '    cwd: tools\n    run: ./scripts/set-alias.sh iris champion 1.4.2\n');
    const s2 = setup(inTools, { extraFiles: { 'tools/.keep': '' } });
    const ms = (await s2.service.validate(s2.doc)).filter((d) => d.code === 'missing-file').map((d) => d.message);
    assert.ok(ms.includes('script `./scripts/set-alias.sh` does not exist (looked for `tools/scripts/set-alias.sh`)'), ms.join('\n'));
  });
});
