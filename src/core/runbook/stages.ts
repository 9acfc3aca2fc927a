// A runbook's staged reintroduction, pure: the stage plan read from
// `reintroduction` (each stage's percent, hold, checks, approvals, and the
// abortOn triggers every stage evaluates), the problems a schema cannot see
// (percentages that do not strictly increase, a last stage short of 100, no
// flag to drive, a drill scenario's `inject.reintroduction.stage` or
// `expect.reintroduction: aborted-at-N` naming a stage that does not exist),
// each at the exact key, and the flag edit a stage makes.
//
// A stage sets traffic with flagd's standard traffic split, the `fractional`
// operation of the flag's `targeting`:
//   "targeting": { "fractional": [["on", 5], ["off", 95]] }
// (weights are relative; flagd buckets by the evaluation's targetingKey). The
// edit replaces only the bytes of the flag's `targeting` value (or inserts the
// one property after the flag's last one, in that line's indentation), so every
// other byte of the file stays as written; undoing a stage writes back the
// exact bytes from before it. A flag whose targeting is some other rule is
// refused, never overwritten. The rest of the traffic goes to the flag's other
// variant: the only other one, else its defaultVariant. Text in, text out.
import { parseTree, type Node } from 'jsonc-parser';
import { formatDuration, parseDuration } from '../util/values';
import type { PathSegment } from '../yaml';

export type StageCheck =
  | { kind: 'trigger'; trigger: string; text: string; path: PathSegment[] }
  | { kind: 'metric'; metric: string; when: string; text: string; path: PathSegment[] }
  | { kind: 'contract-test'; contract: string; test: string; text: string; path: PathSegment[] }
  | { kind: 'command'; run: string; text: string; path: PathSegment[] };

export interface Stage {
  /** 1-based, as reports and `aborted-at-N` name it. */
  number: number;
  percent: number;
  /** The hold as written (`1h`), and in milliseconds (0 without one). */
  hold?: string;
  holdMs: number;
  checks: StageCheck[];
  approve: string[];
}

export interface StagePlan {
  flag?: { file: string; name: string; variant: string };
  abortOn: string[];
  stages: Stage[];
}

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The stage plan of a runbook (its parsed value); undefined when it has no `reintroduction`. */
export function stagePlan(runbook: unknown): StagePlan | undefined {
  const r = obj(runbook).reintroduction;
  if (r === undefined) return undefined;
  const reintro = obj(r);
  const f = obj(reintro.flag);
  const flag = typeof f.file === 'string' && typeof f.name === 'string' && typeof f.variant === 'string' ? { file: f.file, name: f.name, variant: f.variant } : undefined;
  const stages = arr(reintro.stages).map((raw, i): Stage => {
    const s = obj(raw);
    const hold = typeof s.hold === 'string' ? s.hold : undefined;
    const parsed = hold === undefined ? undefined : parseDuration(hold);
    return {
      number: i + 1,
      percent: typeof s.percent === 'number' ? s.percent : NaN,
      ...(hold !== undefined ? { hold } : {}),
      holdMs: parsed?.ok ? parsed.value : 0,
      checks: arr(s.checks).flatMap((c, j) => checkOf(c, ['reintroduction', 'stages', i, 'checks', j])),
      approve: arr(s.approve).filter((x): x is string => typeof x === 'string'),
    };
  });
  return { ...(flag ? { flag } : {}), abortOn: arr(reintro.abortOn).filter((x): x is string => typeof x === 'string'), stages };
}

function checkOf(c: unknown, path: PathSegment[]): StageCheck[] {
  if (typeof c === 'string') return [{ kind: 'trigger', trigger: c, text: `trigger ${c} stays quiet`, path }];
  const o = obj(c);
  if (typeof o.trigger === 'string') return [{ kind: 'trigger', trigger: o.trigger, text: `trigger ${o.trigger} stays quiet`, path }];
  if (typeof o.metric === 'string' && typeof o.when === 'string') return [{ kind: 'metric', metric: o.metric, when: o.when, text: `${o.metric} ${o.when}`, path }];
  const v = obj(o.verify);
  if (typeof v.contract === 'string' && typeof v.test === 'string') return [{ kind: 'contract-test', contract: v.contract, test: v.test, text: `contract test ${v.test} of ${v.contract} passes`, path }];
  if (typeof o.run === 'string') return [{ kind: 'command', run: o.run, text: `\`${o.run}\` exits 0`, path }];
  return [];
}

