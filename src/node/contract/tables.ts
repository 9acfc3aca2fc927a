// Contract files that are tables (CSV, Parquet, JSON array; see
// src/node/tabular): their format, streaming their rows into a Comparison
// (a bad row is an unusable row, reported by its row number, exactly like a
// bad JSONL line; a file that cannot be read as a table at all is a
// ContractError naming it; of a Parquet file only the columns the comparison
// reads are decoded, Comparison.columnsNeeded), and JSONL copies, removed after the run, of a
// table of inputs for the sources that read JSONL (command, http) and of a
// table of outputs without a key for the join by position. The
// readers are loaded from their own bundle (../tabularModule.ts) only when a
// file is a table.
import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import type { Comparison } from '../../core/contract/compare';
import type { LineProblem } from '../../core/contract/report';
import { tabular } from '../tabularModule';
import { formatOf, FORMATS, isFormat, type TabularFormat } from '../tabular/format';
import type { ColumnTypes } from '../tabular/types';
import type { OutputShape } from '../../core/contract/outputShape';

/** A table that cannot be used: run.ts reports it like a ContractError (the test errors with this message). */
export class TableFileError extends Error {
  override name = 'TableFileError';
}

/** The format of a contract file: `explicit` (the contract's `format:`) or by extension. */
export function tableFormat(file: string, explicit: string | undefined): TabularFormat {
  if (explicit !== undefined && !isFormat(explicit)) throw new TableFileError(`\`format: ${explicit}\` is not one of ${FORMATS.join(', ')}`);
  return formatOf(file, explicit);
}

/**
 * Refuses a Parquet file read as JSONL or JSON (its name says `.jsonl`, or
 * `format:` does): its bytes would otherwise be reported as lines that are
 * not JSON. Parquet files start with `PAR1`.
 */
export async function notParquet(file: string, format: TabularFormat, which: LineProblem['file'], name: string): Promise<void> {
  if (format === 'parquet' || format === 'csv') return;
  const h = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await h.read(head, 0, 4, 0);
    if (bytesRead === 4 && head.toString('latin1') === 'PAR1') throw new TableFileError(`the ${WHAT[which]} file \`${name}\` is a Parquet file (it starts with \`PAR1\`): name it \`.parquet\` or give \`format: parquet\``);
  } finally {
    await h.close();
  }
}

const WHAT: Record<LineProblem['file'], string> = { inputs: 'inputs', baseline: 'baseline', current: 'outputs' };

function tableError(e: unknown, which: LineProblem['file'], name: string): unknown {
  if ((e as { name?: string }).name === 'TableError') return new TableFileError(`the ${WHAT[which]} file \`${name}\`: ${(e as Error).message}`);
  return e;
}

/** Streams the rows of a table into the comparison; returns how many rows were read. */
export async function feedTable(
  comparison: Comparison,
  which: LineProblem['file'],
  file: string,
  format: Exclude<TabularFormat, 'jsonl'>,
  schema: object | undefined,
  name: string,
  options: { signal?: AbortSignal },
  onRow?: (n: number) => void,
): Promise<number> {
  const t = tabular();
  let rows = 0;
  const columns = comparison.columnsNeeded(which);
  // Parquet inputs and outputs are handled row by row at once (the comparison keeps no row), so the
  // reader refills one object for every row (ReadOptions.reuseRow); baseline rows are batched (the key
  // table's inserts overlap their memory reads, see Comparison.flush), so each is an object of its own
  const reuse = format === 'parquet' && which !== 'baseline';
  const add = which === 'inputs' ? comparison.addInputRow.bind(comparison) : which === 'baseline' ? comparison.addBaselineRow.bind(comparison) : reuse ? comparison.addCurrentRow.bind(comparison) : comparison.addCurrentTableRow.bind(comparison);
  try {
    await t.readTable(
      file,
      format,
      {
        row(n, value) {
          add(n, value);
          rows++;
          onRow?.(rows);
        },
        bad(n, message) {
          comparison.unusableLine(which, n, message);
          rows++;
          onRow?.(rows);
        },
        rows(total) {
          comparison.expectRows(which, total);
        },
      },
      // a Parquet file's other columns are not decoded when no row is validated (Comparison.columnsNeeded)
      { ...(schema ? { types: t.columnTypes(schema) } : {}), ...(columns ? { columns } : {}), ...(reuse ? { reuseRow: true } : {}), noPlaces: true, ...options },
    );
  } catch (e) {
    throw tableError(e, which, name);
  }
  return rows;
}

