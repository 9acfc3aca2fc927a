// symbols(): the outline of a runbook and a contract: top-level sections with
// their named items (roles, triggers, steps, scenarios, deprecations, tests),
// each with its kind, detail, whole range and the range to reveal.
import * as assert from 'node:assert/strict';
import type { DocumentSymbol } from '../../src/core';
import { CLEAN_CONTRACT, CLEAN_RUNBOOK, offsetOf, rangeIn, rangeOf, setup, spanOf, type Range } from './helpers';

interface Outline {
  name: string;
  kind: string;
  detail?: string;
  selection: Range;
  children: Outline[];
}

function outline(text: string, syms: DocumentSymbol[]): Outline[] {
  return syms.map((s) => ({
    name: s.name,
    kind: s.kind,
    ...(s.detail !== undefined ? { detail: s.detail } : {}),
    selection: rangeOf(text, s.selection),
    children: outline(text, s.children),
  }));
}

/** A section's selection is its key, at the start of a line. */
function key(text: string, name: string): Range {
  return rangeIn(text, `\n${name}:`, name);
}

/** The range from the start of `from` to the end of `to` (first occurrences after `from`). */
function between(text: string, from: string, to: string): Range {
  const start = offsetOf(text, from);
  const end = text.indexOf(to, start) + to.length;
  return rangeOf(text, { start, end });
}

describe('symbols: runbook outline', () => {
  const t = CLEAN_RUNBOOK;
  const { service, doc } = setup(t);
  const syms = service.symbols(doc);
  const leaf = (name: string, kind: string, selection: Range, detail?: string): Outline => ({ name, kind, ...(detail ? { detail } : {}), selection, children: [] });

  it('names, kinds, details and selection ranges', () => {
    assert.deepEqual(outline(t, syms), [
      leaf('apiVersion', 'section', rangeIn(t, 'apiVersion:', 'apiVersion')),
      leaf('kind', 'section', key(t, 'kind')),
      leaf('metadata', 'section', key(t, 'metadata')),
      leaf('release', 'section', key(t, 'release')),
      {
        ...leaf('roles', 'section', key(t, 'roles')),
        children: [
          leaf('decisionMaker', 'role', rangeIn(t, '  decisionMaker:', 'decisionMaker'), 'On-call ML lead'),
          leaf('technicalLead', 'role', rangeIn(t, '  technicalLead:', 'technicalLead'), 'Serving engineer'),
          leaf('dataSteward', 'role', rangeIn(t, '  dataSteward:', 'dataSteward'), 'Data steward'),
          leaf('commsLiaison', 'role', rangeIn(t, '  commsLiaison:', 'commsLiaison'), 'Support lead'),
        ],
      },
      leaf('metrics', 'section', key(t, 'metrics')),
      {
        ...leaf('triggers', 'section', key(t, 'triggers')),
        children: [
          leaf('slow', 'trigger', rangeIn(t, '{ id: slow', 'slow'), 'p99_latency_ms > 250'),
          leaf('drift', 'trigger', rangeIn(t, '{ id: drift', 'drift'), 'score_psi > 0.2'),
        ],
      },
      leaf('windows', 'section', key(t, 'windows')),
      leaf('state', 'section', key(t, 'state')),
      {
        ...leaf('steps', 'section', key(t, 'steps')),
        children: [
          leaf('approve', 'step', rangeIn(t, '- id: approve', 'approve'), 'approve'),
          leaf('flag-off', 'step', rangeIn(t, '- id: flag-off', 'flag-off'), 'flag'),
          leaf('repoint', 'step', rangeIn(t, '- id: repoint', 'repoint'), 'run'),
          leaf('verify', 'step', rangeIn(t, '- id: verify', 'verify'), 'verify'),
        ],
      },
      leaf('closure', 'section', key(t, 'closure')),
      leaf('communication', 'section', key(t, 'communication')),
      {
        ...leaf('drills', 'section', key(t, 'drills')),
        children: [leaf('latency-spike', 'scenario', rangeIn(t, '- id: latency-spike', 'latency-spike'))],
      },
    ]);
  });

  it('whole ranges: a section from its key to the end of its last value', () => {
    const byName = new Map(syms.map((s) => [s.name, s]));
    assert.deepEqual(rangeOf(t, byName.get('metadata')!.span), between(t, 'metadata:', 'ml-platform }'));
    assert.deepEqual(rangeOf(t, byName.get('steps')!.span), between(t, 'steps:', 'requires: [repoint]'));
    assert.deepEqual(rangeOf(t, byName.get('drills')!.span), between(t, 'drills:', 'restoreWithin: 10m }'));
  });

  it('whole ranges: a block step from its first key to the end of its last value; a flow trigger is its braces', () => {
    const steps = syms.find((s) => s.name === 'steps')!.children;
    assert.deepEqual(rangeOf(t, steps[0]!.span), between(t, 'id: approve', 'approve: [decisionMaker]'));
    assert.deepEqual(rangeOf(t, steps[2]!.span), between(t, 'id: repoint', 'requires: [flag-off]'));
    const triggers = syms.find((s) => s.name === 'triggers')!.children;
    assert.deepEqual(triggers[0]!.span, spanOf(t, '{ id: slow, metric: p99_latency_ms, when: "> 250", for: 5m }'));
  });

  it('every selection lies inside its whole range', () => {
    const walk = (s: DocumentSymbol): void => {
      assert.ok(s.selection.start >= s.span.start && s.selection.end <= s.span.end, s.name);
      s.children.forEach(walk);
    };
    syms.forEach(walk);
  });

  it('an item without its name key is named by its position, selected whole', () => {
    const text = 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\nsteps:\n  - run: x\n  - { id: b, notify: internal }\n';
    const s = setup(text);
    const steps = s.service.symbols(s.doc).find((x) => x.name === 'steps')!;
    assert.deepEqual(
      steps.children.map((c) => [c.name, c.detail, rangeOf(text, c.selection)]),
      [
        ['#1', 'run', rangeIn(text, '- run: x', 'run: x')],
        ['b', 'notify', rangeIn(text, '{ id: b,', 'b')],
      ],
    );
  });
});

describe('symbols: contract outline', () => {
  const t = CLEAN_CONTRACT;
  const { service, doc } = setup(t, { path: 'iris.contract.yaml' });

  it('names, kinds, details and selection ranges', () => {
    const leaf = (name: string, kind: string, selection: Range, detail?: string): Outline => ({ name, kind, ...(detail ? { detail } : {}), selection, children: [] });
    assert.deepEqual(outline(t, service.symbols(doc)), [
      leaf('apiVersion', 'section', rangeIn(t, 'apiVersion:', 'apiVersion')),
      leaf('kind', 'section', key(t, 'kind')),
      leaf('metadata', 'section', key(t, 'metadata')),
      leaf('input', 'section', key(t, 'input')),
      leaf('output', 'section', key(t, 'output')),
      {
        ...leaf('deprecations', 'section', key(t, 'deprecations')),
        children: [leaf('input.petal_len', 'deprecation', rangeIn(t, 'field: input.petal_len', 'input.petal_len'), '2099-06-01')],
      },
      leaf('source', 'section', key(t, 'source')),
      {
        ...leaf('tests', 'section', key(t, 'tests')),
        children: [leaf('parity', 'test', rangeIn(t, '- id: parity', 'parity'), 'data/inputs.jsonl')],
      },
    ]);
  });

  it('nothing for a document that is not a mapping', () => {
    const s = setup('- a\n- b\n', { path: 'iris.contract.yaml' });
    assert.deepEqual(s.service.symbols(s.doc), []);
  });
});
