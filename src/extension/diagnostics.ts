// Diagnostics for open runbooks and contracts: on open at once, on change
// after a short pause, cleared on close. A result computed for an older
// version of a document is dropped, never shown.
import * as vscode from 'vscode';
import type { LanguageClient } from '../node/language/client';
import { diagnostic } from './convert';
import { docRef, isOurs } from './documents';

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('rollback-lens');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly listeners = new Set<(uri: vscode.Uri) => void>();

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
    if (isOurs(doc)) this.client.close(key);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
