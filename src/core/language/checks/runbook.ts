// Semantic checks of a RollbackRunbook: what a schema cannot say. Names that
// must exist in other files (contract tests, flags, placeholders, triggers
// named by reintroduction) are checked in references.ts.
import { resolveWorkspacePath } from '../../util/path';
import { suggest } from '../schemaErrors';
import type { Diagnostic, QuickFix, RelatedInfo, Span } from '../../types';
import { formatDate, formatDuration, parseDuration } from '../../util/values';
import { followValuePath, parseValuePath } from '../../util/valuePath';
import { deref, getPair, type PMap } from '../../yaml';
import { stepsOf, UNDO_STUBS, worstCasePath, type StepInfo } from '../../runbook/steps';
import { parseRuleRef } from '../../runbook/rules';
import { stagePlan, stageProblems } from '../../runbook/stages';
import { checkRuleTriggers } from './rules';
import { checkDetectWindow, checkFidelityExpectations, checkRoleRequirements } from './requirements';
import { asArray, asObject, asString, changeTo, diag, endOfLine, indentOfLine, keyAt, nodeAtPath, valueAt, type CheckContext } from './context';

export async function checkRunbook(ctx: CheckContext): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const steps = stepsOf(ctx.value);
  out.push(...checkStepIds(ctx, steps));
  const cycles = checkCycles(ctx, steps);
  out.push(...cycles);
  out.push(...checkUndo(ctx, steps));
  out.push(...(await checkScripts(ctx, steps)));
  out.push(...checkRoles(ctx));
  out.push(...checkRoleRequirements(ctx), ...checkDetectWindow(ctx), ...checkFidelityExpectations(ctx));
  if (cycles.length === 0) out.push(...checkRestoreWindow(ctx, steps));
  out.push(...(await checkRuleTriggers(ctx)));
  out.push(...(await checkMetrics(ctx)));
  out.push(...(await checkDrills(ctx)));
  out.push(...checkStages(ctx), ...(await checkStageScripts(ctx)));
  return out;
}

/** The staged reintroduction: percentages, the last stage, its flag, a drill scenario's stage (src/core/runbook/stages.ts). */
function checkStages(ctx: CheckContext): Diagnostic[] {
  return stageProblems(ctx.value).map((p) => diag(p.key ? keyAt(ctx, p.path) : valueAt(ctx, p.path), p.severity ?? 'error', p.code, p.message));
}

/** A reintroduction `run` check whose script does not exist, as for a step (looked for relative to the runbook). */
async function checkStageScripts(ctx: CheckContext): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const c of stagePlan(ctx.value)?.stages.flatMap((s) => s.checks) ?? []) {
    const script = 'run' in c ? leadingScript(c.run) : undefined;
    const resolved = script === undefined ? undefined : resolveWorkspacePath(ctx.documentPath, script);
    if (resolved === undefined || (await ctx.host.stat(resolved)) !== 'missing') continue;
    out.push(
      diag(valueAt(ctx, [...c.path, 'run']), 'error', 'missing-file', `script \`${script}\` does not exist (looked for \`${resolved}\`)`, {
        fixes: [{ title: `Create \`${resolved}\``, edits: [], create: { path: resolved, content: '#!/bin/sh\nset -eu\n', executable: true } }],
      }),
    );
  }
  return out;
}

function checkStepIds(ctx: CheckContext, steps: StepInfo[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = new Map<string, StepInfo>();
  for (const s of steps) {
    if (!s.id) continue;
    const prev = first.get(s.id);
    if (prev) {
      out.push(
        diag(valueAt(ctx, ['steps', s.index, 'id']), 'error', 'duplicate-step-id', `step id \`${s.id}\` is already used by step ${prev.index + 1}`, {
          related: [{ span: valueAt(ctx, ['steps', prev.index, 'id']), message: `first use of \`${s.id}\`` }],
        }),
      );
    } else first.set(s.id, s);
  }
  const ids = [...first.keys()];
  for (const s of steps) {
    s.requires.forEach((r, j) => {
      if (first.has(r)) return;
      const span = valueAt(ctx, ['steps', s.index, 'requires', j]);
      const guess = suggest(r, ids);
      out.push(
        diag(span, 'error', 'unknown-step', `\`requires\` names step \`${r}\`, which does not exist${guess ? ` — did you mean \`${guess}\`?` : ''}`, {
          ...(guess ? { fixes: [{ title: `Change to \`${guess}\``, edits: [{ ...span, newText: guess }], preferred: true }] } : {}),
        }),
      );
    });
  }
  return out;
}

