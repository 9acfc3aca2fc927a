// Bytes and quotes that break a file: invalid UTF-8 is a located error (the
// decoded text carries U+FFFD where the bad bytes were, in the CLI and in the
// editor alike), and an unclosed quote is reported where it opens, on both
// parse paths, in the service. The CLI as a real process on the same bytes:
// test/system/bad-bytes.test.ts.
import * as assert from 'node:assert/strict';
import { parseYaml, parseYamlRecovering } from '../../src/core/yaml';
import { CLEAN_RUNBOOK, r, rangeOf, replaceOnce, showAll, validate } from './helpers';
import { DQ_MSG, UNCLOSED_DQ, UTF8_MSG } from '../support/bad-bytes';

const SQ_MSG = "YAML: this single-quoted string is never closed: the `'` here has no closing `'`, so the rest of the file is read as part of it";

describe('bad bytes: invalid UTF-8', () => {
  it('a replacement character in the decoded text is an invalid-utf8 error at that character; the other checks still run', async () => {
    // `caf\xe9` as the editor or Node decode it: one U+FFFD for the bad byte
    const text = replaceOnce(CLEAN_RUNBOOK, 'name: On-call ML lead', 'name: On-call ML caf\uFFFD lead');
    const ds = await validate(replaceOnce(text, 'for: 5m', 'for: 5x'));
    const t = replaceOnce(text, 'for: 5m', 'for: 5x');
    const at = t.indexOf('\uFFFD');
    assert.deepEqual(showAll(t, ds).map((d) => [d.code, d.range]), [
      ['invalid-utf8', rangeOf(t, { start: at, end: at + 1 })],
      ['invalid-duration', rangeOf(t, { start: t.indexOf('5x') + 1, end: t.indexOf('5x') + 2 })],
    ]);
    assert.deepEqual(rangeOf(t, { start: at, end: at + 1 }), r(7, 39, 7, 40));
    assert.equal(ds[0]!.message, UTF8_MSG);
    assert.equal(ds[0]!.severity, 'error');
  });

  it('a run of bad bytes is one diagnostic over the run; separate runs are separate diagnostics', async () => {
    const text = replaceOnce(replaceOnce(CLEAN_RUNBOOK, 'Serving engineer', 'Serving \uFFFD\uFFFD\uFFFDengineer'), 'Data steward', 'Data \uFFFDsteward');
    const ds = (await validate(text)).filter((d) => d.code === 'invalid-utf8');
    const first = text.indexOf('\uFFFD');
    const second = text.lastIndexOf('\uFFFD');
    assert.deepEqual(ds.map((d) => d.span), [
      { start: first, end: first + 3 },
      { start: second, end: second + 1 },
    ]);
  });
});

describe('bad quotes: an unclosed quote is reported where it opens', () => {
  const text = UNCLOSED_DQ;
  const quote = text.indexOf('"abc');

  for (const [name, parse] of [
    ['parseYaml (fast path first)', (t: string) => parseYaml(t)],
    ['parseYamlRecovering', (t: string) => parseYamlRecovering(t)],
  ] as const) {
    it(`${name}: a double quote that never closes: one yaml-syntax error on its line, from the quote to the end of the line`, () => {
      const p = parse(text);
      assert.deepEqual(
        p.diagnostics.map((d) => ({ range: rangeOf(text, d.span), code: d.code, message: d.message })),
        [{ range: rangeOf(text, { start: quote, end: quote + '"abc'.length }), code: 'yaml-syntax', message: DQ_MSG }],
      );
      assert.deepEqual(rangeOf(text, p.diagnostics[0]!.span), r(2, 13, 2, 17));
      assert.equal(p.hasSyntaxErrors, true);
    });
  }

  it('a single quote that never closes, inside a block sequence: at the quote', () => {
    const t = "apiVersion: rollback-lens/v1\nkind: RollbackRunbook\nclosure:\n  checklist:\n    - 'it is done\n    - next\n";
    const p = parseYaml(t);
    const q = t.indexOf("'it");
    assert.deepEqual(
      p.diagnostics.map((d) => ({ span: d.span, message: d.message })),
      [{ span: { start: q, end: q + "'it is done".length }, message: SQ_MSG }],
    );
  });
});
