// src/core/util/object.ts: the guards for values of unknown shape, on every
// kind of value YAML and JSON produce (and the ones they do not: undefined,
// NaN, Infinity), and on objects whose own keys shadow Object.prototype.
import * as assert from 'node:assert/strict';
import { asArray, asNumber, asObject, asString, asStrings, asText, hasOwn, isObject, unionKeys } from '../../src/core/util/object';

const KINDS: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['0', 0],
  ['7', 7],
  ['1.5', 1.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ["''", ''],
  ["'a'", 'a'],
  ['[]', []],
  ["['a', 1]", ['a', 1]],
  ['{}', {}],
  ['{ a: 1 }', { a: 1 }],
];

describe('util/object: guards', () => {
  it('isObject: only mappings', () => {
    assert.deepEqual(
      KINDS.filter(([, v]) => isObject(v)).map(([k]) => k),
      ['{}', '{ a: 1 }'],
    );
  });

  it('asObject and asArray: the value itself, else an empty one', () => {
    const m = { a: 1 };
    const a = ['a', 1];
    assert.equal(asObject(m), m);
    assert.equal(asArray(a), a);
    assert.deepEqual(KINDS.map(([, v]) => asObject(v)).filter((o) => Object.keys(o).length).length, 1);
    assert.deepEqual(asObject([1]), {});
    assert.deepEqual(asArray({ 0: 'x', length: 1 }), []);
  });

  it('asString takes strings only; asText also writes a number as text', () => {
    assert.deepEqual(
      KINDS.map(([, v]) => asString(v)),
      [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, '', 'a', undefined, undefined, undefined, undefined],
    );
    assert.deepEqual(
      KINDS.map(([, v]) => asText(v)),
      [undefined, undefined, undefined, '0', '7', '1.5', 'NaN', 'Infinity', '', 'a', undefined, undefined, undefined, undefined],
    );
  });

  it('asNumber: finite numbers only', () => {
    assert.deepEqual(
      KINDS.map(([, v]) => asNumber(v)),
      [undefined, undefined, undefined, 0, 7, 1.5, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
    );
  });

  it('asStrings: the strings of an array, in order', () => {
    assert.deepEqual(asStrings(['a', 1, null, 'b', ['c']]), ['a', 'b']);
    assert.deepEqual(asStrings('ab'), []);
  });

  it('hasOwn: own keys, not inherited ones, even when the object shadows hasOwnProperty', () => {
    const o = JSON.parse('{"constructor": 1, "hasOwnProperty": 2}') as Record<string, unknown>;
    assert.equal(hasOwn(o, 'constructor'), true);
    assert.equal(hasOwn(o, 'hasOwnProperty'), true);
    assert.equal(hasOwn({}, 'constructor'), false);
    assert.equal(hasOwn({ a: undefined }, 'a'), true);
  });

  it('unionKeys: the keys of the first, then the new ones of the second', () => {
    assert.deepEqual(unionKeys({ b: 1, a: 1 }, { c: 1, a: 2 }), ['b', 'a', 'c']);
  });
});
