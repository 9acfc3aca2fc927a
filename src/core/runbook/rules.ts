// Triggers taken from a Prometheus rule file: `{ fromRule: alerts.rules.yml#IrisHighLatency }`.
// Pure: the node layer (and the language host) read the file; this module
// parses the `fromRule` reference, reads the file's text in Prometheus' own
// format (`groups: [{ name, rules: [{ alert | record, expr, for, labels,
// annotations }] }]`) and finds the alert.
//
// Invariants:
// - The reference is `file#alert` or `file#group/alert`: the file is what
//   comes before the first `#`, the alert what comes after the last `/`
//   (alert names are metric names, so they hold neither `#` nor `/`).
// - An alert name in more than one group is ambiguous without its group; a
//   recording rule (`record:`) is never taken for an alert.
// - A rule file that Prometheus would refuse for its structure (no `groups`,
//   a group without `name`, a rule without `expr`, a `for:` that is not a
//   Prometheus duration) is refused here with the line of the problem; the
//   PromQL itself is not parsed (the Prometheus server judges it).
// - The trigger a rule becomes fires when the alert expression returns any
//   series: its reading is `count((expr)) or vector(0)`, its comparison
//   `> 0`, its window the rule's `for:` (none for `0s` or no `for:`).
import { deref, locate, parseYaml, type PNode } from '../yaml';
import { LineIndex } from '../util/text';

export interface RuleRef {
  /** The rule file, relative to the runbook's folder. */
  file: string;
  group?: string;
  alert: string;
}

export interface AlertRule {
  group: string;
  alert: string;
  expr: string;
  /** `for:` as written, e.g. `5m`. */
  for?: string;
  /** The window in milliseconds; undefined without `for:` or for `0s`. */
  forMs?: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** 1-based line of the rule's `alert:` in the rule file. */
  line: number;
}

