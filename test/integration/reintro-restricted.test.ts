// Restricted Mode: the reintroduction's lens only explains why it cannot run,
// and the command refuses without touching the flag file.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, sleep, workspaceRoot } from './util';

describe('the Reintroduce… lens in Restricted Mode', function () {
  this.timeout(60_000);

  it('is never enabled: a lock lens that explains, and the command changes nothing', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const line = readFileSync(uri.fsPath, 'utf8').split('\n').indexOf('reintroduction:');
    let titles: string[] = [];
    for (let i = 0; i < 50; i++) {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const mine = ls.filter((l) => l.range.start.line === line);
      titles = mine.map((l) => `${l.command?.title} → ${l.command?.command}`);
      if (titles.length) break;
      await sleep(100);
    }
    assert.deepEqual(titles, ['$(lock) Reintroduce — needs a trusted workspace → rollbackLens.explainRestrictedRunbook']);
    const flags = vscode.Uri.joinPath(workspaceRoot(), 'iris/flags.flagd.json').fsPath;
    const before = readFileSync(flags);
    const report = await vscode.commands.executeCommand('rollbackLens.reintroduce', uri.toString(), { confirmed: true, scenario: 'reintro-latency' });
    assert.equal(report, undefined);
    assert.ok(readFileSync(flags).equals(before));
  });
});
