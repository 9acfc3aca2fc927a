// An approval gate asked in the editor (a drill's gate the scenario leaves
// open, every gate of a rollback): a quick pick naming the role with its name
// and contact, Approve first; dismissing it is a rejection.
import * as vscode from 'vscode';
import { roleText } from '../core/runbook/rollback';

export async function askGate(o: { title: string; who: string; approves: string; rejects: string }): Promise<boolean> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: '$(check) Approve', description: o.approves, approve: true },
      { label: '$(x) Reject', description: o.rejects, approve: false },
    ],
    { title: o.title, placeHolder: `Does ${o.who} approve the rollback?`, ignoreFocusOut: true },
  );
  return pick?.approve === true;
}

/** A drill's gate that its scenario leaves open. */
export function askDrillGate(scenario: string, role: string, r: { role: string; name?: string; contact?: string }, step: string): Promise<boolean> {
  const who = roleText({ ...r, role });
  return askGate({ title: `Drill ${scenario}: step ${step} needs the approval of ${role}`, who, approves: `${who} approves the rollback`, rejects: `${who} rejects it: the drill undoes what ran` });
}
