// Runbooks from the editor: a dry-run of the example from its CodeLens (the
// verdict, a lens above each step, the Markdown report), the dry-run's own
// findings as diagnostics until the file changes, a drill scenario from its
// CodeLens with its audit record, an approval gate answered in a quick pick,
// and a sign-off.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DrillReport, DryRunReport } from '../../src/core/runbook/report';
import type { RollbackLensApi } from '../../src/extension/extension';
import { appendAuditRecord } from '../../src/node/audit';
import { brief, EXTENSION_ID, sleep, waitForDiagnostics, workspaceRoot, writeFile } from './util';

async function api(): Promise<RollbackLensApi> {
  return vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
}

const titles = (ls: vscode.CodeLens[]) => ls.map((l) => `${l.range.start.line}: ${l.command?.title}`);

function auditRecords(): Array<Record<string, unknown>> {
  const file = vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/audit.jsonl').fsPath;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function lineOf(doc: vscode.TextDocument, text: string): number {
  const i = doc.getText().split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `no line with ${text}`);
  return i;
}

/** The text of the Rollback Lens output channel, as VS Code writes it to the extension host's logs (beside the extension's logUri), once `until` holds (5 s at most). */
async function channelLog(until: (text: string) => boolean): Promise<string> {
  const logs = path.dirname((await api()).logUri.fsPath);
  const find = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? find(path.join(dir, e.name)) : e.name.endsWith('Rollback Lens.log') ? [path.join(dir, e.name)] : []));
  let text = '';
  for (let i = 0; i < 50; i++) {
    text = find(logs).map((f) => readFileSync(f, 'utf8')).join('\n');
    if (until(text)) return text;
    await sleep(100);
  }
  return text;
}

