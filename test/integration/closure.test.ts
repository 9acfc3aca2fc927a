// A rollback's closure in the editor, from the lenses on the `closure` key of
// a runbook of its own (its closure.verify runs the iris contract's
// input-edge-cases test, which needs no model): no rollback, then a rollback
// record appended with the audit API (the rollback command is another
// item's), then each step from its lens's command, the lens titles exact
// after each. In Restricted Mode (the same file, run by the --restricted
// suite) Verify is locked and runs nothing; Confirm and Close only write the
// audit log, as Sign off does.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RollbackLensApi } from '../../src/extension/extension';
import { appendAuditRecord, type AuditRecord } from '../../src/node/audit';
import { EXTENSION_ID, workspaceRoot, writeFile } from './util';

const REL = 'closure-it/closure.runbook.yaml';
const TEXT = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: closure-it, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
steps:
  - id: approve
    approve: [decisionMaker]
closure:
  verify:
    - { contract: ../iris/iris.contract.yaml, test: input-edge-cases }
  checklist:
    - outputs within tolerance
    - incident ticket updated
  signOff: [decisionMaker]
`;

function auditRecords(): AuditRecord[] {
  const file = vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/audit.jsonl').fsPath;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord)
    .filter((r) => r.path === REL);
}

/** A schema-only test's counts: it reads no rows. */
const ZERO = { inputRows: 0, baselineRows: 0, currentRows: 0, matched: 0, missing: 0, extra: 0, duplicateBaseline: 0, duplicateCurrent: 0, invalidInputs: 0, invalidBaseline: 0, invalidCurrent: 0 };

const OURS = new Set(['rollbackLens.verifyClosure', 'rollbackLens.confirmChecklistItem', 'rollbackLens.closeRollback', 'rollbackLens.explainRestrictedClosure']);

describe('closure in VS Code', function () {
  this.timeout(120_000);
  let uri: vscode.Uri;
  let line: number;

  /** The closure lenses (this provider's: the status and its actions), as `line: title`. */
  async function closureLenses(): Promise<string[]> {
    const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    return ls.filter((l) => l.command && (OURS.has(l.command.command) || l.command.title.startsWith('$(checklist) closure:'))).map((l) => `${l.range.start.line}: ${l.command!.title}`);
  }
  const at = (...titles: string[]) => titles.map((t) => `${line}: ${t}`);

  before(async () => {
    uri = await writeFile(REL, TEXT);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    line = TEXT.split('\n').indexOf('closure:');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('without a rollback record: only the status, saying there is no rollback to close', async () => {
    assert.deepEqual(await closureLenses(), at('$(checklist) closure: no rollback to close'));
  });

  if (process.env.ROLLBACK_LENS_TEST_MODE === 'restricted') {
    it('in Restricted Mode: Verify is locked and runs nothing; Confirm and Close write the audit log only', async () => {
      const api = await vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
      await appendAuditRecord(workspaceRoot().fsPath, { kind: 'rollback', path: REL, verdict: 'pass' });
      assert.deepEqual(
        await closureLenses(),
        at('$(checklist) closure: open — 0/2 checklist, signed 0/1', '$(lock) Verify — needs a trusted workspace', '$(tasklist) Confirm checklist item…', '$(pass-filled) Close'),
      );
      assert.equal(await api.closures.verify(uri), undefined);
      assert.equal(await vscode.commands.executeCommand('rollbackLens.confirmChecklistItem', uri.toString(), 2), 'confirmed checklist item 2: incident ticket updated');
      assert.deepEqual(auditRecords().map((r) => r.kind), ['rollback', 'checklist'], 'verify recorded nothing');
      assert.deepEqual(await closureLenses(), at('$(checklist) closure: open — 1/2 checklist, signed 0/1', '$(lock) Verify — needs a trusted workspace', '$(tasklist) Confirm checklist item…', '$(pass-filled) Close'));
    });
    return;
  }

  it('open -> verified -> signed -> closed from the lenses, the status exact after each step; Close refused naming what is missing', async () => {
    const rb = await appendAuditRecord(workspaceRoot().fsPath, { kind: 'rollback', path: REL, verdict: 'pass' });
    const actions = ['$(beaker) Verify', '$(tasklist) Confirm checklist item…', '$(pass-filled) Close'];
    assert.deepEqual(await closureLenses(), at('$(checklist) closure: open — 0/2 checklist, signed 0/1', ...actions));

    const run = async (title: string, ...extra: unknown[]) => {
      const lens = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)).find((l) => l.command?.title === title);
      assert.ok(lens, `no lens ${title}`);
      return vscode.commands.executeCommand<string>(lens.command!.command, ...lens.command!.arguments!, ...extra);
    };
    assert.equal(await run('$(beaker) Verify'), 'pass');
    const verify = auditRecords().at(-1)!;
    assert.deepEqual([verify.kind, verify.verdict, verify.tests], ['closure-verify', 'pass', [{ contract: '../iris/iris.contract.yaml', test: 'input-edge-cases', verdict: 'pass', rows: 0, rules: 6, failed: 0, counts: ZERO }]]);
    assert.deepEqual(await closureLenses(), at('$(checklist) closure: verified — 0/2 checklist, signed 0/1', ...actions));

    assert.equal(await run('$(tasklist) Confirm checklist item…', 1), 'confirmed checklist item 1: outputs within tolerance');
    assert.deepEqual(await closureLenses(), at('$(checklist) closure: verified — 1/2 checklist, signed 0/1', ...actions));

    assert.equal(await run('$(pass-filled) Close'), `cannot close the rollback of ${REL} (recorded ${rb.time}); still missing: checklist item 2: incident ticket updated; sign-off of decisionMaker`);
    assert.equal(auditRecords().filter((r) => r.kind === 'close').length, 0);

    assert.equal(await run('$(tasklist) Confirm checklist item…', 'incident ticket updated'), 'confirmed checklist item 2: incident ticket updated');
    assert.equal(await vscode.commands.executeCommand('rollbackLens.signOff', uri.toString(), 'decisionMaker', 'approve'), `decisionMaker signed-off ${REL}`);
    assert.deepEqual(await closureLenses(), at('$(checklist) closure: signed — 2/2 checklist, signed 1/1', '$(beaker) Verify', '$(pass-filled) Close'));

    assert.equal(await run('$(pass-filled) Close'), `closed the rollback of ${REL}`);
    const close = auditRecords().at(-1)!;
    assert.deepEqual([close.kind, close.verdict], ['close', 'closed']);
    assert.deepEqual(await closureLenses(), at(`$(checklist) closure: closed (${close.user}, ${close.time.slice(0, 10)})`));
  });
});
