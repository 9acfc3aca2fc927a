// The CLI as a process and running a runbook's read-only steps: the bundle
// built the way esbuild.mjs builds it writes `--out` through its atomic
// writer, and a dry-run (which runs the example's dryRun shell commands) whose
// audit log cannot be taken says so in one line and keeps its exit code. The
// in-process CLI tests are in test/unit/cli.test.ts.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLEAN_FILES, CLEAN_RUNBOOK, rangeIn, replaceOnce, runCli, type Range } from '../unit/helpers';

const run = (argv: string[], cwd: string) => runCli(cwd, ...argv);

/** `file:line:col` of a 0-based range start, 1-based. */
function at(file: string, r: Range): string {
  return `${file}:${r.start.line + 1}:${r.start.character + 1}`;
}

describe('cli: validate (the bundle as a process)', () => {
  let dir: string;
  // broken: an error (invalid duration) and a warning (plan of 1m > restore 30s)
  const broken = replaceOnce(replaceOnce(CLEAN_RUNBOOK, 'for: 5m', 'for: 5x'), 'restore: 30m', 'restore: 30s');
  const errRange = rangeIn(broken, 'for: 5x', 'x');
  const warnRange = rangeIn(broken, 'restore: 30s', '30s');
  const ERR_MSG = 'invalid duration `5x`: unknown duration unit `x`; use one of ms, s, m, h, d, w';
  const WARN_MSG = "the plan's worst case is 1m (`approve` → `flag-off` → `repoint` → `verify`), longer than windows.restore 30s";

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-cli-'));
    for (const [rel, content] of CLEAN_FILES) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    fs.writeFileSync(path.join(dir, 'broken.runbook.yaml'), broken);
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--out: the report goes to the file, the summary to stderr (the bundled CLI, as a process)', () => {
    // the CLI bundled the way esbuild.mjs does it and run as users run it: the write goes through the bundle's atomic writer
    const out = path.join(dir, '.bundle', 'cli.js');
    buildSync({
      entryPoints: [path.resolve(__dirname, '../../src/cli/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: out,
      logLevel: 'silent',
      define: { 'import.meta.url': 'importMetaUrl' },
      alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' }, // as esbuild.mjs
      inject: [path.resolve(__dirname, '../../src/node/import-meta-url.js')],
    });
    const r = spawnSync(process.execPath, [out, 'validate', '--out', 'report.txt', 'broken.runbook.yaml'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(fs.readFileSync(path.join(dir, 'report.txt'), 'utf8'), [`${at('broken.runbook.yaml', errRange)}: error invalid-duration ${ERR_MSG}`, `${at('broken.runbook.yaml', warnRange)}: warning restore-window-exceeded ${WARN_MSG}`, ''].join('\n'));
    assert.equal(r.stderr, '1 file checked: 1 error, 1 warning\n');
    fs.rmSync(path.join(dir, 'report.txt'));
    fs.rmSync(path.join(dir, '.bundle'), { recursive: true });
  });
});

describe('cli: a run the audit log cannot take', () => {
  it('says so in one line on stderr and keeps the exit code of the run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-cli-'));
    try {
      for (const [rel, content] of CLEAN_FILES) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
      }
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