function checkCycles(ctx: CheckContext, steps: StepInfo[]): Diagnostic[] {
  const byId = new Map<string, StepInfo>();
  for (const s of steps) if (s.id && !byId.has(s.id)) byId.set(s.id, s);
  const state = new Map<string, 1 | 2>(); // 1 on stack, 2 done
  const stack: string[] = [];
  const out: Diagnostic[] = [];
  const reported = new Set<string>();
  const edgeSpan = (from: string, to: string): Span => {
    const s = byId.get(from)!;
    return valueAt(ctx, ['steps', s.index, 'requires', s.requires.indexOf(to)]);
  };
  // iterative depth-first search: a chain of thousands of steps must not overflow the stack
  const visit = (startId: string): void => {
    const work: Array<{ id: string; next: number }> = [{ id: startId, next: 0 }];
    state.set(startId, 1);
    stack.push(startId);
    while (work.length) {
      const top = work[work.length - 1]!;
      const deps = byId.get(top.id)!.requires;
      if (top.next >= deps.length) {
        work.pop();
        stack.pop();
        state.set(top.id, 2);
        continue;
      }
      const dep = deps[top.next++]!;
      if (!byId.has(dep)) continue;
      const st = state.get(dep);
      if (st === 1) {
        const cycle = stack.slice(stack.indexOf(dep));
        const key = [...cycle].sort().join('\u0000');
        if (reported.has(key)) continue;
        reported.add(key);
        // cycle = [dep, ..., id]: each one requires the next, and id requires dep
        const chain = [...cycle, dep];
        const related: RelatedInfo[] = [];
        for (let i = 0; i < cycle.length - 1; i++) {
          related.push({ span: edgeSpan(cycle[i]!, cycle[i + 1]!), message: `\`${cycle[i]}\` requires \`${cycle[i + 1]}\`` });
        }
        out.push(
          diag(edgeSpan(top.id, dep), 'error', 'dependency-cycle', `dependency cycle: ${chain.map((c) => `\`${c}\``).join(' requires ')}`, { related }),
        );
      } else if (st === undefined) {
        state.set(dep, 1);
        stack.push(dep);
        work.push({ id: dep, next: 0 });
      }
    }
  };
  for (const id of byId.keys()) if (!state.has(id)) visit(id);
  return out;
}

function checkUndo(ctx: CheckContext, steps: StepInfo[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of steps) {
    if (!s.kind || !UNDO_STUBS[s.kind]) continue;
    const raw = asObject(asArray(ctx.value.steps)[s.index]);
    if ('undo' in raw) {
      const placeholder = undoPlaceholder(ctx, s, raw.undo);
      if (placeholder) out.push(placeholder);
      continue;
    }
    const kindKey = keyAt(ctx, ['steps', s.index, s.kind]);
    const name = s.id ? `step \`${s.id}\`` : `step ${s.index + 1}`;
    out.push(
      diag(kindKey, 'error', 'missing-undo', `${name} changes something (\`${s.kind}\`) but has no \`undo\`; add what reverses it so the rollback can itself be rolled back`, {
        fixes: undoFix(ctx, s) ?? [],
      }),
    );
  }
  return out;
}

/**
 * An `undo` that is still its kind's stub, or as good as one (UNDO_STUBS): it
 * would let the lint pass while the step could never be reversed, so it stays
 * a warning until replaced. On a one-line stub the range takes in its comment.
 */
function undoPlaceholder(ctx: CheckContext, s: StepInfo, undo: unknown): Diagnostic | undefined {
  const found = s.kind && UNDO_STUBS[s.kind]?.placeholder(undo);
  if (!found) return undefined;
  const span = valueAt(ctx, ['steps', s.index, 'undo', ...found.at]);
  const rest = ctx.text.slice(span.end, endOfLine(ctx.text, span.end));
  const at = /^[ \t]+#/.test(rest) ? { start: span.start, end: span.end + rest.trimEnd().length } : span;
  const name = s.id ? `step \`${s.id}\`` : `step ${s.index + 1}`;
  return diag(at, 'warning', 'undo-placeholder', `the \`undo\` of ${name} is a placeholder (${found.why}): replace it with ${found.replaceWith} that reverses the step`);
}

function undoFix(ctx: CheckContext, s: StepInfo): QuickFix[] | undefined {
  const stepNode = nodeAtPath(ctx, ['steps', s.index]);
  if (!stepNode || stepNode.type !== 'map') return undefined;
  const title = 'Add an `undo` stub';
  const stubs = s.kind && UNDO_STUBS[s.kind];
  if (!stubs) return undefined;
  if (stepNode.flow) {
    const last = stepNode.pairs[stepNode.pairs.length - 1];
    if (!last) return undefined;
    return [{ title, edits: [{ start: last.end, end: last.end, newText: `, undo: ${stubs.flow}` }], preferred: true }];
  }
  const kindPair = getPair(stepNode, s.kind!);
  if (!kindPair) return undefined;
  const column = kindPair.key.start - (ctx.text.lastIndexOf('\n', kindPair.key.start - 1) + 1);
  const valueEnd = kindPair.value ? Math.max(kindPair.key.end, lastNonSpace(ctx.text, kindPair.value.start, kindPair.value.end)) : kindPair.key.end;
  const at = endOfLine(ctx.text, valueEnd);
  return [{ title, edits: [{ start: at, end: at, newText: `\n${' '.repeat(column)}undo: ${stubs.block}` }], preferred: true }];
}

function lastNonSpace(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text[e - 1]!)) e--;
  return Math.max(start, e - 1);
}

