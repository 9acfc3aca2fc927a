// renderPostmortem (src/core/runbook/postmortem.ts) on records the real drill
// of test/system/postmortem-drill.test.ts does not produce: a rollback record
// with fidelity, a window exceeded, an expectation not measured, a step that
// failed on its own and an undo that failed (each seeds an action item owned
// by the step's owner or the sign-off role); an old drill record without the
// triggers, expectations and verify results (said not recorded, the
// scenario's expect judged on its timings); and the editor's adapters: which
// runbook a post-mortem file belongs to, and whether the log holds a record;
// a postmortems folder linked outside the workspace, a huge post-mortem, and
// the command's JSON output.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkPostmortem, postmortemFileName, recordHashOf, renderPostmortem, type PostmortemRecord } from '../../src/core/runbook/postmortem';
import { appendAuditRecord } from '../../src/node/audit';
import { hasPostmortemRecord, postmortemRunbook } from '../../src/node/runbook/postmortem';
import { FIXTURES, runCli } from './helpers';

const HASH = `sha256:${'ab'.repeat(32)}`;
const TODAY = Date.UTC(2026, 10, 22);

const VALUE = {
  release: { current: { model: 'iris', version: '2.0.0' }, target: { model: 'iris', version: '1.4.2' } },
  roles: { decisionMaker: {}, technicalLead: {}, dataSteward: {} },
  windows: { detect: '5m', decide: '15m', restore: '1m' },
  steps: [
    { id: 'approve', approve: ['decisionMaker'] },
    { id: 'flag-off', flag: { file: 'f.json', name: 'x', variant: 'off' }, owner: 'technicalLead' },
    { id: 'repoint', run: './set.sh', undo: './unset.sh', owner: 'ghost' },
    { id: 'verify', verify: { contract: 'c.contract.yaml', test: 'parity' } },
  ],
  closure: { signOff: ['dataSteward', 'decisionMaker'] },
  drills: { scenarios: [{ id: 'spike', expect: { decideWithin: '1m', restoreWithin: '10m' } }] },
};

const ctx = { runbook: 'ops/iris.runbook.yaml', runbookLink: '../../iris.runbook.yaml', auditLog: '.rollback-lens/audit.jsonl', value: VALUE, today: TODAY };

function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of md.split(/^## /m).slice(1)) out.set(p.slice(0, p.indexOf('\n')), p.slice(p.indexOf('\n') + 1));
  return out;
}

