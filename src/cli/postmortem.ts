// `rollback-lens postmortem <runbook> [--record <id>]`: writes the Markdown
// after-action review of the runbook's newest drill or rollback record (or of
// the record --record names: its line as `audit list` shows it, or its hash
// prefix) to postmortems/<runbook>/<day>-<kind>[-<scenario>].md beside the
// runbook (src/node/runbook/postmortem.ts), and says where. It never
// overwrites: a record that already has its post-mortem is refused.
// Exit 0 written, 2 usage or I/O error (no such record, already written).
import * as path from 'node:path';
import { AuditError } from '../node/audit';
import { calendarClock } from '../node/clock';
import { DocumentError } from '../node/documents';
import { PostmortemError, writePostmortem } from '../node/runbook/postmortem';
import { displayPath, findWorkspace } from '../node/workspace';
import { UsageError, type CliIO } from './io';

/** `rollback-lens postmortem <runbook>`, its options parsed by main() (src/cli/commands.ts). */
export async function postmortemCommand(
  { values, positionals }: { values: { record?: string; format: string; workspace?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!['text', 'json'].includes(values.format)) throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  const workspace = findWorkspace(io.cwd, values.workspace);
  const file = path.resolve(io.cwd, positionals[0]!);
  try {
    // main() has checked ROLLBACK_LENS_NOW
    const w = await writePostmortem(file, { workspace, today: calendarClock()(), ...(values.record !== undefined ? { record: values.record } : {}) });
    const shown = displayPath(io.cwd, w.file);
    const r = w.record.record;
    if (values.format === 'json') {
      io.stdout.write(JSON.stringify({ file: shown, record: { hash: w.record.hash, line: w.record.line, kind: r.kind, scenario: r.scenario, time: r.time, verdict: r.verdict } }, null, 2) + '\n');
    } else {
      const what = `${String(r.kind)}${typeof r.scenario === 'string' ? ` ${r.scenario}` : ''} (${String(r.verdict)}, ${String(r.time)})`;
      io.stdout.write(`wrote ${shown}: the after-action review of ${what}, audit record ${w.record.hash} (line ${w.record.line})\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof PostmortemError || e instanceof DocumentError || e instanceof AuditError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
