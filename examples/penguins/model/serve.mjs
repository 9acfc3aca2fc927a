#!/usr/bin/env node
// Serves one release of the penguin classifier over the Open Inference Protocol
// (KServe v2, as Triton, Seldon MLServer and KServe speak it), REST, on 127.0.0.1:
//
//   node model/serve.mjs --model model/v2.json [--port 8081]
//   → listening on http://127.0.0.1:8081          (one line on stdout; --port 0 picks a free port)
//
// Endpoints (https://github.com/kserve/open-inference-protocol, inference_rest.md):
//   GET  /v2/health/live                       {"live": true}
//   GET  /v2/health/ready                      {"ready": true}
//   GET  /v2                                   server metadata {name, version, extensions}
//   GET  /v2/models/penguins[/versions/V]      model metadata {name, versions, platform, inputs, outputs}
//   GET  /v2/models/penguins[/versions/V]/ready  {"name", "ready": true}
//   POST /v2/models/penguins[/versions/V]/infer  inference
// V is the release's version (3.1.0 for v1.json, 3.2.0 for v2.json); another
// version, model or path is a 404, another method a 405, each with {"error": …}.
//
// Inference request: {"id"?, "parameters"?, "inputs": [...], "outputs"?: [{"name"}]},
// one input tensor per field of the serving signature, each of shape [n] or [n, 1]
// with the same n, data flattened in row-major order or nested as the shape says:
//   island             BYTES        Biscoe, Dream or Torgersen
//   bill_length_mm     FP32 / FP64 (or an integer type)
//   bill_depth_mm      FP32 / FP64 (or an integer type)
//   flipper_length_mm  INT32 / INT64 / FP32 / FP64
//   body_mass_g        INT32 / INT64 / FP32 / FP64
//   sex                BYTES        female or male
// Both releases take the same six inputs: 3.2.0 ignores the island, as a model
// whose feature pipeline dropped a column still accepts the column its callers send.
// Response: {"model_name": "penguins", "model_version", "id"? (the request's),
// "outputs": [...]} with three output tensors (or those `outputs` asks for):
//   species        BYTES [n, 1]   the most probable species
//   probability    FP64  [n, 1]   its probability
//   probabilities  FP64  [n, 3]   every species' probability: Adelie, Chinstrap, Gentoo
// A malformed request (not JSON, no inputs, a tensor without name/shape/datatype/
// data, data that does not fill its shape, a datatype that is not the protocol's
// or does not fit the values, a missing, unknown or repeated input, inputs of
// different batch sizes, an unknown requested output, a value the model cannot
// take) is a 400 {"error": "<what is wrong>"}; nothing is scored.
//
// SIGTERM or SIGINT closes the server and exits 0.
import * as http from 'node:http';
import { loadModel, ModelError, RecordError } from './softmax.mjs';

const NAME = 'penguins';
const usage = 'usage: node model/serve.mjs --model <model.json> [--port 8081]';
const fail = (message) => {
  console.error(`serve.mjs: ${message}`);
  process.exit(2);
};

const opts = { port: '8081' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const m = /^--(model|port)(?:=(.*))?$/.exec(argv[i]);
  if (!m) fail(`unknown argument ${JSON.stringify(argv[i])}\n${usage}`);
  const value = m[2] ?? argv[++i];
  if (value === undefined) fail(`--${m[1]} needs a value\n${usage}`);
  opts[m[1]] = value;
}
if (!opts.model) fail(`--model is required\n${usage}`);
if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535) fail(`--port must be a port number (0 for any free port), got ${JSON.stringify(opts.port)}`);

let model;
try {
  model = loadModel(opts.model);
} catch (e) {
  if (e instanceof ModelError) fail(e.message);
  throw e;
}

const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];
const NUMBER_TYPES = DATATYPES.filter((t) => /^(U?INT|FP)/.test(t));
/** The datatypes each input accepts: measurements any number type, categories BYTES. */
const accepts = (field) => (model.categories[field] ? ['BYTES'] : NUMBER_TYPES);
const OUTPUTS = [
  { name: 'species', datatype: 'BYTES', shape: [-1, 1] },
  { name: 'probability', datatype: 'FP64', shape: [-1, 1] },
  { name: 'probabilities', datatype: 'FP64', shape: [-1, model.labels.length] },
];

class BadRequest extends Error {}
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value fits a datatype: a string for BYTES, a boolean for BOOL, an integer in range for INT/UINT, a number for FP. */
function fits(v, datatype) {
  if (datatype === 'BYTES') return typeof v === 'string';
  if (datatype === 'BOOL') return typeof v === 'boolean';
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (datatype.startsWith('FP')) return true;
  if (!Number.isInteger(v)) return false;
  return datatype.startsWith('U') ? v >= 0 : true;
}

/** Row-major data: flat already, or nested as the shape says; else a BadRequest. */
function flatten(name, data, shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const flat = shape.length > 1 && Array.isArray(data[0]) ? data.flat(shape.length - 1) : data;
  if (flat.length !== size || flat.some(Array.isArray)) {
    throw new BadRequest(`input '${name}': ${flat.length} values do not fill shape [${shape.join(', ')}] (${size} values)`);
  }
  return flat;
}

