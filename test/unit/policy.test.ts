// RollbackPolicy rules through the language service (what the problems panel
// and `validate` show): each violation at the runbook or contract key it
// concerns, its code the rule id, its message naming the rule and the policy;
// a waiver with a reason turns the violation into an info naming the reason,
// one without is an error and waives nothing; a policy with errors applies no
// rule; a policy file's own checks. Ranges come from the text.
import * as assert from 'node:assert/strict';
import { CLEAN_CONTRACT, CLEAN_RUNBOOK, rangeIn, rangeOfText, replaceOnce, setup, showAll, type Shown } from './helpers';
import { POLICY_RULE_IDS, POLICY_RULES } from '../../src/core/policy/rules';
import { DIAGNOSTIC_CODES } from '../../src/core';
import type { PolicySource } from '../../src/core';
import runbookSchema from '../../src/schemas/runbook.schema.json';

const POLICY = `apiVersion: rollback-lens/v1
kind: RollbackPolicy
metadata: { name: strict }
roles:
  required: [decisionMaker, technicalLead, sre]
windows: { maxRestore: 20m, maxDecide: 15m }
drills: { maxEvery: 30d }
verify: { step: true, closure: true }
drift: { maxPsi: 0.05, maxKs: 0.1 }
signOff:
  required: [decisionMaker, technicalLead]
forbiddenSteps:
  - id: run-without-dry-run
    description: A shell step needs a dryRun so a dry-run can rehearse it.
    has: [run]
    lacks: [dryRun]
  - id: no-force-push
    description: Never force-push during a rollback.
    runMatches: "git push (-f|--force)"
contracts: { deprecationReplacement: true }
signatures: { requiredFor: [decisionMaker] }
`;
const SHOWN = 'policies/strict.policy.yaml';
const SRC: PolicySource = { shown: SHOWN, text: POLICY };
const of = (rule: string) => `policy rule \`${rule}\` of \`strict\` (${SHOWN})`;

async function check(text: string, policy: PolicySource | null = SRC, path?: string): Promise<Shown[]> {
  const { service, doc } = setup(text, { host: { policy }, ...(path ? { path } : {}) });
  const ours = new Set<string>([...POLICY_RULE_IDS, 'policy-invalid', 'policy-not-found', 'policy-ambiguous', 'policy-waiver-without-reason', 'policy-invalid-pattern']);
  return showAll(text, (await service.validate(doc)).filter((d) => ours.has(d.code)), true);
}

describe('policy: RollbackPolicy rules on a runbook', () => {
  it('every violation of the strict policy at its key, with the rule id and the policy named', async () => {
    const t = CLEAN_RUNBOOK;
    assert.deepEqual(await check(t), [
      { range: rangeIn(t, 'roles:\n', 'roles'), severity: 'error', code: 'min-roles', message: `role \`sre\` is not declared under \`roles\`; the policy requires it (${of('min-roles')})` },
      { range: rangeIn(t, 'restore: 30m', '30m'), severity: 'error', code: 'max-restore-window', message: `\`windows.restore\` is 30m; the policy allows at most 20m (${of('max-restore-window')})` },
      {
        range: rangeIn(t, 'closure:\n', 'closure'),
        severity: 'error',
        code: 'required-verify',
        message: `no contract test under \`closure.verify\`; the policy requires at least one before a rollback is closed (${of('required-verify')})`,
      },
      {
        range: rangeIn(t, 'signOff: [decisionMaker, dataSteward]', '[decisionMaker, dataSteward]'),
        severity: 'error',
        code: 'required-signoff-roles',
        message: `\`closure.signOff\` does not list \`technicalLead\`; the policy requires its sign-off (${of('required-signoff-roles')})`,
      },
      { range: rangeIn(t, 'every: 90d', '90d'), severity: 'error', code: 'max-drill-cadence', message: `\`drills.every\` is 90d; the policy requires drills at least every 30d (${of('max-drill-cadence')})` },
    ]);
  });
});

