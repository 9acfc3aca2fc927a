// Post-mortems on disk: which audit record one is written from
// (selectRecord: the runbook's newest drill or rollback record, or the one
// `--record` names by its hash prefix or its line in the log), where it goes
// (postmortems/<runbook file name>/<record day>-<kind>[-<scenario>].md in the
// runbook's folder, committed beside it), writing it (writePostmortem: never
// over an existing file: a second record of the same day gets `-2`, `-3`…,
// and a record that already has its post-mortem is refused, naming the file),
// and the findings of every post-mortem of a runbook (postmortemDiagnostics:
// overdue open action items, owners that are not roles, malformed tables),
// which `validate` prints and the editor shows in the problems panel; and,
// for the editor, the runbook a post-mortem belongs to (postmortemRunbook) and
// whether the log holds a record to write one from (hasPostmortemRecord).
// Every path is confined to the workspace (a postmortems folder linked
// outside is refused, and not read); a post-mortem over MAX_POSTMORTEM_BYTES
// is one error, never read whole; the file is created with O_EXCL, so two
// writers cannot both create one name.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../core/types';
import { asObject } from '../../core/util/object';
import { checkPostmortem, postmortemFileName, recordHashOf, renderPostmortem, type PostmortemRecord } from '../../core/runbook/postmortem';
import { AUDIT_LOG, cachedAuditRead, readAuditLog, type AuditEntry } from '../audit';
import { loadDocument } from '../documents';
import { confinePath, toWorkspacePath } from '../workspace';

export class PostmortemError extends Error {}

/** The record kinds a post-mortem is written from. */
export const POSTMORTEM_KINDS: readonly string[] = ['drill', 'rollback'];
/** Folder of a workspace's post-mortems, beside each runbook. */
export const POSTMORTEMS_DIR = 'postmortems';

/** `<runbook's folder>/postmortems/<runbook file name without .runbook.yaml>`. */
export function postmortemFolder(runbookFile: string): string {
  const abs = path.resolve(runbookFile);
  return path.join(path.dirname(abs), POSTMORTEMS_DIR, path.basename(abs).replace(/\.runbook\.ya?ml$/i, ''));
}

/** `--record`: a line of the log as `audit list` shows it (`12`), or a hash prefix (`sha256:1a2b3c4d`, `1a2b3c4d`: at least 8 hex digits). */
export function parseRecordId(id: string): { line: number } | { prefix: string } | undefined {
  const t = id.trim().toLowerCase();
  if (/^[1-9]\d{0,6}$/.test(t)) return { line: Number(t) };
  const hex = t.replace(/^sha256:/, '');
  return /^[0-9a-f]{8,64}$/.test(hex) ? { prefix: hex } : undefined;
}

const describe = (e: AuditEntry) => `the record at line ${e.line} is of kind ${e.record.kind} (about ${e.record.path})`;

/** The record a post-mortem of `rel` is written from: the newest drill or rollback of it, or the one `id` names. */
export async function selectRecord(workspace: string, rel: string, id?: string): Promise<PostmortemRecord> {
  const log = await readAuditLog(workspace);
  const own = (e: AuditEntry) => POSTMORTEM_KINDS.includes(e.record.kind) && e.record.path === rel;
  let entry: AuditEntry | undefined;
  if (id === undefined) {
    entry = log.entries.filter(own).at(-1);
    if (!entry) throw new PostmortemError(`no drill or rollback of ${rel} is recorded in ${AUDIT_LOG}: run \`rollback-lens drill ${rel} --scenario <id>\` first`);
  } else {
    const want = parseRecordId(id);
    if (!want) throw new PostmortemError(`--record must be a line of ${AUDIT_LOG} as \`audit list\` shows it (e.g. 12) or a record's hash prefix of at least 8 hex digits (e.g. sha256:1a2b3c4d), not \`${id}\``);
    const found = 'line' in want ? log.entries.filter((e) => e.line === want.line) : log.entries.filter((e) => e.hash.slice('sha256:'.length).startsWith(want.prefix));
    if (!found.length) throw new PostmortemError(`no record of ${AUDIT_LOG} is ${'line' in want ? `at line ${want.line}` : `sha256:${want.prefix}…`}`);
    if (found.length > 1 && 'prefix' in want) throw new PostmortemError(`sha256:${want.prefix}… names ${found.length} records (lines ${found.map((e) => e.line).join(', ')}): give more digits`);
    entry = found[0]!;
    if (!own(entry)) throw new PostmortemError(`${describe(entry)}, not a drill or rollback of ${rel}`);
  }
  return { hash: entry.hash, line: entry.line, record: entry.record };
}

export interface WriteOptions {
  workspace: string;
  /** `--record`: see parseRecordId. */
  record?: string;
  /** Today (the calendar), epoch ms. */
  today: number;
}

export interface Written {
  /** Absolute path of the post-mortem written. */
  file: string;
  record: PostmortemRecord;
  text: string;
}

