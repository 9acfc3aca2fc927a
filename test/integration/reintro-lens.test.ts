// The Reintroduce… CodeLens in a trusted workspace: on the `reintroduction`
// key of the example and of a small runbook with 1 s holds; run from the lens
// (the confirmation answered by the command's automation argument, as
// test/integration/contracts.test.ts does for its modal), it walks every stage
// for real, tells each stage's progress, edits the real flag file, records
// the `reintroduction` in the audit log, writes the Markdown report and shows
// the verdict on the lens. The example's drill scenario aborts at stage 2 as
// it expects, and leaves the flag file as it was.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { editFractional } from '../../src/core/runbook/fractional';
import type { ReintroductionProgress } from '../../src/node/runbook/reintroduce';
import type { RollbackLensApi } from '../../src/extension/extension';
import { EXTENSION_ID, sleep, workspaceRoot, writeFile } from './util';

const FLAGS = `{
  "flags": {
    "iris-v2": {
      "state": "ENABLED",
      "variants": { "on": true, "off": false },
      "defaultVariant": "off"
    }
  }
}
`;

const RUNBOOK = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: reintro-lens, owner: ml }
release:
  current: { model: iris-classifier, version: 2.0.0 }
  target: { model: iris-classifier, version: 1.4.2 }
roles:
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }
metrics: { file: now.json }
triggers:
  - { id: slow, metric: p99_latency_ms, when: "> 250" }
steps:
  - id: approve
    approve: [decisionMaker]
reintroduction:
  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }
  abortOn: [slow]
  stages:
    - percent: 20
      hold: 1s
      checks: [slow]
    - percent: 100
      approve: [decisionMaker]
`;

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
}

async function api(): Promise<RollbackLensApi> {
  return vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!.activate();
}

function reintroductionRecords(): Array<Record<string, unknown>> {
  const file = vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/audit.jsonl').fsPath;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.kind === 'reintroduction');
}

describe('the Reintroduce… lens', function () {
  this.timeout(120_000);

  it('sits on the reintroduction key, walks the stages for real with their progress, records and reports', async () => {
    await writeFile('reintro/flags.flagd.json', FLAGS);
    await writeFile('reintro/now.json', JSON.stringify({ p99_latency_ms: 120 }));
    const uri = await writeFile('reintro/reintro.runbook.yaml', RUNBOOK);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const { reintroductions } = await api();
    const line = RUNBOOK.split('\n').indexOf('reintroduction:');
    let lens: vscode.CodeLens | undefined;
    for (let i = 0; i < 50 && !lens; i++) {
      lens = (await lenses(uri)).find((l) => l.command?.title === '$(rocket) Reintroduce…');
      if (!lens) await sleep(100);
    }
    assert.ok(lens, (await lenses(uri)).map((l) => l.command?.title).join(', '));
    assert.equal(lens.range.start.line, line);
    assert.equal(lens.command!.command, 'rollbackLens.reintroduce');
    const seen: string[] = [];
    const sub = reintroductions.onDidProgress(({ event }: { event: ReintroductionProgress }) => seen.push(event.kind === 'result' ? `result ${event.result.stage} ${event.result.outcome}` : `${event.kind} ${event.stage}`));
    const before = reintroductionRecords().length;
    const report = await vscode.commands.executeCommand<{ verdict: string; outcome: string } | undefined>(lens.command!.command, ...lens.command!.arguments!, { confirmed: true, approvals: { decisionMaker: 'dana' } });
    sub.dispose();
    assert.ok(report);
    assert.deepEqual([report.verdict, report.outcome], ['pass', 'completed']);
    assert.deepEqual(seen, ['stage 1', 'hold 1', 'result 1 passed', 'stage 2', 'hold 2', 'result 2 passed']);
    const five = editFractional(FLAGS, 'flags.flagd.json', 'iris-v2', 'on', 20);
    assert.ok(five.ok);
    const full = editFractional(five.text, 'flags.flagd.json', 'iris-v2', 'on', 100);
    assert.ok(full.ok);
    assert.equal(readFileSync(vscode.Uri.joinPath(workspaceRoot(), 'reintro/flags.flagd.json').fsPath, 'utf8'), full.text);
    const records = reintroductionRecords();
    assert.equal(records.length, before + 1);
    assert.deepEqual([records[records.length - 1]!.outcome, records[records.length - 1]!.approvals], ['completed', [{ stage: 2, role: 'decisionMaker', decision: 'approve', by: 'flag', name: 'dana' }]]);
    const md = readFileSync(reintroductions.reportFile(uri).fsPath, 'utf8');
    assert.ok(md.startsWith('# Reintroduction of reintro/reintro\\.runbook\\.yaml\n\n**Verdict: PASS** — completed'), md.slice(0, 200));
    const titles = (await lenses(uri)).map((l) => l.command?.title);
    assert.ok(titles.includes('$(pass) reintroduction: completed'), titles.join(', '));
  });

  it("the example's rehearsal scenario: its own lens (not Run drill), aborted at stage 2 as expected, the flag file as before", async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.runbook.yaml');
    const flags = vscode.Uri.joinPath(workspaceRoot(), 'iris/flags.flagd.json').fsPath;
    const before = readFileSync(flags);
    const scenarioLine = readFileSync(uri.fsPath, 'utf8').split('\n').findIndex((l) => l.includes('- id: reintro-latency'));
    const onScenario = (await lenses(uri)).filter((l) => l.range.start.line === scenarioLine);
    assert.deepEqual(
      onScenario.map((l) => l.command?.title),
      ['$(beaker) Rehearse reintroduction'],
    );
    const cmd = onScenario[0]!.command!;
    const report = await vscode.commands.executeCommand<{ verdict: string; outcome: string } | undefined>(cmd.command, cmd.arguments![0], { ...(cmd.arguments![1] as object), confirmed: true });
    assert.ok(report);
    assert.deepEqual([report.verdict, report.outcome], ['pass', 'aborted-at-2']);
    assert.ok(readFileSync(flags).equals(before));
    const line = readFileSync(uri.fsPath, 'utf8').split('\n').indexOf('reintroduction:');
    const lens = (await lenses(uri)).find((l) => l.command?.title === '$(pass) reintroduction: aborted-at-2');
    assert.equal(lens?.range.start.line, line);
  });
});
