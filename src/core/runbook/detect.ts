// Detect time of a drill (and a rollback), honouring the triggers' `for:`.
// A trigger that must hold 5m cannot be detected in 3 ms: the drill does not
// wait the window out, it simulates it. The injected (or read) values are
// taken to hold for the trigger's `for:` window on a clock the drill
// simulates, so detect = the shortest `for:` window among the triggers that
// fired (the first to fire) + the real time the evaluation took, and the
// report says the window part is simulated. A trigger without `for:` fires
// at the first evaluation: its window is 0. Pure: the drill hands it the
// evaluated triggers and the measured evaluation time.
import type { TriggerResult } from './triggers';
import { formatDuration } from '../util/values';

export interface DetectTiming {
  /** The trigger that fired first (the shortest `for:` window among those that fired); absent when none fired. */
  trigger?: string;
  /** Its `for:` window: simulated (the drill does not wait it out). */
  simulatedMs: number;
  /** The real time the evaluation of every trigger took. */
  evaluationMs: number;
  /** simulatedMs + evaluationMs: the drill's detect time. */
  ms: number;
}

export function detectTiming(results: readonly Pick<TriggerResult, 'id' | 'fires' | 'window'>[], evaluationMs: number): DetectTiming {
  const fired = results.filter((t) => t.fires);
  const first = fired.reduce<(typeof fired)[number] | undefined>((a, t) => (!a || (t.window?.forMs ?? 0) < (a.window?.forMs ?? 0) ? t : a), undefined);
  const simulatedMs = first?.window?.forMs ?? 0;
  return { ...(first ? { trigger: first.id } : {}), simulatedMs, evaluationMs, ms: simulatedMs + evaluationMs };
}

/** `slow held its for: 5m window (simulated) + 25ms evaluation`, for the reports. */
export function detectText(d: DetectTiming): string {
  if (!d.trigger) return `no trigger fired (${formatDuration(d.evaluationMs) || '0s'} evaluation)`;
  return d.simulatedMs
    ? `\`${d.trigger}\` held its for: ${formatDuration(d.simulatedMs)} window (simulated) + ${formatDuration(d.evaluationMs)} evaluation`
    : `\`${d.trigger}\` has no for: window; fired at the first evaluation (${formatDuration(d.evaluationMs)})`;
}

/**
 * The dry-run's worst case to detect: a fault only the slowest trigger sees
 * is detected once that trigger's `for:` window has passed, so the worst case
 * is the longest window (0 when no trigger has one).
 */
export function detectWorstCase(plans: readonly { id: string; forMs?: number | undefined }[]): { ms: number; trigger?: string } {
  const slowest = plans.reduce<(typeof plans)[number] | undefined>((a, p) => ((p.forMs ?? 0) > (a?.forMs ?? 0) ? p : a), undefined);
  return slowest?.forMs ? { ms: slowest.forMs, trigger: slowest.id } : { ms: 0 };
}

/** The dry-run's detect line: `worst case to detect: 30m (`accuracy-drop` must hold for 30m); windows.detect 35m`. */
export function detectWorstText(w: { ms: number; trigger?: string }, windowText: string | undefined): string {
  const worst = w.trigger ? `${formatDuration(w.ms)} (\`${w.trigger}\` must hold for ${formatDuration(w.ms)})` : '0s (no trigger has a for: window)';
  return `worst case to detect: ${worst}${windowText !== undefined ? `; windows.detect ${windowText}` : ''}`;
}
