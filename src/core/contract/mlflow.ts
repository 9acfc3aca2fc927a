// An MLflow model's signature as the JSON Schema of ONE ROW, so a contract's
// input or output schema can be the `signature.inputs` / `signature.outputs`
// of an `MLmodel` file instead of a hand-written copy that drifts from it.
// The format is MLflow's own (mlflow/types/schema.py): the MLmodel YAML holds
// each part as a JSON string, a list of specs that are either all column specs
// or all tensor specs.
//
// Column specs (`{"type": "double", "name": "x", "required": true}`): named
// columns make an object with those properties, required unless `required:
// false` (MLflow 2.x; such a column is also nullable, as MLflow fills a
// missing optional value with None); MLflow 1.x specs have no `required` and
// are required. Types: boolean, integer (int32 range), long, float, double,
// string, binary (base64 text in JSON), datetime (text in JSON), and the
// MLflow 2.10+ array (`items`), object (`properties`, each with `required`),
// map (`values`, string keys), any and sparkml_vector (numbers).
// Tensor specs (`{"type": "tensor", "tensor-spec": {"dtype": "float32",
// "shape": [-1, 4]}}`): a row is one element along the batch dimension, so a
// leading -1 is dropped and the rest of the shape becomes nested arrays of
// exactly that length (-1 inside: any length) around the dtype's JSON type
// (integers keep their range up to 32 bits, unsigned ones their minimum 0). A
// tensor whose first dimension is not -1 has no batch dimension: a row is the
// whole tensor.
// Named specs make an object; one unnamed spec is the row itself (a bare
// label, a vector); several unnamed specs a tuple.
//
// Every failure is a message naming the part (and the spec's index), with the
// span of the YAML node it is about, never an exception. The schemas written
// here are draft-07 and pass ajv's strict mode. Pure.
import { asArray, asObject, hasOwn, isObject } from '../util/object';
import { getPair, getValue, parseYaml, type PNode } from '../yaml';
import type { Span } from '../types';

export type SignaturePart = 'inputs' | 'outputs';

export type SignatureSchema = { ok: true; schema: Record<string, unknown> } | { ok: false; message: string; span: Span };

type Schema = Record<string, unknown>;

const COLUMN_TYPES: Record<string, Schema> = {
  boolean: { type: 'boolean' },
  integer: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
  long: { type: 'integer' },
  float: { type: 'number' },
  double: { type: 'number' },
  string: { type: 'string' },
  binary: { type: 'string', contentEncoding: 'base64' },
  datetime: { type: 'string' },
};
const NESTED_TYPES = ['array', 'object', 'map', 'any', 'sparkml_vector'];
const TYPE_LIST = [...Object.keys(COLUMN_TYPES), ...NESTED_TYPES, 'tensor'].join(', ');
const DTYPE_LIST = 'bool, int8..int64, uint8..uint64, float16..float64, str, bytes, object, datetime64';

/** Thrown inside the conversion only, caught in signatureSchema: a message without its location. */
class SpecError extends Error {}

/**
 * The JSON Schema of one row of `signature.<part>` in an MLmodel file's text,
 * or a located error (the span is in `text`).
 */
export function signatureSchema(text: string, part: SignaturePart): SignatureSchema {
  const parsed = parseYaml(text);
  const whole: Span = { start: 0, end: text.length };
  if (parsed.hasSyntaxErrors) {
    const d = parsed.diagnostics[0];
    return { ok: false, message: `the MLmodel file is not valid YAML: ${d?.message ?? 'syntax error'}`, span: d?.span ?? whole };
  }
  const sigPair = getPair(parsed.root, 'signature');
  const sig = asObject(asObject(parsed.value).signature);
  if (!sigPair || !isObject(asObject(parsed.value).signature)) {
    return { ok: false, message: 'the MLmodel file has no `signature` (log the model with `signature=` or an `input_example`)', span: sigPair ? spanOf(sigPair.value, sigPair) : whole };
  }
  const node = getValue(sigPair.value, part);
  const at = spanOf(node, sigPair);
  const raw = sig[part];
  if (raw === undefined || raw === null) {
    const why = part === 'outputs' ? 'an output schema' : 'an input schema';
    return { ok: false, message: `\`signature.${part}\` is ${raw === null ? 'null' : 'missing'} in the MLmodel file: the model was logged without ${why}`, span: at };
  }
  let specs: unknown = raw;
  if (typeof raw === 'string') {
    try {
      specs = JSON.parse(raw);
    } catch (e) {
      return { ok: false, message: `\`signature.${part}\` is not valid JSON: ${(e as Error).message}`, span: at };
    }
  }
  try {
    return { ok: true, schema: rowSchema(specs, `signature.${part}`) };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, message: e.message, span: at };
    throw e;
  }
}

function spanOf(node: PNode | null, fallback: Span): Span {
  return node ? { start: node.start, end: node.end } : { start: fallback.start, end: fallback.end };
}

