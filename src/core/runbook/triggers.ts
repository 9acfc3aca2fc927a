// Evaluating a runbook's triggers against metric readings. Pure: the node
// layer (src/node/metrics) obtains the readings from a snapshot file or a
// Prometheus HTTP API and hands them in; this module only decides.
//
// A trigger `{ id: slow, metric: p99_latency_ms, when: "> 250", for: 5m }`:
//
// - Without `for:` the latest value decides: it fires when the value
//   satisfies the comparison.
// - With `for:` the reading is a series of samples `[timeMs, value]`. The
//   window is [now - for, now]. The trigger fires when the latest sample
//   satisfies the comparison, every sample inside the window does too, and
//   the window is covered: its first sample is not later than
//   now - for + one step, the latest is not older than now - step, and no two
//   consecutive samples are more than two steps apart. A sample that fails
//   the comparison makes the trigger quiet ("stayed > 250 for only 3m of
//   5m"); a window without enough samples makes it no-data.
// - A single value (a snapshot number, a value a drill injects) given for a
//   `for:` trigger has no history: it is taken to hold for the whole window,
//   and the message says so.
// - `confidence: { lower, upper, bound }` names the metrics holding the ends
//   of the metric's confidence interval. When the metric itself fires, the
//   chosen bound's latest value must satisfy the same comparison too, or the
//   trigger stays quiet (for "> threshold", the lower bound above the
//   threshold means the breach is significant). `bound: both` needs both
//   ends. Without `bound`, the end that makes a breach significant is used:
//   lower for > and >=, upper for < and <=, both for == and !=.
//   `level` describes the interval the metrics hold and is not used here.
// - `{ fromRule: alerts.rules.yml#IrisHighLatency }` takes a Prometheus
//   alerting rule (src/core/runbook/rules.ts; a resolver hands in the rule):
//   its metric is the alert name (the reading is the number of series the
//   alert's expression returns, see ruleQuery), its comparison `> 0`, its
//   window the rule's `for:`; its id defaults to the alert name. `when`,
//   `for` and `confidence` next to `fromRule` are the trigger's error: they
//   come from the rule.
import { parseRuleRef, ruleQuery, type RuleResolver } from './rules';
import { compare, formatDuration, parseComparison, parseDuration, type Comparison, type Operator } from '../util/values';
import { reading } from '../util/number';

/** A metric's reading, as the node layer obtained it. */
export type Reading =
  /** One value, without history (a snapshot number, an injected value, an instant query). */
  | { kind: 'value'; value: number }
  /** Samples `[timeMs, value]` in time order, at about `stepMs` apart (a range query, a snapshot series). */
  | { kind: 'series'; samples: Array<[number, number]>; stepMs: number }
  /** No value exists: the message says where it was looked for ("no value for score_psi in the snapshot"). */
  | { kind: 'missing'; message: string }
  /** The value could not be obtained: the message says why (unreachable server, a bad query, a bad file). */
  | { kind: 'error'; message: string };

export type TriggerState = 'fires' | 'quiet' | 'no-data' | 'error';
export type BoundName = 'lower' | 'upper';

/** A trigger as read from the runbook, with its syntaxes parsed. */
export interface TriggerPlan {
  /** Position in the runbook's `triggers`. */
  index: number;
  id: string;
  metric: string;
  /** The `when` comparison; undefined when it cannot be parsed (then `error` says why). */
  comparison?: Comparison;
  /** The `for:` window in milliseconds; undefined without `for:`. */
  forMs?: number;
  /** `for:` as written, e.g. `5m`. */
  forText?: string;
  /** Confidence-bound metrics that must also satisfy the comparison. */
  bounds: Array<{ bound: BoundName; metric: string }>;
  severity: 'rollback' | 'warn';
  /** Why the trigger cannot be evaluated at all (a bad `when`, `for` or `confidence`). */
  error?: string;
  /** For a `fromRule` trigger: the alerting rule it takes. */
  rule?: RuleInfo;
  /** How messages name what is read (`alert IrisHighLatency`); default the metric. */
  label?: string;
}