describe('policy: forbidden steps, missing keys, waivers', () => {
  it('a run without dryRun is flagged at its run key; a run matching runMatches at its command', async () => {
    let t = replaceOnce(CLEAN_RUNBOOK, '    dryRun: ./scripts/set-alias.sh --dry-run iris champion 1.4.2\n', '');
    t = replaceOnce(t, '  - id: verify\n', '  - id: publish\n    run: git push --force origin rollback\n    dryRun: git push --dry-run origin rollback\n    undo: git revert HEAD\n  - id: verify\n');
    const found = (await check(t)).filter((d) => d.code === 'forbidden-step');
    assert.deepEqual(found, [
      {
        range: rangeIn(t, '    run: ./scripts', 'run'),
        severity: 'error',
        code: 'forbidden-step',
        message: `step \`repoint\` matches the forbidden pattern \`run-without-dry-run\` (has \`run\` without \`dryRun\`): A shell step needs a dryRun so a dry-run can rehearse it. (${of('forbidden-step')})`,
      },
      {
        range: rangeOfText(t, 'git push --force origin rollback'),
        severity: 'error',
        code: 'forbidden-step',
        message: `step \`publish\` matches the forbidden pattern \`no-force-push\`: Never force-push during a rollback. (${of('forbidden-step')})`,
      },
    ]);
  });

  it('a window or drills the runbook lacks: at the nearest key that exists', async () => {
    let t = replaceOnce(CLEAN_RUNBOOK, 'windows: { decide: 15m, restore: 30m }', 'windows: { restore: 10m }');
    t = t.slice(0, t.indexOf('drills:'));
    const found = (await check(t)).filter((d) => d.code === 'max-decide-window' || d.code === 'max-drill-cadence');
    assert.deepEqual(found, [
      { range: rangeOfText(t, 'RollbackRunbook'), severity: 'error', code: 'max-drill-cadence', message: `no \`drills.every\`; the policy requires drills at least every 30d (${of('max-drill-cadence')})` },
      { range: rangeIn(t, 'windows: {', 'windows'), severity: 'error', code: 'max-decide-window', message: `no \`windows.decide\`; the policy requires one of at most 15m (${of('max-decide-window')})` },
    ]);
  });

  it('a waiver with a reason: the violation is an info naming the reason, related to the waiver; one without a reason is an error and waives nothing', async () => {
    const t =
      CLEAN_RUNBOOK +
      'waivers:\n  - rule: max-drill-cadence\n    reason: Quarterly drills agreed with governance until staging exists (GOV-12).\n  - rule: min-roles\n';
    const found = (await check(t)).filter((d) => ['max-drill-cadence', 'min-roles', 'policy-waiver-without-reason'].includes(d.code));
    assert.deepEqual(found, [
      { range: rangeIn(t, 'roles:\n', 'roles'), severity: 'error', code: 'min-roles', message: `role \`sre\` is not declared under \`roles\`; the policy requires it (${of('min-roles')})` },
      {
        range: rangeIn(t, 'every: 90d', '90d'),
        severity: 'info',
        code: 'max-drill-cadence',
        message: `waived ${of('max-drill-cadence')}: \`drills.every\` is 90d; the policy requires drills at least every 30d; reason: Quarterly drills agreed with governance until staging exists (GOV-12).`,
        related: [{ range: rangeOfText(t, 'Quarterly drills agreed with governance until staging exists (GOV-12).'), message: 'the waiver of `max-drill-cadence`' }],
      },
      {
        range: rangeIn(t, '  - rule: min-roles', 'rule'),
        severity: 'error',
        code: 'policy-waiver-without-reason',
        message: 'the waiver of policy rule `min-roles` gives no `reason`; a waiver needs one, and this one waives nothing until it does',
      },
    ]);
  });

  it('a waiver without a reason is an error even when no policy applies; a waiver of an unknown rule is a schema error', async () => {
    const t = CLEAN_RUNBOOK + 'waivers:\n  - rule: max-drift\n    reason: "  "\n';
    assert.deepEqual(await check(t, null), [
      {
        range: rangeIn(t, '  - rule: max-drift', 'rule'),
        severity: 'error',
        code: 'policy-waiver-without-reason',
        message: 'the waiver of policy rule `max-drift` gives no `reason`; a waiver needs one, and this one waives nothing until it does',
      },
    ]);
    const u = CLEAN_RUNBOOK + 'waivers:\n  - { rule: max-drfit, reason: typo }\n';
    const { service, doc } = setup(u, { host: { policy: null } });
    const enumError = (await service.validate(doc)).filter((d) => d.code === 'schema-enum');
    assert.equal(enumError.length, 1);
    assert.deepEqual(showAll(u, enumError)[0]!.range, rangeOfText(u, 'max-drfit'));
  });
});

