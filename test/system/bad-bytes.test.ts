// The CLI as a real process on the bytes and quotes that break a file
// (test/unit/bad-bytes.test.ts checks the service): a Latin-1 byte is an
// invalid-utf8 error at its line and column, an unclosed quote a yaml-syntax
// error where it opens; exit 1.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLEAN_FILES, CLEAN_RUNBOOK, runCliProcess } from '../unit/helpers';
import { DQ_MSG, UNCLOSED_DQ, UTF8_MSG } from '../support/bad-bytes';

describe('bad bytes: invalid UTF-8', () => {
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
  const text = UNCLOSED_DQ;

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
