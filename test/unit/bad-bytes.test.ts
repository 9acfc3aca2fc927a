// Bytes and quotes that break a file: invalid UTF-8 is a located error (the
// decoded text carries U+FFFD where the bad bytes were, in the CLI and in the
// editor alike), and an unclosed quote is reported where it opens, on both
// parse paths, in the service and through the CLI as a real process.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseYaml, parseYamlRecovering } from '../../src/core/yaml';
import { CLEAN_FILES, CLEAN_RUNBOOK, r, rangeOf, replaceOnce, runCliProcess, showAll, validate } from './helpers';

const UTF8_MSG = 'invalid UTF-8: the bytes here are not valid UTF-8 and were read as U+FFFD (the replacement character); save the file as UTF-8';
const DQ_MSG = 'YAML: this double-quoted string is never closed: the `"` here has no closing `"`, so the rest of the file is read as part of it';
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

  it('the CLI (a real process) reads a file with a Latin-1 byte and reports it at its line and column, exit 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-utf8-'));
    try {
      for (const [rel, content] of CLEAN_FILES) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
      }
      const [before, after] = CLEAN_RUNBOOK.split('On-call ML lead');
      // 0xE9 is `é` in Latin-1 and never valid alone in UTF-8
      fs.writeFileSync(path.join(dir, 'iris.runbook.yaml'), Buffer.concat([Buffer.from(before! + 'On-call ML caf'), Buffer.from([0xe9]), Buffer.from(' lead' + after!)]));
      const res = runCliProcess(dir, ['validate', 'iris.runbook.yaml']);
      assert.equal(res.stdout, `iris.runbook.yaml:8:40: error invalid-utf8 ${UTF8_MSG}\n`);
      assert.equal(res.stderr, '1 file checked: 1 error, 0 warnings\n');
      assert.equal(res.code, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad quotes: an unclosed quote is reported where it opens', () => {
  const text = 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\ndescription: "abc\nmetadata: { name: x }\nsteps: []\n';
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

  it('the CLI (a real process): the error is at the line and column of the opening quote', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-quote-'));
    try {
      fs.writeFileSync(path.join(dir, 'q.runbook.yaml'), text);
      const res = runCliProcess(dir, ['validate', 'q.runbook.yaml']);
      assert.equal(res.stdout, `q.runbook.yaml:3:14: error yaml-syntax ${DQ_MSG}\n`);
      assert.equal(res.code, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
