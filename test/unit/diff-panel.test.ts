// Each diff-view panel owns its listeners (src/extension/diffPanel.ts): a
// panel's message and dispose listeners are disposed with the panel, so
// opening and closing panels leaves nothing registered behind. The panel here
// is a stand-in that counts listeners (only the counting: the real panel's
// behaviour is covered in VS Code by test/vscode/diffview.mjs).
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { DiffPanel } from '../../src/extension/diffPanel';

/** An event whose live listeners can be counted. */
class CountedEvent<T> {
  readonly listeners = new Set<(e: T) => unknown>();
  readonly event = ((listener: (e: T) => unknown, thisArgs?: unknown, disposables?: vscode.Disposable[]) => {
    const l = (e: T) => listener.call(thisArgs, e);
    this.listeners.add(l);
    const d = { dispose: () => void this.listeners.delete(l) };
    disposables?.push(d);
    return d;
  }) as vscode.Event<T>;
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
}

class FakePanel {
  readonly messages = new CountedEvent<unknown>();
  readonly disposed = new CountedEvent<void>();
  readonly webview = { onDidReceiveMessage: this.messages.event };
  readonly onDidDispose = this.disposed.event;
  dispose(): void {
    this.disposed.fire();
  }
  get listeners(): number {
    return this.messages.listeners.size + this.disposed.listeners.size;
  }
}

describe('diff view: each panel owns its disposables', () => {
  it('opening and closing 5 panels leaves no listener behind; each session is closed once', () => {
    const panels = Array.from({ length: 5 }, () => new FakePanel());
    const closed: number[] = [];
    const received: Array<[number, unknown]> = [];
    panels.forEach(
      (p, i) =>
        new DiffPanel(p as unknown as vscode.WebviewPanel, {
          onMessage: (m) => received.push([i, m]),
          onDispose: () => closed.push(i),
        }),
    );
    assert.deepEqual(
      panels.map((p) => p.listeners),
      [2, 2, 2, 2, 2],
    );
    panels[3]!.messages.fire({ type: 'ready' });
    assert.deepEqual(received, [[3, { type: 'ready' }]]);
    for (const p of panels) p.dispose();
    assert.deepEqual(
      panels.map((p) => p.listeners),
      [0, 0, 0, 0, 0],
    );
    assert.deepEqual(closed, [0, 1, 2, 3, 4]);
    // a message after closing reaches nobody
    panels[3]!.messages.fire({ type: 'ready' });
    assert.equal(received.length, 1);
  });
});
