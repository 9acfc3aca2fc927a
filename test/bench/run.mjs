// npm run bench: the language service's full pass against floors measured in
// the same process and against Red Hat's yaml-language-server, on generated
// runbooks of 1k, 10k and 50k lines. Prints medians, ratios and memory.
// Speed targets live here, not in timed unit tests.
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { generateRunbook, BENCH_FILES } from './generate.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = require(join(root, 'dist/bench/core.js'));
const YAML = require('yaml');
const jsyaml = require('js-yaml');
const { TextDocument } = require('vscode-languageserver-textdocument');
const yls = require('yaml-language-server/lib/umd/languageservice/yamlLanguageService.js');

const args = new Set(process.argv.slice(2));
const SIZES = args.has('--quick') ? [1000, 10000] : [1000, 10000, 50000];
const results = {};
if (args.has('--contracts-only')) {
  runContracts();
  process.exit(0);
}
if (args.has('--tabular-only')) {
  runTabular();
  process.exit(0);
}
if (args.has('--diffview-only')) {
  runDiffView();
  process.exit(0);
}
if (args.has('--audit-pg-only')) {
  runAuditPg();
  process.exit(0);
}
if (args.has('--review-only')) {
  runReview();
  process.exit(0);
}
if (args.has('--policy-only')) {
  runPolicy();
  process.exit(0);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn, runs) {
  await fn(); // warm-up
  const ts = [];
  for (let i = 0; i < runs; i++) {
    global.gc?.();
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const ws = mkdtempSync(join(tmpdir(), 'rl-bench-'));
for (const [name, text] of Object.entries(BENCH_FILES)) writeFileSync(join(ws, name), text);
const schema = core.SCHEMAS.RollbackRunbook;
const validate = core.validatorFor('RollbackRunbook');

const peer = yls.getLanguageService({
  schemaRequestService: async () => JSON.stringify(schema),
  workspaceContext: { resolveRelativePath: (rel, res) => new URL(rel, res).toString() },
});
peer.configure({ validate: true, schemas: [{ uri: 'file:///runbook.schema.json', fileMatch: ['*.runbook.yaml'], schema }] });

console.log(`Rollback Lens benchmark — node ${process.version}, ${new Date().toISOString()}`);
console.log('full = parse with positions + schema + semantic checks + line/character ranges (what validate and the editor do)\n');
console.log('lines  |  full ms | yaml+ajv ms | js-yaml+ajv ms | yaml-ls ms | full/js-yaml | full/yaml+ajv | full/yaml-ls | diagnostics');
let seq = 0;
for (const lines of SIZES) {
  const text = generateRunbook(lines);
  writeFileSync(join(ws, 'bench.runbook.yaml'), text);
  const runs = lines >= 50000 ? 5 : lines >= 10000 ? 11 : 21;
  let diagCount = 0;
  const host = new core.NodeHost(ws);
  const full = await time(async () => {
    const service = new core.LanguageService(host);
    const doc = { uri: `bench-${seq++}`, version: 1, path: 'bench.runbook.yaml', text };
    const diags = await service.validate(doc);
    const index = new core.LineIndex(text);
    for (const d of diags) {
      index.positionAt(d.span.start);
      index.positionAt(d.span.end);
    }
    diagCount = diags.length;
  }, runs);
  const yamlFloor = await time(() => validate(YAML.parse(text)), runs);
  const jsFloor = await time(() => validate(jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA })), runs);
  let peerMs = NaN;
  let peerCount = 0;
  if (lines <= 10000 || args.has('--peer-50k')) {
    peerMs = await time(async () => {
      const doc = TextDocument.create(`file:///bench-${seq++}.runbook.yaml`, 'yaml', 1, text);
      peerCount = (await peer.doValidation(doc, false)).length;
    }, lines >= 10000 ? 5 : 11);
  }
  results[lines] = { full, yamlFloor, jsFloor, peerMs, diagCount, peerCount };
  const f = (x) => (Number.isNaN(x) ? '     n/a' : x.toFixed(1).padStart(8));
  const r = (x) => (Number.isNaN(x) ? '   n/a' : `${x.toFixed(2)}×`.padStart(6));
  console.log(
    `${String(lines).padStart(6)} | ${f(full)} | ${f(yamlFloor).padStart(11)} | ${f(jsFloor).padStart(14)} | ${f(peerMs).padStart(10)} | ${r(full / jsFloor).padStart(12)} | ${r(full / yamlFloor).padStart(13)} | ${r(full / peerMs).padStart(12)} | ${diagCount} (yaml-ls: ${peerCount})`,
  );
}
console.log('\ntargets at 10k lines: full ≤ 0.5× yaml-language-server, full ≤ 2× js-yaml floor');