/** The alerting rule a `fromRule` trigger takes, as reports show it. */
export interface RuleInfo {
  /** The `fromRule` value. */
  ref: string;
  alert: string;
  group: string;
  expr: string;
  for?: string;
  /** What the metrics source is asked: ruleQuery(expr). */
  query: string;
}

export interface BoundResult {
  bound: BoundName;
  metric: string;
  value?: number;
  /** Whether the bound's value satisfies the comparison; undefined without a value. */
  holds?: boolean;
}

export interface WindowResult {
  /** The `for:` window in milliseconds. */
  forMs: number;
  /** Samples inside [now - for, now] (1 for a single value taken to hold). */
  samples: number;
  /** How long the comparison has held without a break, up to now (at most `forMs` when it fires). */
  heldMs: number;
  /** The reading was a single value, taken to hold for the whole window. */
  assumed?: boolean;
}

export interface TriggerResult {
  id: string;
  metric: string;
  fires: boolean;
  state: TriggerState;
  /** The latest value of the metric, when one was read. */
  value?: number;
  /** From `when`; absent only when `when` cannot be parsed. */
  threshold?: number;
  op?: Operator;
  /** For a `for:` trigger with a reading to judge. */
  window?: WindowResult;
  bounds?: BoundResult[];
  severity: 'rollback' | 'warn';
  message: string;
  /** For a `fromRule` trigger: the alerting rule it takes. */
  rule?: RuleInfo;
}

/** Looks up the reading of a metric; `forMs` is the window the trigger needs (undefined: the latest value). */
export type ReadingLookup = (metric: string, forMs: number | undefined) => Reading;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads each entry of a runbook's `triggers` (anything: the value may not have passed the schema). */
export function planTriggers(triggers: unknown, resolve?: RuleResolver): TriggerPlan[] {
  if (!Array.isArray(triggers)) return [];
  return triggers.map((t, index) => planTrigger(t, index, resolve));
}

export function planTrigger(t: unknown, index: number, resolve?: RuleResolver): TriggerPlan {
  if (isObject(t) && t.fromRule !== undefined) return planRuleTrigger(t, index, resolve);
  const o = isObject(t) ? t : {};
  const id = typeof o.id === 'string' && o.id ? o.id : `#${index + 1}`;
  const metric = typeof o.metric === 'string' ? o.metric : '';
  const severity = o.severity === 'warn' ? 'warn' : 'rollback';
  const plan: TriggerPlan = { index, id, metric, bounds: [], severity };
  const fail = (error: string): TriggerPlan => ({ ...plan, error });
  if (!isObject(t)) return fail(`trigger ${id} is not a mapping`);
  if (!metric) return fail(`trigger ${id} names no metric`);
  if (typeof o.when !== 'string') return fail(`trigger ${id} has no \`when\` comparison, e.g. "> 250"`);
  const c = parseComparison(o.when);
  if (!c.ok) return fail(`\`when: "${o.when}"\` is not a comparison: ${c.error.message}`);
  plan.comparison = c.value;
  if (o.for !== undefined) {
    const text = String(o.for);
    const d = parseDuration(text);
    if (!d.ok) return fail(`\`for: ${text}\` is not a duration: ${d.error.message}`);
    if (d.value <= 0) return fail(`\`for: ${text}\` must be longer than 0s`);
    plan.forMs = d.value;
    plan.forText = text;
  }
  if (o.confidence !== undefined) {
    if (!isObject(o.confidence)) return fail('`confidence` must be a mapping with `lower`, `upper` and `bound`');
    const conf = o.confidence;
    const named = (b: BoundName): string | undefined => (typeof conf[b] === 'string' && conf[b] ? (conf[b] as string) : undefined);
    let bound = conf.bound;
    if (bound === undefined) bound = significantBound(c.value.op);
    if (bound !== 'lower' && bound !== 'upper' && bound !== 'both') return fail(`\`confidence.bound\` must be lower, upper or both, not ${JSON.stringify(bound)}`);
    const wanted: BoundName[] = bound === 'both' ? ['lower', 'upper'] : [bound];
    for (const b of wanted) {
      const m = named(b);
      if (!m) {
        const why = conf.bound === undefined ? ` (for a "${c.value.op}" trigger without \`confidence.bound\`, the ${bound === 'both' ? 'both ends are' : `${bound} bound is`} what makes a breach significant)` : '';
        return fail(`\`confidence\` names no \`${b}\` metric, but the ${b} bound must satisfy the comparison${why}`);
      }
      plan.bounds.push({ bound: b, metric: m });
    }
  }
  return plan;
}

