// The editor's side of a rollback for real (the Roll back… lens of
// runbooks.ts): the modal confirmation naming the release pair and the
// approvals it needs (core/runbook/rollback.ts words it), each approval gate
// asked in a quick pick naming the role, its name and contact (recorded by
// person, with the OS user who picked), and where the report goes
// (`.rollback-lens/reports/<folder>/<runbook> rollback.md`, beside the
// dry-run's and drills').
import { userInfo } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { roleText, rollbackConfirmation, type RollbackPlan } from '../core/runbook/rollback';
import type { GateReply } from '../core/runbook/report';
import { reportFile } from './reportFile';

/** The button of the modal confirmation that starts the rollback. */
export const ROLL_BACK = 'Roll back';

/**
 * Asks, modally, whether to roll back for real; true only when the person
 * pressed Roll back. A confirmation that cannot be shown (a workbench that
 * refuses dialogs, as under test) is no confirmation: `onError` hears why.
 */
export async function confirmRollback(plan: RollbackPlan, runbook: string, before?: (c: { message: string; detail: string }) => void, onError?: (message: string) => void): Promise<boolean> {
  const c = rollbackConfirmation(plan, runbook);
  before?.(c);
  try {
    return (await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, ROLL_BACK)) === ROLL_BACK;
  } catch (e) {
    onError?.((e as Error).message);
    return false;
  }
}

/** A gate's role asked in a quick pick; dismissing it is a rejection. */
export async function askRollbackApproval(plan: RollbackPlan, role: string, step: string): Promise<GateReply> {
  const r = plan.gates.flatMap((g) => g.roles).find((x) => x.role === role) ?? { role };
  const who = roleText(r);
  const pick = await vscode.window.showQuickPick(
    [
      { label: '$(check) Approve', description: `${who} approves rolling back ${plan.current} → ${plan.target}`, approve: true },
      { label: '$(x) Reject', description: `${who} rejects it: the completed steps are undone`, approve: false },
    ],
    { title: `Rollback: step ${step} needs the approval of ${who}`, placeHolder: `Does ${who} approve the rollback?`, ignoreFocusOut: true },
  );
  return { approve: pick?.approve === true, by: 'person', name: userInfo().username };
}

/** Where the last rollback's report of a runbook is written. */
export function rollbackReportFile(uri: vscode.Uri): vscode.Uri {
  const dryRun = reportFile(uri).fsPath;
  return vscode.Uri.file(path.join(path.dirname(dryRun), path.basename(dryRun).replace(/ dry-run\.md$/, ' rollback.md')));
}
