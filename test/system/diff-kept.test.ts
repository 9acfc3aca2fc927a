// The diff view never shows rows from other outputs than its report's: the
// outputs a `command` run keeps are identified by the report (its run id in
// the kept file's name, and the file's sha256). A report opened after a later
// run of the same test finds its outputs gone and says so; kept outputs
// changed after the run are refused by the row index. Real runs of the
// example's model, real files.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestReport } from '../../src/core/contract/report';
import { runContractTests } from '../../src/node/contract/run';
import { KEPT_OUTPUTS_DIR } from '../../src/node/diff/keptOutputs';
import { RowIndex } from '../../src/node/diff/rowIndex';
import { resolveRowFiles } from '../../src/node/diff/session';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

describe('diff view: kept outputs belong to their report', function () {
  this.timeout(60_000);
  let dir: string;
  const contract = () => path.join(dir, 'iris.contract.yaml');
  const run = async () => (await runContractTests(contract(), { workspace: dir, testIds: ['parity'] })).tests[0]!;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rl-kept-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  });

  it('a report opened after a later run (another model) finds its outputs gone and says so, not the later rows', async () => {
    const first = await run(); // 2.0.0: 20 rows outside
    assert.equal(first.verdict, 'fail');
    assert.match(first.runId ?? '', /^r[0-9a-f]{12}$/);
    assert.equal(first.files?.current, `${KEPT_OUTPUTS_DIR}/iris.contract.yaml--parity--${first.runId}.jsonl`);
    assert.match(first.files?.currentDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    const text = readFileSync(contract(), 'utf8');
    writeFileSync(contract(), text.replace('model/v2.json', 'model/v1.json'));
    const second = await run(); // 1.4.2: matches the baseline
    assert.equal(second.verdict, 'pass');
    assert.notEqual(second.runId, first.runId);
    // one kept copy per test: the later run's
    assert.deepEqual(readdirSync(path.join(dir, KEPT_OUTPUTS_DIR)).filter((f) => f.endsWith('.jsonl')), [`iris.contract.yaml--parity--${second.runId}.jsonl`]);
    assert.deepEqual(resolveRowFiles(first, [dir]), {
      reason: `the outputs kept by this report's run (${first.runId}) are gone: a later run of \`parity\` replaced them; only the report's own sample rows are shown`,
    });
    const files = resolveRowFiles(second, [dir]);
    assert.ok(!('reason' in files), JSON.stringify(files));
    const index = await RowIndex.build(files.spec, files.files);
    assert.equal(index.counts().outside, 0);
    await index.dispose();
  });

  it('kept outputs changed after the run: the row index refuses them with the reason', async () => {
    const report = await run();
    const files = resolveRowFiles(report, [dir]);
    assert.ok(!('reason' in files), JSON.stringify(files));
    const kept = files.files.current;
    assert.ok(existsSync(kept));
    writeFileSync(kept, readFileSync(kept, 'utf8').replace('"iris-069"', '"iris-999"'));
    await assert.rejects(RowIndex.build(files.spec, files.files), {
      message: `the outputs kept by this report's run (${report.runId}) changed after it: only the report's own sample rows are shown`,
    });
  });

  it('a report whose kept outputs it does not identify (written before run ids) does not page rows from whatever file is there now', () => {
    const legacy = {
      reportVersion: 1, contract: { path: 'iris.contract.yaml' }, testId: 'parity', verdict: 'fail', counts: { matched: 150 }, compare: { key: 'id', tolerance: {} }, files: { baseline: 'data/baseline-1.4.2.jsonl', current: `${KEPT_OUTPUTS_DIR}/iris.contract.yaml--parity.jsonl` },
    } as unknown as TestReport;
    mkdirSync(path.join(dir, KEPT_OUTPUTS_DIR), { recursive: true });
    writeFileSync(path.join(dir, KEPT_OUTPUTS_DIR, 'iris.contract.yaml--parity.jsonl'), '{"id":"iris-001"}\n'); // another run's rows
    assert.deepEqual(resolveRowFiles(legacy, [dir]), {
      reason: "the report does not identify the outputs its run kept (written by an older version): run the test again to see every row; only the report's own sample rows are shown",
    });
  });
});