/** A problem of the plan at `path`; `key`: on the key there rather than on its value. */
export interface StageProblem {
  code: 'stage-order' | 'stage-incomplete' | 'reintroduction-no-flag' | 'unknown-stage';
  path: PathSegment[];
  key?: boolean;
  message: string;
}

/** Percentages strictly increasing and ending at 100, a flag to drive, and every drill scenario's stage naming a stage. */
export function stageProblems(runbook: unknown): StageProblem[] {
  const plan = stagePlan(runbook);
  if (!plan) return [];
  const out: StageProblem[] = [];
  const reintro = obj(obj(runbook).reintroduction);
  if (!plan.flag && reintro.flag === undefined) {
    out.push({
      code: 'reintroduction-no-flag',
      path: ['reintroduction'],
      key: true,
      message:
        reintro.run !== undefined
          ? '`reintroduction` sets traffic with `run`, which `rollback-lens reintroduce` does not drive: add a `flag` (a flagd file, name and variant) whose fractional split each stage sets'
          : '`reintroduction` has no `flag`: add the flagd flag (file, name, variant) whose fractional split each stage sets',
    });
  }
  let prev: Stage | undefined;
  for (const s of plan.stages) {
    if (!Number.isFinite(s.percent)) continue;
    if (prev && s.percent <= prev.percent) {
      out.push({ code: 'stage-order', path: ['reintroduction', 'stages', s.number - 1, 'percent'], message: `stage ${s.number} sends ${s.percent}% of traffic, not more than stage ${prev.number}'s ${prev.percent}%: percentages must strictly increase` });
    }
    prev = s;
  }
  const last = plan.stages[plan.stages.length - 1];
  if (last && Number.isFinite(last.percent) && last.percent !== 100) {
    out.push({ code: 'stage-incomplete', path: ['reintroduction', 'stages', last.number - 1, 'percent'], message: `the last stage sends ${last.percent}% of traffic: the reintroduction must end at 100%` });
  }
  const n = plan.stages.length;
  arr(obj(obj(runbook).drills).scenarios).forEach((sc, i) => {
    const s = obj(sc);
    const stage = obj(obj(s.inject).reintroduction).stage;
    if (typeof stage === 'number' && Number.isInteger(stage) && (stage < 1 || stage > n)) {
      out.push({ code: 'unknown-stage', path: ['drills', 'scenarios', i, 'inject', 'reintroduction', 'stage'], message: `scenario \`${String(s.id)}\` injects at stage ${stage}, but the reintroduction has ${n} stage${n === 1 ? '' : 's'}` });
    }
    const want = parseExpectation(obj(s.expect).reintroduction);
    if (want?.abortedAt !== undefined && want.abortedAt > n) {
      out.push({ code: 'unknown-stage', path: ['drills', 'scenarios', i, 'expect', 'reintroduction'], message: `scenario \`${String(s.id)}\` expects an abort at stage ${want.abortedAt}, but the reintroduction has ${n} stage${n === 1 ? '' : 's'}` });
    }
  });
  return out;
}

/** `expect.reintroduction` of a drill scenario: `completed` or `aborted-at-N`. */
export function parseExpectation(v: unknown): { text: string; abortedAt?: number } | undefined {
  if (v === 'completed') return { text: v };
  const m = typeof v === 'string' ? /^aborted-at-([1-9][0-9]*)$/.exec(v) : null;
  return m ? { text: v as string, abortedAt: Number(m[1]) } : undefined;
}

