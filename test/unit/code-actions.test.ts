// Quick fixes: for each fixable diagnostic, codeActions() at its range offers
// the fix; applying the edits gives exactly the expected text, and the fixed
// text no longer has that diagnostic.
import * as assert from 'node:assert/strict';
import type { Diagnostic, QuickFix } from '../../src/core';
import { CLEAN_RUNBOOK, CLEAN_CONTRACT, NOW, applyEdits, rangeOfText, replaceOnce, setup, showAll, spanOf, yaml } from './helpers';

type Action = QuickFix & { diagnostic: Diagnostic };

interface Fixed {
  action: Action;
  text: string;
  after: Diagnostic[];
}

/** Finds the diagnostic `code` on `needle`, asks for code actions there, applies the one titled `title`. */
async function fix(text: string, code: string, needle: string, title: string, path = 'iris.runbook.yaml', occurrence = 1): Promise<Fixed> {
  const { service, doc } = setup(text, { path, host: { lastDrill: NOW } });
  const at = spanOf(text, needle, occurrence);
  const actions = await service.codeActions(doc, at);
  const action = actions.find((a) => a.diagnostic.code === code && a.title === title);
  assert.ok(action, `no action "${title}" for ${code}; got ${JSON.stringify(actions.map((a) => [a.diagnostic.code, a.title]))}`);
  const fixedText = applyEdits(text, action.edits);
  const s2 = setup(fixedText, { path, host: { lastDrill: NOW } });
  return { action, text: fixedText, after: await s2.service.validate(s2.doc) };
}

function codes(ds: Diagnostic[]): string[] {
  return ds.map((d) => d.code);
}

const shownAfter = (r: Fixed) => showAll(r.text, r.after);

const MINIMAL = yaml`
  apiVersion: rollback-lens/v1
  kind: RollbackRunbook
  metadata: { name: x }
  release:
    current: { model: m, version: "2" }
    target: { model: m, version: "1" }
`;

describe('codeActions: add an undo stub', () => {
  it('block run step: an `undo` line after the `run` line, same indentation', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '    undo: ./scripts/set-alias.sh iris champion 2.0.0\n', '');
    const r = await fix(t, 'missing-undo', 'run', 'Add an `undo` stub');
    assert.equal(
      r.text,
      replaceOnce(t, '1.4.2\n    dryRun:', '1.4.2\n    undo: exit 1  # TODO: the command that reverses this step\n    dryRun:'),
    );
    assert.equal(r.action.preferred, true);
    // the stub always fails: it keeps a warning at the stub until it is replaced
    assert.deepEqual(shownAfter(r), [
      {
        range: rangeOfText(r.text, 'exit 1  # TODO: the command that reverses this step'),
        severity: 'warning',
        code: 'undo-placeholder',
        message: 'the `undo` of step `repoint` is a placeholder (`exit 1` always fails, so this step could not be reversed): replace it with the command that reverses the step',
      },
    ]);
    const replaced = replaceOnce(r.text, 'exit 1  # TODO: the command that reverses this step', './scripts/set-alias.sh iris champion 2.0.0');
    const s3 = setup(replaced, { host: { lastDrill: NOW } });
    assert.deepEqual(codes(await s3.service.validate(s3.doc)), []);
  });

  it('block run step with a folded command: the stub goes after the whole value', async () => {
    const t =
      MINIMAL +
      yaml`
        roles: { decisionMaker: { contact: "#a" }, technicalLead: { contact: "#b" } }
        steps:
          - id: a
            run: >
              echo one
              echo two
            timeout: 5m
      `;
    const r = await fix(t, 'missing-undo', 'run', 'Add an `undo` stub');
    assert.equal(r.text, replaceOnce(t, '      echo two\n', '      echo two\n    undo: exit 1  # TODO: the command that reverses this step\n'));
    assert.deepEqual(codes(r.after), ['undo-placeholder']);
  });

  it('block http step with a nested request and a comment: an http-shaped stub after the request', async () => {
    const t =
      MINIMAL +
      yaml`
        roles: { decisionMaker: { contact: "#a" }, technicalLead: { contact: "#b" } }
        steps:
          - id: b
            http:
              method: PUT
              url: https://registry.example.com   # the alias API
            timeout: 30s
      `;
    const r = await fix(t, 'missing-undo', 'http', 'Add an `undo` stub');
    assert.equal(r.text, replaceOnce(t, '# the alias API\n', '# the alias API\n    undo: { method: POST, url: TODO }\n'));
    assert.deepEqual(shownAfter(r), [
      {
        range: rangeOfText(r.text, 'TODO'),
        severity: 'warning',
        code: 'undo-placeholder',
        message: 'the `undo` of step `b` is a placeholder (its `url` is `TODO`): replace it with the request that reverses the step',
      },
    ]);
  });

  it('flow run step: `undo` added inside the braces', async () => {
    const t =
      MINIMAL +
      yaml`
        roles: { decisionMaker: { contact: "#a" }, technicalLead: { contact: "#b" } }
        steps:
          - { id: a, run: echo hi }
      `;
    const r = await fix(t, 'missing-undo', 'run', 'Add an `undo` stub');
    assert.equal(r.text, replaceOnce(t, '{ id: a, run: echo hi }', '{ id: a, run: echo hi, undo: "exit 1" }'));
    assert.deepEqual(
      shownAfter(r).map((d) => [d.range, d.code]),
      [[rangeOfText(r.text, '"exit 1"'), 'undo-placeholder']],
    );
  });

  it('flow http step: an http-shaped `undo` inside the braces', async () => {
    const t =
      MINIMAL +
      yaml`
        roles: { decisionMaker: { contact: "#a" }, technicalLead: { contact: "#b" } }
        steps:
          - { id: b, http: { url: "https://x" } }
      `;
    const r = await fix(t, 'missing-undo', 'http', 'Add an `undo` stub');
    assert.equal(r.text, replaceOnce(t, '{ id: b, http: { url: "https://x" } }', '{ id: b, http: { url: "https://x" }, undo: { method: POST, url: TODO } }'));
    assert.deepEqual(codes(r.after), ['undo-placeholder']);
  });
});

