// The CLI as a real process, run from anywhere: the workspace is the
// `--workspace` folder, else the nearest enclosing git work tree, else the
// current folder, for every command (src/node/workspace.ts findWorkspace).
// A copy of the iris example inside a temporary git repository is dry-run and
// validated from the runbook's folder and from its scripts/ folder: the same
// findings, the same verdict, the same JSON report.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';
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
    // (the cadence counts from the log's first record of the runbook, made just now: no drill is overdue yet)
    assert.ok(lines[every], 'the example has drills.every: 90d');
    assert.deepEqual(found, []);
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

/** A copy of the iris example with corrupt documents and referenced files next to the good ones. */
function corruptWorkspace(): string {
  const ws = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-corrupt-')));
  cpSync(EXAMPLE, ws, { recursive: true });
  const runbook = readFileSync(path.join(ws, 'iris.runbook.yaml'), 'utf8');
  const contract = readFileSync(path.join(ws, 'iris.contract.yaml'), 'utf8');
  const w = (f: string, text: string | Buffer) => writeFileSync(path.join(ws, f), text);
  w('state/draft2020.schema.json', JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }));
  w('state/notjson.schema.json', '{ "type": "object", ');
  mkdirSync(path.join(ws, 'state', 'a-folder.jsonl'));
  mkdirSync(path.join(ws, 'metrics', 'a-folder.json'));
  w('schema2020.runbook.yaml', runbook.replace('targetReads: state/profile.v3.schema.json', 'targetReads: state/draft2020.schema.json'));
  w('notjson.runbook.yaml', runbook.replace('targetReads: state/profile.v3.schema.json', 'targetReads: state/notjson.schema.json'));
  w('folders.runbook.yaml', runbook.replace('samples: state/samples.jsonl', 'samples: state/a-folder.jsonl').replace('file: metrics/now.json', 'file: metrics/a-folder.json'));
  w('binary.runbook.yaml', Buffer.concat([Buffer.from('apiVersion: rollback-lens/v1\n\0\0'), randomBytes(512)]));
  w('truncated.contract.yaml', contract.slice(0, Math.floor(contract.length / 2)));
  w('schemas/draft2020.schema.json', JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }));
  w('schemas/notjson.schema.json', '{ "type": ');
  w('schema2020.contract.yaml', contract.replace('$ref: schemas/iris-input.schema.json', '$ref: schemas/draft2020.schema.json'));
  w('notjson.contract.yaml', contract.replace('$ref: schemas/iris-output.schema.json', '$ref: schemas/notjson.schema.json'));
  mkdirSync(path.join(ws, 'folder.runbook.yaml'));
  // a flag file that is a folder, an output schema of binary bytes, an audit log that is not JSON
  mkdirSync(path.join(ws, 'flags-folder.flagd.json'));
  w('flagfolder.runbook.yaml', runbook.split('file: flags.flagd.json').join('file: flags-folder.flagd.json'));
  w('schemas/binary.schema.json', '\u0000\u0001binary');
  w('binaryschema.contract.yaml', contract.replace('$ref: schemas/iris-output.schema.json', '$ref: schemas/binary.schema.json'));
  mkdirSync(path.join(ws, '.rollback-lens'), { recursive: true });
  w('.rollback-lens/audit.jsonl', '{ not json\n\u0000\n');
  return ws;
}

