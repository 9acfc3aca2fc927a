// npm run bench, second part: the contract-test engine against floors measured
// in the same run.
//
// 1. Comparison of generated baseline/current JSONL pairs (100k and 1M rows,
//    current rows in the baseline's order or shuffled): a `Comparison` fed by
//    readJsonl from both files, then finish(), against the floor "read both
//    files and JSON.parse every line, nothing else" (with readJsonl, and with
//    plain readline). 100k: in this process, warm, median of 5. 1M: every run
//    in a fresh child process (what the CLI is), median of 3, and the child's
//    peak RSS (VmHWM, rss.mjs) for the floor and the engine.
// 2. The `command` source: obtainOutputs({ command }) over 100k inputs through
//    examples/iris/model/predict.mjs, against running the same command by hand
//    (sh -c 'cmd < inputs', stdout piped here and JSON.parse'd), plus variants
//    that show where a difference comes from.
//
//   node test/bench/contracts.mjs [--quick]     only this part (also: run.mjs --contracts-only)
//   node test/bench/contracts.mjs --child <floor-jsonl|floor-readline|compare> <baseline> <current>
//                                               one measurement, printed as JSON (used by the parent)
//
// Targets: comparison ≤ 1.3× the floor; peak RSS ≤ 200 MB at 1M rows; command
// source ≤ 5% over the by-hand pipe.
import { createRequire } from 'node:module';
import { createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { spawn, execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeBenchResults } from './results.mjs';
import { mulberry32, r6 } from './random.mjs';
import { peakRssKB } from './rss.mjs';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..', '..');
const core = require(join(root, 'dist/bench/core.js'));

export const LABELS = ['setosa', 'versicolor', 'virginica'];
export const SPEC = {
  testId: 'bench',
  key: 'id',
  labels: LABELS,
  tolerance: { probability: { abs: 0.05 }, label: { agreement: 0.98 } },
  drift: { probability: { psi: 0.1, ks: 0.1 } },
};
const SEED = 20270115;
const FLIP_RATE = 0.018; // ~2%: agreement ≈ 0.982, just above the 0.98 the spec requires
const NOISE = 0.01; // |noise on probability| ≤ 0.01, well inside abs 0.05
const MODEL_CMD = 'node model/predict.mjs --model model/v2.json';
const IRIS = join(root, 'examples', 'iris');

// ---- deterministic data ---------------------------------------------------------


const clamp01 = (x) => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Baseline and current line of row i (0-based), each a function of (SEED, i) only. */
function rowPair(i) {
  const rnd = mulberry32(Math.imul(i + 1, 0x9e3779b1) ^ SEED);
  const w = [rnd() + 0.05, rnd() + 0.05, rnd() + 0.05];
  const sum = w[0] + w[1] + w[2];
  const p = w.map((x) => r6(x / sum));
  let best = 0;
  if (p[1] > p[best]) best = 1;
  if (p[2] > p[best]) best = 2;
  const id = `r${String(i + 1).padStart(7, '0')}`;
  const scores = `{"setosa":${p[0]},"versicolor":${p[1]},"virginica":${p[2]}}`;
  const base = `{"id":"${id}","label":"${LABELS[best]}","probability":${p[best]},"scores":${scores}}`;
  const prob = r6(clamp01(p[best] + (rnd() * 2 - 1) * NOISE));
  const label = rnd() < FLIP_RATE ? LABELS[(best + 1 + Math.floor(rnd() * 2)) % 3] : LABELS[best];
  const cur = `{"id":"${id}","label":"${label}","probability":${prob},"scores":${scores}}`;
  return [base, cur];
}

class LineWriter {
  constructor(file) {
    this.fd = openSync(file, 'w');
    this.parts = [];
    this.bytes = 0;
  }
  write(line) {
    this.parts.push(line);
    if (this.parts.length === 8192) this.flush();
  }
  flush() {
    if (!this.parts.length) return;
    const buf = Buffer.from(this.parts.join('\n') + '\n');
    this.bytes += buf.length;
    writeSync(this.fd, buf);
    this.parts = [];
  }
  close() {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }
}

/** Writes baseline.jsonl, current.jsonl (same order) and shuffled.jsonl (current rows in a seeded random order) for n rows. */
export function generatePairs(dir, n) {
  const files = { baseline: join(dir, `baseline-${n}.jsonl`), ordered: join(dir, `current-${n}.jsonl`), shuffled: join(dir, `shuffled-${n}.jsonl`) };
  const b = new LineWriter(files.baseline);
  const c = new LineWriter(files.ordered);
  for (let i = 0; i < n; i++) {
    const [base, cur] = rowPair(i);
    b.write(base);
    c.write(cur);
  }
  const bytes = b.close();
  c.close();
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rnd = mulberry32(SEED ^ n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const s = new LineWriter(files.shuffled);
  for (let i = 0; i < n; i++) s.write(rowPair(perm[i])[1]);
  s.close();
  return { ...files, bytes };
}

// ---- the three measured things -----------------------------------------------------

/** Floor: both files through readJsonl, JSON.parse of every line, nothing else. */
async function floorJsonl(baseline, current) {
  let rows = 0;
  let sink = 0;
  for (const file of [baseline, current]) {
    for await (const l of core.readJsonl(file)) {
      if ('text' in l) {
        const v = JSON.parse(l.text);
        if (v.id) sink++;
        rows++;
      }
    }
  }
  return { rows, sink };
}

/** Floor: both files through node:readline, JSON.parse of every line, nothing else. */
async function floorReadline(baseline, current) {
  let rows = 0;
  let sink = 0;
  for (const file of [baseline, current]) {
    const rl = createInterface({ input: createReadStream(file, { highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line) continue;
      const v = JSON.parse(line);
      if (v.id) sink++;
      rows++;
    }
  }
  return { rows, sink };
}

/** What `rollback-lens test` does with a baseline and a current file: Comparison fed by readJsonl, then finish(). */
async function compare(baseline, current) {
  const c = new core.Comparison(SPEC);
  for await (const l of core.readJsonl(baseline)) if ('text' in l) c.addBaseline(l.line, l.text);
  for await (const l of core.readJsonl(current)) if ('text' in l) c.addCurrent(l.line, l.text);
  const report = c.finish({ contractPath: 'bench.contract.yaml' });
  const rule = (id) => report.rules.find((r) => r.id === id);
  return {
    rows: report.counts.baselineRows + report.counts.currentRows,
    matched: report.counts.matched,
    verdict: report.verdict,
    agreement: rule('label.agreement')?.value,
    psi: rule('probability.psi')?.value,
    ks: rule('probability.ks')?.value,
  };
}

const MEASURES = { 'floor-jsonl': floorJsonl, 'floor-readline': floorReadline, compare };

// ---- helpers ------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * CPU time in ms used so far by this process (all its threads) and by the
 * children it has reaped (Linux: cutime + cstime in /proc/self/stat, 10 ms
 * ticks). Less sensitive than wall time to other work on a shared machine.
 */
function cpuMs() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = ((Number(f[13]) + Number(f[14])) * 1000) / 100; // fields 16, 17; USER_HZ is 100 on Linux
  } catch {
    children = NaN;
  }
  return (own.user + own.system) / 1000 + children;
}

async function timed(fn) {
  globalThis.gc?.();
  const c0 = cpuMs();
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, out };
}

/** One measurement in a fresh node process: its time (startup excluded) and the process's peak RSS. */
function inChild(what, baseline, current) {
  const out = execFileSync(process.execPath, [here, '--child', what, baseline, current], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out);
}

const f1 = (x, w) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a').padStart(w);
const ratio = (x, w) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a').padStart(w);

// ---- 1. comparison vs floor ---------------------------------------------------------

async function comparisonBench(dir, sizes, log) {
  const out = {};
  log('contract comparison — a Comparison fed by readJsonl from baseline and current JSONL, then finish(); floor = read both files and JSON.parse every line');
  log(`spec: ${JSON.stringify({ key: SPEC.key, tolerance: SPEC.tolerance, drift: SPEC.drift })}; current = baseline ± ${NOISE} on probability, ~${(FLIP_RATE * 100).toFixed(1)}% label flips`);
  log('100k: this process, warm, median of 5; 1M: every run in a fresh node process, median of 3, RSS = that process\'s peak; runs interleaved');
  log('wall ms; "CPU" = the same ratio in CPU time (user + system, all threads), less sensitive to other work on a shared machine\n');
  log('rows     order    | MB/file | floor readJsonl ms | floor readline ms | compare ms | compare/floor | compare/readline floor | CPU compare/floor | peak RSS floor / compare MB | verdict');
  const WHATS = Object.keys(MEASURES);
  for (const n of sizes) {
    const t0 = performance.now();
    const files = generatePairs(dir, n);
    const genMs = performance.now() - t0;
    const fresh = n >= 1000000;
    const runs = fresh ? 3 : 5;
    let readlineAt1M;
    for (const order of ['ordered', 'shuffled']) {
      const cur = files[order];
      const wall = Object.fromEntries(WHATS.map((k) => [k, []]));
      const cpu = Object.fromEntries(WHATS.map((k) => [k, []]));
      const rss = Object.fromEntries(WHATS.map((k) => [k, []]));
      // At 1M the readline floor is measured once per size, on the ordered pair: the
      // shuffled file holds the same lines, and the bench must stay within ~5 minutes.
      const measures = WHATS.filter((what) => !(fresh && order === 'shuffled' && what === 'floor-readline'));
      if (fresh && order === 'shuffled') {
        wall['floor-readline'] = readlineAt1M.wall;
        cpu['floor-readline'] = readlineAt1M.cpu;
        rss['floor-readline'] = readlineAt1M.rss;
      }
      let info;
      if (!fresh) for (const what of measures) await MEASURES[what](files.baseline, cur); // warm-up
      for (let i = 0; i < runs; i++) {
        for (const what of measures) {
          let r;
          if (fresh) r = inChild(what, files.baseline, cur);
          else {
            const t = await timed(() => MEASURES[what](files.baseline, cur));
            r = { ms: t.ms, cpuMs: t.cpuMs, ...t.out };
          }
          if (r.rows !== 2 * n) throw new Error(`${what} on ${n} ${order} rows read ${r.rows} rows, expected ${2 * n}`);
          wall[what].push(r.ms);
          cpu[what].push(r.cpuMs);
          if (r.maxRSSKB) rss[what].push(r.maxRSSKB);
          if (what === 'compare') info = r;
        }
      }
      if (fresh && order === 'ordered') readlineAt1M = { wall: wall['floor-readline'], cpu: cpu['floor-readline'], rss: rss['floor-readline'] };
      const m = Object.fromEntries(WHATS.map((k) => [k, median(wall[k])]));
      const c = Object.fromEntries(WHATS.map((k) => [k, median(cpu[k])]));
      const peak = Object.fromEntries(WHATS.map((k) => [k, rss[k].length ? Math.max(...rss[k]) / 1024 : NaN]));
      const row = {
        rows: n,
        order,
        bytesPerFile: files.bytes,
        runs,
        freshProcess: fresh,
        floorJsonlMs: m['floor-jsonl'],
        floorReadlineMs: m['floor-readline'],
        compareMs: m.compare,
        ratio: m.compare / m['floor-jsonl'],
        ratioReadline: m.compare / m['floor-readline'],
        cpuMs: { floorJsonl: c['floor-jsonl'], floorReadline: c['floor-readline'], compare: c.compare },
        cpuRatio: c.compare / c['floor-jsonl'],
        wallSamples: wall,
        cpuSamples: cpu,
        ...(fresh ? { peakRssMB: { floorJsonl: peak['floor-jsonl'], floorReadline: peak['floor-readline'], compare: peak.compare } } : {}),
        matched: info.matched,
        verdict: info.verdict,
        agreement: info.agreement,
        psi: info.psi,
        ks: info.ks,
        generateMs: genMs,
      };
      out[`${n}-${order}`] = row;
      const label = `${n >= 1000000 ? `${n / 1000000}M` : `${n / 1000}k`}`.padEnd(8);
      const rssText = fresh ? `${peak['floor-jsonl'].toFixed(0)} / ${peak.compare.toFixed(0)}` : 'n/a (in-process)';
      log(
        `${label} ${order.padEnd(8)} | ${(files.bytes / 1048576).toFixed(1).padStart(7)} | ${f1(m['floor-jsonl'], 18)} | ${f1(m['floor-readline'], 17)} | ${f1(m.compare, 10)} | ${ratio(row.ratio, 13)} | ${ratio(row.ratioReadline, 22)} | ${ratio(row.cpuRatio, 17)} | ${rssText.padStart(27)} | ${info.verdict} (agreement ${info.agreement.toFixed(4)}, ${info.matched} matched)`,
      );
    }
    for (const f of [files.baseline, files.ordered, files.shuffled]) rmSync(f, { force: true });
  }
  return out;
}

// ---- 2. the command source vs the same command by hand --------------------------------

function writeInputs(file, n) {
  const flowers = readFileSync(join(IRIS, 'data', 'inputs.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  const w = new LineWriter(file);
  for (let i = 0; i < n; i++) w.write(JSON.stringify({ ...flowers[i % flowers.length], id: `in-${String(i + 1).padStart(7, '0')}` }));
  return w.close();
}

/** obtainOutputs with the `command` source, every row consumed. */
async function viaSource(inputs) {
  let rows = 0;
  for await (const r of core.obtainOutputs({ command: MODEL_CMD }, { cwd: IRIS, inputsFile: inputs, timeoutMs: 600000 })) {
    if (r.value) rows++;
  }
  return rows;
}

/**
 * By hand: /bin/sh -c '<cmd> < inputs', stdout piped into this process, split
 * into lines and (with `parse`) JSON.parse'd, which is what the source hands over.
 * `feed`: stdin fed from this process through a pipe instead of the shell's `<`
 * (what the source does, to count input lines); only to see where a difference comes from.
 */
function byHandPiped(inputs, { parse = true, feed = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', feed ? MODEL_CMD : `${MODEL_CMD} < '${inputs}'`], { cwd: IRIS, stdio: [feed ? 'pipe' : 'ignore', 'pipe', 'inherit'] });
    if (feed) createReadStream(inputs, { highWaterMark: 64 * 1024 }).pipe(child.stdin);
    let rows = 0;
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s) => {
      const text = rest + s;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) break;
        if (parse) JSON.parse(text.slice(start, nl));
        rows++;
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(rows) : reject(new Error(`exit ${code}`))));
  });
}

