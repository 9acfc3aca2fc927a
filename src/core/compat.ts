// Contract compatibility: every change between two versions of an
// InterfaceContract (their input and output JSON Schemas, output.key and
// input.key, output.labels and labelField, deprecations, test tolerances,
// encodings, metadata), each classified as compatible, risky or breaking with a
// stable code, a message, and where it is in the NEW version (file, JSON
// pointer, 0-based line/character when the text is known; `previous` says the
// same for the OLD version). Pure: files are read through an injected reader
// and the clock is injected (`now`).
//
// Direction. For INPUTS callers write the data and the model reads it: the new
// input schema must accept everything the old one accepted, so narrowing
// breaks callers and widening is safe. For OUTPUTS the model writes and
// consumers read: the new output schema must not produce anything the old one
// ruled out, so widening breaks consumers and narrowing is safe. Two
// exceptions, both from the spec: a removed field and a removed enum value or
// label break on either side (consumers rely on an output field or value being
// produced; callers still send an input field or value).
//
// Rule table (code: input / output). "breaking" fails `compat` (exit 1),
// "risky" is reported as a warning (exit 0, 1 with --strict), "compatible" is
// informational.
//
//   schema fields
//   field-removed                 breaking   / breaking    property gone (before any announced removal date)
//   deprecated-field-removed      risky      / risky       property gone after its deprecation's removeAfter
//   field-added                   compatible / compatible  optional input property; any output property
//   field-added-required          breaking   / -           new input property that is required (outputs: field-added)
//   field-now-required            breaking   / compatible  existing property became required
//   field-now-optional            compatible / breaking    required property became optional
//   type-narrowed                 breaking   / compatible  accepts fewer types (number -> integer, [string, null] -> string)
//   type-widened                  compatible / breaking    accepts more types (integer -> number)
//   type-changed                  breaking   / breaking    neither type set contains the other
//   enum-value-removed            breaking   / breaking    (spec: removed enum value)
//   enum-value-added              compatible / breaking    consumers meet a value they do not know
//   enum-added                    breaking   / compatible  a value list now restricts the field
//   enum-dropped                  compatible / breaking    the value list no longer restricts it
//   constraint-tightened          breaking   / compatible  minimum/exclusiveMinimum/minLength/minItems/minProperties
//                                                         raised, maximum/.../maxProperties lowered, pattern/format/
//                                                         multipleOf/uniqueItems added, bound added
//   constraint-relaxed            compatible / breaking    the reverse of the above
//   constraint-changed            breaking   / breaking    pattern/format/multipleOf changed to an incomparable one
//   additional-properties-closed  breaking   / risky       additionalProperties true/absent -> false (output: consumers
//                                                         reading undeclared fields lose them; nothing declared breaks)
//   additional-properties-opened  compatible / breaking    additionalProperties false -> true/absent
//   unclassified-change           breaking   / breaking    oneOf/anyOf/allOf/not/if/then/else, patternProperties, tuple
//                                                         items and any other keyword: "changed (unclassified)"
//   ref-unresolved                risky      / risky       same non-local $ref on both sides: its target is not compared
//   default-changed               risky      / compatible  callers omitting the field get another value
//   annotation-changed            compatible / compatible  title, description, examples, $comment, ...
//   schema-added                  breaking   / compatible  the contract had no input/output schema, now has one
//   schema-removed                compatible / breaking    the reverse
//
//   contract
//   key-changed, key-removed      breaking   output.key changed or removed (consumers join on it)
//   key-added                     compatible
//   input-key-changed             breaking   effective input key (input.key, else output.key) changed
//   label-removed                 breaking   a label left output.labels
//   label-added                   risky      a new label: consumers with a closed label set may not handle it. Not
//                                             breaking on its own: the output schema's enum is what a validating
//                                             consumer checks, and a new value there is enum-value-added (breaking)
//   labels-reordered              breaking   the labels both versions share are in another order (index encodings)
//   labels-dropped                breaking   output.labels no longer declared: the closed set is gone
//   labels-declared               compatible output.labels newly declared
//   label-field-changed           breaking   output.labelField (default `label`) changed
//   deprecation-overdue           breaking   a field of the NEW contract's deprecations is past removeAfter (`now`)
//                                             and still in the NEW schema
//   tolerance-tightened           compatible smaller abs/rel/psi/ks, higher agreement, exact, a new limit, warn -> fail
//   tolerance-loosened            risky      the reverse, or a limit removed
//   tolerance-changed             risky      abs <-> rel or other incomparable kinds, drift bins changed
//   test-added                    compatible
//   test-removed                  risky
//   encoding-added                compatible
//   encoding-removed              risky
//   encoding-changed              risky
//   name-changed                  risky      metadata.name differs: maybe not the same interface
//   version-not-bumped            risky      something changed but metadata.version did not
//
// $ref inside a schema: local references (`#`, `#/definitions/...`,
// `#/$defs/...`, any JSON pointer into the same schema) are followed, with
// draft-07 semantics (keywords next to $ref are ignored); a definition shared
// by several fields is compared for each of them, and recursion stops where a
// pair of locations repeats on the current path. Fields are named by dotted paths from
// `input`/`output` (`output.scores.setosa`); array items add `[]`
// (`input.tags[]`), tuple items `[0]`.
import { resolveWorkspacePath } from './host';
import { LineIndex } from './text';
import { formatDate, parseDate } from './values';
import { locate, parseYaml, pointerToPath, type PNode } from './yamlTree';

// ---- public types -------------------------------------------------------------

export type CompatClass = 'compatible' | 'risky' | 'breaking';
export type Direction = 'input' | 'output';
export type CompatArea = 'input' | 'output' | 'key' | 'labels' | 'deprecations' | 'tests' | 'encodings' | 'metadata';

/** One file a contract version is made of: the contract itself or a schema file. */
export interface CompatDoc {
  /** The path shown to the user and put in locations (e.g. `HEAD~1:schemas/in.json`). */
  file: string;
  /** Its text, when known: locations then carry line and character. */
  text?: string;
}

/** An input or output schema, resolved: the value, and where it is written. */
export interface ResolvedSchema {
  schema: unknown;
  /** The schema file for `schema: { $ref: path }`, the contract itself for an inline schema. */
  doc: CompatDoc;
  /** JSON pointer of the schema inside `doc`: '' for a schema file, '/input/schema' or '/output/schema' inline. */
  pointer: string;
}

/** One version of a contract: the parsed contract and its resolved schemas. */
export interface ContractVersion {
  /** The parsed YAML value. */
  contract: unknown;
  doc: CompatDoc;
  input?: ResolvedSchema;
  output?: ResolvedSchema;
}

export interface CompatLocation {
  file: string;
  /** JSON pointer into `file`. For something removed: where it would be; line/character are then those of the nearest ancestor that exists. */
  pointer: string;
  /** 0-based. */
  line?: number;
  /** 0-based UTF-16 column. */
  character?: number;
}

export interface CompatChange {
  code: CompatCode;
  class: CompatClass;
  area: CompatArea;
  /** The field concerned, as a dotted path from `input`/`output` (`output.scores.setosa`), when there is one. */
  field?: string;
  message: string;
  /** Where, in the NEW version. */
  location: CompatLocation;
  /** Where, in the OLD version, when the thing existed there. */
  previous?: CompatLocation;
  before?: unknown;
  after?: unknown;
}

export interface CompatReport {
  changes: CompatChange[];
  counts: Record<CompatClass, number>;
  /** The worst class among the changes; 'compatible' when there are none. */
  verdict: CompatClass;
}

export interface CompatOptions {
  /** Now, in epoch milliseconds: decides which deprecations are overdue. */
  now: number;
}