/** A `fromRule` trigger: the rule's expression counted, `> 0`, over the rule's `for:`. */
function planRuleTrigger(o: Record<string, unknown>, index: number, resolve: RuleResolver | undefined): TriggerPlan {
  const ref = typeof o.fromRule === 'string' ? o.fromRule : '';
  const parsed = parseRuleRef(ref);
  const alert = parsed.ok ? parsed.ref.alert : '';
  const id = typeof o.id === 'string' && o.id ? o.id : alert || `#${index + 1}`;
  const severity = o.severity === 'warn' ? 'warn' : 'rollback';
  const plan: TriggerPlan = { index, id, metric: alert, bounds: [], severity };
  const fail = (error: string): TriggerPlan => ({ ...plan, error });
  if (typeof o.fromRule !== 'string') return fail(`\`fromRule\` of trigger ${id} must be a text such as \`alerts.rules.yml#HighLatency\``);
  if (!parsed.ok) return fail(parsed.message);
  const r = resolve?.(ref);
  if (!r) return fail(`trigger ${id} takes its rule from \`${ref}\`, which was not read`);
  if (!r.ok) return fail(r.message);
  const rule = r.rule;
  for (const key of ['when', 'for', 'confidence'] as const) {
    if (o[key] === undefined) continue;
    const theirs = key === 'when' ? '`> 0`: the alert returns a series' : key === 'for' ? `\`${rule.for ?? '0s'}\`` : 'none';
    return fail(`trigger ${id} takes \`${key}\` from its rule (${theirs} in \`${ref}\`); remove \`${key}\` here so the two cannot drift apart`);
  }
  plan.comparison = { op: '>', threshold: 0 };
  // the expression on one line: reports show what was asked
  plan.label = `alert ${rule.alert} (\`${rule.expr.replace(/\s+/g, ' ')}\`)`;
  plan.rule = { ref, alert: rule.alert, group: rule.group, expr: rule.expr, ...(rule.for !== undefined ? { for: rule.for } : {}), query: ruleQuery(rule.expr) };
  if (rule.forMs !== undefined) {
    plan.forMs = rule.forMs;
    plan.forText = rule.for!;
  }
  return plan;
}

/** The end of the confidence interval that makes a breach significant. */
function significantBound(op: Operator): 'lower' | 'upper' | 'both' {
  if (op === '>' || op === '>=') return 'lower';
  if (op === '<' || op === '<=') return 'upper';
  return 'both';
}

/** Every metric a plan needs, with the window to read it over (undefined: the latest value only). */
export function readingsNeeded(plans: TriggerPlan[]): Array<{ metric: string; forMs: number | undefined }> {
  const out = new Map<string, { metric: string; forMs: number | undefined }>();
  const add = (metric: string, forMs: number | undefined): void => {
    out.set(readingKey(metric, forMs), { metric, forMs });
  };
  for (const p of plans) {
    if (p.error) continue;
    add(p.metric, p.forMs);
    for (const b of p.bounds) add(b.metric, undefined);
  }
  return [...out.values()];
}

