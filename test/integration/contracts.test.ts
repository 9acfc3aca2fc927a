// Contract tests from the editor: discovery into the Test Explorer, a run
// through the CodeLens command and through the TestController, the failure
// message with its numbers and location, and cancelling a hanging model.
// "Run All" covers every contract of the workspace (a copy of examples/), the
// penguins example's too, with its model served on a free port for the run.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/extension/contracts';
import type { RollbackLensApi } from '../../src/extension/extension';
import { EXTENSION_ID, sleep, workspaceRoot, writeFile } from './util';

const PARITY_FAILURE = '`probability`: 20 of 150 rows differ from the baseline by more than 0.05 (max |Δ| 0.2155 at `iris-069`)';
const PENGUINS_PARITY_FAILURE = '`probability`: 19 of 333 rows differ from the baseline by more than 0.1 (max |Δ| 0.2538 at `penguin-074`)';
const PENGUINS_URL = '    url: http://127.0.0.1:8081\n';

/** The penguins example's Open Inference Protocol server (3.2.0) on a free loopback port, once it has printed its URL. */
function servePenguins(dir: string): Promise<{ url: string; child: ChildProcess }> {
  // the extension host's node (ELECTRON_RUN_AS_NODE for a desktop VS Code)
  const child = spawn(process.execPath, ['model/serve.mjs', '--model', 'model/v2.json', '--port', '0'], { cwd: dir, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`serve.mjs exited ${code} before listening: ${out}${err}`)));
  });
}

async function api(): Promise<RollbackLensApi> {
  const ext = vscode.extensions.getExtension<RollbackLensApi>(EXTENSION_ID)!;
  return ext.activate();
}

