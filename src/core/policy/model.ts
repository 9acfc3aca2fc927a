// A RollbackPolicy's rules, read from its parsed (schema-valid) value, and the
// waivers a runbook or contract declares under `waivers:`. Pure: values in,
// plain objects out; durations in milliseconds (src/core/util/values).
import { asArray, asObject, asString } from '../util/object';
import { parseDuration } from '../util/values';
import type { PathSegment } from '../yaml';
import { isPolicyRule, type PolicyRuleId } from './rules';

export interface StepPattern {
  id: string;
  description: string;
  has: string[];
  lacks: string[];
  /** Undefined when absent; null when it is not a valid regular expression (the policy's own check reports it). */
  runMatches?: RegExp | null;
}

export interface Policy {
  name: string;
  requiredRoles: string[];
  maxRestoreMs?: number;
  maxDecideMs?: number;
  maxDrillEveryMs?: number;
  verifyStep: boolean;
  verifyClosure: boolean;
  maxPsi?: number;
  maxKs?: number;
  driftRequired: boolean;
  requiredSignOff: string[];
  forbiddenSteps: StepPattern[];
  deprecationReplacement: boolean;
  signaturesRequiredFor: string[];
}

const strings = (v: unknown): string[] => asArray(v).filter((x): x is string => typeof x === 'string');
const duration = (v: unknown): number | undefined => {
  const s = asString(v);
  if (s === undefined) return undefined;
  const p = parseDuration(s);
  return p.ok ? p.value : undefined;
};
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function compilePattern(source: string): RegExp | null {
  try {
    return new RegExp(source, 'u');
  } catch {
    return null;
  }
}

export function readPolicy(value: unknown): Policy {
  const v = asObject(value);
  const windows = asObject(v.windows);
  const verify = asObject(v.verify);
  const drift = asObject(v.drift);
  const maxRestoreMs = duration(windows.maxRestore);
  const maxDecideMs = duration(windows.maxDecide);
  const maxDrillEveryMs = duration(asObject(v.drills).maxEvery);
  const maxPsi = num(drift.maxPsi);
  const maxKs = num(drift.maxKs);
  return {
    name: asString(asObject(v.metadata).name) ?? 'policy',
    requiredRoles: strings(asObject(v.roles).required),
    ...(maxRestoreMs !== undefined ? { maxRestoreMs } : {}),
    ...(maxDecideMs !== undefined ? { maxDecideMs } : {}),
    ...(maxDrillEveryMs !== undefined ? { maxDrillEveryMs } : {}),
    verifyStep: verify.step === true,
    verifyClosure: verify.closure === true,
    ...(maxPsi !== undefined ? { maxPsi } : {}),
    ...(maxKs !== undefined ? { maxKs } : {}),
    driftRequired: drift.required === true,
    requiredSignOff: strings(asObject(v.signOff).required),
    forbiddenSteps: asArray(v.forbiddenSteps).map((p) => {
      const o = asObject(p);
      const run = asString(o.runMatches);
      return {
        id: asString(o.id) ?? 'pattern',
        description: asString(o.description) ?? '',
        has: strings(o.has),
        lacks: strings(o.lacks),
        ...(run !== undefined ? { runMatches: compilePattern(run) } : {}),
      };
    }),
    deprecationReplacement: asObject(v.contracts).deprecationReplacement === true,
    signaturesRequiredFor: strings(asObject(v.signatures).requiredFor),
  };
}

export interface Waiver {
  rule: PolicyRuleId;
  /** Trimmed; undefined when missing or blank (such a waiver waives nothing). */
  reason?: string;
  path: PathSegment[];
}

/** The `waivers:` of a runbook or contract whose rule is a known id (the schema reports the others). */
export function waiversOf(document: unknown): Waiver[] {
  const out: Waiver[] = [];
  asArray(asObject(document).waivers).forEach((w, i) => {
    const o = asObject(w);
    const rule = asString(o.rule);
    if (rule === undefined || !isPolicyRule(rule)) return;
    const reason = asString(o.reason)?.trim();
    out.push({ rule, ...(reason ? { reason } : {}), path: ['waivers', i] });
  });
  return out;
}

/** The waivers an audit record carries (common-13 point 1): those with a reason, as `{ rule, reason }`. */
export function recordedWaivers(document: unknown): Array<{ rule: string; reason: string }> {
  return waiversOf(document).flatMap((w) => (w.reason ? [{ rule: w.rule, reason: w.reason }] : []));
}
