// Reporting a comparison: the Reporter collects the changes (each built in one
// key order, so JSON output lists its keys the same way every time), with its
// class and area read from the rule table, and where it is: a JSON pointer
// into the NEW version (`location`) and, when the thing existed there, into the
// OLD one (`previous`), plus 0-based line/character when the file's text is
// known. Something removed is located at the nearest ancestor that exists (at
// its key). Each file's text is parsed once per report. Its report counts the
// changes per class; the verdict is the worst class ('compatible' when none).
import type { CompatDoc, ContractVersion } from './load';
import { positionOf, textTree, type TextTree } from './position';
import { areaOf, classify, type CompatArea, type CompatClass, type CompatCode, type Direction } from './rules';

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

const RANK: Record<CompatClass, number> = { compatible: 0, risky: 1, breaking: 2 };

export interface DocAt {
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

export class Reporter {
  readonly changes: CompatChange[] = [];
  private readonly trees = new Map<CompatDoc, TextTree | null>();

  constructor(
    readonly before: ContractVersion | undefined,
    readonly after: ContractVersion | undefined,
  ) {}

  /** `direction`: the one compared, for a schema code (it decides the class and is the area); undefined for a contract code. */
  add(code: CompatCode, direction: Direction | undefined, message: string, extra: AddExtra): void {
    // built in this order so that JSON output lists the keys the same way every time
    const change: CompatChange = {
      code,
      class: classify(code, direction),
      area: areaOf(code, direction),
      ...(extra.field !== undefined ? { field: extra.field } : {}),
      message,
      location: this.locate(extra.at),
    };
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
    const pos = tree ? positionOf(tree, at.pointer) : undefined;
    return pos ? { ...loc, line: pos.line, character: pos.character } : loc;
  }

  private tree(doc: CompatDoc): TextTree | null {
    if (doc.text === undefined) return null;
    let t = this.trees.get(doc);
    if (t === undefined) this.trees.set(doc, (t = textTree(doc.text)));
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
