// The positional YAML tree: exact spans of keys and values, navigation by
// offset (nodeAt) and by path (locate), bounded alias expansion, and located
// syntax errors.
import * as assert from 'node:assert/strict';
import { nodeAt, locate, parseYaml, type PNode } from '../../src/core/yaml';
import { offsetOf, rangeOf, r, spanOf, yaml } from './helpers';

function spanOfNode(n: PNode | null | undefined): { start: number; end: number } | null {
  return n ? { start: n.start, end: n.end } : null;
}

describe('yamlTree: spans', () => {
  const text = yaml`
    a: 1   # a comment
    b:
      - x
      - { k: v }
    c: "quoted"   
    d:
  `;
  const parsed = parseYaml(text);
  const root = parsed.root!;

  it('parses without diagnostics into the plain value', () => {
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(parsed.hasSyntaxErrors, false);
    assert.deepEqual(parsed.value, { a: 1, b: ['x', { k: 'v' }], c: 'quoted', d: null });
  });

  it('a key spans exactly the key text', () => {
    assert.equal(root.type, 'map');
    if (root.type !== 'map') return;
    assert.deepEqual(root.pairs.map((p) => p.keyText), ['a', 'b', 'c', 'd']);
    assert.deepEqual(spanOfNode(root.pairs[0]!.key), spanOf(text, 'a'));
    assert.deepEqual(spanOfNode(root.pairs[1]!.key), spanOf(text, 'b'));
  });

  it('a plain value ends before the trailing blanks and the comment', () => {
    if (root.type !== 'map') return assert.fail('not a map');
    assert.deepEqual(spanOfNode(root.pairs[0]!.value), spanOf(text, '1'));
    assert.deepEqual(rangeOf(text, root.pairs[0]!.value!), r(0, 3, 0, 4));
  });

  it('a quoted value spans its quotes and not the trailing blanks', () => {
    if (root.type !== 'map') return assert.fail('not a map');
    assert.deepEqual(spanOfNode(root.pairs[2]!.value), spanOf(text, '"quoted"'));
  });

  it('a flow mapping inside a sequence spans its braces; its key and value are exact', () => {
    const item = locate(root, ['b', 1]).node!;
    assert.equal(item.type, 'map');
    assert.deepEqual(spanOfNode(item), spanOf(text, '{ k: v }'));
    const loc = locate(root, ['b', 1, 'k']);
    assert.deepEqual(spanOfNode(loc.pair!.key), spanOf(text, 'k'));
    assert.deepEqual(spanOfNode(loc.node), spanOf(text, 'v'));
  });

  it('an empty value is a null scalar', () => {
    const loc = locate(root, ['d']);
    assert.equal(loc.node?.type, 'scalar');
    assert.equal(loc.node?.type === 'scalar' ? loc.node.value : 'x', null);
    const d = offsetOf(text, 'd:');
    assert.deepEqual(spanOfNode(loc.pair!.key), { start: d, end: d + 1 });
  });
});

describe('yamlTree: nodeAt and locate', () => {
  const text = yaml`
    steps:
      - id: approve
        approve: [decisionMaker, dataSteward]
      - id: repoint
        run: ./set.sh
  `;
  const root = parseYaml(text).root;

  it('on a key: path to the key, on=key, the key node', () => {
    const at = nodeAt(root, offsetOf(text, 'run') + 1)!;
    assert.deepEqual(at.path, ['steps', 1, 'run']);
    assert.equal(at.on, 'key');
    assert.deepEqual(spanOfNode(at.node), spanOf(text, 'run'));
  });

  it('on a scalar value: path to the value, on=value', () => {
    const at = nodeAt(root, offsetOf(text, './set.sh') + 2)!;
    assert.deepEqual(at.path, ['steps', 1, 'run']);
    assert.equal(at.on, 'value');
    assert.deepEqual(spanOfNode(at.node), spanOf(text, './set.sh'));
  });

  it('inside a flow sequence: the item index is on the path', () => {
    const at = nodeAt(root, offsetOf(text, 'dataSteward'))!;
    assert.deepEqual(at.path, ['steps', 0, 'approve', 1]);
    assert.deepEqual(spanOfNode(at.node), spanOf(text, 'dataSteward'));
  });

  it('the end of a node counts as inside it (cursor right after a word)', () => {
    const s = spanOf(text, 'repoint');
    const at = nodeAt(root, s.end)!;
    assert.deepEqual(at.path, ['steps', 1, 'id']);
    assert.deepEqual(spanOfNode(at.node), s);
  });

  it('outside the root: null', () => {
    assert.equal(nodeAt(root, text.length + 5), null);
    assert.equal(nodeAt(null, 0), null);
  });

  it('locate: an existing path gives the node and its pair', () => {
    const loc = locate(root, ['steps', 0, 'id']);
    assert.deepEqual(spanOfNode(loc.node), spanOf(text, 'approve'));
    assert.deepEqual(spanOfNode(loc.pair!.key), spanOf(text, 'id'));
    assert.equal(loc.alias, undefined);
  });

  it('locate: a missing path gives no node and the deepest existing one', () => {
    const loc = locate(root, ['steps', 1, 'undo']);
    assert.equal(loc.node, null);
    assert.equal(loc.pair, undefined);
    assert.equal(loc.deepest?.type, 'map');
    assert.equal(loc.deepest!.start, offsetOf(text, 'id: repoint'));
    const beyond = locate(root, ['steps', 7]);
    assert.equal(beyond.node, null);
    assert.equal(beyond.deepest?.type, 'seq');
  });

  it('locate: through an alias reports the alias it went through', () => {
    const t = 'base: &b { x: 1 }\nuse: *b\n';
    const p = parseYaml(t);
    assert.deepEqual(p.value, { base: { x: 1 }, use: { x: 1 } });
    const loc = locate(p.root, ['use', 'x']);
    assert.deepEqual(spanOfNode(loc.node), spanOf(t, '1'));
    assert.deepEqual(spanOfNode(loc.alias), spanOf(t, '*b'));
  });
});

