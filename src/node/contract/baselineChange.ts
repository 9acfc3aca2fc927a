// What replacing a baseline would change, said before it is replaced, and the
// dated copy of what it replaces.
//
// describeChange() reads the baseline on disk (when there is one) and the new
// outputs (JSONL, or a table read by src/node/tabular), pairs their rows by the contract's output key (rows without the
// key, or no key: by position), and counts the rows that differ (values
// compared as parsed JSON, so `0.5` and `0.50` or another key order are the
// same row), the keys only the new outputs have and the ones only the old
// baseline has. It also says, as sentences, where the version being recorded
// disagrees with the version in the file name (`baseline-1.4.2.jsonl`) or
// with the model version the old sidecar names: the mistake it guards
// against is recording the current release's outputs over the target
// release's baseline. Memory: one short digest per row of the old baseline.
//
// keepCopies() copies the baseline and its sidecar to
// `<keepDir>/<name>.replaced-<time><ext>` before they are replaced, so a
// baseline replaced by mistake can be put back by hand (the CLI and the
// editor keep them under `<workspace>/.rollback-lens/baselines/`).
import { sortKeysDeep } from '../../core/util/object';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJsonl } from '../jsonl';
import type { TabularFormat } from '../tabular';
import { tabular } from '../tabularModule';

export interface BaselineChange {
  /** The baseline it replaces; absent when there is none yet. */
  previous?: { rows: number; model?: string; version?: string; recordedAt?: string };
  /** Rows of the new outputs. */
  rows: number;
  /** Rows present in both whose values differ. */
  differ: number;
  /** Rows (keys) only the new outputs have, and only the old baseline has. */
  added: number;
  removed: number;
  /** The version being recorded, and the one the file name carries (if any). */
  version: string;
  fileVersion?: string;
  /** Each disagreement between the versions, as a sentence; empty when they agree. */
  warnings: string[];
}

/** The last version-like part of a file name: `baseline-1.4.2.jsonl` -> `1.4.2`, `b-v2.0.0-rc1.csv` -> `2.0.0-rc1`. */
export function versionInFileName(file: string): string | undefined {
  const name = path.basename(file).replace(/\.[^.]+$/, '');
  const all = [...name.matchAll(/(?<![\d.])v?(\d+(?:\.\d+)+(?:-[0-9A-Za-z.]+)?)(?![\d])/g)];
  return all.length ? all[all.length - 1]![1] : undefined;
}

/** A row as parsed JSON with its keys sorted, so formatting does not count as a difference. */
function canonical(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return JSON.stringify(sortKeysDeep(value));
}

function keyOf(text: string, key: string | undefined, index: number): string {
  if (key) {
    try {
      const v = (JSON.parse(text) as Record<string, unknown> | null)?.[key];
      if (typeof v === 'string' || typeof v === 'number') return `k:${String(v)}`;
    } catch {
      /* by position */
    }
  }
  return `#${index}`;
}

const digest = (text: string): string => createHash('sha1').update(canonical(text)).digest('base64');

/** Each usable row of a file (JSONL lines as they are, a table's rows as JSON), in order. */
async function eachRow(file: string, format: TabularFormat, fn: (text: string) => void): Promise<void> {
  if (format === 'jsonl') {
    for await (const l of readJsonl(file)) if ('text' in l) fn(l.text);
    return;
  }
  await fs.stat(file); // a missing file is ENOENT, as for JSONL
  await tabular().readTable(file, format, { row: (_n, v) => fn(JSON.stringify(v)), bad: () => undefined });
}

export async function describeChange(o: { baseline: string; next: string; format?: TabularFormat; rows: number; version: string; previous?: { model?: string; version?: string; recordedAt?: string }; key?: string }): Promise<BaselineChange> {
  const fileVersion = versionInFileName(o.baseline);
  const name = path.basename(o.baseline);
  const warnings: string[] = [];
  if (fileVersion && fileVersion !== o.version) warnings.push(`the file name says ${fileVersion}, the outputs are recorded as ${o.version}`);
  const old = new Map<string, string>();
  let exists = true;
  try {
    let i = 0;
    await eachRow(o.baseline, o.format ?? 'jsonl', (text) => old.set(keyOf(text, o.key, i++), digest(text)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    exists = false;
  }
  const change: BaselineChange = { rows: o.rows, differ: 0, added: 0, removed: 0, version: o.version, ...(fileVersion ? { fileVersion } : {}), warnings };
  if (!exists) return change;
  const prevVersion = o.previous?.version;
  if (prevVersion && prevVersion !== o.version) warnings.push(`${name} holds outputs of ${o.previous?.model ? `${o.previous.model} ` : ''}${prevVersion} (its sidecar), the new ones are recorded as ${o.version}`);
  change.previous = {
    rows: old.size,
    ...(o.previous?.model ? { model: o.previous.model } : {}),
    ...(prevVersion ? { version: prevVersion } : {}),
    ...(o.previous?.recordedAt ? { recordedAt: o.previous.recordedAt } : {}),
  };
  const seen = new Set<string>();
  let i = 0;
  await eachRow(o.next, o.format ?? 'jsonl', (text) => {
    const k = keyOf(text, o.key, i++);
    if (seen.has(k)) return;
    seen.add(k);
    const before = old.get(k);
    if (before === undefined) change.added++;
    else if (before !== digest(text)) change.differ++;
  });
  for (const k of old.keys()) if (!seen.has(k)) change.removed++;
  return change;
}

/** The change as one sentence: `20 of 150 rows differ from the baseline it replaces (iris-classifier 1.4.2, recorded 2036-01-01T00:00:00Z)`. */
export function changeSummary(c: BaselineChange): string {
  if (!c.previous) return 'there is no baseline yet';
  const p = c.previous;
  const who = [p.model, p.version].filter(Boolean).join(' ');
  const about = [who, p.recordedAt ? `recorded ${p.recordedAt}` : ''].filter(Boolean).join(', ');
  const extra = [c.added ? `${c.added} new` : '', c.removed ? `${c.removed} gone` : ''].filter(Boolean);
  return `${c.differ} of ${c.rows} rows differ from the baseline it replaces${about ? ` (${about})` : ''}${extra.length ? `; ${extra.join(', ')}` : ''}`;
}

/** Where replaced baselines are kept: `<workspace>/.rollback-lens/baselines/<the baseline's folder, relative to the workspace>`. */
export function keepDirFor(workspace: string, baseline: string): string {
  const rel = path.relative(workspace, path.dirname(baseline));
  return path.join(workspace, '.rollback-lens', 'baselines', rel.startsWith('..') || path.isAbsolute(rel) ? '' : rel);
}

/** Copies the baseline and its sidecar (when there is one) to dated names in keepDir; returns their paths. */
export async function keepCopies(baseline: string, sidecar: string, keepDir: string, at: string): Promise<{ baseline: string; sidecar?: string }> {
  await fs.mkdir(keepDir, { recursive: true });
  const stamp = at.replace(/:/g, '-');
  const dated = (file: string): string => {
    const ext = file.endsWith('.meta.json') ? '.meta.json' : path.extname(file);
    return path.join(keepDir, `${path.basename(file, ext)}.replaced-${stamp}${ext}`);
  };
  const kept: { baseline: string; sidecar?: string } = { baseline: dated(baseline) };
  await fs.copyFile(baseline, kept.baseline, fs.constants.COPYFILE_EXCL);
  try {
    await fs.copyFile(sidecar, dated(sidecar), fs.constants.COPYFILE_EXCL);
    kept.sidecar = dated(sidecar);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return kept;
}
