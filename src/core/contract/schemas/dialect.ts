// Which JSON Schema dialect a schema is written in, and the ajv instance that
// reads it. The dialect follows the root document's `$schema`: 2020-12 →
// ajv/dist/2020, 2019-09 → ajv/dist/2019, draft-07 and draft-06 → ajv (draft-06
// with its meta-schema added), draft-04 → ajv-draft-04. No `$schema` is
// draft-07, as before dialects were read. Any other `$schema` is an error
// naming the URI ("unknown JSON Schema dialect `…`"), never a guess. An OpenAPI
// document's schemas are 2020-12 for OpenAPI 3.1 (or its `jsonSchemaDialect`)
// and draft-04 for 3.0 (3.0's `nullable` and other differences are not
// modelled). `format` is checked with ajv-formats unless `formats` is false.
// Pure: builds objects, reads nothing.
import Ajv from 'ajv';
import type AjvCore from 'ajv/dist/core';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import draft06Meta from 'ajv/lib/refs/json-schema-draft-06.json';

export type Dialect = '2020-12' | '2019-09' | 'draft-07' | 'draft-06' | 'draft-04';

/** The dialect of a document without `$schema`: today's behaviour, draft-07. */
export const DEFAULT_DIALECT: Dialect = 'draft-07';

/** The `$schema` URIs of each dialect, without scheme and trailing `#` (http and https both name it). */
const URIS: Record<string, Dialect> = {
  'json-schema.org/draft/2020-12/schema': '2020-12',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft-07/schema': 'draft-07',
  'json-schema.org/draft-06/schema': 'draft-06',
  'json-schema.org/draft-04/schema': 'draft-04',
};

/** The URI ajv's meta-schema of each dialect is registered under (what a `$schema` is rewritten to when it spells the URI differently). */
const META_URI: Record<Dialect, string> = {
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  'draft-07': 'http://json-schema.org/draft-07/schema#',
  'draft-06': 'http://json-schema.org/draft-06/schema#',
  'draft-04': 'http://json-schema.org/draft-04/schema#',
};

export type DialectResult = { ok: true; dialect: Dialect } | { ok: false; message: string };

/** The dialect a `$schema` value names; undefined `$schema` is the default. */
export function dialectOf(schemaKeyword: unknown): DialectResult {
  if (schemaKeyword === undefined) return { ok: true, dialect: DEFAULT_DIALECT };
  if (typeof schemaKeyword !== 'string') return { ok: false, message: `unknown JSON Schema dialect \`${JSON.stringify(schemaKeyword)}\` (\`$schema\` must be a URI)` };
  const key = schemaKeyword.trim().replace(/^https?:\/\//i, '').replace(/#$/, '');
  const dialect = URIS[key];
  if (!dialect) return { ok: false, message: `unknown JSON Schema dialect \`${schemaKeyword}\` (Rollback Lens reads ${Object.values(META_URI).map((u) => `\`${u}\``).join(', ')})` };
  return { ok: true, dialect };
}

/** The dialect of an OpenAPI document's schemas: 3.1 is 2020-12 (or its `jsonSchemaDialect`), 3.0 draft-04. */
export function openApiDialect(doc: Record<string, unknown>): DialectResult | undefined {
  const version = doc.openapi;
  if (typeof version !== 'string') return undefined;
  if (/^3\.0(\.|$)/.test(version)) return { ok: true, dialect: 'draft-04' };
  if (doc.jsonSchemaDialect !== undefined && doc.jsonSchemaDialect !== 'https://spec.openapis.org/oas/3.1/dialect/base') return dialectOf(doc.jsonSchemaDialect);
  return { ok: true, dialect: '2020-12' };
}

/** The `$schema` a document should carry for ajv to find its meta-schema (`https://…draft-07/schema` spelled as ajv registers it). */
export function metaUri(dialect: Dialect): string {
  return META_URI[dialect];
}

export interface AjvOptions {
  /** Check `format` keywords (ajv-formats); default true. */
  formats?: boolean;
}

/** A fresh ajv for `dialect`: first error only, unknown keywords and formats tolerated, nothing logged. */
export function createAjv(dialect: Dialect, options: AjvOptions = {}): AjvCore {
  const formats = options.formats !== false;
  const opts = { allErrors: false, strict: false, validateFormats: formats, logger: false as const };
  let ajv: AjvCore;
  switch (dialect) {
    case '2020-12':
      ajv = new Ajv2020(opts);
      break;
    case '2019-09':
      ajv = new Ajv2019(opts);
      break;
    case 'draft-04':
      ajv = new AjvDraft04(opts);
      break;
    case 'draft-06':
      ajv = new Ajv(opts);
      ajv.addMetaSchema(draft06Meta);
      break;
    default:
      ajv = new Ajv(opts);
  }
  if (formats) addFormats(ajv as Parameters<typeof addFormats>[0]);
  return ajv;
}
