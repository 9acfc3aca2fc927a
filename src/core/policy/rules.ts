// The rules a RollbackPolicy (*.policy.yaml, src/schemas/policy.schema.json)
// can state, by their stable kebab-case id: the id is the diagnostic code of
// every violation, the SARIF ruleId, and what a runbook or contract names
// under `waivers:` to waive a rule. Ids never change once published.
export const POLICY_RULES = {
  'min-roles': 'Policy: a role the policy requires (`roles.required`) is not declared under the runbook\'s `roles`.',
  'max-restore-window': "Policy: the runbook's `windows.restore` is missing or longer than the policy's `windows.maxRestore`.",
  'max-decide-window': "Policy: the runbook's `windows.decide` is missing or longer than the policy's `windows.maxDecide`.",
  'max-drill-cadence': "Policy: the runbook's `drills.every` is missing or longer than the policy's `drills.maxEvery`.",
  'required-verify': 'Policy: the runbook has no `verify` step (`verify.step`) or no `closure.verify` test (`verify.closure`).',
  'max-drift': "Policy: a contract test's drift threshold (`psi`, `ks`) is above the policy's `drift.maxPsi` / `drift.maxKs`, or a test against a baseline has no `drift` rule (`drift.required`).",
  'required-signoff-roles': "Policy: a role the policy requires (`signOff.required`) is not listed under the runbook's `closure.signOff`.",
  'forbidden-step': 'Policy: a step matches one of the policy\'s `forbiddenSteps` patterns (for example a `run` without `dryRun`).',
  'deprecation-replacement': "Policy: a contract's deprecation names no `replacement` (`contracts.deprecationReplacement`).",
  'require-signatures': 'Policy: approvals and sign-offs of the roles in `signatures.requiredFor` must be signed (checked by `rollback-lens audit verify`, not by `validate`).',
} as const;

export type PolicyRuleId = keyof typeof POLICY_RULES;

export const POLICY_RULE_IDS = Object.keys(POLICY_RULES) as PolicyRuleId[];

export function isPolicyRule(id: string): id is PolicyRuleId {
  return Object.prototype.hasOwnProperty.call(POLICY_RULES, id);
}

/** Codes about policies themselves (finding, reading, waiving), not rules a policy states. */
export const POLICY_CODES: Record<string, string> = {
  'policy-invalid': 'The policy that applies to this document has errors of its own, so none of its rules is applied; validate the policy file.',
  'policy-not-found': 'The policy named by `--policy` or the `rollbackLens.policy` setting cannot be found or read.',
  'policy-ambiguous': 'Several `*.policy.yaml` files sit in the nearest folder that has one, so none is applied; name one with `rollbackLens.policy` / `--policy`.',
  'policy-waiver-without-reason': 'A `waivers` entry gives no reason; it waives nothing until it does.',
  'policy-invalid-pattern': "A policy's `forbiddenSteps[].runMatches` is not a valid regular expression.",
};

/** A rule id or a code about policies: what a dry-run reports as a warning, never as an error. */
export function isPolicyCode(code: string): boolean {
  return isPolicyRule(code) || Object.prototype.hasOwnProperty.call(POLICY_CODES, code);
}