describe('policy: contracts, bad policies, the policy file itself', () => {
  it('a drift threshold above the limit at its value; a deprecation without replacement at its field key', async () => {
    const t = replaceOnce(CLEAN_CONTRACT, ', replacement: input.petal_length }', ' }');
    assert.deepEqual(await check(t, SRC, 'iris.contract.yaml'), [
      {
        range: rangeIn(t, '- { field: input.petal_len', 'field'),
        severity: 'error',
        code: 'deprecation-replacement',
        message: `the deprecation of \`input.petal_len\` names no \`replacement\`; the policy requires one (${of('deprecation-replacement')})`,
      },
      { range: rangeIn(t, 'psi: 0.1', '0.1'), severity: 'error', code: 'max-drift', message: `test \`parity\` allows psi 0.1 on \`probability\`; the policy allows at most 0.05 (${of('max-drift')})` },
    ]);
  });

  it('a policy with errors applies no rule: one error at the kind naming the policy error', async () => {
    const bad = replaceOnce(POLICY, 'maxRestore: 20m', 'maxRestore: 20 minutes');
    const t = CLEAN_RUNBOOK;
    const found = await check(t, { shown: SHOWN, text: bad });
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]!.range, rangeOfText(t, 'RollbackRunbook'));
    assert.equal(found[0]!.code, 'policy-invalid');
    const line = bad.split('\n').findIndex((l) => l.includes('20 minutes'));
    const col = bad.split('\n')[line]!.indexOf('20 minutes');
    assert.equal(
      found[0]!.message,
      `the policy \`${SHOWN}\` has errors, so none of its rules is applied (${SHOWN}:${line + 1}:${col + 1}: invalid duration \`20 minutes\`: missing unit after \`20\`; use one of ms, s, m, h, d, w); run \`rollback-lens validate ${SHOWN}\``,
    );
  });

  it('a policy that cannot be found: the host says why, at the kind', async () => {
    const t = CLEAN_RUNBOOK;
    assert.deepEqual(await check(t, { code: 'policy-not-found', message: 'no policy `team/none.policy.yaml`' }), [
      { range: rangeOfText(t, 'RollbackRunbook'), severity: 'error', code: 'policy-not-found', message: 'no policy `team/none.policy.yaml`' },
    ]);
  });

  it('the policy file: schema errors at exact ranges, a runMatches that does not compile', async () => {
    const p = replaceOnce(replaceOnce(POLICY, 'runMatches: "git push (-f|--force)"', 'runMatches: "git push (-f"'), 'maxKs: 0.1', 'maxKs: 2');
    const { service, doc } = setup(p, { path: 'policies/strict.policy.yaml' });
    const found = showAll(p, await service.validate(doc));
    assert.deepEqual(
      found.map((d) => [d.code, d.range]),
      [
        ['schema-range', rangeIn(p, 'maxKs: 2', '2')],
        ['policy-invalid-pattern', rangeOfText(p, '"git push (-f"')],
      ],
    );
    assert.match(found[1]!.message, /^`runMatches` is not a valid regular expression: /);
  });

  it('every rule id is a documented code, and the waiver enum of both schemas lists exactly the rule ids', () => {
    for (const id of POLICY_RULE_IDS) assert.ok(id in DIAGNOSTIC_CODES, id);
    const items = (runbookSchema as { properties: { waivers: { items: { properties: { rule: { enum: string[] } } } } } }).properties.waivers.items;
    assert.deepEqual(items.properties.rule.enum, POLICY_RULE_IDS);
  });
});

