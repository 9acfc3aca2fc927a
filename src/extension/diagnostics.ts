// Diagnostics for open runbooks and contracts: on open at once, on change
// after a short pause, cleared on close. A result computed for an older
// version of a document is dropped, never shown. Validate Workspace
// (validateWorkspace) also checks every runbook and contract of the workspace
// that is not open, from its file, into the same collection; opening such a
// file replaces them with the live ones, as usual.
import * as vscode from 'vscode';
import type { LanguageClient } from '../node/language/client';
import { plural } from '../core/util/plural';
import { diagnostic, textPositions } from './convert';
import { docRef, DOCUMENT_GLOB, DOCUMENT_IGNORE, isOurs, textRef } from './documents';

/** What Validate Workspace found, counted as the CLI's `validate` counts. */
export interface WorkspaceCheck {
  files: number;
  errors: number;
  warnings: number;
  /** "N files checked: E errors, W warnings", the CLI's summary line. */
  summary: string;
}

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('rollback-lens');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly listeners = new Set<(uri: vscode.Uri) => void>();
  /** The document version whose diagnostics were published last, per document. */
  private readonly published = new Map<string, number>();

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
    private debounceMs: () => number,
  ) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, this.debounceMs())),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d)),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** Called after the diagnostics of a document were published (tests and views listen). */
  onDidUpdate(listener: (uri: vscode.Uri) => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  /** Resolves once the diagnostics of the open document `uri` are those of its current version. */
  current(uri: vscode.Uri): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc || !isOurs(doc) || this.published.get(uri.toString()) === doc.version) return Promise.resolve();
    return new Promise((resolve) => {
      const sub = this.onDidUpdate((u) => {
        if (u.toString() === uri.toString() && this.published.get(u.toString()) === doc.version) {
          sub.dispose();
          resolve();
        }
      });
    });
  }

  /**
   * Validate Workspace: every runbook and contract of the workspace (what the CLI's `validate .` finds), open
   * ones as the editor holds them, the others from disk, into the Problems panel; counted as the
   * CLI's `validate` counts them.
   */
  async validateWorkspace(token?: vscode.CancellationToken): Promise<WorkspaceCheck> {
    const files = await vscode.workspace.findFiles(DOCUMENT_GLOB, DOCUMENT_IGNORE);
    let errors = 0;
    let warnings = 0;
    for (const uri of files) {
      if (token?.isCancellationRequested) break;
      const found = await this.validateFile(uri);
      errors += found.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
      warnings += found.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length;
    }
    return { files: files.length, errors, warnings, summary: `${plural(files.length, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}` };
  }

  private async validateFile(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
    const key = uri.toString();
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (open && isOurs(open)) {
      clearTimeout(this.timers.get(key));
      this.timers.delete(key);
      await this.run(open);
      return [...this.collection.get(uri) ?? []];
    }
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch (e) {
      this.log.warn(`cannot read ${uri.fsPath}: ${(e as Error).message}`);
      return [];
    }
    // a file not open in the editor: sent whole, then forgotten by the worker
    this.client.close(key);
    try {
      const found = await this.client.request('validate', textRef(uri, Number.MIN_SAFE_INTEGER, text), {});
      // opened meanwhile: the live diagnostics are the ones to show
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === key)) return [...this.collection.get(uri) ?? []];
      const positions = textPositions(text);
      const shown = found.map((d) => diagnostic({ uri, positionAt: positions.positionAt }, d));
      this.collection.set(uri, shown);
      for (const l of this.listeners) l(uri);
      return shown;
    } catch (e) {
      this.log.warn(`validation of ${uri.fsPath} failed: ${(e as Error).message}`);
      return [];
    } finally {
      this.client.close(key);
    }
  }

  revalidateAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!isOurs(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.run(doc);
      }, delay),
    );
  }

  private async run(doc: vscode.TextDocument): Promise<void> {
    const version = doc.version;
    try {
      const found = await this.client.request('validate', docRef(doc), {});
      if (doc.isClosed || doc.version !== version) return; // stale: a newer run is coming
      this.collection.set(
        doc.uri,
        found.map((d) => diagnostic(doc, d)),
      );
      this.published.set(doc.uri.toString(), version);
      for (const l of this.listeners) l(doc.uri);
    } catch (e) {
      this.log.warn(`validation of ${doc.uri.fsPath} failed: ${(e as Error).message}`);
    }
  }

  private forget(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.collection.delete(doc.uri);
    this.published.delete(key);
    if (isOurs(doc)) this.client.close(key);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