describe('codeActions: declare a missing role', () => {
  it('block roles map: a new entry after the last role, same indentation', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'signOff: [decisionMaker, dataSteward]', 'signOff: [decisionMaker, auditor]');
    const r = await fix(t, 'undeclared-role', 'auditor', 'Declare role `auditor`');
    assert.equal(r.text, replaceOnce(t, 'contact: "#support" }\n', 'contact: "#support" }\n  auditor: { name: TODO, contact: TODO }\n'));
    assert.deepEqual(codes(r.after), []);
  });

  it('block roles map whose last role is a nested block with a comment and a blank line after', async () => {
    const t =
      MINIMAL +
      yaml`
        roles:
          decisionMaker:
            contact: "#a"   # the boss

        steps:
          - id: a
            approve: [decisionMaker, lead]
      `;
    const r = await fix(t, 'undeclared-role', 'lead', 'Declare role `lead`');
    assert.equal(r.text, replaceOnce(t, '# the boss\n', '# the boss\n  lead: { name: TODO, contact: TODO }\n'));
    assert.deepEqual(codes(r.after), []);
  });

  it('flow roles map: a new entry inside the braces', async () => {
    const t =
      MINIMAL +
      yaml`
        roles: { decisionMaker: { contact: "#a" } }
        steps:
          - id: a
            approve: [decisionMaker, lead]
      `;
    const r = await fix(t, 'undeclared-role', 'lead', 'Declare role `lead`');
    assert.equal(r.text, replaceOnce(t, 'roles: { decisionMaker: { contact: "#a" } }', 'roles: { decisionMaker: { contact: "#a" } , lead: { name: TODO, contact: TODO } }'));
    assert.deepEqual(codes(r.after), []);
  });

  it('empty flow roles map: the first entry, no leading comma', async () => {
    const t =
      MINIMAL +
      yaml`
        roles: {}
        steps:
          - id: a
            approve: [decisionMaker]
      `;
    const r = await fix(t, 'missing-decision-maker', 'roles', 'Declare role `decisionMaker`');
    assert.equal(r.text, replaceOnce(t, 'roles: {}', 'roles: {decisionMaker: { name: TODO, contact: TODO } }'));
    assert.deepEqual(codes(r.after), []);
  });

  it('no roles section: a roles section appended at the end', async () => {
    const t =
      MINIMAL +
      yaml`
        steps:
          - id: a
            approve: [decisionMaker]
      `;
    const r = await fix(t, 'missing-decision-maker', 'kind', 'Declare role `decisionMaker`');
    assert.equal(r.text, t + 'roles:\n  decisionMaker: { name: TODO, contact: TODO }\n');
    assert.deepEqual(codes(r.after), []);
  });

  it('no roles section and no final newline: a newline is added first', async () => {
    const t = MINIMAL + 'steps:\n  - id: a\n    approve: [decisionMaker]';
    const r = await fix(t, 'undeclared-role', 'decisionMaker]', 'Declare role `decisionMaker`');
    assert.equal(r.text, t + '\nroles:\n  decisionMaker: { name: TODO, contact: TODO }\n');
    assert.deepEqual(codes(r.after), []);
  });

  it('`roles:` with no value: the entry goes under the key', async () => {
    const t =
      MINIMAL +
      yaml`
        roles:
        steps:
          - id: a
            approve: [decisionMaker]
      `;
    const r = await fix(t, 'missing-decision-maker', 'roles', 'Declare role `decisionMaker`');
    assert.equal(r.text, replaceOnce(t, 'roles:\n', 'roles:\n  decisionMaker: { name: TODO, contact: TODO }\n'));
    assert.deepEqual(codes(r.after), []);
  });

  it('a misspelt role: "Change to" is preferred, "Declare" is offered too', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'approve: [decisionMaker]', 'approve: [decisionMakr]');
    const { service, doc } = setup(t);
    const actions = await service.codeActions(doc, spanOf(t, 'decisionMakr'));
    assert.deepEqual(
      actions.map((a) => [a.title, a.preferred ?? false]),
      [
        ['Change to `decisionMaker`', true],
        ['Declare role `decisionMakr`', false],
      ],
    );
    const r = await fix(t, 'undeclared-role', 'decisionMakr', 'Change to `decisionMaker`');
    assert.equal(r.text, CLEAN_RUNBOOK);
    assert.deepEqual(codes(r.after), []);
  });
});

