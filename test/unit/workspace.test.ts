// Confinement (src/node/workspace.ts): confine() decides which paths a
// workspace may open: inside, relative to the file that names them, through
// links that stay inside; refused: `..` out, absolute paths, links out and
// dangling links out, a path not yet there judged by its deepest existing
// ancestor. Real folders and links in a temporary directory. The CLI as real
// processes against canary files outside the workspace:
// test/system/workspace.test.ts.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { confine } from '../../src/node/workspace';

describe('confine()', () => {
  let top: string;
  before(() => {
    top = mkdtempSync(path.join(tmpdir(), 'rl-confine-unit-'));
    mkdirSync(path.join(top, 'ws', 'sub'), { recursive: true });
    mkdirSync(path.join(top, 'out'));
    writeFileSync(path.join(top, 'ws', 'sub', 'a.json'), '{}');
    writeFileSync(path.join(top, 'out', 'secret'), 'x');
    symlinkSync(path.join(top, 'out'), path.join(top, 'ws', 'outlink'));
    symlinkSync(path.join(top, 'out', 'nothing-yet'), path.join(top, 'ws', 'dangling'));
    symlinkSync(path.join(top, 'ws', 'sub'), path.join(top, 'ws', 'inlink'));
  });
  after(() => rmSync(top, { recursive: true, force: true }));
  const ws = () => path.join(top, 'ws');

  it('a file inside, relative to the folder of the file that names it', async () => {
    const c = await confine(ws(), path.join(ws(), 'sub'), 'a.json');
    assert.deepEqual(c, { ok: true, path: path.join(ws(), 'sub', 'a.json'), real: path.join(ws(), 'sub', 'a.json') });
  });

  it('a link to a folder inside is followed and allowed', async () => {
    const c = await confine(ws(), ws(), 'inlink/a.json');
    assert.deepEqual(c, { ok: true, path: path.join(ws(), 'inlink', 'a.json'), real: path.join(ws(), 'sub', 'a.json') });
  });

  it('a path that does not exist yet: the real path of its deepest existing ancestor decides', async () => {
    assert.deepEqual(await confine(ws(), ws(), 'sub/new/b.json'), { ok: true, path: path.join(ws(), 'sub', 'new', 'b.json'), real: path.join(ws(), 'sub', 'new', 'b.json') });
    assert.deepEqual(await confine(ws(), ws(), 'outlink/new/b.json'), { ok: false, message: '`outlink/new/b.json` is outside the workspace (through a link)' });
  });

  it('refused: `..` out, an absolute path, a link out, a dangling link out', async () => {
    assert.deepEqual(await confine(ws(), path.join(ws(), 'sub'), '../../out/secret'), { ok: false, message: '`../../out/secret` is outside the workspace' });
    assert.deepEqual(await confine(ws(), ws(), path.join(top, 'out', 'secret')), { ok: false, message: `\`${path.join(top, 'out', 'secret')}\` is outside the workspace` });
    assert.deepEqual(await confine(ws(), ws(), 'outlink/secret'), { ok: false, message: '`outlink/secret` is outside the workspace (through a link)' });
    assert.deepEqual(await confine(ws(), ws(), 'dangling'), { ok: false, message: '`dangling` is outside the workspace (through a link)' });
  });

  it('an absolute path is refused even inside the workspace, as the language service does (src/core/language/host.ts)', async () => {
    const abs = path.join(ws(), 'sub', 'a.json');
    assert.deepEqual(await confine(ws(), ws(), abs), { ok: false, message: `\`${abs}\` is outside the workspace` });
  });
});
