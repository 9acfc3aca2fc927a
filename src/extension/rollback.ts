// The editor's side of a rollback for real (the Roll back… lens of
// runbooks.ts, which is the host: its document, run, progress and audit
// plumbing): the modal confirmation naming the release pair and the
// approvals it needs (core/runbook/rollback.ts words it), each approval gate
// asked in a quick pick naming the role, its name and contact (recorded by
// person, with the OS user who picked), the rollback itself
// (src/node/runbook/rollback.ts: refused when the dry-run says NOT READY, its
// findings then shown as diagnostics; the dry-run also runs before the
// confirmation, so a rollback it would refuse asks nothing), and its report
// (`.rollback-lens/reports/<folder>/<runbook> rollback.md`, beside the
// dry-run's and drills'), shown beside the runbook. With the user's
// rollbackLens.signingKey set, a key that cannot sign stops it before the
// confirmation (signing.ts); the approvals are signed when recorded.
import { userInfo } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { roleText, rollbackConfirmation, rollbackTypedConfirmation, rollbackMarkdown, type RollbackPlan, type RollbackReport } from '../core/runbook/rollback';
import type { DrillProgress, Finding, GateReply } from '../core/runbook/report';
import { commandLogLine } from '../core/runbook/render';
import type { AuditInput } from '../node/audit';
import { dryRun } from '../node/runbook/dryrun';
import { rollback, RollbackRefused, rollbackPlan, rollbackRecords } from '../node/runbook/rollback';
import type { CommandLog } from '../node/runbook/shell';
import { askGate } from './approvals';
import { reportFile, writeReport } from './reportFile';
import { formatsSetting, workspaceOf } from './runOptions';
import { editorSigner } from './signing';

