// Hover: the schema's description and type for the key or value under the
// cursor; on a trigger's `fromRule`, the rule it takes (ruleInfo.ts). On a
// reference, what it refers to, from the document and the workspace (facts.ts):
// a role its name and contact; a step id (its own `id`, `requires`, a drill's
// `failStep` / `hangStep`) its description, kind and what it did in the last
// recorded drill; a trigger's or check's metric its current value and whether
// the condition holds now; a contract test's tolerance or drift rule the value
// the last recorded run measured against its limit; a waiver's `rule` what the
// policy rule it waives asks (src/core/policy/rules.ts).
import type { Analysis } from './analysis';
import type { Facts } from './facts';
import type { LanguageHost } from './host';
import { ruleHover } from './ruleInfo';
import { describe, schemasAt, typeLabel, type JsonSchema } from './schemas';
import type { HoverResult } from '../types';
import { asObject, asString } from '../util/object';
import { compare, formatDate, formatDuration, parseComparison, parseDuration } from '../util/values';
import { nodeAt, type PathSegment } from '../yaml';
import { STEP_KINDS } from '../runbook/steps';
import { isPolicyRule, POLICY_RULES } from '../policy/rules';

export function hover(analysis: Analysis, offset: number, host?: LanguageHost, facts: Facts = {}): HoverResult | null {
  const schema = analysis.schema;
  const root = analysis.parsed?.root ?? null;
  if (!schema || !root) return null;
  const at = nodeAt(root, offset);
  if (!at || at.path.length === 0 || !at.node) return null;
  const schemas = schemasAt(schema, at.path);
  if (schemas.length === 0) return null;
  const name = at.path[at.path.length - 1]!;
  const description = describe(schemas);
  const type = typeLabel(schemas);
  const parts = [`**${typeof name === 'number' ? `item ${name + 1}` : name}**${type ? ` · \`${type}\`` : ''}`];
  const valueNode = at.on === 'key' ? at.pair?.value : at.node;
  const value = valueNode?.type === 'scalar' && typeof valueNode.value === 'string' ? valueNode.value : undefined;
  const doc = asObject(analysis.parsed?.value);
  if (analysis.kind === 'RollbackRunbook' && value !== undefined && at.on === 'value') parts.push(...runbookReference(doc, at.path, value, facts));
  if (analysis.kind === 'InterfaceContract') parts.push(...toleranceResult(doc, at.path, facts));
  if (value !== undefined && at.on === 'value' && pattern(at.path) === 'waivers/#/rule' && isPolicyRule(value)) parts.push(`\`${value}\`: ${POLICY_RULES[value]}`);
  if (description) parts.push(description);
  const allowed = schemas.flatMap((s) => s.enum ?? []);
  if (allowed.length) parts.push(`Allowed: ${allowed.map((a) => `\`${String(a)}\``).join(', ')}`);
  // a duration (on its key or its value): say what it amounts to
  if (value !== undefined && schemas.includes(schema.definitions?.duration as JsonSchema)) {
    const d = parseDuration(value);
    if (d.ok) parts.push(`\`${value}\` = ${formatDuration(d.value)} (${d.value / 1000} s)`);
  }
  if (analysis.kind === 'RollbackRunbook' && at.path.length === 3 && at.path[0] === 'triggers' && name === 'fromRule' && value !== undefined) {
    parts.push(...ruleHover(host, analysis.input.path, value));
  }
  const span = { start: at.node.start, end: at.node.end };
  return { span, contents: parts.join('\n\n') };
}

const pattern = (path: readonly PathSegment[]): string => path.map((s) => (typeof s === 'number' ? '#' : s)).join('/');

