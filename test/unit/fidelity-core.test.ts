// The pure parts of drill fidelity and detect timing: the comparison counts
// every row outside a row tolerance (not only the bounded sample), fidelity
// sums what the verify steps compared and judges `expect.fidelity` with the
// numbers, nothing compared is not fidelity, detect is the first trigger's
// for: window (simulated) + the evaluation, the dry-run's worst case to detect
// is the slowest window, and the drill report's Markdown shows fidelity.
import * as assert from 'node:assert/strict';
import { Comparison } from '../../src/core/contract/compare';
import { detectTiming, detectWorstCase, detectWorstText } from '../../src/core/runbook/detect';
import { fidelityLines, fidelityOf, fidelityTest, judgeFidelity } from '../../src/core/runbook/fidelity';
import { drillMarkdown, drillText } from '../../src/core/runbook/render';
import type { DrillReport } from '../../src/core/runbook/report';

/** 10 rows: labels flip on rows 2 and 5, probability moves by 0.2 on rows 5 and 7 (abs 0.05): rows 2, 5, 7 are outside. */
function report(offendingLimit: number) {
  const cmp = new Comparison({ testId: 't', key: 'id', labels: ['a', 'b'], tolerance: { label: { agreement: 0.5 }, probability: { abs: 0.05 } }, drift: {} }, { offendingLimit });
  for (let i = 0; i < 10; i++) cmp.addBaseline(i + 1, JSON.stringify({ id: `r${i}`, label: 'a', probability: 0.5 }));
  for (let i = 0; i < 10; i++) cmp.addCurrent(i + 1, JSON.stringify({ id: `r${i}`, label: i === 2 || i === 5 ? 'b' : 'a', probability: i === 5 || i === 7 ? 0.7 : 0.5 }));
  return cmp.finish({ contractPath: 'x.contract.yaml' });
}

describe('fidelity: what the verify steps compared', () => {
  it('the comparison counts every row outside a row tolerance, beyond its bounded sample', () => {
    const r = report(1);
    assert.equal(r.offending.length, 1);
    assert.equal(r.outsideToleranceRows, 3);
  });

  it('one test: rows within tolerance, label agreement and max |Δ| with the row it is at', () => {
    const t = fidelityTest('verify', 'x.contract.yaml', report(100));
    assert.deepEqual(t, {
      step: 'verify',
      contract: 'x.contract.yaml',
      test: 't',
      // two rows past the abs limit fail the test; fidelity still counts what it compared
      verdict: 'fail',
      rowsCompared: 10,
      rowsWithinTolerance: 7,
      agreement: { agree: 8, of: 10, fields: ['label'] },
      maxAbsDelta: { value: t.maxAbsDelta!.value, field: 'probability', key: 'r5' },
    });
    assert.ok(Math.abs(t.maxAbsDelta!.value - 0.2) < 1e-12);
  });

  it('several tests add up; the expectation is judged with the numbers it rests on', () => {
    const a = fidelityTest('verify-a', 'x.contract.yaml', report(100));
    const b = { ...a, step: 'verify-b', rowsCompared: 40, rowsWithinTolerance: 40, agreement: { agree: 40, of: 40, fields: ['label'] }, maxAbsDelta: { value: 0.01, field: 'probability', key: 'q1' } };
    const f = fidelityOf([a, b]);
    assert.equal(f.measured, true);
    assert.equal(f.rowsCompared, 50);
    assert.equal(f.rowsWithinTolerance, 47);
    assert.equal(f.withinTolerance, 47 / 50);
    assert.deepEqual(f.agreement, { value: 48 / 50, agree: 48, of: 50 });
    assert.equal(f.maxAbsDelta!.key, 'r5');
    assert.deepEqual(
      judgeFidelity(f, { agreement: '>= 0.99', withinTolerance: '>= 0.9', maxAbsDelta: '<= 0.05' }).map((e) => [e.met, e.message]),
      [
        [false, 'fidelity agreement >= 0.99 was not met: 0.96 (48/50 rows agree)'],
        [true, 'fidelity withinTolerance >= 0.9 was met: 0.94 (47/50 rows within tolerance)'],
        [false, 'fidelity maxAbsDelta <= 0.05 was not met: 0.2 (`probability` at `r5`, of 50 rows)'],
      ],
    );
  });

  it('zero rows compared is not fidelity: not measured, with the reason, and no expectation is met', () => {
    const schemaOnly = { step: 'verify', contract: 'x.contract.yaml', test: 'edge', verdict: 'pass' as const, rowsCompared: 0, rowsWithinTolerance: 0, reason: 'a schema-only test compares no rows' };
    const f = fidelityOf([schemaOnly]);
    assert.deepEqual(f, { measured: false, reason: 'the verify steps compared no rows (`verify`: a schema-only test compares no rows)', rowsCompared: 0, rowsWithinTolerance: 0, tests: [schemaOnly] });
    assert.deepEqual(judgeFidelity(f, { agreement: '>= 0.99' }), [
      { what: 'agreement', want: '>= 0.99', met: false, message: 'fidelity agreement >= 0.99 was not measured: the verify steps compared no rows (`verify`: a schema-only test compares no rows)' },
    ]);
    assert.deepEqual(fidelityLines(f), ['fidelity not measured: the verify steps compared no rows (`verify`: a schema-only test compares no rows)']);
    assert.equal(fidelityOf([]).reason, 'no verify step ran');
  });

  it('a measured fidelity without labels cannot meet an agreement requirement, and says why', () => {
    const t = { step: 'v', contract: 'c', test: 't', verdict: 'pass' as const, rowsCompared: 5, rowsWithinTolerance: 5 };
    assert.deepEqual(judgeFidelity(fidelityOf([t]), { agreement: '>= 0.99' })[0]!.message, 'fidelity agreement >= 0.99 was not measured: no verify test compares labels (a field with an `agreement` tolerance)');
  });
});

