// Loopback model servers that follow the public serving protocols, with the
// iris example's trained model (examples/iris/model/v2.json) loaded in-process:
// the same softmax regression as examples/iris/model/predict.mjs, rounded the
// same way, so the answers are the model process's own. Each server validates
// requests as its stack does and answers a malformed one with that stack's 400:
//   mlflow          POST /invocations; Content-Type application/json (else 415, text);
//                   exactly one of dataframe_split, dataframe_records, instances,
//                   inputs (else 400 {"error_code": "BAD_REQUEST", "message"}, the
//                   messages mlflow/pyfunc/scoring_server/__init__.py gives);
//                   → {"predictions": [{label, probability, scores}, ...]} (a
//                   multi-output pyfunc's DataFrame as records). MLflow scoring server:
//                   https://mlflow.org/docs/latest/deployment/deploy-model-locally
//   tfserving       POST /v1/models/{name}[/versions/{v}]:predict; "instances"
//                   (row) or "inputs" (columnar), not both, and only the model's
//                   named inputs (else 400 {"error"} with json_tensor.cc's text);
//                   a model with three named outputs: row → {"predictions": [{label,
//                   probability, scores: [3]}, ...]}, columnar → {"outputs": {label: [...],
//                   probability: [...], scores: [[3], ...]}}.
//                   https://www.tensorflow.org/tfx/serving/api_rest
//   open-inference  POST /v2/models/{name}[/versions/{v}]/infer; "inputs" a list of
//                   {name, shape, datatype, data} whose data length is the shape's
//                   product and whose datatype is a protocol type (else 400 {"error"});
//                   → {"model_name", "outputs": [label BYTES [n,1], probability FP64
//                   [n,1], scores FP64 [n,3]]}. https://github.com/kserve/open-inference-protocol
// Predictions carry no id. `failFirst: n` answers the first n requests 503.
// Every request body is kept in `requests` for the tests to check.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

const MODEL = path.resolve(__dirname, '..', '..', 'examples', 'iris', 'model', 'v2.json');

interface Softmax {
  features: string[];
  labels: string[];
  standardize: { mean: Record<string, number>; std: Record<string, number> };
  weights: Record<string, number[]>;
  bias: Record<string, number>;
}

const round6 = (p: number) => Math.round(p * 1e6) / 1e6;

/** The iris model: a record (or a feature → value map) to its label, probability and scores. */
export function irisModel(): { features: string[]; labels: string[]; score(r: Record<string, unknown>): { label: string; probability: number; scores: Record<string, number> } } {
  const m = JSON.parse(readFileSync(MODEL, 'utf8')) as Softmax;
  return {
    features: m.features,
    labels: m.labels,
    score(r) {
      const x = m.features.map((f) => {
        const v = f === 'petal_length' ? (r.petal_length ?? r.petal_len) : r[f];
        if (typeof v !== 'number') throw new Error(`${f} must be a number, got ${JSON.stringify(v)}`);
        return (v - m.standardize.mean[f]!) / m.standardize.std[f]!;
      });
      const z = m.labels.map((l) => m.weights[l]!.reduce((s, w, j) => s + w * x[j]!, m.bias[l]!));
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / sum);
      const best = p.indexOf(Math.max(...p));
      return { label: m.labels[best]!, probability: round6(p[best]!), scores: Object.fromEntries(m.labels.map((l, c) => [l, round6(p[c]!)])) };
    },
  };
}

export interface ModelServer {
  url: string;
  requests: Array<{ method: string; url: string; contentType: string; body: string }>;
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown; text?: true };
type Handler = (method: string, url: string, contentType: string, body: string) => Reply;

