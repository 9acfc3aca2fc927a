// The `verify` step kind: one test of an interface contract (relative to the
// runbook's folder, confined to the workspace). The dry-run names the test it
// would run and lists it in the verify phase; the drill runs it and fails the
// step unless it passes. Its time counts in the drill's verify phase. The
// test's report, passed or failed, goes to the drill's fidelity first.
import { asObject as obj } from '../../../core/language/checks/context';
import { runContractTests } from '../../contract/run';
import { inside } from '../effects';
import type { StepKindModule } from './kind';

export const verify: StepKindModule = {
  kind: 'verify',
  phase: 'verify',
  async dryRun(_ctx, { step, raw }) {
    const v = obj(raw.verify);
    return {
      result: { action: `would verify: contract test ${String(v.test)} of ${String(v.contract)}`, outcome: 'shown' },
      verify: `${step.id}: contract test ${String(v.test)} of ${String(v.contract)}`,
    };
  },
  async execute(ctx, { step, raw }) {
    const v = obj(raw.verify);
    const contract = await inside(ctx.dir, ctx.workspace, String(v.contract), 'contract');
    const r = await runContractTests(contract, { workspace: ctx.workspace, testIds: [String(v.test)], ...(ctx.formats === false ? { formats: false } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const t = r.tests[0];
    if (t) ctx.verified?.(step.id, String(v.contract), t);
    if (!t || t.verdict !== 'pass') throw new Error(`contract test ${String(v.test)}: ${t?.reason ?? t?.rules.filter((x) => x.verdict === 'fail').map((x) => x.message).join('; ') ?? 'did not run'}`);
    return { message: `contract test ${String(v.test)} passed` };
  },
};
