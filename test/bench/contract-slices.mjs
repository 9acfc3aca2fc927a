// npm run bench, third part: a 1M-row contract test started from the editor.
// The extension host must stay responsive while it runs, so the editor runs
// contract tests in a worker thread (src/node/contract/runner.ts). This plays
// the extension host in a fresh process, probes its event loop every 1 ms,
// and reports the longest time the loop was blocked and the total time, for
// the run in the worker and, for comparison, the same run on the host thread.
//
//   node test/bench/contract-slices.mjs [--quick]          (100k rows with --quick)
//   node test/bench/contract-slices.mjs --child <host|worker|idle> <contract> <workspace>
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePairs } from './contracts.mjs';
import { startProbe } from './probe.mjs';
import { mergeBenchResults } from './results.mjs';
import { peakRssKB } from './rss.mjs';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..', '..');

async function child(mode, contract, workspace) {
  const core = require(join(root, 'dist/bench/core.js'));
  const stopProbe = startProbe();
  const t0 = performance.now();
  if (mode === 'idle') {
    // the noise floor: nothing runs, the probe alone (a loaded machine deschedules this thread too)
    await new Promise((r) => setTimeout(r, 3000));
    process.stdout.write(JSON.stringify({ longest: stopProbe(), total: performance.now() - t0 }));
    return;
  }
  const report =
    mode === 'worker'
      ? await core.runContractTestsInWorker(join(root, 'dist/contract-worker.js'), contract, { workspace })
      : await core.runContractTests(contract, { workspace });
  const total = performance.now() - t0;
  const longest = stopProbe();
  const t = report.tests[0];
  process.stdout.write(JSON.stringify({ longest, total, verdict: report.verdict, matched: t.counts.matched, maxRssMB: peakRssKB() / 1024 }));
}

async function main(quick) {
  const rows = quick ? 100_000 : 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-slices-'));
  try {
    const files = generatePairs(dir, rows);
    const contract = join(dir, 'bench.contract.yaml');
    writeFileSync(
      contract,
      [
        'apiVersion: rollback-lens/v1',
        'kind: InterfaceContract',
        'metadata: { name: bench, version: 1 }',
        'input: { schema: { type: object } }',
        'output: { key: id, labels: [setosa, versicolor, virginica], schema: { type: object } }',
        `source: { file: ${basename(files.shuffled)} }`,
        'tests:',
        `  - id: bench`,
        `    inputs: ${basename(files.baseline)}`,
        `    baseline: ${basename(files.baseline)}`,
        '    tolerance: { probability: { abs: 0.05 }, label: { agreement: 0.98 } }',
        '    drift: { probability: { psi: 0.1, ks: 0.1 } }',
        '',
      ].join('\n'),
    );
    const run = (mode) => JSON.parse(execFileSync(process.execPath, [here, '--child', mode, contract, dir], { encoding: 'utf8', maxBuffer: 1 << 20 }));
    const idle = run('idle');
    const worker = run('worker');
    const host = run('host');
    console.log(`\ncontract test of ${rows.toLocaleString('en')} rows (shuffled outputs) started from the editor:`);
    console.log(`  in the contract worker (what the editor does): longest synchronous slice on the extension host ${worker.longest.toFixed(1)} ms, total ${(worker.total / 1000).toFixed(1)} s, verdict ${worker.verdict} (target ≤ 50 ms)`);
    console.log(`  on the extension host thread (for comparison): longest slice ${host.longest.toFixed(1)} ms, total ${(host.total / 1000).toFixed(1)} s`);
    console.log(`  noise floor: the same probe with nothing running blocks up to ${idle.longest.toFixed(1)} ms on this machine now`);
    mergeBenchResults('contractSlices', { rows, worker, host, idle });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await child(argv[1], argv[2], argv[3]);
else await main(argv.includes('--quick'));