/** Every compatibility code, with what it means. Codes are stable. */
export const COMPAT_CODES = {
  'field-removed': 'A field was removed from the input or output schema.',
  'deprecated-field-removed': 'A deprecated field was removed after its removeAfter date, as announced.',
  'field-added': 'A field was added (optional on inputs; any on outputs).',
  'field-added-required': 'A required input field was added: callers that do not send it are rejected.',
  'field-now-required': 'An existing field became required.',
  'field-now-optional': 'A required field became optional.',
  'type-narrowed': 'A field accepts fewer types than before.',
  'type-widened': 'A field accepts more types than before.',
  'type-changed': 'A field changed type; neither type set contains the other.',
  'enum-value-removed': 'A value was removed from an enum (or a const changed).',
  'enum-value-added': 'A value was added to an enum.',
  'enum-added': 'A field is newly restricted to a list of values.',
  'enum-dropped': 'A field is no longer restricted to a list of values.',
  'constraint-tightened': 'A bound, pattern, format, multipleOf or uniqueItems now rules out values that were allowed.',
  'constraint-relaxed': 'A bound, pattern, format, multipleOf or uniqueItems now allows values that were ruled out.',
  'constraint-changed': 'A pattern, format or multipleOf changed in a way that cannot be compared.',
  'additional-properties-closed': 'additionalProperties became false: undeclared fields are rejected.',
  'additional-properties-opened': 'additionalProperties is no longer false: undeclared fields are allowed.',
  'unclassified-change': 'A keyword that is not classified (oneOf, anyOf, allOf, not, if/then/else, ...) changed; counted as breaking.',
  'ref-unresolved': 'A $ref that is not local is not followed; its target is not compared.',
  'default-changed': 'A default value changed.',
  'annotation-changed': 'A title, description, example or other annotation changed.',
  'schema-added': 'The contract now has an input or output schema where it had none.',
  'schema-removed': 'The contract no longer has an input or output schema.',
  'key-changed': 'output.key changed: outputs no longer join to inputs and baselines by the same field.',
  'key-removed': 'output.key was removed.',
  'key-added': 'output.key was added.',
  'input-key-changed': 'The input key (input.key, else output.key) changed.',
  'label-removed': 'A label was removed from output.labels.',
  'label-added': 'A label was added to output.labels.',
  'labels-reordered': 'The labels kept in output.labels are in a different order.',
  'labels-dropped': 'output.labels is no longer declared.',
  'labels-declared': 'output.labels is newly declared.',
  'label-field-changed': 'output.labelField changed.',
  'deprecation-overdue': 'A deprecated field is past its removeAfter date and still in the schema.',
  'tolerance-tightened': 'A test tolerance or drift limit became stricter.',
  'tolerance-loosened': 'A test tolerance or drift limit became looser, or was removed.',
  'tolerance-changed': 'A test tolerance changed kind, or drift bins changed: not comparable.',
  'test-added': 'A contract test was added.',
  'test-removed': 'A contract test was removed.',
  'encoding-added': 'A field encoding was added.',
  'encoding-removed': 'A field encoding was removed.',
  'encoding-changed': 'A field encoding changed.',
  'name-changed': 'metadata.name changed.',
  'version-not-bumped': 'The contract changed but metadata.version did not.',
} as const;

export type CompatCode = keyof typeof COMPAT_CODES;

type Rule = CompatClass | Record<Direction, CompatClass>;
const both = (input: CompatClass, output: CompatClass): Rule => ({ input, output });

/** The rule table of the file header, as data: code -> class, per direction for schema codes. */
export const COMPAT_RULES: Record<CompatCode, Rule> = {
  'field-removed': 'breaking',
  'deprecated-field-removed': 'risky',
  'field-added': 'compatible',
  'field-added-required': both('breaking', 'compatible'),
  'field-now-required': both('breaking', 'compatible'),
  'field-now-optional': both('compatible', 'breaking'),
  'type-narrowed': both('breaking', 'compatible'),
  'type-widened': both('compatible', 'breaking'),
  'type-changed': 'breaking',
  'enum-value-removed': 'breaking',
  'enum-value-added': both('compatible', 'breaking'),
  'enum-added': both('breaking', 'compatible'),
  'enum-dropped': both('compatible', 'breaking'),
  'constraint-tightened': both('breaking', 'compatible'),
  'constraint-relaxed': both('compatible', 'breaking'),
  'constraint-changed': 'breaking',
  'additional-properties-closed': both('breaking', 'risky'),
  'additional-properties-opened': both('compatible', 'breaking'),
  'unclassified-change': 'breaking',
  'ref-unresolved': 'risky',
  'default-changed': both('risky', 'compatible'),
  'annotation-changed': 'compatible',
  'schema-added': both('breaking', 'compatible'),
  'schema-removed': both('compatible', 'breaking'),
  'key-changed': 'breaking',
  'key-removed': 'breaking',
  'key-added': 'compatible',
  'input-key-changed': 'breaking',
  'label-removed': 'breaking',
  'label-added': 'risky',
  'labels-reordered': 'breaking',
  'labels-dropped': 'breaking',
  'labels-declared': 'compatible',
  'label-field-changed': 'breaking',
  'deprecation-overdue': 'breaking',
  'tolerance-tightened': 'compatible',
  'tolerance-loosened': 'risky',
  'tolerance-changed': 'risky',
  'test-added': 'compatible',
  'test-removed': 'risky',
  'encoding-added': 'compatible',
  'encoding-removed': 'risky',
  'encoding-changed': 'risky',
  'name-changed': 'risky',
  'version-not-bumped': 'risky',
};

export function classify(code: CompatCode, direction?: Direction): CompatClass {
  const rule = COMPAT_RULES[code];
  if (typeof rule === 'string') return rule;
  // a contract-level caller without a direction gets the stricter reading
  return direction ? rule[direction] : rule.input === 'breaking' || rule.output === 'breaking' ? 'breaking' : rule.input === 'risky' || rule.output === 'risky' ? 'risky' : 'compatible';
}

const RANK: Record<CompatClass, number> = { compatible: 0, risky: 1, breaking: 2 };

// ---- entry points ---------------------------------------------------------------

/**
 * Every change from `before` to `after`, classified. `after` is the version
 * consumers and callers move to (for a rollback dry-run: the target release's
 * contract; `before` is the current one).
 */
export function compareContracts(before: ContractVersion, after: ContractVersion, options: CompatOptions): CompatReport {
  const r = new Reporter(before, after);
  const o = obj(before.contract);
  const n = obj(after.contract);
  compareKeys(r, o, n);
  compareLabels(r, o, n);
  const removedOk = announcedRemovals(o, n, options.now);
  for (const dir of ['input', 'output'] as const) {
    const os = before[dir];
    const ns = after[dir];
    if (os && ns) {
      new SchemaWalker(r, dir, side(os), side(ns), removedOk).compare({ value: os.schema, ptr: '' }, { value: ns.schema, ptr: '' }, dir);
    } else if (os && !ns) {
      r.add('schema-removed', dir, dir, `the ${dir} schema was removed${dir === 'output' ? '; outputs are no longer constrained' : ''}`, {
        at: { doc: after.doc, pointer: `/${dir}` },
        was: { doc: os.doc, pointer: os.pointer },
      });
    } else if (!os && ns) {
      r.add('schema-added', dir, dir, `the ${dir} schema was added${dir === 'input' ? '; inputs it rejects are now refused' : ''}`, {
        at: { doc: ns.doc, pointer: ns.pointer },
      });
    }
  }
  overdueDeprecations(r, after, n, options.now);
  compareTests(r, o, n);
  compareEncodings(r, o, n);
  compareMetadata(r, o, n);
  return r.report();
}

/**
 * Compares two bare JSON Schemas in one direction. `direction: 'input'` asks
 * "does every record valid under `before` stay valid under `after`?" (e.g. for
 * user state: before = the schema the current model writes, after = the one the
 * target model reads); 'output' asks "does `after` produce only what `before`
 * allowed?". `field` names the root in messages (default: the direction).
 */
export function compareSchemas(before: ResolvedSchema, after: ResolvedSchema, direction: Direction, field: string = direction): CompatReport {
  const r = new Reporter(undefined, undefined);
  new SchemaWalker(r, direction, side(before), side(after), () => undefined).compare({ value: before.schema, ptr: '' }, { value: after.schema, ptr: '' }, field);
  return r.report();
}

// ---- loading (I/O injected) -----------------------------------------------------

/** Reads a file by a posix path relative to the reader's root; undefined when it does not exist. May throw for other failures. */
export type ReadFile = (path: string) => Promise<string | undefined>;

export class ContractLoadError extends Error {}

export interface LoadContractOptions {
  /** How a path given to `read` is shown in messages and locations (default: as is). */
  display?: (path: string) => string;
}

