// The dry-run of a rollback: resolve the plan, run only `dryRun` variants and
// read-only `check`s, show every other step as what it would do (the request
// it would send, the flagd diff it would make, who must approve, the message
// it would post), check contract compatibility between the current and the
// target release, check user state, and say whether the runbook is ready.
// Nothing that mutates is executed. Every file the runbook names (snapshot,
// flag files, state schemas and samples, scripts) is confined to the
// workspace by src/node/workspace.ts before it is opened: one outside is a
// `file-outside-workspace` finding at the reference, never read. Each step's
// `check` runs here; what the step itself would do is its kind's module under
// steps/ (looked up in steps/index.ts), which this loop never names.
import { recordedWaivers } from '../../core/policy/model';
import { isPolicyCode } from '../../core/policy/rules';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { loadSchema, schemaProblem } from '../../core/contract/schemas';
import { semanticDiagnostics } from '../../core/language/analysis';
import { compareContracts, loadContractVersion } from '../../core/contract/compat';
import { capturedText, renderDeep, renderTemplate, resolvePlan, templateValues } from '../../core/runbook/plan';
import { staticMessageValues } from '../../core/runbook/comms';
import { CaptureError, withCaptures } from './capture';
import { detectWorstCase, detectWorstText } from '../../core/runbook/detect';
import { planTriggers } from '../../core/runbook/triggers';
import { Unavailable } from './effects';
import type { Diagnostic } from '../../core/types';
import type { LineIndex } from '../../core/util/text';
import { formatDate, parseDuration } from '../../core/util/values';
import { locate, type PathSegment } from '../../core/yaml';
import { drillHistoryFromAudit } from '../audit';
import { NodeHost } from '../language/host';
import { confine } from '../workspace';
import { evaluateTriggers } from '../metrics';
import { loadDocument } from '../documents';
import { readJsonl } from '../jsonl';
import { DryRunError } from './errors';
import { planReintroduction } from './reintroduce';
import { runStepCommand, stepSetup, type CommandLog } from './shell';
import { stepModule, type DryRunContext, type Place } from './steps';
import { asObject as obj } from '../../core/language/checks/context';
import type { DryRunReport, Finding, Phase, StepResult } from '../../core/runbook/report';

export type { DryRunReport, Finding, Phase, StepResult } from '../../core/runbook/report';

export interface DryRunOptions {
  workspace: string;
  /** Each command a step ran (dryRun variants, checks), with its step: how it ended and its stderr tail (the editor's log). */
  onCommand?: (step: string, c: CommandLog) => void;
  /** One clock for the calendar and the metrics (tests). Default: the calendar of src/node/clock.ts, metrics read at the real time. */
  now?: () => number;
  signal?: AbortSignal;
  /** Check `format` keywords of the state schemas (default true; `--no-formats`, the setting `rollbackLens.validateFormats`). */
  formats?: boolean;
  /** Largest time one dryRun or check command may take when its step has no timeout. */
  defaultCommandTimeoutMs?: number;
}

export { DryRunError };

/** Read-only commands (dryRun variants, checks) can tell they run in a dry-run; a step's env cannot switch it off. */
const DRY_RUN_MARK = { ROLLBACK_LENS_DRY_RUN: '1' };

