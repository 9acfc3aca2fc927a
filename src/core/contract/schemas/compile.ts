// A loaded schema bundle (load.ts) compiled by the ajv of its dialect
// (dialect.ts): every document registered under the URI it is known by (and
// the further URIs relative `$ref`s reach it by), then the root compiled.
// ajv's own words are kept for what it refuses (a keyword with a bad value, a
// `$ref` whose pointer leads nowhere: "can't resolve reference
// common.schema.json#/$defs/nope from id schemas/input.schema.json"), with
// the synthetic `file:///` URIs shown as workspace paths. The last few results
// are kept by content (the language service compiles on every edit; an
// unchanged schema is compiled once). Pure.
import type { ValidateFunction } from 'ajv';
import { isObject } from '../../util/object';
import { createAjv, dialectOf, metaUri, type AjvOptions } from './dialect';
import { showPaths, type SchemaBundle } from './load';

export type CompileResult = { ok: true; validate: ValidateFunction } | { ok: false; message: string };

/** Results by everything that decides them: dialect, formats, root and every document's URI and value. */
const cache = new Map<string, CompileResult>();
const CACHE_SIZE = 32;

export function compileBundle(bundle: SchemaBundle, options: AjvOptions = {}): CompileResult {
  const key = JSON.stringify([bundle.dialect, options.formats !== false, bundle.rootKey, bundle.rootPath, bundle.documents.map((d) => [d.key, d.openapi, d.value]), bundle.aliases]);
  const hit = cache.get(key);
  if (hit) {
    // most recently used last
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const result = compileUncached(bundle, options);
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return result;
}

function compileUncached(bundle: SchemaBundle, options: AjvOptions): CompileResult {
  const ajv = createAjv(bundle.dialect, options);
  const shown = (e: unknown, path?: string): CompileResult => {
    const m = showPaths((e as Error).message);
    return { ok: false, message: path && path !== bundle.rootPath ? `\`${path}\` cannot be compiled: ${m}` : `cannot be compiled: ${m}` };
  };
  for (const d of bundle.documents) {
    // `$schema` spelled another way than ajv registers its meta-schema (https, no `#`) names the same dialect
    const value = isObject(d.value) && !d.openapi && typeof d.value.$schema === 'string' && dialectOf(d.value.$schema).ok ? { ...d.value, $schema: metaUri(bundle.dialect) } : d.value;
    try {
      ajv.addSchema(value as object, d.key, undefined, !d.openapi);
    } catch (e) {
      return shown(e, d.path);
    }
  }
  for (const a of bundle.aliases) {
    if (ajv.schemas[a.uri] || ajv.refs[a.uri]) continue;
    const target = ajv.schemas[a.key];
    if (target) ajv.schemas[a.uri] = target;
  }
  let validate: ValidateFunction | undefined;
  try {
    validate = ajv.getSchema(bundle.rootKey);
  } catch (e) {
    return shown(e);
  }
  if (!validate) return { ok: false, message: `cannot be compiled: \`${showPaths(bundle.rootKey)}\` names no schema` };
  return { ok: true, validate };
}
