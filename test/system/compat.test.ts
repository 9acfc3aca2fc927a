// `rollback-lens compat --against <git-revision>` on a real temporary git
// repository (two commits, a contract and its schema file): the old side read
// at that revision and located in `<rev>:<path>`, from a subfolder, with
// uncommitted changes, the contract's compatibility.revision, and each error
// (exit 2). The comparison itself: test/unit/compat.test.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitError, resolveCommit } from '../../src/node/git';
import { cli } from '../support/compat';

// ---- --against: a real git repository ---------------------------------------------------------

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Rollback Lens Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const V1 = `apiVersion: rollback-lens/v1
kind: InterfaceContract
metadata: { name: flowers, version: 1 }
input:
  schema: { type: object, required: [id], properties: { id: { type: string } } }
output:
  key: id
  labels: [setosa, versicolor]
  schema: { $ref: schemas/out.schema.json }
`;
const OUT_V1 = '{\n  "type": "object",\n  "properties": {\n    "id": { "type": "string" },\n    "margin": { "type": "number" }\n  }\n}\n';
const V2 = V1.replace('version: 1', 'version: 2').replace('[setosa, versicolor]', '[setosa, versicolor, virginica]') + 'compatibility: { revision: HEAD~1 }\n';
const OUT_V2 = '{\n  "type": "object",\n  "properties": {\n    "id": { "type": "string" }\n  }\n}\n';

describe('cli: compat --against <git-revision>', () => {
  let repo: string;
  let root: string;
  const contract = 'models/flowers.contract.yaml';
  const V2_LINES = [
    'models/flowers.contract.yaml:8:32: risky label-added label `virginica` was added to output.labels; consumers with a closed label set may not handle it',
    'models/schemas/out.schema.json:3:3: breaking field-removed `output.margin` was removed from the output schema; consumers that read it break',
    '',
  ].join('\n');

  before(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-git-'));
    root = fs.realpathSync(repo);
    fs.mkdirSync(path.join(repo, 'models', 'schemas'), { recursive: true });
    git(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, contract), V1);
    fs.writeFileSync(path.join(repo, 'models/schemas/out.schema.json'), OUT_V1);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'v1');
    fs.writeFileSync(path.join(repo, contract), V2);
    fs.writeFileSync(path.join(repo, 'models/schemas/out.schema.json'), OUT_V2);
    fs.writeFileSync(path.join(repo, 'models/new.contract.yaml'), V1);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'v2');
  });
  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('against HEAD~1: the contract and its schema file as they were then; exit 1', async () => {
    const r = await cli([contract, '--against', 'HEAD~1'], repo);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, V2_LINES);
    assert.equal(r.stderr, 'HEAD~1:models/flowers.contract.yaml → models/flowers.contract.yaml: 2 changes: 1 breaking, 1 risky, 0 compatible\n');
  });

  it('the old side is located in `<rev>:<path>`, the schema read at that revision', async () => {
    const r = await cli([contract, '--against', 'HEAD~1', '--format', 'json'], repo);
    const report = JSON.parse(r.stdout);
    assert.equal(report.old, 'HEAD~1:models/flowers.contract.yaml');
    assert.deepEqual(report.changes[1].previous, { file: 'HEAD~1:models/schemas/out.schema.json', pointer: '/properties/margin', line: 4, character: 4 });
  });

  it('against HEAD: no changes, exit 0', async () => {
    const r = await cli([contract, '--against', 'HEAD'], repo);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'HEAD:models/flowers.contract.yaml → models/flowers.contract.yaml: no changes\n']);
  });

  it('from a subfolder of the repository, and with the revision as a commit id', async () => {
    const sha = git(repo, 'rev-parse', 'HEAD~1').trim();
    const r = await cli(['flowers.contract.yaml', '--against', sha], path.join(repo, 'models'));
    assert.equal(r.code, 1);
    assert.equal(r.stdout.split('\n')[1], 'schemas/out.schema.json:3:3: breaking field-removed `output.margin` was removed from the output schema; consumers that read it break');
  });

  it('uncommitted changes in the working tree are compared too', async () => {
    const file = path.join(repo, 'models/schemas/out.schema.json');
    try {
      fs.writeFileSync(file, OUT_V2.replace('"type": "string"', '"type": "integer"'));
      const r = await cli([contract, '--against', 'HEAD'], repo);
      assert.equal(r.code, 1);
      assert.equal(
        r.stdout,
        [
          'models/schemas/out.schema.json:4:5: breaking type-changed `output.id` type changed from string to integer; values of the old type are no longer valid',
          'models/flowers.contract.yaml:3:37: risky version-not-bumped metadata.version is still 2 although the contract changed; bump it on every change',
          '',
        ].join('\n'),
      );
    } finally {
      fs.writeFileSync(file, OUT_V2);
    }
  });

  it("without --against: the contract's compatibility.revision", async () => {
    const r = await cli([contract], repo);
    assert.deepEqual([r.code, r.stdout], [1, V2_LINES]);
  });

  it('a file absent at that revision: exit 2', async () => {
    const sha = git(repo, 'rev-parse', 'HEAD~1').trim();
    const r = await cli(['models/new.contract.yaml', '--against', 'HEAD~1'], repo);
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `rollback-lens: models/new.contract.yaml does not exist at revision HEAD~1 (${sha.slice(0, 12)})\n`]);
  });

  it('an unknown revision: exit 2', async () => {
    const r = await cli([contract, '--against', 'no-such-branch'], repo);
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `rollback-lens: unknown revision \`no-such-branch\` in the repository at ${root}\n`]);
    const before = await cli([contract, '--against', 'HEAD~5'], repo);
    assert.equal(before.stderr, `rollback-lens: unknown revision \`HEAD~5\` in the repository at ${root}\n`);
  });

  it('a schema file absent at that revision: exit 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-git-'));
    try {
      git(dir, 'init', '-q');
      fs.writeFileSync(path.join(dir, 'c.contract.yaml'), V1);
      git(dir, 'add', 'c.contract.yaml');
      git(dir, 'commit', '-q', '-m', 'contract only');
      fs.mkdirSync(path.join(dir, 'schemas'));
      fs.writeFileSync(path.join(dir, 'schemas/out.schema.json'), OUT_V1);
      const r = await cli(['c.contract.yaml', '--against', 'HEAD'], dir);
      assert.deepEqual([r.code, r.stderr], [2, 'rollback-lens: HEAD:c.contract.yaml: output.schema refers to `schemas/out.schema.json`, but HEAD:schemas/out.schema.json does not exist\n']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('not a git repository: exit 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-nogit-'));
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    // never find a repository above the temporary folder
    process.env.GIT_CEILING_DIRECTORIES = fs.realpathSync(os.tmpdir());
    try {
      fs.writeFileSync(path.join(dir, 'c.contract.yaml'), V1.replace('{ $ref: schemas/out.schema.json }', '{ type: object }'));
      const r = await cli(['c.contract.yaml', '--against', 'HEAD'], dir);
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `rollback-lens: ${dir} is not in a git repository\n`]);
    } finally {
      if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = ceiling;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a revision that looks like an option is refused before git sees it', async () => {
    await assert.rejects(resolveCommit(repo, '--output=/tmp/x'), (e: unknown) => e instanceof GitError && e.kind === 'unknown-revision' && e.message === '`--output=/tmp/x` is not a git revision');
  });
});