/** One row of a list of column specs or of tensor specs. */
function rowSchema(specs: unknown, where: string): Schema {
  if (!Array.isArray(specs) || specs.length === 0) throw new SpecError(`\`${where}\` must be a non-empty list of column or tensor specs`);
  const isTensor = specs.map((s) => isObject(s) && s.type === 'tensor');
  if (isTensor.some((t) => t) && !isTensor.every((t) => t)) throw new SpecError(`\`${where}\` mixes column and tensor specs, which MLflow does not allow`);
  const cols = specs.map((s, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(s)) throw new SpecError(`\`${at}\` must be an object with a \`type\``);
    const name = typeof s.name === 'string' ? s.name : undefined;
    const schema = withName(name, at, () => (s.type === 'tensor' ? tensorSchema(s, at) : typeSchema(s, at)));
    // MLflow 1.x writes no `required`; tensors are always required
    const required = s.type === 'tensor' || s.required !== false;
    return { name, schema: required ? schema : nullable(schema), required };
  });
  const named = cols.filter((c) => c.name !== undefined);
  if (named.length === cols.length) {
    return {
      type: 'object',
      properties: Object.fromEntries(cols.map((c) => [c.name!, c.schema])),
      required: cols.filter((c) => c.required).map((c) => c.name!),
    };
  }
  if (named.length) throw new SpecError(`\`${where}\` mixes named and unnamed specs, which MLflow does not allow`);
  if (cols.length === 1) return cols[0]!.schema;
  return { type: 'array', items: cols.map((c) => c.schema), minItems: cols.filter((c) => c.required).length, additionalItems: false };
}

/** Runs a spec's conversion; an error about a named spec says its name too: `signature.inputs[0]` (`a`): … */
function withName(name: string | undefined, at: string, convert: () => Schema): Schema {
  try {
    return convert();
  } catch (e) {
    if (!(e instanceof SpecError) || name === undefined) throw e;
    throw new SpecError(e.message.replace(`\`${at}\``, `\`${at}\` (\`${name}\`)`));
  }
}

/** A column's (or a nested value's) type: `{type: "double"}`, `{type: "array", items}`, ... */
function typeSchema(s: Record<string, unknown>, at: string): Schema {
  const t = s.type;
  if (typeof t === 'string' && hasOwn(COLUMN_TYPES, t)) return { ...COLUMN_TYPES[t] };
  switch (t) {
    case 'array':
      if (!isObject(s.items)) throw new SpecError(`\`${at}\`: an array needs \`items\` with a \`type\``);
      return { type: 'array', items: typeSchema(s.items, `${at}.items`) };
    case 'object': {
      const props = asObject(s.properties);
      if (!isObject(s.properties)) throw new SpecError(`\`${at}\`: an object needs \`properties\``);
      const entries = Object.entries(props).map(([name, p]) => {
        if (!isObject(p)) throw new SpecError(`\`${at}.properties.${name}\` must be an object with a \`type\``);
        const schema = typeSchema(p, `${at}.properties.${name}`);
        return { name, schema: p.required === false ? nullable(schema) : schema, required: p.required !== false };
      });
      return {
        type: 'object',
        properties: Object.fromEntries(entries.map((e) => [e.name, e.schema])),
        required: entries.filter((e) => e.required).map((e) => e.name),
      };
    }
    case 'map':
      if (!isObject(s.values)) throw new SpecError(`\`${at}\`: a map needs \`values\` with a \`type\``);
      return { type: 'object', additionalProperties: typeSchema(s.values, `${at}.values`) };
    case 'any':
      return {};
    case 'sparkml_vector':
      return { type: 'array', items: { type: 'number' } };
    default:
      throw new SpecError(`\`${at}\`: unknown MLflow type \`${typeof t === 'string' ? t : JSON.stringify(t)}\` (one of ${TYPE_LIST})`);
  }
}

/** A tensor spec: the dtype's JSON type nested in arrays along the shape, without the batch dimension. */
function tensorSchema(s: Record<string, unknown>, at: string): Schema {
  const spec = s['tensor-spec'];
  if (!isObject(spec) || typeof spec.dtype !== 'string' || !Array.isArray(spec.shape)) throw new SpecError(`\`${at}\`: a tensor spec needs \`tensor-spec: { dtype, shape }\``);
  const dims = asArray(spec.shape);
  if (!dims.every((d) => Number.isInteger(d) && (d as number) >= -1)) throw new SpecError(`\`${at}\`: the tensor shape must be whole numbers, -1 for any length`);
  let schema = dtypeSchema(spec.dtype, at);
  const rowDims = (dims as number[]).slice(dims[0] === -1 ? 1 : 0);
  for (let i = rowDims.length - 1; i >= 0; i--) {
    const d = rowDims[i]!;
    schema = d === -1 ? { type: 'array', items: schema } : { type: 'array', minItems: d, maxItems: d, items: schema };
  }
  return schema;
}

/** numpy dtype names (np.dtype(...).name, as MLflow writes them) to JSON types. */
function dtypeSchema(dtype: string, at: string): Schema {
  const int = /^(u?)int(8|16|32|64)$/.exec(dtype);
  if (int) {
    const bits = Number(int[2]);
    if (int[1] === 'u') return bits === 64 ? { type: 'integer', minimum: 0 } : { type: 'integer', minimum: 0, maximum: 2 ** bits - 1 };
    return bits === 64 ? { type: 'integer' } : { type: 'integer', minimum: -(2 ** (bits - 1)), maximum: 2 ** (bits - 1) - 1 };
  }
  if (/^float(16|32|64|128)$/.test(dtype)) return { type: 'number' };
  if (dtype === 'bool') return { type: 'boolean' };
  if (dtype === 'str') return { type: 'string' };
  if (dtype === 'bytes') return { type: 'string', contentEncoding: 'base64' };
  if (dtype === 'object') return {};
  if (/^datetime64(\[\w+\])?$/.test(dtype)) return { type: 'string' };
  throw new SpecError(`\`${at}\`: unknown tensor dtype \`${dtype}\` (${DTYPE_LIST})`);
}

/** An optional value may also be null (MLflow fills a missing optional column with None). */
function nullable(s: Schema): Schema {
  if (typeof s.type === 'string') return { ...s, type: [s.type, 'null'] };
  return s;
}
