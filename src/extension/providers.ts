// Completion, hover, quick fixes and the outline: thin adapters over the worker.
// A fix that creates a file runs the createFile command (createFile.ts).
import * as vscode from 'vscode';
import type { LanguageClient } from '../node/language/client';
import { completionItem, documentSymbol, range } from './convert';
import { CREATE_FILE_COMMAND } from './createFile';
import { docRef, SELECTOR } from './documents';

export function registerProviders(client: LanguageClient, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const safe = async <T>(what: string, f: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      log.warn(`${what} failed: ${(e as Error).message}`);
      return fallback;
    }
  };
  return [
    vscode.languages.registerCompletionItemProvider(
      SELECTOR,
      {
        provideCompletionItems: (doc, pos) =>
          safe('completion', async () => (await client.request('complete', docRef(doc), { offset: doc.offsetAt(pos) })).map((c) => completionItem(doc, c)), []),
      },
      ' ',
      ':',
      '[',
      ',',
      '-',
    ),
    vscode.languages.registerHoverProvider(SELECTOR, {
      provideHover: (doc, pos) =>
        safe(
          'hover',
          async () => {
            const h = await client.request('hover', docRef(doc), { offset: doc.offsetAt(pos) });
            return h ? new vscode.Hover(new vscode.MarkdownString(h.contents), range(doc, h.span)) : undefined;
          },
          undefined,
        ),
    }),
    vscode.languages.registerCodeActionsProvider(
      SELECTOR,
      {
        provideCodeActions: (doc, r) =>
          safe(
            'code actions',
            async () => {
              const fixes = await client.request('codeActions', docRef(doc), { span: { start: doc.offsetAt(r.start), end: doc.offsetAt(r.end) } });
              return fixes.map((f) => {
                const action = new vscode.CodeAction(f.title, vscode.CodeActionKind.QuickFix);
                if (f.edits.length) {
                  action.edit = new vscode.WorkspaceEdit();
                  for (const e of f.edits) action.edit.replace(doc.uri, range(doc, e), e.newText);
                }
                // a file to create: the editor side writes it (createFile.ts), confined to the workspace
                if (f.create) action.command = { title: f.title, command: CREATE_FILE_COMMAND, arguments: [doc.uri, f.create] };
                action.isPreferred = !!f.preferred;
                const matching = vscode.languages
                  .getDiagnostics(doc.uri)
                  .filter((d) => d.code === f.diagnostic.code && d.range.isEqual(range(doc, f.diagnostic.span)));
                if (matching.length) action.diagnostics = matching;
                return action;
              });
            },
            [],
          ),
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
    vscode.languages.registerDocumentSymbolProvider(
      SELECTOR,
      {
        provideDocumentSymbols: (doc) => safe('symbols', async () => (await client.request('symbols', docRef(doc), {})).map((s) => documentSymbol(doc, s)), []),
      },
      { label: 'Rollback Lens' },
    ),
  ];
}
