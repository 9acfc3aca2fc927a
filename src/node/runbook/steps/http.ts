// The `http` step kind: an HTTP request that performs the step (its body and
// URL rendered with the run's values). The dry-run shows the request it would
// send and sends nothing. The drill sends it (refused at once when the
// scenario makes its endpoint unavailable; retried as the step says, all tries
// within its timeout) and undoes it with the step's `undo`.
import { renderDeep } from '../../../core/runbook/plan';
import { requestWithRetries, retriedMutation } from '../effects';
import { retryOf } from '../shell';
import type { StepKindModule } from './kind';

export const http: StepKindModule = {
  kind: 'http',
  phase: 'execute',
  async dryRun(ctx, { raw }) {
    const req = renderDeep(raw.http, ctx.values) as Record<string, unknown>;
    return { result: { action: `would send ${String(req.method ?? 'POST')} ${String(req.url)}${req.body !== undefined ? ` ${JSON.stringify(req.body)}` : ''}`, outcome: 'shown' } };
  },
  async execute(ctx, { raw, setup, timeoutMs }) {
    const retry = retryOf(raw);
    const act = async () => (await requestWithRetries(renderDeep(raw.http, ctx.values) as Record<string, unknown>, ctx.unavailable, timeoutMs, retry, ctx.signal)).tries;
    return { mutation: retriedMutation(act, raw.undo, setup, timeoutMs, retry, ctx.values, ctx.unavailable) };
  },
};