/** A stage's line of the plan: `stage 2: 25% for 4h; checks: ...; abort on: ...; approve: ...`. */
export function stageLine(s: Stage, abortOn: readonly string[]): string {
  return [
    `stage ${s.number}: ${s.percent}%${s.hold ? ` for ${s.hold}` : ' (no hold)'}`,
    s.checks.length ? `checks: ${s.checks.map((c) => c.text).join(', ')}` : 'no checks',
    abortOn.length ? `abort on: ${abortOn.join(', ')}` : undefined,
    s.approve.length ? `approve: ${s.approve.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
}

/** The split of a stage: the reintroduced variant gets `percent`, the other variant the rest. */
export type Split = [[string, number], [string, number]];

/** The `targeting` value text a split is written as. */
export function fractionalText(split: Split): string {
  return `{ "fractional": [${split.map(([v, w]) => `[${JSON.stringify(v)}, ${w}]`).join(', ')}] }`;
}

export type TargetingEdit =
  | {
      ok: true;
      split: Split;
      /** The targeting value's text before, undefined when the flag had none. */
      from: string | undefined;
      to: string;
      text: string;
      changed: boolean;
    }
  | { ok: false; error: string };

/**
 * Sets `flags.<name>.targeting` of a flagd file's `text` to the fractional
 * split giving `variant` `percent` of traffic (`file` names it in messages).
 */
export function editFractional(text: string, file: string, name: string, variant: string, percent: number): TargetingEdit {
  const found = flagNode(text, file, name);
  if (!found.ok) return found;
  const { flag, node } = found;
  const variants = Object.keys(obj(flag.variants));
  if (!variants.includes(variant)) return { ok: false, error: `flag \`${name}\` has no variant \`${variant}\`${variants.length ? ` (it has ${variants.map((v) => `\`${v}\``).join(', ')})` : ''}` };
  const others = variants.filter((v) => v !== variant);
  const rest = others.length === 1 ? others[0] : typeof flag.defaultVariant === 'string' && flag.defaultVariant !== variant && others.includes(flag.defaultVariant) ? flag.defaultVariant : undefined;
  if (rest === undefined) return { ok: false, error: `flag \`${name}\` has no other variant for the rest of the traffic${others.length ? ` (set its defaultVariant to one of ${others.map((v) => `\`${v}\``).join(', ')})` : ''}` };
  const targeting = property(node, 'targeting');
  if (targeting === 'twice') return { ok: false, error: `flag \`${name}\` has \`targeting\` twice in \`${file}\`; left untouched` };
  const current = targeting ? text.slice(targeting.offset, targeting.offset + targeting.length) : undefined;
  if (targeting && !isSplitOrEmpty(flag.targeting)) {
    return { ok: false, error: `flag \`${name}\` in \`${file}\` has a targeting rule of its own (${oneLine(current!)}); a stage would replace it, so it is left untouched` };
  }
  const split: Split = [
    [variant, percent],
    [rest, round(100 - percent)],
  ];
  const to = fractionalText(split);
  const next = setTargeting(text, node, targeting || undefined, to);
  return { ok: true, split, from: current, to, text: next, changed: next !== text };
}

/**
 * Puts `flags.<name>.targeting` back to `value` (a targeting text, or
 * undefined: no targeting), in place: the fallback of an undo when the file
 * changed since the stage wrote it.
 */
export function restoreTargeting(text: string, file: string, name: string, value: string | undefined): { ok: true; text: string } | { ok: false; error: string } {
  const found = flagNode(text, file, name);
  if (!found.ok) return found;
  const targeting = property(found.node, 'targeting');
  if (targeting === 'twice') return { ok: false, error: `flag \`${name}\` has \`targeting\` twice in \`${file}\`; left untouched` };
  if (value !== undefined) return { ok: true, text: setTargeting(text, found.node, targeting, value) };
  if (!targeting) return { ok: true, text };
  // remove the property and the comma before it (the edit added it after the flag's last property)
  const pair = targeting.parent!;
  const before = text.slice(0, pair.offset);
  const comma = before.search(/,\s*$/);
  if (comma !== -1) return { ok: true, text: text.slice(0, comma) + text.slice(pair.offset + pair.length) };
  const after = /^\s*,\s*/.exec(text.slice(pair.offset + pair.length));
  return { ok: true, text: text.slice(0, pair.offset) + text.slice(pair.offset + pair.length + (after ? after[0].length : 0)) };
}

/** The split in words: `flags.iris-v2.targeting: on 5%, off 95%`. */
export function describeSplit(name: string, split: Split): string {
  return `flags.${name}.targeting: ${split.map(([v, w]) => `${v} ${w}%`).join(', ')}`;
}

