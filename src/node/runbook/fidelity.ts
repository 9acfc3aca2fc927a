// Collects drill fidelity as the verify steps run: each verify step hands its
// contract test's report here (DrillContext.verified, called before the step
// passes or fails, so a test that failed still counts what it compared), and
// the drill's verdict reads the fidelity it makes (src/core/runbook/fidelity.ts)
// with why nothing was measured when no verify step ran. No I/O of its own.
import { fidelityOf, fidelityTest, judgeFidelity, type Fidelity, type FidelityTest } from '../../core/runbook/fidelity';
import type { TestReport } from '../../core/contract/report';

export class FidelityCollector {
  private readonly tests: FidelityTest[] = [];

  /** A verify step's contract test report (the contract as the step names it). */
  readonly verified = (step: string, contract: string, report: TestReport): void => {
    this.tests.push(fidelityTest(step, contract, report));
  };

  /**
   * The drill's fidelity: `verifySteps` are the plan's verify step ids (none:
   * the runbook cannot measure fidelity), `stop` says where the drill stopped
   * when it did, `expect` is the scenario's `expect.fidelity`, `run` what the
   * reason calls the run (`drill`, or `rollback` for one performed for real).
   */
  result(verifySteps: string[], stop: { kind: string; step?: string } | undefined, expect: Record<string, unknown> | undefined, run: 'drill' | 'rollback' = 'drill'): Fidelity {
    const ran = new Set(this.tests.map((t) => t.step));
    const notRun = !verifySteps.length
      ? 'the runbook has no verify step (a contract test of the target release against its baseline)'
      : ran.size
        ? undefined
        : stop?.step !== undefined && verifySteps.includes(stop.step)
          ? `the verify step \`${stop.step}\` ${stop.kind} before its contract test compared anything`
          : `no verify step ran: ${stop?.kind === 'cancelled' ? `the ${run} was cancelled` : stop?.step !== undefined ? `the ${run} stopped at step \`${stop.step}\` (${stop.kind})` : `the ${run} ended before one`}`;
    const f = fidelityOf(this.tests, notRun);
    return expect ? { ...f, expectations: judgeFidelity(f, expect) } : f;
  }
}
