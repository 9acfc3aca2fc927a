// A drill or rollback as it runs, for the step lenses (runbooks.ts): its
// progress events (DrillProgress) folded into the plan, the results so far
// and the step running now with when it started. While a step runs, `changed`
// is called each second too, so its clock (`0:42 / 2:00`) ticks; stop() ends
// that when the run ends.
import type { DrillProgress, DrillStep } from '../core/runbook/report';

export interface DrillInProgress {
  /** The planned steps, once the triggers fired (before that every step waits). */
  plan?: string[];
  results: DrillStep[];
  current?: { id: string; phase: 'do' | 'undo'; timeoutMs: number; startedAt: number };
}

export function followProgress(changed: () => void): { progress: DrillInProgress; onProgress: (e: DrillProgress) => void; stop: () => void } {
  const progress: DrillInProgress = { results: [] };
  const tick = setInterval(() => progress.current && changed(), 1000);
  const onProgress = (e: DrillProgress) => {
    if (e.kind === 'plan') progress.plan = e.steps.map((x) => x.id);
    else if (e.kind === 'start') progress.current = { id: e.id, phase: e.phase, timeoutMs: e.timeoutMs, startedAt: Date.now() };
    else {
      progress.results.push(e.step);
      progress.current = undefined;
    }
    changed();
  };
  return { progress, onProgress, stop: () => clearInterval(tick) };
}