/** The stage's flag edit as the dry-run shows it: the targeting before and after. */
export function describeTargetingEdit(name: string, e: { from: string | undefined; to: string; changed: boolean }): string {
  if (!e.changed) return `flags.${name}.targeting is already ${e.to} (no change)`;
  return `flags.${name}.targeting ${e.from === undefined ? '(not set)' : oneLine(e.from)} → ${e.to}`;
}

/** The plan's holds in words, for a drill that does not wait them. */
export function holdsText(stages: readonly Stage[]): string {
  const held = stages.filter((s) => s.holdMs > 0);
  return held.length ? `holds not waited in a drill (${held.map((s) => `stage ${s.number}: ${formatDuration(s.holdMs)}`).join(', ')})` : 'no stage has a hold';
}

function flagNode(text: string, file: string, name: string): { ok: true; flag: Record<string, unknown>; node: Node } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: `flag file \`${file}\` is not valid JSON; left untouched` };
  }
  const root = parseTree(text);
  const flags = root && property(root, 'flags');
  if (flags === 'twice') return { ok: false, error: `\`${file}\` has \`flags\` twice; left untouched` };
  const node = flags && property(flags, name);
  if (node === 'twice') return { ok: false, error: `flag \`${name}\` is defined twice in \`${file}\`; left untouched` };
  if (!node || node.type !== 'object') return { ok: false, error: `flag \`${name}\` is not defined in \`${file}\`` };
  return { ok: true, flag: obj(obj(obj(data).flags)[name]), node };
}

/** The text with the flag's targeting value replaced, or the property added after the flag's last one. */
function setTargeting(text: string, flag: Node, targeting: Node | undefined, value: string): string {
  if (targeting) return text.slice(0, targeting.offset) + value + text.slice(targeting.offset + targeting.length);
  const props = flag.children ?? [];
  const last = props[props.length - 1];
  if (!last) {
    // an empty flag object: `{}` becomes `{ "targeting": ... }`
    return text.slice(0, flag.offset + 1) + ` "targeting": ${value} ` + text.slice(flag.offset + flag.length - 1);
  }
  const lineStart = text.lastIndexOf('\n', last.offset) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const sameLine = text.slice(lineStart, last.offset).trim() !== '';
  const end = last.offset + last.length;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return text.slice(0, end) + (sameLine ? `, "targeting": ${value}` : `,${eol}${indent}"targeting": ${value}`) + text.slice(end);
}

/** A targeting that is empty or only a fractional split: one a stage may replace. */
function isSplitOrEmpty(t: unknown): boolean {
  const o = obj(t);
  const keys = Object.keys(o);
  return t !== null && typeof t === 'object' && !Array.isArray(t) && (keys.length === 0 || (keys.length === 1 && keys[0] === 'fractional'));
}

