// Signed sign-offs in the editor: with the user setting rollbackLens.signingKey
// naming a throwaway ed25519 key (made by the real ssh-keygen) that the
// workspace's .rollback-lens/allowed_signers lists for the decisionMaker role,
// Sign off records an SSH-signed sign-off that the signature check (what
// `audit verify` runs) finds good; without the setting it records an unsigned
// one; a role the signer does not hold is refused, nothing recorded; Roll
// back… with a key that cannot sign stops before its confirmation. The
// setting is machine-scoped: a workspace cannot set it. The same file runs in
// Restricted Mode (signing runs the user's ssh-keygen, nothing of the workspace).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readAuditLog, type AuditEntry } from '../../src/node/audit';
import { checkSignatures } from '../../src/node/signing';
import type { RollbackLensApi } from '../../src/extension/extension';
import { EXTENSION_ID, workspaceRoot, writeFile } from './util';

const REL = 'signing-it/signing.runbook.yaml';
const TEXT = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: signing-it, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
  dataSteward: { name: Steward, contact: "#data" }
steps:
  - id: approve
    approve: [decisionMaker]
closure:
  signOff: [decisionMaker, dataSteward]
`;

describe('signed sign-offs in VS Code (rollbackLens.signingKey)', function () {
  this.timeout(120_000);
  let uri: vscode.Uri;
  let keys = '';
  const root = () => workspaceRoot().fsPath;
  const config = () => vscode.workspace.getConfiguration('rollbackLens');
  const mine = async (): Promise<AuditEntry[]> => (await readAuditLog(root())).entries.filter((e) => e.record.path === REL);

  before(async () => {
    keys = mkdtempSync(path.join(tmpdir(), 'rl-it-keys-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice', '-f', path.join(keys, 'alice')]);
    const pub = readFileSync(path.join(keys, 'alice.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    mkdirSync(path.join(root(), '.rollback-lens'), { recursive: true });
    writeFileSync(path.join(root(), '.rollback-lens', 'allowed_signers'), `# roles: decisionMaker\nalice@example.com ${pub}\n`);
    uri = await writeFile(REL, TEXT);
  });

  after(async () => {
    await config().update('signingKey', undefined, vscode.ConfigurationTarget.Global);
    rmSync(keys, { recursive: true, force: true });
    rmSync(path.join(root(), '.rollback-lens', 'allowed_signers'), { force: true });
  });

  it('the setting is machine-scoped: it cannot be written to the workspace', async () => {
    const setting = vscode.extensions.getExtension('rollback-lens.rollback-lens')!.packageJSON.contributes.configuration.properties['rollbackLens.signingKey'];
    assert.equal(setting.scope, 'machine');
    await assert.rejects(Promise.resolve(config().update('signingKey', path.join(keys, 'alice'), vscode.ConfigurationTarget.Workspace)));
    assert.equal(existsSync(path.join(root(), '.vscode', 'settings.json')) && readFileSync(path.join(root(), '.vscode', 'settings.json'), 'utf8').includes('signingKey'), false);
  });

  it('without it a sign-off is unsigned; with it the sign-off is signed by the allowed_signers principal and its signature checks good', async () => {
    assert.equal(await vscode.commands.executeCommand('rollbackLens.signOff', uri.toString(), 'dataSteward', 'approve'), `dataSteward signed-off ${REL}`);
    await config().update('signingKey', path.join(keys, 'alice'), vscode.ConfigurationTarget.Global);
    assert.equal(await vscode.commands.executeCommand('rollbackLens.signOff', uri.toString(), 'decisionMaker', 'approve'), `decisionMaker signed-off ${REL}`);
    const entries = await mine();
    assert.deepEqual(entries.map((e) => [e.record.role, (e.record.signature as { signer?: string } | undefined)?.signer]), [['dataSteward', undefined], ['decisionMaker', 'alice@example.com']]);
    const report = await checkSignatures(root(), entries);
    assert.deepEqual(report.findings.map((f) => [f.role, f.status, f.message]), [['dataSteward', 'unsigned', 'unsigned'], ['decisionMaker', 'good', 'signed by alice@example.com']]);
  });

  it('a role the signer does not hold is refused, nothing recorded', async () => {
    await config().update('signingKey', path.join(keys, 'alice'), vscode.ConfigurationTarget.Global);
    const before = (await mine()).length;
    assert.equal(await vscode.commands.executeCommand('rollbackLens.signOff', uri.toString(), 'dataSteward', 'approve'), undefined);
    assert.equal((await mine()).length, before);
  });

  // (in Restricted Mode Roll back… is refused before it gets there: restricted.test.ts)
  if (process.env.ROLLBACK_LENS_TEST_MODE !== 'restricted') {
    it('Roll back… with a key that cannot sign stops before its confirmation: nothing runs, nothing is recorded', async () => {
      await config().update('signingKey', path.join(keys, 'no-such-key'), vscode.ConfigurationTarget.Global);
      const { runbooks } = await vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
      const asked: unknown[] = [];
      const sub = runbooks.onWillConfirmRollback((c) => asked.push(c));
      const iris = vscode.Uri.joinPath(workspaceRoot(), 'iris', 'iris.runbook.yaml');
      const before = (await readAuditLog(root())).entries.length;
      try {
        assert.equal(await vscode.commands.executeCommand('rollbackLens.rollback', iris.toString()), undefined);
      } finally {
        sub.dispose();
      }
      assert.deepEqual(asked, []);
      assert.equal((await readAuditLog(root())).entries.length, before);
    });
  }
});
