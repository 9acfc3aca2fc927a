// Post-mortems in the editor: a **Write post-mortem** CodeLens at the top of a
// runbook whose audit log holds a drill or rollback record of it (the command
// writes postmortems/<runbook>/<day>-<kind>[-<scenario>].md from the newest
// one, src/node/runbook/postmortem.ts, and opens it), and the findings of a
// runbook's post-mortems (overdue open action items, owners that are not
// roles, malformed tables) in the problems panel, on the post-mortem file:
// an open post-mortem is checked as it is edited, the others as they are on
// disk whenever a runbook, a post-mortem or the audit log changes. Writing a
// post-mortem runs nothing from the runbook, so it needs no trusted workspace.
// From the palette with no runbook given, it acts on the one pickRunbook.ts finds.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkPostmortem } from '../core/runbook/postmortem';
import { calendarClockOrReal } from '../node/clock';
import { hasPostmortemRecord, postmortemDiagnostics, postmortemRunbook, writePostmortem } from '../node/runbook/postmortem';
import { runbookRoles } from '../node/runbook/signoff';
import { AUDIT_LOG } from '../node/audit';
import { toWorkspacePath } from '../node/workspace';
import { pickRunbook } from './pickRunbook';
import type { Diagnostic } from '../core/types';
import { LineIndex } from '../core/util/text';

export class Postmortems implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly problems = vscode.languages.createDiagnosticCollection('rollback-lens-postmortems');
  private readonly lensChanged = new vscode.EventEmitter<void>();
  /** The post-mortem files whose findings each runbook set (so a deleted one is cleared). */
  private readonly shown = new Map<string, Set<string>>();
  private readonly written = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with each post-mortem the command wrote (for tests). */
  readonly onDidWrite = this.written.event;
  private readonly refreshed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with the uri of each post-mortem whose problems were set (for tests). */
  readonly onDidRefresh = this.refreshed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    const files = vscode.workspace.createFileSystemWatcher('**/postmortems/*/*.md');
    const audit = vscode.workspace.createFileSystemWatcher(`**/${AUDIT_LOG}`);
    const onFile = (uri: vscode.Uri) => {
      const runbook = postmortemRunbook(uri.fsPath);
      if (runbook) void this.refreshRunbook(vscode.Uri.file(runbook));
    };
    this.disposables.push(
      this.problems,
      this.lensChanged,
      this.written,
      this.refreshed,
      files,
      audit,
      files.onDidCreate(onFile),
      files.onDidChange(onFile),
      files.onDidDelete(onFile),
      audit.onDidCreate(() => this.lensChanged.fire()),
      audit.onDidChange(() => this.lensChanged.fire()),
      audit.onDidDelete(() => this.lensChanged.fire()),
      vscode.languages.registerCodeLensProvider({ language: 'rollback-runbook' }, { provideCodeLenses: (doc) => this.lenses(doc), onDidChangeCodeLenses: this.lensChanged.event }),
      vscode.commands.registerCommand('rollbackLens.writePostmortem', (uri?: vscode.Uri | string) => this.write(uri)),
      vscode.workspace.onDidOpenTextDocument((d) => this.onDocument(d)),
      vscode.workspace.onDidSaveTextDocument((d) => this.onDocument(d)),
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && postmortemRunbook(e.document.uri.fsPath) && void this.refreshOpen(e.document)),
    );
    for (const d of vscode.workspace.textDocuments) this.onDocument(d);
    void vscode.workspace.findFiles('**/*.runbook.{yaml,yml}', '**/node_modules/**').then((uris) => Promise.all(uris.map((u) => this.refreshRunbook(u))));
  }

  private onDocument(d: vscode.TextDocument): void {
    if (d.uri.scheme !== 'file') return;
    if (d.languageId === 'rollback-runbook') void this.refreshRunbook(d.uri);
    else if (postmortemRunbook(d.uri.fsPath)) void this.refreshOpen(d);
  }

  private now(): number {
    return calendarClockOrReal()();
  }

  /** The findings of every post-mortem of a runbook (open ones by their editor text). */
  async refreshRunbook(runbook: vscode.Uri): Promise<void> {
    try {
      const found = await postmortemDiagnostics(runbook.fsPath, workspaceOf(runbook), this.now());
      const before = this.shown.get(runbook.fsPath) ?? new Set<string>();
      const now = new Set(found.map((f) => f.file));
      for (const gone of before) if (!now.has(gone)) this.problems.delete(vscode.Uri.file(gone));
      this.shown.set(runbook.fsPath, now);
      for (const f of found) {
        const uri = vscode.Uri.file(f.file);
        const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === f.file);
        if (open) await this.refreshOpen(open);
        else this.set(uri, f.text, f.diagnostics);
      }
    } catch (e) {
      this.log.warn(`post-mortems of ${vscode.workspace.asRelativePath(runbook)}: ${(e as Error).message}`);
    }
  }

  /** An open post-mortem, checked as it reads in the editor, against its runbook's roles. */
  private async refreshOpen(doc: vscode.TextDocument): Promise<void> {
    const runbook = postmortemRunbook(doc.uri.fsPath);
    if (!runbook) return;
    const roles = await runbookRoles(runbook).catch(() => undefined);
    if (!roles) return;
    this.set(doc.uri, doc.getText(), checkPostmortem(doc.getText(), [...roles.keys()], this.now()));
  }

  private set(uri: vscode.Uri, text: string, diagnostics: Diagnostic[]): void {
    const index = new LineIndex(text);
    const pos = (offset: number) => {
      const p = index.positionAt(offset);
      return new vscode.Position(p.line, p.character);
    };
    this.problems.set(
      uri,
      diagnostics.map((d) => {
        const v = new vscode.Diagnostic(new vscode.Range(pos(d.span.start), pos(d.span.end)), d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        v.source = 'rollback-lens';
        v.code = d.code;
        return v;
      }),
    );
    this.refreshed.fire(uri);
  }

  private async lenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (doc.uri.scheme !== 'file') return [];
    const workspace = workspaceOf(doc.uri);
    const has = await hasPostmortemRecord(workspace, toWorkspacePath(workspace, doc.uri.fsPath)).catch(() => false);
    if (!has) return [];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: '$(notebook) Write post-mortem',
        command: 'rollbackLens.writePostmortem',
        arguments: [doc.uri.toString()],
        tooltip: 'Write the after-action review of the newest drill or rollback in the audit log to postmortems/ beside this runbook, and open it',
      }),
    ];
  }

  /** Writes the post-mortem of the runbook's newest drill or rollback record and opens it; undefined (and says why) when it cannot. */
  async write(uriArg?: vscode.Uri | string): Promise<vscode.Uri | undefined> {
    const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : (uriArg ?? (await pickRunbook()));
    if (!uri) return undefined;
    try {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc?.isDirty) await doc.save();
      const w = await writePostmortem(uri.fsPath, { workspace: workspaceOf(uri), today: this.now() });
      const file = vscode.Uri.file(w.file);
      this.log.info(`post-mortem of ${vscode.workspace.asRelativePath(uri)}: wrote ${vscode.workspace.asRelativePath(file)} from audit record ${w.record.hash} (line ${w.record.line})`);
      await vscode.window.showTextDocument(file, { preview: false });
      await this.refreshRunbook(uri);
      this.written.fire(file);
      return file;
    } catch (e) {
      void vscode.window.showErrorMessage(`Rollback Lens: ${(e as Error).message}`);
      return undefined;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function workspaceOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}