/** A key for a reading of `metric` over `forMs`. */
export function readingKey(metric: string, forMs: number | undefined): string {
  return forMs === undefined ? metric : `${metric}\u0000${forMs}`;
}

/** Evaluates every trigger of a runbook; `nowMs` is the end of every window. */
export function evaluateTriggers(triggers: unknown, read: ReadingLookup, nowMs: number, resolve?: RuleResolver): TriggerResult[] {
  return planTriggers(triggers, resolve).map((p) => evaluatePlan(p, read, nowMs));
}

export function evaluatePlan(p: TriggerPlan, read: ReadingLookup, nowMs: number): TriggerResult {
  const base = { id: p.id, metric: p.metric, severity: p.severity, ...(p.rule ? { rule: p.rule } : {}) };
  if (p.error || !p.comparison) return { ...base, fires: false, state: 'error', message: p.error ?? `trigger ${p.id} cannot be evaluated` };
  const c = p.comparison;
  const head = { ...base, threshold: c.threshold, op: c.op };
  const done = (state: TriggerState, message: string, extra: Partial<TriggerResult> = {}): TriggerResult => ({ ...head, fires: state === 'fires', state, ...extra, message });

  const main = judgeMain(p, c, read(p.metric, p.forMs), nowMs);
  if (main.state !== 'fires') return done(main.state, main.message, main.extra);

  if (!p.bounds.length) return done('fires', `${main.message}: fires`, main.extra);
  const bounds: BoundResult[] = [];
  const phrases: string[] = [];
  let allHold = true;
  for (const b of p.bounds) {
    const r = read(b.metric, undefined);
    const whose = `the ${b.bound} bound of ${p.metric}`;
    if (r.kind === 'missing' || r.kind === 'error') {
      bounds.push({ bound: b.bound, metric: b.metric });
      return done(r.kind === 'missing' ? 'no-data' : 'error', `${main.message}, but ${whose} is unknown: ${r.message}`, { ...main.extra, bounds });
    }
    const value = r.kind === 'value' ? r.value : r.samples[r.samples.length - 1]?.[1];
    if (value === undefined) {
      bounds.push({ bound: b.bound, metric: b.metric });
      return done('no-data', `${main.message}, but ${whose} is unknown: ${b.metric} has no samples`, { ...main.extra, bounds });
    }
    if (Number.isNaN(value)) {
      bounds.push({ bound: b.bound, metric: b.metric, value });
      return done('error', `${main.message}, but ${whose}, ${b.metric}, is NaN`, { ...main.extra, bounds });
    }
    const ok = holds(value, c);
    if (!ok) allHold = false;
    bounds.push({ bound: b.bound, metric: b.metric, value, holds: ok });
    phrases.push(`its ${b.bound} bound ${b.metric} is ${ok ? `${reading(value)} ${c.op} ${reading(c.threshold)}` : `${reading(value)}, not ${c.op} ${reading(c.threshold)}`}`);
  }
  const joined = phrases.join(' and ');
  return allHold
    ? done('fires', `${main.message} and ${joined}: fires`, { ...main.extra, bounds })
    : done('quiet', `${main.message} but ${joined}: quiet`, { ...main.extra, bounds });
}

interface MainJudgement {
  state: TriggerState;
  /** For 'fires': the phrase before ": fires" (bounds may extend it). Otherwise the whole message. */
  message: string;
  extra: Partial<TriggerResult>;
}

