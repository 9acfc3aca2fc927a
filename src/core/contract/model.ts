// The parts of an InterfaceContract the engines need, read from its
// validated value (the schema guarantees the shapes; this only types them).
import type { CompareSpec } from './compare';
import type { DriftSpec, ToleranceSpec } from './tolerance';
import { asObject as obj } from '../util/object';
import { outputShapeOf, type OutputShape } from './outputShape';

export interface SourceSpec {
  /** The outputs file (`source.file: { file, format }` is read into `file` and `fileFormat`). */
  file?: string;
  fileFormat?: string;
  command?: string;
  http?: Record<string, unknown>;
  seed?: number;
  timeout?: string;
  concurrency?: number;
  batch?: number;
  retries?: number;
  [k: string]: unknown;
}

export interface ContractTestSpec {
  id: string;
  description?: string;
  inputs?: string;
  baseline?: string;
  /** An explicit `format:` of the inputs / baseline (`{ file, format }` in the contract); absent: by extension. */
  inputsFormat?: string;
  baselineFormat?: string;
  compare?: CompareSpec;
  schemaOnly?: { against: 'input' | 'output'; accept: unknown[]; reject: unknown[] };
}

export interface ContractModel {
  name?: string;
  version?: string | number;
  model?: string;
  /** metadata.modelVersion: the model release the contract describes, when given. */
  modelVersion?: string;
  key: string;
  labels?: string[];
  labelField?: string;
  /** `{ $ref: path }` or an inline JSON Schema. */
  inputSchema?: unknown;
  outputSchema?: unknown;
  /** How keyless or bare outputs become keyed rows (`output.key.fromInput`, `output.fields`); absent: they are keyed objects. */
  outputShape?: OutputShape;
  source?: SourceSpec;
  tests: ContractTestSpec[];
}


export function contractModel(value: unknown): ContractModel {
  const c = obj(value);
  const meta = obj(c.metadata);
  const output = obj(c.output);
  const input = obj(c.input);
  const shape = outputShapeOf(output);
  const key = typeof output.key === 'string' ? output.key : shape?.fromInput ?? (typeof input.key === 'string' ? input.key : 'id');
  const labels = Array.isArray(output.labels) ? output.labels.filter((l): l is string => typeof l === 'string') : undefined;
  const labelField = typeof output.labelField === 'string' ? output.labelField : undefined;
  const tests = (Array.isArray(c.tests) ? c.tests : []).map((raw): ContractTestSpec => {
    const t = obj(raw);
    const id = String(t.id ?? '');
    const base = {
      id,
      ...(typeof t.description === 'string' ? { description: t.description } : {}),
      ...fileRef(t.inputs, 'inputs'),
      ...fileRef(t.baseline, 'baseline'),
    };
    if (Array.isArray(t.accept) || Array.isArray(t.reject)) {
      return { ...base, schemaOnly: { against: t.against === 'output' ? 'output' : 'input', accept: Array.isArray(t.accept) ? t.accept : [], reject: Array.isArray(t.reject) ? t.reject : [] } };
    }
    return {
      ...base,
      compare: {
        testId: id,
        key,
        ...(labels ? { labels } : {}),
        ...(labelField ? { labelField } : {}),
        tolerance: obj(t.tolerance) as Record<string, ToleranceSpec>,
        drift: obj(t.drift) as Record<string, DriftSpec>,
        missingKeys: t.missingKeys === 'warn' ? 'warn' : 'fail',
        extraKeys: t.extraKeys === 'fail' ? 'fail' : 'warn',
      },
    };
  });
  return {
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    ...(typeof meta.version === 'string' || typeof meta.version === 'number' ? { version: meta.version } : {}),
    ...(typeof meta.model === 'string' ? { model: meta.model } : {}),
    ...(typeof meta.modelVersion === 'string' || typeof meta.modelVersion === 'number' ? { modelVersion: String(meta.modelVersion) } : {}),
    key,
    ...(labels ? { labels } : {}),
    ...(labelField ? { labelField } : {}),
    ...(input.schema !== undefined ? { inputSchema: input.schema } : {}),
    ...(output.schema !== undefined ? { outputSchema: output.schema } : {}),
    ...(shape ? { outputShape: shape } : {}),
    ...(c.source ? { source: sourceOf(obj(c.source)) } : {}),
    tests,
  };
}

/** A file named as a path or as `{ file, format }`: `{ [name]: path, [name + 'Format']: format }`. */
function fileRef<N extends string>(v: unknown, name: N): Partial<Record<N | `${N}Format`, string>> {
  if (typeof v === 'string') return { [name]: v } as Partial<Record<N | `${N}Format`, string>>;
  const o = obj(v);
  if (typeof o.file !== 'string') return {};
  return { [name]: o.file, ...(typeof o.format === 'string' ? { [`${name}Format`]: o.format } : {}) } as Partial<Record<N | `${N}Format`, string>>;
}

function sourceOf(s: Record<string, unknown>): SourceSpec {
  if (s.file === undefined || typeof s.file === 'string') return s as SourceSpec;
  const { file: _f, ...rest } = s;
  return { ...rest, ...fileRef(s.file, 'file') } as SourceSpec;
}
