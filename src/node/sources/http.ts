// The `http` source: input records are sent to an endpoint as JSON, outputs
// read from the JSON responses.
//
// Without `batch`, each request carries one record (the body is the record)
// and each response one output (an object). With `batch: N`, each request
// carries up to N records as a JSON array and its response must hold an array
// of as many outputs, in the same order. `inputsPath` / `outputsPath` put the
// record (or array) deeper in the request body / find it deeper in the
// response, e.g. `instances` / `predictions`.
//
// Up to `concurrency` requests are in flight; outputs are passed on in input
// order. A request that gets a 5xx, times out or loses its connection is
// retried up to `retries` times, waiting retryDelay, 2 × retryDelay, 4 × …
// A 4xx (or any other status) is not retried.
//
// With a `protocol` (mlflow, tfserving, open-inference; see protocols.ts) the
// request and response shapes are the preset's: every request carries a list
// of up to `batch` records (one without `batch`), the URL gets the preset's
// path, and each prediction may be any JSON value (shape.ts names its fields).
// A plain endpoint's outputs, too, may be any JSON value when the contract
// names their fields (`output.fields`); otherwise each must be an object.
import * as http from 'node:http';
import * as https from 'node:https';
import { formatDuration } from '../../core/util/values';
import { readJsonl } from '../jsonl';
import { formatSize, inputLines, plural, snippet, SourceError } from './errors';
import { orderedMap } from './pool';
import type { OutputRow } from './types';
import type { RunContext } from './context';
import type { Protocol } from './protocols';

export interface HttpSettings {
  url: URL;
  method: string;
  headers: Record<string, string>;
  inputsPath: string[];
  outputsPath: string[];
  batch: number | undefined;
  concurrency: number;
  retries: number;
  requestTimeoutMs: number;
  retryDelayMs: number;
  inputsFile: string;
  protocol?: Protocol | undefined;
  /** The contract names the fields of bare predictions (`output.fields`): a prediction need not be an object. */
  bare?: boolean;
}

/** Longest wait between two attempts. */
const MAX_RETRY_DELAY_MS = 30_000;

interface Batch {
  lines: number[];
  texts: string[];
}

interface Response {
  status: number;
  statusText: string;
  body: Buffer;
}

class RequestTimeout extends Error {}
class ResponseTooLong extends Error {}

/** Rows in groups, one per request. */
export async function* httpOutputs(s: HttpSettings, ctx: RunContext): AsyncGenerator<OutputRow[]> {
  const lib = s.url.protocol === 'https:' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: s.concurrency });
  const size = s.batch ?? 1;
  let inputs = 0;
  let outputs = 0;
  const batches = (async function* (): AsyncGenerator<Batch> {
    let b: Batch = { lines: [], texts: [] };
    for await (const item of readJsonl(s.inputsFile, { maxLineBytes: ctx.maxLineBytes, signal: ctx.signal })) {
      if ('tooLong' in item) {
        throw new SourceError('too-long', `input line ${item.line} is ${formatSize(item.length)} long, more than the ${formatSize(ctx.maxLineBytes)} limit`, { inputLine: item.line });
      }
      try {
        JSON.parse(item.text);
      } catch (e) {
        throw new SourceError('bad-input', `input line ${item.line} is not JSON: ${snippet(item.text)}`, { inputLine: item.line, cause: e });
      }
      inputs++;
      b.lines.push(item.line);
      b.texts.push(item.text);
      if (b.lines.length === size) {
        yield b;
        b = { lines: [], texts: [] };
      }
    }
    if (b.lines.length) yield b;
  })();
  const results = orderedMap(batches, s.concurrency, ctx.signal, (b, signal) => exchange(s, b, agent, signal, ctx.maxLineBytes));
  try {
    for await (const r of results) {
      for (const row of r) row.line = ++outputs;
      ctx.progress(outputs, inputs, false);
      yield r;
    }
    ctx.progress(outputs, inputs, true, true);
  } catch (e) {
    if (ctx.stopped) throw ctx.stopError(`stopped after ${outputs} of ${(await ctx.countInputs()) ?? '?'} outputs`, { outputs });
    throw e;
  } finally {
    agent.destroy();
  }
}

/** One batch: request, retries, mapping of the response to rows. */
async function exchange(s: HttpSettings, b: Batch, agent: http.Agent, signal: AbortSignal, maxLineBytes: number): Promise<OutputRow[]> {
  const rows = inputLines(b.lines[0]!, b.lines[b.lines.length - 1]!);
  const target = `${s.method} ${displayUrl(s.url)}`;
  const payload = s.batch === undefined ? b.texts[0]! : `[${b.texts.join(',')}]`;
  const body = s.protocol ? s.protocol.body(b.texts.map((t) => JSON.parse(t) as Record<string, unknown>)) : wrap(payload, s.inputsPath);
  const maxBytes = maxLineBytes * Math.max(1, b.lines.length);
  for (let attempt = 1; ; attempt++) {
    const after = attempt > 1 ? ` after ${plural(attempt, 'attempt')}` : '';
    const details = { attempts: attempt, inputLine: b.lines[0]! };
    let res: Response;
    try {
      res = await request(s, body, agent, signal, s.requestTimeoutMs, maxBytes);
    } catch (e) {
      if (signal.aborted) throw e; // the caller reports the timeout or cancel
      if (e instanceof ResponseTooLong) {
        throw new SourceError('too-long', `${target}: the response for ${rows} is longer than the ${formatSize(maxBytes)} limit`, details);
      }
      if (attempt <= s.retries) {
        await backoff(s.retryDelayMs, attempt, signal);
        continue;
      }
      if (e instanceof RequestTimeout) {
        throw new SourceError('timeout', `${target} gave no response within ${formatDuration(s.requestTimeoutMs)} for ${rows}${after}`, details);
      }
      throw new SourceError('http', `${target} failed for ${rows}${after}: ${describe(e)}`, { ...details, cause: e });
    }
    if (res.status >= 500 && attempt <= s.retries) {
      await backoff(s.retryDelayMs, attempt, signal);
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      const text = res.body.toString('utf8');
      throw new SourceError('http', `${target} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''} for ${rows}${after}${text.trim() ? `: ${snippet(text)}` : ''}`, {
        ...details,
        status: res.status,
      });
    }
    return outputsOf(res.body.toString('utf8'), s, b, `${target}: the response for ${rows}`, details);
  }
}

