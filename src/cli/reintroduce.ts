// `rollback-lens reintroduce <runbook> [--scenario <id>] [--dry-run] [--approve role=name]... [--format text|json]`
// Walks the staged reintroduction (src/node/runbook/reintroduce.ts), telling
// each stage as it goes on stderr (text format), and records a
// `reintroduction` in the audit log. `--dry-run` prints the stage plan with
// each stage's flag edit and changes nothing (nor records anything). A stage's
// approval comes from `--approve role=name` (recorded as by flag), else a
// terminal prompt (by person), else the run refuses before the first stage.
// Ctrl+C stops the hold or check in progress and puts the flag back to the
// previous stage's split. Exit 0 completed (a drill: its expectation met), 1
// aborted, rejected, failed or cancelled (a drill: not met), 2 error.
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { reintroductionText, stagePlanText } from '../core/runbook/stages';
import { formatDuration, parseDuration } from '../core/util/values';
import { currentUser } from '../node/audit';
import { DocumentError, loadDocument } from '../node/documents';
import { planReintroduction, reintroduce, reintroductionRecord, ReintroductionError, type ReintroductionProgress } from '../node/runbook/reintroduce';
import { displayPath, findWorkspace } from '../node/workspace';
import { auditRun } from './auditRun';
import { UsageError, type CliIO } from './io';

export async function reintroduceCommand(
  { values, positionals }: { values: { scenario?: string; 'dry-run'?: boolean; approve?: string[]; poll?: string; format: string; workspace?: string; 'no-formats'?: boolean }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!['text', 'json'].includes(values.format)) throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  const approvals: Record<string, string> = {};
  for (const a of values.approve ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9_-]*)=(.+)$/.exec(a);
    if (!m) throw new UsageError(`--approve takes role=name (who approves), not \`${a}\``);
    approvals[m[1]!] = m[2]!;
  }
  const poll = values.poll === undefined ? undefined : parseDuration(values.poll);
  if (poll && (!poll.ok || poll.value <= 0)) throw new UsageError(`--poll takes a duration such as 30s or 1m, not \`${values.poll}\``);
  const workspace = findWorkspace(io.cwd, values.workspace);
  const file = path.resolve(io.cwd, positionals[0]!);
  const shown = displayPath(io.cwd, file);
  if (values['dry-run']) {
    try {
      const { dir, value } = await loadDocument(file, 'RollbackRunbook', { workspace });
      const plan = await planReintroduction(value, dir, workspace);
      if (!plan) {
        io.stderr.write(`rollback-lens: ${shown} has no \`reintroduction\`\n`);
        return 2;
      }
      io.stdout.write((values.format === 'json' ? JSON.stringify(plan, null, 2) : [`${shown}: reintroduction plan (dry-run, nothing changed)`, ...stagePlanText(plan).map((l) => `  ${l}`)].join('\n')) + '\n');
      return plan.problem ? 1 : 0;
    } catch (e) {
      if (e instanceof DocumentError) {
        io.stderr.write(`rollback-lens: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const tty = !!(process.stdin.isTTY && io.stdout.isTTY);
  const live = values.format === 'text' ? (e: ReintroductionProgress) => io.stderr.write(progressLine(e) + '\n') : undefined;
  try {
    const report = await reintroduce(file, {
      workspace,
      shownAs: shown,
      ...(values.scenario !== undefined ? { scenario: values.scenario } : {}),
      approvals,
      ...(values['no-formats'] ? { formats: false } : {}),
      ...(poll?.ok ? { pollMs: poll.value } : {}),
      signal: controller.signal,
      ...(live ? { onProgress: live } : {}),
      ...(tty
        ? {
            person: currentUser(),
            ask: async (role: string, stage: number, percent: number) => {
              const rl = createInterface({ input: process.stdin, output: process.stdout });
              const a = await rl.question(`stage ${stage} (${percent}%): does ${role} approve going on? [y/N] `);
              rl.close();
              return /^y(es)?$/i.test(a.trim());
            },
          }
        : {}),
    });
    await auditRun(io, workspace, reintroductionRecord(file, report));
    io.stdout.write((values.format === 'json' ? JSON.stringify(report, null, 2) : reintroductionText({ ...report, runbook: shown })) + '\n');
    return report.verdict === 'pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof ReintroductionError || e instanceof DocumentError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

/** One line of the live progress. */
function progressLine(e: ReintroductionProgress): string {
  switch (e.kind) {
    case 'stage':
      return `stage ${e.stage}/${e.of}: set ${e.percent}%: ${e.edit}`;
    case 'hold':
      return `stage ${e.stage}: ${e.holdMs ? (e.waited ? `holding ${formatDuration(e.holdMs)}` : `hold ${formatDuration(e.holdMs)} not waited (drill)`) : 'no hold'}`;
    case 'result':
      return `stage ${e.result.stage}: ${e.result.outcome} (${e.result.checks.length} check${e.result.checks.length === 1 ? '' : 's'}, ${e.result.abortOn.length} abortOn trigger${e.result.abortOn.length === 1 ? '' : 's'} evaluated)`;
    case 'rollback':
      return `stage ${e.stage}: ${e.to}`;
  }
}
