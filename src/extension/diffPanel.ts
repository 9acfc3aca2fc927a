// One diff-view panel and the listeners it registers (its webview's messages,
// its own disposal): they live in the panel's own list and are disposed when
// the panel is, so opening and closing panels leaves nothing registered in
// the view-wide list (as the webview sample's panel class). Uses only vscode's
// types, so a unit test can count the listeners on a stand-in panel.
import type * as vscode from 'vscode';

export class DiffPanel {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    handlers: {
      /** A message from the page. */
      onMessage: (m: unknown) => void;
      /** The panel closed (its listeners are gone by then). */
      onDispose: () => void;
    },
  ) {
    panel.webview.onDidReceiveMessage(handlers.onMessage, undefined, this.disposables);
    panel.onDidDispose(
      () => {
        for (const d of this.disposables.splice(0)) d.dispose();
        handlers.onDispose();
      },
      undefined,
      this.disposables,
    );
  }
}