describe('yamlTree: alias bomb', () => {
  // billion laughs: 9 levels of 9 aliases each (9^9 = 387M nodes if expanded)
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  const bomb = lines.join('\n') + '\n';

  it('gives exactly one yaml-alias-limit diagnostic, on the alias that crosses the limit, and returns', () => {
    const parsed = parseYaml(bomb);
    // sizes: a0 10 nodes, a1 91, a2 820, a3 7381, a4 66430; expansions so far
    // 90 + 819 + 7380 + 66429 = 74718, so the first *a4 (in a5) crosses 100000
    assert.deepEqual(parsed.diagnostics, [
      {
        span: spanOf(bomb, '*a4'),
        severity: 'error',
        code: 'yaml-alias-limit',
        message: 'YAML: aliases expand to more than 100000 nodes (an alias bomb?); the file is not validated further',
      },
    ]);
    assert.deepEqual(rangeOf(bomb, parsed.diagnostics[0]!.span), r(5, 9, 5, 12));
    assert.equal(parsed.hasSyntaxErrors, true);
  });

  it('a lower limit is honoured', () => {
    const parsed = parseYaml(bomb, { maxAliasExpansion: 50 });
    // a1's aliases expand 10 nodes each: the sixth *a0 reaches 60 > 50
    assert.equal(parsed.diagnostics.length, 1);
    assert.deepEqual(parsed.diagnostics[0]!.span, spanOf(bomb, '*a0', 6));
    assert.equal(parsed.diagnostics[0]!.message, 'YAML: aliases expand to more than 50 nodes (an alias bomb?); the file is not validated further');
  });

  it('aliases under the limit expand to shared values', () => {
    const t = 'a: &a [1, 2]\nb: [*a, *a]\n';
    const parsed = parseYaml(t);
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(parsed.value, { a: [1, 2], b: [[1, 2], [1, 2]] });
  });
});

describe('yamlTree: syntax errors', () => {
  it('a nested compact mapping: points at the nested key', () => {
    const t = 'a: b: c\n';
    const p = parseYaml(t);
    assert.equal(p.hasSyntaxErrors, true);
    assert.deepEqual(
      p.diagnostics.map((d) => ({ range: rangeOf(t, d.span), code: d.code, severity: d.severity, message: d.message })),
      [{ range: r(0, 3, 0, 4), code: 'yaml-syntax', severity: 'error', message: 'YAML: Nested mappings are not allowed in compact mappings' }],
    );
  });

  it('a tab used as indentation: points at the tab', () => {
    const t = 'a:\n\tb: 1\n';
    const p = parseYaml(t);
    assert.deepEqual(
      p.diagnostics.map((d) => ({ range: rangeOf(t, d.span), code: d.code, message: d.message })),
      [{ range: r(1, 0, 1, 1), code: 'yaml-syntax', message: 'YAML: Tabs are not allowed as indentation' }],
    );
  });

  it('a reserved character at the start of a plain value: points at it', () => {
    const t = 'key: @bad\n';
    const p = parseYaml(t);
    assert.deepEqual(
      p.diagnostics.map((d) => ({ range: rangeOf(t, d.span), code: d.code, message: d.message })),
      [{ range: r(0, 5, 0, 6), code: 'yaml-syntax', message: 'YAML: Plain value cannot start with reserved character @' }],
    );
  });

  it('messages carry no "at line L, column C" suffix (positions are in the range)', () => {
    const p = parseYaml('a: [1, 2\nb: 3\n');
    assert.ok(p.diagnostics.length > 0);
    for (const d of p.diagnostics) {
      assert.match(d.message, /^YAML: /);
      assert.doesNotMatch(d.message, /line \d+, column \d+/);
    }
  });
});