/**
 * Reads a contract and the schema files it refers to (`schema: { $ref: path }`,
 * relative to the contract) through `read`, so the same code serves a working
 * tree (files), a git revision (`git show`) or an editor (a LanguageHost's
 * readFile). Throws ContractLoadError with a message naming the file.
 */
export async function loadContractVersion(contractPath: string, read: ReadFile, options: LoadContractOptions = {}): Promise<ContractVersion> {
  const show = options.display ?? ((p: string) => p);
  const text = await readOrThrow(read, contractPath, show);
  if (text === undefined) throw new ContractLoadError(`${show(contractPath)}: no such file`);
  const doc: CompatDoc = { file: show(contractPath), text: stripBom(text) };
  const contract = parseContract(doc);
  const version: ContractVersion = { contract, doc };
  for (const dir of ['input', 'output'] as const) {
    const schema = await loadSchema(contract, dir, contractPath, doc, read, show);
    if (schema) version[dir] = schema;
  }
  return version;
}

/** Parses a contract's text; throws ContractLoadError for YAML errors and for a document that is not an InterfaceContract. */
export function parseContract(doc: CompatDoc): Record<string, unknown> {
  const parsed = parseYaml(doc.text ?? '');
  const error = parsed.diagnostics.find((d) => d.severity === 'error');
  if (error || parsed.hasSyntaxErrors) {
    const at = error ? new LineIndex(parsed.text).positionAt(error.span.start) : { line: 0, character: 0 };
    throw new ContractLoadError(`${doc.file}:${at.line + 1}:${at.character + 1}: not valid YAML: ${error ? error.message.replace(/^YAML: /, '') : 'syntax error'}`);
  }
  const value = parsed.value;
  if (!isObj(value)) throw new ContractLoadError(`${doc.file}: not an InterfaceContract (the top level is not a mapping)`);
  if (value.kind !== 'InterfaceContract') {
    throw new ContractLoadError(`${doc.file}: not an InterfaceContract (kind is ${value.kind === undefined ? 'missing' : `\`${String(value.kind)}\``})`);
  }
  return value;
}

/** Where a contract's input or output schema comes from: a file it refers to, written inline, or none. */
export function schemaSource(contract: unknown, dir: Direction): { ref: string } | { inline: unknown } | undefined {
  const s = obj(obj(contract)[dir]).schema;
  if (s === undefined || s === null) return undefined;
  if (isObj(s) && typeof s.$ref === 'string' && !s.$ref.startsWith('#')) return { ref: s.$ref };
  return { inline: s };
}

async function loadSchema(
  contract: Record<string, unknown>,
  dir: Direction,
  contractPath: string,
  doc: CompatDoc,
  read: ReadFile,
  show: (p: string) => string,
): Promise<ResolvedSchema | undefined> {
  const src = schemaSource(contract, dir);
  if (!src) return undefined;
  if ('inline' in src) return { schema: src.inline, doc, pointer: `/${dir}/schema` };
  const p = resolveWorkspacePath(contractPath, src.ref);
  if (p === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${src.ref}\`, which leaves the folder tree it is read from`);
  const text = await readOrThrow(read, p, show);
  if (text === undefined) throw new ContractLoadError(`${doc.file}: ${dir}.schema refers to \`${src.ref}\`, but ${show(p)} does not exist`);
  const schemaDoc: CompatDoc = { file: show(p), text: stripBom(text) };
  let schema: unknown;
  if (/\.json$/i.test(p)) {
    try {
      schema = JSON.parse(schemaDoc.text!);
    } catch (e) {
      throw new ContractLoadError(`${schemaDoc.file}: not valid JSON: ${(e as Error).message}`);
    }
  } else {
    const parsed = parseYaml(schemaDoc.text!);
    const error = parsed.diagnostics.find((d) => d.severity === 'error');
    if (error || parsed.hasSyntaxErrors) throw new ContractLoadError(`${schemaDoc.file}: not valid YAML: ${error ? error.message.replace(/^YAML: /, '') : 'syntax error'}`);
    schema = parsed.value;
  }
  return { schema, doc: schemaDoc, pointer: '' };
}

async function readOrThrow(read: ReadFile, p: string, show: (p: string) => string): Promise<string | undefined> {
  try {
    return await read(p);
  } catch (e) {
    if (e instanceof ContractLoadError) throw e;
    throw new ContractLoadError(`cannot read ${show(p)}: ${(e as Error).message}`);
  }
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

// ---- reporting -----------------------------------------------------------------

interface DocAt {
  doc: CompatDoc;
  pointer: string;
}

interface AddExtra {
  field?: string;
  /** In the new version. */
  at: DocAt;
  /** In the old version. */
  was?: DocAt;
  before?: unknown;
  after?: unknown;
}

class Reporter {
  readonly changes: CompatChange[] = [];
  private readonly trees = new Map<CompatDoc, { root: PNode | null; index: LineIndex } | null>();

  constructor(
    readonly before: ContractVersion | undefined,
    readonly after: ContractVersion | undefined,
  ) {}

  add(code: CompatCode, direction: Direction | undefined, area: CompatArea, message: string, extra: AddExtra): void {
    // built in this order so that JSON output lists the keys the same way every time
    const change: CompatChange = { code, class: classify(code, direction), area, ...(extra.field !== undefined ? { field: extra.field } : {}), message, location: this.locate(extra.at) };
    if (extra.was) change.previous = this.locate(extra.was);
    if (extra.before !== undefined) change.before = extra.before;
    if (extra.after !== undefined) change.after = extra.after;
    this.changes.push(change);
  }

  contractAt(pointer: string): DocAt {
    return { doc: this.after!.doc, pointer };
  }

  contractWas(pointer: string): DocAt {
    return { doc: this.before!.doc, pointer };
  }

  private locate(at: DocAt): CompatLocation {
    const loc: CompatLocation = { file: at.doc.file, pointer: at.pointer };
    const tree = this.tree(at.doc);
    if (!tree) return loc;
    const path = pointerToPath(tree.root, at.pointer);
    let found = locate(tree.root, path);
    // something removed: the nearest ancestor that exists, at its key
    for (let n = path.length - 1; !found.node && n >= 0; n--) found = locate(tree.root, path.slice(0, n));
    let offset: number | undefined;
    if (found.node && found.node.type === 'scalar') offset = found.node.start;
    else if (found.pair) offset = found.pair.key.start;
    else offset = (found.node ?? found.deepest)?.start;
    if (offset === undefined) return loc;
    const pos = tree.index.positionAt(offset);
    return { ...loc, line: pos.line, character: pos.character };
  }

  private tree(doc: CompatDoc): { root: PNode | null; index: LineIndex } | null {
    if (doc.text === undefined) return null;
    let t = this.trees.get(doc);
    if (t === undefined) {
      const parsed = parseYaml(doc.text);
      t = parsed.root ? { root: parsed.root, index: new LineIndex(doc.text) } : null;
      this.trees.set(doc, t);
    }
    return t;
  }

  report(): CompatReport {
    const counts: Record<CompatClass, number> = { compatible: 0, risky: 0, breaking: 0 };
    let verdict: CompatClass = 'compatible';
    for (const c of this.changes) {
      counts[c.class]++;
      if (RANK[c.class] > RANK[verdict]) verdict = c.class;
    }
    return { changes: this.changes, counts, verdict };
  }
}

// ---- schemas -------------------------------------------------------------------

interface Side {
  root: unknown;
  doc: CompatDoc;
  /** Pointer of the schema root inside doc. */
  base: string;
}

/** A schema node: its value and its pointer from the schema root. */
interface At {
  value: unknown;
  ptr: string;
}

function side(s: ResolvedSchema): Side {
  return { root: s.schema, doc: s.doc, base: s.pointer };
}

/** Announced removal of a field: its removeAfter date, and whether it has passed. */
interface Announced {
  removeAfter: string;
  passed: boolean;
}

const ATOMS = ['null', 'boolean', 'object', 'array', 'string', 'integer', 'fraction'] as const;

/** Keywords compared one by one below. */
const HANDLED = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'pattern',
  'format',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'default',
  // containers: their content is compared where it is referenced
  'definitions',
  '$defs',
]);

