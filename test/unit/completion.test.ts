// Completion at a cursor marked with `|` in the fixture text: keys valid there
// (minus the ones already present), enum values, step ids inside `requires`,
// declared roles inside approve/signOff/owner, and the range each replaces.
import * as assert from 'node:assert/strict';
import type { CompletionItem } from '../../src/core';
import { CLEAN_RUNBOOK, cursor, replaceOnce, setup, yaml } from './helpers';

/** Our completion items at the `|` of `marked`: the document kind's snippets (offered in every key position) left out. */
async function completeAt(marked: string, path = 'iris.runbook.yaml'): Promise<{ items: CompletionItem[]; text: string; offset: number }> {
  const { text, offset } = cursor(marked);
  const { service, doc } = setup(text, { path });
  return { items: (await service.complete(doc, offset)).filter((i) => i.kind !== 'snippet'), text, offset };
}

const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const sorted = (xs: string[]) => [...xs].sort();

const STEP_KEYS = ['id', 'description', 'requires', 'owner', 'timeout', 'retries', 'retryDelay', 'cwd', 'env', 'run', 'http', 'capture', 'flag', 'approve', 'notify', 'verify', 'dryRun', 'undo', 'check'];
const RUNBOOK_TOP = ['apiVersion', 'kind', 'metadata', 'release', 'roles', 'roleWaivers', 'metrics', 'triggers', 'windows', 'state', 'steps', 'closure', 'communication', 'drills', 'reintroduction', 'waivers'];
const ROLES = ['decisionMaker', 'technicalLead', 'dataSteward', 'commsLiaison'];

describe('completion: keys', () => {
  it('inside a step: the step keys not already present, replacing nothing at the cursor', async () => {
    const marked = replaceOnce(CLEAN_RUNBOOK, '    requires: [flag-off]\n', '    requires: [flag-off]\n    |\n');
    const { items, offset } = await completeAt(marked);
    const present = ['id', 'run', 'dryRun', 'undo', 'timeout', 'requires'];
    for (const p of present) assert.ok(!labels(items).includes(p), `already present: ${p}`);
    for (const k of ['description', 'owner', 'retries', 'retryDelay', 'cwd', 'env', 'check']) assert.ok(labels(items).includes(k), `missing ${k}`);
    for (const i of items) {
      assert.equal(i.kind, 'property');
      assert.deepEqual(i.replace, { start: offset, end: offset });
    }
  });

  it('inside a new step with only an id: every other step key', async () => {
    const marked = yaml`
      apiVersion: rollback-lens/v1
      kind: RollbackRunbook
      steps:
        - id: a
          |
    `;
    const { items } = await completeAt(marked);
    assert.deepEqual(sorted(labels(items)), sorted(STEP_KEYS.filter((k) => k !== 'id')));
  });

  it('a partly typed key: the replace range covers the typed word', async () => {
    const marked = replaceOnce(CLEAN_RUNBOOK, '    requires: [flag-off]\n', '    requires: [flag-off]\n    ret|\n');
    const { items, text, offset } = await completeAt(marked);
    assert.ok(items.length > 0);
    for (const i of items) assert.deepEqual(i.replace, { start: offset - 3, end: offset });
    assert.equal(text.slice(offset - 3, offset), 'ret');
    const retries = items.find((i) => i.label === 'retries')!;
    assert.equal(retries.insertText, 'retries: ');
    assert.equal(retries.detail, 'optional · integer');
  });

  it('top level of a sparse runbook: every top-level key not yet present, with container-shaped inserts', async () => {
    const marked = 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\n|\n';
    const { items } = await completeAt(marked);
    assert.deepEqual(labels(items), RUNBOOK_TOP.filter((k) => k !== 'apiVersion' && k !== 'kind'));
    const byLabel = new Map(items.map((i) => [i.label, i]));
    assert.equal(byLabel.get('steps')!.insertText, 'steps:\n  - ');
    assert.equal(byLabel.get('steps')!.detail, 'required · array');
    assert.equal(byLabel.get('metadata')!.insertText, 'metadata:\n  ');
    assert.equal(byLabel.get('roles')!.detail, 'optional · object');
  });

  it('top level of the clean runbook: only what is missing (`roleWaivers`, `reintroduction`, `waivers`)', async () => {
    const { items } = await completeAt(CLEAN_RUNBOOK + '|');
    assert.deepEqual(labels(items), ['roleWaivers', 'reintroduction', 'waivers']);
  });

  it('top level of a contract: the contract keys', async () => {
    const { items } = await completeAt('apiVersion: rollback-lens/v1\nkind: InterfaceContract\n|\n', 'iris.contract.yaml');
    assert.deepEqual(labels(items), ['metadata', 'input', 'output', 'deprecations', 'compatibility', 'source', 'tests', 'waivers']);
  });

  it('property documentation comes from the schema', async () => {
    const { items } = await completeAt('apiVersion: rollback-lens/v1\nkind: RollbackRunbook\n|\n');
    const windows = items.find((i) => i.label === 'windows')!;
    assert.equal(windows.documentation, "Time allowed for each phase. The dry-run compares the plan's worst-case duration with these.");
  });
});