/** Writes the post-mortem of a runbook's drill or rollback record; refuses a record that already has one. */
export async function writePostmortem(runbookFile: string, options: WriteOptions): Promise<Written> {
  const doc = await loadDocument(runbookFile, 'RollbackRunbook', { workspace: options.workspace, allowErrors: true });
  const record = await selectRecord(options.workspace, doc.rel, options.record);
  const folder = postmortemFolder(doc.file);
  const confined = await confinePath(options.workspace, folder, toWorkspacePath(options.workspace, folder), 'the post-mortem folder');
  if (!confined.ok) throw new PostmortemError(confined.message);
  for (const existing of await markdownFiles(folder)) {
    const text = await head(existing);
    if (recordHashOf(text) === record.hash) {
      throw new PostmortemError(
        `the post-mortem of ${record.record.kind} record ${record.hash.slice(0, 'sha256:'.length + 12)}… (line ${record.line} of ${AUDIT_LOG}) is already written: ${toWorkspacePath(options.workspace, existing)}; edit it, or choose another record with --record`,
      );
    }
  }
  const text = renderPostmortem(record, {
    runbook: doc.rel,
    runbookLink: path.relative(folder, doc.file).split(path.sep).join('/'),
    auditLog: AUDIT_LOG,
    value: doc.value,
    today: options.today,
  });
  await fs.mkdir(folder, { recursive: true });
  const name = postmortemFileName(record).replace(/\.md$/, '');
  for (let n = 1; n < 1000; n++) {
    const file = path.join(folder, `${name}${n > 1 ? `-${n}` : ''}.md`);
    try {
      await fs.writeFile(file, text, { flag: 'wx' });
      return { file, record, text };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new PostmortemError(`cannot write ${toWorkspacePath(options.workspace, file)}: ${(e as Error).message}`);
    }
  }
  throw new PostmortemError(`${toWorkspacePath(options.workspace, folder)} already holds 999 post-mortems named ${name}`);
}

/** Largest post-mortem checked (as validate's default for runbooks); a larger one is one error, never read whole. */
export const MAX_POSTMORTEM_BYTES = 5 * 1024 * 1024;
/** How much of an existing post-mortem is read to find the record it names (its `**Audit record**` line is near the top). */
const HEAD_BYTES = 64 * 1024;

async function head(file: string): Promise<string> {
  const h = await fs.open(file, 'r').catch(() => undefined);
  if (!h) return '';
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await h.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await h.close();
  }
}

async function markdownFiles(folder: string): Promise<string[]> {
  const names = await fs.readdir(folder).catch(() => [] as string[]);
  return names.filter((n) => n.toLowerCase().endsWith('.md')).sort().map((n) => path.join(folder, n));
}

export interface PostmortemFindings {
  /** Absolute path of the post-mortem. */
  file: string;
  text: string;
  diagnostics: Diagnostic[];
}

/** The findings of every post-mortem of a runbook (its roles as declared now), judged at `now`; none when it has no postmortems folder. */
export async function postmortemDiagnostics(runbookFile: string, workspace: string, now: number): Promise<PostmortemFindings[]> {
  const folder = postmortemFolder(runbookFile);
  const files = await markdownFiles(folder);
  if (!files.length) return [];
  const confined = await confinePath(workspace, folder);
  if (!confined.ok) return [];
  let roles: string[];
  try {
    roles = Object.keys(asObject((await loadDocument(runbookFile, 'RollbackRunbook', { workspace, allowErrors: true })).value.roles));
  } catch {
    // a runbook that cannot be read has its own diagnostics; its post-mortems wait for it
    return [];
  }
  const out: PostmortemFindings[] = [];
  for (const file of files) {
    const real = await confinePath(workspace, file);
    if (!real.ok) continue;
    const size = (await fs.stat(real.real).catch(() => undefined))?.size;
    if (size === undefined) continue;
    if (size > MAX_POSTMORTEM_BYTES) {
      const message = `the file is ${size} bytes; a post-mortem is checked up to ${MAX_POSTMORTEM_BYTES} bytes`;
      out.push({ file, text: '', diagnostics: [{ span: { start: 0, end: 0 }, severity: 'error', code: 'file-too-large', message }] });
      continue;
    }
    const text = await fs.readFile(real.real, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    out.push({ file, text, diagnostics: checkPostmortem(text, roles, now) });
  }
  return out;
}

/** The runbook a post-mortem belongs to (`<dir>/postmortems/<name>/<file>.md` → `<dir>/<name>.runbook.yaml` or `.yml`, whichever exists); undefined for any other file. */
export function postmortemRunbook(file: string): string | undefined {
  const abs = path.resolve(file);
  if (!abs.toLowerCase().endsWith('.md')) return undefined;
  const name = path.dirname(abs);
  const folder = path.dirname(name);
  if (path.basename(folder) !== POSTMORTEMS_DIR) return undefined;
  for (const ext of ['.runbook.yaml', '.runbook.yml']) {
    const runbook = path.join(path.dirname(folder), path.basename(name) + ext);
    if (existsSync(runbook)) return runbook;
  }
  return undefined;
}

const recorded = new Map<string, () => Promise<Set<string> | undefined>>();

/** Whether the workspace's audit log holds a drill or rollback record of the runbook `rel` (workspace-relative): the log is read again only when it changed. */
export async function hasPostmortemRecord(workspace: string, rel: string): Promise<boolean> {
  let read = recorded.get(workspace);
  if (!read) {
    read = cachedAuditRead(workspace, async () => {
      try {
        return new Set((await readAuditLog(workspace)).entries.filter((e) => POSTMORTEM_KINDS.includes(e.record.kind)).map((e) => e.record.path));
      } catch {
        return undefined;
      }
    });
    recorded.set(workspace, read);
  }
  return (await read())?.has(rel) ?? false;
}
