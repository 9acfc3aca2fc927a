// The CLI as a process and running a runbook's read-only steps: the bundle
// built the way esbuild.mjs builds it writes `--out` through its atomic
// writer, and a dry-run (which runs the example's dryRun shell commands) whose
// audit log cannot be taken says so in one line and keeps its exit code. The
// in-process CLI tests are in test/unit/cli.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, runCliProcess } from '../unit/helpers';
import { at, BROKEN as broken, ERR_MSG, ERR_RANGE as errRange, WARN_MSG, WARN_RANGE as warnRange, writeCleanFiles } from '../support/cli';

const run = (argv: string[], cwd: string) => runCli(cwd, ...argv);

describe('cli: validate (the bundle as a process)', () => {
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-cli-'));
    writeCleanFiles(dir);
    fs.writeFileSync(path.join(dir, 'broken.runbook.yaml'), broken);
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--out: the report goes to the file, the summary to stderr (the bundled CLI, as a process)', () => {
    // the CLI bundled as esbuild.mjs bundles it and run as users run it: the write goes through the bundle's atomic writer
    const r = runCliProcess(dir, ['validate', '--out', 'report.txt', 'broken.runbook.yaml']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(fs.readFileSync(path.join(dir, 'report.txt'), 'utf8'), [`${at('broken.runbook.yaml', errRange)}: error invalid-duration ${ERR_MSG}`, `${at('broken.runbook.yaml', warnRange)}: warning restore-window-exceeded ${WARN_MSG}`, ''].join('\n'));
    assert.equal(r.stderr, '1 file checked: 1 error, 1 warning\n');
    fs.rmSync(path.join(dir, 'report.txt'));
  });
});

describe('cli: a run the audit log cannot take', () => {
  it('says so in one line on stderr and keeps the exit code of the run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-cli-'));
    try {
      writeCleanFiles(dir);
      const recorded = await run(['dry-run', 'iris.runbook.yaml', '--workspace', '.'], dir);
      assert.equal(recorded.stderr, '');
      fs.rmSync(path.join(dir, '.rollback-lens'), { recursive: true });
      // .rollback-lens is a file: no lock, no log can be made under it
      fs.writeFileSync(path.join(dir, '.rollback-lens'), 'x');
      const r = await run(['dry-run', 'iris.runbook.yaml', '--workspace', '.'], dir);
      const lock = path.join(dir, '.rollback-lens', 'audit.jsonl.lock');
      assert.equal(r.stderr, `rollback-lens: could not record this dry-run in the audit log: cannot create the audit log lock ${lock}: ENOTDIR: not a directory, open '${lock}'\n`);
      assert.equal(r.code, recorded.code);
      assert.equal(r.stdout, recorded.stdout);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
