// The Test Explorer's tree of contract tests: a file item per contract with a
// child per test, discovered by the language-service worker (which parses;
// the extension host only reads files and converts offsets to positions).
// Each item's identity (its contract, its test id, whether a baseline can be
// recorded) lives beside it in a WeakMap, never decoded from its id string.
// A discovery's answer for a text older than the latest one asked is dropped;
// a file that is no contract (null from the worker) is left as it was.
import * as vscode from 'vscode';
import type { LanguageClient } from '../../node/language/client';
import { range, textPositions, type Positions } from '../convert';
import { docRef, textRef } from '../documents';
import { CONTRACT_GLOB } from './shared';

export type ItemData = { kind: 'file'; uri: vscode.Uri } | { kind: 'test'; uri: vscode.Uri; testId: string; recordable: boolean };

export class ContractTree implements vscode.Disposable {
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a contract's tests were (re)discovered. */
  readonly onDidChange = this.changed.event;
  /** The latest discovery asked per contract: an older answer is dropped. */
  private readonly latest = new Map<string, number>();
  private asked = 0;

  constructor(
    private readonly controller: vscode.TestController,
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  dataOf(item: vscode.TestItem): ItemData | undefined {
    return this.data.get(item);
  }

  file(uri: vscode.Uri): vscode.TestItem | undefined {
    return this.controller.items.get(uri.toString());
  }

  /** The test items of a contract, in document order. */
  tests(uri: vscode.Uri): Array<{ item: vscode.TestItem; data: Extract<ItemData, { kind: 'test' }> }> {
    const out: Array<{ item: vscode.TestItem; data: Extract<ItemData, { kind: 'test' }> }> = [];
    this.file(uri)?.children.forEach((item) => {
      const data = this.data.get(item);
      if (data?.kind === 'test') out.push({ item, data });
    });
    return out;
  }

  test(uri: vscode.Uri, testId: string): vscode.TestItem | undefined {
    return this.tests(uri).find((t) => t.data.testId === testId)?.item;
  }

  async discoverAll(): Promise<void> {
    const files = await vscode.workspace.findFiles(CONTRACT_GLOB, '**/node_modules/**');
    await Promise.all(files.map((f) => this.discoverFile(f)));
  }

  /** From the editor's document when it is open, else from the file. */
  async discoverFile(uri: vscode.Uri): Promise<void> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return this.discoverDocument(open);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch (e) {
      this.log.warn(`cannot read ${uri.fsPath}: ${(e as Error).message}`);
      return;
    }
    return this.discoverText(uri, text);
  }

  discoverDocument(doc: vscode.TextDocument): Promise<void> {
    return this.discover(doc.uri, docRef(doc), doc);
  }

  /** A text that is not (or not as) the editor's document: its own version, below any editor version, so the worker gets this text. */
  discoverText(uri: vscode.Uri, text: string): Promise<void> {
    return this.discover(uri, textRef(uri, -++this.asked, text), textPositions(text));
  }

  private async discover(uri: vscode.Uri, ref: ReturnType<typeof docRef>, positions: Positions): Promise<void> {
    const key = uri.toString();
    const ask = ++this.asked;
    this.latest.set(key, ask);
    let tests;
    try {
      tests = await this.client.request('contractTests', ref, {});
    } catch (e) {
      this.log.warn(`cannot discover the tests of ${vscode.workspace.asRelativePath(uri)}: ${(e as Error).message}`);
      return;
    }
    if (this.latest.get(key) !== ask || !tests) return;
    let file = this.controller.items.get(key);
    if (!file) {
      file = this.controller.createTestItem(key, vscode.workspace.asRelativePath(uri), uri);
      this.data.set(file, { kind: 'file', uri });
      this.controller.items.add(file);
    }
    const children = tests.map((t) => {
      const item = this.controller.createTestItem(`${key}#${t.id}`, t.id, uri);
      if (t.span) item.range = range(positions, t.span);
      if (t.description) item.description = t.description;
      this.data.set(item, { kind: 'test', uri, testId: t.id, recordable: t.recordable });
      return item;
    });
    file.children.replace(children);
    this.changed.fire(uri);
  }

  /** A deleted contract leaves the tree and the worker. */
  forget(uri: vscode.Uri): void {
    this.latest.delete(uri.toString());
    this.controller.items.delete(uri.toString());
    if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.client.close(uri.toString());
  }

  /**
   * Where each rule of a test lives in the contract as it reads now: `tolerance.<field>`,
   * `drift.<field>`, '' (the test's `id` key). Opens the document, as a run's failure
   * messages point into it.
   */
  async ruleLocations(uri: vscode.Uri, testId: string): Promise<Map<string, vscode.Range>> {
    const out = new Map<string, vscode.Range>();
    const doc = await vscode.workspace.openTextDocument(uri);
    const tests = await this.client.request('contractTests', docRef(doc), {});
    const t = tests?.find((x) => x.id === testId);
    for (const [k, span] of Object.entries(t?.locations ?? {})) out.set(k, range(doc, span));
    return out;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