const ROLE_PLACES = /^(steps\/#\/(approve\/#|owner|notify\/to\/#)|closure\/signOff\/#|communication\/#\/owner|reintroduction\/stages\/#\/approve\/#)$/;
const STEP_PLACES = /^(steps\/#\/(id|requires\/#)|drills\/scenarios\/#\/inject\/(failStep|hangStep))$/;
const METRIC_PLACES = /^(triggers\/#\/metric|reintroduction\/stages\/#\/checks\/#\/metric)$/;

/** What a reference value in a runbook names. */
function runbookReference(doc: Record<string, unknown>, path: PathSegment[], value: string, facts: Facts): string[] {
  const p = pattern(path);
  if (ROLE_PLACES.test(p)) {
    const roles = asObject(doc.roles);
    if (!Object.prototype.hasOwnProperty.call(roles, value)) return [`Role \`${value}\` is not declared under \`roles\``];
    const role = asObject(roles[value]);
    const who = [asString(role.name), asString(role.contact) !== undefined ? `contact \`${asString(role.contact)}\`` : undefined].filter(Boolean);
    return [`Role \`${value}\`${who.length ? `: ${who.join(', ')}` : ''}`];
  }
  if (STEP_PLACES.test(p)) return stepReference(doc, value, facts);
  if (METRIC_PLACES.test(p)) return metricReference(doc, path, value, facts);
  return [];
}

function stepReference(doc: Record<string, unknown>, id: string, facts: Facts): string[] {
  const step = (Array.isArray(doc.steps) ? doc.steps : []).map(asObject).find((s) => s.id === id);
  if (!step) return [`No step \`${id}\` in \`steps\``];
  const kind = STEP_KINDS.find((k) => step[k] !== undefined);
  const out = [`Step \`${id}\`${kind ? ` · \`${kind}\`` : ''}${asString(step.description) ? `: ${asString(step.description)}` : ''}`];
  if (facts.drill === null) out.push('Last drill: none recorded yet');
  else if (facts.drill) {
    const d = facts.drill;
    const r = d.steps[id];
    const what = r ? `${r.outcome}${r.durationMs !== undefined ? ` in ${formatMs(r.durationMs)}` : ''}${r.undo ? `, then ${r.undo}` : ''}` : 'did not run';
    out.push(`Last drill (\`${d.scenario}\`, ${formatDate(d.at)}, ${d.verdict}): ${what}`);
  }
  return out;
}

function metricReference(doc: Record<string, unknown>, path: PathSegment[], metric: string, facts: Facts): string[] {
  const m = facts.metrics;
  if (!m) return [];
  const fact = m.names.find((n) => n.name === metric);
  if (!fact) return [`Metric \`${metric}\` is not in ${m.source === 'Prometheus' ? '`metrics.prometheus.queries`' : `\`${m.source}\``}`];
  if (fact.query !== undefined) return [`Metric \`${metric}\` is read from Prometheus with`, `\`\`\`promql\n${fact.query}\n\`\`\``];
  if (fact.value === undefined) return [`Metric \`${metric}\` has no number now in \`${m.source}\``];
  const out = [`Metric \`${metric}\` = ${fact.value} now (\`${m.source}\`)`];
  // the trigger (or check) it belongs to: does its condition hold at this value?
  const owner = asObject(valueAtPath(doc, path.slice(0, -1)));
  const when = asString(owner.when);
  const c = when !== undefined ? parseComparison(when) : undefined;
  if (c?.ok) {
    const holds = compare(fact.value, c.value);
    const name = path[0] === 'triggers' ? `Trigger \`${asString(owner.id) ?? `#${Number(path[1]) + 1}`}\`` : 'The check';
    const forText = asString(owner.for);
    out.push(
      holds
        ? `${name} fires: ${fact.value} ${c.value.op} ${c.value.threshold}${forText ? ` (once it holds for ${forText})` : ''}`
        : `${name} does not fire: ${fact.value} is not ${c.value.op} ${c.value.threshold}`,
    );
  }
  return out;
}

/** On a test's tolerance or drift rule (`probability: { abs: 0.05 }`): what the last recorded run measured. */
function toleranceResult(doc: Record<string, unknown>, path: PathSegment[], facts: Facts): string[] {
  if (path.length < 4 || path[0] !== 'tests' || typeof path[1] !== 'number' || (path[2] !== 'tolerance' && path[2] !== 'drift')) return [];
  const test = asObject((Array.isArray(doc.tests) ? doc.tests : [])[path[1]]);
  const testId = asString(test.id);
  const field = String(path[3]);
  if (!testId || facts.contract === undefined) return [];
  if (facts.contract === null) return ['Last run: none recorded yet'];
  const run = facts.contract;
  const rules = run.tests[testId];
  if (!rules) return [`Last run (${formatDate(run.at)}, ${run.verdict}): test \`${testId}\` did not run`];
  const kinds = path.length >= 5 ? [String(path[4])] : Object.keys(asObject(asObject(test[path[2]])[field]));
  const out: string[] = [];
  for (const kind of kinds) {
    const r = rules.find((x) => x.id === `${field}.${kind}`);
    if (!r) continue;
    const measured = r.value !== undefined ? `measured ${r.value}` : 'not measured';
    const limit = r.threshold !== undefined ? ` against the limit ${r.threshold}` : '';
    out.push(`Last run (${formatDate(run.at)}): \`${r.id}\` ${measured}${limit}: ${r.verdict}`);
  }
  return out;
}

function valueAtPath(v: unknown, path: readonly PathSegment[]): unknown {
  let cur = v;
  for (const seg of path) cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[seg] : undefined;
  return cur;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
