// The shape of a contract's outputs when the model does not answer with keyed
// objects: `output.key: { fromInput: id }` (the n-th output belongs to the n-th
// input and takes that input's key) and `output.fields` (named fields taken
// from a bare prediction by a `$`-path: `$`, `$[0]`, `$.probabilities`).
//
// Invariants: pure (no I/O). shapeOutput always returns a fresh JSON object
// whose first field is the key when one is carried over; with `fields`, only
// those fields (and the key) are in it, in the order the contract names them.
// A path that finds nothing gives an error naming the field and the path,
// never a silent `undefined`.

import type { Parsed } from '../util/values';

export interface OutputShape {
  /** The input field carried over as the key (`output.key.fromInput`). */
  fromInput?: string;
  /** Field name to its parsed path. */
  fields?: Array<{ name: string; path: string; steps: Array<string | number> }>;
}

/** `$`, `$.a`, `$[0]`, `$["a b"]` and combinations, as steps; undefined when the text is not such a path. */
export function parseFieldPath(text: string): Array<string | number> | undefined {
  if (!text.startsWith('$')) return undefined;
  const steps: Array<string | number> = [];
  const step = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[([0-9]+)\]|\["([^"]*)"\]/y;
  let i = 1;
  while (i < text.length) {
    step.lastIndex = i;
    const m = step.exec(text);
    if (!m) return undefined;
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!));
    i = step.lastIndex;
  }
  return steps;
}

/**
 * A `$`-path checked, for the editor: the steps, or where it stops being a
 * path (`at` and `length` inside the text) and why. Accepts exactly what
 * parseFieldPath accepts.
 */
export function parseOutputPath(text: string): Parsed<Array<string | number>> {
  const forms = '`.name`, `[index]` or `["name"]`';
  if (!text.startsWith('$')) return { ok: false, error: { at: 0, length: text.length, message: 'a path starts with `$` (the whole output), e.g. `$` or `$[0]`' } };
  const steps = parseFieldPath(text);
  if (steps) return { ok: true, value: steps };
  // the longest prefix that is a path: the rest is where it stops
  let good = 1;
  const step = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[([0-9]+)\]|\["([^"]*)"\]/y;
  for (;;) {
    step.lastIndex = good;
    if (!step.exec(text)) break;
    good = step.lastIndex;
  }
  const rest = text.slice(good);
  return { ok: false, error: { at: good, length: rest.length, message: `\`${rest}\` is not ${forms}; after \`$\` a path is any of those, e.g. \`$[0]\` or \`$.probabilities[1]\`` } };
}

/** The contract's `output` object's shape, or undefined when outputs are keyed objects as they come. */
export function outputShapeOf(output: Record<string, unknown>): OutputShape | undefined {
  const key = output.key;
  const fromInput = key !== null && typeof key === 'object' && typeof (key as { fromInput?: unknown }).fromInput === 'string' ? (key as { fromInput: string }).fromInput : undefined;
  const raw = output.fields !== null && typeof output.fields === 'object' && !Array.isArray(output.fields) ? (output.fields as Record<string, unknown>) : undefined;
  const fields = raw
    ? Object.entries(raw).flatMap(([name, p]) => {
        const steps = typeof p === 'string' ? parseFieldPath(p) : undefined;
        return steps ? [{ name, path: p as string, steps }] : [];
      })
    : undefined;
  if (fromInput === undefined && !fields?.length) return undefined;
  return { ...(fromInput !== undefined ? { fromInput } : {}), ...(fields?.length ? { fields } : {}) };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function follow(v: unknown, steps: Array<string | number>): unknown {
  let cur = v;
  for (const s of steps) {
    if (typeof s === 'number') cur = Array.isArray(cur) ? cur[s] : undefined;
    else cur = isObject(cur) ? cur[s] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

export type Shaped = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/**
 * One output in the contract's shape: its fields picked by `shape.fields`
 * (else it must be an object, kept as it is), and the input's key put first
 * under `shape.fromInput` (it replaces a field of that name in the output).
 */
export function shapeOutput(value: unknown, shape: OutputShape, inputKey: unknown): Shaped {
  let out: Record<string, unknown>;
  if (shape.fields) {
    out = {};
    for (const f of shape.fields) {
      const v = follow(value, f.steps);
      if (v === undefined) return { ok: false, message: `field \`${f.name}\` (\`${f.path}\`) is not in the output` };
      out[f.name] = v;
    }
  } else {
    if (!isObject(value)) return { ok: false, message: 'the output is not a JSON object (map a bare prediction to named fields with `output.fields`)' };
    out = value;
  }
  if (shape.fromInput === undefined) return { ok: true, value: out };
  const { [shape.fromInput]: _dropped, ...rest } = out;
  return { ok: true, value: { [shape.fromInput]: inputKey, ...rest } };
}
