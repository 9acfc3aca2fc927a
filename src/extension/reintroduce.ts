// The staged reintroduction in the editor: a **Reintroduce…** CodeLens on a
// runbook's `reintroduction` key (trusted workspaces only: in Restricted Mode
// the lens only explains why), a modal confirmation that names the release
// coming back and every stage (percent, hold, approvals), then the walk of
// src/node/runbook/reintroduce.ts with a cancellable notification that tells
// each stage as it goes, approvals asked in a quick pick naming role and
// contact, the `reintroduction` audit record, and the report as a Markdown
// file under .rollback-lens/reports/ opened beside the runbook. While it runs
// the lens says which stage and offers Cancel (the flag goes back to the
// previous stage's split); afterwards it shows the verdict and opens the report.
// A drill scenario that rehearses the reintroduction (its faults all under
// `inject.reintroduction`) gets a **Rehearse reintroduction** lens here
// instead of runbooks.ts's Run drill (the drill would refuse it).
// `confirmed` and `approvals` of the command are for automation (tests, other
// extensions): the first skips the modal, the second answers gates (recorded
// as by flag, with the name given).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reintroductionMarkdown } from '../core/runbook/stagesMarkdown';
import type { ReintroductionReport } from '../core/runbook/stages';
import type { DocumentSymbol } from '../core/types';
import type { LanguageClient } from '../node/language/client';
import { docRef } from './documents';
import { currentUser } from '../node/audit';
import { appendAll } from '../node/contract/records';
import { loadDocument } from '../node/documents';
import { planReintroduction, reintroduce, reintroductionRecord, type ReintroductionProgress } from '../node/runbook/reintroduce';
import { LensEvents } from './lensEvents';
import { writeReport } from './reportFile';

const UNTRUSTED = 'A reintroduction changes traffic (it edits the flag file) and runs the checks of the runbook, so it needs a trusted workspace (Restricted Mode is on).';
const GO = 'Reintroduce';

export interface ReintroduceArgs {
  /** Skip the modal confirmation (automation; the Playwright check clicks the real one). */
  confirmed?: boolean;
  /** Answers for approval gates, role → who: recorded as by flag. */
  approvals?: Record<string, string>;
  /** Rehearse a drill scenario instead (holds not waited, its breach injected). */
  scenario?: string;
}

