// The CLI's help and usage errors. `rollback-lens --help` is pinned byte for
// byte to test/fixtures/cli/help.txt (captured from the CLI before its
// commands moved into one table, src/cli/commands.ts), so the table cannot
// change the text unnoticed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, runCli } from './helpers';

const HELP = fs.readFileSync(path.join(FIXTURES, 'cli', 'help.txt'), 'utf8');

describe('cli: help', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-usage-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help, -h and help: the whole usage on stdout, exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      assert.deepEqual(await runCli(dir, flag), { code: 0, stdout: HELP, stderr: '' }, flag);
    }
  });

  it('no command: the whole usage on stdout, exit 2', async () => {
    assert.deepEqual(await runCli(dir), { code: 2, stdout: HELP, stderr: '' });
  });

  it('an unknown command: `rollback-lens: unknown command` and the whole usage on stderr, exit 2', async () => {
    assert.deepEqual(await runCli(dir, 'frobnicate'), { code: 2, stdout: '', stderr: `rollback-lens: unknown command \`frobnicate\`\n\n${HELP}` });
  });
});
