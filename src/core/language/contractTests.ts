// A contract's tests for the editor's Test Explorer, from the document's one
// analysis: each test with an id (those without one are left out), its
// description, whether a baseline can be recorded for it, the span of its
// item, and the key each of its rules is reported at (the test's `id` key,
// `tolerance.<field>`, `drift.<field>`). Null unless the document is a parsed
// InterfaceContract. Offsets only; pure.
import type { Analysis } from './analysis';
import { contractModel } from '../contract/model';
import type { ContractTestOutline, Span } from '../types';
import { locate, type PathSegment, type PNode } from '../yaml';

export function contractTests(analysis: Analysis): ContractTestOutline[] | null {
  const root = analysis.parsed?.root ?? null;
  if (analysis.kind !== 'InterfaceContract' || !root) return null;
  const model = contractModel(analysis.parsed!.value);
  const span = (n: PNode): Span => ({ start: n.start, end: n.end });
  // the key of a map entry, else the node itself
  const at = (p: PathSegment[]): Span | undefined => {
    const l = locate(root, p);
    return l.pair ? span(l.pair.key) : l.node ? span(l.node) : undefined;
  };
  const out: ContractTestOutline[] = [];
  model.tests.forEach((t, i) => {
    if (!t.id) return;
    const item = locate(root, ['tests', i]).node;
    const locations: Record<string, Span> = {};
    const idKey = at(['tests', i, 'id']);
    if (idKey) locations[''] = idKey;
    for (const section of ['tolerance', 'drift'] as const) {
      for (const f of Object.keys(t.compare?.[section] ?? {})) {
        const s = at(['tests', i, section, f]);
        if (s) locations[`${section}.${f}`] = s;
      }
    }
    out.push({ id: t.id, ...(t.description ? { description: t.description } : {}), recordable: !!(t.inputs && t.baseline), ...(item ? { span: span(item) } : {}), locations });
  });
  return out;
}