export class Reintroductions implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly lensChanged = new LensEvents('rollback-runbook');
  private readonly running = new Map<string, { stage: string; cancel: () => void }>();
  private readonly last = new Map<string, ReintroductionReport>();
  private readonly finished = new vscode.EventEmitter<{ uri: string; report?: ReintroductionReport; error?: string }>();
  /** Fires after every reintroduction started from here. */
  readonly onDidFinish = this.finished.event;
  private readonly progressed = new vscode.EventEmitter<{ uri: string; event: ReintroductionProgress }>();
  /** Fires with each stage's progress (what the notification says). */
  readonly onDidProgress = this.progressed.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.lensChanged,
      this.finished,
      this.progressed,
      vscode.languages.registerCodeLensProvider({ language: 'rollback-runbook' }, { provideCodeLenses: (doc, token) => this.lenses(doc, token), onDidChangeCodeLenses: this.lensChanged.event }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.lensChanged.fire()),
      vscode.commands.registerCommand('rollbackLens.reintroduce', (uri?: vscode.Uri | string, args?: ReintroduceArgs) => this.reintroduce(uri, args)),
      vscode.commands.registerCommand('rollbackLens.cancelReintroduction', (uri: vscode.Uri | string) => this.running.get(String(uri))?.cancel()),
      vscode.commands.registerCommand('rollbackLens.showReintroductionReport', (uri: vscode.Uri | string) => this.showReport(toUri(uri)!)),
    );
  }

  /** The last report of a runbook's reintroduction from here (for tests). */
  lastReport(uri: vscode.Uri): ReintroductionReport | undefined {
    return this.last.get(uri.toString());
  }

  private async lenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const answered = this.lensChanged.asking(doc);
    const out = await this.computeLenses(doc);
    if (!token.isCancellationRequested) answered();
    return out;
  }

  private async computeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    // the outline comes from the language worker (the extension host does not parse)
    const symbols = await this.client.request('symbols', docRef(doc), {}).catch((e: Error) => (this.log.warn(`reintroduction lens: ${e.message}`), [] as DocumentSymbol[]));
    const section = symbols.find((x) => x.kind === 'section' && x.name === 'reintroduction');
    if (!section) return [];
    const p = doc.positionAt(section.span.start);
    const range = new vscode.Range(p, p);
    const uri = doc.uri.toString();
    const trusted = vscode.workspace.isTrusted;
    // the drill scenarios that rehearse the reintroduction (the outline marks them): their lens runs it as a drill
    const scenarios = symbols.find((x) => x.kind === 'section' && x.name === 'drills')?.children.filter((x) => x.kind === 'scenario' && x.detail === 'reintroduction') ?? [];
    const rehearsals = scenarios.map(({ name: id, span }) => {
      const at = doc.positionAt(span.start);
      const r = new vscode.Range(at, at);
      return trusted
        ? new vscode.CodeLens(r, { title: '$(beaker) Rehearse reintroduction', command: 'rollbackLens.reintroduce', arguments: [uri, { scenario: id }], tooltip: `Walk the stages with ${id}'s breach injected, holds not waited; the flag file is put back afterwards` })
        : new vscode.CodeLens(r, { title: '$(lock) Rehearse reintroduction — needs a trusted workspace', command: 'rollbackLens.explainRestrictedRunbook', tooltip: UNTRUSTED });
    });
    if (!trusted) return [new vscode.CodeLens(range, { title: '$(lock) Reintroduce — needs a trusted workspace', command: 'rollbackLens.explainRestrictedRunbook', tooltip: UNTRUSTED }), ...rehearsals];
    const out: vscode.CodeLens[] = [...rehearsals];
    const run = this.running.get(uri);
    if (run) {
      out.push(new vscode.CodeLens(range, { title: `$(sync~spin) reintroduction: ${run.stage}`, command: '' }));
      out.push(new vscode.CodeLens(range, { title: '$(debug-stop) Cancel', command: 'rollbackLens.cancelReintroduction', arguments: [uri], tooltip: "Stop: the flag goes back to the previous stage's split" }));
    } else out.push(new vscode.CodeLens(range, { title: '$(rocket) Reintroduce…', command: 'rollbackLens.reintroduce', arguments: [uri], tooltip: 'Bring the rolled-back release back stage by stage (asks first)' }));
    const last = this.last.get(uri);
    if (last) out.push(new vscode.CodeLens(range, { title: `${last.verdict === 'pass' ? '$(pass)' : last.verdict === 'cancelled' ? '$(circle-slash)' : '$(error)'} reintroduction: ${last.outcome}`, command: 'rollbackLens.showReintroductionReport', arguments: [uri] }));
    return out;
  }

  async reintroduce(uriArg?: vscode.Uri | string, args: ReintroduceArgs = {}): Promise<ReintroductionReport | undefined> {
    const uri = toUri(uriArg) ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri) return undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(UNTRUSTED);
      return undefined;
    }
    if (this.running.has(uri.toString())) {
      void vscode.window.showInformationMessage(`Rollback Lens: a reintroduction of ${vscode.workspace.asRelativePath(uri)} is still running`);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty && !(await doc.save())) return undefined;
    const workspace = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
    const rel = vscode.workspace.asRelativePath(uri);
    let roles: Record<string, unknown> = {};
    try {
      const { dir, value } = await loadDocument(uri.fsPath, 'RollbackRunbook', { workspace });
      roles = (value.roles as Record<string, unknown>) ?? {};
      const plan = await planReintroduction(value, dir, workspace);
      if (!plan) {
        void vscode.window.showWarningMessage(`Rollback Lens: ${rel} has no reintroduction`);
        return undefined;
      }
      if (!args.confirmed) {
        const current = (value.release as { current?: { model?: string; version?: string } } | undefined)?.current;
        const what = `${current?.model ?? 'the current release'}${current?.version ? ` ${current.version}` : ''}`;
        const detail = [
          args.scenario ? `Drill ${args.scenario}: holds are not waited and the flag file is put back afterwards.` : `This edits ${plan.flag?.file ?? 'the flag file'} for real and waits each hold.`,
          ...plan.stages.map((s) => `Stage ${s.stage}: ${s.percent}%${s.hold ? ` for ${s.hold}` : ''}${s.approve.length ? `; approval of ${s.approve.join(', ')}` : ''}`),
          plan.abortOn.length ? `A breach of ${plan.abortOn.join(', ')} puts traffic back to the previous stage.` : '',
          ...(plan.problem ? [`Cannot reintroduce: ${plan.problem}`] : []),
        ]
          .filter(Boolean)
          .join('\n');
        const answer = await vscode.window.showWarningMessage(`Reintroduce ${what} in ${plan.stages.length} stages?`, { modal: true, detail }, GO);
        if (answer !== GO) return undefined;
        // traffic moves for real: one Enter (the modal's default button) is not enough, the release is typed
        const version = current?.version;
        if (!args.scenario && version) {
          const typed = await vscode.window.showInputBox({
            title: `Reintroduce ${what}`,
            prompt: `Type ${version}, the release to bring back, to start moving traffic for real; Escape changes nothing.`,
            placeHolder: version,
            ignoreFocusOut: true,
            validateInput: (v) => (v.trim() === version ? undefined : `type ${version} to start the reintroduction, or press Escape to change nothing`),
          });
          if (typed?.trim() !== version) return undefined;
        }
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
      return undefined;
    }
    const controller = new AbortController();
    this.running.set(uri.toString(), { stage: 'starting', cancel: () => controller.abort() });
    this.lensChanged.fire();
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rollback Lens: reintroduction of ${rel}`, cancellable: true }, async (progress, token) => {
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const report = await reintroduce(uri.fsPath, {
            workspace,
            signal: controller.signal,
            ...(args.scenario ? { scenario: args.scenario } : {}),
            ...(args.approvals ? { approvals: args.approvals } : {}),
            person: currentUser(),
            ask: (role, stage, percent) => this.ask(role, stage, percent, roles),
            onProgress: (event) => {
              const line = progressText(event);
              this.log.info(`reintroduction of ${rel}: ${line}`);
              if (event.kind === 'stage') {
                this.running.set(uri.toString(), { stage: `stage ${event.stage}/${event.of} (${event.percent}%)`, cancel: () => controller.abort() });
                this.lensChanged.fire();
              }
              progress.report({ message: line });
              this.progressed.fire({ uri: uri.toString(), event });
            },
          });
          this.last.set(uri.toString(), report);
          await appendAll(workspace, [reintroductionRecord(uri.fsPath, report)]).catch((e: Error) => this.log.warn(`could not record the reintroduction in the audit log: ${e.message}`));
          await this.writeReport(uri, reintroductionMarkdown({ ...report, runbook: rel }));
          this.log.info(`reintroduction of ${rel}: ${report.verdict} (${report.outcome})${report.reason ? ` — ${report.reason}` : ''}`);
          this.finished.fire({ uri: uri.toString(), report });
          void this.showReport(uri);
          const say = report.verdict === 'fail' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
          void say(`Rollback Lens: reintroduction ${report.verdict} (${report.outcome})${report.reason ? ` — ${report.reason}` : ''}`);
          return report;
        } catch (e) {
          const message = (e as Error).message;
          this.log.error(`reintroduction of ${rel}: ${message}`);
          void vscode.window.showErrorMessage(`Rollback Lens: reintroduction: ${message}`);
          this.finished.fire({ uri: uri.toString(), error: message });
          return undefined;
        } finally {
          sub.dispose();
          this.running.delete(uri.toString());
          this.lensChanged.fire();
        }
      }),
    );
  }

  private async ask(role: string, stage: number, percent: number, roles: Record<string, unknown>): Promise<boolean> {
    const r = (roles[role] ?? {}) as { name?: string; contact?: string };
    const who = r.name || r.contact ? `${role} (${[r.name, r.contact].filter(Boolean).join(', ')})` : role;
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(check) Approve', description: `${who} approves going past ${percent}%`, approve: true },
        { label: '$(x) Reject', description: `${who} rejects: traffic goes back to the previous stage`, approve: false },
      ],
      { title: `Reintroduction stage ${stage} (${percent}%) needs the approval of ${role}`, placeHolder: `Does ${who} approve going on?`, ignoreFocusOut: true },
    );
    return pick?.approve === true;
  }

  /** `.rollback-lens/reports/<folder>/<runbook> reintroduction.md` of the workspace folder. */
  reportFile(uri: vscode.Uri): vscode.Uri {
    const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
    const relDir = path.relative(root, path.dirname(uri.fsPath));
    const base = path.basename(uri.fsPath).replace(/\.ya?ml$/, '');
    return vscode.Uri.file(path.join(root, '.rollback-lens', 'reports', relDir.startsWith('..') ? '' : relDir, `${base} reintroduction.md`));
  }

  private async writeReport(uri: vscode.Uri, markdown: string): Promise<void> {
    const r = this.reportFile(uri);
    const failed = await writeReport(r, markdown);
    if (failed !== undefined) this.log.warn(`could not write the report ${r.fsPath}: ${failed}`);
  }

  private async showReport(uri: vscode.Uri): Promise<void> {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', this.reportFile(uri));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function progressText(e: ReintroductionProgress): string {
  switch (e.kind) {
    case 'stage':
      return `stage ${e.stage}/${e.of}: ${e.percent}% — ${e.edit}`;
    case 'hold':
      return `stage ${e.stage}: ${e.holdMs ? (e.waited ? 'holding' : 'hold not waited (drill)') : 'no hold'}`;
    case 'result':
      return `stage ${e.result.stage}: ${e.result.outcome}`;
    case 'rollback':
      return `stage ${e.stage}: ${e.to}`;
  }
}

function toUri(u: vscode.Uri | string | undefined): vscode.Uri | undefined {
  return typeof u === 'string' ? vscode.Uri.parse(u) : u;
}
