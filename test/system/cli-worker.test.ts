// The bundled CLI runs contract tests in the contract-test worker beside it,
// as the editor does (src/cli/test.ts): a run that needs more heap than
// --max-heap allows ends with exit 2 and one line naming the limit (V8's
// fatal out-of-memory crash, with its native stack, is what the CLI gave
// in its own thread), and the same run within the default limit passes.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess, writeBigContract } from '../unit/helpers';

describe('the CLI runs contract tests in a worker thread', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rl-cli-worker-'));
    // 400k baseline rows cannot be indexed in an 8 MB heap
    writeBigContract(dir, 'big', 400_000);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a run out of --max-heap: exit 2, one line naming the limit, no stack', () => {
    const r = runCliProcess(dir, ['test', 'big.contract.yaml', '--max-heap', '8', '--workspace', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^rollback-lens: the contract test ran out of memory \(worker heap limit 8 MB\): [^\n]+\n$/);
  });

  it('the same run within the default limit passes, every row compared', () => {
    const r = runCliProcess(dir, ['test', 'big.contract.yaml', '--workspace', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}PASS all — 400000 rows matched, 0 missing, 0 extra \(/m);
  });

  it('--max-heap takes a whole number of MB, at least 8', () => {
    const r = runCliProcess(dir, ['test', 'big.contract.yaml', '--max-heap', '4']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^rollback-lens test: --max-heap must be a whole number of MB, at least 8, not `4`\n/);
  });
});