function checkRoles(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const roles = asObject(ctx.value.roles);
  const declared = Object.keys(roles);
  const uses: Array<{ role: string; path: (string | number)[]; where: string; key?: boolean }> = [];
  asArray(ctx.value.steps).forEach((raw, i) => {
    const step = asObject(raw);
    if (typeof step.owner === 'string') uses.push({ role: step.owner, path: ['steps', i, 'owner'], where: 'step owner' });
    asArray(step.approve).forEach((r, j) => typeof r === 'string' && uses.push({ role: r, path: ['steps', i, 'approve', j], where: 'approval' }));
    asArray(asObject(step.notify).to).forEach((r, j) => typeof r === 'string' && uses.push({ role: r, path: ['steps', i, 'notify', 'to', j], where: 'notification' }));
  });
  asArray(asObject(ctx.value.reintroduction).stages).forEach((st, i) => {
    asArray(asObject(st).approve).forEach((r, j) => typeof r === 'string' && uses.push({ role: r, path: ['reintroduction', 'stages', i, 'approve', j], where: 'reintroduction approval' }));
  });
  asArray(asObject(ctx.value.drills).scenarios).forEach((sc, i) => {
    const approvals = asObject(sc).approvals;
    if (approvals && typeof approvals === 'object' && !Array.isArray(approvals)) {
      for (const r of Object.keys(approvals)) uses.push({ role: r, path: ['drills', 'scenarios', i, 'approvals', r], where: 'drill approval', key: true });
    }
  });
  asArray(asObject(ctx.value.closure).signOff).forEach((r, j) => typeof r === 'string' && uses.push({ role: r, path: ['closure', 'signOff', j], where: 'sign-off' }));
  asArray(ctx.value.communication).forEach((raw, i) => {
    const owner = asObject(raw).owner;
    if (typeof owner === 'string') uses.push({ role: owner, path: ['communication', i, 'owner'], where: 'communication' });
  });
  for (const u of uses) {
    if (Object.prototype.hasOwnProperty.call(roles, u.role)) continue;
    const span = u.key ? keyAt(ctx, u.path) : valueAt(ctx, u.path);
    const guess = suggest(u.role, declared);
    const fixes: QuickFix[] = [];
    if (guess) fixes.push({ title: `Change to \`${guess}\``, edits: [{ ...span, newText: guess }], preferred: true });
    const declare = declareRoleFix(ctx, u.role);
    if (declare) fixes.push(declare);
    out.push(
      diag(span, 'error', 'undeclared-role', `role \`${u.role}\` (${u.where}) is not declared under \`roles\`${guess ? ` — did you mean \`${guess}\`?` : ''}`, { fixes }),
    );
  }
  if (!Object.prototype.hasOwnProperty.call(roles, 'decisionMaker')) {
    const span = ctx.value.roles !== undefined ? keyAt(ctx, ['roles']) : keyAt(ctx, ['kind']);
    const fix = declareRoleFix(ctx, 'decisionMaker');
    out.push(
      diag(span, 'error', 'missing-decision-maker', 'no `decisionMaker` role: someone must own the decision to roll back; declare `roles.decisionMaker` with a contact', {
        ...(fix ? { fixes: [fix] } : {}),
      }),
    );
  }
  return out;
}

function declareRoleFix(ctx: CheckContext, role: string): QuickFix | undefined {
  const entry = `${role}: { name: TODO, contact: TODO }`;
  const title = `Declare role \`${role}\``;
  const rolesPair = getPair(ctx.root, 'roles');
  const root = deref(ctx.root);
  if (!rolesPair && root?.type === 'map' && root.flow) {
    // a flow (or JSON) document: add the section inside its braces
    const close = ctx.text.lastIndexOf('}', root.end);
    if (close < root.start) return undefined;
    return { title, edits: [{ start: close, end: close, newText: `, "roles": { "${role}": { "name": "TODO", "contact": "TODO" } }` }] };
  }
  if (!rolesPair) {
    const at = ctx.text.length;
    const sep = ctx.text.endsWith('\n') || at === 0 ? '' : '\n';
    return { title, edits: [{ start: at, end: at, newText: `${sep}roles:\n  ${entry}\n` }] };
  }
  const rolesNode = deref(rolesPair.value);
  if (!rolesNode || (rolesNode.type === 'scalar' && rolesNode.value === null)) {
    const at = endOfLine(ctx.text, rolesPair.key.end);
    const indent = indentOfLine(ctx.text, rolesPair.key.start);
    return { title, edits: [{ start: at, end: at, newText: `\n${indent}  ${entry}` }] };
  }
  if (rolesNode.type !== 'map') return undefined;
  const map = rolesNode as PMap;
  if (map.flow) {
    const close = ctx.text.lastIndexOf('}', map.end);
    if (close < map.start) return undefined;
    const before = ctx.text.slice(map.start + 1, close).trim();
    return { title, edits: [{ start: close, end: close, newText: `${before ? ', ' : ''}${role}: { name: TODO, contact: TODO } ` }] };
  }
  const last = map.pairs[map.pairs.length - 1];
  if (!last) return undefined;
  const column = last.key.start - (ctx.text.lastIndexOf('\n', last.key.start - 1) + 1);
  const at = endOfLine(ctx.text, last.value ? lastNonSpace(ctx.text, last.value.start, last.value.end) : last.key.end);
  return { title, edits: [{ start: at, end: at, newText: `\n${' '.repeat(column)}${entry}` }] };
}

function checkRestoreWindow(ctx: CheckContext, steps: StepInfo[]): Diagnostic[] {
  const restore = asString(asObject(ctx.value.windows).restore);
  if (!restore) return [];
  const limit = parseDuration(restore);
  if (!limit.ok) return [];
  const plan = worstCasePath(steps);
  if (plan.totalMs <= limit.value) return [];
  const related: RelatedInfo[] = plan.path.map((s) => ({
    span: valueAt(ctx, ['steps', s.index, s.timeoutMs ? 'timeout' : 'id']),
    message: `\`${s.id}\`: ${s.timeoutMs ? formatDuration(s.timeoutMs) : 'no timeout (0s)'}`,
  }));
  return [
    diag(
      valueAt(ctx, ['windows', 'restore']),
      'warning',
      'restore-window-exceeded',
      `the plan's worst case is ${formatDuration(plan.totalMs)} (${plan.path.map((s) => `\`${s.id}\``).join(' → ')}), longer than windows.restore ${restore}`,
      { related },
    ),
  ];
}

async function checkMetrics(ctx: CheckContext): Promise<Diagnostic[]> {
  const metrics = asObject(ctx.value.metrics);
  const triggers = asArray(ctx.value.triggers).map((t, i) => ({ i, metric: asString(asObject(t).metric) }));
  // a fromRule trigger reads its alert by the alert's name (its query comes from the rule)
  const alerts = asArray(ctx.value.triggers).flatMap((t, i) => {
    const ref = asObject(t).fromRule;
    const p = typeof ref === 'string' ? parseRuleRef(ref) : undefined;
    return p?.ok ? [{ i, alert: p.ref.alert }] : [];
  });
  const prometheus = asObject(metrics.prometheus);
  let known: string[] | undefined;
  let source = '';
  const pathProblems: Diagnostic[] = [];
  if (typeof metrics.file === 'string') {
    const resolved = resolveWorkspacePath(ctx.documentPath, metrics.file);
    if (resolved === undefined) return []; // reported by the file check
    const text = await ctx.host.readFile(resolved);
    if (text === undefined) return []; // missing: reported by the file check
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      return [diag(valueAt(ctx, ['metrics', 'file']), 'error', 'invalid-metrics-file', `metrics snapshot \`${metrics.file}\` is not valid JSON: ${(e as Error).message}`)];
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      return [diag(valueAt(ctx, ['metrics', 'file']), 'error', 'invalid-metrics-file', `metrics snapshot \`${metrics.file}\` must be a JSON object of metric name → number`)];
    }
    const obj = asObject(data);
    const inner = obj.metrics && typeof obj.metrics === 'object' ? asObject(obj.metrics) : obj;
    // a metric with a path is read there (in the whole file): the path must lead to a number or a boolean
    const paths = asObject(metrics.paths);
    for (const [m, written] of Object.entries(paths)) {
      if (typeof written !== 'string') continue;
      const at = valueAt(ctx, ['metrics', 'paths', m]);
      const p = parseValuePath(written);
      const found = p.ok ? followValuePath(data, p.segments) : undefined;
      const problem = !p.ok
        ? `\`${written}\` is not a path: ${p.message}`
        : !found!.found
          ? `\`${written}\` leads nowhere in \`${metrics.file}\`: it has no ${found!.missing}`
          : typeof found!.value !== 'number' && typeof found!.value !== 'boolean'
            ? `\`${written}\` in \`${metrics.file}\` is ${found!.value === null ? 'null' : Array.isArray(found!.value) ? 'a list' : typeof found!.value === 'object' ? 'an object' : JSON.stringify(found!.value)}, not a number`
            : undefined;
      if (problem) pathProblems.push(diag(at, 'error', 'invalid-metric-path', `metric \`${m}\`: ${problem}`));
    }
    known = [...Object.keys(inner), ...Object.keys(paths).filter((k) => !(k in inner))];
    source = `the metrics snapshot \`${metrics.file}\``;
  } else if (metrics.prometheus !== undefined) {
    known = [...Object.keys(asObject(prometheus.queries)), ...alerts.map((a) => a.alert)];
    source = alerts.length ? '`metrics.prometheus.queries` or an alert of a `fromRule` trigger' : '`metrics.prometheus.queries`';
  }
  if (!known) return [];
  const uses: Array<{ metric: string; span: Span; message: (m: string) => string }> = [];
  if (typeof metrics.file === 'string') {
    for (const a of alerts) {
      uses.push({
        metric: a.alert,
        span: valueAt(ctx, ['triggers', a.i, 'fromRule']),
        message: (m) =>
          `alert \`${m}\` is a PromQL expression, which ${source} cannot evaluate: read metrics from \`metrics.prometheus\`, or give the snapshot a value \`${m}\` (how many series the alert returns)`,
      });
    }
  }
  for (const t of triggers) {
    if (t.metric) uses.push({ metric: t.metric, span: valueAt(ctx, ['triggers', t.i, 'metric']), message: (m) => `metric \`${m}\` is not in ${source}, so this trigger can never fire` });
  }
  // a drill's injected readings replace the source's: one the source does not have reaches no trigger
  asArray(asObject(ctx.value.drills).scenarios).forEach((raw, i) => {
    const sc = asObject(raw);
    const name = typeof sc.id === 'string' ? `drill scenario \`${sc.id}\`` : `drill scenario ${i + 1}`;
    for (const m of Object.keys(asObject(asObject(sc.inject).metrics))) {
      uses.push({
        metric: m,
        span: keyAt(ctx, ['drills', 'scenarios', i, 'inject', 'metrics', m]),
        message: (x) => `${name} injects metric \`${x}\`, which is not in ${source}: nothing collects it, so no trigger sees the fault`,
      });
    }
    for (const m of Object.keys(asObject(asObject(asObject(sc.inject).reintroduction).metrics))) {
      uses.push({
        metric: m,
        span: keyAt(ctx, ['drills', 'scenarios', i, 'inject', 'reintroduction', 'metrics', m]),
        message: (x) => `${name} injects metric \`${x}\` into the reintroduction, which is not in ${source}: no check or abortOn trigger sees it`,
      });
    }
  });
  asArray(asObject(ctx.value.reintroduction).stages).forEach((st, i) =>
    asArray(asObject(st).checks).forEach((c, j) => {
      const m = asString(asObject(c).metric);
      if (m) uses.push({ metric: m, span: valueAt(ctx, ['reintroduction', 'stages', i, 'checks', j, 'metric']), message: (x) => `metric \`${x}\` is not in ${source}, so this check can never pass or fail` });
    }),
  );
  const out: Diagnostic[] = [...pathProblems];
  for (const u of uses) {
    if (known.includes(u.metric)) continue;
    const guess = suggest(u.metric, known);
    out.push(diag(u.span, 'error', 'unknown-metric', `${u.message(u.metric)}${guess ? ` — did you mean \`${guess}\`?` : ''}`, changeTo(ctx.text, u.span, guess)));
  }
  return out;
}

async function checkDrills(ctx: CheckContext): Promise<Diagnostic[]> {
  const every = asString(asObject(ctx.value.drills).every);
  if (!every || !ctx.host.lastDrill) return [];
  const cadence = parseDuration(every);
  if (!cadence.ok) return [];
  const last = await ctx.host.lastDrill(ctx.documentPath);
  if (last === undefined) return [];
  const span = valueAt(ctx, ['drills', 'every']);
  const now = ctx.host.now();
  if (last === null) {
    if (!ctx.host.firstSeen) return [diag(span, 'warning', 'drill-overdue', `no drill of this runbook is recorded; drills are due every ${every}`)];
    // the cadence counts from when the history first saw the runbook: a runbook it has just met is not overdue
    const since = await ctx.host.firstSeen(ctx.documentPath);
    if (since === undefined || now - since <= cadence.value) return [];
    const days = Math.floor((now - since) / 86_400_000);
    return [
      diag(span, 'warning', 'drill-overdue', `no drill of this runbook is recorded in the ${days} days since the audit log first saw it (${formatDate(since)}); drills are due every ${every}`),
    ];
  }
  if (now - last <= cadence.value) return [];
  const days = Math.floor((now - last) / 86_400_000);
  return [
    diag(span, 'warning', 'drill-overdue', `drill overdue: the last drill was on ${formatDate(last)} (${days} days ago); drills are due every ${every}`),
  ];
}

/** The leading word of a command when it is a relative path to a script (`./x.sh`, `scripts/x.sh`, `../x`), else undefined (as the runs read it). */
export function leadingScript(command: string): string | undefined {
  const m = /^\s*(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(command);
  const word = m?.[1] ?? m?.[2] ?? m?.[3];
  if (!word || !word.includes('/') || word.startsWith('/') || word.startsWith('~') || word.includes('$')) return undefined;
  return word;
}

/**
 * A step command (`run`, `dryRun`, `check`, a string `undo`) whose leading
 * word is a script path must name a script that exists, relative to the
 * step's `cwd` (the runbook's folder by default): `missing-file` at the
 * command, with "Create it" (a shell script with a shebang, made executable).
 * A script outside the workspace is left to the runs, which refuse it.
 */
async function checkScripts(ctx: CheckContext, steps: StepInfo[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const s of steps) {
    const raw = asObject(asArray(ctx.value.steps)[s.index]);
    const cwd = asString(raw.cwd) ?? '.';
    for (const key of ['run', 'dryRun', 'check', 'undo'] as const) {
      const command = raw[key];
      if (typeof command !== 'string') continue;
      const script = leadingScript(command);
      if (!script) continue;
      const resolved = resolveWorkspacePath(ctx.documentPath, `${cwd.replace(/\/+$/, '')}/${script}`);
      if (resolved === undefined || (await ctx.host.stat(resolved)) !== 'missing') continue;
      out.push(
        diag(valueAt(ctx, ['steps', s.index, key]), 'error', 'missing-file', `script \`${script}\` does not exist (looked for \`${resolved}\`)`, {
          fixes: [{ title: `Create \`${resolved}\``, edits: [], create: { path: resolved, content: '#!/bin/sh\nset -eu\n', executable: true } }],
        }),
      );
    }
  }
  return out;
}