describe('codeActions: replace a value or key', () => {
  it('misspelt key: `undoo` -> `undo`', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, '    undo: ./scripts', '    undoo: ./scripts');
    const r = await fix(t, 'schema-unknown-property', 'undoo', 'Change `undoo` to `undo`');
    assert.equal(r.text, CLEAN_RUNBOOK);
    assert.equal(r.action.preferred, true);
    assert.deepEqual(codes(r.after), []);
  });

  it('enum value: communication `on: clos` -> `close`', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'on: [start, close]', 'on: [start, clos]');
    const r = await fix(t, 'schema-enum', 'clos]', 'Change to `close`');
    assert.equal(r.text, CLEAN_RUNBOOK);
    assert.deepEqual(codes(r.after), []);
  });

  it('enum value: http method `PSOT` -> `POST`', async () => {
    const withCall = (m: string) =>
      replaceOnce(CLEAN_RUNBOOK, '  - id: verify\n', `  - id: call\n    http: { method: ${m}, url: "https://x" }\n    undo: { method: DELETE, url: "https://x" }\n  - id: verify\n`);
    const r = await fix(withCall('PSOT'), 'schema-enum', 'PSOT', 'Change to `POST`');
    assert.equal(r.text, withCall('POST'));
    assert.deepEqual(codes(r.after), []);
  });

  it('unknown step with a suggestion: `repoimt` -> `repoint`', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'requires: [repoint]', 'requires: [repoimt]');
    const r = await fix(t, 'unknown-step', 'repoimt', 'Change to `repoint`');
    assert.equal(r.text, CLEAN_RUNBOOK);
    assert.equal(r.action.preferred, true);
    assert.deepEqual(codes(r.after), []);
  });

  it('unknown metric with a suggestion: `score_psy` -> `score_psi`', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'metric: score_psi', 'metric: score_psy');
    const r = await fix(t, 'unknown-metric', 'score_psy', 'Change to `score_psi`');
    assert.equal(r.text, CLEAN_RUNBOOK);
    assert.deepEqual(codes(r.after), []);
  });

  it('apiVersion: replaced by the one this version reads', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'apiVersion: rollback-lens/v1', 'apiVersion: rollback-lens/v2');
    const r = await fix(t, 'unknown-api-version', 'rollback-lens/v2', 'Change to `rollback-lens/v1`');
    assert.equal(r.text, CLEAN_RUNBOOK);
    assert.equal(r.action.preferred, true);
    assert.deepEqual(codes(r.after), []);
  });

  it('apiVersion in quotes: the quotes are replaced too, the result is plain', async () => {
    const t = replaceOnce(CLEAN_CONTRACT, 'apiVersion: rollback-lens/v1', 'apiVersion: "rollback-lens/v0"');
    const r = await fix(t, 'unknown-api-version', 'rollback-lens/v0', 'Change to `rollback-lens/v1`', 'iris.contract.yaml');
    assert.equal(r.text, CLEAN_CONTRACT);
    assert.deepEqual(codes(r.after), []);
  });

  it('unknown kind: replaced by the kind the file name says', async () => {
    const t = replaceOnce(CLEAN_CONTRACT, 'kind: InterfaceContract', 'kind: Contract');
    const r = await fix(t, 'unknown-kind', 'Contract', 'Change to `InterfaceContract`', 'iris.contract.yaml');
    assert.equal(r.text, CLEAN_CONTRACT);
    assert.deepEqual(codes(r.after), []);
  });
});

describe('codeActions: selection', () => {
  it('a range touching no fixable diagnostic gives nothing', async () => {
    const t = replaceOnce(CLEAN_RUNBOOK, 'requires: [repoint]', 'requires: [repoimt]');
    const { service, doc } = setup(t);
    assert.deepEqual(await service.codeActions(doc, spanOf(t, 'apiVersion')), []);
  });

  it('the whole document gives every fix', async () => {
    let t = replaceOnce(CLEAN_RUNBOOK, 'requires: [repoint]', 'requires: [repoimt]');
    t = replaceOnce(t, 'metric: score_psi', 'metric: score_psy');
    const { service, doc } = setup(t);
    const actions = await service.codeActions(doc, { start: 0, end: t.length });
    assert.deepEqual(actions.map((a) => a.title), ['Change to `score_psi`', 'Change to `repoint`']);
    // applying every preferred fix at once restores the clean runbook
    const all = actions.filter((a) => a.preferred).flatMap((a) => a.edits);
    assert.equal(applyEdits(t, all), CLEAN_RUNBOOK);
  });
});
