// What the editor's output channel logs of a dry-run and a drill: each command
// a step ran (a dryRun variant, a check, the step itself, its undo), with its
// step, how it ended (the exit code, a timeout, a refusal), how long it took
// and the tail of its stderr (src/node/runbook/shell.ts reports it through
// the runs' onCommand; src/core/runbook/render.ts commandLogLine words it).
// Real processes on a temporary runbook; the times vary, so they are masked.
import * as assert from 'node:assert/strict';
import { commandLogLine } from '../../src/core/runbook/render';
import { drill } from '../../src/node/runbook/drill';
import { dryRun } from '../../src/node/runbook/dryrun';
import { RUNBOOK, workspace } from '../support/dryrun';

const timeless = (l: string) => l.replace(/after \d+(\.\d)? (ms|s)/, 'after T');

describe('command log: each command a step ran, as the output channel shows it', function () {
  this.timeout(60_000);

  it('a dry-run: the dryRun variant and the check, their exit codes and stderr tails', async () => {
    const dir = workspace({
      'r.runbook.yaml': RUNBOOK(`  - id: repoint
    run: echo 1.0.0 > alias.txt
    dryRun: "echo 'no such alias: champion' >&2; exit 3"
    check: "true"
    undo: echo 2.0.0 > alias.txt
    timeout: 5s
`),
    });
    const lines: string[] = [];
    const report = await dryRun(`${dir}/r.runbook.yaml`, { workspace: dir, onCommand: (step, c) => lines.push(commandLogLine(step, c)) });
    assert.equal(report.verdict, 'not-ready');
    assert.deepEqual(lines.map(timeless), ['repoint: $ true → exit 0 after T', "repoint: $ echo 'no such alias: champion' >&2; exit 3 → exit 3 after T; stderr: no such alias: champion"]);
  });

  it('a drill: the step and, after an injected failure later on, its undo', async () => {
    const dir = workspace({
      'r.runbook.yaml': `${RUNBOOK(`  - id: repoint
    run: echo 1.0.0 > alias.txt
    dryRun: "true"
    undo: echo 2.0.0 > alias.txt
    timeout: 5s
  - id: pin
    run: "echo pinned >&2"
    dryRun: "true"
    undo: "true"
    timeout: 5s
    requires: [repoint]
`)}metrics: { file: m.json }
triggers:
  - { id: slow, metric: p99, when: "> 250" }
drills:
  every: 90d
  scenarios:
    - id: pin-fails
      inject: { failStep: pin, metrics: { p99: 400 } }
      approvals: auto
`,
      'm.json': '{"p99": 100}\n',
    });
    const lines: string[] = [];
    const report = await drill(`${dir}/r.runbook.yaml`, { workspace: dir, scenario: 'pin-fails', onCommand: (step, c) => lines.push(commandLogLine(step, c)) });
    assert.equal(report.outcome, 'undone', report.reason);
    assert.deepEqual(lines.map(timeless), ['repoint: $ echo 1.0.0 > alias.txt → exit 0 after T', 'repoint: $ echo 2.0.0 > alias.txt → exit 0 after T']);
  });
});