/** By hand: /bin/sh -c '<cmd> < inputs > /dev/null' (the model alone, writing to a file instead of a pipe). */
function byHandDevNull(inputs) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${MODEL_CMD} < '${inputs}' > /dev/null`], { cwd: IRIS, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(-1) : reject(new Error(`exit ${code}`))));
  });
}

async function commandBench(dir, n, log) {
  const inputs = join(dir, `inputs-${n}.jsonl`);
  const bytes = writeInputs(inputs, n);
  const variants = {
    source: () => viaSource(inputs),
    piped: () => byHandPiped(inputs),
    pipedCount: () => byHandPiped(inputs, { parse: false }),
    fed: () => byHandPiped(inputs, { feed: true }),
    devnull: () => byHandDevNull(inputs),
  };
  const wall = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  await variants.source(); // warm-up: page cache, the model's files
  for (let i = 0; i < 3; i++) {
    for (const [k, fn] of Object.entries(variants)) {
      const t = await timed(fn);
      if (k !== 'devnull' && t.out !== n) throw new Error(`${k} gave ${t.out} outputs for ${n} inputs`);
      wall[k].push(t.ms);
      cpu[k].push(t.cpuMs);
    }
  }
  rmSync(inputs, { force: true });
  const m = Object.fromEntries(Object.entries(wall).map(([k, v]) => [k, median(v)]));
  const c = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, median(v)]));
  const spread = (k) => `${f1(m[k], 0)} (${f1(Math.min(...wall[k]), 0)}–${f1(Math.max(...wall[k]), 0)})`;
  const overhead = m.source / m.piped - 1;
  const pc = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  log(`\ncommand source — ${n / 1000}k inputs (${(bytes / 1048576).toFixed(1)} MB) through \`${MODEL_CMD}\` (examples/iris), no batch (one run); 3 rounds, interleaved`);
  // CPU time (this process + the model) goes to bench.json only: how much the consumer
  // spends depends on how the model's line-by-line writes happen to be chunked in the pipe.
  log('                                                                wall ms: median (min–max)  A over it');
  const line = (id, k, text) => {
    const vs = k === 'source' ? '' : pc(m.source / m[k] - 1).padStart(6);
    log(`  ${id}  ${text.padEnd(58)} ${spread(k).padStart(20)}   ${vs}`);
  };
  line('A', 'source', 'obtainOutputs({ command }), every row consumed');
  line('B', 'piped', "by hand: sh -c 'cmd < inputs', stdout piped + JSON.parse");
  line('C', 'pipedCount', 'by hand: as B, lines only counted');
  line('D', 'fed', 'by hand: as B, stdin fed from node through a pipe');
  line('E', 'devnull', "by hand: sh -c 'cmd < inputs > /dev/null'");
  log(`  overhead of the command source (A over B, the target): ${pc(overhead)}`);
  return {
    inputs: n,
    command: MODEL_CMD,
    wallMs: m,
    cpuMs: c,
    overhead,
    cpuOverhead: c.source / c.piped - 1,
    wallSamples: wall,
    cpuSamples: cpu,
  };
}

