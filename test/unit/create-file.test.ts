// createWorkspaceFile, on a real file system: the file a "Create it" quick fix
// writes is made with its folders, made executable when it is a script, never
// written over an existing file, and never outside the workspace (also not
// through a link).
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createWorkspaceFile } from '../../src/node/createFile';

describe('createWorkspaceFile', () => {
  let tmp: string;
  let ws: string;
  beforeEach(() => {
    tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'rl-create-')));
    ws = path.join(tmp, 'ws');
    mkdirSync(ws);
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('creates the file and its folders with the content given', async () => {
    const r = await createWorkspaceFile(ws, { path: 'data/new/inputs.jsonl', content: '' });
    assert.deepEqual(r, { ok: true, file: path.join(ws, 'data/new/inputs.jsonl') });
    assert.equal(readFileSync(path.join(ws, 'data/new/inputs.jsonl'), 'utf8'), '');
    assert.equal(statSync(path.join(ws, 'data/new/inputs.jsonl')).mode & 0o111, 0);
  });

  it('makes a script executable', async () => {
    const r = await createWorkspaceFile(ws, { path: 'scripts/set-alias.sh', content: '#!/bin/sh\nset -eu\n', executable: true });
    assert.equal(r.ok, true);
    assert.equal(statSync(path.join(ws, 'scripts/set-alias.sh')).mode & 0o777, 0o755);
    assert.equal(readFileSync(path.join(ws, 'scripts/set-alias.sh'), 'utf8'), '#!/bin/sh\nset -eu\n');
  });

  it('never overwrites an existing file', async () => {
    writeFileSync(path.join(ws, 'baseline.jsonl'), '{"id":"1"}\n');
    const r = await createWorkspaceFile(ws, { path: 'baseline.jsonl', content: '' });
    assert.deepEqual(r, { ok: false, message: 'not created: `baseline.jsonl` already exists' });
    assert.equal(readFileSync(path.join(ws, 'baseline.jsonl'), 'utf8'), '{"id":"1"}\n');
  });

  it('refuses a path outside the workspace, lexically and through a link', async () => {
    assert.deepEqual(await createWorkspaceFile(ws, { path: '../escape.jsonl', content: '' }), { ok: false, message: 'not created: `../escape.jsonl` is outside the workspace' });
    assert.deepEqual(await createWorkspaceFile(ws, { path: '/etc/x', content: '' }), { ok: false, message: '`/etc/x` is not a workspace-relative path' });
    mkdirSync(path.join(tmp, 'outside'));
    symlinkSync(path.join(tmp, 'outside'), path.join(ws, 'out'));
    assert.deepEqual(await createWorkspaceFile(ws, { path: 'out/x.jsonl', content: '' }), { ok: false, message: 'not created: `out/x.jsonl` is outside the workspace (through a link)' });
    assert.equal(existsSync(path.join(tmp, 'outside', 'x.jsonl')), false);
    assert.equal(existsSync(path.join(tmp, 'escape.jsonl')), false);
  });
});
