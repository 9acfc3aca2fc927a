// What a RollbackPolicy finds in one runbook or contract: each violation with
// its rule id, the document path it concerns (the key to underline), and a
// message that says what is there and what the policy asks. Pure over parsed
// values; src/core/language/checks/policy.ts turns paths into exact spans,
// applies the document's waivers and names the policy in each message.
import { asArray, asObject, asString } from '../util/object';
import { formatDuration, parseDuration } from '../util/values';
import type { PathSegment } from '../yaml';
import type { Policy } from './model';
import type { PolicyRuleId } from './rules';

export interface PolicyFinding {
  rule: PolicyRuleId;
  /** The document path the finding concerns; when it does not exist, the nearest existing ancestor's key is underlined. */
  path: PathSegment[];
  /** Underline the key at `path` (else its value). */
  key: boolean;
  message: string;
}

export function checkRunbookPolicy(runbook: Record<string, unknown>, policy: Policy): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  const roles = asObject(runbook.roles);
  for (const r of policy.requiredRoles) {
    if (!Object.prototype.hasOwnProperty.call(roles, r)) {
      out.push({ rule: 'min-roles', path: ['roles'], key: true, message: `role \`${r}\` is not declared under \`roles\`; the policy requires it` });
    }
  }
  const windows = asObject(runbook.windows);
  const windowRule = (name: 'restore' | 'decide', max: number | undefined, rule: PolicyRuleId) => {
    if (max === undefined) return;
    const text = asString(windows[name]);
    if (text === undefined) {
      out.push({ rule, path: ['windows', name], key: true, message: `no \`windows.${name}\`; the policy requires one of at most ${formatDuration(max)}` });
      return;
    }
    const d = parseDuration(text);
    if (d.ok && d.value > max) {
      out.push({ rule, path: ['windows', name], key: false, message: `\`windows.${name}\` is ${text}; the policy allows at most ${formatDuration(max)}` });
    }
  };
  windowRule('restore', policy.maxRestoreMs, 'max-restore-window');
  windowRule('decide', policy.maxDecideMs, 'max-decide-window');
  if (policy.maxDrillEveryMs !== undefined) {
    const every = asString(asObject(runbook.drills).every);
    const max = formatDuration(policy.maxDrillEveryMs);
    if (every === undefined) {
      out.push({ rule: 'max-drill-cadence', path: ['drills', 'every'], key: true, message: `no \`drills.every\`; the policy requires drills at least every ${max}` });
    } else {
      const d = parseDuration(every);
      if (d.ok && d.value > policy.maxDrillEveryMs) {
        out.push({ rule: 'max-drill-cadence', path: ['drills', 'every'], key: false, message: `\`drills.every\` is ${every}; the policy requires drills at least every ${max}` });
      }
    }
  }
  const steps = asArray(runbook.steps);
  if (policy.verifyStep && !steps.some((s) => asObject(s).verify !== undefined)) {
    out.push({ rule: 'required-verify', path: ['steps'], key: true, message: 'no `verify` step; the policy requires at least one (a contract test run during the rollback)' });
  }
  const closure = asObject(runbook.closure);
  if (policy.verifyClosure && asArray(closure.verify).length === 0) {
    out.push({ rule: 'required-verify', path: ['closure', 'verify'], key: true, message: 'no contract test under `closure.verify`; the policy requires at least one before a rollback is closed' });
  }
  const signOff = new Set(asArray(closure.signOff).filter((x): x is string => typeof x === 'string'));
  const hasSignOff = Array.isArray(closure.signOff);
  for (const r of policy.requiredSignOff) {
    if (signOff.has(r)) continue;
    out.push({
      rule: 'required-signoff-roles',
      path: ['closure', 'signOff'],
      key: !hasSignOff,
      message: hasSignOff ? `\`closure.signOff\` does not list \`${r}\`; the policy requires its sign-off` : `no \`closure.signOff\`; the policy requires the sign-off of \`${r}\``,
    });
  }
  steps.forEach((s, i) => {
    const step = asObject(s);
    for (const p of policy.forbiddenSteps) {
      if (!p.has.every((k) => step[k] !== undefined) || p.lacks.some((k) => step[k] !== undefined)) continue;
      if (p.runMatches === null) continue;
      if (p.runMatches && !(typeof step.run === 'string' && p.runMatches.test(step.run))) continue;
      const name = asString(step.id) ?? `${i + 1}`;
      const how = p.lacks.length ? ` (has \`${p.has.join('`, `')}\` without \`${p.lacks.join('`, `')}\`)` : '';
      out.push({
        rule: 'forbidden-step',
        path: p.runMatches ? ['steps', i, 'run'] : ['steps', i, p.has[0]!],
        key: !p.runMatches,
        message: `step \`${name}\` matches the forbidden pattern \`${p.id}\`${how}: ${p.description}`,
      });
    }
  });
  return out;
}

export function checkContractPolicy(contract: Record<string, unknown>, policy: Policy): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  asArray(contract.tests).forEach((t, i) => {
    const test = asObject(t);
    const id = asString(test.id) ?? `${i + 1}`;
    const drift = asObject(test.drift);
    if (policy.driftRequired && test.baseline !== undefined && Object.keys(drift).length === 0) {
      out.push({ rule: 'max-drift', path: ['tests', i, 'id'], key: false, message: `test \`${id}\` compares with a baseline but has no \`drift\` rule; the policy requires one` });
    }
    for (const [field, rule] of Object.entries(drift)) {
      const r = asObject(rule);
      for (const [k, max] of [['psi', policy.maxPsi], ['ks', policy.maxKs]] as const) {
        const v = r[k];
        if (max === undefined || typeof v !== 'number' || v <= max) continue;
        out.push({ rule: 'max-drift', path: ['tests', i, 'drift', field, k], key: false, message: `test \`${id}\` allows ${k} ${v} on \`${field}\`; the policy allows at most ${max}` });
      }
    }
  });
  if (policy.deprecationReplacement) {
    asArray(contract.deprecations).forEach((d, i) => {
      const dep = asObject(d);
      if (asString(dep.replacement) !== undefined) return;
      out.push({
        rule: 'deprecation-replacement',
        path: ['deprecations', i, 'field'],
        key: true,
        message: `the deprecation of \`${asString(dep.field) ?? '?'}\` names no \`replacement\`; the policy requires one`,
      });
    });
  }
  return out;
}
