// Where a runbook's last dry-run (or drill of a scenario) report is written:
// a Markdown file under `.rollback-lens/reports/` of its workspace folder,
// mirroring the runbook's folder (`iris/iris.runbook.yaml` ->
// `.rollback-lens/reports/iris/iris.runbook dry-run.md`). A real file, so the
// Markdown preview opens its links to the runbook (relative file links; it
// refuses file: URIs and cannot resolve links of a virtual document).
// writeReport writes every run's report (dry-run, drill, rollback,
// reintroduction) atomically: a report that exists is whole.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../node/atomic';

/** Writes a report file whole (its folder made first); resolves with the error message when it could not. */
export async function writeReport(file: vscode.Uri, markdown: string): Promise<string | undefined> {
  try {
    await fs.mkdir(path.dirname(file.fsPath), { recursive: true });
    await writeFileAtomic(file.fsPath, markdown);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export function reportFile(uri: vscode.Uri, scenario?: string): vscode.Uri {
  const base = path.basename(uri.fsPath).replace(/\.ya?ml$/, '');
  const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
  const rel = path.relative(root, path.dirname(uri.fsPath));
  const dir = path.join(root, '.rollback-lens', 'reports', rel.startsWith('..') ? '' : rel);
  return vscode.Uri.file(path.join(dir, `${base} ${scenario ? `drill ${scenario}` : 'dry-run'}.md`));
}
