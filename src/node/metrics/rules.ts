// The Prometheus rule files a runbook's `fromRule` triggers name, read for an
// evaluation: each file once, confined to the workspace relative to the
// runbook's folder (src/node/workspace.ts), parsed and searched by
// src/core/runbook/rules.ts. A file that cannot be read or used makes the
// resolution of every reference to it a message (the trigger's error), never
// a throw.
import { suggest } from '../../core/language/schemaErrors';
import { parseRuleRef, resolveRuleRef, type RuleResolution, type RuleResolver } from '../../core/runbook/rules';
import { readConfined, WorkspaceError } from '../workspace';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A resolver for every `fromRule` of `triggers`, with their files read now. */
export async function ruleResolver(triggers: unknown, runbookDir: string, workspace: string): Promise<RuleResolver> {
  const refs = Array.isArray(triggers) ? triggers.flatMap((t) => (isObject(t) && typeof t.fromRule === 'string' ? [t.fromRule] : [])) : [];
  const texts = new Map<string, { text: string } | { error: string }>();
  for (const ref of refs) {
    const p = parseRuleRef(ref);
    if (!p.ok || texts.has(p.ref.file)) continue;
    try {
      texts.set(p.ref.file, { text: await readConfined(workspace, runbookDir, p.ref.file, 'rule file') });
    } catch (e) {
      texts.set(p.ref.file, { error: e instanceof WorkspaceError ? e.message : `rule file \`${p.ref.file}\` cannot be read: ${(e as Error).message}` });
    }
  }
  const resolved = new Map<string, RuleResolution>();
  return (ref) => {
    let r = resolved.get(ref);
    if (!r) {
      const p = parseRuleRef(ref);
      const file = p.ok ? texts.get(p.ref.file) : undefined;
      r = !p.ok ? p : !file ? { ok: false, message: `rule file \`${p.ref.file}\` was not read` } : 'error' in file ? { ok: false, message: file.error } : resolveRuleRef(ref, file.text, suggest);
      resolved.set(ref, r);
    }
    return r;
  };
}
