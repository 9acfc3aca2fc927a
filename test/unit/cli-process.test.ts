// The CLI as a real process, run from anywhere: the workspace is the
// `--workspace` folder, else the nearest enclosing git work tree, else the
// current folder, for every command (src/node/workspace.ts findWorkspace).
// A copy of the iris example inside a temporary git repository is dry-run and
// validated from the runbook's folder and from its scripts/ folder: the same
// findings, the same verdict, the same JSON report.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from './helpers';
import { findWorkspace } from '../../src/node/workspace';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

/** A git repository with the iris example at examples/iris; returns the repository's folder. */
function repoWithExample(): string {
  const repo = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-anywhere-')));
  execFileSync('git', ['init', '-q', repo]);
  cpSync(EXAMPLE, path.join(repo, 'examples', 'iris'), { recursive: true });
  return repo;
}

/** The `file:line:col: …` finding lines of a text report, the file shown as `<file>`. */
function findingLines(stdout: string, shown: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes(`${shown}:`))
    .map((l) => l.replace(shown, '<file>'));
}

describe('cli process: run from anywhere', function () {
  this.timeout(60_000);

  it('dry-run ../iris.runbook.yaml from examples/iris/scripts finds what dry-run iris.runbook.yaml finds from examples/iris', () => {
    const repo = repoWithExample();
    const iris = path.join(repo, 'examples', 'iris');
    // the first dry-run starts the audit log at the repository's root; from then on drill-overdue is judged (no log: no drill history)
    runCliProcess(repo, ['dry-run', 'examples/iris/iris.runbook.yaml']);
    assert.ok(existsSync(path.join(repo, '.rollback-lens', 'audit.jsonl')));
    const fromHome = runCliProcess(iris, ['dry-run', 'iris.runbook.yaml']);
    const fromScripts = runCliProcess(path.join(iris, 'scripts'), ['dry-run', '../iris.runbook.yaml']);
    assert.equal(fromScripts.stderr, fromHome.stderr);
    assert.equal(fromScripts.code, fromHome.code, fromScripts.stdout);
    // the example is ready as committed: no error anywhere
    assert.equal(fromHome.code, 0, fromHome.stdout);
    const found = findingLines(fromHome.stdout, 'iris.runbook.yaml');
    const lines = readFileSync(path.join(iris, 'iris.runbook.yaml'), 'utf8').split('\n');
    const every = lines.findIndex((l) => l === '  every: 90d');
    assert.deepEqual(found, [`  <file>:${every + 1}:${lines[every]!.indexOf('90d') + 1}: warning drill-overdue no drill of this runbook is recorded; drills are due every 90d`]);
    assert.deepEqual(findingLines(fromScripts.stdout, '../iris.runbook.yaml'), found);
    assert.match(fromScripts.stdout, /^Dry-run of \.\.\/iris\.runbook\.yaml — nothing was changed$/m);
    const json = (cwd: string, file: string) => {
      const r = runCliProcess(cwd, ['dry-run', file, '--format', 'json']);
      const report = JSON.parse(r.stdout) as { runbook: string; steps: Array<{ durationMs?: number }> };
      for (const s of report.steps) delete s.durationMs;
      return report;
    };
    const home = json(iris, 'iris.runbook.yaml');
    assert.equal(home.runbook, 'examples/iris/iris.runbook.yaml');
    assert.deepEqual(json(path.join(iris, 'scripts'), '../iris.runbook.yaml'), home);
  });

  it('validate ../iris.runbook.yaml ../iris.contract.yaml from examples/iris/scripts: clean, as from examples/iris', () => {
    const repo = repoWithExample();
    const iris = path.join(repo, 'examples', 'iris');
    const fromScripts = runCliProcess(path.join(iris, 'scripts'), ['validate', '../iris.runbook.yaml', '../iris.contract.yaml']);
    assert.equal(fromScripts.stdout, '');
    assert.equal(fromScripts.stderr, '2 files checked: 0 errors, 0 warnings\n');
    assert.equal(fromScripts.code, 0);
  });

  it('--workspace wins over the git work tree: the report names the runbook relative to it', () => {
    const repo = repoWithExample();
    const scripts = path.join(repo, 'examples', 'iris', 'scripts');
    const r = runCliProcess(scripts, ['dry-run', '--workspace', '..', '../iris.runbook.yaml', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((JSON.parse(r.stdout) as { runbook: string }).runbook, 'iris.runbook.yaml');
  });
});

describe('findWorkspace', () => {
  it('--workspace, else the nearest folder with .git (a folder or, in a worktree, a file), else the current folder', () => {
    const top = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-find-ws-')));
    mkdirSync(path.join(top, 'repo', '.git'), { recursive: true });
    mkdirSync(path.join(top, 'repo', 'a', 'wt', 'b'), { recursive: true });
    writeFileSync(path.join(top, 'repo', 'a', 'wt', '.git'), 'gitdir: /elsewhere\n');
    mkdirSync(path.join(top, 'plain', 'c'), { recursive: true });
    assert.equal(findWorkspace(path.join(top, 'repo', 'a'), undefined), path.join(top, 'repo'));
    assert.equal(findWorkspace(path.join(top, 'repo', 'a', 'wt', 'b'), undefined), path.join(top, 'repo', 'a', 'wt'));
    assert.equal(findWorkspace(path.join(top, 'repo', 'a'), '../..'), top);
    // /tmp is in no work tree here, so a plain folder is its own workspace
    assert.equal(findWorkspace(path.join(top, 'plain', 'c'), undefined), path.join(top, 'plain', 'c'));
  });
});
