// Triggers taken from a Prometheus rule file (`fromRule: alerts.rules.yml#IrisHighLatency`):
// the rule file, read through the host relative to the runbook and inside the
// workspace, must exist, be a Prometheus rule file, and have exactly one
// alerting rule of that name (in that group). Every such problem is located
// at the `fromRule` value; `when`, `for` and `confidence` next to `fromRule`
// are errors at their key (they come from the rule). Whether the metrics
// source can evaluate the rule is checked with the other metrics (runbook.ts).
// A reference without `#` is the schema's pattern error, not repeated here.
// Each rule file parsed here is remembered per host (seenRuleFile), so hover
// and completion, which read no files, can show the rules of the last check.
import { resolveWorkspacePath } from '../../util/path';
import { findAlert, parseRuleFile, parseRuleRef, type AlertRule, type RuleFile } from '../../runbook/rules';
import { suggest } from '../schemaErrors';
import type { LanguageHost } from '../host';
import type { Diagnostic } from '../../types';
import { asArray, asObject, changeTo, diag, keyAt, valueAt, type CheckContext } from './context';

const SHAPE = /^[^#]+#.+$/;

/** Rule files parsed by the last checks, by workspace path, per host. */
const SEEN = new WeakMap<LanguageHost, Map<string, RuleFile>>();

/** The rule file at a workspace path as the last check parsed it; undefined when none did (or it was not a rule file). */
export function seenRuleFile(host: LanguageHost, workspacePath: string): RuleFile | undefined {
  return SEEN.get(host)?.get(workspacePath);
}

function remember(host: LanguageHost, workspacePath: string, file: RuleFile | undefined): void {
  let m = SEEN.get(host);
  if (!m) SEEN.set(host, (m = new Map()));
  if (file) m.set(workspacePath, file);
  else m.delete(workspacePath);
}

export async function checkRuleTriggers(ctx: CheckContext): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  // many triggers name the same file: read and parse it once
  const files = new Map<string, Promise<{ ok: true; file: RuleFile } | { ok: false; diagnostic: (at: Diagnostic['span']) => Diagnostic }>>();
  const load = (ref: string, resolved: string | undefined) => {
    const key = resolved ?? `\u0000${ref}`;
    let p = files.get(key);
    if (!p) files.set(key, (p = loadRuleFile(ctx, ref, resolved)));
    return p;
  };
  for (const [i, raw] of asArray(ctx.value.triggers).entries()) {
    const t = asObject(raw);
    if (typeof t.fromRule !== 'string' || !SHAPE.test(t.fromRule)) continue;
    const span = valueAt(ctx, ['triggers', i, 'fromRule']);
    const parsed = parseRuleRef(t.fromRule);
    if (!parsed.ok) {
      out.push(diag(span, 'error', 'unknown-alert-rule', parsed.message));
      continue;
    }
    const { ref } = parsed;
    const id = typeof t.id === 'string' && t.id ? t.id : ref.alert;
    const loaded = await load(ref.file, resolveWorkspacePath(ctx.documentPath, ref.file));
    let rule: AlertRule | undefined;
    if (!loaded.ok) out.push(loaded.diagnostic(span));
    else {
      const found = findAlert(loaded.file, ref, ref.file, suggest);
      if (found.ok) rule = found.rule;
      else {
        const fixed = found.guess ? `${ref.file}#${ref.group !== undefined ? `${ref.group}/` : ''}${found.guess}` : undefined;
        out.push(diag(span, 'error', 'unknown-alert-rule', found.message, changeTo(ctx.text, span, fixed)));
      }
    }
    for (const key of ['when', 'for', 'confidence'] as const) {
      if (t[key] === undefined) continue;
      const theirs = !rule ? '' : ` (${key === 'when' ? '`> 0`: the alert returns a series' : key === 'for' ? `\`${rule.for ?? '0s'}\`` : 'none'} in \`${t.fromRule}\`)`;
      out.push(
        diag(
          keyAt(ctx, ['triggers', i, key]),
          'error',
          'rule-trigger-conflict',
          `trigger ${id} takes \`${key}\` from its rule${theirs}; remove \`${key}\` here so the two cannot drift apart`,
        ),
      );
    }
  }
  return out;
}

async function loadRuleFile(
  ctx: CheckContext,
  ref: string,
  resolved: string | undefined,
): Promise<{ ok: true; file: RuleFile } | { ok: false; diagnostic: (at: Diagnostic['span']) => Diagnostic }> {
  const fail = (code: string, message: string) => ({ ok: false as const, diagnostic: (at: Diagnostic['span']) => diag(at, 'error', code, message) });
  if (resolved === undefined) return fail('file-outside-workspace', `\`${ref}\` points outside the workspace; referenced files must live inside it`);
  const found = await ctx.host.stat(resolved);
  if (found === 'outside') return fail('file-outside-workspace', `\`${ref}\` resolves outside the workspace (through a link); referenced files must live inside it`);
  if (found === 'missing') return fail('missing-file', `rule file \`${ref}\` does not exist (looked for \`${resolved}\`)`);
  if (found === 'directory') return fail('missing-file', `rule file \`${ref}\` is a folder, not a file`);
  const text = await ctx.host.readFile(resolved);
  if (text === undefined) return fail('missing-file', `rule file \`${ref}\` cannot be read`);
  const parsed = parseRuleFile(text);
  remember(ctx.host, resolved, parsed.ok ? parsed.file : undefined);
  if (!parsed.ok) return fail('invalid-rule-file', `rule file \`${ref}\` is ${parsed.message}`);
  return parsed;
}
