// What the editor shows of a `fromRule` trigger's rule without reading a
// file: hover text (the alert's group, line, for:, expr, labels and
// annotations) and the alert names completion offers after `#`, both from the
// rule file as the last check parsed it (checks/rules.ts, seenRuleFile).
// Nothing is shown for a file no check has parsed yet.
import { seenRuleFile } from './checks/rules';
import type { LanguageHost } from './host';
import { findAlert, parseRuleRef } from '../runbook/rules';
import type { CompletionItem, Span } from '../types';
import { resolveWorkspacePath } from '../util/path';

/** Hover paragraphs for a `fromRule` value of the document at `documentPath`; [] when its rule is not known. */
export function ruleHover(host: LanguageHost | undefined, documentPath: string, value: string): string[] {
  const p = parseRuleRef(value);
  if (!host || !p.ok) return [];
  const resolved = resolveWorkspacePath(documentPath, p.ref.file);
  const file = resolved === undefined ? undefined : seenRuleFile(host, resolved);
  if (!file) return [];
  const found = findAlert(file, p.ref, p.ref.file);
  if (!found.ok) return [];
  const r = found.rule;
  const labels = Object.entries(r.labels).map(([k, v]) => `${k}=${v}`);
  return [
    `Alert \`${r.alert}\` (group \`${r.group}\` of \`${p.ref.file}\`, line ${r.line})${r.for !== undefined ? `, for: ${r.for}` : ', no for: (fires at once)'}`,
    `\`\`\`promql\n${r.expr}\n\`\`\``,
    ...(labels.length ? [`labels: ${labels.join(', ')}`] : []),
    ...Object.entries(r.annotations).map(([k, v]) => `${k}: ${v}`),
  ];
}

/** Completion of the alert name after `file#` or `file#group/` (the text of the line before the word being typed); undefined when not there. */
export function ruleCompletion(host: LanguageHost | undefined, documentPath: string, lineBefore: string, replace: Span): CompletionItem[] | undefined {
  const m = /\bfromRule:\s*["']?([^\s"'#{},]+)#(?:([^"'#{},]*)\/)?$/.exec(lineBefore);
  if (!m) return undefined;
  const resolved = resolveWorkspacePath(documentPath, m[1]!);
  const file = host && resolved !== undefined ? seenRuleFile(host, resolved) : undefined;
  if (!file) return [];
  const groups = m[2] !== undefined ? file.groups.filter((g) => g.name === m[2]) : file.groups;
  const byName = new Map<string, { groups: string[]; expr: string; for?: string }>();
  for (const g of groups) {
    for (const a of g.alerts) {
      const seen = byName.get(a.alert);
      if (seen) seen.groups.push(g.name);
      else byName.set(a.alert, { groups: [g.name], expr: a.expr, ...(a.for !== undefined ? { for: a.for } : {}) });
    }
  }
  return [...byName].map(([name, a]) => ({
    label: name,
    kind: 'reference' as const,
    insertText: name,
    replace,
    detail: `alert · group${a.groups.length > 1 ? 's' : ''} ${a.groups.join(', ')}${a.for !== undefined && a.groups.length === 1 ? ` · for ${a.for}` : ''}`,
    documentation: a.expr,
  }));
}
