// A rollback's closure in the editor: on the runbook's `closure` key, its
// status from the audit log (`closure: verified — 2/4 checklist, signed 1/2`,
// src/core/runbook/closure.ts words it), and while a rollback is open the
// actions Verify (runs closure.verify: contract commands, so it needs a
// trusted workspace; Restricted Mode shows it locked), Confirm checklist
// item… (a quick pick of the unconfirmed items) and Close (refused with a
// warning naming what is missing). Each step is an audit record
// (src/node/runbook/closure.ts, the same as the CLI's `closure` and `close`);
// the lenses follow the audit log, so a step taken from a terminal or
// another window shows too. Sign-offs come from the Sign off… lens beside it
// (runbooks.ts).
// Refreshing: VS Code asks every CodeLens provider of a document again when
// any of them fires, and the runbook lenses (runbooks.ts) fire on every
// change of the audit log, on trust granted, and re-fire while an editor has
// not asked again (lensEvents.ts). This provider answers with them and fires
// only when a verify starts or ends. A second re-firing LensEvents for the
// same editors would not help and does harm: the editor debounces its
// re-query, and two independently timed re-fire loops kept postponing it,
// so a drill's verdict lens stayed stale for seconds (test/vscode/lenses.mjs).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { closureTitle, type ClosureStatus } from '../core/runbook/closure';
import type { LanguageClient } from '../node/language/client';
import { closeRollback, closureStatus, confirmItem, ClosureRefused, verifyClosure } from '../node/runbook/closure';
import { docRef } from './documents';
import { pickRunbook } from './pickRunbook';

const UNTRUSTED = 'Verifying the closure runs the contract tests of closure.verify (their source commands), so it needs a trusted workspace (Restricted Mode is on).';