async function serve(handler: Handler, failFirst = 0): Promise<ModelServer> {
  const requests: ModelServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const contentType = String(req.headers['content-type'] ?? '');
      requests.push({ method: req.method ?? '', url: req.url ?? '', contentType, body });
      let r: Reply;
      if (requests.length <= failFirst) r = { status: 503, body: { error: 'Service Unavailable' } };
      else {
        try {
          r = handler(req.method ?? '', req.url ?? '', contentType, body);
        } catch (e) {
          r = { status: 400, body: { error: (e as Error).message } };
        }
      }
      const text = r.text ? String(r.body) : JSON.stringify(r.body);
      res.writeHead(r.status, { 'content-type': r.text ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    return { __invalid: (e as Error).message };
  }
}

/** MLflow's scoring server (`mlflow models serve`, mlflow/pyfunc/scoring_server) for a pyfunc whose predict returns a DataFrame. */
export function mlflowServer(options: { failFirst?: number } = {}): Promise<ModelServer> {
  const model = irisModel();
  const bad = (message: string): Reply => ({ status: 400, body: { error_code: 'BAD_REQUEST', message } });
  return serve((method, url, contentType, body) => {
    if (url !== '/invocations' || method !== 'POST') return { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: `${method} ${url}` } };
    const type = contentType.split(';')[0]!.trim();
    if (type !== 'application/json' && type !== 'text/csv') {
      return { status: 415, text: true, body: `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '${contentType}'.` };
    }
    if (type === 'text/csv') return bad('this test server reads JSON only');
    const v = json(body);
    if (isObject(v) && '__invalid' in v) return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid input. Ensure that input is a valid JSON formatted string. Error: '${String(v.__invalid)}'` } };
    if (Array.isArray(v)) return bad(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
    if (!isObject(v)) return bad(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${typeof v}'.`);
    const keys = Object.keys(v).filter((k) => SUPPORTED_FORMATS.includes(k));
    if (keys.length !== 1) return bad(`${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${pyList(keys)}. ${SCORING_PROTOCOL_CHANGE_INFO}`);
    let rows: Record<string, unknown>[];
    if (keys[0] === 'dataframe_records') {
      if (!Array.isArray(v.dataframe_records) || !v.dataframe_records.every(isObject)) return bad('dataframe_records must be a list of records');
      rows = v.dataframe_records;
    } else if (keys[0] === 'dataframe_split') {
      const s = v.dataframe_split;
      if (!isObject(s) || !Array.isArray(s.columns) || !Array.isArray(s.data) || !s.data.every((r) => Array.isArray(r) && r.length === (s.columns as unknown[]).length)) {
        return bad('dataframe_split must have columns and data rows of as many values');
      }
      rows = (s.data as unknown[][]).map((r) => Object.fromEntries((s.columns as string[]).map((c, i) => [c, r[i]])));
    } else return bad(`${keys[0]} is not supported by this DataFrame model`);
    for (const f of model.features) {
      if (rows.some((r) => typeof (f === 'petal_length' ? (r.petal_length ?? r.petal_len) : r[f]) !== 'number')) return bad(`Failed to enforce schema of data: missing or non-numeric column '${f}'`);
    }
    return { status: 200, body: { predictions: rows.map((r) => model.score(r)) } };
  }, options.failFirst);
}

// MLflow's own texts (mlflow/pyfunc/scoring_server/__init__.py): the set prints in Python's order.
const SUPPORTED_FORMATS = ['dataframe_split', 'inputs', 'dataframe_records', 'instances'];
const REQUIRED_INPUT_FORMAT = `Invalid input. The input must be a JSON dictionary with exactly one of the input fields {${SUPPORTED_FORMATS.map((f) => `'${f}'`).join(', ')}}`;
const SCORING_PROTOCOL_CHANGE_INFO = 'IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format.';
const pyList = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/** TensorFlow Serving's REST predict API for a model with named outputs label, probability and scores. */
export function tfservingServer(name: string, options: { failFirst?: number } = {}): Promise<ModelServer> {
  const model = irisModel();
  const route = new RegExp(`^/v1/models/${name}(?:/versions/(\\d+))?:predict$`);
  return serve((method, url, _contentType, body) => {
    if (method !== 'POST' || !route.test(url)) return { status: 404, body: { error: `Servable not found for request: ${url}` } };
    const v = json(body);
    if (!isObject(v) || '__invalid' in v) return { status: 400, body: { error: 'JSON Parse error: Invalid value. at offset: 0' } };
    const hasInstances = 'instances' in v;
    const hasInputs = 'inputs' in v;
    // tensorflow_serving/util/json_tensor.cc's texts; FormatError prefixes the request pretty-printed
    if (hasInstances && hasInputs) return { status: 400, body: { error: `JSON Value: ${JSON.stringify(v, null, 4)} Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ` } };
    if (!hasInstances && !hasInputs) return { status: 400, body: { error: "Missing 'inputs' or 'instances' key" } };
    const named = (names: string[]): Reply | undefined => {
      const unknown = names.find((n) => !model.features.includes(n));
      return unknown === undefined ? undefined : { status: 400, body: { error: `JSON object: does not have named input: ${unknown}` } };
    };
    const proba = (r: Record<string, unknown>) => {
      const s = model.score(r);
      return { label: s.label, probability: s.probability, scores: model.labels.map((l) => s.scores[l]!) };
    };
    if (hasInstances) {
      if (!Array.isArray(v.instances)) return { status: 400, body: { error: `JSON Value: ${JSON.stringify(v, null, 4)} Excepting 'instances' to be an list/array` } };
      if (!v.instances.length) return { status: 400, body: { error: `JSON Value: ${JSON.stringify(v, null, 4)} No values in 'instances' array` } };
      if (!v.instances.every(isObject)) return { status: 400, body: { error: 'Expected \'instances\' to be a list of named-input objects' } };
      const wrong = named(v.instances.flatMap((i) => Object.keys(i)));
      if (wrong) return wrong;
      return { status: 200, body: { predictions: v.instances.map(proba) } };
    }
    if (!isObject(v.inputs)) return { status: 400, body: { error: 'Expected \'inputs\' to be an object of named tensors' } };
    const cols = v.inputs as Record<string, unknown[]>;
    const wrong = named(Object.keys(cols));
    if (wrong) return wrong;
    const n = Object.values(cols)[0]?.length ?? 0;
    if (!Object.values(cols).every((c) => Array.isArray(c) && c.length === n)) return { status: 400, body: { error: 'Input tensors must have the same size of the 0th dimension' } };
    const rows = Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(cols).map(([k, c]) => [k, c[i]])));
    const out = rows.map(proba);
    return { status: 200, body: { outputs: { label: out.map((o) => o.label), probability: out.map((o) => o.probability), scores: out.map((o) => o.scores) } } };
  }, options.failFirst);
}