// ---- entry points ---------------------------------------------------------------------------

/** Runs both parts, prints the tables, merges `contracts` into test-results/bench.json. */
export async function runContractBench({ quick = false, log = console.log } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-contracts-'));
  const started = performance.now();
  try {
    const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
    log(`\n${'-'.repeat(100)}\ncontract-test engine benchmark — node ${process.version}, ${new Date().toISOString()}, ${cpus().length} CPUs, load average ${load()}`);
    const comparison = await comparisonBench(dir, quick ? [100000] : [100000, 1000000], log);
    const command = await commandBench(dir, 100000, log);
    const at1M = Object.values(comparison).filter((r) => r.rows === 1000000);
    log('\ntargets (the issue\'s, at 1M rows): compare ≤ 1.3× the floor (readJsonl); peak RSS ≤ 200 MB; command source ≤ 5% over the by-hand pipe');
    // the target is stated at 1M rows (fresh processes, like the CLI); 100k is measured warm in this
    // process after a forced GC, which costs the engine its optimised code each run: shown, not judged
    const judged = at1M.length ? at1M : Object.values(comparison);
    const worst = Math.max(...judged.map((r) => r.ratio));
    const worstCpu = Math.max(...judged.map((r) => r.cpuRatio));
    const small = Object.values(comparison).filter((r) => r.rows < 1000000);
    log(`  compare/floor${at1M.length ? ' at 1M' : ''}: worst ${worst.toFixed(2)}× wall (${worstCpu.toFixed(2)}× CPU) — ${worst <= 1.3 ? 'met' : 'MISSED'}`);
    if (at1M.length && small.length) log(`  (at 100k, in this process: ${small.map((r) => `${r.order} ${r.ratio.toFixed(2)}×`).join(', ')})`);
    if (at1M.length) {
      const peak = Math.max(...at1M.map((r) => r.peakRssMB.compare));
      log(`  peak RSS at 1M: ${peak.toFixed(0)} MB (floor alone: ${Math.max(...at1M.map((r) => r.peakRssMB.floorJsonl)).toFixed(0)} MB) — ${peak <= 200 ? 'met' : 'MISSED'}`);
    }
    log(`  command source overhead: ${(command.overhead * 100).toFixed(1)}% — ${command.overhead <= 0.05 ? 'met' : 'MISSED'}`);
    const totalMs = performance.now() - started;
    log(`contract benchmark took ${(totalMs / 1000).toFixed(0)} s; load average now ${load()} (above ${cpus().length}: the machine is shared, timings vary)`);
    const results = { when: new Date().toISOString(), node: process.version, cpus: cpus().length, loadavg: loadavg(), comparison, command, totalMs };
    mergeBenchResults('contracts', results);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === here) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, what, baseline, current] = argv;
    const c0 = cpuMs();
    const t0 = performance.now();
    const out = await MEASURES[what](baseline, current);
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ ms, cpuMs: cpuMs() - c0, maxRSSKB: peakRssKB(), ...out }));
  } else {
    await runContractBench({ quick: argv.includes('--quick') });
  }
}
