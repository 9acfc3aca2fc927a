// npm run bench, the policy section: what applying a RollbackPolicy costs.
// The generated runbooks of the main table (generate.mjs) are validated the
// way `validate` and the editor do (NodeHost on a real temporary workspace,
// LanguageService.validate), once with no policy and once with the strict
// example policy beside them (found as the nearest *.policy.yaml, read from
// disk at each validation), the two interleaved, median of several runs, in
// a fresh process.
//
//   node test/bench/policy.mjs [--quick]        (also: run.mjs --policy-only)
//
// Target: the policy adds at most 10% (or 2 ms) to a validation.
import { createRequire } from 'node:module';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRunbook, BENCH_FILES } from './generate.mjs';
import { mergeBenchResults } from './results.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = require(join(root, 'dist/bench/core.js'));
const SIZES = process.argv.includes('--quick') ? [1000] : [1000, 10000];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

let seq = 0;
/** One validation of `text` in workspace `ws`: its time and diagnostics. */
async function once(ws, text) {
  const service = new core.LanguageService(new core.NodeHost(ws));
  const t0 = performance.now();
  const d = await service.validate({ uri: `p-${seq++}`, version: 1, path: 'bench.runbook.yaml', text });
  return { ms: performance.now() - t0, n: d.length };
}

function workspace(text, policy) {
  const ws = mkdtempSync(join(tmpdir(), 'rl-bench-policy-'));
  for (const [name, t] of Object.entries(BENCH_FILES)) writeFileSync(join(ws, name), t);
  writeFileSync(join(ws, 'bench.runbook.yaml'), text);
  if (policy) cpSync(join(root, 'examples', 'policies', 'strict.policy.yaml'), join(ws, 'team.policy.yaml'));
  return ws;
}

const out = {};
console.log('\npolicy: validate with the strict example policy beside the runbook, against no policy (NodeHost, real files)');
console.log('lines  | no policy ms | strict policy ms | overhead | policy findings');
for (const lines of SIZES) {
  const text = generateRunbook(lines);
  const plain = workspace(text, false);
  const governed = workspace(text, true);
  // interleaved, so that a busy machine slows both alike
  const runs = lines >= 10000 ? 11 : 31;
  const first = [await once(plain, text), await once(governed, text)]; // warm-up
  const ms = { none: [], strict: [] };
  for (let i = 0; i < runs; i++) {
    global.gc?.();
    ms.none.push((await once(plain, text)).ms);
    global.gc?.();
    ms.strict.push((await once(governed, text)).ms);
  }
  for (const ws of [plain, governed]) rmSync(ws, { recursive: true, force: true });
  const none = median(ms.none);
  const strict = median(ms.strict);
  const findings = first[1].n - first[0].n;
  const over = strict - none;
  out[lines] = { noPolicyMs: none, strictMs: strict, overheadMs: over, policyFindings: findings };
  console.log(`${String(lines).padStart(6)} | ${none.toFixed(1).padStart(12)} | ${strict.toFixed(1).padStart(16)} | ${`${over >= 0 ? '+' : ''}${over.toFixed(1)} ms (${((over / none) * 100).toFixed(1)}%)`.padStart(8)} | ${findings}`);
}
console.log('target: the policy adds at most 10% (or 2 ms) to a validation');
mergeBenchResults('policy', out);
