// Request and response shapes of the serving stacks teams run, for the http
// source's `protocol` (the batching, concurrency, retries and timeouts are
// http.ts's, as for a plain endpoint). Each preset turns one batch of input
// records into the request its server expects and its response back into one
// prediction per record, in order; the contract's `output.key.fromInput` and
// `output.fields` (shape.ts) then make them keyed rows.
//
//   mlflow          POST {url}/invocations, {"dataframe_records": [...]} or
//                   {"dataframe_split": {"columns", "data"}} (`format: split`)
//                   → {"predictions": [...]}. MLflow's scoring server:
//                   https://mlflow.org/docs/latest/deployment/deploy-model-locally
//   tfserving       POST {url}/v1/models/{model}[/versions/{v}]:predict, row form
//                   {"instances": [...]} → {"predictions": [...]}, columnar form
//                   (`format: columnar`) {"inputs": {name: [...]}} → {"outputs": ...}.
//                   TF Serving's REST API: https://www.tensorflow.org/tfx/serving/api_rest
//   open-inference  POST {url}/v2/models/{model}[/versions/{v}]/infer (KServe v2,
//                   Triton, Seldon MLServer), {"inputs": [{"name", "shape",
//                   "datatype", "data"}]} with row-major flattened data →
//                   {"model_name", "outputs": [{"name", "shape", "datatype", "data"}]},
//                   each output tensor's row i becoming field `name` of prediction i.
//                   The Open Inference Protocol, REST:
//                   https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
//                   (also https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol)
//
// Which input fields are sent: `fields` (default: every field of the record,
// in its order). Open inference sends one tensor per field (shape [n, 1], the
// datatype from the values: BOOL, INT64, FP64 or BYTES, or `datatype`), or with
// `tensor: { name }` one 2-D tensor [n, fields] of all of them.
// Invariants: a response with another number of predictions than records is an
// error naming both counts; nothing here does I/O.

export type ProtocolName = 'mlflow' | 'tfserving' | 'open-inference';
export const PROTOCOLS: readonly ProtocolName[] = ['mlflow', 'tfserving', 'open-inference'];

export interface ProtocolSettings {
  name: ProtocolName;
  /** The served model's name (tfserving, open-inference). */
  model?: string;
  /** Its version, when the URL names one. */
  version?: string;
  /** mlflow: records | split; tfserving: row | columnar. */
  format?: string;
  /** Input fields sent, in this order; absent: all of each record's. */
  fields?: string[];
  /** open-inference: one 2-D tensor of all the fields, under this name. */
  tensor?: string;
  /** open-inference: the datatype of every input tensor (default from the values). */
  datatype?: string;
}

