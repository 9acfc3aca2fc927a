// The schema comparison: walks the old and the new JSON Schema of one
// direction side by side and reports every change to what they accept, with
// the codes of the rule table (rules.ts says what each means and how the
// direction decides its class). Pure.
//
// $ref inside a schema: local references (`#`, `#/definitions/...`,
// `#/$defs/...`, any JSON pointer into the same schema) and ones into other
// files, by relative path (`common.schema.json#/$defs/id`) or by `$id`
// (`https://example.com/iris/common.schema.json#/$defs/id`), read by load.ts
// (a change there is located in that file), are followed, with
// draft-07 semantics (keywords next to $ref are ignored); a definition shared
// by several fields is compared for each of them, and recursion stops where a
// pair of locations repeats on the current path (the work is also bounded, for
// schemas that share definitions heavily). A reference that cannot be
// followed is ref-unresolved when both sides hold the same one, else an
// unclassified change. Fields are named by dotted paths from `input`/`output`
// (`output.scores.setosa`); array items add `[]` (`input.tags[]`), tuple items
// `[0]`, additionalProperties `.*`. A property only named in `required` on one
// side accepts anything there.
//
// Dialects: the draft-04..2020-12 keywords are read in one shape
// (keywords.ts): unevaluatedProperties: false closes an object like
// additionalProperties: false; prefixItems and a draft-07 items list are
// tuple positions, and the items after them (2020-12 items, additionalItems,
// unevaluatedItems) are `[]`; a tuple position added is compared with what
// the old items after the tuple accepted there; dependentRequired,
// dependentSchemas and draft-07 dependencies are compared per trigger field.
import { asNumber, asObject, asStrings, hasOwn } from '../../util/object';
import { listText, stable, valueText } from './format';
import {
  ANNOTATIONS,
  arrayShape,
  dependentRequired,
  dependentSchemas,
  effectiveAtoms,
  enumValues,
  extraProperties,
  HANDLED,
  isMultiple,
  isSubset,
  LENGTHS,
  numericBound,
  sameSet,
  typeText,
} from './keywords';
import type { CompatDoc, ResolvedSchema } from './load';
import { derefIn, escapePointer, splitPtr, stableSchema, type At, type RefSpace } from './refs';
import type { Reporter } from './report';
import type { CompatCode, Direction } from './rules';

export interface Side {
  root: unknown;
  doc: CompatDoc;
  /** Pointer of the schema root inside doc. */
  base: string;
  /** Where its refs resolve, the other files its `$ref`s reach included (refs.ts). */
  space: RefSpace;
  /** Those files' docs, for locations. */
  docs: ReadonlyMap<string, CompatDoc>;
}

export function side(s: ResolvedSchema): Side {
  const files = s.files ?? new Map<string, { doc: CompatDoc; value: unknown }>();
  const docs = new Map([...files].map(([p, f]) => [p, f.doc]));
  // a schema taken from inside a file (`openapi.json#/components/schemas/X`): its refs resolve in the whole file
  const root = s.document !== undefined ? s.document : s.schema;
  const space: RefSpace = { root, ...(s.path !== undefined ? { path: s.path } : {}), files };
  return { root, doc: s.doc, base: s.document !== undefined ? '' : s.pointer, space, docs };
}

/** Where a node of a side is: its file (another one, reached by a `$ref`, or the side's own) and its pointer in it. */
function located(sd: Side, ptr: string): { doc: CompatDoc; pointer: string } {
  const { file, ptr: inFile } = splitPtr(ptr);
  const doc = file !== undefined ? sd.docs.get(file) : undefined;
  return doc ? { doc, pointer: inFile } : { doc: sd.doc, pointer: sd.base + ptr };
}

/** Where the walk of a resolved schema starts: its value, at its pointer inside the side's root. */
export function start(s: ResolvedSchema): At {
  return { value: s.schema, ptr: s.document !== undefined ? s.pointer : '' };
}

