// The js-yaml fast path and the `yaml` path must build the same tree (same
// spans, same keys, same values) for every document the fast path accepts.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlFast } from '../../src/core/yaml/fast';
import { parseYamlRecovering, type PNode } from '../../src/core/yaml';
import { generateRunbook } from '../bench/generate.mjs';

function shape(n: PNode | null): unknown {
  if (!n) return null;
  switch (n.type) {
    case 'scalar':
      return ['s', n.start, n.end, n.value];
    case 'map':
      return ['m', n.start, n.end, n.flow, n.pairs.map((p) => [p.keyText, p.start, p.end, shape(p.key), shape(p.value)])];
    case 'seq':
      return ['q', n.start, n.end, n.flow, n.items.map(shape)];
    case 'alias':
      return ['a', n.start, n.end];
  }
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

const SNIPPETS: Record<string, string> = {
  'comments and empty values': 'a:\n  # c\n  b: long\n    plain  # x\n  e:\n  f: |\n    blk\n\n  g: [1, {h: 2}]  \nz: "q" # c\n',
  'sequence of maps': 'steps:\n  - id: a\n    run: echo "hi"\n  - id: b\n    requires: [a]\n',
  'nested sequences': 'a:\n- - x\n  - y\n- z\n',
  'folded scalar': 'd: >-\n  one\n  two\n\nn: 3\n',
  'quoted keys': '"a b": 1\n\'c\': [x, "y z"]\n',
  'flow map in seq': 'l: [{a: 1}, {b: [2, 3]}]\n',
  'empty flow': 'a: []\nb: {}\nc: ""\n',
  'numbers and nulls': 'a: 1.5\nb: ~\nc: null\nd: true\ne: 0x1F\nf: .inf\ng: 2.0.0\nh: 2026-01-01\n',
  'trailing comment lines': 'a: 1\n# end\n\n',
  'document start marker': '---\na: 1\n',
  'crlf': 'a: 1\r\nb:\r\n  - x\r\n',
  'unicode': 'name: "Zoë — ✓"\nnote: 日本\n',
  'empty value at end': 'a:\n',
  'flow items in a block sequence': 't:\n  - { id: slow, m: x }\n  - [a, b]\n  - "q"\n',
  'multi-line flow': 'a: [x,\n  y, {b: 1,\n  c: 2}]\n',
  'indentless sequence': 'a:\n- x\n- y: 1\n  z: 2\n',
};

describe('YAML fast path (js-yaml) matches the yaml path', () => {
  for (const [name, text] of Object.entries(SNIPPETS)) {
    it(`same tree: ${name}`, () => {
      const fast = parseYamlFast(text);
      assert.ok(fast, 'the fast path takes this document');
      const slow = parseYamlRecovering(text);
      assert.equal(slow.hasSyntaxErrors, false);
      assert.deepEqual(shape(fast.root), shape(slow.root));
      assert.deepEqual(fast.value, slow.value);
    });
  }

  it('same tree for every YAML file of the examples', () => {
    const all = files(join(__dirname, '..', '..', 'examples'));
    assert.ok(all.length >= 2);
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      const fast = parseYamlFast(text);
      const slow = parseYamlRecovering(text);
      if (slow.hasSyntaxErrors) {
        assert.equal(fast, undefined, `${f}: a document with errors goes to the yaml path`);
        continue;
      }
      if (!fast) continue; // uses a construct outside the fast subset
      assert.deepEqual(shape(fast.root), shape(slow.root), f);
      assert.deepEqual(fast.value, slow.value, f);
    }
  });

  it('same tree for a generated 2000-line runbook', () => {
    const text = generateRunbook(2000);
    const fast = parseYamlFast(text);
    assert.ok(fast);
    assert.deepEqual(shape(fast.root), shape(parseYamlRecovering(text).root));
  });

  it('same tree for 400 mutated variants of the example runbook and contract (lines dropped, duplicated, re-indented)', () => {
    const sources = files(join(__dirname, '..', '..', 'examples')).filter((f) => /\.(runbook|contract)\.ya?ml$/.test(f));
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const lines = readFileSync(sources[i % sources.length]!, 'utf8').split('\n');
      for (let m = 0; m < 1 + (i % 2); m++) {
        const at = rand(lines.length);
        const op = rand(3);
        if (op === 0) lines.splice(at, 1);
        else if (op === 1) lines.splice(at, 0, lines[at]!);
        else lines[at] = ' '.repeat(rand(3)) + lines[at]!;
      }
      const text = lines.join('\n');
      const slow = parseYamlRecovering(text);
      const fast = parseYamlFast(text);
      if (slow.hasSyntaxErrors || slow.diagnostics.length) {
        assert.equal(fast, undefined, `variant ${i}: the fast path must not accept what yaml rejects`);
        continue;
      }
      if (!fast) continue;
      compared++;
      assert.deepEqual(shape(fast.root), shape(slow.root), `variant ${i}`);
      assert.deepEqual(fast.value, slow.value, `variant ${i}`);
    }
    assert.ok(compared > 100, `compared ${compared} variants`);
  });

  it('declines anchors, aliases, tags, explicit and merge keys, syntax errors', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', '? a\n: b\n', 'a: {x: 1}\nb:\n  <<: {y: 2}\n', 'a: [\n', 'a: 1\na: 2\n', '---\na: 1\n---\nb: 2\n', '{a}\n']) {
      assert.equal(parseYamlFast(text), undefined, JSON.stringify(text));
    }
  });

  it('takes shell commands that merely contain & * ! characters only when they are not YAML syntax', () => {
    assert.ok(parseYamlFast('run: ./a.sh && ./b.sh\nc: "*.txt"\n'));
  });
});