/** Keywords that do not change which data is valid. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'markdownDescription',
  '$comment',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$id',
  'id',
  '$schema',
  'contentEncoding',
  'contentMediaType',
  'defaultSnippets',
]);

const LENGTHS: Array<[lower: string, upper: string]> = [
  ['minLength', 'maxLength'],
  ['minItems', 'maxItems'],
  ['minProperties', 'maxProperties'],
];

class SchemaWalker {
  /** Pairs of locations on the current path (a definition shared by several fields is compared for each of them). */
  private readonly active = new Set<string>();
  /** Bounds the work on schemas that share definitions heavily. */
  private budget = 20_000;

  constructor(
    private readonly r: Reporter,
    private readonly dir: Direction,
    private readonly o: Side,
    private readonly n: Side,
    private readonly announced: (field: string) => Announced | undefined,
  ) {}

  private add(code: CompatCode, field: string, message: string, a: At | undefined, b: At, extra: { before?: unknown; after?: unknown } = {}): void {
    this.r.add(code, this.dir, this.dir, message, {
      field,
      at: { doc: this.n.doc, pointer: this.n.base + b.ptr },
      ...(a ? { was: { doc: this.o.doc, pointer: this.o.base + a.ptr } } : {}),
      ...extra,
    });
  }

  compare(a0: At, b0: At, field: string): void {
    const a = deref(this.o.root, a0);
    const b = deref(this.n.root, b0);
    if ('unresolved' in a || 'unresolved' in b) {
      const ra = 'unresolved' in a ? a.unresolved : undefined;
      const rb = 'unresolved' in b ? b.unresolved : undefined;
      const at = 'unresolved' in b ? b.at : b;
      const was = 'unresolved' in a ? a.at : a;
      if (ra !== undefined && ra === rb) {
        this.add('ref-unresolved', field, `\`${field}\`: $ref \`${rb}\` is not followed (only references inside the same schema are); its target is not compared`, was, at);
      } else {
        const what = rb !== undefined ? `$ref \`${rb}\`` : `$ref \`${ra}\``;
        this.add('unclassified-change', field, `\`${field}\` changed (unclassified): ${what} cannot be followed, so the change is counted as breaking`, was, at, {
          before: ra ?? a0.value,
          after: rb ?? b0.value,
        });
      }
      return;
    }
    // a recursive schema: this pair of locations is already being compared further up
    const key = `${a.ptr}\u0000${b.ptr}`;
    if (this.active.has(key) || this.budget <= 0) return;
    this.budget--;
    this.active.add(key);
    try {
      this.compareTypes(a, b, field);
      if (a.value === false || b.value === false) return;
      const A = schemaObj(a.value);
      const B = schemaObj(b.value);
      this.compareEnums(a, b, A, B, field);
      this.compareBounds(a, b, A, B, field);
      this.compareObject(a, b, A, B, field);
      this.compareItems(a, b, A, B, field);
      this.compareOthers(a, b, A, B, field);
    } finally {
      this.active.delete(key);
    }
  }

  // -- type

  private compareTypes(a: At, b: At, field: string): void {
    const ta = effectiveAtoms(a.value);
    const tb = effectiveAtoms(b.value);
    if (sameSet(ta, tb)) return;
    const before = typeText(a.value);
    const after = typeText(b.value);
    const widened = isSubset(ta, tb);
    const narrowed = isSubset(tb, ta);
    const extra = { before, after };
    if (narrowed) {
      const why = this.dir === 'input' ? '; callers sending values of the old type are rejected' : '';
      this.add('type-narrowed', field, `\`${field}\` type narrowed from ${before} to ${after}${why}`, a, b, extra);
    } else if (widened) {
      const why = this.dir === 'output' ? '; consumers may receive values they do not expect' : '';
      this.add('type-widened', field, `\`${field}\` type widened from ${before} to ${after}${why}`, a, b, extra);
    } else {
      this.add('type-changed', field, `\`${field}\` type changed from ${before} to ${after}; values of the old type are no longer valid`, a, b, extra);
    }
  }

  // -- enum and const

  private compareEnums(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    const va = enumValues(A);
    const vb = enumValues(B);
    if (!va && !vb) return;
    const kw = (S: Record<string, unknown>) => ('const' in S ? 'const' : 'enum');
    const atA = { value: undefined, ptr: `${a.ptr}/${kw(A)}` };
    const atB = { value: undefined, ptr: `${b.ptr}/${kw(B)}` };
    if (!va && vb) {
      const why = this.dir === 'input' ? '; callers sending other values are rejected' : '';
      this.add('enum-added', field, `\`${field}\` is now restricted to ${listText(vb)}${why}`, undefined, atB, { after: vb });
      return;
    }
    if (va && !vb) {
      const why = this.dir === 'output' ? '; consumers may receive other values' : '';
      this.add('enum-dropped', field, `\`${field}\` is no longer restricted to ${listText(va)}${why}`, atA, { value: undefined, ptr: b.ptr }, { before: va });
      return;
    }
    const keysB = new Set(vb!.map(stable));
    const keysA = new Set(va!.map(stable));
    for (const v of va!) {
      if (keysB.has(stable(v))) continue;
      const why = this.dir === 'input' ? '; callers sending it are rejected' : '; consumers that rely on it never receive it again';
      this.add('enum-value-removed', field, `\`${field}\` no longer allows ${valueText(v)}${why}`, atA, atB, { before: v });
    }
    vb!.forEach((v, i) => {
      if (keysA.has(stable(v))) return;
      const why = this.dir === 'output' ? ', a value consumers do not know' : '';
      const at = kw(B) === 'enum' ? { value: v, ptr: `${b.ptr}/enum/${i}` } : atB;
      this.add('enum-value-added', field, `\`${field}\` now also allows ${valueText(v)}${why}`, undefined, at, { after: v });
    });
  }

  // -- numeric bounds, lengths, pattern, format, multipleOf, uniqueItems

  private compareBounds(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    // kwA/kwB: the keyword in the old/new schema the change is about (they differ for minimum -> exclusiveMinimum)
    const report = (code: CompatCode, what: string, why: string, kwA: string, kwB: string, before?: unknown, after?: unknown) =>
      this.add(
        code,
        field,
        `\`${field}\`: ${what}${why}`,
        own(A, kwA) ? { value: A[kwA], ptr: `${a.ptr}/${kwA}` } : a,
        own(B, kwB) ? { value: B[kwB], ptr: `${b.ptr}/${kwB}` } : b,
        { ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) },
      );
    const tight = (what: string, kwA: string, kwB: string, before?: unknown, after?: unknown) =>
      report('constraint-tightened', what, this.dir === 'input' ? '; callers sending values the old contract allowed are rejected' : '', kwA, kwB, before, after);
    const relax = (what: string, kwA: string, kwB: string, before?: unknown, after?: unknown) =>
      report('constraint-relaxed', what, this.dir === 'output' ? '; consumers may receive values the old contract ruled out' : '', kwA, kwB, before, after);
    const changed = (what: string, kw: string, before?: unknown, after?: unknown) =>
      report('constraint-changed', what, '; the two cannot be compared, so the change is counted as breaking', kw, kw, before, after);

    // numeric bounds: minimum and exclusiveMinimum together make one lower bound
    for (const side of ['lower', 'upper'] as const) {
      const ba = numericBound(A, side);
      const bb = numericBound(B, side);
      if (!ba && !bb) continue;
      if (!ba) {
        tight(`${bb!.keyword} ${bb!.value} added`, bb!.key, bb!.key, undefined, bb!.value);
        continue;
      }
      if (!bb) {
        relax(`${ba.keyword} ${ba.value} removed`, ba.key, ba.key, ba.value, undefined);
        continue;
      }
      if (ba.value === bb.value && ba.exclusive === bb.exclusive) continue;
      // tighter: a lower bound that moves up (or becomes exclusive), an upper bound that moves down
      const dirSign = side === 'lower' ? 1 : -1;
      const tighter = (bb.value - ba.value) * dirSign > 0 || (ba.value === bb.value && bb.exclusive && !ba.exclusive);
      const what =
        ba.keyword === bb.keyword
          ? `${bb.keyword} ${bb.value > ba.value ? 'raised' : 'lowered'} from ${ba.value} to ${bb.value}`
          : `${side} bound changed from ${ba.keyword} ${ba.value} to ${bb.keyword} ${bb.value}`;
      (tighter ? tight : relax)(what, ba.key, bb.key, ba.value, bb.value);
    }

    for (const [lo, hi] of LENGTHS) {
      for (const [kw, lower] of [
        [lo, true],
        [hi, false],
      ] as const) {
        const va = num(A[kw]);
        const vb = num(B[kw]);
        if (va === vb) continue;
        if (va === undefined) tight(`${kw} ${vb} added`, kw, kw, undefined, vb);
        else if (vb === undefined) relax(`${kw} ${va} removed`, kw, kw, va, undefined);
        else {
          const what = `${kw} ${vb > va ? 'raised' : 'lowered'} from ${va} to ${vb}`;
          ((vb > va) === lower ? tight : relax)(what, kw, kw, va, vb);
        }
      }
    }

    for (const kw of ['pattern', 'format'] as const) {
      const va = A[kw];
      const vb = B[kw];
      if (stable(va) === stable(vb)) continue;
      if (va === undefined) tight(`${kw} \`${String(vb)}\` added`, kw, kw, undefined, vb);
      else if (vb === undefined) relax(`${kw} \`${String(va)}\` removed`, kw, kw, va, undefined);
      else changed(`${kw} changed from \`${String(va)}\` to \`${String(vb)}\``, kw, va, vb);
    }

    const ma = num(A.multipleOf);
    const mb = num(B.multipleOf);
    if (ma !== mb) {
      if (ma === undefined) tight(`multipleOf ${mb} added`, 'multipleOf', 'multipleOf', undefined, mb);
      else if (mb === undefined) relax(`multipleOf ${ma} removed`, 'multipleOf', 'multipleOf', ma, undefined);
      else if (isMultiple(ma, mb)) relax(`multipleOf changed from ${ma} to ${mb}`, 'multipleOf', 'multipleOf', ma, mb);
      else if (isMultiple(mb, ma)) tight(`multipleOf changed from ${ma} to ${mb}`, 'multipleOf', 'multipleOf', ma, mb);
      else changed(`multipleOf changed from ${ma} to ${mb}`, 'multipleOf', ma, mb);
    }

    const ua = A.uniqueItems === true;
    const ub = B.uniqueItems === true;
    if (ua !== ub) (ub ? tight : relax)(ub ? 'items must now be unique (uniqueItems)' : 'items no longer need to be unique (uniqueItems)', 'uniqueItems', 'uniqueItems', ua, ub);
  }

  // -- properties, required, additionalProperties

  private compareObject(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    const pa = obj(A.properties);
    const pb = obj(B.properties);
    const ra = strings(A.required);
    const rb = strings(B.required);
    const names = [...new Set([...Object.keys(pa), ...Object.keys(pb), ...ra, ...rb])];
    const closedB = B.additionalProperties === false;
    for (const name of names) {
      const f = `${field}.${name}`;
      const ptrA = `${a.ptr}/properties/${escapePointer(name)}`;
      const ptrB = `${b.ptr}/properties/${escapePointer(name)}`;
      const inA = own(pa, name) || ra.includes(name);
      const inB = own(pb, name) || rb.includes(name);
      const reqA = ra.includes(name);
      const reqB = rb.includes(name);
      const atA: At = { value: pa[name], ptr: own(pa, name) ? ptrA : `${a.ptr}/required/${ra.indexOf(name)}` };
      const atB: At = { value: pb[name], ptr: own(pb, name) ? ptrB : rb.includes(name) ? `${b.ptr}/required/${rb.indexOf(name)}` : ptrB };
      if (inA && !inB) {
        const announced = this.announced(f);
        if (announced?.passed) {
          const why = this.dir === 'input' ? '; callers that still send it break' : '; consumers that still read it break';
          this.add('deprecated-field-removed', f, `\`${f}\` was removed as announced (removal due after ${announced.removeAfter})${why}`, atA, atB);
        } else {
          const early = announced ? ` before its announced removal after ${announced.removeAfter}` : '';
          const why =
            this.dir === 'output'
              ? '; consumers that read it break'
              : closedB
                ? '; callers that still send it are rejected (additionalProperties is false)'
                : '; the model no longer reads it from callers that still send it';
          this.add('field-removed', f, `\`${f}\` was removed from the ${this.dir} schema${early}${why}`, atA, atB);
        }
        continue;
      }
      if (!inA && inB) {
        if (reqB && this.dir === 'input') {
          this.add('field-added-required', f, `\`${f}\` was added to the input schema as a required field; callers that do not send it are rejected`, undefined, atB);
        } else {
          const what = this.dir === 'input' ? ' as an optional field' : '';
          this.add('field-added', f, `\`${f}\` was added to the ${this.dir} schema${what}`, undefined, atB);
        }
        continue;
      }
      if (reqA !== reqB) {
        const reqAt: At = reqB ? { value: name, ptr: `${b.ptr}/required/${rb.indexOf(name)}` } : atB;
        const reqWas: At = reqA ? { value: name, ptr: `${a.ptr}/required/${ra.indexOf(name)}` } : atA;
        if (reqB) {
          const msg = this.dir === 'input' ? `\`${f}\` is now required; callers that omit it are rejected` : `\`${f}\` is now always present (required)`;
          this.add('field-now-required', f, msg, reqWas, reqAt);
        } else {
          const msg = this.dir === 'input' ? `\`${f}\` is now optional` : `\`${f}\` is no longer required; consumers that expect it in every record break`;
          this.add('field-now-optional', f, msg, reqWas, reqAt);
        }
      }
      if (own(pa, name) || own(pb, name)) {
        // a property named only in `required` on one side accepts anything there
        this.compare({ value: own(pa, name) ? pa[name] : true, ptr: ptrA }, { value: own(pb, name) ? pb[name] : true, ptr: ptrB }, f);
      }
    }

    // additionalProperties: absent/true = open, false = closed, a schema = constrained
    const xa = A.additionalProperties;
    const xb = B.additionalProperties;
    if (xa === undefined && xb === undefined) return;
    const openA = xa === undefined || xa === true;
    const openB = xb === undefined || xb === true;
    if (openA && openB) return;
    const atXA: At = { value: xa, ptr: xa === undefined ? a.ptr : `${a.ptr}/additionalProperties` };
    const atXB: At = { value: xb, ptr: xb === undefined ? b.ptr : `${b.ptr}/additionalProperties` };
    if (xb === false && xa !== false) {
      const why = this.dir === 'input' ? '; callers sending other fields are rejected' : '; consumers reading undeclared fields lose them';
      this.add('additional-properties-closed', field, `\`${field}\` no longer allows fields beyond those listed (additionalProperties: false)${why}`, atXA, atXB, { before: xa ?? true, after: false });
    } else if (xa === false && xb !== false) {
      if (openB) {
        const why = this.dir === 'output' ? '; consumers that validate outputs against the old schema reject them' : '';
        this.add('additional-properties-opened', field, `\`${field}\` now allows fields beyond those listed${why}`, atXA, atXB, { before: false, after: xb ?? true });
      } else {
        // false -> a schema: more is accepted
        this.add(
          'additional-properties-opened',
          field,
          `\`${field}\` now allows fields beyond those listed when they match additionalProperties${this.dir === 'output' ? '; consumers that validate outputs against the old schema reject them' : ''}`,
          atXA,
          atXB,
          { before: false },
        );
      }
    } else {
      // at least one side is a schema, neither is false
      this.compare({ value: openA ? true : xa, ptr: atXA.ptr }, { value: openB ? true : xb, ptr: atXB.ptr }, `${field}.*`);
    }
  }

  // -- items

  private compareItems(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    const ia = A.items;
    const ib = B.items;
    if (ia === undefined && ib === undefined) return;
    if (Array.isArray(ia) || Array.isArray(ib)) {
      if (stableSchema(this.o.root, ia) === stableSchema(this.n.root, ib)) return;
      if (Array.isArray(ia) && Array.isArray(ib) && ia.length === ib.length) {
        ia.forEach((_, i) => this.compare({ value: ia[i], ptr: `${a.ptr}/items/${i}` }, { value: ib[i], ptr: `${b.ptr}/items/${i}` }, `${field}[${i}]`));
        return;
      }
      this.add('unclassified-change', field, `\`${field}\` items changed (unclassified): tuple items differ in form or length, so the change is counted as breaking`, a, ib === undefined ? b : { value: ib, ptr: `${b.ptr}/items` }, {
        before: ia,
        after: ib,
      });
      return;
    }
    this.compare({ value: ia === undefined ? true : ia, ptr: ia === undefined ? a.ptr : `${a.ptr}/items` }, { value: ib === undefined ? true : ib, ptr: ib === undefined ? b.ptr : `${b.ptr}/items` }, `${field}[]`);
  }

  // -- combinators, unknown keywords, default, annotations

  private compareOthers(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    const keys = [...new Set([...Object.keys(A), ...Object.keys(B)])];
    const annotations: string[] = [];
    for (const k of keys) {
      if (HANDLED.has(k) && k !== 'default') continue;
      const same = ANNOTATIONS.has(k) || k.startsWith('x-') ? stable(A[k]) === stable(B[k]) : stableSchema(this.o.root, A[k]) === stableSchema(this.n.root, B[k]);
      if (same) continue;
      const atA: At = own(A, k) ? { value: A[k], ptr: `${a.ptr}/${escapePointer(k)}` } : a;
      const atB: At = own(B, k) ? { value: B[k], ptr: `${b.ptr}/${escapePointer(k)}` } : b;
      if (k === 'default') {
        const what = A[k] === undefined ? `default ${valueText(B[k])} added` : B[k] === undefined ? `default ${valueText(A[k])} removed` : `default changed from ${valueText(A[k])} to ${valueText(B[k])}`;
        const why = this.dir === 'input' ? '; callers that omit it get a different value' : '';
        this.add('default-changed', field, `\`${field}\`: ${what}${why}`, atA, atB, { before: A[k], after: B[k] });
      } else if (ANNOTATIONS.has(k) || k.startsWith('x-')) {
        annotations.push(k);
      } else {
        const how = !own(A, k) ? 'added' : !own(B, k) ? 'removed' : 'changed';
        this.add('unclassified-change', field, `\`${field}\`: ${k} ${how} (unclassified); whether data valid before is still valid cannot be told, so the change is counted as breaking`, atA, atB);
      }
    }
    if (annotations.length) {
      this.add('annotation-changed', field, `\`${field}\`: ${annotations.join(', ')} changed`, a, b);
    }
  }
}