function property(node: Node, key: string): Node | undefined | 'twice' {
  if (node.type !== 'object') return undefined;
  const found = (node.children ?? []).filter((p) => p.children?.[0]?.value === key);
  if (found.length > 1) return 'twice';
  return found[0]?.children?.[1];
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ');
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

// ---- what a reintroduction did (the CLI's, the editor's and the audit log's report) ----

/** One check of a stage, and what it compared. */
export interface StageCheckResult {
  check: string;
  kind: StageCheck['kind'];
  outcome: 'pass' | 'fail';
  /** The metric's value a trigger or metric check read. */
  value?: number;
  message: string;
}

/** One abortOn trigger at a stage: `fires` is a breach; `no-data` and `error` are no evidence of health, so they stop too. */
export interface StageTrigger {
  id: string;
  state: 'fires' | 'quiet' | 'no-data' | 'error';
  value?: number;
  message: string;
}

export interface StageApproval {
  stage: number;
  role: string;
  decision: 'approve' | 'reject';
  /** `flag`: --approve role=name (automation); `person`: a terminal prompt or the editor; `scenario`: a drill scenario's approvals. */
  by: 'flag' | 'person' | 'scenario';
  name?: string;
}

export interface StageResult {
  stage: number;
  percent: number;
  hold?: string;
  /** How the hold went: waited, not waited (a drill), none, or cancelled while waiting. */
  held: 'waited' | 'not waited (drill)' | 'none' | 'cancelled';
  /** The flag edit, in words (describeTargetingEdit). */
  edit: string;
  /** Metric values a drill scenario injected at this stage. */
  injected?: Record<string, number>;
  checks: StageCheckResult[];
  abortOn: StageTrigger[];
  approvals: StageApproval[];
  outcome: 'passed' | 'aborted' | 'rejected' | 'cancelled' | 'failed';
  durationMs: number;
}

export interface ReintroductionReport {
  runbook: string;
  mode: 'reintroduce' | 'drill';
  scenario?: string;
  verdict: 'pass' | 'fail' | 'cancelled';
  /** `completed`, or how and where it stopped: `aborted-at-2`, `rejected-at-3`, `failed-at-1`, `cancelled-at-2`. */
  outcome: string;
  reason?: string;
  flag: { file: string; name: string; variant: string };
  stages: StageResult[];
  /** Where traffic went back to after a stop, in words. */
  rolledBack?: string;
  /** A drill: that the holds were not waited, and that the flag file was put back. */
  drill?: { holds: string; restored: string; expect: string; met: boolean };
  approvals: StageApproval[];
}

/** The report as text, one block per stage: what was set, what was compared, how it ended. */
export function reintroductionText(r: ReintroductionReport): string {
  const lines: string[] = [`${r.runbook}: reintroduction ${r.mode === 'drill' ? `drill ${r.scenario ?? ''} ` : ''}${r.verdict.toUpperCase()} (${r.outcome})`];
  lines.push(`  flag ${r.flag.name} in ${r.flag.file}: variant ${r.flag.variant} by fractional split`);
  if (r.drill) lines.push(`  drill: ${r.drill.holds}`);
  for (const s of r.stages) {
    lines.push(`  stage ${s.stage}: ${s.percent}% — ${s.outcome}`);
    lines.push(`    set: ${s.edit}`);
    lines.push(`    hold: ${s.hold ? `${s.hold}, ${s.held}` : 'none'}`);
    if (s.injected) lines.push(`    injected: ${Object.entries(s.injected).map(([k, v]) => `${k} = ${v}`).join(', ')}`);
    for (const c of s.checks) lines.push(`    check ${c.outcome.toUpperCase()} ${c.check}: ${c.message}`);
    for (const t of s.abortOn) lines.push(`    abortOn ${t.id}: ${t.state}: ${t.message}`);
    for (const a of s.approvals) lines.push(`    approval: ${a.role} ${a.decision === 'approve' ? 'approved' : 'rejected'} (${a.by}${a.name ? `: ${a.name}` : ''})`);
  }
  if (r.reason) lines.push(`  ${r.reason}`);
  if (r.rolledBack) lines.push(`  traffic: ${r.rolledBack}`);
  if (r.drill) lines.push(`  drill: ${r.drill.restored}`, `  drill: expected ${r.drill.expect}, got ${r.outcome}: ${r.drill.met ? 'met' : 'not met'}`);
  return lines.join('\n');
}

/** The whole stage plan as the dry-run shows it: each stage's split, hold, checks, abort triggers, approvals and flag edit. */
export interface StagePlanReport {
  flag?: { file: string; name: string; variant: string };
  abortOn: string[];
  stages: Array<{ stage: number; percent: number; hold?: string; checks: string[]; approve: string[]; edit: string }>;
  /** Why the plan cannot be performed (no flag, a flag file that cannot be edited). */
  problem?: string;
}

export function stagePlanText(p: StagePlanReport): string[] {
  const out = [p.flag ? `flag ${p.flag.name} in ${p.flag.file}: variant ${p.flag.variant} by fractional split; abort on: ${p.abortOn.join(', ') || '(none)'}` : 'no flag to set'];
  for (const s of p.stages) {
    out.push(`stage ${s.stage}: ${s.percent}%${s.hold ? ` for ${s.hold}` : ' (no hold)'}; checks: ${s.checks.join(', ') || '(none)'}${s.approve.length ? `; approve: ${s.approve.join(', ')}` : ''}`);
    out.push(`  would set ${s.edit}`);
  }
  if (p.problem) out.push(`cannot reintroduce: ${p.problem}`);
  return out;
}
