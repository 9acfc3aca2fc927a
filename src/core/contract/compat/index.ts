// Contract compatibility: every change between two versions of an
// InterfaceContract (their input and output JSON Schemas, output.key and
// input.key, output.labels and labelField, deprecations, test tolerances,
// encodings, metadata), each classified as compatible, risky or breaking with a
// stable code, a message, and where it is in the NEW version (file, JSON
// pointer, 0-based line/character when the text is known; `previous` says the
// same for the OLD version). Pure: files are read through an injected reader
// and the clock is injected (`now`).
//
// This is the public API (importers use this file only) and the two entry
// points. The rest, one file per job: rules.ts the rule table (codes,
// classes, areas, meanings; the direction rule), load.ts loading a version,
// schema.ts the schema walker (with keywords.ts, refs.ts, format.ts),
// contract.ts the contract's own fields, report.ts the changes and locations
// (position.ts: where a pointer is in a file's text).
import { asObject } from '../../util/object';
import { announcedRemovals, compareEncodings, compareKeys, compareLabels, compareMetadata, compareTests, overdueDeprecations } from './contract';
import type { ContractVersion, ResolvedSchema } from './load';
import { Reporter, type CompatReport } from './report';
import type { Direction } from './rules';
import { SchemaWalker, side, start } from './schema';

export { ContractLoadError, loadContractVersion, parseContract, schemaSource } from './load';
export type { CompatDoc, ContractVersion, LoadContractOptions, ReadFile, ResolvedSchema } from './load';
export { escapePointer, findField } from './refs';
export type { CompatChange, CompatLocation, CompatReport } from './report';
export { areaOf, classify, COMPAT_CODES, COMPAT_RULES, COMPAT_TABLE } from './rules';
export type { CompatArea, CompatClass, CompatCode, CompatRule, Direction } from './rules';

export interface CompatOptions {
  /** Now, in epoch milliseconds: decides which deprecations are overdue. */
  now: number;
}

/**
 * Every change from `before` to `after`, classified. `after` is the version
 * consumers and callers move to (for a rollback dry-run: the target release's
 * contract; `before` is the current one).
 */
export function compareContracts(before: ContractVersion, after: ContractVersion, options: CompatOptions): CompatReport {
  const r = new Reporter(before, after);
  const o = asObject(before.contract);
  const n = asObject(after.contract);
  compareKeys(r, o, n);
  compareLabels(r, o, n);
  const removedOk = announcedRemovals(o, n, options.now);
  for (const dir of ['input', 'output'] as const) {
    const os = before[dir];
    const ns = after[dir];
    if (os && ns) {
      new SchemaWalker(r, dir, side(os), side(ns), removedOk).compare(start(os), start(ns), dir);
    } else if (os && !ns) {
      r.add('schema-removed', dir, `the ${dir} schema was removed${dir === 'output' ? '; outputs are no longer constrained' : ''}`, {
        at: { doc: after.doc, pointer: `/${dir}` },
        was: { doc: os.doc, pointer: os.pointer },
      });
    } else if (!os && ns) {
      r.add('schema-added', dir, `the ${dir} schema was added${dir === 'input' ? '; inputs it rejects are now refused' : ''}`, {
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
  new SchemaWalker(r, direction, side(before), side(after), () => undefined).compare(start(before), start(after), field);
  return r.report();
}
