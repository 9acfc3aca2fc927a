// The `notify` step kind: a message to an audience of `communication`, with
// the step's own template or the audience's. The dry-run shows the message
// rendered with the run's values (an audience's template also with the
// roles) and warns when the audience has no template; a drill renders it and
// sends nothing; a rollback posts it to the audience's webhook (../comms.ts).
import { renderTemplate } from '../../../core/runbook/plan';
import { staticMessageValues } from '../../../core/runbook/comms';
import { asObject as obj } from '../../../core/language/checks/context';
import type { StepKindModule } from './kind';

export const notify: StepKindModule = {
  kind: 'notify',
  phase: 'execute',
  async dryRun(ctx, { step, raw }) {
    const { audience, template, values } = messageOf(ctx, raw);
    if (template) return { result: { action: `would notify ${audience}: "${renderTemplate(template, values).text.trim()}"`, outcome: 'shown' } };
    return {
      result: { action: `would notify ${audience}`, outcome: 'shown' },
      findings: [{ severity: 'warning', code: 'no-template', message: `step \`${step.id}\`: no message template for audience \`${audience}\``, ...ctx.at(['steps', step.index, 'notify']) }],
    };
  },
  async execute(ctx, { step, raw }) {
    const { audience, template, values } = messageOf(ctx, raw);
    const text = template ? renderTemplate(template, values).text.trim() : '';
    return { message: ctx.notify ? await ctx.notify(step.id, audience, text) : 'rendered, not sent (drill)' };
  },
};

/** The step's audience, its template (the step's own, else the audience's) and the values it is rendered with. */
function messageOf(ctx: { value: Record<string, unknown>; values: Record<string, unknown> }, raw: Record<string, unknown>): { audience: string; template: string | undefined; values: Record<string, unknown> } {
  const n = raw.notify;
  const audience = typeof n === 'string' ? n : String(obj(n).audience ?? '');
  const comm = (Array.isArray(ctx.value.communication) ? ctx.value.communication : []).map(obj).find((c) => c.audience === audience);
  const template = typeof obj(n).template === 'string' ? String(obj(n).template) : typeof comm?.template === 'string' ? comm.template : undefined;
  // the audience's template may also name roles (src/core/runbook/comms.ts); the step's own has only the run's values
  const values = typeof obj(n).template === 'string' ? ctx.values : staticMessageValues(ctx.value, String(ctx.values.phase));
  return { audience, template, values };
}