export class Closures implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly lensChanged = new vscode.EventEmitter<void>();
  /** Runbooks whose closure.verify runs now. */
  private readonly verifying = new Set<string>();

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.lensChanged,
      vscode.languages.registerCodeLensProvider({ language: 'rollback-runbook' }, { provideCodeLenses: (doc) => this.lenses(doc), onDidChangeCodeLenses: this.lensChanged.event }),
      vscode.commands.registerCommand('rollbackLens.verifyClosure', (uri?: vscode.Uri | string) => this.verify(uri)),
      vscode.commands.registerCommand('rollbackLens.confirmChecklistItem', (uri?: vscode.Uri | string, item?: number | string) => this.confirm(uri, item)),
      vscode.commands.registerCommand('rollbackLens.closeRollback', (uri?: vscode.Uri | string) => this.close(uri)),
      vscode.commands.registerCommand('rollbackLens.explainRestrictedClosure', () =>
        vscode.window.showInformationMessage(UNTRUSTED, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage')),
      ),
    );
  }

  /** The closure status of a runbook (for tests and other views). */
  status(uri: vscode.Uri): Promise<ClosureStatus> {
    return closureStatus(uri.fsPath, workspaceOf(uri));
  }

  // ---- the steps -------------------------------------------------------------------------

  /** Runs closure.verify; resolves with its verdict (pass, fail, error), undefined when it did not run. */
  async verify(uriArg?: vscode.Uri | string): Promise<string | undefined> {
    const doc = await this.runbook(uriArg);
    if (!doc) return undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(UNTRUSTED);
      return undefined;
    }
    const key = doc.uri.toString();
    if (this.verifying.has(key)) return undefined;
    const rel = vscode.workspace.asRelativePath(doc.uri);
    this.verifying.add(key);
    this.lensChanged.fire();
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rollback Lens: closure.verify of ${rel}`, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const r = await verifyClosure(doc.uri.fsPath, {
            workspace: workspaceOf(doc.uri),
            signal: controller.signal,
            ...formatsSetting(),
            onTest: (e) => e.phase === 'start' && progress.report({ message: `${e.test ?? 'every test'} of ${e.contract}` }),
          });
          const tests = (r.tests as Array<{ test: string; verdict: string; rows: number; reason?: string }>) ?? [];
          const summary = tests.map((t) => `${t.test} ${t.verdict} (${t.rows} rows)${t.reason ? `: ${t.reason}` : ''}`).join('; ');
          this.log.info(`closure.verify of ${rel}: ${r.verdict}${summary ? ` — ${summary}` : ''}`);
          const say = r.verdict === 'pass' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
          void say(`Rollback Lens: closure.verify of ${rel}: ${r.verdict}${summary ? ` — ${summary}` : ''}`);
          return r.verdict;
        } finally {
          sub.dispose();
        }
      });
    } catch (e) {
      return this.failed(e);
    } finally {
      this.verifying.delete(key);
      this.lensChanged.fire();
    }
  }

  /** Confirms one checklist item (asked in a quick pick of the unconfirmed ones unless given); resolves with what was said. */
  async confirm(uriArg?: vscode.Uri | string, itemArg?: number | string): Promise<string | undefined> {
    const doc = await this.runbook(uriArg);
    if (!doc) return undefined;
    try {
      let item = itemArg;
      if (item === undefined) {
        const s = await this.status(doc.uri);
        const open = s.checklist.items.filter((i) => !i.confirmed);
        if (s.state === 'none' || s.state === 'closed' || !open.length) {
          void vscode.window.showInformationMessage(`Rollback Lens: ${s.state === 'none' ? 'no rollback to close' : s.state === 'closed' ? 'the rollback is closed' : 'every checklist item is confirmed'}`);
          return undefined;
        }
        const picked = await vscode.window.showQuickPick(
          open.map((i) => ({ label: `${i.index}. ${i.text}`, index: i.index })),
          { title: `Confirm a checklist item of ${vscode.workspace.asRelativePath(doc.uri)}`, placeHolder: `${s.checklist.confirmed}/${s.checklist.total} confirmed: which one do you confirm?` },
        );
        if (!picked) return undefined;
        item = picked.index;
      }
      const c = await confirmItem(doc.uri.fsPath, { workspace: workspaceOf(doc.uri), item });
      const message = c.record ? `confirmed checklist item ${c.index}: ${c.text}` : `checklist item ${c.index} was already confirmed (${c.already!.user}, ${c.already!.time})`;
      this.log.info(`closure of ${vscode.workspace.asRelativePath(doc.uri)}: ${message}`);
      void vscode.window.showInformationMessage(`Rollback Lens: ${message}${c.record ? ' (recorded in the audit log)' : ''}`);
      return message;
    } catch (e) {
      return this.failed(e);
    }
  }

  /** Records the close, or warns naming what is missing; resolves with what was said. */
  async close(uriArg?: vscode.Uri | string): Promise<string | undefined> {
    const doc = await this.runbook(uriArg);
    if (!doc) return undefined;
    try {
      const r = await closeRollback(doc.uri.fsPath, { workspace: workspaceOf(doc.uri) });
      const message = `closed the rollback of ${r.path}`;
      this.log.info(message);
      void vscode.window.showInformationMessage(`Rollback Lens: ${message} (recorded in the audit log)`);
      return message;
    } catch (e) {
      return this.failed(e);
    }
  }

  private failed(e: unknown): string {
    const message = e instanceof ClosureRefused && e.missing.length ? `${e.message} ${e.missing.join('; ')}` : (e as Error).message;
    this.log.warn(`closure: ${message}`);
    void (e instanceof ClosureRefused ? vscode.window.showWarningMessage : vscode.window.showErrorMessage)(`Rollback Lens: ${message}`);
    return message;
  }

  /** The runbook a step acts on, saved (the steps read the file). */
  private async runbook(uriArg: vscode.Uri | string | undefined): Promise<vscode.TextDocument | undefined> {
    const uri = (typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : uriArg) ?? (await pickRunbook());
    if (!uri) return undefined;
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'rollback-runbook') {
      void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(uri)} is not a rollback runbook`);
      return undefined;
    }
    if (doc.isDirty && !(await doc.save())) {
      void vscode.window.showErrorMessage(`Rollback Lens: could not save ${vscode.workspace.asRelativePath(uri)}`);
      return undefined;
    }
    return doc;
  }

  // ---- CodeLens --------------------------------------------------------------------------

  private lenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    return this.computeLenses(doc).catch((e: Error) => {
      this.log.warn(`closure lenses of ${vscode.workspace.asRelativePath(doc.uri)}: ${e.message}`);
      return [];
    });
  }

  private async computeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const symbols = await this.client.request('symbols', docRef(doc), {});
    const closure = symbols.find((x) => x.kind === 'section' && x.name === 'closure');
    if (!closure) return [];
    const p = doc.positionAt(closure.span.start);
    const at = new vscode.Range(p, p);
    const uri = doc.uri.toString();
    const s = await this.status(doc.uri);
    const tooltip = s.missing.length ? `From the audit log (.rollback-lens/audit.jsonl). Close needs:\n${s.missing.map((m) => `- ${m}`).join('\n')}` : 'From the audit log (.rollback-lens/audit.jsonl)';
    const out = [new vscode.CodeLens(at, { title: `$(checklist) ${closureTitle(s)}`, command: '', tooltip })];
    if (s.state === 'none' || s.state === 'closed') return out;
    if (this.verifying.has(uri)) out.push(new vscode.CodeLens(at, { title: '$(sync~spin) verifying…', command: '' }));
    else if (!vscode.workspace.isTrusted) out.push(new vscode.CodeLens(at, { title: '$(lock) Verify — needs a trusted workspace', command: 'rollbackLens.explainRestrictedClosure', tooltip: UNTRUSTED }));
    else out.push(new vscode.CodeLens(at, { title: '$(beaker) Verify', command: 'rollbackLens.verifyClosure', arguments: [uri], tooltip: 'Run closure.verify (its contract tests) and record the verdict' }));
    if (s.checklist.confirmed < s.checklist.total) {
      out.push(new vscode.CodeLens(at, { title: '$(tasklist) Confirm checklist item…', command: 'rollbackLens.confirmChecklistItem', arguments: [uri], tooltip: 'Confirm one unconfirmed item of closure.checklist, recorded in the audit log' }));
    }
    out.push(new vscode.CodeLens(at, { title: '$(pass-filled) Close', command: 'rollbackLens.closeRollback', arguments: [uri], tooltip: s.missing.length ? tooltip : 'Record that the rollback is closed' }));
    return out;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function workspaceOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}

/** `rollbackLens.validateFormats` (default true): false turns off the schemas' `format` checks, as `--no-formats` does. */
function formatsSetting(): { formats?: false } {
  return vscode.workspace.getConfiguration('rollbackLens').get<boolean>('validateFormats', true) === false ? { formats: false } : {};
}
