// A real Prometheus for tests: Debian's `prometheus` package (server and
// promtool; test/prometheus/setup.sh installs it), on a free loopback port,
// with a temporary TSDB that holds data made before the server starts.
//
// How the data gets in: the test writes its series as OpenMetrics text, and
// `promtool tsdb create-blocks-from openmetrics` turns that into TSDB blocks
// in the temporary storage folder; then Prometheus starts on that folder and
// serves the blocks. Nothing is scraped (the configuration has no scrape
// jobs, no remote read or write, no rule files), so the head block stays
// empty and every sample a query sees is one the test wrote: queries give the
// same answers on every run.
//
// Backfilling recent data is safe here only because the server is started
// after the blocks are made and never ingests anything: Prometheus' own docs
// warn against backfilling the last ~3h (the head block's range) into a
// server that is scraping. promtool aligns blocks to its --max-block-duration
// (2h by default), so a 30-minute data set may become one or two blocks.
//
// Start and stop are bounded in time; `stop()` always kills the server (TERM,
// then KILL) and removes the folder, and an exit hook does the same if the
// test process ends without calling it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

export function prometheusInstalled(): boolean {
  try {
    fs.accessSync(PROMETHEUS, fs.constants.X_OK);
    fs.accessSync(PROMTOOL, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * In a suite's `before`: Prometheus must be installed. In CI its absence is an
 * error (npm run setup installs it); on a developer's machine the suite is
 * skipped, saying which command installs it.
 */
export function needPrometheus(ctx: Mocha.Context): void {
  if (prometheusInstalled()) return;
  if (process.env.CI) throw new Error('Prometheus is not installed: run `bash test/prometheus/setup.sh` (npm run setup does)');
  console.log('    (Prometheus is not installed: run `bash test/prometheus/setup.sh`; skipping the real-Prometheus tests)');
  ctx.skip();
}

export interface Series {
  /** Metric name, e.g. `iris_p99_latency_ms`. */
  name: string;
  labels?: Record<string, string>;
  /** `[timeMs, value]`, in time order. */
  samples: Array<[number, number]>;
}

/** The series as OpenMetrics text (gauges), one family after another, ending with `# EOF`. */
export function openMetrics(series: Series[]): string {
  const byName = new Map<string, Series[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const lines: string[] = [];
  for (const [name, group] of byName) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of group) {
      const inner = Object.entries(s.labels ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',');
      const id = inner ? `${name}{${inner}}` : name;
      for (const [t, v] of s.samples) lines.push(`${id} ${Number.isNaN(v) ? 'NaN' : String(v)} ${t / 1000}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** Samples every `stepMs` from `endMs - spanMs` to `endMs`, valued by `f(msBeforeEnd)`. */
export function samples(endMs: number, spanMs: number, stepMs: number, f: (msAgo: number) => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let ago = spanMs; ago >= 0; ago -= stepMs) out.push([endMs - ago, f(ago)]);
  return out;
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Milliseconds taken by promtool's backfill and by the server to become ready. */
  timings: { backfillMs: number; readyMs: number };
  /** The server's output so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  series: Series[];
  /** Bound on backfill plus readiness (default 15 s). */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Backfills `series` into a temporary TSDB and starts Prometheus on it, on a free loopback port. */
export async function startPrometheus(options: StartOptions): Promise<RunningPrometheus> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-prometheus-'));
  try {
    const tsdb = path.join(dir, 'tsdb');
    const input = path.join(dir, 'data.om.txt');
    fs.writeFileSync(input, openMetrics(options.series));
    // no scrape jobs, no rules, no remote storage: the server only serves the backfilled blocks
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  evaluation_interval: 1h\n');
    const t0 = Date.now();
    await run(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', input, tsdb], deadline - Date.now());
    const backfillMs = Date.now() - t0;
    // a port can be taken between our probe and the server's bind: try again with another
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const t1 = Date.now();
      const started = await launch(dir, tsdb, port, deadline);
      if ('server' in started) {
        return { ...started.server, timings: { backfillMs, readyMs: Date.now() - t1 } };
      }
      if (!/address already in use/i.test(started.log) || attempt >= 3) throw new Error(started.error);
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

type Launch = { server: Omit<RunningPrometheus, 'timings'> } | { error: string; log: string };

async function launch(dir: string, tsdb: string, port: number, deadline: number): Promise<Launch> {
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString('utf8')));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    }),
  );
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exit;
        clearTimeout(killer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    })());
  const url = `http://127.0.0.1:${port}`;
  while (Date.now() < deadline && !exited) {
    if (await ready(url)) return { server: { url, port, log: () => log, stop } };
    await new Promise((r) => setTimeout(r, 50));
  }
  const why = exited ? `Prometheus exited before it was ready` : `Prometheus was not ready on ${url} in time`;
  if (!exited) {
    child.kill('SIGKILL');
    await exit;
  }
  return { error: `${why}:\n${log}`, log };
}

function ready(url: string): Promise<boolean> {
  return fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
    .then(async (r) => {
      await r.arrayBuffer();
      return r.ok;
    })
    .catch(() => false);
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: Math.max(1, timeoutMs), killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

/**
 * The iris example's two series for the last 30 minutes at a 15 s step, ending
 * just before now (call it when the server starts: an instant query sees a
 * series only within Prometheus' 5-minute lookback): p99 latency constant at
 * `latencyMs`, the error rate 0.004 but 0.05 for its last 2 minutes.
 */
export function irisSeries(latencyMs: number): Series[] {
  const S = 1000;
  const M = 60_000;
  const end = Math.floor((Date.now() - 15 * S) / (15 * S)) * 15 * S;
  return [
    { name: 'iris_p99_latency_ms', labels: { job: 'iris' }, samples: samples(end, 30 * M, 15 * S, () => latencyMs) },
    { name: 'iris_error_rate', labels: { job: 'iris' }, samples: samples(end, 30 * M, 15 * S, (ago) => (ago <= 2 * M ? 0.05 : 0.004)) },
  ];
}
