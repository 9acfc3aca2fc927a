// The `run` step kind: a shell command that performs the step, in the step's
// cwd and env. The dry-run runs only its `dryRun` variant (with the step's
// retries), never `run` itself: without a variant it says what it would run
// and warns that the dry-run cannot exercise it. The drill runs the command
// (retried as the step says, all tries within its timeout) and undoes it with
// the step's `undo`; a hang the scenario injects is a command that never ends,
// stopped by the same timeout that guards the real one.
import { retriedMutation, shell } from '../effects';
import { InjectedFault } from '../errors';
import { retryOf, runStepCommand } from '../shell';
import type { StepKindModule } from './kind';

export const run: StepKindModule = {
  kind: 'run',
  phase: 'execute',
  async dryRun(ctx, { step, raw, setup, timeoutMs }) {
    if (typeof raw.dryRun !== 'string') {
      return {
        result: { action: `would run: ${String(raw.run)} (no dryRun variant: not executed)`, outcome: 'would-run' },
        findings: [{ severity: 'warning', code: 'no-dry-run', message: `step \`${step.id}\` has no \`dryRun\` variant, so the dry-run cannot exercise it`, ...ctx.at(['steps', step.index, 'run']) }],
      };
    }
    const r = await runStepCommand(raw.dryRun, setup, { timeoutMs, retry: retryOf(raw), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    return {
      result: { action: `dry-run: ${raw.dryRun}`, outcome: r.code === 0 ? 'ran' : 'failed', durationMs: r.ms, ...(r.output ? { output: r.output } : {}) },
      findings: r.code !== 0 ? [{ severity: 'error', code: 'dry-run-failed', message: `step \`${step.id}\`: \`${raw.dryRun}\` ${r.reason}`, ...ctx.at(['steps', step.index, 'dryRun']) }] : [],
    };
  },
  async execute(ctx, { raw, setup, timeoutMs }) {
    const retry = retryOf(raw);
    return { mutation: retriedMutation(async () => (await shell(String(raw.run), setup, timeoutMs, ctx.signal, retry)).tries, raw.undo, setup, timeoutMs, retry, ctx.values, ctx.unavailable) };
  },
  async hang(ctx, { setup, timeoutMs }) {
    try {
      await shell('exec sleep 86400', setup, timeoutMs, ctx.signal);
    } catch (e) {
      throw new InjectedFault((e as Error).message);
    }
  },
};

