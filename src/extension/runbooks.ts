// Runbooks in the editor: CodeLens to dry-run a runbook and to run each drill
// scenario; once one has run, its result above every step (would run, ran in
// 1.2 s, failed, undone); the last dry-run's findings as diagnostics until the
// file changes; the report as a Markdown preview (written under
// .rollback-lens/reports/, so its links to the runbook work); approval gates of a drill
// asked with a quick pick naming the role; sign-offs, and the closure's
// sign-off progress from the audit log. Every run and answer is recorded in
// the workspace's audit log; with the user's `rollbackLens.signingKey`
// (signing.ts) sign-offs and approvals are SSH-signed. Running needs a trusted workspace.
// While a drill runs its step lenses follow the drill's progress events: the
// running step with its clock against its timeout (ticking each second) and a
// Cancel lens, the steps after it waiting; once it ended, steps it never got
// to are skipped. The lenses show each run's result as soon as it is stored,
// although the report preview takes the editor's focus (lensEvents.ts says
// why that matters).
// Run from the palette or the walkthrough with no runbook given, a command acts
// on the active or the one visible runbook, else asks which (pickRunbook.ts).
// Roll back… performs the rollback for real, behind a modal confirmation
// (rollback.ts here); its steps are followed live like a drill's.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pickRunbook } from './pickRunbook';
import { reportFile, writeReport } from './reportFile';
import { isDryRunCode } from '../core/runbook/codes';
import { commandLogLine, dryRunMarkdown, drillMarkdown } from '../core/runbook/render';
import type { CommandLog } from '../node/runbook/shell';
import { drillLensTitle, drillStepStates, drillStepTitle, drillVerdictWord, dryRunStepTitle, runningStepTitle, signOffTitle, stepResultsTitle } from '../core/runbook/glance';
import type { DrillProgress, DrillReport, DryRunReport, Finding } from '../core/runbook/report';
import type { DocumentSymbol } from '../core/types';
import type { LanguageClient } from '../node/language/client';
import { drill } from '../node/runbook/drill';
import { dryRun } from '../node/runbook/dryrun';
import { type appendAll, drillRecords, dryRunRecord } from '../node/contract/records';
import { closureSignOffs, runbookRoles, signOff, signOffRoles } from '../node/runbook/signoff';
import { AUDIT_LOG } from '../node/audit';
import { roleRefusal } from '../node/signing';
import { appendRecords, editorSigner } from './signing';
import { docRef } from './documents';
import { LensEvents } from './lensEvents';
import { plural } from '../core/util/plural';
import { rollbackLensTitle, type RollbackReport } from '../core/runbook/rollback';
import { rollbackReportFile, runRollback } from './rollback';
import { askDrillGate } from './approvals';
import { followProgress, type DrillInProgress } from './progress';
import { formatsSetting, workspaceOf } from './runOptions';

const UNTRUSTED = 'Dry-runs and drills run commands from this runbook (dryRun variants, checks, the steps themselves), so they need a trusted workspace (Restricted Mode is on).';

export interface Last<R> {
  report: R;
  /** The document version the run saw. */
  version: number;
  at: number;
}

export interface RunbookState {
  dryRun?: Last<DryRunReport>;
  drills: Map<string, Last<DrillReport>>;
  rollback?: Last<RollbackReport>;
  /** Which run the step lenses show: the newest. */
  latest?: { kind: 'dry-run' } | { kind: 'drill'; scenario: string } | { kind: 'rollback' };
  running?: string;
  /** Stops the run that is going on (the Cancel lens; undo runs as after any cancel). */
  cancel?: () => void;
  /** The drill that runs now, as its progress events told it: the step lenses show it instead of the last run. */
  progress?: DrillInProgress;
}

/** What a finished run left, for the integration tests and other views. */
export interface RunbookRunEvent {
  uri: string;
  kind: 'dry-run' | 'drill' | 'rollback';
  dryRun?: DryRunReport;
  drill?: DrillReport;
  rollback?: RollbackReport;
  error?: string;
}

