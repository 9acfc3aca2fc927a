// Document outline: top-level sections, with the named items inside them
// (steps, triggers, roles, tests, drill scenarios, deprecations).
import type { Analysis } from './analysis';
import type { DocumentSymbol, SymbolKind } from '../types';
import { deref, type PMap, type PNode } from '../yaml';
import { STEP_KINDS } from '../runbook/steps';

const ITEM_SECTIONS: Record<string, { kind: SymbolKind; name: string; detail?: string[] }> = {
  steps: { kind: 'step', name: 'id', detail: [...STEP_KINDS] },
  triggers: { kind: 'trigger', name: 'id', detail: ['metric', 'when'] },
  tests: { kind: 'test', name: 'id', detail: ['inputs'] },
  deprecations: { kind: 'deprecation', name: 'field', detail: ['removeAfter'] },
};

export function symbols(analysis: Analysis): DocumentSymbol[] {
  const root = deref(analysis.parsed?.root ?? null);
  if (!root || root.type !== 'map') return [];
  const out: DocumentSymbol[] = [];
  for (const pair of root.pairs) {
    const value = deref(pair.value);
    const children: DocumentSymbol[] = [];
    const items = ITEM_SECTIONS[pair.keyText];
    if (items && value?.type === 'seq') {
      value.items.forEach((it, i) => {
        const m = deref(it);
        if (m?.type === 'map') children.push(itemSymbol(m, items.kind, items.name, items.detail ?? [], i));
      });
    } else if (pair.keyText === 'roles' && value?.type === 'map') {
      for (const r of value.pairs) {
        const rv = deref(r.value);
        const name = rv?.type === 'map' ? scalarOf(rv, 'name') : undefined;
        children.push({ name: r.keyText, kind: 'role', span: { start: r.start, end: r.end }, selection: { start: r.key.start, end: r.key.end }, children: [], ...(name ? { detail: name } : {}) });
      }
    } else if (pair.keyText === 'drills' && value?.type === 'map') {
      const scenarios = deref(value.pairs.find((p) => p.keyText === 'scenarios')?.value ?? null);
      if (scenarios?.type === 'seq') {
        scenarios.items.forEach((it, i) => {
          const m = deref(it);
          // a scenario that rehearses only the reintroduction says so (the editor gives it a Rehearse lens, not Run drill)
          if (m?.type === 'map') children.push({ ...itemSymbol(m, 'scenario', 'id', [], i), ...(rehearsal(m) ? { detail: 'reintroduction' } : {}) });
        });
      }
    }
    out.push({ name: pair.keyText, kind: 'section', span: { start: pair.start, end: pair.end }, selection: { start: pair.key.start, end: pair.key.end }, children });
  }
  return out;
}

function itemSymbol(m: PMap, kind: SymbolKind, nameKey: string, detailKeys: string[], index: number): DocumentSymbol {
  const namePair = m.pairs.find((p) => p.keyText === nameKey);
  const name = scalarOf(m, nameKey) ?? `#${index + 1}`;
  const detail = detailKeys
    .map((k) => {
      const p = m.pairs.find((x) => x.keyText === k);
      if (!p) return undefined;
      const v = deref(p.value);
      return kind === 'step' ? k : v?.type === 'scalar' && v.value !== null ? String(v.value) : undefined;
    })
    .filter(Boolean)
    .join(' ');
  const sel: PNode = namePair?.value ?? m;
  return { name, kind, span: { start: m.start, end: m.end }, selection: { start: sel.start, end: sel.end }, children: [], ...(detail ? { detail } : {}) };
}

/** Its faults all under `inject.reintroduction` (or, without inject, an `expect.reintroduction`): as rehearsesReintroduction (src/core/runbook/stages.ts) decides on values. */
function rehearsal(m: PMap): boolean {
  const keysOf = (key: string): string[] => {
    const v = deref(m.pairs.find((p) => p.keyText === key)?.value ?? null);
    return v?.type === 'map' ? v.pairs.map((p) => p.keyText) : [];
  };
  const inject = keysOf('inject');
  return inject.length ? inject.every((k) => k === 'reintroduction') : keysOf('expect').includes('reintroduction');
}

function scalarOf(m: PMap, key: string): string | undefined {
  const v = deref(m.pairs.find((p) => p.keyText === key)?.value ?? null);
  return v?.type === 'scalar' && v.value !== null && v.value !== undefined ? String(v.value) : undefined;
}
