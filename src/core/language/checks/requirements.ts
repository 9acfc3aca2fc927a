// What a RollbackRunbook's parts require of the rest of it.
// Role requirements: what a runbook does decides who it
// needs. A role is recognised by its key under `roles` (the standard names,
// as the schema and the spec name them): a runbook with `run` or `http`
// steps needs a `technicalLead` to carry them out and judge their results,
// one that declares `state` a `dataSteward` to answer for user data, one with
// `communication` a `commsLiaison` to speak for it. A missing one is a
// WARNING at the place that needs it (the first such step's `run`/`http`
// key, the `state` key, the `communication` key), so small teams can opt
// out: `roleWaivers: { commsLiaison: "reason" }` waives a role with a stated
// reason, shown as info at the waiver; an empty reason is an error. Also the
// windows.detect check: a trigger whose `for:` window is as long as the
// window or longer cannot detect within it (a drill adds the evaluation).
// And a drill scenario's `expect.fidelity` needs a verify step to measure it.
import type { Diagnostic, RelatedInfo } from '../../types';
import { formatDuration, parseDuration } from '../../util/values';
import { asArray, asObject, asString, diag, keyAt, valueAt, type CheckContext } from './context';

export type RequiredRole = 'technicalLead' | 'dataSteward' | 'commsLiaison';

/** What needs each role, in words for the messages. */
const NEEDS: Record<RequiredRole, string> = {
  technicalLead: 'a technical lead to carry it out and judge its result',
  dataSteward: 'a data steward to answer for the user state',
  commsLiaison: 'a communications liaison to speak for the rollback',
};

const has = (o: Record<string, unknown>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function checkRoleRequirements(ctx: CheckContext): Diagnostic[] {
  const roles = asObject(ctx.value.roles);
  const waivers = asObject(ctx.value.roleWaivers);
  const out: Diagnostic[] = [];
  // where each role is needed: the first place (the warning's), the others related
  const needs: Array<{ role: RequiredRole; what: string; at: Diagnostic['span']; related: RelatedInfo[] }> = [];
  const technical = asArray(ctx.value.steps).flatMap((raw, i) => {
    const s = asObject(raw);
    const key = s.run !== undefined ? 'run' : s.http !== undefined ? 'http' : undefined;
    return key ? [{ i, key, id: asString(s.id) ?? `step ${i + 1}` }] : [];
  });
  if (technical.length) {
    const first = technical[0]!;
    const names = technical.map((t) => `\`${t.id}\``).join(', ');
    needs.push({
      role: 'technicalLead',
      what:
        technical.length === 1
          ? `step ${names} ${first.key === 'run' ? 'runs a command (`run`)' : 'makes an HTTP call (`http`)'}, which needs ${NEEDS.technicalLead}`
          : `steps ${names} run commands or HTTP calls (\`run\`/\`http\`), which need a technical lead to carry them out and judge their results`,
      at: keyAt(ctx, ['steps', first.i, first.key]),
      related: technical.slice(1).map((t) => ({ span: keyAt(ctx, ['steps', t.i, t.key]), message: `\`${t.id}\` (\`${t.key}\`)` })),
    });
  }
  if (ctx.value.state !== undefined && ctx.value.state !== null) {
    needs.push({ role: 'dataSteward', what: `the runbook declares user \`state\`, which needs ${NEEDS.dataSteward}`, at: keyAt(ctx, ['state']), related: [] });
  }
  if (asArray(ctx.value.communication).length) {
    needs.push({ role: 'commsLiaison', what: `the runbook has \`communication\`, which needs ${NEEDS.commsLiaison}`, at: keyAt(ctx, ['communication']), related: [] });
  }
  const needed = new Map(needs.map((n) => [n.role, n]));
  for (const n of needs) {
    if (has(roles, n.role) || has(waivers, n.role)) continue;
    out.push(
      diag(n.at, 'warning', 'missing-role', `${n.what}: declare \`roles.${n.role}\` with a contact, or waive it with the reason (\`roleWaivers: { ${n.role}: "…" }\`)`, {
        ...(n.related.length ? { related: n.related } : {}),
      }),
    );
  }
  for (const [role, reason] of Object.entries(waivers)) {
    if (typeof reason !== 'string') continue; // the schema's
    if (!reason.trim()) {
      out.push(diag(valueAt(ctx, ['roleWaivers', role]), 'error', 'role-waiver-without-reason', `the waiver of \`${role}\` needs a reason: say why this runbook does without one`));
      continue;
    }
    const n = needed.get(role as RequiredRole);
    const declared = has(roles, role);
    out.push(
      diag(
        keyAt(ctx, ['roleWaivers', role]),
        'info',
        'role-waived',
        `\`${role}\` is waived: ${reason.trim()}${declared ? ` (but it is declared under \`roles\`: the waiver is not needed)` : n ? '' : ' (nothing in this runbook needs it)'}`,
      ),
    );
  }
  return out;
}

/**
 * windows.detect against each trigger's `for:`: a trigger fires only once its
 * condition has held for the window, so one whose window is as long as
 * windows.detect or longer cannot detect within it (a drill adds the time the
 * evaluation takes to the window it simulates).
 */
export function checkDetectWindow(ctx: CheckContext): Diagnostic[] {
  const written = asString(asObject(ctx.value.windows).detect);
  if (!written) return [];
  const limit = parseDuration(written);
  if (!limit.ok) return [];
  const out: Diagnostic[] = [];
  asArray(ctx.value.triggers).forEach((raw, i) => {
    const t = asObject(raw);
    const f = asString(t.for);
    if (!f) return;
    const d = parseDuration(f);
    if (!d.ok || d.value < limit.value) return;
    const id = asString(t.id) ?? `trigger ${i + 1}`;
    out.push(
      diag(
        valueAt(ctx, ['triggers', i, 'for']),
        'warning',
        'detect-window-exceeded',
        `trigger \`${id}\` must hold for ${formatDuration(d.value)} before it fires, which leaves no time within windows.detect ${written}: it cannot detect a fault within the window`,
        { related: [{ span: valueAt(ctx, ['windows', 'detect']), message: `windows.detect ${written}` }] },
      ),
    );
  });
  return out;
}

/** A scenario that expects fidelity in a runbook without a verify step: nothing could ever measure it. */
export function checkFidelityExpectations(ctx: CheckContext): Diagnostic[] {
  const verifies = asArray(ctx.value.steps).some((s) => asObject(s).verify !== undefined);
  if (verifies) return [];
  const out: Diagnostic[] = [];
  asArray(asObject(ctx.value.drills).scenarios).forEach((raw, i) => {
    if (asObject(asObject(raw).expect).fidelity === undefined) return;
    out.push(
      diag(
        keyAt(ctx, ['drills', 'scenarios', i, 'expect', 'fidelity']),
        'warning',
        'fidelity-unmeasurable',
        'the scenario expects fidelity, but the runbook has no verify step (a contract test of the target release against its baseline): the drill can never measure it, so it always fails',
      ),
    );
  });
  return out;
}