export class Runbooks implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly state = new Map<string, RunbookState>();
  private readonly findings = vscode.languages.createDiagnosticCollection('rollback-lens-dry-run');
  private readonly lensChanged = new LensEvents('rollback-runbook');
  /** The reports this window wrote (their file uris): what showReport can open. */
  private readonly reports = new Set<string>();
  readonly finished = new vscode.EventEmitter<RunbookRunEvent>();
  /** Fires after every dry-run and drill. */
  readonly onDidFinishRun = this.finished.event;
  readonly asking = new vscode.EventEmitter<{ role: string; step: string }>();
  /** Fires when a drill's approval gate is about to ask in a quick pick. */
  readonly onWillAskApproval = this.asking.event;
  readonly confirming = new vscode.EventEmitter<{ message: string; detail: string }>();
  /** Fires when a rollback is about to ask its modal confirmation (what it says). */
  readonly onWillConfirmRollback = this.confirming.event;

  constructor(
    private readonly client: LanguageClient,
    readonly log: vscode.LogOutputChannel,
  ) {
    const auditWatcher = vscode.workspace.createFileSystemWatcher(`**/${AUDIT_LOG}`);
    this.disposables.push(
      this.findings,
      this.lensChanged,
      this.finished,
      this.asking,
      this.confirming,
      vscode.languages.registerCodeLensProvider({ language: 'rollback-runbook' }, { provideCodeLenses: (doc, token) => this.lenses(doc, token), onDidChangeCodeLenses: this.lensChanged.event }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // findings point into the text the dry-run saw: an edit makes them stale
        if (e.contentChanges.length && this.findings.has(e.document.uri)) this.findings.delete(e.document.uri);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.lensChanged.fire()),
      // a sign-off recorded from the CLI (or another window) moves the closure's progress too
      auditWatcher,
      auditWatcher.onDidChange(() => this.lensChanged.fire()),
      auditWatcher.onDidCreate(() => this.lensChanged.fire()),
      auditWatcher.onDidDelete(() => this.lensChanged.fire()),
      vscode.commands.registerCommand('rollbackLens.dryRun', (uri?: vscode.Uri | string) => this.dryRun(uri)),
      vscode.commands.registerCommand('rollbackLens.runDrill', (uri?: vscode.Uri | string, scenario?: string) => this.drill(uri, scenario)),
      vscode.commands.registerCommand('rollbackLens.rollback', (uri?: vscode.Uri | string) => this.rollback(uri)),
      vscode.commands.registerCommand('rollbackLens.cancelRun', (uri?: vscode.Uri | string) => this.cancel(uri)),
      vscode.commands.registerCommand('rollbackLens.showRunbookReport', (uri: vscode.Uri | string, scenario?: string) => this.showReport(toUri(uri)!, scenario)),
      vscode.commands.registerCommand('rollbackLens.signOff', (uri?: vscode.Uri | string, role?: string, decision?: 'approve' | 'reject') => this.signOff(uri, role, decision)),
      vscode.commands.registerCommand('rollbackLens.explainRestrictedRunbook', () =>
        vscode.window.showInformationMessage(UNTRUSTED, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage')),
      ),
    );
  }

  /** The last dry-run and drills of a runbook (for tests). */
  lastRuns(uri: vscode.Uri): { dryRun?: DryRunReport; drills: Record<string, DrillReport> } {
    const s = this.state.get(uri.toString());
    return { ...(s?.dryRun ? { dryRun: s.dryRun.report } : {}), drills: Object.fromEntries([...(s?.drills ?? new Map<string, Last<DrillReport>>())].map(([k, v]) => [k, v.report])) };
  }

  // ---- dry-run ---------------------------------------------------------------------------

  async dryRun(uriArg?: vscode.Uri | string): Promise<DryRunReport | undefined> {
    const doc = await this.runbookDocument(uriArg, { trust: true, idle: true });
    if (!doc) return undefined;
    const s = this.stateOf(doc.uri);
    const workspace = workspaceOf(doc.uri);
    const rel = vscode.workspace.asRelativePath(doc.uri);
    return this.running(doc.uri, 'dry-run', `Rollback Lens: dry-run of ${rel}`, undefined, async (signal) => {
      const report = await dryRun(doc.uri.fsPath, { workspace, signal, onCommand: (step, c) => this.log.info(`dry-run of ${rel}: ${commandLogLine(step, c)}`), ...formatsSetting() });
      s.dryRun = { report, version: doc.version, at: Date.now() };
      s.latest = { kind: 'dry-run' };
      this.showFindings(doc, report.findings);
      const errors = report.findings.filter((f) => f.severity === 'error').length;
      this.log.info(`dry-run of ${rel}: ${report.verdict}${errors ? ` (${errors} error(s))` : ''}`);
      await this.record(workspace, [dryRunRecord(doc.uri.fsPath, report)]);
      // a finding's place links to the runbook, relative to the report file (the preview opens relative file links, not file: URIs)
      const from = path.dirname(reportFile(doc.uri).fsPath);
      const link = encodeURI(path.relative(from, doc.uri.fsPath).split(path.sep).join('/'));
      await this.setReport(doc.uri, undefined, dryRunMarkdown(report, (line, column) => `${link}#L${line},${column}`));
      this.finished.fire({ uri: doc.uri.toString(), kind: 'dry-run', dryRun: report });
      void this.showReport(doc.uri);
      void vscode.window.showInformationMessage(`Rollback Lens: dry-run of ${rel}: ${report.verdict === 'ready' ? 'ready' : `not ready, ${errors} error(s)`}; nothing was changed.`);
      return report;
    });
  }

  /** The dry-run's own findings (the language service's are already shown live; src/core/runbook/codes.ts tells them apart) as diagnostics at their span. */
  showFindings(doc: vscode.TextDocument, findings: Finding[]): void {
    const own = findings.filter((f) => isDryRunCode(f.code));
    this.findings.set(
      doc.uri,
      own.map((f) => {
        // a finding without a place is shown on the first line
        const range = f.span ? new vscode.Range(doc.positionAt(f.span.start), doc.positionAt(f.span.end)) : doc.lineAt(0).range;
        const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
        d.source = 'rollback-lens dry-run';
        d.code = f.code;
        return d;
      }),
    );
  }

  // ---- drill -----------------------------------------------------------------------------

  /** Runs a drill scenario; cancelling (the notification, or `token`) stops the step that runs and undoes the completed ones. */
  async drill(uriArg?: vscode.Uri | string, scenarioArg?: string, token?: vscode.CancellationToken): Promise<DrillReport | undefined> {
    const doc = await this.runbookDocument(uriArg, { trust: true, idle: true });
    if (!doc) return undefined;
    const s = this.stateOf(doc.uri);
    const scenarios = (await this.symbols(doc)).find((x) => x.kind === 'section' && x.name === 'drills')?.children.filter((c) => c.kind === 'scenario') ?? [];
    const scenario =
      scenarioArg ??
      (await vscode.window.showQuickPick(
        scenarios.map((c) => c.name),
        { title: `Run a drill of ${vscode.workspace.asRelativePath(doc.uri)}`, placeHolder: 'The scenario: its faults are injected and the steps run for real in the sandbox' },
      ));
    if (!scenario) return undefined;
    const workspace = workspaceOf(doc.uri);
    const rel = vscode.workspace.asRelativePath(doc.uri);
    const roles = await runbookRoles(doc.uri.fsPath).catch(() => new Map<string, { role: string; name?: string; contact?: string }>());
    return this.running(doc.uri, `drill ${scenario}`, `Rollback Lens: drill ${scenario} of ${rel}`, token, async (signal) => {
      const { onProgress, stop } = this.follow(s);
      let report: DrillReport;
      try {
        const onCommand = (step: string, c: CommandLog) => this.log.info(`drill ${scenario} of ${rel}: ${commandLogLine(step, c)}`);
        report = await drill(doc.uri.fsPath, { workspace, scenario, signal, onProgress, onCommand, ...formatsSetting(), ask: (role, step) => (this.asking.fire({ role, step }), askDrillGate(scenario, role, roles.get(role) ?? { role }, step)) });
      } finally {
        stop();
      }
      s.drills.set(scenario, { report, version: doc.version, at: Date.now() });
      s.latest = { kind: 'drill', scenario };
      this.log.info(`drill ${scenario} of ${rel}: ${report.verdict}, ${report.outcome}${report.reason ? ` — ${report.reason}` : ''}`);
      await this.record(workspace, drillRecords(doc.uri.fsPath, report));
      await this.setReport(doc.uri, scenario, drillMarkdown(report));
      this.finished.fire({ uri: doc.uri.toString(), kind: 'drill', drill: report });
      void this.showReport(doc.uri, scenario);
      const say = report.verdict === 'fail' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void say(`Rollback Lens: drill ${scenario}: ${drillVerdictWord(report)}${report.verdict === 'cancelled' ? '' : ` (${report.outcome})`}${report.reason ? ` — ${report.reason}` : ''}`);
      return report;
    });
  }

  /** The step lenses follow a drill (or rollback) while it runs (progress.ts); stop() when it ends. */
  follow(s: RunbookState): { onProgress: (e: DrillProgress) => void; stop: () => void } {
    const f = followProgress(() => this.lensChanged.fire());
    s.progress = f.progress;
    return { onProgress: f.onProgress, stop: () => (f.stop(), (s.progress = undefined)) };
  }

  /** Rolls back for real once confirmed (rollback.ts); undefined when not confirmed, refused or it could not start. */
  rollback(uriArg?: vscode.Uri | string, token?: vscode.CancellationToken): Promise<RollbackReport | undefined> {
    return runRollback(this, uriArg, token);
  }

  // ---- sign-off --------------------------------------------------------------------------

  async signOff(uriArg?: vscode.Uri | string, roleArg?: string, decisionArg?: 'approve' | 'reject'): Promise<string | undefined> {
    const doc = await this.runbookDocument(uriArg, { trust: false, idle: false });
    if (!doc) return undefined;
    try {
      const roles = await signOffRoles(doc.uri.fsPath);
      if (!roles.length) {
        void vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(doc.uri)} has no closure.signOff roles`);
        return undefined;
      }
      const role =
        roleArg ??
        (
          await vscode.window.showQuickPick(
            roles.map((r) => ({ label: r.role, description: [r.name, r.contact].filter(Boolean).join(', ') })),
            { title: 'Sign off the rollback', placeHolder: 'Which role signs off?' },
          )
        )?.label;
      if (!role) return undefined;
      const decision =
        decisionArg ??
        (
          await vscode.window.showQuickPick(
            [
              { label: '$(check) Sign off', decision: 'approve' as const },
              { label: '$(x) Refuse', decision: 'reject' as const },
            ],
            { title: `Sign-off by ${role}` },
          )
        )?.decision;
      if (!decision) return undefined;
      const workspace = workspaceOf(doc.uri);
      const signer = await editorSigner(workspace);
      const refusal = signer && roleRefusal(signer, role);
      if (refusal) throw new Error(`cannot sign the sign-off (rollbackLens.signingKey): ${refusal}`);
      const r = await signOff(doc.uri.fsPath, { workspace, role, decision, ...(signer ? { sign: signer.sign } : {}) });
      const message = `${role} ${r.verdict} ${r.path}`;
      this.log.info(`sign-off: ${message}${signer ? `, signed by ${signer.principal}` : ''}`);
      this.lensChanged.fire();
      void vscode.window.showInformationMessage(`Rollback Lens: ${message} (recorded in the audit log${signer ? `, signed by ${signer.principal}` : ''})`);
      return message;
    } catch (e) {
      void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
      return undefined;
    }
  }

  // ---- shared ----------------------------------------------------------------------------

  /** The runbook to act on, saved; undefined (and said why) when it is not one, the workspace is untrusted (`trust`) or a run of it is going on (`idle`). */
  async runbookDocument(uriArg: vscode.Uri | string | undefined, needs: { trust: boolean; idle: boolean }): Promise<vscode.TextDocument | undefined> {
    const uri = toUri(uriArg) ?? (await pickRunbook());
    if (!uri) return undefined;
    if (needs.trust && !vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(UNTRUSTED);
      return undefined;
    }
    const running = this.state.get(uri.toString())?.running;
    if (needs.idle && running) {
      void vscode.window.showInformationMessage(`Rollback Lens: ${running} of ${vscode.workspace.asRelativePath(uri)} is still running`);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'rollback-runbook') {
      void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(uri)} is not a rollback runbook`);
      return undefined;
    }
    // the run reads the file: it must see what the editor shows
    if (doc.isDirty && !(await doc.save())) {
      void vscode.window.showErrorMessage(`Rollback Lens: could not save ${vscode.workspace.asRelativePath(uri)} before running`);
      return undefined;
    }
    return doc;
  }

  /** Runs with a cancellable notification; the lenses say what is running. */
  running<T>(uri: vscode.Uri, what: string, title: string, extra: vscode.CancellationToken | undefined, f: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const s = this.stateOf(uri);
    s.running = what;
    const controller = new AbortController();
    s.cancel = () => controller.abort();
    this.lensChanged.fire();
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
        const sub = token.onCancellationRequested(() => controller.abort());
        const subExtra = extra?.onCancellationRequested(() => controller.abort());
        try {
          return await f(controller.signal);
        } catch (e) {
          const message = (e as Error).message;
          this.log.error(`${what} of ${vscode.workspace.asRelativePath(uri)}: ${message}`);
          void vscode.window.showErrorMessage(`Rollback Lens: ${what}: ${message}`);
          this.finished.fire({ uri: uri.toString(), kind: what === 'dry-run' || what === 'rollback' ? what : 'drill', error: message });
          return undefined;
        } finally {
          sub.dispose();
          subExtra?.dispose();
          s.running = undefined;
          s.cancel = undefined;
          this.lensChanged.fire();
        }
      }),
    );
  }

  async record(workspace: string, records: Parameters<typeof appendAll>[1]): Promise<void> {
    try {
      // approvals signed with the user's key, when one is set (signing.ts); one left unsigned is said
      await appendRecords(workspace, records, (m) => {
        this.log.warn(m);
        void vscode.window.showWarningMessage(`Rollback Lens: ${m}`);
      });
    } catch (e) {
      this.log.warn(`could not record in the audit log: ${(e as Error).message}`);
      void vscode.window.showWarningMessage(`Rollback Lens: could not record this run in the audit log: ${(e as Error).message}`);
    }
  }

  private async setReport(uri: vscode.Uri, scenario: string | undefined, markdown: string): Promise<void> {
    const r = reportFile(uri, scenario);
    const failed = await writeReport(r, markdown);
    if (failed === undefined) this.reports.add(r.toString());
    else this.log.warn(`could not write the report ${r.fsPath}: ${failed}`);
  }

  /** Whether this window holds a report of the runbook's last dry-run (or drill of `scenario`). */
  hasReport(uri: vscode.Uri, scenario?: string): boolean {
    return this.reports.has(reportFile(uri, scenario).toString());
  }

  /** Opens the last report of a runbook (a drill's when `scenario` is given) as a Markdown preview beside it. */
  async showReport(uri: vscode.Uri, scenario?: string): Promise<vscode.Uri | undefined> {
    const r = reportFile(uri, scenario);
    if (!this.reports.has(r.toString())) {
      void vscode.window.showInformationMessage(`Rollback Lens: no ${scenario ? `drill ${scenario}` : 'dry-run'} of ${vscode.workspace.asRelativePath(uri)} has run yet`);
      return undefined;
    }
    await vscode.commands.executeCommand('markdown.showPreviewToSide', r);
    return r;
  }

  stateOf(uri: vscode.Uri): RunbookState {
    let s = this.state.get(uri.toString());
    if (!s) this.state.set(uri.toString(), (s = { drills: new Map() }));
    return s;
  }

  private async symbols(doc: vscode.TextDocument): Promise<DocumentSymbol[]> {
    try {
      return await this.client.request('symbols', docRef(doc), {});
    } catch (e) {
      this.log.warn(`runbook lenses: ${(e as Error).message}`);
      return [];
    }
  }

  // ---- CodeLens --------------------------------------------------------------------------

  private async lenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const answered = this.lensChanged.asking(doc);
    const out = await this.computeLenses(doc);
    if (!token.isCancellationRequested) answered();
    return out;
  }

  private async computeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const symbols = await this.symbols(doc);
    if (!symbols.length) return [];
    const at = (offset: number) => {
      const p = doc.positionAt(offset);
      return new vscode.Range(p, p);
    };
    const trusted = vscode.workspace.isTrusted;
    const s = this.state.get(doc.uri.toString());
    const out: vscode.CodeLens[] = [];
    const top = at(symbols[0]!.span.start);
    const uri = doc.uri.toString();
    if (!trusted) {
      out.push(new vscode.CodeLens(top, { title: '$(lock) Dry-run — needs a trusted workspace', command: 'rollbackLens.explainRestrictedRunbook', tooltip: UNTRUSTED }));
      out.push(new vscode.CodeLens(top, { title: '$(lock) Roll back — needs a trusted workspace', command: 'rollbackLens.explainRestrictedRunbook', tooltip: UNTRUSTED }));
    } else if (s?.running) {
      out.push(new vscode.CodeLens(top, { title: `$(sync~spin) ${s.running} running…`, command: '' }));
    } else {
      out.push(new vscode.CodeLens(top, { title: '$(debug-alt) Dry-run', command: 'rollbackLens.dryRun', arguments: [uri], tooltip: 'Resolve the plan, run only dryRun variants and checks, evaluate the triggers; change nothing' }));
      out.push(new vscode.CodeLens(top, { title: '$(history) Roll back…', command: 'rollbackLens.rollback', arguments: [uri], tooltip: 'Perform the rollback for real (asks first): the steps without the drill sandbox, approvals asked, undone on a failure or cancel' }));
    }
    if (s?.rollback) out.push(new vscode.CodeLens(top, { title: rollbackLensTitle(s.rollback.report), command: 'markdown.showPreviewToSide', arguments: [rollbackReportFile(doc.uri)] }));
    if (s?.dryRun) {
      const r = s.dryRun.report;
      const errors = r.findings.filter((f) => f.severity === 'error').length;
      out.push(new vscode.CodeLens(top, { title: r.verdict === 'ready' ? '$(pass) dry-run: ready' : `$(error) dry-run: not ready (${plural(errors, 'error')})`, command: 'rollbackLens.showRunbookReport', arguments: [uri] }));
    }
    // each drill scenario
    const drills = symbols.find((x) => x.kind === 'section' && x.name === 'drills');
    for (const c of drills?.children.filter((x) => x.kind === 'scenario' && x.detail !== 'reintroduction') ?? []) {
      const range = at(c.span.start);
      if (!trusted) out.push(new vscode.CodeLens(range, { title: '$(lock) Run drill — needs a trusted workspace', command: 'rollbackLens.explainRestrictedRunbook', tooltip: UNTRUSTED }));
      else if (!s?.running) out.push(new vscode.CodeLens(range, { title: '$(beaker) Run drill', command: 'rollbackLens.runDrill', arguments: [uri, c.name], tooltip: `Run the steps for real in the sandbox with the faults of ${c.name} injected` }));
      const last = s?.drills.get(c.name)?.report;
      if (last) out.push(new vscode.CodeLens(range, { title: drillLensTitle(last), command: 'rollbackLens.showRunbookReport', arguments: [uri, c.name] }));
    }
    // each step: what the drill that runs does with it, else what the newest run did
    const latest = s?.latest;
    const steps = (symbols.find((x) => x.kind === 'section' && x.name === 'steps')?.children ?? []).filter((x) => x.kind === 'step');
    const progress = s?.progress;
    if (progress) {
      const current = progress.current;
      for (const st of drillStepStates(steps.map((c) => c.name), progress.results, current?.id, false)) {
        const range = at(steps.find((c) => c.name === st.id)!.span.start);
        if (st.state === 'running' && current) {
          out.push(new vscode.CodeLens(range, { title: `$(sync~spin) ${runningStepTitle(st.id, current.phase, Date.now() - current.startedAt, current.timeoutMs)}`, command: '' }));
          out.push(new vscode.CodeLens(range, { title: '$(debug-stop) Cancel', command: 'rollbackLens.cancelRun', arguments: [uri], tooltip: 'Cancel the drill: the running step is stopped and the completed steps are undone' }));
        } else if (st.state === 'ran') out.push(new vscode.CodeLens(range, { title: stepResultsTitle(st.results), command: '' }));
        else out.push(new vscode.CodeLens(range, { title: '$(clock) waiting', command: '' }));
      }
    } else {
      const drillReport = latest?.kind === 'drill' ? s?.drills.get(latest.scenario)?.report : latest?.kind === 'rollback' ? s?.rollback?.report : undefined;
      const stepResults = new Map<string, string>();
      if (latest?.kind === 'dry-run' && s?.dryRun) for (const r of s.dryRun.report.steps) stepResults.set(r.id, dryRunStepTitle(r));
      for (const r of drillReport?.steps ?? []) stepResults.set(r.id, drillStepTitle(r, stepResults.get(r.id)));
      for (const c of steps) {
        // a drill that ended before a step (a failure, a cancel, no trigger fired) skipped it
        const title = stepResults.get(c.name) ?? (drillReport ? drillStepTitle({ id: c.name, kind: '', outcome: 'skipped', durationMs: 0 }) : undefined);
        if (title && latest?.kind === 'rollback') out.push(new vscode.CodeLens(at(c.span.start), { title, command: 'markdown.showPreviewToSide', arguments: [rollbackReportFile(doc.uri)] }));
        else if (title) out.push(new vscode.CodeLens(at(c.span.start), { title, command: 'rollbackLens.showRunbookReport', arguments: latest?.kind === 'drill' ? [uri, latest.scenario] : [uri] }));
      }
    }
    // sign-off of the closure, and how far it got (the audit log's sign-off records of the closure.signOff roles)
    const closure = symbols.find((x) => x.kind === 'section' && x.name === 'closure');
    if (closure && doc.getText(new vscode.Range(doc.positionAt(closure.span.start), doc.positionAt(closure.span.end))).includes('signOff')) {
      out.push(new vscode.CodeLens(at(closure.span.start), { title: '$(pass-filled) Sign off…', command: 'rollbackLens.signOff', arguments: [uri], tooltip: 'Record a closure.signOff role signing the rollback off, in the audit log' }));
      const progress = await closureSignOffs(doc.uri.fsPath, workspaceOf(doc.uri)).catch((e: Error) => void this.log.warn(`sign-off progress of ${vscode.workspace.asRelativePath(doc.uri)}: ${e.message}`));
      if (progress) out.push(new vscode.CodeLens(at(closure.span.start), { title: `$(checklist) ${signOffTitle(progress)}`, command: '', tooltip: 'From the sign-off records of the audit log (.rollback-lens/audit.jsonl): the latest of each role' }));
    }
    return out;
  }

  /** Cancels the dry-run or drill of a runbook that is going on (its Cancel lens). */
  cancel(uriArg?: vscode.Uri | string): void {
    const uri = toUri(uriArg) ?? vscode.window.activeTextEditor?.document.uri;
    const s = uri ? this.state.get(uri.toString()) : undefined;
    if (uri && s?.cancel) {
      this.log.info(`${s.running} of ${vscode.workspace.asRelativePath(uri)}: cancelled from its lens`);
      s.cancel();
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function toUri(u: vscode.Uri | string | undefined): vscode.Uri | undefined {
  return typeof u === 'string' ? vscode.Uri.parse(u) : u;
}