function outputsOf(text: string, s: HttpSettings, b: Batch, what: string, details: { attempts: number; inputLine: number }): OutputRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SourceError('bad-output', `${what} is not JSON: ${snippet(text)}`, { ...details, cause: e });
  }
  if (s.protocol) {
    const found = s.protocol.predictions(parsed, b.lines.length);
    if (typeof found === 'string') throw new SourceError('bad-output', `${what}: ${found}: ${snippet(text)}`, details);
    return found.map((v, i) => {
      if (!s.bare && !isObject(v)) throw new SourceError('bad-output', `${what}: prediction ${i + 1} is not a JSON object (name its fields with \`output.fields\`): ${snippet(JSON.stringify(v) ?? String(v))}`, { ...details, inputLine: b.lines[i]! });
      return { line: 0, inputLine: b.lines[i]!, text: JSON.stringify(v), value: isObject(v) ? v : {}, bare: v };
    });
  }
  const where = s.outputsPath.length ? ` at \`${s.outputsPath.join('.')}\`` : '';
  const found = pick(parsed, s.outputsPath);
  if (s.batch === undefined) {
    if (s.bare && found !== undefined) return [{ line: 0, inputLine: b.lines[0]!, text: JSON.stringify(found), value: isObject(found) ? found : {}, bare: found }];
    if (!isObject(found)) throw new SourceError('bad-output', `${what} has no JSON object${where}: ${snippet(text)}`, details);
    return [{ line: 0, inputLine: b.lines[0]!, text: JSON.stringify(found), value: found }];
  }
  if (!Array.isArray(found)) throw new SourceError('bad-output', `${what} has no JSON array${where}: ${snippet(text)}`, details);
  if (found.length !== b.lines.length) {
    throw new SourceError('bad-output', `${what} has ${plural(found.length, 'output')} for ${plural(b.lines.length, 'input')}`, details);
  }
  return found.map((v, i) => {
    if (s.bare) return { line: 0, inputLine: b.lines[i]!, text: JSON.stringify(v), value: isObject(v) ? v : {}, bare: v };
    if (!isObject(v)) throw new SourceError('bad-output', `${what}: output ${i + 1} is not a JSON object: ${snippet(JSON.stringify(v) ?? String(v))}`, { ...details, inputLine: b.lines[i]! });
    return { line: 0, inputLine: b.lines[i]!, text: JSON.stringify(v), value: v };
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function pick(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** `{"a":{"b":<payload>}}` for the path a.b; the payload's own text is kept as it is. */
function wrap(payload: string, path: string[]): string {
  let out = payload;
  for (let i = path.length - 1; i >= 0; i--) out = `{${JSON.stringify(path[i])}:${out}}`;
  return out;
}

/** The URL without credentials or query, for messages. */
function displayUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const message = err?.message ?? String(e);
  return err?.code && !message.includes(err.code) ? `${message} (${err.code})` : message;
}

function backoff(base: number, attempt: number, signal: AbortSignal): Promise<void> {
  const ms = Math.min(MAX_RETRY_DELAY_MS, base * 2 ** (attempt - 1));
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

function request(s: HttpSettings, body: string, agent: http.Agent, signal: AbortSignal, timeoutMs: number, maxBytes: number): Promise<Response> {
  const lib = s.url.protocol === 'https:' ? https : http;
  const data = Buffer.from(body, 'utf8');
  const headers: Record<string, string | number> = { 'content-type': 'application/json', accept: 'application/json', ...s.headers, 'content-length': data.length };
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, res?: Response): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(res!);
    };
    const req = lib.request(s.url, { method: s.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) finish(new ResponseTooLong());
        else chunks.push(c);
      });
      res.on('end', () => {
        if (!res.complete) finish(new Error('the connection closed in the middle of the response'));
        else finish(undefined, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks) });
      });
      res.on('error', () => finish(new Error('the connection closed in the middle of the response')));
      res.on('close', () => {
        if (!res.complete) finish(new Error('the connection closed in the middle of the response'));
      });
    });
    const timer = setTimeout(() => finish(new RequestTimeout()), timeoutMs);
    const onAbort = (): void => finish(new Error('aborted'));
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    req.on('error', (e) => finish(e));
    req.end(data);
  });
}
