// A runbook's plan: the steps in an order that honours `requires` (document
// order among independent steps), the worst-case duration, and the
// `{{placeholder}}` templates of requests and messages. Pure. What a
// placeholder can name is `templateValues`, the one definition the renderers
// and the linter share, plus, inside a step, `captured.<name>` for each value
// its `capture` reads before it acts (read by src/node/runbook/capture.ts).
import { stepsOf, worstCasePath, type StepInfo } from './steps';

export interface PlannedStep extends StepInfo {
  /** 1-based position in the execution order. */
  order: number;
}

export interface Plan {
  steps: PlannedStep[];
  /** Steps left out because they are on a dependency cycle or require a missing step. */
  blocked: StepInfo[];
  worstCaseMs: number;
  criticalPath: string[];
}

/** Topological order by `requires` (Kahn), stable in document order. */
export function resolvePlan(runbook: Record<string, unknown>): Plan {
  const steps = stepsOf(runbook).filter((s) => s.id);
  const byId = new Map(steps.map((s) => [s.id, s]));
  const indegree = new Map(steps.map((s) => [s.id, s.requires.filter((r) => byId.has(r)).length]));
  const missing = new Set(steps.filter((s) => s.requires.some((r) => !byId.has(r))).map((s) => s.id));
  const dependents = new Map<string, string[]>();
  for (const s of steps) for (const r of s.requires) if (byId.has(r)) (dependents.get(r) ?? dependents.set(r, []).get(r)!).push(s.id);
  const ready = steps.filter((s) => indegree.get(s.id) === 0 && !missing.has(s.id));
  const ordered: PlannedStep[] = [];
  while (ready.length) {
    ready.sort((a, b) => a.index - b.index);
    const s = ready.shift()!;
    ordered.push({ ...s, order: ordered.length + 1 });
    for (const d of dependents.get(s.id) ?? []) {
      indegree.set(d, indegree.get(d)! - 1);
      if (indegree.get(d) === 0 && !missing.has(d)) ready.push(byId.get(d)!);
    }
  }
  const done = new Set(ordered.map((s) => s.id));
  const worst = worstCasePath(steps);
  return { steps: ordered, blocked: steps.filter((s) => !done.has(s.id)), worstCaseMs: worst.totalMs, criticalPath: worst.path.map((s) => s.id) };
}

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;

/** The top-level names a template can use, in the order messages list them. */
export const TEMPLATE_ROOTS = ['metadata', 'current', 'target', 'phase'] as const;

/** The values every `{{placeholder}}` is filled from: the runbook's metadata, its current and target release, and the phase (`dry-run`, `drill`, ...). */
export function templateValues(runbook: Record<string, unknown>, phase: string): Record<string, unknown> {
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const release = obj(runbook.release);
  return { metadata: obj(runbook.metadata), current: obj(release.current), target: obj(release.target), phase };
}

/** The root under which a step's templates see the values its `capture` read. */
export const CAPTURED_ROOT = 'captured';

/** The names a step's `capture` declares, in the order written (empty when it has none). */
export function captureNamesOf(step: Record<string, unknown>): string[] {
  const c = step.capture;
  return c && typeof c === 'object' && !Array.isArray(c) ? Object.keys(c) : [];
}

/** What a step captured, in one line of its report: `captured previous = "3"`. */
export function capturedText(captured: Record<string, string> | undefined): string | undefined {
  if (!captured || !Object.keys(captured).length) return undefined;
  return `captured ${Object.entries(captured)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(', ')}`;
}

/** The placeholders of `template` that `values` cannot fill, each with where it stands in the template. */
export function unfilledPlaceholders(template: string, values: Record<string, unknown>): Array<{ name: string; whole: string; at: number }> {
  const out: Array<{ name: string; whole: string; at: number }> = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (renderTemplate(m[0], values).unknown.length) out.push({ name: m[1]!, whole: m[0], at: m.index });
  }
  return out;
}

/** Fills `{{a.b}}` from `values`; names it cannot fill are returned and left as written. */
export function renderTemplate(template: string, values: Record<string, unknown>): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    let v: unknown = values;
    for (const part of name.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (v === undefined || v === null || typeof v === 'object') {
      unknown.push(name);
      return whole;
    }
    return String(v);
  });
  return { text, unknown };
}

/** Renders every string inside a JSON-like value (request bodies, headers); unfilled placeholders are the linter's to report. */
export function renderDeep(value: unknown, values: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderTemplate(value, values).text;
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, values)]));
  return value;
}
