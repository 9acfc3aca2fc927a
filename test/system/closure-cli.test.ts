// Closing a rollback with the real CLI, as processes, on a copy of the iris
// example: closure.verify runs the contract's tests for real (the served
// model is 1.4.2 after the rollback: the copy's contract source runs
// model/v1.json; with 2.0.0 still served, parity fails), each checklist
// item is confirmed by number or text, sign-offs come from `sign-off`, and
// the status after each record is exact. `close` is refused with the exact
// missing list until everything is done, then recorded. The rollback record
// itself comes from another command: the tests append it with the audit API.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendAuditRecord, readAuditLog, type AuditRecord } from '../../src/node/audit';
import { spawnSync } from 'node:child_process';
import { cliBundle, runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const RUNBOOK = 'iris.runbook.yaml';
const ITEMS = [
  'outputs within tolerance of the 1.4.2 baseline',
  'sampled user state intact (locale and consent unchanged)',
  'no trigger firing for 30 minutes after restore',
  'incident ticket updated with the timeline',
];

/** A copy of the example, without its audit log; `served`: the model the contract's source runs. */
function exampleCopy(served: 'v1' | 'v2'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-closure-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
  const contract = path.join(dir, 'iris.contract.yaml');
  const text = readFileSync(contract, 'utf8');
  assert.ok(text.includes('--model model/v2.json'));
  writeFileSync(contract, text.replace('--model model/v2.json', `--model model/${served}.json`));
  return dir;
}

/** A rollback record as the rollback command writes it: a drill record's fields, plus forced and approvals. */
function rollbackRecord(dir: string): Promise<AuditRecord> {
  return appendAuditRecord(dir, {
    kind: 'rollback',
    path: RUNBOOK,
    verdict: 'pass',
    user: 'dana',
    outcome: 'restored',
    timings: { detect: 1, decide: 2, execute: 3, verify: 4, total: 10 },
    findings: { restored: true },
    steps: {},
    approvals: [{ role: 'decisionMaker', by: 'person', name: 'dana' }],
  });
}

async function records(dir: string, kind?: string): Promise<AuditRecord[]> {
  return (await readAuditLog(dir)).entries.map((e) => e.record).filter((r) => !kind || r.kind === kind);
}

function cli(dir: string, ...argv: string[]): { code: number | null; stdout: string; stderr: string } {
  return runCliProcess(dir, argv);
}

/** The status text `closure` prints, from the records' own times and users. */
function statusText(o: {
  state: string;
  rollback: AuditRecord;
  verify?: { record: AuditRecord; lines: string[] };
  confirmed?: Record<number, AuditRecord>;
  signed?: Record<string, AuditRecord>;
  tail?: string;
}): string {
  const lines = [`${RUNBOOK}: closure ${o.state} — rollback recorded ${o.rollback.time} by dana (pass)`];
  lines.push(`  verify: ${o.verify ? `${o.verify.record.verdict} (${o.verify.record.time}, ${o.verify.record.user})` : 'not run since the rollback'}`, ...(o.verify?.lines ?? []));
  const confirmed = o.confirmed ?? {};
  lines.push(`  checklist ${Object.keys(confirmed).length}/4:`);
  ITEMS.forEach((t, i) => {
    const c = confirmed[i + 1];
    lines.push(`    ${i + 1}. [${c ? 'x' : ' '}] ${t}${c ? ` (${c.user}, ${c.time})` : ''}`);
  });
  const signed = o.signed ?? {};
  const role = (r: string) => (signed[r] ? `${r} ✓ (${signed[r]!.user}, ${signed[r]!.time.slice(0, 10)})` : `${r} —`);
  lines.push(`  sign-off ${Object.keys(signed).length}/2: ${role('decisionMaker')}, ${role('dataSteward')}`);
  if (o.tail) lines.push(o.tail);
  return lines.join('\n') + '\n';
}

/** The contract engine's counts of a test of `n` rows, each matched, none missing, extra, duplicate or invalid. */
const counts = (n: number) => ({ inputRows: n, baselineRows: n, currentRows: n, matched: n, missing: 0, extra: 0, duplicateBaseline: 0, duplicateCurrent: 0, invalidInputs: 0, invalidBaseline: 0, invalidCurrent: 0 });

const PASSED = [
  '    ✓ parity of iris.contract.yaml: pass, 150 rows compared, 10/10 rules passed',
  '    ✓ input-edge-cases of iris.contract.yaml: pass, 0 rows compared, 6/6 rules passed',
];

describe('closure from the CLI, on a copy of the iris example', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('without a rollback record: the status says so, close and every step are refused (exit 1), nothing recorded', () => {
    const dir = exampleCopy('v1');
    dirs.push(dir);
    assert.deepEqual(cli(dir, 'closure', RUNBOOK), { code: 0, stdout: `${RUNBOOK}: no rollback to close (the audit log has no rollback record of it)\n`, stderr: '' });
    const refused = { code: 1, stdout: '', stderr: `rollback-lens: ${RUNBOOK}: no rollback to close (the audit log has no rollback record of it)\n` };
    assert.deepEqual(cli(dir, 'close', RUNBOOK), refused);
    assert.deepEqual(cli(dir, 'closure', RUNBOOK, '--confirm', '1'), refused);
    assert.deepEqual(cli(dir, 'closure', RUNBOOK, '--verify'), refused);
  });

  it('run from the runbook\'s folder inside a larger work tree, refusals name it as the CLI\'s other lines do (relative to the cwd)', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'rl-closure-tree-'));
    dirs.push(root);
    spawnSync('git', ['init', '-q'], { cwd: root });
    const dir = path.join(root, 'iris');
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') && !src.includes('.registry') });
    const none = `${RUNBOOK}: no rollback to close (the audit log has no rollback record of it)`;
    assert.deepEqual(cli(dir, 'closure', RUNBOOK), { code: 0, stdout: `${none}\n`, stderr: '' });
    assert.deepEqual(cli(dir, 'close', RUNBOOK), { code: 1, stdout: '', stderr: `rollback-lens: ${none}\n` });
    assert.deepEqual(cli(dir, 'closure', RUNBOOK, '--confirm', '1'), { code: 1, stdout: '', stderr: `rollback-lens: ${none}\n` });
    assert.deepEqual(cli(dir, 'sign-off', RUNBOOK, '--role', 'nobody'), { code: 2, stdout: '', stderr: `rollback-lens: ${RUNBOOK}: \`nobody\` is not a sign-off role (closure.signOff: decisionMaker, dataSteward)\n` });
    const signed = cli(dir, 'sign-off', RUNBOOK, '--role', 'decisionMaker');
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stdout, new RegExp(`^decisionMaker signed-off ${RUNBOOK.replace(/\./g, '\\.')} \\(audit record at \\S+, by \\S+\\)\n$`));
  });

  it('open -> verified -> signed -> closed: the status after each record, close refused with exactly what is missing, then recorded', async () => {
    const dir = exampleCopy('v1');
    dirs.push(dir);
    const rb = await rollbackRecord(dir);
    const hash = (await readAuditLog(dir)).entries[0]!.hash;
    assert.deepEqual(cli(dir, 'closure', RUNBOOK), { code: 0, stdout: statusText({ state: 'open', rollback: rb }), stderr: '' });

    const missing = (lines: string[]) => ({ code: 1, stdout: '', stderr: `rollback-lens: cannot close the rollback of ${RUNBOOK} (recorded ${rb.time}); still missing:\n${lines.map((l) => `  - ${l}\n`).join('')}` });
    assert.deepEqual(cli(dir, 'close', RUNBOOK), missing([
      'closure.verify: it has not run since the rollback',
      ...ITEMS.map((t, i) => `checklist item ${i + 1}: ${t}`),
      'sign-off of decisionMaker',
      'sign-off of dataSteward',
    ]));
    assert.deepEqual(await records(dir, 'close'), []);

    // verify: both contract tests run for real against the 1.4.2 baseline
    const v = cli(dir, 'closure', RUNBOOK, '--verify');
    const [verify] = await records(dir, 'closure-verify');
    assert.ok(verify, v.stderr);
    assert.deepEqual(
      { verdict: verify.verdict, rollback: verify.rollback, verify: verify.verify, tests: verify.tests, findings: verify.findings },
      {
        verdict: 'pass',
        rollback: hash,
        verify: [{ contract: 'iris.contract.yaml', test: 'parity' }, { contract: 'iris.contract.yaml', test: 'input-edge-cases' }],
        tests: [
          { contract: 'iris.contract.yaml', test: 'parity', verdict: 'pass', rows: 150, rules: 10, failed: 0, counts: counts(150) },
          { contract: 'iris.contract.yaml', test: 'input-edge-cases', verdict: 'pass', rows: 0, rules: 6, failed: 0, counts: counts(0) },
        ],
        findings: { tests: 2, passed: 2, failed: 0, errors: 0, rows: 150 },
      },
    );
    const verifyLines = { record: verify, lines: PASSED };
    assert.deepEqual(v, {
      code: 0,
      stdout:
        `verify: parity of iris.contract.yaml…\nverify: input-edge-cases of iris.contract.yaml…\nclosure.verify pass (closure-verify record at ${verify.time}, by ${verify.user})\n` +
        statusText({ state: 'verified', rollback: rb, verify: verifyLines }),
      stderr: '',
    });

    // checklist items by number and by text; an unknown one is a usage of the wrong item (exit 2)
    const c = cli(dir, 'closure', RUNBOOK, '--confirm', '1', '--confirm', ITEMS[2]!);
    const [c1, c3] = await records(dir, 'checklist');
    assert.deepEqual([c1!.index, c1!.text, c1!.rollback, c3!.index, c3!.text], [1, ITEMS[0], hash, 3, ITEMS[2]]);
    assert.deepEqual(c, {
      code: 0,
      stdout:
        `confirmed checklist item 1: ${ITEMS[0]} (checklist record at ${c1!.time}, by ${c1!.user})\nconfirmed checklist item 3: ${ITEMS[2]} (checklist record at ${c3!.time}, by ${c3!.user})\n` +
        statusText({ state: 'verified', rollback: rb, verify: verifyLines, confirmed: { 1: c1!, 3: c3! } }),
      stderr: '',
    });
    assert.deepEqual(cli(dir, 'closure', RUNBOOK, '--confirm', '5'), { code: 2, stdout: '', stderr: `rollback-lens: ${RUNBOOK}: closure.checklist has items 1 to 4, not 5\n` });
    assert.deepEqual(cli(dir, 'closure', RUNBOOK, '--confirm', 'outputs fine'), { code: 2, stdout: '', stderr: `rollback-lens: ${RUNBOOK}: no closure.checklist item is \`outputs fine\` (give its number, 1 to 4, or its exact text)\n` });
    const again = cli(dir, 'closure', RUNBOOK, '--confirm', '1');
    assert.equal(again.stdout.split('\n')[0], `checklist item 1 was already confirmed (${c1!.user}, ${c1!.time}); nothing recorded`);
    assert.equal((await records(dir, 'checklist')).length, 2);

    // a sign-off from the sign-off command
    assert.equal(cli(dir, 'sign-off', RUNBOOK, '--role', 'decisionMaker').code, 0);
    const [s1] = await records(dir, 'sign-off');
    assert.deepEqual(cli(dir, 'closure', RUNBOOK).stdout, statusText({ state: 'verified', rollback: rb, verify: verifyLines, confirmed: { 1: c1!, 3: c3! }, signed: { decisionMaker: s1! } }));
    assert.deepEqual(cli(dir, 'close', RUNBOOK), missing([`checklist item 2: ${ITEMS[1]}`, `checklist item 4: ${ITEMS[3]}`, 'sign-off of dataSteward']));

    assert.equal(cli(dir, 'closure', RUNBOOK, '--confirm', '2', '--confirm', '4').code, 0);
    assert.equal(cli(dir, 'sign-off', RUNBOOK, '--role', 'dataSteward').code, 0);
    const [, , c2, c4] = await records(dir, 'checklist');
    const [, s2] = await records(dir, 'sign-off');
    const all = { rollback: rb, verify: verifyLines, confirmed: { 1: c1!, 2: c2!, 3: c3!, 4: c4! }, signed: { decisionMaker: s1!, dataSteward: s2! } };
    assert.deepEqual(cli(dir, 'closure', RUNBOOK).stdout, statusText({ state: 'signed', ...all, tail: `  ready to close: rollback-lens close ${RUNBOOK}` }));

    const closed = cli(dir, 'close', RUNBOOK);
    const [close] = await records(dir, 'close');
    assert.deepEqual(closed, { code: 0, stdout: `closed the rollback of ${RUNBOOK} (close record at ${close!.time}, by ${close!.user})\n`, stderr: '' });
    assert.deepEqual(
      { verdict: close!.verdict, rollback: close!.rollback, findings: close!.findings },
      { verdict: 'closed', rollback: hash, findings: { verify: verify.time, checklist: 4, signOff: [`decisionMaker: ${s1!.user}`, `dataSteward: ${s2!.user}`] } },
    );
    assert.deepEqual(cli(dir, 'closure', RUNBOOK).stdout, statusText({ state: 'closed', ...all, tail: `  closed ${close!.time} by ${close!.user}` }));

    // closed: nothing more is recorded
    const already = { code: 1, stdout: '', stderr: `rollback-lens: ${RUNBOOK}: the rollback of ${rb.time} is already closed (${close!.time}, by ${close!.user})\n` };
    assert.deepEqual(cli(dir, 'close', RUNBOOK), already);
    assert.deepEqual(cli(dir, 'closure', RUNBOOK, '--verify'), already);
    assert.equal((await records(dir)).length, 9);
    assert.deepEqual(cli(dir, 'audit', 'verify').code, 0);
  });

  it('with 2.0.0 still served, verify fails on parity (exit 1), recorded with its counts; the status stays open and close names the failure', async () => {
    const dir = exampleCopy('v2');
    dirs.push(dir);
    const rb = await rollbackRecord(dir);
    const v = cli(dir, 'closure', RUNBOOK, '--verify', '--format', 'json');
    assert.equal(v.code, 1, v.stderr);
    const [verify] = await records(dir, 'closure-verify');
    const tests = verify!.tests as Array<Record<string, unknown>>;
    assert.equal(verify!.verdict, 'fail');
    assert.deepEqual(
      tests.map((t) => [t.test, t.verdict, t.rows, t.rules, t.failed]),
      [
        ['parity', 'fail', 150, 10, 1],
        ['input-edge-cases', 'pass', 0, 6, 0],
      ],
    );
    const out = JSON.parse(v.stdout) as { recorded: AuditRecord[]; status: { state: string } };
    assert.deepEqual([out.recorded.length, out.recorded[0]!.kind, out.status.state], [1, 'closure-verify', 'open']);
    const closed = cli(dir, 'close', RUNBOOK);
    assert.equal(closed.code, 1);
    assert.equal(
      closed.stderr.split('\n').slice(0, 2).join('\n'),
      `rollback-lens: cannot close the rollback of ${RUNBOOK} (recorded ${rb.time}); still missing:\n  - closure.verify: it did not pass (fail at ${verify!.time}: parity fail: ${String(tests[0]!.reason)})`,
    );
    const json = cli(dir, 'close', RUNBOOK, '--format', 'json');
    assert.deepEqual([json.code, json.stderr], [1, '']);
    assert.deepEqual(JSON.parse(json.stdout), {
      refused: `cannot close the rollback of ${RUNBOOK} (recorded ${rb.time}); still missing:`,
      missing: [closed.stderr.split('\n')[1]!.slice('  - '.length), ...ITEMS.map((t, i) => `checklist item ${i + 1}: ${t}`), 'sign-off of decisionMaker', 'sign-off of dataSteward'],
    });
    // the numbers the contract's comments give for 2.0.0 (20 rows over, max 0.215461 at iris-069)
    assert.equal(tests[0]!.reason, '`probability`: 20 of 150 rows differ from the baseline by more than 0.05 (max |Δ| 0.2155 at `iris-069`)');
  });

  it('--checklist on a terminal asks for each unconfirmed item in turn: y or yes confirms, anything else skips', async () => {
    const dir = exampleCopy('v1');
    dirs.push(dir);
    await rollbackRecord(dir);
    assert.equal(cli(dir, 'closure', RUNBOOK, '--confirm', '2').code, 0);
    // a real terminal: util-linux's script(1) runs the CLI on a pseudo-terminal and types what it is given, all at once
    // (one answer per question: an end of input typed ahead of the CLI's raw mode is lost by the terminal, so none is relied on)
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const r = spawnSync('script', ['-qec', [process.execPath, cliBundle(), 'closure', RUNBOOK, '--checklist'].map(quote).join(' '), '/dev/null'], { cwd: dir, input: 'yes\nn\nlater\n', encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const asked = [...r.stdout.matchAll(/confirm checklist item (\d)\/4: ([^?]+)\? \[y\/N\] /g)].map((m) => `${m[1]}: ${m[2]}`);
    assert.deepEqual(asked, [`1: ${ITEMS[0]}`, `3: ${ITEMS[2]}`, `4: ${ITEMS[3]}`]);
    assert.deepEqual((await records(dir, 'checklist')).map((c) => [c.index, c.text]), [[2, ITEMS[1]], [1, ITEMS[0]]]);
    assert.match(r.stdout, /checklist 2\/4:/);
  });

  it('bad input: a missing runbook, one outside the workspace, an unreadable contract in closure.verify: located messages, no stack trace', async () => {
    const dir = exampleCopy('v1');
    dirs.push(dir);
    assert.deepEqual(cli(dir, 'closure', 'nope.runbook.yaml'), { code: 2, stdout: '', stderr: `rollback-lens: cannot read ${path.join(dir, 'nope.runbook.yaml')}: ENOENT\n` });
    assert.deepEqual(cli(dir, 'close', RUNBOOK, '--workspace', 'data'), { code: 2, stdout: '', stderr: `rollback-lens: ${path.join(dir, RUNBOOK)} is outside the workspace ${path.join(dir, 'data')}\n` });
    // closure.verify names a contract outside the workspace and a test the contract does not have: each an error, recorded
    const runbook = path.join(dir, RUNBOOK);
    writeFileSync(runbook, readFileSync(runbook, 'utf8').replace('- { contract: iris.contract.yaml, test: parity }\n    - { contract: iris.contract.yaml, test: input-edge-cases }', '- { contract: ../outside.contract.yaml }\n    - { contract: iris.contract.yaml, test: nope }'));
    await rollbackRecord(dir);
    const v = cli(dir, 'closure', RUNBOOK, '--verify');
    assert.equal(v.code, 1, v.stderr);
    const [verify] = await records(dir, 'closure-verify');
    assert.equal(verify!.verdict, 'error');
    assert.deepEqual(verify!.tests, [
      { contract: '../outside.contract.yaml', test: '*', verdict: 'error', rows: 0, rules: 0, failed: 0, reason: 'contract `../outside.contract.yaml` is outside the workspace' },
      { contract: 'iris.contract.yaml', test: 'nope', verdict: 'error', rows: 0, rules: 0, failed: 0, reason: 'iris.contract.yaml has no test `nope` (it has `parity`, `input-edge-cases`, `output-labels`)' },
    ]);
  });
});
