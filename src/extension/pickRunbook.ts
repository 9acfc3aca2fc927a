// The runbook a runbook command acts on when it is run from the palette or
// the walkthrough with no runbook given. The walkthrough keeps the focus, so
// the active editor alone is not enough: the one visible runbook editor
// counts too, then the workspace's only runbook, then the person picks one
// (or is offered New Runbook when there is none).
import * as vscode from 'vscode';

/**
 * The runbook a command from the palette or the walkthrough (no argument) acts on: the active
 * editor's, else the one visible runbook editor (the walkthrough beside it has the focus), else
 * the workspace's only runbook, else the one picked from the workspace's runbooks.
 */
export async function pickRunbook(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'rollback-runbook') return active.uri;
  const visible = [...new Set(vscode.window.visibleTextEditors.filter((e) => e.document.languageId === 'rollback-runbook').map((e) => e.document.uri.toString()))];
  if (visible.length === 1) return vscode.Uri.parse(visible[0]!);
  const files = (await vscode.workspace.findFiles('**/*.runbook.{yaml,yml}', '**/{node_modules,.git,.vscode-test}/**')).sort((a, b) => a.path.localeCompare(b.path));
  if (files.length === 0) {
    void vscode.window.showInformationMessage('Rollback Lens: no runbook in this workspace yet: create one with Rollback Lens: New Runbook', 'New Runbook').then((a) => a && vscode.commands.executeCommand('rollbackLens.newRunbook'));
    return undefined;
  }
  if (files.length === 1) return files[0];
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })),
    { title: 'Which runbook?', placeHolder: 'The runbook to act on' },
  );
  return pick?.uri;
}