/** Announced removal of a field: its removeAfter date, and whether it has passed. */
export interface Announced {
  removeAfter: string;
  passed: boolean;
}

export class SchemaWalker {
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
    this.r.add(code, this.dir, message, {
      field,
      at: located(this.n, b.ptr),
      ...(a ? { was: located(this.o, a.ptr) } : {}),
      ...extra,
    });
  }

  compare(a0: At, b0: At, field: string): void {
    const a = derefIn(this.o.space, a0);
    const b = derefIn(this.n.space, b0);
    if ('unresolved' in a || 'unresolved' in b) {
      const ra = 'unresolved' in a ? a.unresolved : undefined;
      const rb = 'unresolved' in b ? b.unresolved : undefined;
      const at = 'unresolved' in b ? b.at : b;
      const was = 'unresolved' in a ? a.at : a;
      if (ra !== undefined && ra === rb) {
        this.add('ref-unresolved', field, `\`${field}\`: $ref \`${rb}\` is not followed (only JSON Pointer references inside the schema and into its files, by relative path or \`$id\`, are); its target is not compared`, was, at);
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
      const A = asObject(a.value);
      const B = asObject(b.value);
      this.compareEnums(a, b, A, B, field);
      this.compareBounds(a, b, A, B, field);
      this.compareObject(a, b, A, B, field);
      this.compareDependencies(a, b, A, B, field);
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
      this.add(code, field, `\`${field}\`: ${what}${why}`, hasOwn(A, kwA) ? { value: A[kwA], ptr: `${a.ptr}/${kwA}` } : a, hasOwn(B, kwB) ? { value: B[kwB], ptr: `${b.ptr}/${kwB}` } : b, {
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      });
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
        const va = asNumber(A[kw]);
        const vb = asNumber(B[kw]);
        if (va === vb) continue;
        if (va === undefined) tight(`${kw} ${vb} added`, kw, kw, undefined, vb);
        else if (vb === undefined) relax(`${kw} ${va} removed`, kw, kw, va, undefined);
        else {
          const what = `${kw} ${vb > va ? 'raised' : 'lowered'} from ${va} to ${vb}`;
          (vb > va === lower ? tight : relax)(what, kw, kw, va, vb);
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

    const ma = asNumber(A.multipleOf);
    const mb = asNumber(B.multipleOf);
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
    const pa = asObject(A.properties);
    const pb = asObject(B.properties);
    const ra = asStrings(A.required);
    const rb = asStrings(B.required);
    const names = [...new Set([...Object.keys(pa), ...Object.keys(pb), ...ra, ...rb])];
    const extraB = extraProperties(B);
    const closedB = extraB?.value === false ? extraB.kw : undefined;
    for (const name of names) {
      const f = `${field}.${name}`;
      const ptrA = `${a.ptr}/properties/${escapePointer(name)}`;
      const ptrB = `${b.ptr}/properties/${escapePointer(name)}`;
      const inA = hasOwn(pa, name) || ra.includes(name);
      const inB = hasOwn(pb, name) || rb.includes(name);
      const reqA = ra.includes(name);
      const reqB = rb.includes(name);
      const atA: At = { value: pa[name], ptr: hasOwn(pa, name) ? ptrA : `${a.ptr}/required/${ra.indexOf(name)}` };
      const atB: At = { value: pb[name], ptr: hasOwn(pb, name) ? ptrB : rb.includes(name) ? `${b.ptr}/required/${rb.indexOf(name)}` : ptrB };
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
                ? `; callers that still send it are rejected (${closedB} is false)`
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
      if (hasOwn(pa, name) || hasOwn(pb, name)) {
        // a property named only in `required` on one side accepts anything there
        this.compare({ value: hasOwn(pa, name) ? pa[name] : true, ptr: ptrA }, { value: hasOwn(pb, name) ? pb[name] : true, ptr: ptrB }, f);
      }
    }

    // additionalProperties (else unevaluatedProperties): absent/true = open, false = closed, a schema = constrained
    const ea = extraProperties(A);
    const eb = extraProperties(B);
    const xa = ea?.value;
    const xb = eb?.value;
    if (xa === undefined && xb === undefined) return;
    const openA = xa === undefined || xa === true;
    const openB = xb === undefined || xb === true;
    if (openA && openB) return;
    const atXA: At = { value: xa, ptr: ea === undefined ? a.ptr : `${a.ptr}/${ea.kw}` };
    const atXB: At = { value: xb, ptr: eb === undefined ? b.ptr : `${b.ptr}/${eb.kw}` };
    if (xb === false && xa !== false) {
      const why = this.dir === 'input' ? '; callers sending other fields are rejected' : '; consumers reading undeclared fields lose them';
      this.add('additional-properties-closed', field, `\`${field}\` no longer allows fields beyond those listed (${eb!.kw}: false)${why}`, atXA, atXB, { before: xa ?? true, after: false });
    } else if (xa === false && xb !== false) {
      if (openB) {
        const why = this.dir === 'output' ? '; consumers that validate outputs against the old schema reject them' : '';
        this.add('additional-properties-opened', field, `\`${field}\` now allows fields beyond those listed${why}`, atXA, atXB, { before: false, after: xb ?? true });
      } else {
        // false -> a schema: more is accepted
        this.add(
          'additional-properties-opened',
          field,
          `\`${field}\` now allows fields beyond those listed when they match ${eb!.kw}${this.dir === 'output' ? '; consumers that validate outputs against the old schema reject them' : ''}`,
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

  // -- dependentRequired, dependentSchemas (and draft-07 dependencies)

  private compareDependencies(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    const at = (base: At, kw: string, ...rest: Array<string | number>): At => ({ value: undefined, ptr: [base.ptr, kw, ...rest.map((x) => escapePointer(String(x)))].join('/') });
    const da = dependentRequired(A);
    const db = dependentRequired(B);
    for (const t of new Set([...da.keys(), ...db.keys()])) {
      const na = da.get(t)?.names ?? [];
      const nb = db.get(t)?.names ?? [];
      nb.forEach((name, i) => {
        if (na.includes(name)) return;
        const f = `${field}.${name}`;
        const kw = db.get(t)!.kw;
        const msg =
          this.dir === 'input'
            ? `\`${f}\` is now required when \`${field}.${t}\` is present (${kw}); callers that send \`${t}\` without it are rejected`
            : `\`${f}\` is now always present when \`${field}.${t}\` is (${kw})`;
        this.add('dependent-required-added', f, msg, da.has(t) ? at(a, da.get(t)!.kw, t) : a, at(b, kw, t, i));
      });
      na.forEach((name, i) => {
        if (nb.includes(name)) return;
        const f = `${field}.${name}`;
        const kw = da.get(t)!.kw;
        const why = this.dir === 'output' ? `; consumers that expect it with \`${t}\` break` : '';
        this.add('dependent-required-removed', f, `\`${f}\` is no longer required when \`${field}.${t}\` is present (${kw})${why}`, at(a, kw, t, i), db.has(t) ? at(b, db.get(t)!.kw, t) : b);
      });
    }
    const sa = dependentSchemas(A);
    const sb = dependentSchemas(B);
    for (const t of new Set([...sa.keys(), ...sb.keys()])) {
      const x = sa.get(t);
      const y = sb.get(t);
      if (x && y) {
        this.compare({ value: x.value, ptr: at(a, x.kw, t).ptr }, { value: y.value, ptr: at(b, y.kw, t).ptr }, field);
      } else if (y) {
        const why = this.dir === 'input' ? `; callers sending \`${t}\` with data it rules out are rejected` : '';
        this.add('dependent-schema-added', field, `\`${field}\`: a schema now applies when \`${field}.${t}\` is present (${y.kw})${why}`, a, at(b, y.kw, t));
      } else if (x) {
        const why = this.dir === 'output' ? '; consumers may receive records it ruled out' : '';
        this.add('dependent-schema-removed', field, `\`${field}\`: the schema that applied when \`${field}.${t}\` is present was removed (${x.kw})${why}`, at(a, x.kw, t), b);
      }
    }
  }

  // -- items: tuple positions (prefixItems, a draft-07 items list) and the items after them

  private compareItems(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    const sa = arrayShape(A);
    const sb = arrayShape(B);
    const pa = sa.prefix?.items ?? [];
    const pb = sb.prefix?.items ?? [];
    // what the items after the tuple must be: absent = anything, located at the schema
    const ra: At = sa.rest ? { value: sa.rest.value, ptr: `${a.ptr}/${sa.rest.kw}` } : { value: true, ptr: a.ptr };
    const rb: At = sb.rest ? { value: sb.rest.value, ptr: `${b.ptr}/${sb.rest.kw}` } : { value: true, ptr: b.ptr };
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const f = `${field}[${i}]`;
      const atA: At = { value: pa[i], ptr: `${a.ptr}/${sa.prefix?.kw}/${i}` };
      const atB: At = { value: pb[i], ptr: `${b.ptr}/${sb.prefix?.kw}/${i}` };
      if (i < pa.length && i < pb.length) {
        this.compare(atA, atB, f);
      } else if (i < pa.length) {
        const why = this.dir === 'input' ? '; callers still send a value there, which the model no longer reads by position' : '; consumers that read that position break';
        this.add('item-removed', f, `\`${f}\` was removed from the tuple (${sa.prefix!.kw})${why}`, atA, sb.prefix ? { value: pb, ptr: `${b.ptr}/${sb.prefix.kw}` } : b);
      } else {
        this.add('item-added', f, `\`${f}\` was added to the tuple (${sb.prefix!.kw})`, undefined, atB);
        // what the old schema accepted at that position: its items after the tuple
        this.compare(ra, atB, f);
      }
    }
    if (sa.rest || sb.rest) this.compare(ra, rb, `${field}[]`);
  }

  // -- combinators, unknown keywords, default, annotations

  private compareOthers(a: At, b: At, A: Record<string, unknown>, B: Record<string, unknown>, field: string): void {
    const keys = [...new Set([...Object.keys(A), ...Object.keys(B)])];
    const annotations: string[] = [];
    for (const k of keys) {
      if (HANDLED.has(k) && k !== 'default') continue;
      const same = ANNOTATIONS.has(k) || k.startsWith('x-') ? stable(A[k]) === stable(B[k]) : stableSchema(this.o.root, A[k]) === stableSchema(this.n.root, B[k]);
      if (same) continue;
      const atA: At = hasOwn(A, k) ? { value: A[k], ptr: `${a.ptr}/${escapePointer(k)}` } : a;
      const atB: At = hasOwn(B, k) ? { value: B[k], ptr: `${b.ptr}/${escapePointer(k)}` } : b;
      if (k === 'default') {
        const what =
          A[k] === undefined ? `default ${valueText(B[k])} added` : B[k] === undefined ? `default ${valueText(A[k])} removed` : `default changed from ${valueText(A[k])} to ${valueText(B[k])}`;
        const why = this.dir === 'input' ? '; callers that omit it get a different value' : '';
        this.add('default-changed', field, `\`${field}\`: ${what}${why}`, atA, atB, { before: A[k], after: B[k] });
      } else if (ANNOTATIONS.has(k) || k.startsWith('x-')) {
        annotations.push(k);
      } else {
        const how = !hasOwn(A, k) ? 'added' : !hasOwn(B, k) ? 'removed' : 'changed';
        this.add('unclassified-change', field, `\`${field}\`: ${k} ${how} (unclassified); whether data valid before is still valid cannot be told, so the change is counted as breaking`, atA, atB);
      }
    }
    if (annotations.length) {
      this.add('annotation-changed', field, `\`${field}\`: ${annotations.join(', ')} changed`, a, b);
    }
  }
}