// The editor runs the service in a worker: how long is the extension host's
// event loop blocked while a 50k-line document is validated? Measured in a
// fresh process (like an extension host), not in this one full of benchmark garbage.
{
  const lines = SIZES[SIZES.length - 1];
  const out = execFileSync(process.execPath, [join(root, 'test/bench/slices.mjs'), String(lines), ws], { encoding: 'utf8' });
  const r = JSON.parse(out);
  console.log(
    `\neditor path at ${lines} lines (worker): 5 edits × (validate + completion + hover) took ${r.total.toFixed(0)} ms; longest synchronous slice on the extension host thread: ${r.longest.toFixed(1)} ms (target ≤ 50 ms)`,
  );
  results.slices = { lines, ...r };
}

// Memory
const mem = process.memoryUsage();
console.log(`\npeak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (heap used now ${(mem.heapUsed / 1048576).toFixed(0)} MB)`);

// Package size and activation time
if (!args.has('--no-package')) {
  execFileSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '-o', join(root, 'dist/rollback-lens.vsix')], { cwd: root, stdio: 'ignore' });
  const size = statSync(join(root, 'dist/rollback-lens.vsix')).size;
  console.log(`.vsix size: ${(size / 1024).toFixed(0)} KiB (target ≤ 1024 KiB)`);
  results.vsixBytes = size;
}
const activation = join(root, 'test-results', 'activation.json');
if (existsSync(activation)) {
  const a = JSON.parse((await import('node:fs')).readFileSync(activation, 'utf8'));
  console.log(`activation time (measured in code-server by the last integration run, ${a.when}): ${a.activationMs.toFixed(1)} ms (target ≤ 50 ms)`);
} else {
  console.log('activation time: run `npm run test:vscode` first; the integration run records it in test-results/activation.json');
}
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results', 'bench.json'), JSON.stringify(results, null, 2));
rmSync(ws, { recursive: true, force: true });

// The contract-test engine (test/bench/contracts.mjs): in a fresh process, not in
// this one full of benchmark garbage. It merges its numbers into bench.json.
if (!args.has('--no-contracts')) {
  runContracts();
  // a big contract test from the editor: the extension host stays responsive (test/bench/contract-slices.mjs)
  execFileSync(process.execPath, [join(root, 'test/bench/contract-slices.mjs'), ...(args.has('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
}
// Contract comparisons of 1M-row Parquet and CSV files against their readers alone (test/bench/tabular.mjs).
if (!args.has('--no-tabular')) runTabular();
function runTabular() {
  execFileSync(process.execPath, [join(root, 'test/bench/tabular.mjs'), ...(args.has('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
}
// The diff view at a million rows (test/bench/diffview.mjs), also in a fresh process.
if (!args.has('--no-diffview')) runDiffView();
function runDiffView() {
  execFileSync(process.execPath, ['--expose-gc', join(root, 'test/bench/diffview.mjs'), ...(args.has('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
}
function runContracts() {
  execFileSync(process.execPath, ['--expose-gc', join(root, 'test/bench/contracts.mjs'), ...(args.has('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
}
// The decision repository: the audit log in PostgreSQL against the file log, 8 writers and 10,000 drill records (test/bench/audit-pg.mjs), in a fresh process.
if (!args.has('--no-audit-pg')) runAuditPg();
function runAuditPg() {
  execFileSync(process.execPath, [join(root, 'test/bench/audit-pg.mjs'), ...(args.has('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
}
// The readiness review of 10,000 drill records from the file log (test/bench/review.mjs), in fresh processes.
if (!args.has('--no-review')) runReview();
function runReview() {
  execFileSync(process.execPath, [join(root, 'test/bench/review.mjs'), ...(args.has('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
}
// What a RollbackPolicy costs a validation (test/bench/policy.mjs), in a fresh process.
if (!args.has('--no-policy')) runPolicy();
function runPolicy() {
  execFileSync(process.execPath, ['--expose-gc', join(root, 'test/bench/policy.mjs'), ...(args.has('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
}