describe('policy: the file kind', () => {
  it('an empty *.policy.yaml offers a skeleton that validates with no diagnostic', async () => {
    const { service, doc } = setup('', { path: 'team.policy.yaml' });
    const [empty] = await service.validate(doc);
    assert.equal(empty!.code, 'empty-document');
    assert.equal(empty!.message, 'empty document: expected a `RollbackPolicy` with `apiVersion` and `kind`');
    const text = empty!.fixes![0]!.edits[0]!.newText;
    assert.match(text, /^kind: RollbackPolicy$/m);
    const filled = setup(text, { path: 'team.policy.yaml' });
    assert.deepEqual(await filled.service.validate(filled.doc), []);
  });

  it('completion offers the policy keys; hover shows the rule a key states', async () => {
    const text = 'apiVersion: rollback-lens/v1\nkind: RollbackPolicy\nmetadata: { name: x }\nwindows:\n  maxRestore: 30m\n';
    const { service, doc } = setup(text + '\n', { path: 'team.policy.yaml' });
    const items = await service.complete({ ...doc, text: text + '\n' }, text.length);
    assert.deepEqual(
      items.map((i) => i.label),
      ['roles', 'drills', 'verify', 'drift', 'signOff', 'forbiddenSteps', 'contracts', 'signatures'],
    );
    const h = await service.hover(doc, text.indexOf('maxRestore') + 2);
    assert.match(h!.contents, /Longest `windows\.restore` a runbook may declare; a runbook without one breaks the rule too \(rule `max-restore-window`\)/);
  });

  it("hover on a waiver's rule says what the rule asks; completion offers the rule ids", async () => {
    const text = CLEAN_RUNBOOK + 'waivers:\n  - rule: max-drift\n    reason: r\n';
    const { service, doc } = setup(text);
    const h = await service.hover(doc, text.indexOf('max-drift') + 2);
    assert.ok(h!.contents.includes(`\`max-drift\`: ${POLICY_RULES['max-drift']}`), h!.contents);
    const blank = CLEAN_RUNBOOK + 'waivers:\n  - rule: \n';
    const b = setup(blank);
    const items = await b.service.complete(b.doc, blank.length - 1);
    assert.deepEqual(items.map((i) => i.label), POLICY_RULE_IDS);
  });
});

describe('policy: signatures and contract waivers', () => {
  it('signatures.requiredFor takes role names: anything else is a schema error at the item', async () => {
    const p = replaceOnce(POLICY, 'signatures: { requiredFor: [decisionMaker] }', 'signatures: { requiredFor: [decisionMaker, "data steward"] }');
    const { service, doc } = setup(p, { path: 'policies/strict.policy.yaml' });
    assert.deepEqual(
      showAll(p, await service.validate(doc)).map((d) => [d.code, d.range]),
      [['schema-pattern', rangeOfText(p, '"data steward"')]],
    );
  });

  it('a contract waives a rule the same way: the drift finding becomes an info naming the reason', async () => {
    const t = CLEAN_CONTRACT + 'waivers:\n  - { rule: max-drift, reason: The score is calibrated weekly; 0.1 is its normal movement. }\n';
    const found = await check(t, SRC, 'iris.contract.yaml');
    assert.deepEqual(
      found.map((d) => [d.code, d.severity, d.range]),
      [['max-drift', 'info', rangeIn(t, 'psi: 0.1', '0.1')]],
    );
    assert.match(found[0]!.message, /; reason: The score is calibrated weekly; 0\.1 is its normal movement\.$/);
  });
});
