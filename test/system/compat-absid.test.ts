// `rollback-lens compat` on an output schema whose `$ref` names an absolute
// `$id` URI (`https://example.com/iris/common.schema.json#/$defs/probability`)
// that a file next to it declares: the CLI lists that folder, on disk and at a
// git revision (`git ls-tree`, a real temporary repository), finds the file,
// and locates the change in it exactly as for a relative `$ref`; an `$id` no
// file declares is exit 2 with the `$ref`'s file:line:column, nothing fetched.
// The resolution itself: test/unit/schema-loader.test.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../support/compat';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Rollback Lens Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const ID = 'https://example.com/iris/common.schema.json';
const CONTRACT = `apiVersion: rollback-lens/v1
kind: InterfaceContract
metadata: { name: iris, version: 1 }
output:
  key: id
  schema: { $ref: schemas/out.json }
`;
const out = (ref: string) => `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "id": { "type": "string" },
    "probability": { "$ref": "${ref}" }
  }
}
`;
const common = (type: string) => `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "${ID}",
  "$defs": {
    "probability": { "type": "${type}" }
  }
}
`;

function write(dir: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
}

describe('cli: compat follows a $ref to an absolute $id declared by a file next to the schema', () => {
  let repo: string;
  const v1 = { 'models/iris.contract.yaml': CONTRACT, 'models/schemas/out.json': out(`${ID}#/$defs/probability`), 'models/schemas/a-other.json': '{ "$id": "https://example.com/iris/other.json" }\n', 'models/schemas/common.schema.json': common('number') };
  const CHANGE = 'models/schemas/common.schema.json:5:5: breaking type-changed `output.probability` type changed from number to string; values of the old type are no longer valid';

  before(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-absid-'));
    git(repo, 'init', '-q');
    write(repo, v1);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'v1');
    write(repo, { 'models/schemas/common.schema.json': common('string'), 'models/iris.contract.yaml': CONTRACT.replace('version: 1', 'version: 2') });
  });
  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('--against HEAD: the declaring file is found at the revision too, the change located in it; exit 1', async () => {
    const r = await cli(['models/iris.contract.yaml', '--against', 'HEAD'], repo);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, `${CHANGE}\n`, 'HEAD:models/iris.contract.yaml → models/iris.contract.yaml: 1 change: 1 breaking, 0 risky, 0 compatible\n']);
    const json = JSON.parse((await cli(['models/iris.contract.yaml', '--against', 'HEAD', '--format', 'json'], repo)).stdout);
    assert.deepEqual(json.changes[0].previous, { file: 'HEAD:models/schemas/common.schema.json', pointer: '/$defs/probability', line: 4, character: 4 });
  });

  it('two contracts on disk: the same change, as with a relative $ref to the file', async () => {
    const old = path.join(repo, 'old');
    try {
      write(old, v1);
      const r = await cli(['old/models/iris.contract.yaml', 'models/iris.contract.yaml'], repo);
      assert.deepEqual([r.code, r.stdout], [1, `${CHANGE}\n`]);
      write(repo, { 'models/schemas/out.json': out('common.schema.json#/$defs/probability') });
      write(old, { 'models/schemas/out.json': out('common.schema.json#/$defs/probability') });
      assert.deepEqual((await cli(['old/models/iris.contract.yaml', 'models/iris.contract.yaml'], repo)).stdout, `${CHANGE}\n`);
    } finally {
      write(repo, { 'models/schemas/out.json': v1['models/schemas/out.json'] });
      fs.rmSync(old, { recursive: true, force: true });
    }
  });

  it('an $id no file declares: exit 2, at the $ref, on disk and at the revision', async () => {
    const nope = out('https://example.com/iris/nope.json#/$defs/probability');
    try {
      write(repo, { 'models/schemas/out.json': nope });
      const message = (file: string) =>
        `rollback-lens: ${file}:6:30: $ref \`https://example.com/iris/nope.json#/$defs/probability\` names \`https://example.com/iris/nope.json\`, which no schema file declares as its \`$id\` (looked in the files read and next to ${file}); Rollback Lens does not fetch schemas from the network\n`;
      const r = await cli(['models/iris.contract.yaml', '--against', 'HEAD'], repo);
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', message('models/schemas/out.json')]);
      git(repo, 'add', 'models/schemas/out.json');
      git(repo, 'commit', '-q', '-m', 'nope');
      write(repo, { 'models/schemas/out.json': v1['models/schemas/out.json'] });
      const atRev = await cli(['models/iris.contract.yaml', '--against', 'HEAD'], repo);
      assert.deepEqual([atRev.code, atRev.stdout, atRev.stderr], [2, '', message('HEAD:models/schemas/out.json')]);
    } finally {
      write(repo, { 'models/schemas/out.json': v1['models/schemas/out.json'] });
    }
  });
});