export interface Protocol {
  /** The request path, appended to the URL's. */
  path: string;
  /** The request body for these records (parsed input rows). */
  body(records: Record<string, unknown>[]): string;
  /** One prediction per record from the parsed response, or a message saying what is wrong. */
  predictions(response: unknown, n: number): unknown[] | string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The settings checked, or a message naming the setting that is wrong. */
export function protocolOf(s: ProtocolSettings): Protocol | string {
  const columns = (records: Record<string, unknown>[]): string[] => s.fields ?? Object.keys(records[0] ?? {});
  const rowsOf = (records: Record<string, unknown>[], cols: string[]) => records.map((r) => cols.map((c) => r[c] ?? null));
  const named = (what: string): string | undefined => (s.model ? undefined : `the \`${s.name}\` protocol needs \`http.model\`, the served model's name (${what})`);
  const version = s.version !== undefined ? `/versions/${encodeURIComponent(s.version)}` : '';
  if (s.name === 'mlflow') {
    const format = s.format ?? 'records';
    if (format !== 'records' && format !== 'split') return `\`http.format\` for mlflow is records or split, not ${JSON.stringify(format)}`;
    return {
      path: '/invocations',
      body: (records) => {
        const cols = columns(records);
        if (format === 'split') return JSON.stringify({ dataframe_split: { columns: cols, data: rowsOf(records, cols) } });
        return JSON.stringify({ dataframe_records: s.fields ? records.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null]))) : records });
      },
      predictions: (res, n) => listOrColumns(isObject(res) ? res.predictions : undefined, n, '`predictions`'),
    };
  }
  if (s.name === 'tfserving') {
    const missing = named('`/v1/models/{model}:predict`');
    if (missing) return missing;
    const format = s.format ?? 'row';
    if (format !== 'row' && format !== 'columnar') return `\`http.format\` for tfserving is row or columnar, not ${JSON.stringify(format)}`;
    return {
      path: `/v1/models/${encodeURIComponent(s.model!)}${version}:predict`,
      body: (records) => {
        const cols = columns(records);
        if (format === 'columnar') return JSON.stringify({ inputs: Object.fromEntries(cols.map((c) => [c, records.map((r) => r[c] ?? null)])) });
        return JSON.stringify({ instances: s.fields ? records.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null]))) : records });
      },
      predictions: (res, n) => (format === 'columnar' ? listOrColumns(isObject(res) ? res.outputs : undefined, n, '`outputs`') : listOrColumns(isObject(res) ? res.predictions : undefined, n, '`predictions`')),
    };
  }
  const missing = named('`/v2/models/{model}/infer`');
  if (missing) return missing;
  return {
    path: `/v2/models/${encodeURIComponent(s.model!)}${version}/infer`,
    body: (records) => {
      const cols = columns(records);
      if (s.tensor) {
        const data = rowsOf(records, cols).flat();
        return JSON.stringify({ inputs: [{ name: s.tensor, shape: [records.length, cols.length], datatype: s.datatype ?? datatypeOf(data), data }] });
      }
      return JSON.stringify({
        inputs: cols.map((c) => {
          const data = records.map((r) => r[c] ?? null);
          return { name: c, shape: [records.length, 1], datatype: s.datatype ?? datatypeOf(data), data };
        }),
      });
    },
    predictions: (res, n) => tensorsToRows(res, n),
  };
}

/** The datatype the values need: BOOL, INT64, FP64, else BYTES. */
export function datatypeOf(values: unknown[]): string {
  if (values.every((v) => typeof v === 'boolean')) return 'BOOL';
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'INT64';
  if (values.every((v) => typeof v === 'number')) return 'FP64';
  return 'BYTES';
}

/** A list of n predictions, or `{name: [n values]}` columns turned into n objects. */
function listOrColumns(v: unknown, n: number, where: string): unknown[] | string {
  if (Array.isArray(v)) return v.length === n ? v : `${where} has ${v.length} predictions for ${n} inputs`;
  if (isObject(v)) {
    const cols = Object.entries(v);
    for (const [name, col] of cols) {
      if (!Array.isArray(col)) return `${where}.${name} is not a list`;
      if (col.length !== n) return `${where}.${name} has ${col.length} predictions for ${n} inputs`;
    }
    return Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map(([name, col]) => [name, (col as unknown[])[i]])));
  }
  return `the response has no ${where} list`;
}

/** Open inference output tensors [n, ...] to n objects `{tensor name: row i}` (a [n] or [n, 1] tensor gives a value, [n, k] a list). */
function tensorsToRows(res: unknown, n: number): unknown[] | string {
  const outputs = isObject(res) ? res.outputs : undefined;
  if (!Array.isArray(outputs)) return 'the response has no `outputs` list';
  const rows: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const [t, o] of outputs.entries()) {
    if (!isObject(o) || typeof o.name !== 'string' || !Array.isArray(o.shape) || !Array.isArray(o.data)) return `output tensor ${t + 1} lacks a \`name\`, \`shape\` or \`data\``;
    const shape = o.shape as number[];
    if (shape[0] !== n) return `output tensor \`${o.name}\` has shape [${shape.join(', ')}] for ${n} inputs`;
    const width = shape.slice(1).reduce((a, b) => a * b, 1);
    if (o.data.length !== n * width) return `output tensor \`${o.name}\` has ${o.data.length} values for shape [${shape.join(', ')}]`;
    for (let i = 0; i < n; i++) rows[i]![o.name] = width === 1 && shape.length <= 2 ? o.data[i] : o.data.slice(i * width, (i + 1) * width);
  }
  return rows;
}
