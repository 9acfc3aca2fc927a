// Hover: the schema's description and type for the key or value under the
// cursor; on a trigger's `fromRule`, the rule it takes (ruleInfo.ts).
import type { Analysis } from './analysis';
import type { LanguageHost } from './host';
import { ruleHover } from './ruleInfo';
import { describe, schemasAt, typeLabel, type JsonSchema } from './schemas';
import type { HoverResult } from '../types';
import { formatDuration, parseDuration } from '../util/values';
import { nodeAt } from '../yaml';

export function hover(analysis: Analysis, offset: number, host?: LanguageHost): HoverResult | null {
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
  if (description) parts.push(description);
  const allowed = schemas.flatMap((s) => s.enum ?? []);
  if (allowed.length) parts.push(`Allowed: ${allowed.map((a) => `\`${String(a)}\``).join(', ')}`);
  // a duration (on its key or its value): say what it amounts to
  const valueNode = at.on === 'key' ? at.pair?.value : at.node;
  if (valueNode?.type === 'scalar' && typeof valueNode.value === 'string' && schemas.includes(schema.definitions?.duration as JsonSchema)) {
    const d = parseDuration(valueNode.value);
    if (d.ok) parts.push(`\`${valueNode.value}\` = ${formatDuration(d.value)} (${d.value / 1000} s)`);
  }
  if (analysis.kind === 'RollbackRunbook' && at.path.length === 3 && at.path[0] === 'triggers' && name === 'fromRule' && valueNode?.type === 'scalar' && typeof valueNode.value === 'string') {
    parts.push(...ruleHover(host, analysis.input.path, valueNode.value));
  }
  const span = { start: at.node.start, end: at.node.end };
  return { span, contents: parts.join('\n\n') };
}
