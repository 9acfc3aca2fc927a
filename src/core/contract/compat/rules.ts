// The rule table of contract compatibility: every change code, the class it
// is reported with, the area of the contract it is about, and what it means.
// It is the one place a code is declared: COMPAT_CODES, COMPAT_RULES,
// classify() and areaOf() are read from it, the comparisons only name codes.
// Codes are stable; the table's order is the order they are listed in.
//
// Columns of COMPAT_TABLE (one row per code):
//   class    for a schema code, the class for inputs and the class for
//            outputs (`schemaRule(input, output, meaning)`; kept as one class
//            when both are the same); for a contract code, its one class
//            (`contractRule(area, class, meaning)`). "breaking" fails
//            `compat` (exit 1), "risky" is reported as a warning (exit 0, 1
//            with --strict), "compatible" is informational.
//   area     `schema` for changes inside the input or output JSON Schema (the
//            change is then reported under the direction compared: `input` or
//            `output`); else the part of the contract: key, labels,
//            deprecations, tests, encodings, metadata.
//   meaning  what the change is and why it is classified so; the text of
//            COMPAT_CODES.
//
// Direction. For INPUTS callers write the data and the model reads it: the new
// input schema must accept everything the old one accepted, so narrowing
// breaks callers and widening is safe. For OUTPUTS the model writes and
// consumers read: the new output schema must not produce anything the old one
// ruled out, so widening breaks consumers and narrowing is safe. Two
// exceptions, both from the spec: a removed field and a removed enum value or
// label break on either side (consumers rely on an output field or value being
// produced; callers still send an input field or value).

export type CompatClass = 'compatible' | 'risky' | 'breaking';
export type Direction = 'input' | 'output';
export type CompatArea = 'input' | 'output' | 'key' | 'labels' | 'deprecations' | 'tests' | 'encodings' | 'metadata';

/** One class, or one per direction. */
export type CompatRule = CompatClass | Record<Direction, CompatClass>;

interface RuleRow {
  class: CompatRule;
  /** `schema`: the direction compared. */
  area: 'schema' | Exclude<CompatArea, Direction>;
  meaning: string;
}

function schemaRule(input: CompatClass, output: CompatClass, meaning: string): RuleRow {
  return { class: input === output ? input : { input, output }, area: 'schema', meaning };
}

function contractRule(area: RuleRow['area'], cls: CompatClass, meaning: string): RuleRow {
  return { class: cls, area, meaning };
}

