// The status-bar verdict of the active contract: hidden until one of its
// tests ran, then the tests that failed or errored (or how many passed), a
// tooltip with every test's verdict, and a click to the Test Explorer.
import * as vscode from 'vscode';
import type { TestReport } from '../../core/contract/report';
import type { LastReports } from './run';
import type { ContractTree } from './tree';
import { plural } from '../../core/util/plural';

export class ContractStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rollbackLens.contractVerdict', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly tree: ContractTree,
    private readonly reports: LastReports,
  ) {
    this.item.name = 'Rollback Lens contract verdict';
    this.disposables.push(this.item, vscode.window.onDidChangeActiveTextEditor(() => this.update()));
  }

  update(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const reports: TestReport[] = [];
    for (const { data } of uri ? this.tree.tests(uri) : []) {
      const r = this.reports.get(data.uri, data.testId);
      if (r) reports.push(r);
    }
    if (!reports.length) {
      this.item.hide();
      return;
    }
    const failed = reports.filter((r) => r.verdict !== 'pass');
    this.item.text = failed.length ? `$(error) ${failed.map((r) => r.testId).join(', ')} ${failed.some((r) => r.verdict === 'error') ? 'error' : 'failed'}` : `$(pass) ${plural(reports.length, 'contract test')} passed`;
    this.item.tooltip = reports.map((r) => `${r.testId}: ${r.verdict}`).join('\n');
    this.item.command = 'workbench.view.testing.focus';
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
