// CodeLens above each contract test: run it (or, in Restricted Mode, why it
// cannot run), record its baseline when it compares with one, its last
// verdict, and its diff once a run compared rows. A contract not yet in the
// tree is discovered first; its lenses follow when the tree changes. The
// change event reaches the editor after each run even when a failure's peek
// takes its focus (../lensEvents.ts).
import * as vscode from 'vscode';
import type { TestReport } from '../../core/contract/report';
import type { LastReports } from './run';
import { UNTRUSTED } from './shared';
import type { ContractTree } from './tree';
import { LensEvents } from '../lensEvents';

export class ContractLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new LensEvents('rollback-contract');
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly tree: ContractTree,
    private readonly reports: LastReports,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    // computed at once from the tree and the last reports: answered when returned
    this.changed.asking(doc)();
    if (!this.tree.file(doc.uri)) {
      void this.tree.discoverDocument(doc);
      return [];
    }
    const out: vscode.CodeLens[] = [];
    for (const { item, data } of this.tree.tests(doc.uri)) {
      if (!item.range) continue;
      const at = new vscode.Range(item.range.start, item.range.start);
      if (!vscode.workspace.isTrusted) {
        out.push(new vscode.CodeLens(at, { title: '$(lock) Run test — needs a trusted workspace', command: 'rollbackLens.explainRestricted', tooltip: UNTRUSTED }));
        continue;
      }
      out.push(new vscode.CodeLens(at, { title: '$(play) Run test', command: 'rollbackLens.runContractTest', arguments: [doc.uri.toString(), data.testId] }));
      if (data.recordable) {
        out.push(new vscode.CodeLens(at, { title: '$(record) Record baseline', command: 'rollbackLens.recordBaseline', arguments: [doc.uri.toString(), data.testId] }));
      }
      const last = this.reports.get(doc.uri, data.testId);
      if (last) out.push(new vscode.CodeLens(at, { title: verdictTitle(last), command: 'testing.showMostRecentOutput' }));
      if (last && last.counts.matched > 0) out.push(new vscode.CodeLens(at, { title: '$(diff) Open diff', command: 'rollbackLens.openDiff', arguments: [doc.uri.toString(), data.testId], tooltip: 'Baseline against current outputs, row by row' }));
    }
    return out;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function verdictTitle(t: TestReport): string {
  if (t.verdict === 'pass') return '$(pass) passed';
  if (t.verdict === 'error') return `$(warning) error: ${t.reason ?? ''}`.slice(0, 80);
  const failing = t.rules.filter((r) => r.verdict === 'fail').map((r) => r.id);
  return `$(error) failed: ${failing.join(', ')}`;
}