export const COMPAT_TABLE = {
  // schema fields: schemaRule(class for inputs, class for outputs, meaning)
  'field-removed': schemaRule('breaking', 'breaking', 'A field was removed from the input or output schema (before any removal date its deprecation announced).'),
  'deprecated-field-removed': schemaRule('risky', 'risky', 'A deprecated field was removed after its removeAfter date, as announced.'),
  'field-added': schemaRule('compatible', 'compatible', 'A field was added: an optional one on inputs, any one on outputs.'),
  'field-added-required': schemaRule('breaking', 'compatible', 'A required input field was added: callers that do not send it are rejected. (A new output field, required or not, is field-added.)'),
  'field-now-required': schemaRule('breaking', 'compatible', 'An existing field became required.'),
  'field-now-optional': schemaRule('compatible', 'breaking', 'A required field became optional.'),
  'type-narrowed': schemaRule('breaking', 'compatible', 'A field accepts fewer types than before (number -> integer, [string, null] -> string).'),
  'type-widened': schemaRule('compatible', 'breaking', 'A field accepts more types than before (integer -> number).'),
  'type-changed': schemaRule('breaking', 'breaking', 'A field changed type; neither type set contains the other.'),
  'enum-value-removed': schemaRule('breaking', 'breaking', 'A value was removed from an enum (or a const changed).'),
  'enum-value-added': schemaRule('compatible', 'breaking', 'A value was added to an enum: consumers meet a value they do not know.'),
  'enum-added': schemaRule('breaking', 'compatible', 'A field is newly restricted to a list of values.'),
  'enum-dropped': schemaRule('compatible', 'breaking', 'A field is no longer restricted to a list of values.'),
  'constraint-tightened': schemaRule(
    'breaking',
    'compatible',
    'A bound, pattern, format, multipleOf or uniqueItems now rules out values that were allowed: minimum, exclusiveMinimum, minLength, minItems or minProperties raised; maximum, exclusiveMaximum, maxLength, maxItems or maxProperties lowered; a pattern, format, multipleOf, uniqueItems or bound added.',
  ),
  'constraint-relaxed': schemaRule('compatible', 'breaking', 'A bound, pattern, format, multipleOf or uniqueItems now allows values that were ruled out (the reverse of constraint-tightened).'),
  'constraint-changed': schemaRule('breaking', 'breaking', 'A pattern, format or multipleOf changed in a way that cannot be compared.'),
  'additional-properties-closed': schemaRule(
    'breaking',
    'risky',
    'additionalProperties (or unevaluatedProperties, 2019-09+) became false (it was true or absent): undeclared fields are rejected. On outputs, consumers reading undeclared fields lose them; nothing declared breaks.',
  ),
  'additional-properties-opened': schemaRule('compatible', 'breaking', 'additionalProperties (or unevaluatedProperties) is no longer false: undeclared fields are allowed.'),
  'dependent-required-added': schemaRule(
    'breaking',
    'compatible',
    'A field is newly required when another one is present (dependentRequired, or a list in draft-07 dependencies): callers sending the one without the other are rejected.',
  ),
  'dependent-required-removed': schemaRule('compatible', 'breaking', 'A field is no longer required when another one is present (dependentRequired, or draft-07 dependencies): consumers expecting the pair break.'),
  'dependent-schema-added': schemaRule(
    'breaking',
    'compatible',
    'A schema newly applies when a field is present (dependentSchemas, or a schema in draft-07 dependencies): it can only rule out more records. (A changed one is compared keyword by keyword.)',
  ),
  'dependent-schema-removed': schemaRule('compatible', 'breaking', 'The schema that applied when a field is present was removed (dependentSchemas, or draft-07 dependencies): records it ruled out are allowed.'),
  'item-removed': schemaRule(
    'breaking',
    'breaking',
    'A tuple position was removed (prefixItems, or an items list in draft-07): consumers reading that position break; callers still send a value there that the model no longer reads by position.',
  ),
  'item-added': schemaRule(
    'compatible',
    'compatible',
    'A tuple position was added (prefixItems, or an items list in draft-07). What it accepts is compared with what the old schema accepted there (its items after the tuple, 2020-12 items or draft-07 additionalItems, else unevaluatedItems), and reported with those codes.',
  ),
  'unclassified-change': schemaRule(
    'breaking',
    'breaking',
    'A keyword that is not classified (oneOf, anyOf, allOf, not, if/then/else, patternProperties, contains, any other keyword) changed; counted as breaking.',
  ),
  'ref-unresolved': schemaRule('risky', 'risky', 'The same $ref that cannot be followed on both sides (a dialect\'s meta-schema, an anchor, a pointer to nothing, a file not read): its target is not compared.'),
  'default-changed': schemaRule('risky', 'compatible', 'A default value changed: callers omitting the field get another value.'),
  'annotation-changed': schemaRule('compatible', 'compatible', 'A title, description, example, $comment or other annotation changed.'),
  'schema-added': schemaRule('breaking', 'compatible', 'The contract now has an input or output schema where it had none.'),
  'schema-removed': schemaRule('compatible', 'breaking', 'The contract no longer has an input or output schema.'),

  // the contract's own fields
  'key-changed': contractRule('key', 'breaking', 'output.key changed: outputs no longer join to inputs and baselines by the same field.'),
  'key-removed': contractRule('key', 'breaking', 'output.key was removed.'),
  'key-added': contractRule('key', 'compatible', 'output.key was added.'),
  'input-key-changed': contractRule('key', 'breaking', 'The input key (input.key, else output.key) changed.'),
  'label-removed': contractRule('labels', 'breaking', 'A label was removed from output.labels.'),
  'label-added': contractRule(
    'labels',
    'risky',
    "A label was added to output.labels: consumers with a closed label set may not handle it. Not breaking on its own: the output schema's enum is what a validating consumer checks, and a new value there is enum-value-added (breaking).",
  ),
  'labels-reordered': contractRule('labels', 'breaking', 'The labels kept in output.labels are in a different order (encodings by index break).'),
  'labels-dropped': contractRule('labels', 'breaking', 'output.labels is no longer declared: the closed set of labels is gone.'),
  'labels-declared': contractRule('labels', 'compatible', 'output.labels is newly declared.'),
  'label-field-changed': contractRule('labels', 'breaking', 'output.labelField (default `label`) changed.'),
  'deprecation-overdue': contractRule('deprecations', 'breaking', "A field of the new contract's deprecations is past its removeAfter date and still in the new schema."),
  'tolerance-tightened': contractRule(
    'tests',
    'compatible',
    'A test tolerance or drift limit became stricter: a smaller abs, rel, psi or ks, a higher agreement, exact, a new limit, missingKeys or extraKeys from warn to fail.',
  ),
  'tolerance-loosened': contractRule('tests', 'risky', 'A test tolerance or drift limit became looser, or was removed.'),
  'tolerance-changed': contractRule('tests', 'risky', 'A test tolerance changed kind (abs <-> rel, ...), or drift bins changed: not comparable.'),
  'test-added': contractRule('tests', 'compatible', 'A contract test was added.'),
  'test-removed': contractRule('tests', 'risky', 'A contract test was removed.'),
  'encoding-added': contractRule('encodings', 'compatible', 'A field encoding was added.'),
  'encoding-removed': contractRule('encodings', 'risky', 'A field encoding was removed.'),
  'encoding-changed': contractRule('encodings', 'risky', 'A field encoding changed.'),
  'name-changed': contractRule('metadata', 'risky', 'metadata.name changed: maybe not the same interface.'),
  'version-not-bumped': contractRule('metadata', 'risky', 'The contract changed but metadata.version did not.'),
} satisfies Record<string, RuleRow>;

