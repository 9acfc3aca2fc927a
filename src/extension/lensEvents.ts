// onDidChangeCodeLenses that reaches the editor. Why a plain EventEmitter is
// not enough: VS Code's CodeLens controller answers the event by scheduling a
// re-query after its debounce (at least 250 ms; 375 ms for an extension under
// development), and it CANCELS that scheduled re-query when the editor loses
// text focus (onDidBlurEditorText), re-scheduling only when the editor gets
// focus back. A run ends with exactly such a blur: the dry-run or drill report
// opens in a Markdown preview beside the runbook (it takes focus), a failed
// contract test opens its peek in the contract's editor. The lenses then kept
// the old verdict until the editor was focused or reopened.
// So each fire() bumps a generation; the provider says, per document, which
// generation it last answered (asked()). A while after a fire, every visible
// editor of the provider's language whose document has not been asked since
// gets the event again (once its blur is over the re-query is not
// cancelled), each CHECK_MS, a bounded number of times. CHECK_MS is above the
// editor's debounce (the provider answers in milliseconds), so a re-fire does
// not keep postponing the re-query it asks for. An editor that is not
// visible needs nothing: it asks when it is shown. But when it is shown again
// (a runbook reopened), VS Code first paints its cached copy of the last
// lenses, titles without commands (nothing happens on a click), and that
// first re-query is cancelled by a blur the same way: so a newly visible
// editor counts as not asked until its lenses are computed for it.
// An answer is not yet what the editor shows: a line that already had
// lenses keeps its old text until the controller's resolve pass, which
// skips every lens whose view zone is not visible at that moment (the editor
// being laid out again beside the report preview that just opened), while a
// line that gets lenses for the first time is drawn at once. A loaded run
// showed exactly that: a step's new lens beside the runbook's first line
// still without its verdict. So once every visible editor has answered a
// generation, the event fires once more (SETTLE_MS later, not bumping the
// generation): the re-query gives the same lenses and its resolve pass draws
// them once the layout is over.
import * as vscode from 'vscode';

/** How often to look whether the editors asked again after a fire, in ms, and how many times. */
const CHECK_MS = 1000;
const CHECKS = 10;
/** How long after every editor answered the event fires once more, so that what was answered is drawn (see above). */
const SETTLE_MS = 1500;

export class LensEvents implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly event = this.emitter.event;
  private generation = 0;
  /** The last generation the settling fire was sent for. */
  private settled = 0;
  /** The generation each document's lenses were last computed at. */
  private readonly answered = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  private visible = new Set<string>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly languageId: string) {
    this.visible = this.visibleDocuments();
    this.subscription = vscode.window.onDidChangeVisibleTextEditors(() => {
      const now = this.visibleDocuments();
      const shown = [...now].filter((k) => !this.visible.has(k));
      this.visible = now;
      for (const k of shown) this.answered.delete(k);
      if (shown.length && !this.timer) this.check(0);
    });
  }

  private visibleDocuments(): Set<string> {
    return new Set(vscode.window.visibleTextEditors.filter((e) => e.document.languageId === this.languageId).map((e) => e.document.uri.toString()));
  }

  /** The lenses changed: the editors showing them must ask again. */
  fire(): void {
    this.generation++;
    this.emitter.fire();
    this.check(0);
  }

  /**
   * Call when computing the lenses of `doc` starts; call what it returns when
   * they were returned to the editor (not when the request was cancelled).
   */
  asking(doc: vscode.TextDocument): () => void {
    const g = this.generation;
    const key = doc.uri.toString();
    return () => {
      if ((this.answered.get(key) ?? -1) < g) this.answered.set(key, g);
    };
  }

  private check(attempt: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (attempt >= CHECKS) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const stale = vscode.window.visibleTextEditors.some((e) => e.document.languageId === this.languageId && (this.answered.get(e.document.uri.toString()) ?? -1) < this.generation);
      if (!stale) return this.settle();
      this.emitter.fire();
      this.check(attempt + 1);
    }, CHECK_MS);
  }

  /** Fires once more for this generation, SETTLE_MS from now, unless a newer fire comes first (it settles in its turn). */
  private settle(): void {
    if (this.settled === this.generation) return;
    const g = (this.settled = this.generation);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (g === this.generation) this.emitter.fire();
    }, SETTLE_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