describe('completion: enum values', () => {
  const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

  it('http method in a block mapping', async () => {
    const marked = replaceOnce(
      CLEAN_RUNBOOK,
      '  - id: verify\n',
      '  - id: call\n    http:\n      method: |\n      url: https://x\n    undo: { url: "https://x" }\n  - id: verify\n',
    );
    const { items, offset } = await completeAt(marked);
    assert.deepEqual(labels(items), METHODS);
    for (const i of items) {
      assert.equal(i.kind, 'enum');
      assert.equal(i.insertText, i.label);
      assert.deepEqual(i.replace, { start: offset, end: offset });
    }
  });

  it('http method in a flow mapping, partly typed: replaces the typed prefix', async () => {
    const marked = replaceOnce(CLEAN_RUNBOOK, '  - id: verify\n', '  - id: call\n    http: { method: P|, url: "https://x" }\n    undo: { url: "https://x" }\n  - id: verify\n');
    const { items, offset } = await completeAt(marked);
    assert.deepEqual(labels(items), METHODS);
    for (const i of items) assert.deepEqual(i.replace, { start: offset - 1, end: offset });
  });

  it('communication `on` inside a flow sequence', async () => {
    const { items, offset } = await completeAt(replaceOnce(CLEAN_RUNBOOK, 'on: [start, close]', 'on: [start, |]'));
    assert.deepEqual(labels(items), ['start', 'update', 'close']);
    for (const i of items) assert.deepEqual(i.replace, { start: offset, end: offset });
  });

  it('apiVersion: the one version', async () => {
    const { items } = await completeAt('apiVersion: |\nkind: RollbackRunbook\n');
    assert.deepEqual(labels(items), ['rollback-lens/v1']);
  });
});

describe('completion: references', () => {
  it('step ids inside `requires: [`, excluding the step’s own id', async () => {
    const { items, offset } = await completeAt(replaceOnce(CLEAN_RUNBOOK, 'requires: [repoint]', 'requires: [|]'));
    assert.deepEqual(
      items.map((i) => [i.label, i.kind, i.detail]),
      [
        ['approve', 'reference', 'step · approve'],
        ['flag-off', 'reference', 'step · flag'],
        ['repoint', 'reference', 'step · run'],
      ],
    );
    for (const i of items) assert.deepEqual(i.replace, { start: offset, end: offset });
  });

  it('step ids in a block `requires` list', async () => {
    const { items } = await completeAt(replaceOnce(CLEAN_RUNBOOK, '    requires: [repoint]\n', '    requires:\n      - |\n'));
    assert.deepEqual(labels(items), ['approve', 'flag-off', 'repoint']);
  });

  it('step ids for the first step exclude only that step', async () => {
    const { items } = await completeAt(replaceOnce(CLEAN_RUNBOOK, '    approve: [decisionMaker]\n', '    approve: [decisionMaker]\n    requires: [|]\n'));
    assert.deepEqual(labels(items), ['flag-off', 'repoint', 'verify']);
  });

  it('declared roles inside `approve: [`', async () => {
    const { items, offset } = await completeAt(replaceOnce(CLEAN_RUNBOOK, 'approve: [decisionMaker]', 'approve: [|]'));
    assert.deepEqual(
      items.map((i) => [i.label, i.kind, i.detail]),
      [
        ['decisionMaker', 'reference', 'role · On-call ML lead'],
        ['technicalLead', 'reference', 'role · Serving engineer'],
        ['dataSteward', 'reference', 'role · Data steward'],
        ['commsLiaison', 'reference', 'role · Support lead'],
      ],
    );
    for (const i of items) assert.deepEqual(i.replace, { start: offset, end: offset });
  });

  it('declared roles in `signOff`, including one the document added, without the ones already listed', async () => {
    let marked = replaceOnce(CLEAN_RUNBOOK, '  commsLiaison:  { name: Support lead, contact: "#support" }\n', '  commsLiaison:  { name: Support lead, contact: "#support" }\n  sre: { contact: "#sre" }\n');
    marked = replaceOnce(marked, 'signOff: [decisionMaker, dataSteward]', 'signOff: [decisionMaker, |]');
    const { items } = await completeAt(marked);
    const refs = items.filter((i) => i.kind === 'reference');
    assert.deepEqual(
      refs.map((i) => [i.label, i.detail]),
      [...ROLES.map((r, i) => [r, `role · ${['On-call ML lead', 'Serving engineer', 'Data steward', 'Support lead'][i]}`]).filter(([r]) => r !== 'decisionMaker'), ['sre', 'role']],
    );
  });

  it('declared roles after `owner: ` in a flow communication entry', async () => {
    const { items, offset } = await completeAt(replaceOnce(CLEAN_RUNBOOK, 'owner: commsLiaison', 'owner: |'));
    const refs = items.filter((i) => i.kind === 'reference');
    assert.deepEqual(labels(refs), ROLES);
    for (const i of refs) assert.deepEqual(i.replace, { start: offset, end: offset });
  });

  it('declared roles after `owner: ` in a block communication entry, partly typed', async () => {
    const marked = replaceOnce(
      CLEAN_RUNBOOK,
      '  - { audience: customers, owner: commsLiaison, on: [start, close], template: "Scoring reverted to {{target.version}}." }',
      '  - audience: customers\n    owner: data|\n    template: hi',
    );
    const { items, offset } = await completeAt(marked);
    assert.deepEqual(labels(items.filter((i) => i.kind === 'reference')), ROLES);
    for (const i of items) assert.deepEqual(i.replace, { start: offset - 4, end: offset });
  });
});