describe('runbooks in VS Code', function () {
  this.timeout(120_000);
  let runbook: vscode.Uri;
  let doc: vscode.TextDocument;

  before(async () => {
    runbook = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml');
    doc = await vscode.workspace.openTextDocument(runbook);
    await vscode.window.showTextDocument(doc);
    await api();
  });

  after(async () => {
    // the reports opened previews beside the runbooks: leave the window as the next suite expects it
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('offers a Dry-run lens on the runbook and a Run drill lens on each scenario', async () => {
    const ls = titles(await lenses(runbook));
    const scenarios = ['latency-spike', 'repoint-fails', 'serving-hangs'].map((id) => lineOf(doc, `- id: ${id}`));
    assert.deepEqual(
      ls.filter((t) => /Dry-run|Run drill/.test(t)),
      [`${lineOf(doc, 'apiVersion:')}: $(debug-alt) Dry-run`, ...scenarios.map((l) => `${l}: $(beaker) Run drill`)],
    );
    assert.ok(ls.includes(`${lineOf(doc, 'closure:')}: $(pass-filled) Sign off…`), ls.join('\n'));
  });

  it('dry-runs the example from its CodeLens: ready, a result above every step, the report in a Markdown preview', async () => {
    const lens = (await lenses(runbook)).find((l) => l.command?.title === '$(debug-alt) Dry-run')!;
    const before = auditRecords().length;
    const report = await vscode.commands.executeCommand<DryRunReport>(lens.command!.command, ...lens.command!.arguments!);
    assert.equal(report.verdict, 'ready', JSON.stringify(report.findings));
    assert.deepEqual(report.steps.map((s) => `${s.id}:${s.outcome}`), ['approve:shown', 'announce-start:shown', 'flag-off:shown', 'repoint:ran', 'pin-serving:shown', 'verify:shown', 'announce-done:shown']);
    // the output channel logs each command a step ran: the command, how it ended, the stderr tail (VS Code writes the channel to a file)
    const logged = await channelLog((text) => text.includes('dry-run of iris/iris.runbook.yaml: repoint: $ '));
    assert.match(logged, /dry-run of iris\/iris\.runbook\.yaml: repoint: \$ \.\/scripts\/set-alias\.sh --dry-run iris champion 1\.4\.2 → exit 0 after \d+/);
    const ls = titles(await lenses(runbook));
    assert.ok(ls.includes(`${lineOf(doc, 'apiVersion:')}: $(pass) dry-run: ready`), ls.join('\n'));
    const repoint = ls.find((t) => t.startsWith(`${lineOf(doc, '- id: repoint')}: `));
    assert.match(repoint ?? '', /: \$\(pass\) dry-run variant ran in \d+ ms$|: \$\(pass\) dry-run variant ran in \d+\.\d s$/);
    assert.equal(
      ls.find((t) => t.startsWith(`${lineOf(doc, '- id: flag-off')}: `)),
      `${lineOf(doc, '- id: flag-off')}: $(eye) would change flags.flagd.json: flags.iris-v2.defaultVariant "on" → "off"`,
    );
    // the report: a readable Markdown document, shown in the preview
    // (written under .rollback-lens/reports/, mirroring the runbook's folder, so its links are relative file links)
    const md = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/reports/iris/iris.runbook dry-run.md'));
    assert.match(md.getText(), /^# Dry-run of iris\/iris\\\.runbook\\\.yaml\n\n\*\*Verdict: READY\*\* — nothing was changed; \d+ warning\(s\)\.\n/);
    assert.ok(md.getText().includes('4. `repoint` (run), **ran in '), md.getText());
    for (let i = 0; i < 50 && !previewOpen('iris.runbook dry-run.md'); i++) await sleep(100);
    assert.ok(previewOpen('iris.runbook dry-run.md'), `a Markdown preview of the report is open: ${openTabs().join(', ')}`);
    // the run is in the audit log
    const added = auditRecords().slice(before);
    assert.deepEqual(
      added.map((r) => [r.kind, r.path, r.verdict]),
      [['dry-run', 'iris/iris.runbook.yaml', 'ready']],
    );
  });

  it("shows the dry-run's own findings as diagnostics at their place until the file changes", async () => {
    const uri = await writeFile(
      'fixtures/runbooks/failing.runbook.yaml',
      [
        'apiVersion: rollback-lens/v1',
        'kind: RollbackRunbook',
        'metadata: { name: failing, owner: ml }',
        'release:',
        '  current: { model: m, version: 2.0.0 }',
        '  target: { model: m, version: 1.4.2 }',
        // a technicalLead for the run step (the roles on two lines keep the places below)
        'roles: { technicalLead: { name: Ops, contact: "#ops" },',
        '  decisionMaker: { name: Lead, contact: "#lead" } }',
        'steps:',
        '  - id: repoint',
        '    run: echo moved > moved.txt',
        '    dryRun: echo "registry says no" >&2; exit 3',
        '    undo: rm -f moved.txt',
        '    owner: decisionMaker',
        '    timeout: 10s',
        '',
      ].join('\n'),
    );
    const failing = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(failing);
    const report = await vscode.commands.executeCommand<DryRunReport>('rollbackLens.dryRun', uri.toString());
    assert.equal(report.verdict, 'not-ready');
    assert.deepEqual(report.findings.map((f) => `${f.line}:${f.column} ${f.severity} ${f.code}`), ['12:5 error dry-run-failed']);
    const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rollback-lens dry-run');
    assert.deepEqual(
      ours().map((d) => [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.code, d.severity, d.message.split(':')[0]]),
      [[11, 4, 11, 10, 'dry-run-failed', vscode.DiagnosticSeverity.Error, 'step `repoint`']],
    );
    assert.match(ours()[0]!.message, /registry says no/);
    assert.equal(existsSync(vscode.Uri.joinPath(workspaceRoot(), 'fixtures/runbooks/moved.txt').fsPath), false, 'the dry-run did not run the step');
    const lens = titles(await lenses(uri));
    assert.ok(lens.includes('0: $(error) dry-run: not ready (1 error)'), lens.join('\n'));
    assert.ok(lens.some((t) => t.startsWith('9: $(error) failed: dry-run: echo')), lens.join('\n'));
    const editor = await vscode.window.showTextDocument(failing);
    await editor.edit((e) => e.insert(new vscode.Position(2, 0), '# edited\n'));
    assert.deepEqual(ours(), [], 'an edit makes the findings stale: they are cleared');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('runs a drill scenario from its CodeLens: undone as expected, the flag restored, the approval and the drill in the audit log', async () => {
    await vscode.window.showTextDocument(doc);
    const lens = (await lenses(runbook)).find((l) => l.command?.title === '$(beaker) Run drill' && l.command.arguments?.[1] === 'repoint-fails');
    assert.ok(lens, 'a Run drill lens for repoint-fails');
    const flags = vscode.Uri.joinPath(workspaceRoot(), 'iris/flags.flagd.json').fsPath;
    const flagsBefore = readFileSync(flags, 'utf8');
    const before = auditRecords().length;
    const report = await vscode.commands.executeCommand<DrillReport>(lens.command!.command, ...lens.command!.arguments!);
    assert.deepEqual([report.verdict, report.outcome, report.reason], ['pass', 'undone', 'step `repoint` failed (injected by the scenario); undid flag-off']);
    assert.equal(readFileSync(flags, 'utf8'), flagsBefore, 'the flag flip was undone');
    const ls = titles(await lenses(runbook));
    assert.ok(ls.includes(`${lineOf(doc, '- id: repoint-fails')}: $(pass) drill passed: undone`), ls.join('\n'));
    // (the injected failure takes a millisecond or two on a loaded machine: the time is measured, not fixed)
    assert.ok(ls.some((t) => new RegExp(`^${lineOf(doc, '- id: repoint')}: \\$\\(error\\) failed after \\d+ ms: failed \\(injected by the scenario\\)$`).test(t)), ls.join('\n'));
    assert.ok(ls.some((t) => new RegExp(`^${lineOf(doc, '- id: flag-off')}: ran in \\d+ ms · \\$\\(discard\\) undone$`).test(t)), ls.join('\n'));
    const added = auditRecords().slice(before);
    assert.deepEqual(
      added.map((r) => [r.kind, r.path, r.verdict, r.role ?? r.scenario]),
      [
        ['approval', 'iris/iris.runbook.yaml', 'approved', 'decisionMaker'],
        ['drill', 'iris/iris.runbook.yaml', 'pass', 'repoint-fails'],
      ],
    );
    assert.equal(added[1]!.outcome, 'undone');
    // the drill stopped before its verify step: no fidelity measured, and the report file says why
    const why = 'no verify step ran: the drill stopped at step `repoint` (failed)';
    assert.equal(report.fidelity?.reason, why);
    const md = readFileSync(vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/reports/iris/iris.runbook drill repoint-fails.md').fsPath, 'utf8');
    assert.ok(md.includes('## Fidelity\n\n- fidelity not measured\\: no verify step ran\\: the drill stopped at step `repoint` \\(failed\\)\n'), md);
  });

  it('the overdue-drill check reads the audit log: quiet right after the first dry-run, warned once the log has known the runbook longer than drills.every without a drill, quiet once a drill is recorded', async () => {
    // by now the log has the dry-run and the drill of the tests above; drop the drill records
    const log = vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/audit.jsonl');
    const saved = readFileSync(log.fsPath, 'utf8');
    const every = lineOf(doc, 'every: 90d');
    try {
      const withoutDrills = saved.split('\n').filter((l) => !l.includes('"kind":"drill"')).join('\n');
      await vscode.workspace.fs.writeFile(log, new TextEncoder().encode(withoutDrills));
      // the log first saw the runbook with this suite's dry-run: its cadence has just started, nothing is overdue
      // (an unknown key marks the validation that read the log as it is now)
      const editor = await vscode.window.showTextDocument(doc);
      await editor.edit((e) => e.insert(new vscode.Position(2, 0), 'bogus: 1\n'));
      const fresh = await waitForDiagnostics(runbook, (d) => d.some((x) => x.code === 'schema-unknown-property'));
      assert.deepEqual(fresh.filter((x) => x.code === 'drill-overdue').map(brief), []);
      // a record of it from 100 days before the calendar (ROLLBACK_LENS_NOW, 2026-11-22): overdue, saying since when
      await appendAuditRecord(workspaceRoot().fsPath, { kind: 'dry-run', path: 'iris/iris.runbook.yaml', verdict: 'ready' }, { now: () => Date.parse('2026-08-14T00:00:00Z') });
      await editor.edit((e) => e.delete(new vscode.Range(2, 0, 3, 0)));
      await doc.save();
      const warned = await waitForDiagnostics(runbook, (d) => !d.some((x) => x.code === 'schema-unknown-property') && d.some((x) => x.code === 'drill-overdue'));
      assert.deepEqual(warned.filter((x) => x.code === 'drill-overdue').map((x) => `${brief(x)} ${x.message}`), [
        `${every}:9-${every}:12 drill-overdue no drill of this runbook is recorded in the 100 days since the audit log first saw it (2026-08-14); drills are due every 90d`,
      ]);
    } finally {
      await vscode.workspace.fs.writeFile(log, new TextEncoder().encode(saved));
    }
    await waitForDiagnostics(runbook, (d) => !d.some((x) => x.code === 'drill-overdue'));
  });

  it('asks an approval gate the scenario does not answer in a quick pick naming the role', async () => {
    const uri = await writeFile(
      'fixtures/runbooks/ask.runbook.yaml',
      [
        'apiVersion: rollback-lens/v1',
        'kind: RollbackRunbook',
        'metadata: { name: ask, owner: ml }',
        'release:',
        '  current: { model: m, version: 2.0.0 }',
        '  target: { model: m, version: 1.4.2 }',
        'roles:',
        '  lead: { name: On-call lead, contact: "#lead" }',
        'metrics: { file: metrics.json }',
        'triggers:',
        '  - { id: slow, metric: p99_ms, when: "> 250" }',
        'steps:',
        '  - id: approve',
        '    approve: [lead]',
        '  - id: repoint',
        '    run: echo 1.4.2 > alias.txt',
        '    undo: echo 2.0.0 > alias.txt',
        '    requires: [approve]',
        '    timeout: 10s',
        'drills:',
        '  every: 90d',
        '  scenarios:',
        '    - id: asked',
        '      inject: { metrics: { p99_ms: 400 } }',
        '',
      ].join('\n'),
    );
    await writeFile('fixtures/runbooks/metrics.json', '{"p99_ms": 100}');
    const { runbooks } = await api();
    const asked: string[] = [];
    const sub = runbooks.onWillAskApproval(({ role, step }) => {
      asked.push(`${step}/${role}`);
      // a person picks the first item, Approve
      void sleep(500).then(() => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'));
    });
    try {
      const report = await vscode.commands.executeCommand<DrillReport>('rollbackLens.runDrill', uri.toString(), 'asked');
      assert.deepEqual(asked, ['approve/lead']);
      assert.deepEqual(report.approvals, [{ step: 'approve', role: 'lead', decision: 'approve', by: 'person' }]);
      assert.deepEqual([report.verdict, report.outcome], ['pass', 'restored']);
      assert.equal(readFileSync(vscode.Uri.joinPath(workspaceRoot(), 'fixtures/runbooks/alias.txt').fsPath, 'utf8'), '1.4.2\n');
      const last = auditRecords().slice(-2);
      assert.deepEqual(last.map((r) => [r.kind, r.path, r.verdict, r.by ?? r.scenario]), [
        ['approval', 'fixtures/runbooks/ask.runbook.yaml', 'approved', 'person'],
        ['drill', 'fixtures/runbooks/ask.runbook.yaml', 'pass', 'asked'],
      ]);
    } finally {
      sub.dispose();
    }
  });

  it('cancelling a drill stops the running step and undoes the completed ones; it is recorded cancelled and does not clear the overdue-drill warning', async () => {
    const uri = await writeFile(
      'fixtures/runbooks/cancel.runbook.yaml',
      [
        'apiVersion: rollback-lens/v1',
        'kind: RollbackRunbook',
        'metadata: { name: cancel, owner: ml }',
        'release:',
        '  current: { model: m, version: 2.0.0 }',
        '  target: { model: m, version: 1.4.2 }',
        'roles:',
        '  decisionMaker: { name: Lead, contact: "#lead" }',
        'metrics: { file: metrics.json }',
        'triggers:',
        '  - { id: slow, metric: p99_ms, when: "> 250" }',
        'steps:',
        '  - id: flag-off',
        '    flag: { file: cancel.flagd.json, name: v2, variant: "off" }',
        '  - id: slow-step',
        '    run: echo started > started.txt && sleep 60',
        '    undo: rm -f started.txt',
        '    requires: [flag-off]',
        '    timeout: 5m',
        'drills:',
        '  every: 90d',
        '  scenarios:',
        '    - { id: long, inject: { metrics: { p99_ms: 400 } }, approvals: auto }',
        '',
      ].join('\n'),
    );
    const flags = JSON.stringify({ flags: { v2: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } }, null, 2) + '\n';
    const flagFile = await writeFile('fixtures/runbooks/cancel.flagd.json', flags);
    const started = vscode.Uri.joinPath(workspaceRoot(), 'fixtures/runbooks/started.txt').fsPath;
    const { runbooks } = await api();
    const cts = new vscode.CancellationTokenSource();
    const t0 = Date.now();
    const running = runbooks.drill(uri, 'long', cts.token);
    for (let i = 0; i < 200 && !existsSync(started); i++) await sleep(50);
    assert.ok(existsSync(started), 'the slow step started');
    assert.match(readFileSync(flagFile.fsPath, 'utf8'), /"defaultVariant": "off"/);
    cts.cancel();
    const report = (await running)!;
    assert.ok(Date.now() - t0 < 20_000, 'the cancel ended the drill');
    assert.deepEqual(report.steps.map((x) => `${x.id}:${x.outcome}`), ['flag-off:done', 'slow-step:cancelled', 'flag-off:undone']);
    assert.deepEqual([report.verdict, report.outcome, report.reason], ['cancelled', 'cancelled', 'the drill was cancelled during step `slow-step`; undid flag-off']);
    assert.equal(readFileSync(flagFile.fsPath, 'utf8'), flags, 'the flag is back');
    // shown as cancelled, recorded as cancelled
    const cancelDoc = await vscode.workspace.openTextDocument(uri);
    const ls = titles(await lenses(uri));
    assert.ok(ls.includes(`${lineOf(cancelDoc, '- { id: long')}: $(circle-slash) drill cancelled`), ls.join('\n'));
    const last = auditRecords().at(-1)!;
    assert.deepEqual([last.kind, last.path, last.verdict, last.outcome, last.scenario], ['drill', 'fixtures/runbooks/cancel.runbook.yaml', 'cancelled', 'cancelled', 'long']);
    // the cancelled drill is no rehearsal: with the runbook known to the log for 100 days (a record from before the
    // pinned calendar), a validation after it was recorded (an edit makes a new version) still warns
    await appendAuditRecord(workspaceRoot().fsPath, { kind: 'dry-run', path: 'fixtures/runbooks/cancel.runbook.yaml', verdict: 'ready' }, { now: () => Date.parse('2026-08-14T00:00:00Z') });
    const editor = await vscode.window.showTextDocument(cancelDoc);
    await editor.edit((e) => e.insert(new vscode.Position(2, 0), 'bogus: 1\n'));
    const after = await waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'schema-unknown-property'));
    assert.deepEqual(
      after.filter((x) => x.code === 'drill-overdue').map((x) => x.message),
      ['no drill of this runbook is recorded in the 100 days since the audit log first saw it (2026-08-14); drills are due every 90d'],
    );
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('records a sign-off of a closure role', async () => {
    const said = await vscode.commands.executeCommand<string>('rollbackLens.signOff', runbook.toString(), 'dataSteward', 'approve');
    assert.equal(said, 'dataSteward signed-off iris/iris.runbook.yaml');
    const last = auditRecords().at(-1)!;
    assert.deepEqual([last.kind, last.role, last.verdict], ['sign-off', 'dataSteward', 'signed-off']);
  });
});

function openTabs(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}

function previewOpen(name: string): boolean {
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.label.includes(name)));
}