describe('contract tests in VS Code', function () {
  this.timeout(120_000);
  let contract: vscode.Uri;

  before(async () => {
    contract = vscode.Uri.joinPath(workspaceRoot(), 'iris/iris.contract.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(contract));
  });

  it('discovers every test of the example contract into the Test Explorer', async () => {
    const { contracts } = await api();
    await contracts.discoverAll();
    const file = contracts.controller.items.get(contract.toString());
    assert.ok(file, 'the contract is a test item');
    const ids: string[] = [];
    file.children.forEach((c) => ids.push(`${c.label}@${c.range?.start.line}`));
    // each item starts on its `- id:` line (0-based), read from the file rather than counted by hand
    const doc = await vscode.workspace.openTextDocument(contract);
    const lineOf = (id: string) => doc.getText().split('\n').findIndex((l) => l === `  - id: ${id}`);
    const expected = ['input-edge-cases', 'output-labels', 'parity'].map((id) => `${id}@${lineOf(id)}`);
    for (const e of expected) assert.ok(!e.endsWith('@-1'), `${e}: the test is in the file`);
    assert.deepEqual(ids.sort(), expected.sort());
    // each item's description is its test's `description:`, read from the line after its `- id:`
    const lines = doc.getText().split('\n');
    const descriptions: string[] = [];
    file.children.forEach((c) => descriptions.push(`${c.label}: ${c.description}`));
    const expectedDescriptions = ['input-edge-cases', 'output-labels', 'parity'].map((id) => `${id}: ${lines[lineOf(id) + 1]!.replace(/^ {4}description: /, '')}`);
    assert.deepEqual(descriptions.sort(), expectedDescriptions.sort());
  });

  it('runs the parity test from its CodeLens: failed, with the numbers, at the tolerance in the contract', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', contract);
    const run = lenses.find((l) => l.command?.title === '$(play) Run test' && l.command.arguments?.[1] === 'parity');
    assert.ok(run, `a Run test lens for parity: ${lenses.map((l) => l.command?.title).join(', ')}`);
    const records = await vscode.commands.executeCommand<RunRecord[]>(run.command!.command, ...run.command!.arguments!);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.state, 'failed');
    assert.deepEqual(records[0]!.messages, [PARITY_FAILURE]);
    // the failure points at the tolerance it broke: `probability: { abs: 0.05 }` of the parity test
    const doc = await vscode.workspace.openTextDocument(contract);
    const line = doc.getText().split('\n').findIndex((l) => l.trim() === 'probability: { abs: 0.05 }');
    assert.deepEqual(records[0]!.locations, [`${line}:6`]);
    const t = records[0]!.report!;
    assert.equal(t.counts.matched, 150);
    assert.equal(t.rules.find((r) => r.id === 'label.agreement')!.verdict, 'pass');
    // after the run the lens shows the verdict
    const after = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', contract);
    assert.ok(after.some((l) => l.command?.title === '$(error) failed: probability.abs'), after.map((l) => l.command?.title).join(', '));
    // the Test Results output holds what the CLI prints for the same test (durations aside)
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const printed = spawnSync(process.execPath, [cli, 'test', 'iris/iris.contract.yaml', '--test', 'parity'], { cwd: workspaceRoot().fsPath, encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(printed.status, 1, printed.stderr);
    const timeless = (text: string) => text.replace(/ \(\d+\.\d s\)$/gm, '').trimEnd();
    assert.equal(timeless(records[0]!.output!), timeless(printed.stdout));
    assert.match(records[0]!.output!, /^iris\/iris\.contract\.yaml \(iris-classifier v3\)\n {2}FAIL parity — 150 rows matched, 0 missing, 0 extra/);
  });

  it('runs every test through the TestController (Test Explorer "Run All"): the iris contract, and the penguins contracts with their model served over open-inference', async () => {
    const { contracts } = await api();
    // the workspace is a copy of examples/: penguins.contract.yaml names port 8081, pointed here at a server on a free port
    const penguins = vscode.Uri.joinPath(workspaceRoot(), 'penguins');
    const http = vscode.Uri.joinPath(penguins, 'penguins.contract.yaml');
    const batch = vscode.Uri.joinPath(penguins, 'penguins-batch.contract.yaml');
    const server = await servePenguins(penguins.fsPath);
    try {
      const text = readFileSync(http.fsPath, 'utf8');
      assert.equal(text.split(PENGUINS_URL).length, 2, `${http.fsPath} names ${PENGUINS_URL.trim()} once`);
      writeFileSync(http.fsPath, text.replace(PENGUINS_URL, `    url: ${server.url}\n`));
      await contracts.discoverAll();
      const done = new Promise<RunRecord[]>((resolve) => {
        const sub = contracts.onDidFinishRun((r) => {
          if (r.some((x) => x.itemId === `${contract.toString()}#parity`)) {
            sub.dispose();
            resolve(r);
          }
        });
      });
      await vscode.commands.executeCommand('testing.runAll');
      const records = await done;
      const of = (uri: vscode.Uri) => Object.fromEntries(records.filter((r) => r.itemId.startsWith(`${uri.toString()}#`)).map((r) => [r.itemId.split('#')[1], r.state]));
      assert.deepEqual(of(contract), { parity: 'failed', 'input-edge-cases': 'passed', 'output-labels': 'passed' });
      assert.deepEqual(of(http), { parity: 'failed', 'edge-cases': 'passed', 'output-shape': 'passed' }, JSON.stringify(records.filter((r) => r.itemId.startsWith(penguins.toString()))));
      assert.deepEqual(of(batch), { parity: 'failed' });
      for (const uri of [http, batch]) assert.deepEqual(records.find((r) => r.itemId === `${uri.toString()}#parity`)!.messages, [PENGUINS_PARITY_FAILURE]);
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  it('records a baseline from its CodeLens, after which the test compares against it', async () => {
    const dir = 'fixtures/record';
    await writeFile(`${dir}/model.js`, "process.stdin.on('data', (d) => { for (const l of String(d).split('\\n')) if (l.trim()) process.stdout.write(JSON.stringify({ id: JSON.parse(l).id, p: 0.5 }) + '\\n'); });\n");
    await writeFile(`${dir}/inputs.jsonl`, '{"id":"a"}\n{"id":"b"}\n');
    const uri = await writeFile(
      `${dir}/rec.contract.yaml`,
      [
        'apiVersion: rollback-lens/v1',
        'kind: InterfaceContract',
        'metadata: { name: rec, version: 1, modelVersion: 0.9.0 }',
        'input: { schema: { type: object } }',
        'output: { key: id, schema: { type: object } }',
        'source: { command: "node model.js", seed: 3, timeout: 30s }',
        'tests:',
        '  - { id: same, inputs: inputs.jsonl, baseline: baseline.jsonl, tolerance: { p: { abs: 0.01 } } }',
        '',
      ].join('\n'),
    );
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const { contracts } = await api();
    await contracts.discoverText(uri, readFileSync(uri.fsPath, 'utf8'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const record = lenses.find((l) => l.command?.title === '$(record) Record baseline');
    assert.ok(record, lenses.map((l) => l.command?.title).join(', '));
    // (the last argument answers the confirmation; test/vscode/baseline.mjs clicks the real modal)
    const said = await vscode.commands.executeCommand<string>(record.command!.command, ...record.command!.arguments!, '0.9.0', true);
    assert.equal(said, 'recorded 2 outputs of rec 0.9.0 into baseline.jsonl');
    const meta = JSON.parse(readFileSync(vscode.Uri.joinPath(workspaceRoot(), dir, 'baseline.meta.json').fsPath, 'utf8'));
    assert.deepEqual([meta.version, meta.seed], ['0.9.0', 3]);
    const records = await contracts.runFromCommand(uri, 'same');
    assert.equal(records[0]!.state, 'passed');
    const titles = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)).map((l) => l.command?.title);
    assert.ok((await titles()).includes('$(pass) passed'), (await titles()).join(', '));
    // recorded again: the previous baseline is kept, and the verdict it gave is gone from the lens
    const again = await vscode.commands.executeCommand<string>(record.command!.command, ...record.command!.arguments!, '0.9.0', true);
    const kept = readdirSync(vscode.Uri.joinPath(workspaceRoot(), '.rollback-lens/baselines', dir).fsPath).sort();
    assert.equal(kept.length, 2, kept.join(', '));
    assert.equal(again, `recorded 2 outputs of rec 0.9.0 into baseline.jsonl; the previous one is kept as .rollback-lens/baselines/${dir}/${kept[0]}`);
    assert.ok(!(await titles()).includes('$(pass) passed'), (await titles()).join(', '));
    assert.ok(!contracts.lastReport(uri, 'same'));
  });

  it('the rollbackLens.validateFormats setting: format is checked by default, and not once it is false', async () => {
    const uri = await writeFile(
      'fixtures/formats/formats.contract.yaml',
      [
        'apiVersion: rollback-lens/v1',
        'kind: InterfaceContract',
        'metadata: { name: formats, version: 1 }',
        'input:',
        '  schema:',
        '    $schema: https://json-schema.org/draft/2020-12/schema',
        '    type: object',
        '    properties: { email: { type: string, format: email } }',
        'output: { key: id, schema: { type: object } }',
        'tests:',
        '  - id: emails',
        '    against: input',
        '    accept: [{ email: not-an-email }]',
        '',
      ].join('\n'),
    );
    const { contracts } = await api();
    await contracts.discoverText(uri, readFileSync(uri.fsPath, 'utf8'));
    const config = vscode.workspace.getConfiguration('rollbackLens');
    const checked = await contracts.runFromCommand(uri, 'emails');
    assert.equal(checked[0]!.state, 'failed', JSON.stringify(checked[0]));
    await config.update('validateFormats', false, vscode.ConfigurationTarget.Workspace);
    try {
      const unchecked = await contracts.runFromCommand(uri, 'emails');
      assert.equal(unchecked[0]!.state, 'passed', JSON.stringify(unchecked[0]));
    } finally {
      await config.update('validateFormats', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('cancelling a run kills a hanging model process tree', async () => {
    const { contracts } = await api();
    const dir = 'fixtures/hang';
    await writeFile(`${dir}/model.js`, "require('fs').writeFileSync(process.argv[2], String(process.pid)); setInterval(() => {}, 1000);\n");
    await writeFile(`${dir}/inputs.jsonl`, '{"id":"a"}\n');
    await writeFile(`${dir}/baseline.jsonl`, '{"id":"a","p":0.5}\n');
    const uri = await writeFile(
      `${dir}/hang.contract.yaml`,
      [
        'apiVersion: rollback-lens/v1',
        'kind: InterfaceContract',
        'metadata: { name: hang, version: 1 }',
        'input: { schema: { type: object } }',
        'output: { key: id, schema: { type: object } }',
        'source: { command: "node model.js pid.txt", timeout: 10m }',
        'tests:',
        '  - { id: slow, inputs: inputs.jsonl, baseline: baseline.jsonl, tolerance: { p: { abs: 0.1 } } }',
        '',
      ].join('\n'),
    );
    await contracts.discoverText(uri, readFileSync(uri.fsPath, 'utf8'));
    const item = contracts.controller.items.get(uri.toString())!.children.get(`${uri.toString()}#slow`)!;
    const cts = new vscode.CancellationTokenSource();
    const started = Date.now();
    const running = contracts.run(new vscode.TestRunRequest([item]), cts.token);
    const pidFile = vscode.Uri.joinPath(workspaceRoot(), dir, 'pid.txt').fsPath;
    // the model writes its pid: wait for the number, not only the file (it exists, empty, a moment before)
    const written = () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '');
    for (let i = 0; i < 100 && !written(); i++) await sleep(100);
    const pid = Number(written());
    assert.ok(pid > 0, `the model wrote its pid: "${written()}"`);
    cts.cancel();
    const records = await running;
    assert.ok(Date.now() - started < 20_000, 'cancel ends the run quickly');
    assert.equal(records[0]!.state, 'errored', JSON.stringify(records));
    assert.match(records[0]!.messages[0]!, /cancel/i);
    // SIGTERM, then SIGKILL after a grace period: gone within a few seconds
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await sleep(100);
    assert.equal(alive(), false, `the model process ${pid} is gone`);
  });
});