// ---- schema helpers --------------------------------------------------------------

function deref(root: unknown, at: At): At | { unresolved: string; at: At } {
  let cur = at;
  const seen = new Set<string>();
  for (let hops = 0; hops < 64; hops++) {
    const v = cur.value;
    if (!isObj(v) || typeof v.$ref !== 'string') return cur;
    const ref = v.$ref;
    if (!ref.startsWith('#') || seen.has(ref)) return { unresolved: ref, at: cur };
    seen.add(ref);
    let pointer: string;
    try {
      pointer = decodeURIComponent(ref.slice(1));
    } catch {
      return { unresolved: ref, at: cur };
    }
    const target = getPointer(root, pointer);
    if (target === undefined) return { unresolved: ref, at: cur };
    cur = { value: target, ptr: pointer };
  }
  return { unresolved: String(obj(cur.value).$ref), at: cur };
}

function getPointer(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let cur = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObj(cur) && own(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function schemaObj(v: unknown): Record<string, unknown> {
  return isObj(v) ? v : {};
}

/** The kinds of value a schema accepts, by its type and its enum/const. */
function effectiveAtoms(s: unknown): Set<string> {
  if (s === false) return new Set();
  const all = new Set<string>(ATOMS);
  if (!isObj(s)) return all;
  let set = all;
  if (s.type !== undefined) {
    set = new Set();
    for (const t of Array.isArray(s.type) ? s.type : [s.type]) {
      if (t === 'number') {
        set.add('integer');
        set.add('fraction');
      } else if (typeof t === 'string' && (ATOMS as readonly string[]).includes(t)) set.add(t);
    }
  }
  const values = enumValues(s);
  if (values) {
    const of = new Set(values.map(atomOf));
    set = new Set([...set].filter((t) => of.has(t)));
  }
  return set;
}

function atomOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'fraction';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function typeText(s: unknown): string {
  if (s === false) return 'nothing (false)';
  if (!isObj(s) || s.type === undefined) return 'any';
  return Array.isArray(s.type) ? `[${s.type.map(String).join(', ')}]` : String(s.type);
}

function enumValues(s: Record<string, unknown>): unknown[] | undefined {
  if (own(s, 'const')) return [s.const];
  return Array.isArray(s.enum) ? s.enum : undefined;
}

interface Bound {
  value: number;
  exclusive: boolean;
  /** How the bound is written in messages. */
  keyword: string;
  /** The schema keyword holding the value. */
  key: string;
}

/** The effective lower or upper bound: the tighter of minimum/exclusiveMinimum (draft-06+ numbers; a draft-04 boolean makes minimum exclusive). */
function numericBound(s: Record<string, unknown>, side: 'lower' | 'upper'): Bound | undefined {
  const [inc, exc] = side === 'lower' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
  const i = num(s[inc]);
  const e = num(s[exc]);
  const candidates: Bound[] = [];
  if (i !== undefined) candidates.push({ value: i, exclusive: s[exc] === true, keyword: s[exc] === true ? `${inc} (exclusive)` : inc, key: inc });
  if (e !== undefined) candidates.push({ value: e, exclusive: true, keyword: exc, key: exc });
  if (!candidates.length) return undefined;
  const sign = side === 'lower' ? 1 : -1;
  return candidates.reduce((best, c) => ((c.value - best.value) * sign > 0 || (c.value === best.value && c.exclusive) ? c : best));
}

/** Whether a is a whole multiple of b (so every multiple of a is one of b). */
function isMultiple(a: number, b: number): boolean {
  if (b === 0) return false;
  const q = a / b;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && isSubset(a, b);
}

function isSubset(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** A canonical JSON text of a value, keys sorted. */
function stable(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? String(v);
}

/** Like stable(), with local $refs replaced by what they point at (cycles cut), so a changed definition shows. */
function stableSchema(root: unknown, v: unknown, depth = 0, stack: string[] = []): string {
  if (depth > 64) return '…';
  if (Array.isArray(v)) return `[${v.map((x) => stableSchema(root, x, depth + 1, stack)).join(',')}]`;
  if (isObj(v)) {
    if (typeof v.$ref === 'string' && v.$ref.startsWith('#')) {
      const ref = v.$ref;
      if (stack.includes(ref)) return `{"$ref-cycle":${JSON.stringify(ref)}}`;
      let target: unknown;
      try {
        target = getPointer(root, decodeURIComponent(ref.slice(1)));
      } catch {
        target = undefined;
      }
      if (target !== undefined) return stableSchema(root, target, depth + 1, [...stack, ref]);
    }
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableSchema(root, v[k], depth + 1, stack)}`)
      .join(',')}}`;
  }
  return stable(v);
}

function valueText(v: unknown): string {
  return `\`${typeof v === 'string' ? v : stable(v)}\``;
}

function listText(vs: unknown[]): string {
  return `[${vs.map((v) => (typeof v === 'string' ? v : stable(v))).join(', ')}]`;
}

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Whether a field (`input.a.b`, `output.tags[].name`) is declared in a schema, and where (pointer from the schema root). */
export function findField(schema: unknown, path: string): string | undefined {
  const segs = path.split('.');
  let at: At = { value: schema, ptr: '' };
  for (const raw of segs) {
    const r = deref(schema, at);
    if ('unresolved' in r) return undefined;
    const m = /^(.*?)((?:\[\])*)$/.exec(raw)!;
    const name = m[1]!;
    const props = obj(schemaObj(r.value).properties);
    if (!own(props, name)) return undefined;
    at = { value: props[name], ptr: `${r.ptr}/properties/${escapePointer(name)}` };
    for (let k = 0; k < m[2]!.length / 2; k++) {
      const d = deref(schema, at);
      if ('unresolved' in d) return undefined;
      const items = schemaObj(d.value).items;
      if (!isObj(items) && typeof items !== 'boolean') return undefined;
      at = { value: items, ptr: `${d.ptr}/items` };
    }
  }
  return at.ptr;
}

// ---- contract-level comparisons ----------------------------------------------------

function compareKeys(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const ka = str(obj(o.output).key);
  const kb = str(obj(n.output).key);
  if (ka !== kb) {
    if (ka === undefined) r.add('key-added', undefined, 'key', `output.key \`${kb}\` was added`, { at: r.contractAt('/output/key'), after: kb });
    else if (kb === undefined)
      r.add('key-removed', undefined, 'key', `output.key \`${ka}\` was removed; outputs no longer say which field joins them to inputs and baselines`, {
        at: r.contractAt('/output/key'),
        was: r.contractWas('/output/key'),
        before: ka,
      });
    else
      r.add('key-changed', undefined, 'key', `output.key changed from \`${ka}\` to \`${kb}\`; consumers and baselines join outputs to inputs by it`, {
        at: r.contractAt('/output/key'),
        was: r.contractWas('/output/key'),
        before: ka,
        after: kb,
      });
  }
  const ia = str(obj(o.input).key) ?? ka;
  const ib = str(obj(n.input).key) ?? kb;
  // reported only when it does not just follow output.key
  if (ia !== ib && !(str(obj(o.input).key) === undefined && str(obj(n.input).key) === undefined)) {
    const ptr = str(obj(n.input).key) !== undefined ? '/input/key' : '/output/key';
    const wasPtr = str(obj(o.input).key) !== undefined ? '/input/key' : '/output/key';
    r.add('input-key-changed', undefined, 'key', `the input key changed from \`${ia ?? 'none'}\` to \`${ib ?? 'none'}\`; callers identify their records by it`, {
      at: r.contractAt(ptr),
      was: r.contractWas(wasPtr),
      before: ia,
      after: ib,
    });
  }
}

function compareLabels(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const fa = str(obj(o.output).labelField) ?? 'label';
  const fb = str(obj(n.output).labelField) ?? 'label';
  if (fa !== fb) {
    r.add('label-field-changed', undefined, 'labels', `output.labelField changed from \`${fa}\` to \`${fb}\`; consumers read the predicted label from it`, {
      at: r.contractAt(own(obj(n.output), 'labelField') ? '/output/labelField' : '/output'),
      was: r.contractWas(own(obj(o.output), 'labelField') ? '/output/labelField' : '/output'),
      before: fa,
      after: fb,
    });
  }
  const la = Array.isArray(obj(o.output).labels) ? strings(obj(o.output).labels) : undefined;
  const lb = Array.isArray(obj(n.output).labels) ? strings(obj(n.output).labels) : undefined;
  if (!la && !lb) return;
  if (la && !lb) {
    r.add('labels-dropped', undefined, 'labels', `output.labels was removed; the closed set of labels ${listText(la)} is no longer declared`, {
      at: r.contractAt('/output/labels'),
      was: r.contractWas('/output/labels'),
      before: la,
    });
    return;
  }
  if (!la && lb) {
    r.add('labels-declared', undefined, 'labels', `output.labels now declares the closed set of labels ${listText(lb)}`, { at: r.contractAt('/output/labels'), after: lb });
    return;
  }
  la!.forEach((l, i) => {
    if (lb!.includes(l)) return;
    r.add('label-removed', undefined, 'labels', `label \`${l}\` was removed from output.labels; consumers that rely on it break`, {
      at: r.contractAt('/output/labels'),
      was: r.contractWas(`/output/labels/${i}`),
      before: l,
    });
  });
  lb!.forEach((l, i) => {
    if (la!.includes(l)) return;
    r.add('label-added', undefined, 'labels', `label \`${l}\` was added to output.labels; consumers with a closed label set may not handle it`, {
      at: r.contractAt(`/output/labels/${i}`),
      after: l,
    });
  });
  const keptA = la!.filter((l) => lb!.includes(l));
  const keptB = lb!.filter((l) => la!.includes(l));
  if (keptA.join('\u0000') !== keptB.join('\u0000')) {
    r.add('labels-reordered', undefined, 'labels', `output.labels order changed from ${listText(la!)} to ${listText(lb!)}; consumers that index labels by position break`, {
      at: r.contractAt('/output/labels'),
      was: r.contractWas('/output/labels'),
      before: la,
      after: lb,
    });
  }
}

interface Deprecation {
  field: string;
  removeAfter: string;
  removeAfterMs: number;
}

function deprecations(contract: Record<string, unknown>): Deprecation[] {
  const out: Deprecation[] = [];
  for (const raw of arr(contract.deprecations)) {
    const d = obj(raw);
    const field = str(d.field);
    const removeAfter = str(d.removeAfter);
    if (!field || !removeAfter) continue;
    const parsed = parseDate(removeAfter);
    if (!parsed.ok) continue;
    out.push({ field, removeAfter: formatDate(parsed.value), removeAfterMs: parsed.value });
  }
  return out;
}

const DAY = 86_400_000;

/** Overdue: the day of `now` (UTC) is after removeAfter, as in the editor's deprecation check. */
function overdue(d: Deprecation, now: number): boolean {
  return Math.floor(now / DAY) * DAY > d.removeAfterMs;
}

/** Fields whose removal was announced, by either version's deprecations (the new one wins). */
function announcedRemovals(o: Record<string, unknown>, n: Record<string, unknown>, now: number): (field: string) => Announced | undefined {
  const map = new Map<string, Announced>();
  for (const d of [...deprecations(o), ...deprecations(n)]) map.set(d.field, { removeAfter: d.removeAfter, passed: overdue(d, now) });
  return (field) => map.get(field);
}

function overdueDeprecations(r: Reporter, after: ContractVersion, n: Record<string, unknown>, now: number): void {
  for (const d of deprecations(n)) {
    if (!overdue(d, now)) continue;
    const m = /^(input|output)\.(.+)$/.exec(d.field);
    if (!m) continue;
    const dir = m[1] as Direction;
    const schema = after[dir];
    if (!schema) continue;
    const ptr = findField(schema.schema, m[2]!);
    if (ptr === undefined) continue;
    r.add('deprecation-overdue', undefined, 'deprecations', `\`${d.field}\` was due for removal after ${d.removeAfter} and is still in the ${dir} schema`, {
      field: d.field,
      at: { doc: schema.doc, pointer: schema.pointer + ptr },
    });
  }
}

const TOLERANCE_KINDS = ['exact', 'abs', 'rel', 'agreement'] as const;

function toleranceText(t: Record<string, unknown>): string {
  const kind = TOLERANCE_KINDS.find((k) => own(t, k));
  if (!kind) return stable(t);
  return kind === 'exact' ? 'exact' : `${kind} ${String(t[kind])}`;
}

function compareTests(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const testsA = arr(o.tests).map(obj);
  const testsB = arr(n.tests).map(obj);
  const indexB = new Map<string, number>();
  testsB.forEach((t, i) => {
    const id = str(t.id);
    if (id !== undefined && !indexB.has(id)) indexB.set(id, i);
  });
  const seenA = new Set<string>();
  testsA.forEach((ta, ia) => {
    const id = str(ta.id);
    if (id === undefined || seenA.has(id)) return;
    seenA.add(id);
    const ib = indexB.get(id);
    if (ib === undefined) {
      r.add('test-removed', undefined, 'tests', `test \`${id}\` was removed; what it checked is no longer tested`, { at: r.contractAt('/tests'), was: r.contractWas(`/tests/${ia}`) });
      return;
    }
    compareTest(r, id, ta, testsB[ib]!, ia, ib);
  });
  testsB.forEach((tb, ib) => {
    const id = str(tb.id);
    if (id === undefined || seenA.has(id) || indexB.get(id) !== ib) return;
    r.add('test-added', undefined, 'tests', `test \`${id}\` was added`, { at: r.contractAt(`/tests/${ib}`) });
  });
}

function compareTest(r: Reporter, id: string, ta: Record<string, unknown>, tb: Record<string, unknown>, ia: number, ib: number): void {
  const emit = (code: CompatCode, field: string, message: string, ptrB: string, ptrA: string, before: unknown, after: unknown) =>
    r.add(code, undefined, 'tests', `test \`${id}\`: ${message}`, { field: `output.${field}`, at: r.contractAt(ptrB), was: r.contractWas(ptrA), before, after });

  // per-row tolerances
  const tolA = obj(ta.tolerance);
  const tolB = obj(tb.tolerance);
  for (const f of unionKeys(tolA, tolB)) {
    const a = own(tolA, f) ? obj(tolA[f]) : undefined;
    const b = own(tolB, f) ? obj(tolB[f]) : undefined;
    const pa = `/tests/${ia}/tolerance/${escapePointer(f)}`;
    const pb = `/tests/${ib}/tolerance/${escapePointer(f)}`;
    if (a && b && stable(a) === stable(b)) continue;
    if (!a) {
      emit('tolerance-tightened', f, `tolerance for \`${f}\` (${toleranceText(b!)}) was added`, pb, `/tests/${ia}`, undefined, b);
      continue;
    }
    if (!b) {
      emit('tolerance-loosened', f, `tolerance for \`${f}\` (${toleranceText(a)}) was removed; \`${f}\` may now differ from the baseline by any amount`, own(tb, 'tolerance') ? `/tests/${ib}/tolerance` : `/tests/${ib}`, pa, a, undefined);
      continue;
    }
    const ka = TOLERANCE_KINDS.find((k) => own(a, k));
    const kb = TOLERANCE_KINDS.find((k) => own(b, k));
    const from = `from ${toleranceText(a)} to ${toleranceText(b)}`;
    let verdict: 'tighter' | 'looser' | 'incomparable';
    if (ka === kb && ka !== undefined && ka !== 'exact') {
      const va = num(a[ka]);
      const vb = num(b[ka]);
      if (va === undefined || vb === undefined) verdict = 'incomparable';
      else if (va === vb) continue;
      else verdict = (ka === 'agreement' ? vb > va : vb < va) ? 'tighter' : 'looser';
    } else if (kb === 'exact') verdict = 'tighter';
    else if (ka === 'exact') verdict = 'looser';
    else verdict = 'incomparable';
    const tb2 = kb ? `${pb}/${kb}` : pb;
    const ta2 = ka ? `${pa}/${ka}` : pa;
    if (verdict === 'tighter') emit('tolerance-tightened', f, `tolerance for \`${f}\` tightened ${from}`, tb2, ta2, a, b);
    else if (verdict === 'looser') emit('tolerance-loosened', f, `tolerance for \`${f}\` loosened ${from}; the model may now drift further from the baseline`, tb2, ta2, a, b);
    else emit('tolerance-changed', f, `tolerance for \`${f}\` changed ${from}; the two cannot be compared`, tb2, ta2, a, b);
  }

  // distribution drift limits
  const drA = obj(ta.drift);
  const drB = obj(tb.drift);
  for (const f of unionKeys(drA, drB)) {
    const a = obj(drA[f]);
    const b = obj(drB[f]);
    const pa = own(drA, f) ? `/tests/${ia}/drift/${escapePointer(f)}` : `/tests/${ia}`;
    const pb = own(drB, f) ? `/tests/${ib}/drift/${escapePointer(f)}` : own(tb, 'drift') ? `/tests/${ib}/drift` : `/tests/${ib}`;
    for (const k of ['psi', 'ks'] as const) {
      const va = num(a[k]);
      const vb = num(b[k]);
      if (va === vb) continue;
      const at = vb !== undefined ? `${pb}/${k}` : pb;
      const was = va !== undefined ? `${pa}/${k}` : pa;
      if (va === undefined) emit('tolerance-tightened', f, `drift limit ${k} ${vb} for \`${f}\` was added`, at, was, undefined, vb);
      else if (vb === undefined) emit('tolerance-loosened', f, `drift limit ${k} ${va} for \`${f}\` was removed; its distribution may now shift by any amount`, at, was, va, undefined);
      else if (vb < va) emit('tolerance-tightened', f, `drift limit for \`${f}\` tightened from ${k} ${va} to ${k} ${vb}`, at, was, va, vb);
      else emit('tolerance-loosened', f, `drift limit for \`${f}\` loosened from ${k} ${va} to ${k} ${vb}; its distribution may now shift further from the baseline`, at, was, va, vb);
    }
    const ba = num(a.bins) ?? 10;
    const bb = num(b.bins) ?? 10;
    if (ba !== bb && own(drA, f) && own(drB, f)) {
      emit('tolerance-changed', f, `drift bins for \`${f}\` changed from ${ba} to ${bb}; PSI values are not comparable across bin counts`, own(b, 'bins') ? `${pb}/bins` : pb, own(a, 'bins') ? `${pa}/bins` : pa, ba, bb);
    }
  }

  // what a missing or extra key does: fail is stricter than warn
  for (const [k, dflt] of [
    ['missingKeys', 'fail'],
    ['extraKeys', 'warn'],
  ] as const) {
    const va = str(ta[k]) ?? dflt;
    const vb = str(tb[k]) ?? dflt;
    if (va === vb) continue;
    const at = own(tb, k) ? `/tests/${ib}/${k}` : `/tests/${ib}`;
    const was = own(ta, k) ? `/tests/${ia}/${k}` : `/tests/${ia}`;
    if (vb === 'fail') r.add('tolerance-tightened', undefined, 'tests', `test \`${id}\`: ${k} tightened from ${va} to ${vb}`, { at: r.contractAt(at), was: r.contractWas(was), before: va, after: vb });
    else r.add('tolerance-loosened', undefined, 'tests', `test \`${id}\`: ${k} loosened from ${va} to ${vb}`, { at: r.contractAt(at), was: r.contractWas(was), before: va, after: vb });
  }
}

function compareEncodings(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  for (const dir of ['input', 'output'] as const) {
    const ea = obj(obj(o[dir]).encodings);
    const eb = obj(obj(n[dir]).encodings);
    for (const f of unionKeys(ea, eb)) {
      const pa = `/${dir}/encodings/${escapePointer(f)}`;
      const pb = pa;
      const field = `${dir}.${f}`;
      if (!own(ea, f)) {
        r.add('encoding-added', undefined, 'encodings', `the ${dir} encoding of \`${f}\` was added`, { field, at: r.contractAt(pb), after: eb[f] });
      } else if (!own(eb, f)) {
        r.add('encoding-removed', undefined, 'encodings', `the ${dir} encoding of \`${f}\` was removed`, { field, at: r.contractAt(`/${dir}/encodings`), was: r.contractWas(pa), before: ea[f] });
      } else if (stable(ea[f]) !== stable(eb[f])) {
        const a = obj(ea[f]);
        const b = obj(eb[f]);
        const diffs = unionKeys(a, b)
          .filter((k) => stable(a[k]) !== stable(b[k]))
          .map((k) => `${k} ${a[k] === undefined ? 'none' : stable(a[k])} → ${b[k] === undefined ? 'none' : stable(b[k])}`);
        r.add('encoding-changed', undefined, 'encodings', `the ${dir} encoding of \`${f}\` changed: ${diffs.join(', ')}`, { field, at: r.contractAt(pb), was: r.contractWas(pa), before: ea[f], after: eb[f] });
      }
    }
  }
}

function compareMetadata(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const ma = obj(o.metadata);
  const mb = obj(n.metadata);
  if (own(ma, 'name') && own(mb, 'name') && stable(ma.name) !== stable(mb.name)) {
    r.add('name-changed', undefined, 'metadata', `metadata.name changed from \`${String(ma.name)}\` to \`${String(mb.name)}\`; are these versions of the same interface?`, {
      at: r.contractAt('/metadata/name'),
      was: r.contractWas('/metadata/name'),
      before: ma.name,
      after: mb.name,
    });
  }
  // an overdue deprecation is a finding about the new version, not a difference between the two
  if (r.changes.some((c) => c.code !== 'deprecation-overdue') && stable(ma.version) === stable(mb.version) && mb.version !== undefined) {
    r.add('version-not-bumped', undefined, 'metadata', `metadata.version is still ${String(mb.version)} although the contract changed; bump it on every change`, {
      at: r.contractAt('/metadata/version'),
      was: r.contractWas('/metadata/version'),
      before: ma.version,
      after: mb.version,
    });
  }
}

// ---- small helpers ---------------------------------------------------------------

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown): Record<string, unknown> {
  return isObj(v) ? v : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}

function own(o: Record<string, unknown>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

