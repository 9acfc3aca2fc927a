// `rollback-lens closure <runbook> [--verify] [--confirm <n|text>]... [--checklist]`
// shows the closure status of the runbook's latest rollback (from the audit
// log) after doing the steps asked for, in that order: run closure.verify,
// confirm the named checklist items, ask for each unconfirmed item on a
// terminal (--checklist). `rollback-lens close <runbook>` records the close,
// or names what is missing. Exit codes: 0 done (closure: every step asked
// for succeeded; close: recorded), 1 refused (no rollback, already closed,
// something missing) or verify did not pass, 2 usage or I/O error.
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { closureText } from '../core/runbook/closure';
import { AuditError, type AuditRecord } from '../node/audit';
import { closeRollback, closureStatus, confirmItem, ClosureError, ClosureRefused, verifyClosure } from '../node/runbook/closure';
import { displayPath, findWorkspace } from '../node/workspace';
import { UsageError, type CliIO } from './io';

/** `rollback-lens closure <runbook>`, its options parsed by main() (src/cli/commands.ts). */
export async function closureCommand(
  { values, positionals }: { values: { verify?: boolean; confirm?: string[]; checklist?: boolean; format: string; workspace?: string; 'no-formats'?: boolean }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!['text', 'json'].includes(values.format)) throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  const tty = !!(process.stdin.isTTY && io.stdout.isTTY);
  if (values.checklist && !tty) throw new UsageError('--checklist asks on a terminal; without one, give --confirm <n|text> for each item');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const file = path.resolve(io.cwd, positionals[0]!);
  const shown = displayPath(io.cwd, file);
  const json = values.format === 'json';
  const say = (line: string) => !json && io.stdout.write(line + '\n');
  const recorded: AuditRecord[] = [];
  let code = 0;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    if (values.verify) {
      const r = await verifyClosure(file, {
        shownAs: shown,
        workspace,
        signal: controller.signal,
        ...(values['no-formats'] ? { formats: false } : {}),
        onTest: (e) => e.phase === 'start' && say(`verify: ${e.test ?? 'every test'} of ${e.contract}…`),
      });
      recorded.push(r);
      say(`closure.verify ${r.verdict} (closure-verify record at ${r.time}, by ${r.user})`);
      if (r.verdict !== 'pass') code = 1;
    }
    for (const which of values.confirm ?? []) {
      const c = await confirmItem(file, { workspace, item: which, shownAs: shown });
      if (c.record) recorded.push(c.record);
      say(c.record ? `confirmed checklist item ${c.index}: ${c.text} (checklist record at ${c.record.time}, by ${c.record.user})` : `checklist item ${c.index} was already confirmed (${c.already!.user}, ${c.already!.time}); nothing recorded`);
    }
    if (values.checklist) {
      const s = await closureStatus(file, workspace);
      // one reader for every question, its lines queued: answers typed ahead (or piped into the terminal) wait
      // for their question; Ctrl+D or Ctrl+C stops the asking, what was confirmed stays recorded
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      rl.on('SIGINT', () => rl.close());
      const lines = rl[Symbol.asyncIterator]();
      try {
        for (const it of s.checklist.items.filter((x) => !x.confirmed)) {
          io.stdout.write(`confirm checklist item ${it.index}/${s.checklist.total}: ${it.text}? [y/N] `);
          const a = await lines.next();
          if (a.done) {
            io.stdout.write('\n');
            break;
          }
          if (!/^y(es)?$/i.test(String(a.value).trim())) continue;
          const c = await confirmItem(file, { workspace, item: it.index, shownAs: shown });
          if (c.record) recorded.push(c.record);
        }
      } finally {
        rl.close();
      }
    }
    const status = await closureStatus(file, workspace);
    io.stdout.write((json ? JSON.stringify({ runbook: shown, recorded, status }, null, 2) : closureText(shown, status)) + '\n');
    return code;
  } catch (e) {
    return failure(io, e);
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

/** `rollback-lens close <runbook>`, its options parsed by main() (src/cli/commands.ts). */
export async function closeCommand({ values, positionals }: { values: { format: string; workspace?: string }; positionals: string[] }, io: CliIO): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!['text', 'json'].includes(values.format)) throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  const workspace = findWorkspace(io.cwd, values.workspace);
  const file = path.resolve(io.cwd, positionals[0]!);
  const shown = displayPath(io.cwd, file);
  try {
    const r = await closeRollback(file, { workspace, shownAs: shown });
    io.stdout.write(values.format === 'json' ? JSON.stringify(r, null, 2) + '\n' : `closed the rollback of ${shown} (close record at ${r.time}, by ${r.user})\n`);
    return 0;
  } catch (e) {
    if (e instanceof ClosureRefused && values.format === 'json') {
      io.stdout.write(JSON.stringify({ refused: e.message, missing: e.missing }, null, 2) + '\n');
      return 1;
    }
    return failure(io, e);
  }
}

function failure(io: CliIO, e: unknown): number {
  if (e instanceof ClosureRefused) {
    io.stderr.write(`rollback-lens: ${e.message}${e.missing.map((m) => `\n  - ${m}`).join('')}\n`);
    return 1;
  }
  if (e instanceof ClosureError || e instanceof AuditError) {
    io.stderr.write(`rollback-lens: ${e.message}\n`);
    return 2;
  }
  throw e;
}