const DATATYPES = new Set(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES']);

/** An Open Inference Protocol (KServe v2 / Triton / MLServer) server: one [n,1] tensor per feature, or one [n,3] tensor `input-0`. */
export function openInferenceServer(name: string, options: { failFirst?: number } = {}): Promise<ModelServer> {
  const model = irisModel();
  const route = new RegExp(`^/v2/models/${name}(?:/versions/([^/]+))?/infer$`);
  return serve((method, url, _contentType, body) => {
    if (method !== 'POST' || !route.test(url)) return { status: 404, body: { error: `Model ${url} not found` } };
    const v = json(body);
    if (!isObject(v) || '__invalid' in v) return { status: 400, body: { error: 'failed to parse the request JSON buffer' } };
    if (!Array.isArray(v.inputs) || !v.inputs.length) return { status: 400, body: { error: 'inference request must have a non-empty \'inputs\' list' } };
    const tensors = new Map<string, { shape: number[]; data: unknown[] }>();
    for (const t of v.inputs) {
      if (!isObject(t) || typeof t.name !== 'string' || !Array.isArray(t.shape) || typeof t.datatype !== 'string' || !Array.isArray(t.data)) {
        return { status: 400, body: { error: 'each input must have name, shape, datatype and data' } };
      }
      if (!DATATYPES.has(t.datatype)) return { status: 400, body: { error: `invalid datatype '${t.datatype}' for input '${t.name}'` } };
      const size = (t.shape as number[]).reduce((a, b) => a * b, 1);
      if (t.data.length !== size) return { status: 400, body: { error: `unexpected shape for input '${t.name}': ${t.data.length} values for shape [${(t.shape as number[]).join(',')}]` } };
      if (/^(FP|INT|UINT)/.test(t.datatype) && !t.data.every((d) => typeof d === 'number')) return { status: 400, body: { error: `input '${t.name}' of datatype ${t.datatype} has non-numeric data` } };
      tensors.set(t.name, { shape: t.shape as number[], data: t.data });
    }
    let rows: Record<string, unknown>[];
    const packed = tensors.get('input-0');
    if (packed) {
      const [n, k] = packed.shape;
      if (packed.shape.length !== 2 || k !== model.features.length) return { status: 400, body: { error: `input 'input-0' must have shape [-1,${model.features.length}], got [${packed.shape.join(',')}]` } };
      rows = Array.from({ length: n! }, (_, i) => Object.fromEntries(model.features.map((f, j) => [f, packed.data[i * k! + j]])));
    } else {
      for (const f of model.features) if (!tensors.has(f)) return { status: 400, body: { error: `expected input '${f}' is missing` } };
      const n = tensors.get(model.features[0]!)!.shape[0]!;
      rows = Array.from({ length: n }, (_, i) => Object.fromEntries(model.features.map((f) => [f, tensors.get(f)!.data[i]])));
    }
    const scored = rows.map((r) => model.score(r));
    const n = scored.length;
    return {
      status: 200,
      body: {
        model_name: name,
        outputs: [
          { name: 'label', shape: [n, 1], datatype: 'BYTES', data: scored.map((s) => s.label) },
          { name: 'probability', shape: [n, 1], datatype: 'FP64', data: scored.map((s) => s.probability) },
          { name: 'scores', shape: [n, model.labels.length], datatype: 'FP64', data: scored.flatMap((s) => model.labels.map((l) => s.scores[l]!)) },
        ],
      },
    };
  }, options.failFirst);
}
