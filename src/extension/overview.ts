// The Rollback Lens view (activity bar): every runbook of the workspace with
// its last dry-run and the last drill of each scenario, every contract with
// its last test run and each test's result, all from the workspace's audit
// log (src/core/audit/latest.ts picks the newest), so runs from a terminal
// show too. Clicking an entry opens its report with the command the lenses
// use (the dry-run or drill report; the Test Results) when this window holds
// it, else the file. Rebuilt after every run, audit-log change and runbook or
// contract created or deleted; `snapshot()` gives the same rows as plain data.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ago, latestRuns, type LastDrill, type LatestOfFile } from '../core/audit/latest';
import { humanDuration } from '../core/runbook/render';
import { plural } from '../core/util/plural';
import { readAuditLog } from '../node/audit';
import { DOCUMENT_IGNORE, RUNBOOK_CONTRACT_GLOB } from './documents';

export const OVERVIEW_VIEW = 'rollbackLens.overview';

export interface OverviewRow {
  /** Stable across rebuilds (the file, and the row's label under it): the view keeps what the user collapsed. */
  id?: string;
  label: string;
  description: string;
  tooltip?: string;
  icon: string;
  command?: { command: string; arguments: unknown[] };
  children: OverviewRow[];
}

/** What the view needs of the rest of the extension: which reports this window can show. */
export interface OverviewSources {
  hasRunbookReport(uri: vscode.Uri, scenario?: string): boolean;
  hasTestReport(uri: vscode.Uri, testId: string): boolean;
}

