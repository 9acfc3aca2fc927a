// `rollback-lens rollback <runbook> [--approve role=name]... [--force <reason>] [--format text|json]`
// Performs the rollback for real (src/node/runbook/rollback.ts): refused
// when the dry-run says NOT READY (its blocking findings printed at
// file:line:col) unless --force gives a reason. Each step's start and result
// is printed as it happens (to stdout; to stderr with --format json, so stdout
// stays the JSON report). An approval gate's role is answered by its
// `--approve role=name` (recorded as by flag), else asked on the terminal
// (naming the role, its name and contact), else, with no terminal, the gate
// rejects and says why: never a hang. With --sign-key (or
// $ROLLBACK_LENS_SIGNING_KEY) the approvals are SSH-signed (src/cli/signing.ts,
// auditRun.ts); the key and the signer's --approve roles are checked before
// anything runs. Ctrl+C stops the running step and
// undoes the completed ones. Exit 0 restored and verified, 1 failed, undone,
// rejected or cancelled, 2 usage, refused or I/O error.
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { rollbackProgressLine, rollbackText, roleText } from '../core/runbook/rollback';
import { DrillError } from '../node/runbook/drill';
import { rollback, RollbackRefused, rollbackRecords, rollbackPlan } from '../node/runbook/rollback';
import { runbookRoles } from '../node/runbook/signoff';
import { UsageError, type CliIO } from './io';
import { auditRunSigned } from './auditRun';
import { roleRefusal, SigningError } from '../node/signing';
import { signerOf, type SigningFlags } from './signing';
import { displayPath, findWorkspace } from '../node/workspace';
import type { GateReply } from '../core/runbook/report';

type Values = { approve?: string[]; force?: string; format: string; workspace?: string; 'no-formats'?: boolean } & SigningFlags;

/** `--approve role=name`, each role once. */
function approversOf(flags: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of flags) {
    const m = /^([^=\s]+)=(.*\S.*)$/.exec(f);
    if (!m) throw new UsageError(`--approve takes role=name (who approves for the role), not \`${f}\``);
    if (out.has(m[1]!)) throw new UsageError(`--approve gives role \`${m[1]}\` twice`);
    out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

/** `rollback-lens rollback <runbook>`, its options parsed by main() (src/cli/commands.ts). */
export async function rollbackCommand({ values, positionals }: { values: Values; positionals: string[] }, io: CliIO): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one runbook file');
  if (!['text', 'json'].includes(values.format)) throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  if (values.force !== undefined && !values.force.trim()) throw new UsageError('--force needs a reason (it is recorded in the audit log)');
  const approvers = approversOf(values.approve ?? []);
  const live = values.format === 'json' ? io.stderr : io.stdout;
  const say = (line: string) => live.write(line + '\n');
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const tty = !!(process.stdin.isTTY && (io.stdout as { isTTY?: boolean }).isTTY);
  try {
    const workspace = findWorkspace(io.cwd, values.workspace);
    const file = path.resolve(io.cwd, positionals[0]!);
    const shown = displayPath(io.cwd, file);
    const roles = await runbookRoles(file);
    for (const role of approvers.keys()) {
      if (!roles.has(role)) throw new UsageError(`--approve ${role}=…: ${shown} declares no role \`${role}\` (it declares ${[...roles.keys()].map((r) => `\`${r}\``).join(', ') || 'none'})`);
    }
    // a key that cannot sign, or a signer who may not sign for an --approve role, stops here, before anything runs
    const signer = await signerOf(values, workspace, tty);
    for (const role of signer ? approvers.keys() : []) {
      const refusal = roleRefusal(signer!, role);
      if (refusal) throw new UsageError(`--approve ${role}=…: cannot sign it: ${refusal}`);
    }
    const plan = await rollbackPlan(file);
    say(`Rolling back ${plan.current} → ${plan.target} with ${shown}, for real (not a drill)`);
    const ask = async (role: string, step: string): Promise<GateReply> => {
      const who = roleText(roles.get(role) ?? { role });
      const name = approvers.get(role);
      if (name) {
        say(`✓ ${step}: ${who} approved by ${name} (--approve)`);
        return { approve: true, by: 'flag', name };
      }
      if (!tty) {
        const note = `no one to answer for ${role}: not a terminal, and no --approve ${role}=<name>`;
        say(`✗ ${step}: ${who}: ${note}; the gate rejects`);
        return { approve: false, note };
      }
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      // Ctrl+C at the question is the rollback's cancel (readline takes it from the terminal)
      rl.on('SIGINT', () => controller.abort());
      try {
        const a = await rl.question(`${step}: does ${who} approve rolling back ${plan.current} → ${plan.target}? [y/N] `, { signal: controller.signal });
        return { approve: /^y(es)?$/i.test(a.trim()), by: 'person', name: userInfo().username };
      } catch {
        return { approve: false, by: 'person' };
      } finally {
        rl.close();
      }
    };
    const report = await rollback(file, {
      workspace,
      shownAs: shown,
      signal: controller.signal,
      ...(values['no-formats'] ? { formats: false } : {}),
      ...(values.force !== undefined ? { force: values.force } : {}),
      ask,
      onDryRun: (dry) => {
        const blocking = dry.findings.filter((f) => f.severity === 'error');
        if (dry.verdict === 'ready') say('Dry-run: READY');
        else {
          say(`Dry-run: NOT READY, ${blocking.length} blocking finding(s):`);
          for (const f of blocking) say(`  ${shown}${f.line ? `:${f.line}:${f.column}` : ''}: ${f.severity} ${f.code} ${f.message}`);
          if (values.force !== undefined) say(`Forced: ${values.force.trim()}`);
        }
      },
      onProgress: (e) => say(rollbackProgressLine(e)),
    });
    await auditRunSigned(io, workspace, signer, rollbackRecords(file, report));
    io.stdout.write((values.format === 'json' ? JSON.stringify(report, null, 2) : rollbackText({ ...report, runbook: shown })) + '\n');
    return report.verdict === 'pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof RollbackRefused) {
      io.stderr.write(`rollback-lens: refused: ${e.message}\n`);
      return 2;
    }
    if (e instanceof DrillError || e instanceof SigningError) {
      io.stderr.write(`rollback-lens: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
