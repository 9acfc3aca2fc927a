// The JSON Schemas are the format: the spec's two sketches are valid as they
// are, every property explains itself (hover shows it), the manifest points
// editors at them, and Red Hat's yaml-language-server reads them too.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { resolveRef, SCHEMAS, validatorFor, type JsonSchema } from '../../src/core/language/schemas';
import type { DocumentKind } from '../../src/core/types';
import { CLEAN_CONTRACT, CLEAN_RUNBOOK, offsetOf, replaceOnce, setup, validate } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');

/** The YAML blocks of the product spec, when it is beside the repo (it is in this workplace). */
function specSketches(): string[] | undefined {
  for (const p of [path.join(ROOT, '..', 'shared', 'spec', 'README.md'), path.join(ROOT, 'shared', 'spec', 'README.md')]) {
    try {
      return [...readFileSync(p, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Every `properties` entry in the schema, with its path, refs resolved. */
function properties(root: JsonSchema): Array<{ where: string; schema: JsonSchema }> {
  const out: Array<{ where: string; schema: JsonSchema }> = [];
  const seen = new Set<JsonSchema>();
  const walk = (s: JsonSchema, where: string): void => {
    const r = resolveRef(root, s);
    if (seen.has(r)) return;
    seen.add(r);
    for (const [k, p] of Object.entries(r.properties ?? {})) {
      if ((p as unknown) === true) continue; // `properties: {run: true}` inside oneOf/if branches
      out.push({ where: `${where}.${k}`, schema: p });
      walk(p, `${where}.${k}`);
    }
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) for (const sub of r[key] ?? []) walk(sub, where);
    for (const key of ['then', 'else', 'if'] as const) if (r[key]) walk(r[key]!, where);
    if (r.items && !Array.isArray(r.items)) walk(r.items, `${where}[]`);
    if (r.additionalProperties && typeof r.additionalProperties === 'object') walk(r.additionalProperties, `${where}.*`);
    for (const p of Object.values(r.patternProperties ?? {})) walk(p, `${where}.*`);
  };
  walk(root, '');
  return out;
}

function description(root: JsonSchema, s: JsonSchema): string | undefined {
  if (s.description) return s.description;
  const r = resolveRef(root, s);
  if (r.description) return r.description;
  for (const sub of s.allOf ?? []) {
    const d = description(root, sub);
    if (d) return d;
  }
  return undefined;
}

describe('the JSON Schemas of the format', () => {
  for (const kind of Object.keys(SCHEMAS) as DocumentKind[]) {
    it(`${kind}: every property has a description`, () => {
      const missing = properties(SCHEMAS[kind]).filter((p) => !description(SCHEMAS[kind], p.schema)).map((p) => p.where);
      assert.deepEqual(missing, []);
    });
  }

  it("the spec's runbook and contract sketches validate unchanged", function () {
    const sketches = specSketches();
    if (!sketches) this.skip(); // reason: the product spec lives outside the repository (shared/spec); present in this workplace and its CI
    assert.equal(sketches.length, 2);
    const [runbook, contract] = sketches.map((t) => parse(t));
    const vr = validatorFor('RollbackRunbook');
    assert.equal(vr(runbook), true, JSON.stringify(vr.errors));
    const vc = validatorFor('InterfaceContract');
    assert.equal(vc(contract), true, JSON.stringify(vc.errors));
  });

  it('package.json contributes the three schemas to Red Hat YAML for both file patterns of each', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.yamlValidation, [
      { fileMatch: ['*.runbook.yaml', '*.runbook.yml'], url: './src/schemas/runbook.schema.json' },
      { fileMatch: ['*.contract.yaml', '*.contract.yml'], url: './src/schemas/contract.schema.json' },
      { fileMatch: ['*.policy.yaml', '*.policy.yml'], url: './src/schemas/policy.schema.json' },
    ]);
  });

  it("Red Hat's yaml-language-server validates the examples clean and finds the broken runbook's schema errors", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yls = require('yaml-language-server/lib/umd/languageservice/yamlLanguageService.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TextDocument } = require('vscode-languageserver-textdocument');
    const service = yls.getLanguageService({
      schemaRequestService: async (uri: string) => readFileSync(new URL(uri), 'utf8'),
      workspaceContext: { resolveRelativePath: (rel: string, res: string) => new URL(rel, res).toString() },
    });
    const schemaUri = (name: string) => new URL(`file://${path.join(ROOT, 'src/schemas', name)}`).toString();
    service.configure({
      validate: true,
      schemas: [
        { uri: schemaUri('runbook.schema.json'), fileMatch: ['*.runbook.yaml'] },
        { uri: schemaUri('contract.schema.json'), fileMatch: ['*.contract.yaml'] },
        { uri: schemaUri('policy.schema.json'), fileMatch: ['*.policy.yaml'] },
      ],
    });
    const check = async (rel: string) => {
      const file = path.join(ROOT, rel);
      const doc = TextDocument.create(`file://${file}`, 'yaml', 1, readFileSync(file, 'utf8'));
      return (await service.doValidation(doc, false)) as Array<{ message: string; range: { start: { line: number } } }>;
    };
    assert.deepEqual(await check('examples/iris/iris.runbook.yaml'), []);
    assert.deepEqual(await check('examples/iris/iris.contract.yaml'), []);
    assert.deepEqual(await check('examples/penguins/penguins.contract.yaml'), []);
    assert.deepEqual(await check('examples/penguins/penguins-batch.contract.yaml'), []);
    assert.deepEqual(await check('examples/policies/strict.policy.yaml'), []);
    assert.deepEqual(await check('examples/policies/lenient.policy.yaml'), []);
    const broken = await check('test/fixtures/broken/iris-broken.runbook.yaml');
    // Red Hat sees what a schema can say: the misspelled key and the run steps without undo (lines are 0-based)
    assert.ok(broken.some((d) => d.range.start.line === 17 && /undoo/.test(d.message)), JSON.stringify(broken));
    assert.ok(broken.some((d) => /undo/.test(d.message) && d.range.start.line !== 17), JSON.stringify(broken));
  });
});

describe('a top-level `$schema:` key (Red Hat YAML reads it to pick the schema)', () => {
  const cases: Array<[string, string, string]> = [
    ['a runbook, a path into node_modules', 'iris.runbook.yaml', '$schema: ./node_modules/rollback-lens/schemas/runbook.schema.json\n'],
    ['a contract, a URL', 'iris.contract.yaml', '$schema: https://example.com/schemas/contract.schema.json\n'],
    // not validated further: Red Hat decides what it can load
    ['a contract, a value that is no path', 'iris.contract.yaml', '$schema: 5\n'],
  ];
  for (const [what, file, line] of cases) {
    it(`${what}: accepted, no diagnostic`, async () => {
      const clean = file.endsWith('.contract.yaml') ? CLEAN_CONTRACT : CLEAN_RUNBOOK;
      assert.deepEqual(await validate(clean, { path: file }), []);
      assert.deepEqual(
        (await validate(line + clean, { path: file })).map((d) => [d.code, d.message]),
        [],
      );
    });
  }

  it('every schema declares it, with a description', () => {
    for (const kind of Object.keys(SCHEMAS) as DocumentKind[]) {
      assert.match(String(SCHEMAS[kind].properties?.$schema?.description), /Red Hat YAML/, kind);
    }
  });
});

describe('`$schema` in the editor', () => {
  it('hover shows its description; completion does not offer it; an unknown key does not list it', async () => {
    const t = '$schema: ./node_modules/rollback-lens/schemas/contract.schema.json\n' + CLEAN_CONTRACT;
    const { service, doc: d } = setup(t, { path: 'iris.contract.yaml' });
    const hover = await service.hover(d, offsetOf(t, 'schema:'));
    assert.match(JSON.stringify(hover), /Red Hat YAML honours a top-level/);
    const typo = replaceOnce(CLEAN_CONTRACT, 'kind: InterfaceContract\n', 'kind: InterfaceContract\nfoo: 1\n');
    assert.deepEqual(
      (await validate(typo, { path: 'iris.contract.yaml' })).map((g) => g.message),
      ['unknown property `foo`; expected `apiVersion`, `kind`, `metadata`, `input`, `output`, `deprecations`, `compatibility`, `source`, `tests` or `waivers`'],
    );
  });
});