export type CompatCode = keyof typeof COMPAT_TABLE;

const ROWS = Object.entries(COMPAT_TABLE) as Array<[CompatCode, RuleRow]>;

/** Every compatibility code, with what it means. */
export const COMPAT_CODES = Object.fromEntries(ROWS.map(([code, row]) => [code, row.meaning])) as Record<CompatCode, string>;

/** Every code's class: one, or one per direction for schema codes. */
export const COMPAT_RULES = Object.fromEntries(ROWS.map(([code, row]) => [code, row.class])) as Record<CompatCode, CompatRule>;

export function classify(code: CompatCode, direction?: Direction): CompatClass {
  const rule: CompatRule = COMPAT_TABLE[code].class;
  if (typeof rule === 'string') return rule;
  // a contract-level caller without a direction gets the stricter reading
  return direction ? rule[direction] : rule.input === 'breaking' || rule.output === 'breaking' ? 'breaking' : rule.input === 'risky' || rule.output === 'risky' ? 'risky' : 'compatible';
}

/** The area a change is reported under: the direction for a schema code, else the table's. */
export function areaOf(code: CompatCode, direction?: Direction): CompatArea {
  const area = COMPAT_TABLE[code].area;
  if (area !== 'schema') return area;
  // a programming error, not bad input: every schema comparison knows its direction
  if (!direction) throw new Error(`compat: \`${code}\` is a schema code and needs a direction`);
  return direction;
}
