// One row of a diff, as the editor's own diff editor shows it: the baseline's
// and the current outputs' lines of that row (found by their line numbers,
// read by streaming up to them), each formatted as indented JSON with its
// keys sorted so that the two sides line up field by field and a field that
// differs is a changed line; and the row's input (the inputs file's first
// line with the row's key), formatted the same way, for beside them. A line
// that is not JSON is shown as it is. JSONL only: a table's rows have no line
// an editor can show (the diff view does not offer to open them).
import { sortKeysDeep } from '../../core/util/object';
import { readJsonl } from '../jsonl';

export interface RowTexts {
  baseline: string;
  current: string;
  /** The row's input, when the inputs file is known and has the key. */
  input?: string;
}

/** `text` as indented JSON with sorted keys (the text itself when it is not JSON). */
export function formatRow(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return `${JSON.stringify(sortKeysDeep(value), null, 2)}\n`;
}

async function lineOf(file: string, n: number): Promise<string | undefined> {
  for await (const l of readJsonl(file)) {
    if (l.line < n) continue;
    return l.line === n && 'text' in l ? l.text : undefined;
  }
  return undefined;
}

async function inputOf(file: string, keyField: string, key: string): Promise<string | undefined> {
  for await (const l of readJsonl(file)) {
    if (!('text' in l)) continue;
    try {
      const v = (JSON.parse(l.text) as Record<string, unknown> | null)?.[keyField];
      if (v !== undefined && String(v) === key) return l.text;
    } catch {
      /* not this row */
    }
  }
  return undefined;
}

export async function rowTexts(
  files: { baseline: string; current: string; inputs?: string },
  row: { baselineLine: number; currentLine: number; key: string; keyField: string },
): Promise<RowTexts> {
  const [b, c, i] = await Promise.all([lineOf(files.baseline, row.baselineLine), lineOf(files.current, row.currentLine), files.inputs ? inputOf(files.inputs, row.keyField, row.key) : undefined]);
  return {
    baseline: b === undefined ? `(line ${row.baselineLine} is not in the baseline file any more)\n` : formatRow(b),
    current: c === undefined ? `(line ${row.currentLine} is not in the current outputs any more)\n` : formatRow(c),
    ...(i !== undefined ? { input: formatRow(i) } : {}),
  };
}
