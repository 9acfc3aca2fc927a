// `rollback-lens validate`: the language service over files on disk
// (validatePaths), with each runbook's post-mortems (their action items:
// src/node/runbook/postmortem.ts), and the command that prints its findings
// as text, JSON or SARIF (validateCommand). Exit 0 no errors, 1 errors found, 2 usage or I/O
// error (a path that matches nothing, a file that cannot be read, a `--policy` that cannot be
// found). Each runbook and contract meets the policy that applies to it (src/node/policy.ts);
// a policy named by `--policy` is validated too, so its own errors are reported where they are.
import * as path from 'node:path';
import { DEFAULT_ANALYSIS_OPTIONS, DIAGNOSTIC_CODES, fileTooLarge, LanguageService, LineIndex } from '../core';
import { writeFileAtomic } from '../node/atomic';
import { drillHistoryFromAudit } from '../node/audit';
import { findDocuments, readDocument } from '../node/documents';
import { NodeHost } from '../node/language/host';
import { findWorkspace, isWithin, toWorkspacePath } from '../node/workspace';
import { displayPath } from '../node/workspace';
import { toFileDiagnostic, toJson, toSarif, toText, type FileDiagnostic } from './format';
import { UsageError, type CliIO } from './io';
import { VERSION } from './version';
import { plural } from '../core/util/plural';
import { postmortemDiagnostics } from '../node/runbook/postmortem';
import { calendarClockOrReal } from '../node/clock';
import { policyFor, type PolicyChoice } from '../node/policy';

export interface ValidateOptions {
  cwd: string;
  /** Workspace root: references must stay inside it. */
  workspace: string;
  maxFileSize?: number;
  now?: () => number;
  /** `--policy`: the policy every document meets instead of the nearest one. */
  policy?: PolicyChoice;
}

export interface ValidateResult {
  files: number;
  diagnostics: FileDiagnostic[];
  unmatched: string[];
  /** Files that could not be read at all. */
  ioErrors: Array<{ file: string; message: string }>;
}

export async function validatePaths(args: string[], options: ValidateOptions): Promise<ValidateResult> {
  const { files, unmatched } = await findDocuments(args, options.cwd);
  const maxSize = options.maxFileSize ?? DEFAULT_ANALYSIS_OPTIONS.maxSize;
  const hosts = new Map<string, { host: NodeHost; service: LanguageService }>();
  const serviceFor = (root: string) => {
    let h = hosts.get(root);
    if (!h) {
      const policy = options.policy;
      const host = new NodeHost(root, { ...drillHistoryFromAudit(root), ...(options.now ? { now: options.now } : {}), policy: () => policy });
      h = { host, service: new LanguageService(host, { ...DEFAULT_ANALYSIS_OPTIONS, maxSize }) };
      hosts.set(root, h);
    }
    return h;
  };
  const diagnostics: FileDiagnostic[] = [];
  const ioErrors: ValidateResult['ioErrors'] = [];
  for (const file of files) {
    const shown = displayPath(options.cwd, file);
    // a file outside the workspace is its own workspace: its folder
    const root = isWithin(options.workspace, file) ? options.workspace : path.dirname(file);
    const read = await readDocument(file, maxSize);
    if (read.kind === 'error') {
      ioErrors.push({ file: shown, message: read.message });
      continue;
    }
    if (read.kind === 'too-large') {
      diagnostics.push(toFileDiagnostic(shown, fileTooLarge(read.size, maxSize), () => ({ line: 0, character: 0 })));
      continue;
    }
    const { service } = serviceFor(root);
    const doc = { uri: file, version: 1, path: toWorkspacePath(root, file), text: read.text };
    const found = await service.validate(doc);
    service.close(file);
    const index = new LineIndex(read.text);
    for (const d of found) diagnostics.push(toFileDiagnostic(shown, d, (o) => index.positionAt(o)));
    // a runbook's post-mortems (postmortems/<runbook>/*.md beside it): overdue action items, owners that are not roles, malformed tables
    if (/\.runbook\.ya?ml$/i.test(file)) {
      for (const p of await postmortemDiagnostics(file, root, (options.now ?? calendarClockOrReal())())) {
        const at = new LineIndex(p.text);
        for (const d of p.diagnostics) diagnostics.push(toFileDiagnostic(displayPath(options.cwd, p.file), d, (o) => at.positionAt(o)));
      }
    }
  }
  return { files: files.length, diagnostics, unmatched, ioErrors };
}

/** `rollback-lens validate [paths...]`, its options parsed by main() (src/cli/commands.ts). */
export async function validateCommand(
  { values, positionals }: { values: { format: string; workspace?: string; 'max-file-size'?: string; out?: string; policy?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  const format = values.format;
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not \`${format}\``);
  const maxFileSize = values['max-file-size'] !== undefined ? Number(values['max-file-size']) : undefined;
  if (maxFileSize !== undefined && !(maxFileSize > 0)) throw new UsageError('--max-file-size must be a positive number of bytes');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const args = positionals.length ? positionals : ['.'];
  let policy: PolicyChoice | undefined;
  if (values.policy !== undefined) {
    if (values.policy.trim() === '') throw new UsageError('--policy needs a policy file or package');
    policy = { name: values.policy, from: 'cli', cwd: io.cwd };
    const found = await policyFor(workspace, '', policy);
    if (found && 'code' in found) {
      io.stderr.write(`rollback-lens: ${found.message}\n`);
      return 2;
    }
    // the policy's own problems are reported where they are
    if (found) args.push(path.resolve(workspace, found.shown));
  }
  const result = await validatePaths(args, { cwd: io.cwd, workspace, ...(maxFileSize ? { maxFileSize } : {}), ...(policy ? { policy } : {}) });
  for (const u of result.unmatched) io.stderr.write(`rollback-lens: no runbook or contract matches \`${u}\`\n`);
  for (const e of result.ioErrors) io.stderr.write(`rollback-lens: cannot read ${e.file}: ${e.message}\n`);
  const report =
    format === 'json' ? toJson(result.diagnostics) : format === 'sarif' ? toSarif(result.diagnostics, VERSION, DIAGNOSTIC_CODES) : toText(result.diagnostics);
  if (values.out) {
    await writeFileAtomic(path.resolve(io.cwd, values.out), report + '\n');
  } else if (report) io.stdout.write(report + '\n');
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
  if (format === 'text' || values.out) {
    io.stderr.write(`${plural(result.files, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  }
  if (result.ioErrors.length || (result.unmatched.length && result.files === 0)) return 2;
  if (result.unmatched.length) return 2;
  return errors > 0 ? 1 : 0;
}
