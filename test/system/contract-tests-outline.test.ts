// contractTests(): what the editor's Test Explorer needs of a contract, from
// the language service (so the extension host never parses a contract): each
// test with an id, its description, whether a baseline can be recorded for it,
// the span of its sequence item, and where each of its rules lives (the `id`
// key, the `tolerance.<field>` and `drift.<field>` keys). The same answer
// through the real language-service worker thread as in-process.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { ContractTestOutline, Span } from '../../src/core/types';
import { LanguageClient } from '../../src/node/language/client';
import { offsetOf, rangeOf, setup, spanIn, type Range } from '../unit/helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const IRIS = readFileSync(path.join(ROOT, 'examples/iris/iris.contract.yaml'), 'utf8');

interface Seen {
  id: string;
  description?: string;
  recordable: boolean;
  range: Range | null;
  locations: Record<string, Range>;
}

function seen(text: string, tests: ContractTestOutline[] | null): Seen[] | null {
  if (!tests) return null;
  const r = (s: Span) => rangeOf(text, s);
  return tests.map((t) => ({
    id: t.id,
    ...(t.description !== undefined ? { description: t.description } : {}),
    recordable: t.recordable,
    range: t.span ? r(t.span) : null,
    locations: Object.fromEntries(Object.entries(t.locations).map(([k, s]) => [k, r(s)])),
  }));
}

/** The `- id: <id>` item: from its `id` key to the end of its last line (the start of the next item). */
function itemSpan(text: string, id: string, next: string | undefined): Span {
  const start = offsetOf(text, `  - id: ${id}\n`) + 4;
  const end = next ? offsetOf(text, `  - id: ${next}\n`) : text.length;
  return { start, end };
}

/** The key `key` on the first line that starts with `  <indent>key:` after the test `id`. */
function keyAfter(text: string, id: string, indent: string, key: string): Span {
  const from = offsetOf(text, `  - id: ${id}\n`);
  const at = text.indexOf(`\n${indent}${key}:`, from);
  assert.ok(at > 0, `${key} after ${id}`);
  const start = at + 1 + indent.length;
  return { start, end: start + key.length };
}

function expectedIris(text: string): Seen[] {
  const r = (s: Span) => rangeOf(text, s);
  const idKey = (id: string) => r(spanIn(text, `  - id: ${id}\n`, 'id'));
  // the item's node ends where its last value ends: the newline before the next item is not part of it
  const item = (id: string, next?: string) => {
    const s = itemSpan(text, id, next);
    return r({ start: s.start, end: text.lastIndexOf('\n', s.end - 1) });
  };
  return [
    {
      id: 'parity',
      description: 'The served model agrees with the 1.4.2 baseline on the reference flowers.',
      recordable: true,
      range: item('parity', 'input-edge-cases'),
      locations: {
        '': idKey('parity'),
        'tolerance.label': r(keyAfter(text, 'parity', '      ', 'label')),
        'tolerance.probability': r(keyAfter(text, 'parity', '      ', 'probability')),
        'drift.probability': r({ start: text.indexOf('probability', offsetOf(text, '    drift:\n')), end: text.indexOf('probability', offsetOf(text, '    drift:\n')) + 'probability'.length }),
      },
    },
    {
      id: 'input-edge-cases',
      description: 'Inputs the interface must accept or reject, whatever the model.',
      recordable: false,
      range: item('input-edge-cases', 'output-labels'),
      locations: { '': idKey('input-edge-cases') },
    },
    {
      id: 'output-labels',
      description: 'Outputs outside the closed label set or probability range are rejected.',
      recordable: false,
      range: item('output-labels'),
      locations: { '': idKey('output-labels') },
    },
  ];
}

describe('contractTests: the Test Explorer outline of a contract', () => {
  it('every test of the example contract: id, description, recordable, item range, rule locations', () => {
    const { service, doc } = setup(IRIS, { path: 'iris.contract.yaml' });
    assert.deepEqual(seen(IRIS, service.contractTests(doc)), expectedIris(IRIS));
  });

  it('a test without an id is left out; a flow-style test is located all the same', () => {
    const text = [
      'apiVersion: rollback-lens/v1',
      'kind: InterfaceContract',
      'metadata: { name: x, version: 1 }',
      'input: { schema: { type: object } }',
      'output: { key: id, schema: { type: object } }',
      'tests:',
      '  - { description: no id here, inputs: a.jsonl, baseline: b.jsonl }',
      '  - { id: same, inputs: a.jsonl, baseline: b.jsonl, tolerance: { p: { abs: 0.01 } } }',
      '',
    ].join('\n');
    const { service, doc } = setup(text, { path: 'x.contract.yaml' });
    const flow = offsetOf(text, '{ id: same');
    assert.deepEqual(seen(text, service.contractTests(doc)), [
      {
        id: 'same',
        recordable: true,
        range: rangeOf(text, { start: flow, end: text.indexOf('\n', flow) }),
        locations: { '': rangeOf(text, spanIn(text, '{ id: same', 'id')), 'tolerance.p': rangeOf(text, spanIn(text, '{ p: {', 'p')) },
      },
    ]);
  });

  it('a runbook and a document of another kind have no contract tests (null); broken YAML in a contract file has none found (empty)', () => {
    const runbook = setup(readFileSync(path.join(ROOT, 'examples/iris/iris.runbook.yaml'), 'utf8'), { path: 'iris.runbook.yaml' });
    assert.equal(runbook.service.contractTests(runbook.doc), null);
    const other = setup(IRIS.replace('kind: InterfaceContract', 'kind: RollbackRunbook'), { path: 'iris.contract.yaml' });
    assert.equal(other.service.contractTests(other.doc), null);
    // the kind comes from the file name and the tree is what could be read: a contract with no test yet
    const broken = setup('tests: [\n', { path: 'iris.contract.yaml' });
    assert.deepEqual(broken.service.contractTests(broken.doc), []);
  });
});

describe('contractTests through the language-service worker thread', function () {
  this.timeout(60_000);
  let client: LanguageClient;

  before(async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'rl-lworker-'));
    const workerPath = path.join(out, 'language-worker.js');
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'src/node/language/worker.ts')],
      outfile: workerPath,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      define: { 'import.meta.url': 'importMetaUrl' },
      inject: [path.join(ROOT, 'src/node/import-meta-url.js')],
      alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
      // as esbuild.mjs: the audit store's SQL migrations as text, pg's optional libpq binding left out
      loader: { '.sql': 'text' },
      external: ['pg-native'],
    });
    client = new LanguageClient(workerPath);
  });

  after(() => client.dispose());

  it('answers the same outline as the service in this thread, for a new text under the same uri too', async () => {
    const root = path.join(ROOT, 'examples/iris');
    const ref = { uri: 'file:///iris/iris.contract.yaml', root, path: 'iris.contract.yaml' };
    const first = await client.request('contractTests', { ...ref, version: -1, text: IRIS }, {});
    assert.deepEqual(seen(IRIS, first), expectedIris(IRIS));
    // a second read of the file (another version): the new text, not the cached one
    const renamed = IRIS.replace('  - id: parity\n', '  - id: parity-2\n');
    const second = await client.request('contractTests', { ...ref, version: -2, text: renamed }, {});
    assert.deepEqual(
      second?.map((t) => t.id),
      ['parity-2', 'input-edge-cases', 'output-labels'],
    );
  });
});
