// Nothing throws: odd inputs through validate/complete/hover/symbols/codeActions.
// complete/hover/symbols are also called on the core functions directly,
// because the service swallows their exceptions (a crash there would only
// show up as "no completion"); validate must not report an internal-error.
import * as assert from 'node:assert/strict';
import { analyze } from '../../src/core/language/analysis';
import { complete } from '../../src/core/language/completion';
import { hover } from '../../src/core/language/hover';
import { symbols } from '../../src/core/language/symbols';
import { CLEAN_RUNBOOK, NOW, setup } from './helpers';

let seed = 20261122;
function random(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
function randomText(n: number, withNul: boolean): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = Math.floor(random() * 256);
    s += String.fromCharCode(withNul || c !== 0 ? c : 1);
  }
  return s;
}

const HEAD = 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\n';

const INPUTS: Array<[string, string]> = [
  ['empty', ''],
  ['blanks and tabs only', '   \n\t\n  \n'],
  ['random bytes', randomText(600, false)],
  ['random bytes with NUL', randomText(600, true)],
  ['deeply nested unclosed [[[[', '['.repeat(500)],
  ['deeply nested closed [[[[ ]]]]', '['.repeat(500) + ']'.repeat(500)],
  ['deeply nested flow maps', 'a: ' + '{a: '.repeat(300) + '1' + '}'.repeat(300)],
  ['deeply nested block maps', Array.from({ length: 200 }, (_, i) => ' '.repeat(i) + `k${i}:`).join('\n') + ' x\n'],
  ['a 10k-key mapping', Array.from({ length: 10_000 }, (_, i) => `key${i}: ${i}`).join('\n') + '\n'],
  ['a single very long line', 'metadata: { name: ' + 'x'.repeat(100_000) + ' }\n'],
  ['*undefinedAlias as the document', '*undefinedAlias\n'],
  ['*undefinedAlias as a value', HEAD + 'metadata: *undefinedAlias\nsteps: [*nope]\n'],
  ['tabs as indentation', 'apiVersion:\trollback-lens/v1\n\tkind: RollbackRunbook\nsteps:\n\t- id: a\n'],
  ['--- multi-document', '---\n' + HEAD + '---\n' + HEAD + '...\n---\nfoo: 1\n'],
  ['a scalar root', '42\n'],
  ['a list root', '- apiVersion: rollback-lens/v1\n- kind: RollbackRunbook\n'],
  ['keys that are maps and lists', '? { a: 1 }\n: 2\n? [x, y]\n: z\n' + HEAD],
  ['__proto__ and constructor keys', '__proto__: { polluted: true }\nconstructor: 1\nprototype: 2\n' + HEAD + 'roles: { __proto__: { contact: x } }\n'],
  [
    'step ids that are Object.prototype names',
    CLEAN_RUNBOOK.replace('  - id: approve', '  - id: __proto__\n    requires: [__proto__, constructor, toString]\n    approve: [hasOwnProperty]\n  - id: constructor\n    requires: [valueOf]\n    notify: internal\n  - id: approve'),
  ],
  ['roles named like Object.prototype members', CLEAN_RUNBOOK.replace('approve: [decisionMaker]', 'approve: [__proto__, toString, constructor]')],
  ['steps of every wrong shape', HEAD + 'steps:\n  -\n  - null\n  - 5\n  - [a]\n  - { id: 5, requires: 7, run: [1], undo: {}, timeout: {} }\n  - { id: x, requires: [null, 3, { a: 1 }] }\n'],
  ['sections of the wrong type', HEAD + 'roles: [a, b]\nsteps: {}\nwindows: 5\ndrills: { every: 90d, scenarios: 3 }\ntriggers: x\nmetrics: []\ncommunication: { owner: x }\nclosure: { signOff: 4 }\n'],
  ['a step repeated through an alias', HEAD + 'roles: { decisionMaker: { contact: x } }\nsteps:\n  - &s { id: a, run: x }\n  - *s\n  - *s\n'],
  ['a self-referencing alias', 'a: &a [*a]\nb: &b { c: *b }\n'],
  ['merge keys', HEAD + 'x: &x { name: n }\nmetadata: { <<: *x, owner: o }\n'],
  ['tags', '!!binary abc: !!set { a }\nb: !custom 3\nc: !!int "x"\n'],
  ['a byte-order mark', '\ufeff' + HEAD],
  ['CRLF line endings', CLEAN_RUNBOOK.replace(/\n/g, '\r\n')],
  ['CR-only line endings', CLEAN_RUNBOOK.replace(/\n/g, '\r')],
  ['lone surrogates and emoji', 'apiVersion: "\ud800"\nkind: 😀\nmetadata: { name: "\udfff😀" }\n'],
  ['huge numbers and durations', HEAD + 'metadata: { name: 1e999999 }\nwindows: { restore: 1ms }\nsteps: [{ id: a, notify: x, timeout: 99999999999999999999999d }]\ndrills: { every: 99999999999999999999w, scenarios: [{ id: s }] }\n'],
  [
    'odd deprecations and tests (contract)',
    'apiVersion: rollback-lens/v1\nkind: InterfaceContract\ndeprecations: [{ field: output.x, since: 2099-01-01, removeAfter: 2000-01-01 }, 5, null, { field: 1 }, { field: output.y, removeAfter: 2026-13-45 }]\ntests: [{ id: a, tolerance: { x: 1 } }, 3, { id: a }]\n',
  ],
  ['only a comment', '# nothing here\n'],
  ['a lone dash', '-'],
  ['a lone colon', ':'],
  ['a lone quote', '"'],
  ['directives', '%YAML 1.2\n%TAG ! tag:example.com,2000:\n---\na: 1\n'],
  ['a 300-step dependency cycle', HEAD + 'roles: { decisionMaker: { contact: x } }\nwindows: { restore: 1s }\nsteps:\n' + Array.from({ length: 300 }, (_, i) => `  - { id: s${i}, approve: [decisionMaker], timeout: 1s, requires: [s${(i + 1) % 300}] }`).join('\n') + '\n'],
  ['a 1000-step chain', HEAD + 'roles: { decisionMaker: { contact: x } }\nwindows: { restore: 1s }\nsteps:\n' + Array.from({ length: 1000 }, (_, i) => `  - { id: s${i}, approve: [decisionMaker], timeout: 1s${i ? `, requires: [s${i - 1}]` : ''} }`).join('\n') + '\n'],
  ['references that are not strings or escape in odd ways', HEAD + 'metrics: { file: "" }\nstate: { writes: "./../..//x", samples: "C:\\\\x", targetReads: "\\\\\\\\server\\\\x" }\nsteps: [{ id: a, verify: { contract: "." } }]\n'],
];