/** A line of a Node.js stack trace. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/;

describe('cli process: a corrupt workspace never gives a stack trace', function () {
  this.timeout(300_000);

  it('every command against every corrupt document: an exit code (dry-run and test: 1 or 2), no stack frame, no node:internal', () => {
    const ws = corruptWorkspace();
    const runbooks = ['schema2020.runbook.yaml', 'notjson.runbook.yaml', 'folders.runbook.yaml', 'binary.runbook.yaml', 'folder.runbook.yaml', 'flagfolder.runbook.yaml'];
    const contracts = ['truncated.contract.yaml', 'schema2020.contract.yaml', 'notjson.contract.yaml', 'binaryschema.contract.yaml'];
    const runs: string[][] = [
      ['validate', '.'],
      ['audit', 'verify'],
      ['audit', 'list'],
      ['test', 'state'],
      ['dry-run', 'missing.runbook.yaml'],
      ...runbooks.flatMap((r) => [
        ['validate', r],
        ['dry-run', r],
        ['drill', r, '--scenario', 'repoint-fails'],
        ['sign-off', r, '--role', 'decisionMaker'],
      ]),
      ...contracts.flatMap((c) => [
        ['validate', c],
        ['test', c],
        ['baseline', 'record', c, '--test', 'parity'],
        ['compat', c, 'iris.contract.yaml'],
      ]),
    ];
    for (const argv of runs) {
      const r = runCliProcess(ws, argv);
      const output = r.stdout + r.stderr;
      const frames = output.split('\n').filter((l) => STACK_FRAME.test(l) || l.includes('node:internal'));
      assert.deepEqual(frames, [], `${argv.join(' ')} printed a stack trace:\n${output}`);
      // dry-run and test read every corrupt file they are given: not ready / not passed. The others may
      // not read the corrupt part (validate does not compile state schemas; a drill does not read state),
      // so any exit code of the CLI, but an exit code: nothing crashed the process
      assert.ok((['dry-run', 'test'].includes(argv[0]!) ? [1, 2] : [0, 1, 2]).includes(r.code!), `${argv.join(' ')}: exit ${r.code}\n${output}`);
    }
  });

  it('dry-run: a state schema declaring draft 2020-12, one that is not JSON, samples that are a folder: located findings at the reference', () => {
    const ws = corruptWorkspace();
    const pos = (file: string, needle: string) => {
      const lines = readFileSync(path.join(ws, file), 'utf8').split('\n');
      const i = lines.findIndex((l) => l.includes(needle));
      return `${i + 1}:${lines[i]!.indexOf(needle) + 1}`;
    };
    let r = runCliProcess(ws, ['dry-run', 'schema2020.runbook.yaml']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(
      r.stdout.includes(
        `  schema2020.runbook.yaml:${pos('schema2020.runbook.yaml', 'state/draft2020.schema.json')}: error state-schema-unreadable state schema \`state/draft2020.schema.json\` cannot be compiled: no schema with key or ref "https://json-schema.org/draft/2020-12/schema"\n`,
      ),
      r.stdout + r.stderr,
    );
    r = runCliProcess(ws, ['dry-run', 'notjson.runbook.yaml']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^  notjson\\.runbook\\.yaml:${pos('notjson.runbook.yaml', 'state/notjson.schema.json')}: error state-schema-unreadable state schema \`state/notjson\\.schema\\.json\` is not JSON: .+$`, 'm'));
    r = runCliProcess(ws, ['dry-run', 'folders.runbook.yaml']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`  folders.runbook.yaml:${pos('folders.runbook.yaml', 'state/a-folder.jsonl')}: error state-sample-invalid state samples \`state/a-folder.jsonl\` is a folder, not a file\n`), r.stdout + r.stderr);
    assert.equal(r.stderr, '');
  });
});

describe('cli process: one finding per problem', function () {
  this.timeout(60_000);

  it('restore-window-exceeded: dry-run reports it once, with the position, severity and message validate gives', () => {
    const ws = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-once-')));
    const runbook = readFileSync(path.join(EXAMPLE, 'iris.runbook.yaml'), 'utf8').replace('restore: 30m', 'restore: 5m');
    cpSync(EXAMPLE, ws, { recursive: true });
    writeFileSync(path.join(ws, 'iris.runbook.yaml'), runbook);
    const v = runCliProcess(ws, ['validate', 'iris.runbook.yaml']);
    const validateLines = v.stdout.split('\n').filter((l) => l.includes(' restore-window-exceeded '));
    const lines = runbook.split('\n');
    const i = lines.findIndex((l) => l.startsWith('windows:'));
    const at = `iris.runbook.yaml:${i + 1}:${lines[i]!.indexOf('restore: 5m') + 'restore: '.length + 1}`;
    const message = "the plan's worst case is 19m30s (`approve` → `flag-off` → `repoint` → `pin-serving` → `verify` → `announce-done`), longer than windows.restore 5m";
    assert.deepEqual(validateLines, [`${at}: warning restore-window-exceeded ${message}`]);
    const d = runCliProcess(ws, ['dry-run', 'iris.runbook.yaml']);
    assert.deepEqual(
      d.stdout.split('\n').filter((l) => l.includes('restore-window-exceeded')),
      validateLines.map((l) => `  ${l}`),
    );
    const json = JSON.parse(runCliProcess(ws, ['dry-run', 'iris.runbook.yaml', '--format', 'json']).stdout) as { findings: Array<{ code: string; severity: string }>; verdict: string };
    assert.deepEqual(json.findings.filter((f) => f.code === 'restore-window-exceeded').map((f) => f.severity), ['warning']);
  });

  it('a {{placeholder}} with no value: validate and dry-run each report it once, at the placeholder', () => {
    const ws = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-once-')));
    cpSync(EXAMPLE, ws, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
    const runbook = readFileSync(path.join(ws, 'iris.runbook.yaml'), 'utf8');
    assert.ok(runbook.includes('Scoring reverted to {{target.version}}.'));
    writeFileSync(path.join(ws, 'iris.runbook.yaml'), runbook.replace('Scoring reverted to {{target.version}}.', 'Scoring reverted to {{target.verison}}.'));
    const line = runbook.slice(0, runbook.indexOf('Scoring reverted to {{target.version}}.')).split('\n').length;
    const validate = (JSON.parse(runCliProcess(ws, ['validate', 'iris.runbook.yaml', '--format', 'json']).stdout) as Array<{ code: string }>).filter((d) => d.code === 'unknown-placeholder');
    const dry = (JSON.parse(runCliProcess(ws, ['dry-run', 'iris.runbook.yaml', '--format', 'json']).stdout).findings as Array<{ code: string; line: number }>).filter((f) => f.code === 'unknown-placeholder');
    assert.equal(validate.length, 1, JSON.stringify(validate));
    assert.deepEqual(dry.map((f) => f.line), [line], JSON.stringify(dry));
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