/** The inference request's records, one per row, and the outputs asked for; a BadRequest says what is wrong. */
function parseRequest(text) {
  let req;
  try {
    req = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`the request is not JSON: ${e.message}`);
  }
  if (!isObject(req)) throw new BadRequest('the request must be a JSON object');
  if (req.id !== undefined && typeof req.id !== 'string') throw new BadRequest('`id` must be a string');
  if (req.parameters !== undefined && !isObject(req.parameters)) throw new BadRequest('`parameters` must be an object');
  if (!Array.isArray(req.inputs) || req.inputs.length === 0) throw new BadRequest('`inputs` must be a non-empty list of tensors');
  const columns = new Map();
  let rows;
  req.inputs.forEach((t, i) => {
    if (!isObject(t) || typeof t.name !== 'string' || !Array.isArray(t.shape) || typeof t.datatype !== 'string' || !Array.isArray(t.data)) {
      throw new BadRequest(`input ${i + 1} must have a string \`name\`, a \`shape\` list, a string \`datatype\` and a \`data\` list`);
    }
    if (!model.inputs.includes(t.name)) throw new BadRequest(`unknown input '${t.name}': the model's inputs are ${model.inputs.join(', ')}`);
    if (columns.has(t.name)) throw new BadRequest(`input '${t.name}' is given twice`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new BadRequest(`input '${t.name}': shape [${t.shape.join(', ')}] must be non-negative integers`);
    if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) throw new BadRequest(`input '${t.name}': shape [${t.shape.join(', ')}] must be [n] or [n, 1]`);
    if (!DATATYPES.includes(t.datatype)) throw new BadRequest(`input '${t.name}': unknown datatype '${t.datatype}'`);
    if (!accepts(t.name).includes(t.datatype)) throw new BadRequest(`input '${t.name}': datatype ${t.datatype} is not one the model takes (${accepts(t.name).length > 1 ? 'a number type' : accepts(t.name)[0]})`);
    const data = flatten(t.name, t.data, t.shape);
    const bad = data.findIndex((v) => !fits(v, t.datatype));
    if (bad >= 0) throw new BadRequest(`input '${t.name}': value ${bad + 1} (${JSON.stringify(data[bad])}) is not ${t.datatype}`);
    if (rows === undefined) rows = t.shape[0];
    else if (t.shape[0] !== rows) throw new BadRequest(`input '${t.name}' has ${t.shape[0]} rows, input '${req.inputs[0].name}' ${rows}`);
    columns.set(t.name, data);
  });
  const missing = model.inputs.filter((f) => !columns.has(f));
  if (missing.length) throw new BadRequest(`missing input${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f}'`).join(', ')}: the model's inputs are ${model.inputs.join(', ')}`);
  let wanted = OUTPUTS;
  if (req.outputs !== undefined) {
    if (!Array.isArray(req.outputs) || !req.outputs.every((o) => isObject(o) && typeof o.name === 'string')) throw new BadRequest('`outputs` must be a list of {"name": …}');
    wanted = req.outputs.map((o) => {
      const out = OUTPUTS.find((x) => x.name === o.name);
      if (!out) throw new BadRequest(`unknown output '${o.name}': the model's outputs are ${OUTPUTS.map((x) => x.name).join(', ')}`);
      return out;
    });
  }
  const records = Array.from({ length: rows }, (_, r) => Object.fromEntries(model.inputs.map((f) => [f, columns.get(f)[r]])));
  return { id: req.id, records, wanted };
}

function infer(text) {
  const { id, records, wanted } = parseRequest(text);
  const scored = records.map((r, i) => {
    try {
      return model.score(r);
    } catch (e) {
      if (e instanceof RecordError) throw new BadRequest(`row ${i + 1}: ${e.message}`);
      throw e;
    }
  });
  const n = scored.length;
  const data = {
    species: scored.map((s) => s.species),
    probability: scored.map((s) => s.probability),
    probabilities: scored.flatMap((s) => s.probabilities),
  };
  return {
    model_name: NAME,
    model_version: model.version,
    ...(id !== undefined ? { id } : {}),
    outputs: wanted.map((o) => ({ name: o.name, datatype: o.datatype, shape: [n, o.shape[1]], data: data[o.name] })),
  };
}

const MODEL_PATH = new RegExp(`^/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?$`);

/** status and JSON body for one request. */
function route(method, url, body) {
  const path = url.split('?')[0];
  const get = (reply) => (method === 'GET' ? reply() : [405, { error: `${method} ${path}: use GET` }]);
  if (path === '/v2/health/live') return get(() => [200, { live: true }]);
  if (path === '/v2/health/ready') return get(() => [200, { ready: true }]);
  if (path === '/v2') return get(() => [200, { name: 'rollback-lens-penguins-example', version: '1.0.0', extensions: [] }]);
  const m = MODEL_PATH.exec(path);
  if (!m) return [404, { error: `no endpoint ${path}` }];
  const [, name, version, action] = m;
  if (decodeURIComponent(name) !== NAME) return [404, { error: `unknown model '${decodeURIComponent(name)}': this server serves '${NAME}'` }];
  if (version !== undefined && decodeURIComponent(version) !== model.version) {
    return [404, { error: `unknown version '${decodeURIComponent(version)}' of model '${NAME}': this server serves ${model.version}` }];
  }
  if (action === '/infer') {
    if (method !== 'POST') return [405, { error: `${method} ${path}: use POST` }];
    try {
      return [200, infer(body)];
    } catch (e) {
      if (e instanceof BadRequest) return [400, { error: e.message }];
      throw e;
    }
  }
  if (action === '/ready') return get(() => [200, { name: NAME, ready: true }]);
  return get(() => [
    200,
    {
      name: NAME,
      versions: [model.version],
      platform: 'rollback-lens-example/softmax-regression',
      inputs: model.inputs.map((f) => ({ name: f, datatype: model.categories[f] ? 'BYTES' : 'FP64', shape: [-1, 1] })),
      outputs: OUTPUTS,
    },
  ]);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let status;
    let reply;
    try {
      [status, reply] = route(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      [status, reply] = [500, { error: `internal error: ${e.message}` }];
    }
    const text = JSON.stringify(reply);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.on('error', (e) => fail(`cannot listen on 127.0.0.1:${opts.port}: ${e.message}`));
server.listen(Number(opts.port), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
