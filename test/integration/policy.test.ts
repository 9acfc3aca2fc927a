// RollbackPolicy files in a real VS Code extension host: a *.policy.yaml is
// the rollback-policy language with its own schema diagnostics at exact
// ranges; the nearest policy's violations appear on a runbook at the key they
// concern (code = rule id, the message naming the rule); a waiver with a
// reason turns one into an Information naming the reason; the
// rollbackLens.policy setting picks another policy; editing a policy file
// revalidates the runbooks under it. Ranges come from the text.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { brief, waitForDiagnostics, writeFile } from './util';

const RUNBOOK = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: policy-demo, owner: ml-platform }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.0.0 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
windows: { decide: 10m, restore: 45m }
steps:
  - id: approve
    approve: [decisionMaker]
`;

const POLICY = `apiVersion: rollback-lens/v1
kind: RollbackPolicy
metadata: { name: demo-strict }
windows:
  maxRestore: 30m
`;

const LENIENT = `apiVersion: rollback-lens/v1
kind: RollbackPolicy
metadata: { name: demo-lenient }
windows:
  maxRestore: 2h
`;

function rangeOf(doc: vscode.TextDocument, context: string, needle: string): string {
  const at = doc.getText().indexOf(context);
  assert.ok(at >= 0, context);
  const start = doc.positionAt(at + context.indexOf(needle));
  const end = doc.positionAt(at + context.indexOf(needle) + needle.length);
  return `${start.line}:${start.character}-${end.line}:${end.character}`;
}

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const has = (code: string, severity?: vscode.DiagnosticSeverity) => (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === code && (severity === undefined || d.severity === severity));

describe('policies in VS Code', function () {
  this.timeout(60_000);

  it('a policy diagnostic at the runbook key it concerns; a waiver makes it information; the setting and edits of the policy apply', async () => {
    const policyUri = await writeFile('policy-demo/team.policy.yaml', POLICY);
    await writeFile('policy-demo/lenient/lenient.policy.yaml', LENIENT);
    const uri = await writeFile('policy-demo/demo.runbook.yaml', RUNBOOK);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'rollback-runbook');

    const ds = await waitForDiagnostics(uri, has('max-restore-window'));
    const found = ds.find((d) => codeOf(d) === 'max-restore-window')!;
    assert.equal(brief(found), `${rangeOf(doc, 'restore: 45m', '45m')} max-restore-window`);
    assert.equal(found.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(found.message, '`windows.restore` is 45m; the policy allows at most 30m (policy rule `max-restore-window` of `demo-strict` (policy-demo/team.policy.yaml))');

    // a waiver with a reason: the same finding, as information naming the reason
    await editor.edit((e) => e.insert(doc.positionAt(doc.getText().length), 'waivers:\n  - { rule: max-restore-window, reason: Batch scoring restores overnight. }\n'));
    const waived = (await waitForDiagnostics(uri, has('max-restore-window', vscode.DiagnosticSeverity.Information))).find((d) => codeOf(d) === 'max-restore-window')!;
    assert.equal(brief(waived), `${rangeOf(doc, 'restore: 45m', '45m')} max-restore-window`);
    assert.match(waived.message, /^waived policy rule `max-restore-window` of `demo-strict` .*; reason: Batch scoring restores overnight\.$/);
    await vscode.commands.executeCommand('undo');
    await waitForDiagnostics(uri, has('max-restore-window', vscode.DiagnosticSeverity.Error));

    // the setting names another policy: its rules apply instead
    const config = vscode.workspace.getConfiguration('rollbackLens');
    await config.update('policy', 'policy-demo/lenient/lenient.policy.yaml', vscode.ConfigurationTarget.Workspace);
    try {
      await waitForDiagnostics(uri, (d) => !has('max-restore-window')(d));
    } finally {
      await config.update('policy', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitForDiagnostics(uri, has('max-restore-window'));

    // the policy file: its own language, a schema error at its exact range; a policy with errors applies no rule
    const policyDoc = await vscode.workspace.openTextDocument(policyUri);
    const policyEditor = await vscode.window.showTextDocument(policyDoc);
    assert.equal(policyDoc.languageId, 'rollback-policy');
    await policyEditor.edit((e) => e.replace(new vscode.Range(policyDoc.positionAt(POLICY.indexOf('30m')), policyDoc.positionAt(POLICY.indexOf('30m') + 3)), '30 min'));
    await policyDoc.save();
    const own = (await waitForDiagnostics(policyUri, has('invalid-duration'))).find((d) => codeOf(d) === 'invalid-duration')!;
    assert.equal(brief(own).split(' ')[0]!.split('-')[0], rangeOf(policyDoc, 'maxRestore: 30 min', '30 min').split('-')[0]);
    await waitForDiagnostics(uri, has('policy-invalid'));
  });
});
