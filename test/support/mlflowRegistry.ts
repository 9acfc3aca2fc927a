// A loopback server that follows the MLflow model-registry alias REST API
// (MLflow >= 2.3, `/api/2.0/mlflow/registered-models/alias`), for the tests of
// runbook `http` steps and their captures:
//   POST   …/alias  JSON body {"name","alias","version"}  → 200 {}
//   GET    …/alias?name=..&alias=..                        → 200 {"model_version": {...}}
//   DELETE …/alias  (query string or JSON body {"name","alias"}) → 200 {}
// Errors as the MLflow server answers them: a missing required parameter is
// 400 {"error_code":"INVALID_PARAMETER_VALUE"}, an unknown model or version
// 404 {"error_code":"RESOURCE_DOES_NOT_EXIST"}, an alias that is not set 400
// INVALID_PARAMETER_VALUE; any other path 404 ENDPOINT_NOT_FOUND. Versions are
// strings in JSON, as MLflow writes them. Every request is recorded as it came
// (method, url, raw header list, body bytes), so a test can check the wire.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  /** `req.rawHeaders`: names and values alternating, as sent. */
  rawHeaders: string[];
  body: Buffer;
}

export interface RegistryModel {
  /** The model's versions ("1", "2", ...). */
  versions: string[];
  /** alias → version. */
  aliases: Record<string, string>;
}

export interface MlflowRegistry {
  url: string;
  requests: RecordedRequest[];
  models: Record<string, RegistryModel>;
  /** Each model's aliases after every request that changed them: `POST iris champion=2`. */
  history: string[];
  close(): Promise<void>;
}

const ALIAS_PATH = '/api/2.0/mlflow/registered-models/alias';

/** The value of a raw header (case-insensitive name), or undefined; every value when it came more than once. */
export function rawHeader(r: RecordedRequest, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2) if (r.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) out.push(r.rawHeaders[i + 1]!);
  return out;
}

export async function startMlflowRegistry(models: Record<string, RegistryModel>): Promise<MlflowRegistry> {
  const requests: RecordedRequest[] = [];
  const history: string[] = [];
  const changed = (method: string, name: string) =>
    history.push(`${method} ${name} ${Object.entries(models[name]!.aliases).map(([a, v]) => `${a}=${v}`).join(',') || '(no aliases)'}`);
  const send = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const error = (res: http.ServerResponse, status: number, code: string, message: string) => send(res, status, { error_code: code, message });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: [...req.rawHeaders], body });
      const u = new URL(req.url ?? '/', 'http://registry');
      if (u.pathname !== ALIAS_PATH) return error(res, 404, 'ENDPOINT_NOT_FOUND', `No API route for ${u.pathname}`);
      let params: Record<string, unknown> = Object.fromEntries(u.searchParams);
      if (req.method === 'POST' || (req.method === 'DELETE' && body.length)) {
        try {
          params = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          return error(res, 400, 'MALFORMED_REQUEST', 'Malformed request: the body is not JSON');
        }
      }
      const required = req.method === 'POST' ? ['name', 'alias', 'version'] : ['name', 'alias'];
      for (const p of required) {
        if (typeof params[p] !== 'string' || params[p] === '') return error(res, 400, 'INVALID_PARAMETER_VALUE', `Missing value for required parameter '${p}'. See the API docs for more information about request parameters.`);
      }
      const name = String(params.name);
      const alias = String(params.alias);
      const model = models[name];
      if (!model) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
      if (req.method === 'POST') {
        const version = String(params.version);
        if (!model.versions.includes(version)) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${version}) not found`);
        model.aliases[alias] = version;
        changed('POST', name);
        return send(res, 200, {});
      }
      if (req.method === 'GET') {
        const version = model.aliases[alias];
        if (version === undefined) return error(res, 400, 'INVALID_PARAMETER_VALUE', `Registered model alias ${alias} not found.`);
        const aliases = Object.entries(model.aliases).filter(([, v]) => v === version).map(([a]) => a);
        return send(res, 200, { model_version: { name, version, creation_timestamp: 1700000000000, last_updated_timestamp: 1700000000000, current_stage: 'None', description: '', source: `models:/${name}/${version}`, run_id: '', status: 'READY', aliases } });
      }
      if (req.method === 'DELETE') {
        delete model.aliases[alias];
        changed('DELETE', name);
        return send(res, 200, {});
      }
      return error(res, 405, 'BAD_REQUEST', `Method ${req.method} not allowed on ${ALIAS_PATH}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, models, history, close: () => new Promise((r) => server.close(() => r())) };
}
