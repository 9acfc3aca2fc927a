// Role requirements, windows.detect and expect.fidelity through the language
// service (what the problems panel shows): a runbook with run/http steps
// needs a technicalLead, one with state a dataSteward, one with communication
// a commsLiaison, warned at the exact place; a waiver with a reason is info at
// the waiver, one without is an error; a trigger whose for: leaves no time in
// windows.detect is a warning at its for:; a scenario expecting fidelity in a
// runbook without a verify step is a warning. Ranges come from the text.
import * as assert from 'node:assert/strict';
import { CLEAN_RUNBOOK, offsetOf, rangeIn, rangeOf, replaceOnce, setup, showAll, type Range, type Shown } from './helpers';

async function check(text: string): Promise<Shown[]> {
  const { service, doc } = setup(text);
  return showAll(text, await service.validate(doc), true);
}

/** Only the codes this item adds (the clean runbook's drill may be overdue, and so on). */
const CODES = new Set(['missing-role', 'role-waived', 'role-waiver-without-reason', 'detect-window-exceeded', 'fidelity-unmeasurable']);
async function ours(text: string): Promise<Shown[]> {
  return (await check(text)).filter((d) => CODES.has(d.code));
}

function shown(range: Range, severity: Shown['severity'], code: string, message: string, related?: Array<{ range: Range; message: string }>): Shown {
  return { range, severity, code, message, ...(related ? { related } : {}) };
}

const RB = CLEAN_RUNBOOK;
const without = (role: string) => replaceOnce(RB, new RegExp(`  ${role}: [^\\n]*\\n`).exec(RB)![0], '');

describe('lint: role requirements', () => {
  it('the clean runbook declares every role it needs: nothing', async () => {
    assert.deepEqual(await ours(RB), []);
  });

  it('run steps without a technicalLead: a warning at the first run key, the others related', async () => {
    let t = without('technicalLead');
    t = replaceOnce(t, '  - id: verify\n', '  - id: pin\n    http: { method: PUT, url: "http://127.0.0.1:9/pin" }\n    undo: { method: PUT, url: "http://127.0.0.1:9/unpin" }\n    requires: [repoint]\n  - id: verify\n');
    assert.deepEqual(await ours(t), [
      shown(
        rangeIn(t, '    run: ./scripts', 'run'),
        'warning',
        'missing-role',
        'steps `repoint`, `pin` run commands or HTTP calls (`run`/`http`), which need a technical lead to carry them out and judge their results: declare `roles.technicalLead` with a contact, or waive it with the reason (`roleWaivers: { technicalLead: "…" }`)',
        [{ range: rangeIn(t, '    http: {', 'http'), message: '`pin` (`http`)' }],
      ),
    ]);
  });

  it('state without a dataSteward: a warning at the state key', async () => {
    const t = without('dataSteward');
    // the sign-off names dataSteward too: that is undeclared-role, not ours
    assert.deepEqual(await ours(t), [
      shown(
        rangeIn(t, 'state:\n', 'state'),
        'warning',
        'missing-role',
        'the runbook declares user `state`, which needs a data steward to answer for the user state: declare `roles.dataSteward` with a contact, or waive it with the reason (`roleWaivers: { dataSteward: "…" }`)',
      ),
    ]);
  });

  it('communication without a commsLiaison: a warning at the communication key', async () => {
    let t = without('commsLiaison');
    t = replaceOnce(t, 'owner: commsLiaison, ', '');
    assert.deepEqual(await ours(t), [
      shown(
        rangeIn(t, 'communication:\n', 'communication'),
        'warning',
        'missing-role',
        'the runbook has `communication`, which needs a communications liaison to speak for the rollback: declare `roles.commsLiaison` with a contact, or waive it with the reason (`roleWaivers: { commsLiaison: "…" }`)',
      ),
    ]);
  });

  it('a waiver with a reason: no warning, an info at the waiver that shows the reason', async () => {
    let t = without('commsLiaison');
    t = replaceOnce(t, 'owner: commsLiaison, ', '');
    t = replaceOnce(t, 'metrics: { file', 'roleWaivers:\n  commsLiaison: Two-person team; the on-call lead posts updates.\nmetrics: { file');
    assert.deepEqual(await ours(t), [
      shown(rangeIn(t, '  commsLiaison: Two', 'commsLiaison'), 'info', 'role-waived', '`commsLiaison` is waived: Two-person team; the on-call lead posts updates.'),
    ]);
  });

  it('a waiver with an empty reason is an error at its value, and the warning it would silence stays silent', async () => {
    let t = without('commsLiaison');
    t = replaceOnce(t, 'owner: commsLiaison, ', '');
    t = replaceOnce(t, 'metrics: { file', 'roleWaivers: { commsLiaison: " " }\nmetrics: { file');
    assert.deepEqual(await ours(t), [
      shown(rangeIn(t, 'commsLiaison: " "', '" "'), 'error', 'role-waiver-without-reason', 'the waiver of `commsLiaison` needs a reason: say why this runbook does without one'),
    ]);
  });

  it('a waiver of a declared role, or of a role nothing needs, says so', async () => {
    let t = replaceOnce(RB, 'metrics: { file', 'roleWaivers: { technicalLead: small team }\nmetrics: { file');
    assert.deepEqual(await ours(t), [
      shown(rangeIn(t, '{ technicalLead: small', 'technicalLead'), 'info', 'role-waived', '`technicalLead` is waived: small team (but it is declared under `roles`: the waiver is not needed)'),
    ]);
    t = replaceOnce(without('commsLiaison'), 'owner: commsLiaison, ', '');
    t = replaceOnce(t, 'communication:\n  - { audience: customers, on: [start, close], template: "Scoring reverted to {{target.version}}." }\n', '');
    t = replaceOnce(t, 'metrics: { file', 'roleWaivers: { commsLiaison: no comms }\nmetrics: { file');
    assert.deepEqual(await ours(t), [shown(rangeIn(t, '{ commsLiaison: no', 'commsLiaison'), 'info', 'role-waived', '`commsLiaison` is waived: no comms (nothing in this runbook needs it)')]);
  });

  it('the schema knows roleWaivers: an unknown role there is a schema error', async () => {
    const t = replaceOnce(RB, 'metrics: { file', 'roleWaivers: { sre: x }\nmetrics: { file');
    const d = (await check(t)).filter((x) => x.code === 'schema-unknown-property');
    assert.deepEqual(
      d.map((x) => x.range),
      [rangeIn(t, '{ sre: x }', 'sre')],
    );
  });
});