export async function dryRun(file: string, options: DryRunOptions): Promise<DryRunReport> {
  // a runbook whose checks found errors is dry-run (its errors are findings: not ready); one that cannot be read as a runbook is refused
  const doc = await loadDocument(file, 'RollbackRunbook', { workspace: options.workspace, allowErrors: true });
  const { rel, dir, index, analysis, root, value } = doc;
  const host = new NodeHost(options.workspace, { ...drillHistoryFromAudit(options.workspace), ...(options.now ? { now: options.now } : {}) });
  const findings: Finding[] = [];
  // a finding's place is a span of offsets; its line and column are computed once, at the end
  const spanOf = (n: { start: number; end: number } | null | undefined): Place => (n ? { span: { start: n.start, end: n.end } } : {});
  const at = (p: PathSegment[]): Place => {
    const l = locate(root, p);
    return spanOf(l.pair?.key ?? l.node);
  };
  /** The span of the value at `p` (where the language service locates a file reference). */
  const atValue = (p: PathSegment[]): Place => {
    const n = locate(root, p).node;
    return n ? spanOf(n) : at(p);
  };
  // a policy is governance, not readiness: its violations are warnings here, so they never make a rollback refuse (validate keeps them errors)
  const severityOf = (d: Diagnostic): Finding['severity'] =>
    d.severity === 'error' ? (isPolicyCode(d.code) ? 'warning' : 'error') : d.severity === 'warning' ? 'warning' : 'info';
  const fromDiagnostic = (d: Diagnostic): Finding => ({ severity: severityOf(d), code: d.code, message: d.message, span: { start: d.span.start, end: d.span.end } });
  // everything the language service knows first: a runbook with errors is not ready
  for (const d of [...analysis.syntactic, ...(await semanticDiagnostics(analysis, host))]) findings.push(fromDiagnostic(d));

  // the values the linter checked every {{placeholder}} against (its unknown-placeholder findings are among the
  // diagnostics above, at the placeholder itself), so rendering below reports nothing of its own
  const values = templateValues(value, 'dry-run');
  const phases: Record<Phase, string[]> = { detect: [], decide: [], execute: [], verify: [], close: [], communicate: [] };
  const roles = obj(value.roles);
  const who = (role: string) => {
    const r = obj(roles[role]);
    return r.contact ? `${role} (${String(r.name ?? role)}, ${String(r.contact)})` : role;
  };

  // detect: every trigger against the metrics source, now (a source that fails is an error for this phase only)
  const triggers = await evaluateTriggers(value, dir, { workspace: options.workspace, now: (options.now ?? Date.now)(), ...(options.signal ? { signal: options.signal } : {}) });
  const triggersRaw = Array.isArray(value.triggers) ? value.triggers : [];
  for (const [i, t] of triggers.entries()) {
    phases.detect.push(`${t.id}: ${t.message}`);
    // a trigger from a rule is located at its `fromRule`, where the lint puts the rule's problems too
    const fromRule = obj(triggersRaw[i]).fromRule !== undefined;
    const where = fromRule ? atValue(['triggers', i, 'fromRule']) : at(['triggers', i, 'metric']);
    // a rule that cannot be used is already a language service error inside this trigger: one problem, one finding
    const item = atValue(['triggers', i]).span;
    const told = fromRule && !t.rule && item !== undefined && findings.some((f) => f.severity === 'error' && f.span !== undefined && f.span.start >= item.start && f.span.end <= item.end);
    if (told) continue;
    if (t.state === 'error') findings.push({ severity: 'error', code: 'trigger-unreadable', message: `trigger \`${t.id}\`: ${t.message}`, ...where });
    else if (t.state === 'no-data') findings.push({ severity: 'warning', code: 'trigger-no-data', message: `trigger \`${t.id}\`: ${t.message}`, ...where });
  }
  const firing = triggers.filter((t) => t.fires).map((t) => t.id);
  phases.detect.push(firing.length ? `would fire now: ${firing.join(', ')}` : 'no trigger would fire now');

  // decide: approvals, against windows.decide
  const windows = obj(value.windows);
  const decide = typeof windows.decide === 'string' ? parseDuration(windows.decide) : undefined;
  const restore = typeof windows.restore === 'string' ? parseDuration(windows.restore) : undefined;
  // detect: the slowest trigger's for: window, against windows.detect (the lint's detect-window-exceeded is the finding)
  const detectWindow = typeof windows.detect === 'string' ? parseDuration(windows.detect) : undefined;
  // a fromRule trigger's window is its rule's for:
  const worstDetect = detectWorstCase(planTriggers(value.triggers).map((p, i) => ({ id: p.id, forMs: p.forMs ?? (triggers[i]?.rule?.for !== undefined ? durationOr(triggers[i]!.rule!.for) : undefined) })));
  phases.detect.push(detectWorstText(worstDetect, typeof windows.detect === 'string' ? windows.detect : undefined));

  // execute: the plan
  const plan = resolvePlan(value);
  for (const s of plan.blocked) findings.push({ severity: 'error', code: 'step-blocked', message: `step \`${s.id}\` cannot be scheduled: it is on a dependency cycle or requires a missing step`, ...at(['steps', s.index, 'id']) });
  const stepsRaw = Array.isArray(value.steps) ? value.steps : [];
  const results: StepResult[] = [];
  const ctx: DryRunContext = { dir, workspace: options.workspace, value, values, decideMs: decide?.ok ? decide.value : undefined, who, at, atValue, ...(options.signal ? { signal: options.signal } : {}) };
  for (const s of plan.steps) {
    if (options.signal?.aborted) throw new DryRunError('cancelled');
    const raw = obj(stepsRaw[s.index]);
    const timeoutMs = s.timeoutMs || options.defaultCommandTimeoutMs || 60_000;
    const base = { id: s.id, order: s.order, kind: s.kind ?? 'unknown' };
    // the step's cwd and env for its commands; its retries for its dryRun
    const setup = await stepSetup(raw, dir, options.workspace, process.env, DRY_RUN_MARK);
    if (setup.error === undefined && options.onCommand) setup.log = (c) => options.onCommand!(s.id, c);
    // a read-only precondition runs first, when it is a command
    if (typeof raw.check === 'string') {
      const c = await runStepCommand(raw.check, setup, { timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
      if (c.code !== 0) findings.push({ severity: 'error', code: 'check-failed', message: `step \`${s.id}\`: the check \`${raw.check}\` ${c.reason}`, ...at(['steps', s.index, 'check']) });
    }
    // a step's captures are GETs, so the dry-run reads them: the value and the undo it renders are shown
    let stepCtx = ctx;
    let captured: Record<string, string> | undefined;
    try {
      const c = await withCaptures(raw, values, new Unavailable([]), timeoutMs, options.signal);
      captured = c.captured;
      if (captured) stepCtx = { ...ctx, values: c.values };
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      findings.push({ severity: 'error', code: 'capture-failed', message: `step \`${s.id}\`: ${e.message}`, ...at(['steps', s.index, 'capture', e.capture]) });
    }
    const kind = stepModule(s.kind);
    if (kind) {
      const d = await kind.dryRun(stepCtx, { step: s, raw, setup, timeoutMs });
      const undo = captured && obj(raw.undo).url ? (renderDeep(raw.undo, stepCtx.values) as Record<string, unknown>) : undefined;
      const shown = [capturedText(captured), undo ? `undo would send ${String(undo.method ?? 'GET')} ${String(undo.url)}${undo.body !== undefined ? ` ${JSON.stringify(undo.body)}` : ''}` : undefined].filter(Boolean);
      results.push({ ...base, ...d.result, ...(shown.length ? { action: [d.result.action, ...shown].join('; ') } : {}), ...(captured ? { captured } : {}) });
      findings.push(...(d.findings ?? []));
      if (d.decide !== undefined) phases.decide.push(d.decide);
      if (d.verify !== undefined) phases.verify.push(d.verify);
    }
    phases.execute.push(`${s.order}. ${results[results.length - 1]?.action ?? s.id}`);
  }

  // windows: the language service's restore-window-exceeded (above, a warning at windows.restore's
  // value, as validate reports it) is the one finding for a plan longer than windows.restore

  // contracts: what the target release honours, against the current one
  const current = obj(values.current);
  const target = obj(values.target);
  if (typeof current.contract === 'string' && typeof target.contract === 'string') {
    try {
      const read = async (p: string) => host.readFile(p);
      const relDir = path.posix.dirname(rel);
      const list = host.listFiles ? { listFiles: (dir: string) => host.listFiles!(dir) } : {};
      const before = await loadContractVersion(path.posix.join(relDir, current.contract), read, list);
      const after = await loadContractVersion(path.posix.join(relDir, target.contract), read, list);
      const report = compareContracts(before, after, { now: host.now() });
      const breaking = report.changes.filter((c) => c.class === 'breaking');
      phases.verify.push(`contract ${current.contract} → ${target.contract}: ${report.changes.length} change(s), ${breaking.length} breaking`);
      for (const c of breaking) findings.push({ severity: 'error', code: `contract-${c.code}`, message: `contract change from current to target: ${c.message}`, ...at(['release', 'target', 'contract']) });
    } catch (e) {
      findings.push({ severity: 'error', code: 'contract-unreadable', message: (e as Error).message, ...at(['release']) });
    }
  }

  // user state: the target reads what the current model wrote, preserved attributes intact
  // (a state schema that cannot be used is the language service's `invalid-schema` at its reference, above: one problem, one finding)
  const told = (p: Place): boolean => p.span !== undefined && findings.some((f) => f.severity === 'error' && f.span?.start === p.span!.start);
  findings.push(...(await checkState(obj(value.state), { dir, rel, workspace: options.workspace, host, formats: options.formats !== false, told }, at, atValue)));

  // close and communicate
  const closure = obj(value.closure);
  for (const r of (Array.isArray(closure.signOff) ? closure.signOff : []).map(String)) phases.close.push(`sign-off: ${who(r)}`);
  for (const c of Array.isArray(closure.checklist) ? closure.checklist : []) phases.close.push(`checklist: ${String(c)}`);
  const cadence = await drillCadence(obj(value.drills).every, rel, host);
  if (cadence) phases.close.push(cadence);
  for (const role of new Set([...(Array.isArray(closure.signOff) ? closure.signOff : []), ...stepsRaw.flatMap((s) => (Array.isArray(obj(s).approve) ? (obj(s).approve as unknown[]) : []))].map(String))) {
    if (roles[role] && !obj(roles[role]).contact) findings.push({ severity: 'error', code: 'role-without-contact', message: `role \`${role}\` must approve or sign off but has no contact`, ...at(['roles', role]) });
  }
  for (const c of (Array.isArray(value.communication) ? value.communication : []).map(obj)) {
    if (typeof c.template !== 'string') continue;
    // the roles are known now; what only the run knows (triggers, timings, the step) stays as written
    const r = renderTemplate(c.template, staticMessageValues(value, 'dry-run'));
    phases.communicate.push(`${String(c.audience)} (${String(c.owner ?? '')}, on ${Array.isArray(c.on) ? c.on.join('/') : 'start/update/close'}): "${r.text.trim()}"`);
  }

  // the staged reintroduction: the whole stage plan with each stage's flag edit (reintroduce.ts); nothing is written
  const reintroduction = await planReintroduction(value, dir, options.workspace);
  if (reintroduction?.problem && obj(value.reintroduction).flag !== undefined) findings.push({ severity: 'warning', code: 'reintroduction-unplannable', message: `reintroduction: ${reintroduction.problem}`, ...at(['reintroduction', 'flag']) });

  const unique = oneFindingPerProblem(findings.map((f) => withPosition(f, index)));
  // the policy rules it waives, recorded with the run (src/core/policy/model.ts)
  const waivers = recordedWaivers(value);
  return {
    runbook: rel,
    verdict: unique.some((f) => f.severity === 'error') ? 'not-ready' : 'ready',
    phases,
    steps: results,
    findings: unique,
    worstCase: { ms: plan.worstCaseMs, path: plan.criticalPath, ...(restore?.ok ? { restoreMs: restore.value } : {}), ...(decide?.ok ? { decideMs: decide.value } : {}), ...(detectWindow?.ok ? { detectMs: detectWindow.value } : {}), detect: worstDetect },
    ...(reintroduction ? { reintroduction } : {}),
    ...(waivers.length ? { waivers } : {}),
  };
}

/** A duration in milliseconds, or undefined when it does not parse. */
function durationOr(text: string): number | undefined {
  const d = parseDuration(text);
  return d.ok ? d.value : undefined;
}

/** A finding with the line and column (1-based) of its span's start: the one place offsets become lines. */
function withPosition(f: Finding, index: LineIndex): Finding {
  if (!f.span) return f;
  const { span, ...rest } = f;
  const pos = index.positionAt(span.start);
  return { ...rest, line: pos.line + 1, column: pos.character + 1, span };
}

/**
 * The findings in line order, one per problem: a finding with the code and
 * position of an earlier one (the language service's, listed first) is the
 * same problem found twice, e.g. a file reference outside the workspace.
 */
function oneFindingPerProblem(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out = findings.filter((f) => {
    const key = `${f.code}@${f.line ?? ''}:${f.column ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

type At = (p: PathSegment[]) => Place;

interface StateContext {
  dir: string;
  /** The runbook's workspace path: the state schemas' references are relative to it. */
  rel: string;
  workspace: string;
  host: NodeHost;
  formats: boolean;
  /** Whether an error is already reported at this place (by the language service). */
  told: (p: Place) => boolean;
}

async function checkState(state: Record<string, unknown>, sc: StateContext, at: At, atValue: At): Promise<Finding[]> {
  const { dir, workspace } = sc;
  const out: Finding[] = [];
  if (typeof state.targetReads !== 'string' || typeof state.samples !== 'string') return out;
  // every file first: one outside the workspace is a finding at its reference, and nothing of the state is read
  for (const [key, what] of [
    ['targetReads', 'state schema'],
    ['writes', 'state schema'],
    ['samples', 'state samples'],
  ] as const) {
    if (typeof state[key] !== 'string') continue;
    const c = await confine(workspace, dir, state[key], what);
    if (!c.ok) out.push({ severity: 'error', code: 'file-outside-workspace', message: c.message, ...atValue(['state', key]) });
  }
  if (out.length) return out;
  // a schema that cannot be read, parsed, resolved or compiled is a finding at its reference, never a crash:
  // the one schema loader's (src/core/contract/schemas), which `validate` reports the same way
  type Loaded = { schema: Schema; validate: ValidateFunction } | { finding?: Finding };
  const schemaAt = async (key: 'targetReads' | 'writes'): Promise<Loaded> => {
    const ref = String(state[key]);
    const r = await loadSchema({ ref }, sc.rel, sc.host, sc.formats ? {} : { formats: false });
    if (r.ok) return { schema: { root: r.schema, deref: r.deref }, validate: r.validate };
    const place = atValue(['state', key]);
    if (sc.told(place)) return {};
    const message = r.root === 'missing' ? `state schema \`${ref}\` does not exist` : r.root === 'directory' ? `state schema \`${ref}\` is a folder, not a file` : schemaProblem('state schema', ref, r.message);
    return { finding: { severity: 'error', code: 'state-schema-unreadable', message, ...place } };
  };
  const loaded = [await schemaAt('targetReads'), ...(typeof state.writes === 'string' ? [await schemaAt('writes')] : [])];
  if (loaded.some((l) => !('schema' in l))) return loaded.flatMap((l) => ('finding' in l && l.finding ? [l.finding] : []));
  const [{ schema: reads, validate }, writesLoaded] = loaded as Array<{ schema: Schema; validate: ValidateFunction }>;
  const writes = writesLoaded?.schema;
  const preserve = (Array.isArray(state.preserve) ? state.preserve : []).map(String);
  const confinedSamples = await confine(workspace, dir, state.samples, 'state samples');
  if (!confinedSamples.ok) return [{ severity: 'error', code: 'file-outside-workspace', message: confinedSamples.message, ...atValue(['state', 'samples']) }];
  const samples = confinedSamples.real;
  let failures = 0;
  try {
    const st = await fs.stat(samples);
    if (!st.isFile()) return [{ severity: 'error', code: 'state-sample-invalid', message: `state samples \`${state.samples}\` is a folder, not a file`, ...atValue(['state', 'samples']) }];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [{ severity: 'error', code: 'state-sample-invalid', message: `state samples \`${state.samples}\` ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`}`, ...atValue(['state', 'samples']) }];
  }
  for await (const l of readJsonl(samples)) {
    if (!('text' in l)) continue;
    let row: unknown;
    try {
      row = JSON.parse(l.text);
    } catch {
      out.push({ severity: 'error', code: 'state-sample-invalid', message: `${state.samples} line ${l.line} is not JSON`, ...at(['state', 'samples']) });
      continue;
    }
    if (!validate(row)) {
      failures++;
      const e = validate.errors![0]!;
      out.push({ severity: 'error', code: 'state-incompatible', message: `${state.samples} line ${l.line}: the target cannot read it (${state.targetReads}): ${e.instancePath || '(record)'} ${e.message}`, ...at(['state', 'samples']) });
    }
    for (const p of preserve) {
      if (get(row, p) === undefined) out.push({ severity: 'error', code: 'state-preserve-missing', message: `${state.samples} line ${l.line} has no \`${p}\`, which must be preserved`, ...at(['state', 'preserve']) });
    }
    if (failures > 50) break;
  }
  for (const p of preserve) {
    const inReads = propertySchema(reads, p);
    const inWrites = writes ? propertySchema(writes, p) : undefined;
    if (!inReads) out.push({ severity: 'error', code: 'state-preserve-dropped', message: `\`${p}\` must be preserved but the target's schema (${state.targetReads}) does not define it`, ...at(['state', 'preserve']) });
    else if (inWrites && JSON.stringify(inWrites.type) !== JSON.stringify(inReads.type)) {
      out.push({ severity: 'error', code: 'state-preserve-retyped', message: `\`${p}\` is ${JSON.stringify(inWrites.type)} in what the current model writes but ${JSON.stringify(inReads.type)} in what the target reads`, ...at(['state', 'preserve']) });
    }
  }
  return out;
}

function get(row: unknown, p: string): unknown {
  let v = row;
  for (const part of p.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** A loaded state schema: its root and how to follow its `$ref`s (into the other files it was read with). */
interface Schema {
  root: unknown;
  deref(node: unknown, base?: string): { value: unknown; base: string };
}

/** The schema of a dotted property, `$ref`s followed on the way; undefined when the schema does not define it. */
function propertySchema(schema: Schema, p: string): Record<string, unknown> | undefined {
  let at = schema.deref(schema.root);
  for (const part of p.split('.')) {
    const next = obj(obj(at.value).properties)[part];
    if (next === undefined) return undefined;
    at = schema.deref(next, at.base);
  }
  return obj(at.value);
}

/**
 * When drills are due, as the close phase says it: from the last drill, or,
 * with none, from when the audit log first saw the runbook (so a first
 * dry-run, which starts the log, says that the cadence starts with it).
 */
async function drillCadence(every: unknown, rel: string, host: NodeHost): Promise<string | undefined> {
  if (typeof every !== 'string') return undefined;
  const cadence = parseDuration(every);
  if (!cadence.ok || !host.lastDrill) return undefined;
  const now = host.now();
  const day = (t: number) => formatDate(t);
  const last = await host.lastDrill(rel);
  if (typeof last === 'number') return `drills every ${every}: last drill on ${day(last)} (${Math.floor((now - last) / 86_400_000)} days ago), next due by ${day(last + cadence.value)}`;
  if (last === undefined) return `drills every ${every}: no audit log yet; this run's record starts it (.rollback-lens/audit.jsonl), and the cadence counts from then (${day(now)})`;
  const since = await host.firstSeen?.(rel);
  if (since === undefined) return `drills every ${every}: the audit log has no record of this runbook yet; the cadence counts from this run's record (${day(now)})`;
  return `drills every ${every}: none recorded since the audit log first saw this runbook on ${day(since)}; due by ${day(since + cadence.value)}`;
}