export class Overview implements vscode.TreeDataProvider<OverviewRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private rows: Promise<OverviewRow[]> | undefined;

  constructor(
    private readonly sources: OverviewSources,
    private readonly log: vscode.LogOutputChannel,
    refreshOn: Array<vscode.Event<unknown>>,
  ) {
    const files = vscode.workspace.createFileSystemWatcher(RUNBOOK_CONTRACT_GLOB, false, true, false);
    this.disposables.push(
      this.changed,
      files,
      files.onDidCreate(() => this.refresh()),
      files.onDidDelete(() => this.refresh()),
      vscode.window.createTreeView(OVERVIEW_VIEW, { treeDataProvider: this, showCollapseAll: true }),
      ...refreshOn.map((e) => e(() => this.refresh())),
    );
  }

  refresh(): void {
    this.rows = undefined;
    this.changed.fire();
  }

  /** The rows as the view shows them, rebuilt from the workspace now. */
  snapshot(): Promise<OverviewRow[]> {
    this.rows = undefined;
    return this.build();
  }

  getTreeItem(row: OverviewRow): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label, row.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    if (row.id) item.id = row.id;
    item.description = row.description;
    if (row.tooltip) item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    if (row.command) item.command = { title: 'Open', ...row.command };
    return item;
  }

  async getChildren(row?: OverviewRow): Promise<OverviewRow[]> {
    if (row) return row.children;
    return this.build();
  }

  private build(): Promise<OverviewRow[]> {
    this.rows ??= this.compute().catch((e: Error) => {
      this.log.warn(`Rollback Lens view: ${e.message}`);
      return [];
    });
    return this.rows;
  }

  private async compute(): Promise<OverviewRow[]> {
    const files = (await vscode.workspace.findFiles(RUNBOOK_CONTRACT_GLOB, DOCUMENT_IGNORE)).sort((a, b) => vscode.workspace.asRelativePath(a).localeCompare(vscode.workspace.asRelativePath(b)));
    const logs = new Map<string, Map<string, LatestOfFile>>();
    const now = Date.now();
    const rows: OverviewRow[] = [];
    for (const uri of files) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      const root = folder?.uri.fsPath ?? path.dirname(uri.fsPath);
      if (!logs.has(root)) {
        const log = await readAuditLog(root).catch((e: Error) => {
          this.log.warn(`Rollback Lens view: cannot read the audit log of ${root}: ${e.message}`);
          return undefined;
        });
        logs.set(root, latestRuns(log?.entries.map((e) => e.record) ?? []));
      }
      const rel = path.relative(root, uri.fsPath).split(path.sep).join('/');
      const latest = logs.get(root)!.get(rel) ?? { drills: new Map() };
      const row = /\.runbook\.ya?ml$/.test(uri.path) ? this.runbookRow(uri, latest, now) : this.contractRow(uri, latest, now);
      row.id = uri.toString();
      for (const c of row.children) c.id = `${row.id}#${c.label}`;
      rows.push(row);
    }
    return rows;
  }

  private runbookRow(uri: vscode.Uri, latest: LatestOfFile, now: number): OverviewRow {
    const u = uri.toString();
    const open = (scenario?: string) =>
      this.sources.hasRunbookReport(uri, scenario)
        ? { command: 'rollbackLens.showRunbookReport', arguments: scenario ? [u, scenario] : [u] }
        : { command: 'vscode.open', arguments: [uri] };
    const d = latest.dryRun;
    const children: OverviewRow[] = [
      d
        ? {
            label: 'Dry-run',
            description: `${d.verdict === 'ready' ? 'ready' : `not ready${d.errors !== undefined ? ` (${plural(d.errors, 'error')})` : ''}`} · ${ago(d.time, now)}`,
            tooltip: `Last dry-run ${new Date(d.time).toISOString()}: ${d.verdict}${d.errors !== undefined ? `, ${plural(d.errors, 'error')}, ${plural(d.warnings ?? 0, 'warning')}` : ''}`,
            icon: d.verdict === 'ready' ? 'pass' : 'error',
            command: open(),
            children: [],
          }
        : { label: 'Dry-run', description: 'never run', icon: 'circle-outline', command: { command: 'vscode.open', arguments: [uri] }, children: [] },
      ...[...latest.drills].map(([scenario, r]) => this.drillRow(scenario, r, now, open(scenario))),
    ];
    return {
      label: vscode.workspace.asRelativePath(uri),
      description: d ? (d.verdict === 'ready' ? 'ready' : 'not ready') : '',
      icon: 'book',
      command: { command: 'vscode.open', arguments: [uri] },
      children,
    };
  }

  private drillRow(scenario: string, r: LastDrill, now: number, command: OverviewRow['command']): OverviewRow {
    const t = r.timings ?? {};
    const restore = t.restoreMs ?? t.total;
    const timings = Object.entries(t)
      .map(([k, ms]) => `${k.replace(/Ms$/, '')} ${humanDuration(ms)}`)
      .join(', ');
    return {
      label: `Drill ${scenario}`,
      description: `${r.verdict}${r.outcome ? `: ${r.outcome}` : ''}${restore !== undefined ? ` · restored in ${humanDuration(restore)}` : ''} · ${ago(r.time, now)}`,
      tooltip: `Last drill ${new Date(r.time).toISOString()}: ${r.verdict}${r.outcome ? ` (${r.outcome})` : ''}${timings ? `\n${timings}` : ''}`,
      icon: r.verdict === 'pass' ? 'pass' : r.verdict === 'fail' ? 'error' : 'circle-slash',
      ...(command ? { command } : {}),
      children: [],
    };
  }

  private contractRow(uri: vscode.Uri, latest: LatestOfFile, now: number): OverviewRow {
    const c = latest.contract;
    // a row even before any run: a file row always has children, so the view shows it expanded from the start
    const never: OverviewRow = { label: 'Tests', description: 'never run', icon: 'circle-outline', command: { command: 'vscode.open', arguments: [uri] }, children: [] };
    const children: OverviewRow[] = !c ? [never] : Object.entries(c.tests).map(([testId, result]) => ({
      label: testId,
      description: result === 'pass' ? 'pass' : `fail: ${result}`,
      icon: result === 'pass' ? 'pass' : 'error',
      command: this.sources.hasTestReport(uri, testId) ? { command: 'testing.showMostRecentOutput', arguments: [] } : { command: 'vscode.open', arguments: [uri] },
      children: [],
    }));
    return {
      label: vscode.workspace.asRelativePath(uri),
      description: c ? `tests ${c.verdict}${c.durationMs !== undefined ? ` in ${humanDuration(c.durationMs)}` : ''} · ${ago(c.time, now)}` : '',
      ...(c ? { tooltip: `Last contract test run ${new Date(c.time).toISOString()}: ${c.verdict}` } : {}),
      icon: 'symbol-interface',
      command: { command: 'vscode.open', arguments: [uri] },
      children,
    };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