describe('lint: windows.detect against the triggers\' for:', () => {
  it('a for: window shorter than windows.detect: nothing', async () => {
    assert.deepEqual(await ours(replaceOnce(RB, 'windows: { decide', 'windows: { detect: 6m, decide')), []);
  });

  it('a for: window as long as windows.detect leaves no time: a warning at the for:, windows.detect related', async () => {
    const t = replaceOnce(RB, 'windows: { decide', 'windows: { detect: 5m, decide');
    assert.deepEqual(await ours(t), [
      shown(
        rangeIn(t, 'for: 5m }', '5m'),
        'warning',
        'detect-window-exceeded',
        'trigger `slow` must hold for 5m before it fires, which leaves no time within windows.detect 5m: it cannot detect a fault within the window',
        [{ range: rangeIn(t, 'detect: 5m', '5m'), message: 'windows.detect 5m' }],
      ),
    ]);
  });
});

describe('lint: expect.fidelity', () => {
  it('the schema takes agreement, withinTolerance and maxAbsDelta as comparisons; a bad one is located', async () => {
    let t = replaceOnce(RB, 'expect: { decideWithin: 5m, restoreWithin: 10m }', 'expect: { decideWithin: 5m, restoreWithin: 10m, fidelity: { agreement: ">= 0.99", withinTolerance: "== 1", maxAbsDelta: "<= 0.05" } }');
    assert.deepEqual((await check(t)).filter((d) => d.severity === 'error'), []);
    t = replaceOnce(RB, 'expect: { decideWithin: 5m, restoreWithin: 10m }', 'expect: { decideWithin: 5m, restoreWithin: 10m, fidelity: { agreement: "at least 0.99" } }');
    const errors = (await check(t)).filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => [d.range, d.code]),
      // the operator it expected is missing: the error is at the first two characters of the value
      [[rangeIn(t, '"at least 0.99"', 'at'), 'invalid-comparison']],
    );
  });

  it('a scenario expecting fidelity in a runbook without a verify step: a warning at expect.fidelity', async () => {
    let t = replaceOnce(RB, '  - id: verify\n    verify: { contract: iris.contract.yaml, test: parity }\n    requires: [repoint]\n', '');
    t = replaceOnce(t, 'expect: { decideWithin: 5m, restoreWithin: 10m }', 'expect: { decideWithin: 5m, fidelity: { agreement: ">= 0.99" } }');
    assert.deepEqual(await ours(t), [
      shown(
        rangeIn(t, 'fidelity: { agreement', 'fidelity'),
        'warning',
        'fidelity-unmeasurable',
        'the scenario expects fidelity, but the runbook has no verify step (a contract test of the target release against its baseline): the drill can never measure it, so it always fails',
      ),
    ]);
  });
});

describe('hover: the new keys are documented from the schema', () => {
  async function hover(text: string, at: string, plus = 1) {
    const { service, doc } = setup(text);
    return (await service.hover(doc, offsetOf(text, at) + plus))!;
  }

  it('a waiver: what roleWaivers is for, and the waived role\'s own description', async () => {
    const t = replaceOnce(RB, 'metrics: { file', 'roleWaivers:\n  commsLiaison: Two-person team.\nmetrics: { file');
    const top = await hover(t, 'roleWaivers:');
    assert.deepEqual(rangeOf(t, top.span), rangeIn(t, 'roleWaivers:', 'roleWaivers'));
    assert.equal(
      top.contents,
      '**roleWaivers** · `object`\n\nRoles this runbook does without, each with the reason. A runbook with run or http steps needs a technicalLead, one with state a dataSteward, one with communication a commsLiaison; the linter warns when one is missing, unless it is waived here with a stated reason.',
    );
    const role = await hover(t, '  commsLiaison: Two', 3);
    assert.equal(role.contents, '**commsLiaison** · `string`\n\nWhy this runbook has no communications liaison, though it has communication entries. A waiver needs a reason; the editor shows it where the warning would be.');
  });

  it('expect.fidelity and its agreement', async () => {
    const t = replaceOnce(RB, 'expect: { decideWithin: 5m, restoreWithin: 10m }', 'expect: { decideWithin: 5m, fidelity: { agreement: ">= 0.99" } }');
    assert.match((await hover(t, 'fidelity: {')).contents, /^\*\*fidelity\*\* · `object`\n\nWhat the outputs must look like after the restore: the drill runs the runbook's verify steps/);
    assert.match((await hover(t, 'agreement: ">=')).contents, /^\*\*agreement\*\* · `string`\n\nLabel agreement with the baseline: the share of compared rows whose label agrees/);
  });
});