function judgeMain(p: TriggerPlan, c: Comparison, r: Reading, nowMs: number): MainJudgement {
  const m = p.label ?? p.metric;
  /** `p99_latency_ms is 312`, or for a rule `alert IrisHighLatency returns 1 series`. */
  const is = (v: number): string => (p.rule ? `${m} returns ${reading(v)} series` : `${m} is ${reading(v)}`);
  if (r.kind === 'missing') return { state: 'no-data', message: r.message, extra: {} };
  if (r.kind === 'error') return { state: 'error', message: r.message, extra: {} };
  const forText = p.forMs === undefined ? '' : p.forText ?? formatDuration(p.forMs);

  if (r.kind === 'value') {
    const v = r.value;
    if (Number.isNaN(v)) return { state: 'error', message: `${m} is NaN, which no comparison holds for`, extra: { value: v } };
    if (!compare(v, c)) return { state: 'quiet', message: `${is(v)}, not ${c.op} ${reading(c.threshold)}: quiet`, extra: { value: v } };
    if (p.forMs === undefined) return { state: 'fires', message: `${is(v)} ${c.op} ${reading(c.threshold)}`, extra: { value: v } };
    const window: WindowResult = { forMs: p.forMs, samples: 1, heldMs: p.forMs, assumed: true };
    return { state: 'fires', message: `${is(v)} ${c.op} ${reading(c.threshold)} (a single value, taken to hold for ${forText})`, extra: { value: v, window } };
  }

  // a series
  const all = r.samples.filter(([t]) => t <= nowMs);
  const latest = all[all.length - 1];
  if (!latest) return { state: 'no-data', message: `no samples of ${m} up to the evaluation time`, extra: {} };
  const v = latest[1];
  const step = Math.max(0, r.stepMs);
  const forMs = p.forMs;
  if (nowMs - latest[0] > step) {
    const age = `the latest sample of ${m} is ${formatDuration(nowMs - latest[0])} old`;
    return { state: 'no-data', message: forMs === undefined ? `no current value: ${age}` : `not enough data for ${forText}: ${age}`, extra: { value: v } };
  }
  if (Number.isNaN(v)) return { state: 'error', message: `${m} is NaN, which no comparison holds for`, extra: { value: v } };
  if (!compare(v, c)) return { state: 'quiet', message: `${is(v)}, not ${c.op} ${reading(c.threshold)}: quiet`, extra: { value: v } };
  if (forMs === undefined) return { state: 'fires', message: `${is(v)} ${c.op} ${reading(c.threshold)}`, extra: { value: v } };

  const start = nowMs - forMs;
  const inWindow = all.filter(([t]) => t >= start);
  // the trailing run of samples that satisfy the comparison
  let k = inWindow.length - 1;
  while (k > 0 && holds(inWindow[k - 1]![1], c)) k--;
  const heldMs = nowMs - inWindow[k]![0];
  const window: WindowResult = { forMs, samples: inWindow.length, heldMs: Math.min(heldMs, forMs) };
  const extra = { value: v, window };
  const breaker = inWindow[k - 1];
  if (breaker) {
    if (Number.isNaN(breaker[1])) {
      return { state: 'error', message: `${m} is NaN at ${formatDuration(nowMs - breaker[0])} ago, inside the ${forText} window`, extra };
    }
    return { state: 'quiet', message: `${m} stayed ${c.op} ${reading(c.threshold)} for only ${formatDuration(heldMs)} of ${forText}`, extra };
  }
  const first = inWindow[0]!;
  if (first[0] > start + step) {
    return { state: 'no-data', message: `not enough data for ${forText}: the first sample of ${m} is from ${formatDuration(nowMs - first[0])} ago`, extra };
  }
  let widest = 0;
  for (let i = 1; i < inWindow.length; i++) widest = Math.max(widest, inWindow[i]![0] - inWindow[i - 1]![0]);
  if (step > 0 && widest > 2 * step) {
    return { state: 'no-data', message: `not enough data for ${forText}: ${m} has a ${formatDuration(widest)} gap between samples inside the window`, extra };
  }
  const count = inWindow.length === 1 ? 'its 1 sample' : `all ${inWindow.length} samples`;
  return { state: 'fires', message: `${is(v)} ${c.op} ${reading(c.threshold)} for ${count} over ${forText}`, extra };
}

/** The comparison holds for `v`; never for NaN (not even `!= 0`). */
function holds(v: number, c: Comparison): boolean {
  return !Number.isNaN(v) && compare(v, c);
}