/**
 * A JSONL copy of a table, in the system's temporary folder: a table of
 * inputs for a command or http source, a table of outputs without a key for
 * the join by position (`output.key.fromInput`, `output.fields`). Every row
 * must be usable (`why` says so in the error): a source answers inputs by
 * position and keyless outputs take their input's key by position, so a row
 * left out would shift every row after it.
 */
export async function tableAsJsonl(
  file: string,
  format: Exclude<TabularFormat, 'jsonl'>,
  read: { types?: ColumnTypes; guess?: boolean },
  which: 'inputs' | 'current',
  name: string,
  why: string,
  options: { signal?: AbortSignal },
): Promise<{ file: string; remove: () => Promise<void> }> {
  const t = tabular();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `rollback-lens-${which === 'inputs' ? 'inputs' : 'outputs'}-`));
  const copy = path.join(dir, `${which === 'inputs' ? 'inputs' : 'outputs'}.jsonl`);
  const remove = (): Promise<void> => fs.rm(dir, { recursive: true, force: true });
  const out = createWriteStream(copy);
  let bad: string | undefined;
  let parts: string[] = [];
  let size = 0;
  const pending: Promise<unknown>[] = [];
  const flush = (): void => {
    if (!parts.length) return;
    if (!out.write(parts.join(''))) pending.push(once(out, 'drain'));
    parts = [];
    size = 0;
  };
  try {
    await t.readTable(
      file,
      format,
      {
        row(_n, value) {
          const line = JSON.stringify(value) + '\n';
          parts.push(line);
          size += line.length;
          if (size >= 256 * 1024) flush();
        },
        bad(n, message) {
          bad ??= `the ${WHAT[which]} file \`${name}\` row ${n}: ${message}; ${why}`;
        },
      },
      { ...read, ...options },
    );
    flush();
    await Promise.all(pending);
    out.end();
    await once(out, 'finish');
    if (bad) throw new TableFileError(bad);
  } catch (e) {
    out.destroy();
    await remove();
    throw tableError(e, which, name);
  }
  return { file: copy, remove };
}

/** A table of inputs as JSONL for a command or http source (tableAsJsonl), its cells typed by the input schema. */
export function inputsAsJsonl(file: string, format: Exclude<TabularFormat, 'jsonl'>, schema: object | undefined, name: string, options: { signal?: AbortSignal }): Promise<{ file: string; remove: () => Promise<void> }> {
  return tableAsJsonl(file, format, schema ? { types: tabular().columnTypes(schema) } : {}, 'inputs', name, 'a command or http source is given every input row, so every row must be usable', options);
}

/**
 * A table of outputs without a key as JSONL for the join by position
 * (tableAsJsonl). Its cells are typed by the output schema; with
 * `output.fields`, a column a field takes whole (`label: "$.pred"`) is typed
 * as that field, and a column the schema does not name is typed by its text
 * (a number is a number, true/false a boolean, JSON text parsed), since the
 * schema describes the shaped output, not the file's columns.
 */
export function keylessOutputsAsJsonl(file: string, format: Exclude<TabularFormat, 'jsonl'>, schema: object | undefined, shape: OutputShape, name: string, options: { signal?: AbortSignal }): Promise<{ file: string; remove: () => Promise<void> }> {
  return tableAsJsonl(file, format, outputColumns(schema, shape), 'current', name, 'outputs without a key join by position, so every row must be usable', options);
}

/**
 * How the cells of a table of outputs are typed: by the output schema's
 * columns; when the outputs are shaped (`output.fields`, `output.key.fromInput`)
 * the schema describes the shaped output, so a column a field takes whole
 * (`label: "$.pred"`) is typed as that field and the others by their text.
 */
export function outputColumns(schema: object | undefined, shape: OutputShape | undefined): { types: ColumnTypes; guess?: boolean } {
  const types = schema ? tabular().columnTypes(schema) : new Map<string, Set<string>>();
  if (!shape) return { types };
  for (const f of shape.fields ?? []) {
    const column = f.steps.length === 1 && typeof f.steps[0] === 'string' ? f.steps[0] : undefined;
    const type = types.get(f.name);
    if (column !== undefined && type && !types.has(column)) types.set(column, type);
  }
  return { types, guess: true };
}

/** For a command whose stdout is CSV (`source.format: csv`): how its cells are typed (ObtainOptions.csv); nothing otherwise. */
export function stdoutRead(source: { [k: string]: unknown }, schema: object | undefined, shape: OutputShape | undefined): { csv?: { types: ColumnTypes; guess?: boolean } } {
  return source.format === 'csv' ? { csv: outputColumns(schema, shape) } : {};
}
