// The `approve` step kind: an approval gate every listed role must pass. The
// dry-run shows who must approve (by name and contact), within what time, and
// warns when that time is longer than windows.decide. The drill answers it
// from the scenario's `approvals` (`auto`, or a decision per role, with a
// simulated answer time), else asks (`ask`: a person, or a rollback's
// `--approve role=name`, which answers by flag with the name); with neither it
// refuses the drill. A gate is answered, not executed: its time counts in decide.
import { formatDuration } from '../../../core/util/values';
import { asObject as obj } from '../../../core/language/checks/context';
import type { DrillApproval } from '../../../core/runbook/report';
import { DrillError } from '../errors';
import { durationMsOf } from '../shell';
import type { StepKindModule } from './kind';

const roles = (raw: Record<string, unknown>) => (Array.isArray(raw.approve) ? raw.approve : []).map(String);

export const approve: StepKindModule = {
  kind: 'approve',
  phase: 'decide',
  async dryRun(ctx, { step, raw }) {
    const who = roles(raw).map((r) => ctx.who(r)).join(' and ');
    const decide = obj(ctx.value.windows).decide;
    return {
      result: { action: `approval gate: ${who} must approve`, outcome: 'shown' },
      decide: `${step.id}: ${who} must approve${step.timeoutMs ? ` within ${formatDuration(step.timeoutMs)}` : ''}`,
      findings:
        ctx.decideMs !== undefined && step.timeoutMs > ctx.decideMs
          ? [{ severity: 'warning', code: 'decide-window-exceeded', message: `approval \`${step.id}\` may take ${formatDuration(step.timeoutMs)}, longer than windows.decide ${String(decide)}`, ...ctx.at(['steps', step.index, 'timeout']) }]
          : [],
    };
  },
  async answer(ctx, { step, raw }) {
    let approved = true;
    let simulatedMs = 0;
    const given: DrillApproval[] = [];
    for (const role of roles(raw)) {
      const answer = ctx.approvals === 'auto' ? { decision: 'approve' } : obj(obj(ctx.approvals)[role]);
      if (answer.decision) {
        const after = durationMsOf(answer.after);
        simulatedMs = Math.max(simulatedMs, after);
        if (answer.decision !== 'approve') approved = false;
        given.push({ step: step.id, role, decision: answer.decision === 'approve' ? 'approve' : 'reject', by: 'scenario', ...(after ? { afterMs: after } : {}) });
      } else if (ctx.ask) {
        const reply = await ctx.ask(role, step.id);
        // a cancel while the question is open is no one's answer
        if (ctx.signal?.aborted) break;
        const r = typeof reply === 'boolean' ? { approve: reply } : reply;
        given.push({ step: step.id, role, decision: r.approve ? 'approve' : 'reject', by: r.by ?? 'person', ...(r.name ? { name: r.name } : {}), ...(r.note ? { note: r.note } : {}) });
        approved = r.approve && approved;
      } else throw new DrillError(`step \`${step.id}\` needs an approval from ${role}, and the scenario gives none (add approvals, or run on a terminal)`);
    }
    return { approved, given, simulatedMs };
  },
};