/** What the rollback needs of the runbooks' controller (runbooks.ts), whose state `S` it stores the report in. */
export interface RollbackHost<S extends { rollback?: unknown; latest?: unknown }> {
  readonly log: vscode.LogOutputChannel;
  readonly confirming: { fire(c: { message: string; detail: string }): void };
  readonly asking: { fire(e: { role: string; step: string }): void };
  readonly finished: { fire(e: { uri: string; kind: 'rollback'; rollback: RollbackReport }): void };
  runbookDocument(uri: vscode.Uri | string | undefined, needs: { trust: boolean; idle: boolean }): Promise<vscode.TextDocument | undefined>;
  running<T>(uri: vscode.Uri, what: string, title: string, extra: vscode.CancellationToken | undefined, f: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
  stateOf(uri: vscode.Uri): S;
  follow(s: S): { onProgress: (e: DrillProgress) => void; stop: () => void };
  showFindings(doc: vscode.TextDocument, findings: Finding[]): void;
  record(workspace: string, records: AuditInput[]): Promise<void>;
}

/** The Roll back… command: confirmed, then performed with its steps followed; undefined when not confirmed, refused or it could not start. */
export async function runRollback<S extends { rollback?: unknown; latest?: unknown }>(host: RollbackHost<S>, uriArg: vscode.Uri | string | undefined, token?: vscode.CancellationToken): Promise<RollbackReport | undefined> {
  const doc = await host.runbookDocument(uriArg, { trust: true, idle: true });
  if (!doc) return undefined;
  const rel = vscode.workspace.asRelativePath(doc.uri);
  let plan: RollbackPlan;
  try {
    // a signing key set (rollbackLens.signingKey) that cannot sign stops here, before anything is asked or runs
    await editorSigner(workspaceOf(doc.uri)).catch((e: Error) => {
      throw new Error(`cannot sign this rollback's approvals (rollbackLens.signingKey): ${e.message}`);
    });
    plan = await rollbackPlan(doc.uri.fsPath);
    // the dry-run first, as the CLI: a rollback it would refuse is refused before anything is asked
    // (rollback() runs it again once confirmed: the runbook may change while the confirmation is open)
    const dry = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rollback Lens: dry-run of ${rel} before the rollback`, cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return dryRun(doc.uri.fsPath, { workspace: workspaceOf(doc.uri), signal: controller.signal, ...formatsSetting() });
    });
    if (dry.verdict !== 'ready') {
      const refused = new RollbackRefused(dry, dry.findings.filter((f) => f.severity === 'error'));
      host.showFindings(doc, dry.findings);
      host.log.info(`rollback of ${rel}: refused before its confirmation: ${refused.message}`);
      void vscode.window.showErrorMessage(`Rollback Lens: rollback of ${rel} refused: the dry-run says NOT READY (${refused.blocking.length} blocking finding${refused.blocking.length === 1 ? '' : 's'}, shown in the runbook); nothing was asked or run.`);
      return undefined;
    }
  } catch (e) {
    void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
    return undefined;
  }
  let unshown: string | undefined;
  if (!(await confirmRollback(plan, rel, (c) => host.confirming.fire(c), (m) => (unshown = m)))) {
    host.log.info(`rollback of ${rel}: not confirmed${unshown ? ` (the confirmation could not be shown: ${unshown})` : ''}, nothing ran`);
    return undefined;
  }
  const s = host.stateOf(doc.uri);
  const workspace = workspaceOf(doc.uri);
  return host.running(doc.uri, 'rollback', `Rollback Lens: rolling back ${plan.current} → ${plan.target} (${rel})`, token, async (signal) => {
    const { onProgress, stop } = host.follow(s);
    let report: RollbackReport;
    try {
      const onCommand = (step: string, c: CommandLog) => host.log.info(`rollback of ${rel}: ${commandLogLine(step, c)}`);
      const ask = (role: string, step: string) => (host.asking.fire({ role, step }), askRollbackApproval(plan, role, step));
      report = await rollback(doc.uri.fsPath, { workspace, signal, onProgress, onCommand, ask, ...formatsSetting() });
    } catch (e) {
      // refused: the dry-run's findings where they are, as after a dry-run
      if (e instanceof RollbackRefused) host.showFindings(doc, e.dryRun.findings);
      throw e;
    } finally {
      stop();
    }
    host.log.info(`rollback of ${rel}: ${report.verdict}, ${report.outcome}${report.reason ? ` — ${report.reason}` : ''}`);
    await host.record(workspace, rollbackRecords(doc.uri.fsPath, report));
    const file = rollbackReportFile(doc.uri);
    const failed = await writeReport(file, rollbackMarkdown({ ...report, runbook: rel }));
    if (failed === undefined) void vscode.commands.executeCommand('markdown.showPreviewToSide', file);
    else host.log.warn(`could not write the report ${file.fsPath}: ${failed}`);
    // the lens tells the verdict once its report is there to open
    Object.assign(s, { rollback: { report, version: doc.version, at: Date.now() }, latest: { kind: 'rollback' } });
    host.finished.fire({ uri: doc.uri.toString(), kind: 'rollback', rollback: report });
    const say = report.verdict === 'pass' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void say(`Rollback Lens: rollback of ${rel}: ${report.verdict === 'pass' ? `restored and verified (${plan.target})` : report.verdict === 'cancelled' ? 'cancelled' : `failed (${report.outcome})`}${report.reason ? ` — ${report.reason}` : ''}`);
    return report;
  });
}

/** The button of the modal confirmation that starts the rollback. */
export const ROLL_BACK = 'Roll back';

/**
 * Asks, modally, whether to roll back for real, then for the target version
 * typed; true only when the person pressed Roll back and typed it. A confirmation that cannot be shown (a workbench that
 * refuses dialogs, as under test) is no confirmation: `onError` hears why.
 */
export async function confirmRollback(plan: RollbackPlan, runbook: string, before?: (c: { message: string; detail: string }) => void, onError?: (message: string) => void): Promise<boolean> {
  const c = rollbackConfirmation(plan, runbook);
  before?.(c);
  try {
    if ((await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, ROLL_BACK)) !== ROLL_BACK) return false;
    const t = rollbackTypedConfirmation(plan);
    const typed = await vscode.window.showInputBox({ title: t.title, prompt: t.prompt, placeHolder: t.version, ignoreFocusOut: true, validateInput: (v) => (v.trim() === t.version ? undefined : t.wrong) });
    return typed?.trim() === t.version;
  } catch (e) {
    onError?.((e as Error).message);
    return false;
  }
}

/** A gate's role asked in a quick pick; dismissing it is a rejection. */
export async function askRollbackApproval(plan: RollbackPlan, role: string, step: string): Promise<GateReply> {
  const who = roleText(plan.gates.flatMap((g) => g.roles).find((x) => x.role === role) ?? { role });
  const approve = await askGate({ title: `Rollback: step ${step} needs the approval of ${who}`, who, approves: `${who} approves rolling back ${plan.current} → ${plan.target}`, rejects: `${who} rejects it: the completed steps are undone` });
  return { approve, by: 'person', name: userInfo().username };
}

/** Where the last rollback's report of a runbook is written. */
export function rollbackReportFile(uri: vscode.Uri): vscode.Uri {
  const dryRun = reportFile(uri).fsPath;
  return vscode.Uri.file(path.join(path.dirname(dryRun), path.basename(dryRun).replace(/ dry-run\.md$/, ' rollback.md')));
}