describe('postmortem: rendering a record', () => {
  const rollback: PostmortemRecord = {
    hash: HASH,
    line: 7,
    record: {
      kind: 'rollback',
      path: 'ops/iris.runbook.yaml',
      time: '2026-11-20T10:00:00.000Z',
      user: 'ana',
      commit: 'c'.repeat(40),
      verdict: 'fail',
      outcome: 'undone',
      forced: 'the dry-run was NOT READY: registry | down',
      approvals: [{ role: 'decisionMaker', by: 'person', name: 'Dana' }],
      timings: { detectMs: 1000, decideMs: 20 * 60_000, executeMs: 90_000, verifyMs: 0, restoreMs: 90_000 },
      findings: { restored: ['flag-off'], reason: 'step `repoint` failed: exit 3', fidelity: { measured: true, rowsCompared: 150, rowsWithinTolerance: 149, withinTolerance: 149 / 150, agreement: { value: 149 / 150, agree: 149, of: 150 }, tests: [{ step: 'verify', contract: 'iris.contract.yaml', test: 'parity', verdict: 'pass', rowsCompared: 150, rowsWithinTolerance: 149, agreement: { agree: 149, of: 150, fields: ['label'] }, baseline: { version: '1.4.2' } }], expectations: [{ what: 'agreement', want: '>= 0.995', actual: 149 / 150, met: false, message: 'fidelity agreement >= 0.995 was not met: 0.993333 (149/150 rows agree)' }] } },
      steps: { approve: { outcome: 'approved', durationMs: 20 * 60_000 }, 'flag-off': { outcome: 'done', durationMs: 50, undo: 'undo-failed' }, repoint: { outcome: 'failed', durationMs: 89_950 } },
      triggers: [{ id: 'slow', metric: 'p99_latency_ms', value: 400, message: 'p99 <b>high</b> `x`' }],
      expectations: [{ what: 'verifyWithin', limitMs: 60_000, actualMs: 0, met: false, notReached: 'no verify step ran' }],
      stepMessages: { repoint: 'exit 3' },
    },
  };

  it('a rollback record: forced and approvals said, windows exceeded, fidelity listed, each problem an action item, escaped', () => {
    const md = renderPostmortem(rollback, ctx);
    assert.equal(recordHashOf(md), HASH);
    assert.equal(postmortemFileName(rollback), '2026-11-20-rollback.md');
    assert.deepEqual(md.split('\n').slice(0, 10), [
      '# After-action review: rollback of ops/iris.runbook.yaml',
      '',
      '- **Runbook**: [ops/iris.runbook.yaml](../../iris.runbook.yaml)',
      '- **Release**: iris 2.0.0 → 1.4.2',
      `- **Audit record**: \`${HASH}\` (line 7 of .rollback-lens/audit.jsonl)`,
      '- **When**: 2026-11-20T10:00:00.000Z, by ana at commit `cccccccccccc`',
      '- **Verdict**: FAIL, undone',
      '- **What happened**: step `repoint` failed: exit 3',
      '- **Forced**: the dry-run was NOT READY: registry \\| down',
      '- **Approvals**: decisionMaker (person: Dana)',
    ]);
    const s = sections(md);
    assert.equal(
      s.get('Timeline'),
      [
        '',
        '| Phase | Took | Window | Scenario expects |',
        '| --- | --- | --- | --- |',
        '| detect | 1.0 s | 5m: within | — |',
        '| decide | 20m | 15m: **exceeded** by 5m | — |',
        '| execute | 1m30s | — | — |',
        '| verify | 0 ms | — | verifyWithin 1m: **not measured** (no verify step ran) |',
        '| restore (execute + verify) | 1m30s | 1m: **exceeded** by 30.0 s | — |',
        '',
        '',
      ].join('\n'),
    );
    assert.equal(s.get('Triggers that fired'), "\n- `slow`: p99_latency_ms = 400 — `p99 <b>high</b> 'x'`\n\n");
    assert.equal(
      s.get('Fidelity'),
      [
        '',
        '- fidelity\\: 149/150 rows within tolerance \\(0\\.993333\\), label agreement 0\\.993333 \\(149/150\\); `parity` of iris\\.contract\\.yaml against the 1\\.4\\.2 baseline',
        '- `verify`: contract test `parity` of iris\\.contract\\.yaml pass: 149/150 rows within tolerance, 149/150 labels agree',
        '- **not met**: fidelity agreement &gt;= 0\\.995 was not met\\: 0\\.993333 \\(149/150 rows agree\\)',
        '',
        '',
      ].join('\n'),
    );
    // a fidelity of another shape is not read as one
    assert.equal(renderPostmortem({ ...rollback, record: { ...rollback.record, findings: { fidelity: { rows: 150 } } } }, ctx).includes('Not measured: the record holds no fidelity findings.'), true);
    assert.equal(s.get('Verification'), '\nNo verify step ran: nothing compared the outputs with the baseline.\n\n');
    assert.deepEqual(s.get('Steps')!.split('\n').slice(3, 7), [
      '| `approve` | approve | — | approved | 20m | — |',
      '| `flag-off` | flag | technicalLead | done | 50 ms | undo-failed |',
      '| `repoint` | run | ghost | failed | 1m30s | — |',
      '| `verify` | verify | — | not reached | — | — |',
    ]);
    assert.deepEqual(s.get('Action items')!.split('\n').slice(5), [
      '| Bring decide within windows.decide 15m (took 20m) | dataSteward | 2026-12-06 | open |',
      '| Make the scenario reach verify (no verify step ran) | dataSteward | 2026-12-06 | open |',
      '| Bring restore (execute + verify) within windows.restore 1m (took 1m30s) | dataSteward | 2026-12-06 | open |',
      '| Find and fix why the undo of step `flag-off` failed | technicalLead | 2026-12-06 | open |',
      '| Find and fix why step `repoint` failed | dataSteward | 2026-12-06 | open |',
      '',
    ]);
    // what it seeds passes its own check on the day it is written, and is overdue after its due day
    assert.deepEqual(checkPostmortem(md, Object.keys(VALUE.roles), TODAY), []);
    assert.deepEqual(checkPostmortem(md, Object.keys(VALUE.roles), Date.UTC(2026, 11, 7)).map((d) => d.code), Array(5).fill('postmortem-action-overdue'));
  });

  it('an old drill record: triggers and verify not recorded, the scenario\'s expect judged on its timings', () => {
    const md = renderPostmortem(
      { hash: HASH, line: 2, record: { kind: 'drill', scenario: 'spike', time: '2026-11-01T08:00:00.000Z', user: 'bo', commit: null, verdict: 'pass', outcome: 'restored', timings: { detectMs: 5, decideMs: 30_000, executeMs: 700_000, verifyMs: 0, restoreMs: 700_000 }, steps: {} } },
      { ...ctx, value: { ...VALUE, windows: {} } },
    );
    const s = sections(md);
    assert.equal(s.get('Triggers that fired'), '\nNot recorded: the record does not list its triggers (it was written before Rollback Lens kept them).\n\n');
    assert.equal(s.get('Verification'), '\nNot recorded: the record does not hold what its steps said.\n\n');
    assert.equal(s.get('Fidelity'), '\nNot measured: the record holds no fidelity findings.\n\n');
    assert.deepEqual(s.get('Timeline')!.split('\n').slice(3, 8), [
      '| detect | 5 ms | — | — |',
      '| decide | 30.0 s | — | decideWithin 1m: met |',
      '| execute | 11m40s | — | — |',
      '| verify | 0 ms | — | — |',
      '| restore (execute + verify) | 11m40s | — | restoreWithin 10m: **not met** |',
    ]);
    assert.match(md, /^\| Meet restoreWithin 10m \(took 11m40s\) \| dataSteward \| 2026-12-06 \| open \|$/m);
  });
});