describe('detect timing', () => {
  it('the first trigger to fire is the one with the shortest for: window; detect = window (simulated) + evaluation', () => {
    const d = detectTiming(
      [
        { id: 'slow', fires: true, window: { forMs: 300_000, samples: 1, heldMs: 300_000, assumed: true } },
        { id: 'errors', fires: true, window: { forMs: 120_000, samples: 1, heldMs: 120_000, assumed: true } },
        { id: 'drift', fires: false },
      ],
      17,
    );
    assert.deepEqual(d, { trigger: 'errors', simulatedMs: 120_000, evaluationMs: 17, ms: 120_017 });
  });

  it('a trigger without for: fires at the first evaluation; no trigger fired: only the evaluation', () => {
    assert.deepEqual(detectTiming([{ id: 'drift', fires: true }, { id: 'slow', fires: true, window: { forMs: 300_000, samples: 1, heldMs: 300_000 } }], 4), { trigger: 'drift', simulatedMs: 0, evaluationMs: 4, ms: 4 });
    assert.deepEqual(detectTiming([{ id: 'drift', fires: false }], 4), { simulatedMs: 0, evaluationMs: 4, ms: 4 });
  });

  it("the dry-run's worst case to detect is the slowest window", () => {
    const w = detectWorstCase([{ id: 'slow', forMs: 300_000 }, { id: 'acc', forMs: 1_800_000 }, { id: 'drift' }]);
    assert.deepEqual(w, { ms: 1_800_000, trigger: 'acc' });
    assert.equal(detectWorstText(w, '35m'), 'worst case to detect: 30m (`acc` must hold for 30m); windows.detect 35m');
    assert.equal(detectWorstText(detectWorstCase([{ id: 'drift' }]), undefined), 'worst case to detect: 0s (no trigger has a for: window)');
  });
});

describe('the drill report shows fidelity and detect', () => {
  const base: DrillReport = {
    runbook: 'iris.runbook.yaml',
    scenario: 'latency-spike',
    verdict: 'fail',
    outcome: 'restored',
    reason: 'fidelity agreement >= 0.99 was not met: 0.986667 (148/150 rows agree)',
    timings: { detectMs: 300_020, decideMs: 0, executeMs: 10, verifyMs: 400, restoreMs: 410 },
    expectations: [],
    faults: [],
    triggers: [],
    steps: [],
    approvals: [],
    restored: [],
    detect: { trigger: 'slow', simulatedMs: 300_000, evaluationMs: 20, ms: 300_020 },
    fidelity: {
      measured: true,
      rowsCompared: 150,
      rowsWithinTolerance: 148,
      withinTolerance: 148 / 150,
      agreement: { value: 148 / 150, agree: 148, of: 150 },
      maxAbsDelta: { value: 0, field: 'probability', key: 'iris-001', test: 'parity' },
      tests: [{ step: 'verify', contract: 'iris.contract.yaml', test: 'parity', verdict: 'pass', rowsCompared: 150, rowsWithinTolerance: 148, agreement: { agree: 148, of: 150, fields: ['label'] }, maxAbsDelta: { value: 0, field: 'probability', key: 'iris-001' }, baseline: { file: 'data/baseline-1.4.2.jsonl', version: '1.4.2' } }],
      expectations: [{ what: 'agreement', want: '>= 0.99', actual: 148 / 150, met: false, message: 'fidelity agreement >= 0.99 was not met: 0.986667 (148/150 rows agree)' }],
    },
  };

  it('text: the detect line, the fidelity line and the judged expectation', () => {
    const lines = drillText(base).split('\n');
    assert.ok(lines.includes('  detect: `slow` held its for: 5m window (simulated) + 20ms evaluation'));
    assert.ok(lines.includes('  fidelity: 148/150 rows within tolerance (0.986667), label agreement 0.986667 (148/150), max |Δ| 0 (`probability` at `iris-001`); `parity` of iris.contract.yaml against the 1.4.2 baseline'));
    assert.ok(lines.includes('  ✗ fidelity agreement >= 0.99 was not met: 0.986667 (148/150 rows agree)'));
  });

  it('Markdown (the editor\'s drill report): a Fidelity section and the expectation, escaped', () => {
    const m = drillMarkdown(base);
    const lines = m.split('\n');
    assert.ok(lines.includes('Detect: `slow` held its for\\: 5m window \\(simulated\\) \\+ 20ms evaluation.'), m);
    assert.ok(lines.includes('- **not met**: fidelity agreement &gt;= 0\\.99 was not met\\: 0\\.986667 \\(148/150 rows agree\\)'), m);
    assert.ok(m.includes('## Fidelity\n\n- fidelity\\: 148/150 rows within tolerance \\(0\\.986667\\)'), m);
    assert.ok(lines.includes('- `verify`: contract test `parity` of iris\\.contract\\.yaml pass: 148/150 rows within tolerance, 148/150 labels agree, max \\|Δ\\| 0 \\(`probability` at `iris-001`\\)'), m);
  });
});
