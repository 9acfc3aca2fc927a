// A performed rollback's report as people read it (src/core/runbook/rollback.ts):
// the CLI's text and the editor's Markdown report file carry what the run
// measured and said, as a drill's report does: the fidelity of the restore
// (the verify steps' comparison) and every communication message it rendered,
// each with where it went or why it did not (issue 12: a message is "rendered
// into the run's report always"). Exact lines; values from the runbook escaped
// in the Markdown.
import * as assert from 'node:assert/strict';
import { rollbackMarkdown, rollbackText, type RollbackReport } from '../../src/core/runbook/rollback';

const REPORT: RollbackReport = {
  mode: 'rollback',
  runbook: 'iris.runbook.yaml',
  verdict: 'pass',
  outcome: 'restored',
  release: { current: 'iris-classifier 2.0.0', target: 'iris-classifier 1.4.2' },
  dryRun: { verdict: 'ready', blocking: [] },
  timings: { detectMs: 4, decideMs: 0, executeMs: 110, verifyMs: 438, restoreMs: 548 },
  expectations: [],
  faults: [],
  triggers: [{ id: 'slow', metric: 'p99_latency_ms', value: 400, fired: true, message: 'p99_latency_ms is 400 > 250: fires' }],
  steps: [
    { id: 'approve', kind: 'approve', outcome: 'approved', durationMs: 0 },
    { id: 'verify', kind: 'verify', outcome: 'done', durationMs: 438, message: 'contract test parity passed' },
  ],
  approvals: [{ step: 'approve', role: 'decisionMaker', decision: 'approve', by: 'flag', name: 'Dana Ortiz' }],
  restored: [],
  fidelity: {
    measured: true,
    rowsCompared: 150,
    rowsWithinTolerance: 150,
    withinTolerance: 1,
    agreement: { value: 1, agree: 150, of: 150 },
    maxAbsDelta: { value: 0, field: 'probability', key: 'iris-001', test: 'parity' },
    tests: [{ step: 'verify', contract: 'iris.contract.yaml', test: 'parity', verdict: 'pass', rowsCompared: 150, rowsWithinTolerance: 150, agreement: { agree: 150, of: 150, fields: ['label'] }, maxAbsDelta: { value: 0, field: 'probability', key: 'iris-001' }, baseline: { version: '1.4.2' } }],
  },
  messages: [
    { audience: 'customers', owner: 'commsLiaison', event: 'start', channel: 'status-page', atMs: 4, text: 'Scoring reverted to 1.4.2.', sent: false, why: 'no webhook under `to`' },
    { audience: 'on-call', owner: 'technicalLead', event: 'update', step: 'verify', stepOutcome: 'done', channel: '#ml-incidents', atMs: 552, text: 'step verify done (verify); <b>ok</b>', sent: true, to: 'webhook $IRIS_INCIDENT_WEBHOOK', status: 200 },
    { audience: 'on-call', owner: 'technicalLead', event: 'close', atMs: 560, text: 'closing', sent: false, to: 'webhook $IRIS_INCIDENT_WEBHOOK', why: 'iris.runbook.yaml:182:27: environment variable IRIS_INCIDENT_WEBHOOK is not set' },
  ],
};

describe("a rollback's report: fidelity and messages, as a drill's", () => {
  it('text (the CLI): the fidelity line, then every message with where it went or why not, then the verdict', () => {
    assert.deepEqual(rollbackText(REPORT).split('\n'), [
      'Rollback of iris.runbook.yaml: iris-classifier 2.0.0 → iris-classifier 1.4.2',
      '  dry-run: READY',
      '  detect 4 ms: slow fired (p99_latency_ms = 400)',
      '  decide 0 ms: approve: decisionMaker approved by Dana Ortiz (--approve)',
      '  execute 110 ms, verify 438 ms',
      '  approved    approve (approve, 0 ms)',
      '  done        verify (verify, 438 ms) — contract test parity passed',
      '  fidelity: 150/150 rows within tolerance (1), label agreement 1 (150/150), max |Δ| 0 (`probability` at `iris-001`); `parity` of iris.contract.yaml against the 1.4.2 baseline',
      '  messages: 3 rendered, 1 sent',
      '    start → customers (status-page) at 4 ms: not sent: no webhook under `to`',
      '      Scoring reverted to 1.4.2.',
      '    update verify done → on-call (#ml-incidents) at 552 ms: sent to webhook $IRIS_INCIDENT_WEBHOOK (200)',
      '      step verify done (verify); <b>ok</b>',
      '    close → on-call at 560 ms: not sent: iris.runbook.yaml:182:27: environment variable IRIS_INCIDENT_WEBHOOK is not set',
      '      closing',
      'RESTORED and verified: iris-classifier 1.4.2',
    ]);
  });

  it('Markdown (the editor’s report file): a Fidelity section and a Messages section, escaped', () => {
    const m = rollbackMarkdown(REPORT);
    assert.ok(
      m.includes(
        '## Fidelity\n\n- fidelity\\: 150/150 rows within tolerance \\(1\\), label agreement 1 \\(150/150\\), max \\|Δ\\| 0 \\(`probability` at `iris-001`\\); `parity` of iris\\.contract\\.yaml against the 1\\.4\\.2 baseline\n- `verify`: contract test `parity` of iris\\.contract\\.yaml pass: 150/150 rows within tolerance, 150/150 labels agree, max \\|Δ\\| 0 \\(`probability` at `iris-001`\\)\n',
      ),
      m,
    );
    const from = m.indexOf('## Messages\n');
    assert.ok(from > m.indexOf('## Steps\n'), m);
    assert.deepEqual(m.slice(from).trimEnd().split('\n'), [
      '## Messages',
      '',
      '3 rendered, 1 sent.',
      '',
      '- **start** to customers (status\\-page) at 4 ms, not sent\\: no webhook under \\`to\\`: Scoring reverted to 1\\.4\\.2\\.',
      '- **update** verify done to on\\-call (\\#ml\\-incidents) at 552 ms, sent to webhook $IRIS\\_INCIDENT\\_WEBHOOK \\(200\\): step verify done \\(verify\\); &lt;b&gt;ok&lt;/b&gt;',
      '- **close** to on\\-call at 560 ms, not sent\\: iris\\.runbook\\.yaml\\:182\\:27\\: environment variable IRIS\\_INCIDENT\\_WEBHOOK is not set: closing',
    ]);
  });
});