describe('postmortem: the editor adapters', () => {
  it('postmortemRunbook: postmortems/<name>/*.md beside <name>.runbook.yaml (or .yml), nothing else', () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'rl-postmortem-owner-'));
    fs.writeFileSync(path.join(dir, 'iris.runbook.yaml'), '');
    fs.writeFileSync(path.join(dir, 'pen.runbook.yml'), '');
    assert.equal(postmortemRunbook(path.join(dir, 'postmortems', 'iris', '2026-11-20-drill-spike.md')), path.join(dir, 'iris.runbook.yaml'));
    assert.equal(postmortemRunbook(path.join(dir, 'postmortems', 'pen', 'x.md')), path.join(dir, 'pen.runbook.yml'));
    assert.equal(postmortemRunbook(path.join(dir, 'postmortems', 'gone', 'x.md')), undefined);
    assert.equal(postmortemRunbook(path.join(dir, 'postmortems', 'iris', 'x.txt')), undefined);
    assert.equal(postmortemRunbook(path.join(dir, 'notes', 'iris', 'x.md')), undefined);
  });

  it('hasPostmortemRecord: a drill or rollback record of the runbook, read again when the log changes', async () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'rl-postmortem-has-'));
    assert.equal(await hasPostmortemRecord(dir, 'iris.runbook.yaml'), false, 'no log');
    await appendAuditRecord(dir, { kind: 'dry-run', path: 'iris.runbook.yaml', verdict: 'ready' }, { durable: false });
    await appendAuditRecord(dir, { kind: 'drill', path: 'other.runbook.yaml', verdict: 'pass' }, { durable: false });
    assert.equal(await hasPostmortemRecord(dir, 'iris.runbook.yaml'), false, 'a dry-run, and a drill of another runbook');
    await appendAuditRecord(dir, { kind: 'drill', path: 'iris.runbook.yaml', verdict: 'fail' }, { durable: false });
    assert.equal(await hasPostmortemRecord(dir, 'iris.runbook.yaml'), true);
  });
});

describe('postmortem: confined to the workspace, bounded, and --format json', () => {
  const DRILL = { kind: 'drill' as const, path: 'iris.runbook.yaml', verdict: 'pass', scenario: 'latency-spike', outcome: 'restored', timings: { detectMs: 1, decideMs: 2, executeMs: 3, verifyMs: 0, restoreMs: 3 }, steps: {} };

  function workspace(): string {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'rl-postmortem-ws-'));
    fs.cpSync(path.join(FIXTURES, 'clean'), dir, { recursive: true });
    return dir;
  }

  it('a postmortems folder that links outside the workspace: nothing written there, nothing read from there', async () => {
    const dir = workspace();
    const outside = fs.mkdtempSync(path.join(tmpdir(), 'rl-postmortem-outside-'));
    fs.mkdirSync(path.join(outside, 'iris'));
    fs.writeFileSync(path.join(outside, 'iris', 'planted.md'), '# x\n');
    fs.symlinkSync(outside, path.join(dir, 'postmortems'));
    await appendAuditRecord(dir, DRILL, { durable: false });
    const r = await runCli(dir, 'postmortem', 'iris.runbook.yaml');
    assert.deepEqual(r, { code: 2, stdout: '', stderr: 'rollback-lens: the post-mortem folder `postmortems/iris` is outside the workspace (through a link)\n' });
    assert.deepEqual(fs.readdirSync(path.join(outside, 'iris')), ['planted.md']);
    const v = await runCli(dir, 'validate', 'iris.runbook.yaml');
    assert.deepEqual([v.code, v.stdout], [0, ''], 'the planted post-mortem outside is not read');
  });

  it('a post-mortem over 5 MiB is one error, not read whole', async () => {
    const dir = workspace();
    fs.mkdirSync(path.join(dir, 'postmortems', 'iris'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'postmortems', 'iris', 'huge.md'), '#'.repeat(5 * 1024 * 1024 + 1));
    const v = await runCli(dir, 'validate', 'iris.runbook.yaml');
    assert.deepEqual([v.code, v.stdout], [1, `postmortems/iris/huge.md:1:1: error file-too-large the file is ${5 * 1024 * 1024 + 1} bytes; a post-mortem is checked up to ${5 * 1024 * 1024} bytes\n`]);
  });

  it('--format json says where it wrote and which record', async () => {
    const dir = workspace();
    const rec = await appendAuditRecord(dir, DRILL, { durable: false });
    const r = await runCli(dir, 'postmortem', 'iris.runbook.yaml', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const line = fs.readFileSync(path.join(dir, '.rollback-lens', 'audit.jsonl'), 'utf8').split('\n')[0]!;
    assert.deepEqual(JSON.parse(r.stdout), {
      file: `postmortems/iris/${rec.time.slice(0, 10)}-drill-latency-spike.md`,
      record: { hash: `sha256:${createHash('sha256').update(line).digest('hex')}`, line: 1, kind: 'drill', scenario: 'latency-spike', time: rec.time, verdict: 'pass' },
    });
  });
});
