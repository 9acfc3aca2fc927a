// A step's `capture`: values it reads before it acts, each by a read-only GET
// request (rendered with the run's values, never with other captures) and a
// path into its JSON answer (core/util/valuePath.ts). The step's requests,
// undo and notify template then see them as `{{captured.<name>}}`, so an undo
// can put back whatever was there. The dry-run performs these reads (GET
// only, so it changes nothing); the drill performs them before the step's do,
// through the same scenario faults as every request. A read that fails, an
// answer that is not JSON, or a path that leads nowhere or to an object
// throws a CaptureError naming the capture; nothing of the step has run then.
import { CAPTURED_ROOT, captureNamesOf, renderDeep } from '../../core/runbook/plan';
import { asObject as obj } from '../../core/util/object';
import { followValuePath, parseValuePath, showValuePath } from '../../core/util/valuePath';
import { exchange, type Unavailable } from './effects';

/** The largest answer a capture reads (an alias lookup is a few hundred bytes). */
const MAX_ANSWER = 1 << 20;

export class CaptureError extends Error {
  constructor(
    readonly capture: string,
    message: string,
  ) {
    super(message);
  }
}

/** The step's values with its captures read now: `values` plus `captured`; the same `values` when it captures nothing. */
export async function withCaptures(raw: Record<string, unknown>, values: Record<string, unknown>, unavailable: Unavailable, timeoutMs: number, signal?: AbortSignal): Promise<{ values: Record<string, unknown>; captured?: Record<string, string> }> {
  const names = captureNamesOf(raw);
  if (!names.length) return { values };
  const captured: Record<string, string> = {};
  for (const name of names) captured[name] = await readCapture(name, obj(obj(raw.capture)[name]), values, unavailable, timeoutMs, signal);
  return { values: { ...values, [CAPTURED_ROOT]: captured }, captured };
}

async function readCapture(name: string, spec: Record<string, unknown>, values: Record<string, unknown>, unavailable: Unavailable, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  // GET whatever the file says: the dry-run sends it; the schema allows no other method and no body
  const { body: _body, ...rendered } = renderDeep(obj(spec.http), values) as Record<string, unknown>;
  const req: Record<string, unknown> = { ...rendered, method: 'GET' };
  const what = `capture \`${name}\` (GET ${String(req.url)})`;
  const path = parseValuePath(String(spec.path ?? ''));
  if (!path.ok) throw new CaptureError(name, `${what}: path \`${String(spec.path)}\`: ${path.message}`);
  let text: string;
  try {
    text = (await exchange(req, unavailable, timeoutMs, signal, MAX_ANSWER)).text;
  } catch (e) {
    throw new CaptureError(name, `capture \`${name}\`: ${(e as Error).message}`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new CaptureError(name, `${what}: the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const at = followValuePath(answer, path.segments);
  if (!at.found) throw new CaptureError(name, `${what}: the answer has no ${at.missing}`);
  const v = at.value;
  if (v === null || typeof v === 'object') throw new CaptureError(name, `${what}: ${showValuePath(path.segments)} is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object'}, not a string, number or boolean`);
  return String(v);
}
