// Communications in a real VS Code extension host: an unknown placeholder in a
// `communication` template is an error at exactly the placeholder (the range
// found in the text), and a drill run from the editor writes its report under
// .rollback-lens/reports/ with the rendered messages, each "not sent: drill".
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { DrillReport } from '../../src/core/runbook/report';
import { md as esc } from '../../src/core/runbook/render';
import { brief, waitForDiagnostics, workspaceRoot, writeFile } from './util';

const RUNBOOK = [
  'apiVersion: rollback-lens/v1',
  'kind: RollbackRunbook',
  'metadata: { name: comms, owner: ml }',
  'release:',
  '  current: { model: m, version: 2.0.0 }',
  '  target: { model: m, version: 1.4.2 }',
  'roles:',
  '  lead: { name: On-call lead, contact: "#lead" }',
  '  commsLiaison: { name: Support lead, contact: "#support" }',
  'metrics: { file: metrics.json }',
  'triggers:',
  '  - { id: slow, metric: p99_ms, when: "> 250" }',
  'steps:',
  '  - id: repoint',
  '    run: echo 1.4.2 > alias.txt',
  '    undo: echo 2.0.0 > alias.txt',
  '    owner: lead',
  '    timeout: 10s',
  'communication:',
  '  - audience: customers',
  '    owner: commsLiaison',
  '    on: [start, close]',
  '    to: { webhook: { env: RL_NO_SUCH_HOOK } }',
  '    template: "m is back on {{target.version}} ({{event}}, {{verdict}}); ask {{roles.commsLiaison.contact}}"',
  'drills:',
  '  every: 90d',
  '  scenarios:',
  '    - id: tell',
  '      inject: { metrics: { p99_ms: 400 } }',
  '',
].join('\n');

describe('Communications in VS Code', function () {
  this.timeout(60_000);

  it('an unknown placeholder in a communication template is an error at exactly the placeholder', async () => {
    const text = RUNBOOK.replace('{{roles.commsLiaison.contact}}', '{{roles.commsLiason.contact}}');
    const uri = await writeFile('fixtures/comms/typo.runbook.yaml', text);
    await writeFile('fixtures/comms/metrics.json', '{"p99_ms": 100}');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const found = await waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'unknown-placeholder'));
    const at = doc.positionAt(text.indexOf('{{roles.commsLiason.contact}}'));
    const end = at.translate(0, '{{roles.commsLiason.contact}}'.length);
    assert.deepEqual(found.filter((x) => x.code === 'unknown-placeholder').map(brief), [`${at.line}:${at.character}-${end.line}:${end.character} unknown-placeholder`]);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a drill from the editor lists the rendered messages in its report, each not sent', async () => {
    const uri = await writeFile('fixtures/comms/tell.runbook.yaml', RUNBOOK);
    await writeFile('fixtures/comms/metrics.json', '{"p99_ms": 100}');
    const report = await vscode.commands.executeCommand<DrillReport>('rollbackLens.runDrill', uri.toString(), 'tell');
    assert.deepEqual([report.verdict, report.outcome], ['pass', 'restored']);
    assert.deepEqual(
      report.messages!.map((m) => [m.event, m.text, m.sent, m.why]),
      [
        ['start', 'm is back on 1.4.2 (start, open); ask #support', false, 'drill'],
        ['close', 'm is back on 1.4.2 (close, PASS); ask #support', false, 'drill'],
      ],
    );
    const md = readFileSync(vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/reports/fixtures/comms/tell.runbook drill tell.md').fsPath, 'utf8');
    // the run time of each message is measured, not fixed
    const section = md
      .slice(md.indexOf('## Messages'))
      .split('\n')
      .slice(0, 6)
      .map((l) => l.replace(/ at [^,]+, not sent/, ' at T, not sent'));
    assert.deepEqual(section, [
      '## Messages',
      '',
      '2 rendered, 0 sent.',
      '',
      `- **start** to customers at T, ${esc('not sent: drill (webhook $RL_NO_SUCH_HOOK)')}: ${esc('m is back on 1.4.2 (start, open); ask #support')}`,
      `- **close** to customers at T, ${esc('not sent: drill (webhook $RL_NO_SUCH_HOOK)')}: ${esc('m is back on 1.4.2 (close, PASS); ask #support')}`,
    ]);
  });
});