export interface RuleGroup {
  name: string;
  alerts: AlertRule[];
  /** Names of the group's recording rules. */
  records: string[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

/** A `fromRule` reference as a resolver answers it (the node layer and the language host read the file). */
export type RuleResolution = { ok: true; ref: string; rule: AlertRule } | { ok: false; message: string };
export type RuleResolver = (ref: string) => RuleResolution | undefined;

/** The did-you-mean of a name among candidates (the language service's `suggest`; this room does not import it). */
export type Suggest = (name: string, candidates: readonly string[]) => string | undefined;
const noSuggest: Suggest = () => undefined;

/** Alert names are metric names (Prometheus refuses others). */
const ALERT_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;

export function parseRuleRef(text: string): { ok: true; ref: RuleRef } | { ok: false; message: string } {
  const hash = text.indexOf('#');
  if (hash === -1) return { ok: false, message: `\`${text}\` names no alert: write the rule file, \`#\` and the alert name, e.g. \`${text || 'alerts.rules.yml'}#HighLatency\`` };
  const file = text.slice(0, hash);
  const rest = text.slice(hash + 1);
  if (!file) return { ok: false, message: `\`${text}\` names no rule file before \`#\`` };
  const slash = rest.lastIndexOf('/');
  const alert = slash === -1 ? rest : rest.slice(slash + 1);
  const group = slash === -1 ? undefined : rest.slice(0, slash);
  if (!alert) return { ok: false, message: `\`${text}\` names no alert after \`${slash === -1 ? '#' : `${group}/`}\`` };
  if (!ALERT_NAME.test(alert)) return { ok: false, message: `alert name \`${alert}\` is not a valid Prometheus alert name (letters, digits, \`_\` and \`:\`, not starting with a digit)` };
  return { ok: true, ref: { file, ...(group ? { group } : {}), alert } };
}

const UNITS: Array<[string, number]> = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** A Prometheus duration (`1h30m`, `500ms`, `0`), as Prometheus' model.ParseDuration reads it. */
export function parsePrometheusDuration(text: string): { ok: true; ms: number } | { ok: false; message: string } {
  if (text === '0') return { ok: true, ms: 0 };
  const m = text ? PROM_DURATION.exec(text) : null;
  if (!m) return { ok: false, message: `\`${text}\` is not a Prometheus duration (units y, w, d, h, m, s, ms, largest first, e.g. \`1h30m\`)` };
  let ms = 0;
  UNITS.forEach(([, unit], i) => {
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * unit;
  });
  return { ok: true, ms };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringMap(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}

/** The text of a Prometheus rule file, read into its groups; a message (with the line) when Prometheus would refuse its structure. */
export function parseRuleFile(text: string): { ok: true; file: RuleFile } | { ok: false; message: string } {
  const parsed = parseYaml(text);
  const lines = new LineIndex(text);
  const lineOf = (n: PNode | null | undefined): number => (n ? lines.positionAt(n.start).line + 1 : 1);
  const bad = (message: string) => ({ ok: false as const, message: `not a Prometheus rule file: ${message}` });
  const syntax = parsed.diagnostics.find((d) => d.severity === 'error');
  if (syntax) {
    const p = lines.positionAt(syntax.span.start);
    return { ok: false, message: `not valid YAML: line ${p.line + 1}, column ${p.character + 1}: ${syntax.message.replace(/^YAML: /, '')}` };
  }
  const value = parsed.value;
  if (!isObject(value)) return bad('the top level must be a mapping with `groups`');
  if (!Array.isArray(value.groups)) return bad('it has no `groups` list');
  const groups: RuleGroup[] = [];
  for (const [gi, g] of value.groups.entries()) {
    const gNode = deref(locate(parsed.root, ['groups', gi]).node);
    if (!isObject(g) || typeof g.name !== 'string' || !g.name) return bad(`group ${gi + 1} (line ${lineOf(gNode)}) has no \`name\``);
    const group: RuleGroup = { name: g.name, alerts: [], records: [] };
    const rules = g.rules === undefined || g.rules === null ? [] : g.rules;
    if (!Array.isArray(rules)) return bad(`\`rules\` of group \`${g.name}\` (line ${lineOf(gNode)}) is not a list`);
    for (const [ri, r] of rules.entries()) {
      const rNode = deref(locate(parsed.root, ['groups', gi, 'rules', ri]).node);
      const where = `rule ${ri + 1} of group \`${g.name}\` (line ${lineOf(rNode)})`;
      if (!isObject(r)) return bad(`${where} is not a mapping`);
      if (typeof r.record === 'string') {
        group.records.push(r.record);
        continue;
      }
      if (typeof r.alert !== 'string' || !r.alert) return bad(`${where} has neither \`alert\` nor \`record\``);
      if (r.expr === undefined || r.expr === null || (typeof r.expr === 'string' && !r.expr.trim())) return bad(`${where} has no \`expr\``);
      const rule: AlertRule = {
        group: g.name,
        alert: r.alert,
        expr: String(r.expr).replace(/\s+$/, ''),
        labels: stringMap(r.labels),
        annotations: stringMap(r.annotations),
        line: lineOf(rNode),
      };
      if (r.for !== undefined && r.for !== null) {
        const forText = String(r.for);
        const d = parsePrometheusDuration(forText);
        if (!d.ok) {
          const forLine = lineOf(deref(locate(parsed.root, ['groups', gi, 'rules', ri, 'for']).node));
          return bad(`\`for: ${forText}\` of alert \`${r.alert}\` (line ${forLine}) ${d.message.replace(`\`${forText}\` `, '')}`);
        }
        rule.for = forText;
        if (d.ms > 0) rule.forMs = d.ms;
      }
      group.alerts.push(rule);
    }
    groups.push(group);
  }
  return { ok: true, file: { groups } };
}

/** The alert a reference names in a parsed rule file; a message (and a guess) when there is none, or more than one. */
export function findAlert(file: RuleFile, ref: RuleRef, fileName: string, suggest: Suggest = noSuggest): { ok: true; rule: AlertRule } | { ok: false; message: string; guess?: string } {
  const shown = `\`${fileName}\``;
  let groups = file.groups;
  if (ref.group !== undefined) {
    groups = file.groups.filter((g) => g.name === ref.group);
    if (!groups.length) {
      const names = file.groups.map((g) => g.name);
      const guess = suggest(ref.group, names);
      return {
        ok: false,
        message: `${shown} has no group \`${ref.group}\`${guess ? ` — did you mean \`${guess}\`?` : names.length ? `; its groups are ${names.map((n) => `\`${n}\``).join(', ')}` : ''}`,
      };
    }
  }
  const matches = groups.flatMap((g) => g.alerts.filter((a) => a.alert === ref.alert));
  if (matches.length === 1) return { ok: true, rule: matches[0]! };
  if (matches.length > 1) {
    const inGroups = [...new Set(matches.map((m) => m.group))];
    if (inGroups.length > 1) {
      return {
        ok: false,
        message: `alert \`${ref.alert}\` is in ${inGroups.length} groups of ${shown} (${inGroups.map((g) => `\`${g}\``).join(', ')}): name one, e.g. \`${fileName}#${inGroups[0]}/${ref.alert}\``,
      };
    }
    return { ok: false, message: `alert \`${ref.alert}\` is defined ${matches.length} times in group \`${inGroups[0]}\` of ${shown} (lines ${matches.map((m) => m.line).join(', ')}): a trigger takes one rule` };
  }
  const record = groups.find((g) => g.records.includes(ref.alert));
  if (record) {
    return { ok: false, message: `\`${ref.alert}\` is a recording rule (\`record:\`) in group \`${record.name}\` of ${shown}, not an alerting rule: a trigger needs an \`alert:\`` };
  }
  const where = ref.group !== undefined ? `group \`${ref.group}\` of ${shown}` : shown;
  if (ref.group !== undefined) {
    const elsewhere = file.groups.filter((g) => g.alerts.some((a) => a.alert === ref.alert)).map((g) => g.name);
    if (elsewhere.length) return { ok: false, message: `${where} has no alerting rule \`${ref.alert}\` (it is in group${elsewhere.length > 1 ? 's' : ''} ${elsewhere.map((g) => `\`${g}\``).join(', ')})` };
  }
  const names = [...new Set(groups.flatMap((g) => g.alerts.map((a) => a.alert)))];
  const guess = suggest(ref.alert, names);
  return { ok: false, message: `${where} has no alerting rule \`${ref.alert}\`${guess ? ` — did you mean \`${guess}\`?` : ''}`, ...(guess ? { guess } : {}) };
}

/** Every alert name of a parsed rule file, for completion. */
export function alertNames(file: RuleFile): string[] {
  return [...new Set(file.groups.flatMap((g) => g.alerts.map((a) => a.alert)))];
}

/** The reading of a rule trigger: how many series the alert expression returns (0 when none). */
export function ruleQuery(expr: string): string {
  return `count((${expr})) or vector(0)`;
}

/** Resolves `ref` against a file's text: the whole path from a `fromRule` value to its rule, for a caller that has read the file. */
export function resolveRuleRef(ref: string, fileText: string, suggest: Suggest = noSuggest): RuleResolution {
  const p = parseRuleRef(ref);
  if (!p.ok) return p;
  const f = parseRuleFile(fileText);
  if (!f.ok) return { ok: false, message: `rule file \`${p.ref.file}\` is ${f.message}` };
  const a = findAlert(f.file, p.ref, p.ref.file, suggest);
  if (!a.ok) return { ok: false, message: a.message };
  return { ok: true, ref, rule: a.rule };
}
