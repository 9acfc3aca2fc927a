// The audit log in PostgreSQL from the editor (src/node/audit/store.ts, the
// setting rollbackLens.auditUrl): a real server started for the suite
// (test/support/postgres.ts). A workspace's own settings cannot redirect its
// audit log (the dry-run's record stays in the file); the user's setting sends
// the next dry-run's record to the database (and nothing to the file), in the
// same bytes the CLI reads back; cleared, the file log is used again.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { DryRunReport } from '../../src/core/runbook/report';
import { openAuditStore } from '../../src/node/audit';
import { startPostgres, type PgServer } from '../support/postgres';
import { sleep, workspaceRoot } from './util';

const RUNBOOK = 'iris/iris.runbook.yaml';

function fileLines(): string[] {
  const file = vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/audit.jsonl').fsPath;
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

async function dryRun(): Promise<DryRunReport> {
  return vscode.commands.executeCommand<DryRunReport>('rollbackLens.dryRun', vscode.Uri.joinPath(workspaceRoot(), RUNBOOK).toString());
}

describe('audit log in PostgreSQL from the editor', function () {
  this.timeout(120_000);
  let pg: PgServer;
  let url: string;
  const settingsFile = () => vscode.Uri.joinPath(workspaceRoot(), '.vscode/settings.json').fsPath;
  const config = () => vscode.workspace.getConfiguration('rollbackLens');

  before(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('editor');
  });
  after(async () => {
    await config().update('auditUrl', undefined, vscode.ConfigurationTarget.Global);
    rmSync(settingsFile(), { force: true });
    await pg?.stop();
  });

  it("ignores a workspace's own rollbackLens.auditUrl: the dry-run is recorded in the file", async () => {
    mkdirSync(vscode.Uri.joinPath(workspaceRoot(), '.vscode').fsPath, { recursive: true });
    writeFileSync(settingsFile(), JSON.stringify({ 'rollbackLens.auditUrl': url, 'rollbackLens.validationDelay': 300 }));
    // VS Code reads the file (another setting there shows it), and leaves a machine-scoped one out of the workspace's values
    for (let i = 0; i < 50 && config().inspect<number>('validationDelay')?.workspaceValue !== 300; i++) await sleep(100);
    assert.equal(config().inspect<number>('validationDelay')?.workspaceValue, 300, 'VS Code read the workspace settings');
    assert.equal(config().inspect<string>('auditUrl')?.workspaceValue, undefined);
    const before = fileLines().length;
    assert.equal((await dryRun()).verdict, 'ready');
    assert.equal(fileLines().length, before + 1);
    assert.deepEqual(await pg.query("SELECT to_regclass('rollback_lens_audit_record') IS NULL AS none", [], 'editor'), [{ none: true }], 'nothing reached the database');
    rmSync(settingsFile(), { force: true });
  });

  it("records the next dry-run in the database when the user's setting names it, then in the file again once cleared", async () => {
    const before = fileLines();
    await config().update('auditUrl', url, vscode.ConfigurationTarget.Global);
    await sleep(500); // the extension's configuration listener
    assert.equal((await dryRun()).verdict, 'ready');
    assert.deepEqual(fileLines(), before, 'nothing was appended to the file');
    const root = workspaceRoot().fsPath;
    const store = await openAuditStore({ workspaceRoot: root, url });
    const log = await store.read();
    await store.close();
    assert.deepEqual(
      log.entries.map((e) => [e.line, e.record.kind, e.record.path, e.record.verdict]),
      [[1, 'dry-run', RUNBOOK, 'ready']],
    );
    assert.deepEqual(log.problems, []);

    await config().update('auditUrl', undefined, vscode.ConfigurationTarget.Global);
    await sleep(500);
    assert.equal((await dryRun()).verdict, 'ready');
    assert.equal(fileLines().length, before.length + 1);
    assert.deepEqual(await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM rollback_lens_audit_record', [], 'editor'), [{ n: 1 }]);
  });
});