function offsetsOf(text: string): number[] {
  const out = new Set([0, 1, Math.floor(text.length / 3), Math.floor(text.length / 2), text.length - 1, text.length]);
  // line starts too, for documents small enough that a dozen completions stay cheap
  if (text.length < 20_000) for (let i = text.indexOf('\n'), n = 0; i !== -1 && n < 8; i = text.indexOf('\n', i + 1), n++) out.add(i + 1);
  return [...out].filter((o) => o >= 0 && o <= text.length);
}

describe('robustness: nothing throws on odd inputs', () => {
  for (const [name, text] of INPUTS) {
    it(name, async () => {
      for (const path of ['x.runbook.yaml', 'x.contract.yaml', 'x.yaml']) {
        // the core functions, unguarded
        const a = analyze({ path, text });
        for (const o of offsetsOf(text)) {
          assert.doesNotThrow(() => complete(a, o), `complete at ${o} (${path})`);
          assert.doesNotThrow(() => hover(a, o), `hover at ${o} (${path})`);
        }
        assert.doesNotThrow(() => symbols(a), `symbols (${path})`);
        // the service, with a drill history
        const { service, doc } = setup(text, { path, host: { lastDrill: NOW } });
        const ds = await service.validate(doc);
        assert.deepEqual(
          ds.filter((d) => d.code === 'internal-error').map((d) => d.message),
          [],
          path,
        );
        for (const d of ds) assert.ok(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= text.length, `span of ${d.code} inside the text (${path})`);
        const actions = await service.codeActions(doc, { start: 0, end: text.length });
        assert.ok(Array.isArray(actions));
        for (const o of offsetsOf(text)) {
          await service.complete(doc, o);
          await service.hover(doc, o);
        }
        assert.ok(Array.isArray(service.symbols(doc)));
      }
    });
  }
});
