// `rollback-lens drill <runbook> --scenario <id> [--verify-idempotent] [--format text|json]`
// Exit 0 the drill met the scenario's expectations, 1 it did not, 2 error.
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { formatDuration } from '../core/values';
import { drill, DrillError, type DrillReport } from '../node/drill';
import type { CliIO } from './main';
import { record } from './record';

export const DRILL_USAGE = `  drill <runbook> --scenario <id> Run the rollback for real in the sandbox with the scenario's faults injected;
                                 undo completed steps when one fails; time detect, decide, execute, verify.
    --verify-idempotent          run each mutating step do → undo → do and compare its check
    --format text|json           text (default) or the report as JSON
    --workspace <dir>            files the runbook names must stay inside it (default: cwd)`;

export async function drillCommand(argv: string[], io: CliIO, usageError: (m: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { scenario: { type: 'string' }, 'verify-idempotent': { type: 'boolean' }, format: { type: 'string', default: 'text' }, workspace: { type: 'string' } },
  });
  if (positionals.length !== 1) throw usageError('drill needs exactly one runbook file');
  if (!values.scenario) throw usageError('drill needs --scenario <id>');
  if (!['text', 'json'].includes(values.format!)) throw usageError(`--format must be text or json, not \`${values.format}\``);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const tty = !!(process.stdin.isTTY && (io.stdout as { isTTY?: boolean }).isTTY);
  try {
    const workspace = path.resolve(io.cwd, values.workspace ?? '.');
    const file = path.resolve(io.cwd, positionals[0]!);
    const report = await drill(file, {
      workspace,
      scenario: values.scenario,
      verifyIdempotent: !!values['verify-idempotent'],
      signal: controller.signal,
      ...(tty
        ? {
            ask: async (role: string, step: string) => {
              const rl = createInterface({ input: process.stdin, output: process.stdout });
              const a = await rl.question(`${step}: does ${role} approve the rollback? [y/N] `);
              rl.close();
              return /^y(es)?$/i.test(a.trim());
            },
          }
        : {}),
    });
    await record(io, workspace, { kind: 'drill', path: file, verdict: report.verdict, scenario: report.scenario, outcome: report.outcome, timings: report.timings, findings: { restored: report.restored, ...(report.reason ? { reason: report.reason } : {}) } });
    io.stdout.write((values.format === 'json' ? JSON.stringify(report, null, 2) : toText(report)) + '\n');
    return report.verdict === 'pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof DrillError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

export function toText(r: DrillReport): string {
  const lines = [`Drill ${r.scenario} of ${r.runbook}`];
  lines.push(`  triggers: ${r.triggers.map((t) => `${t.id}${t.fired ? ' fired' : ''}${t.value !== undefined ? ` (${t.metric} = ${t.value})` : ''}`).join(', ') || 'none'}`);
  for (const s of r.steps) lines.push(`  ${s.outcome.padEnd(11)} ${s.id} (${s.kind}, ${formatDuration(Math.round(s.durationMs)) || '0s'})${s.message ? ` — ${s.message}` : ''}`);
  const t = r.timings;
  lines.push(`  detect ${formatDuration(t.detectMs)}, decide ${formatDuration(t.decideMs)}, execute ${formatDuration(t.executeMs)}, verify ${formatDuration(t.verifyMs)}`);
  for (const e of r.expectations) lines.push(`  ${e.met ? '✓' : '✗'} ${e.what} ${formatDuration(e.limitMs)}: took ${formatDuration(e.actualMs)}`);
  lines.push(`${r.verdict === 'pass' ? 'PASS' : 'FAIL'}: ${r.outcome}${r.reason ? ` — ${r.reason}` : ''}`);
  return lines.join('\n');
}
