// The CLI's commands, in one table (COMMANDS): each command's name, its
// options (node:util parseArgs, which main.ts runs; every command also takes
// -h/--help), its block of `rollback-lens --help`, its own usage (what
// `rollback-lens <name> --help` prints and what a usage error ends with) and
// its handler. A handler gets the parsed options and positionals, and throws
// UsageError (src/cli/io.ts) for a command line it cannot run; main() turns
// that into `rollback-lens <name>: <what>`, the usage, exit 2. Every option
// of a command is named in its usage (a test checks it). The handlers live
// in the command's own module; this file holds no behaviour.
import type { parseArgs, ParseArgsConfig } from 'node:util';
import { AUDIT_KINDS } from '../node/audit';
import { auditCommand } from './audit';
import { baselineCommand } from './baseline';
import { closeCommand, closureCommand } from './close';
import { compatCommand } from './compat';
import { drillCommand } from './drill';
import { dryRunCommand } from './dryrun';
import { rollbackCommand } from './rollback';
import type { CliIO } from './io';
import { postmortemCommand } from './postmortem';
import { reintroduceCommand } from './reintroduce';
import { reviewCommand } from './review';
import { signOffCommand } from './signoff';
import { testCommand } from './test';
import { validateCommand } from './validate';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs gives for these options. */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>;

export interface Command {
  name: string;
  options: Options;
  /** Its block in `rollback-lens --help`. */
  help: string;
  /** `rollback-lens <name> --help`; a usage error of the command ends with it. */
  usage: string;
  run(args: { values: Record<string, unknown>; positionals: string[] }, io: CliIO): Promise<number>;
}

/** A table row, its handler checked against what parseArgs gives for its options. */
function command<const O extends Options>(c: { name: string; options: O; help: string; usage: string; run(args: Parsed<O>, io: CliIO): Promise<number> }): Command {
  return c as unknown as Command;
}

/** The help line every command's usage ends with. */
const HELP_LINE = '  -h, --help                     Show this help';

/** The usage of a command shown as a block of `rollback-lens --help`: its usage line, that block, -h. */
function usageOf(synopsis: string, help: string): string {
  return `Usage: rollback-lens ${synopsis}\n\n${help}\n${HELP_LINE}`;
}

const VALIDATE_HELP = `  validate [paths or globs...]   Check runbooks (*.runbook.yaml), contracts (*.contract.yaml) and
                                 policies (*.policy.yaml). Folders are searched; default: the current folder.
    --format text|json|sarif     Output format (default text: file:line:col: severity code message)
    --workspace <dir>            Workspace root; referenced files must stay inside (default: the enclosing git work tree, else cwd)
    --max-file-size <bytes>      Largest file checked (default 5 MiB)
    --policy <path|package>      The RollbackPolicy every runbook and contract must meet: a file (anywhere),
                                 or an npm package in the workspace's node_modules (default: the nearest
                                 *.policy.yaml in the document's folder or above, up to the workspace root)
    --out <file>                 Write the report to a file instead of stdout`;

const TEST_HELP = `  test <contract> [--test id]... Run a contract's tests: obtain the model's outputs from its source
                                 and compare them with each test's baseline within its tolerances.
    --format text|json|junit     text: a summary per test (default); json: the report; junit: one testcase per rule
    --out <file>                 write the report to a file (atomically)
    --workspace <dir>            files the contract names must stay inside it (default: the enclosing git work tree, else cwd)
    --timeout <duration>         override the source's timeout (e.g. 30s)
    --concurrency <n>            override the source's concurrency
    --no-formats                 do not check \`format\` keywords (email, date-time, ...) of the schemas
    --max-heap <MB>              heap limit of the run (default 2048, at least 8); a run that needs more stops with exit 2, saying so`;

const BASELINE_HELP = `  baseline record <contract> --test <id>
                                 Run the source on the test's inputs; write its baseline (JSONL, or CSV,
                                 Parquet or a JSON array by the baseline's extension) and the sidecar
                                 <baseline>.meta.json (model, version, seed, digests, time).
    --model-version <v>          the version of the model recorded (default: the contract's metadata.modelVersion, else "unknown")
    --model-file <path>          a model file to record the digest of (relative to the contract)
    --force                      replace a baseline whose sidecar names another model version (refused without it);
                                 the replaced baseline and sidecar are always kept under .rollback-lens/baselines/
    --workspace <dir>            files the contract names must stay inside it (default: the enclosing git work tree, else cwd)`;

const DRY_RUN_HELP = `  dry-run <runbook>              Resolve the plan, run only dryRun variants and read-only checks, show
                                 what every other step would do, check contracts, user state, roles
                                 and windows; change nothing. Exit 0 ready, 1 not ready, 2 error.
    --format text|json           text (default) or the report as JSON
    --workspace <dir>            files the runbook names must stay inside it (default: the enclosing git work tree, else cwd)
    --no-formats                 do not check \`format\` keywords of the state schemas`;

const DRILL_HELP = `  drill <runbook> --scenario <id> Run the rollback for real in the sandbox with the scenario's faults injected;
                                 undo completed steps when one fails; time detect (the triggers' for: windows,
                                 simulated), decide, execute, verify; after the restore, the verify steps'
                                 fidelity (rows within tolerance, label agreement, max |Δ| against the baseline).
                                 Renders the \`communication\` messages into the report and sends none.
    --verify-idempotent          run each mutating step do → do → undo → do, observing the runbook folder's
                                 files and the step's check: the step must be idempotent and reversible
    --format text|json           text (default) or the report as JSON
    --workspace <dir>            files the runbook names must stay inside it (default: the enclosing git work tree, else cwd)
    --no-formats                 do not check \`format\` keywords in the schemas of the contracts verify steps test`;

const ROLLBACK_HELP = `  rollback <runbook>             Perform the rollback for real: the drill's steps without the sandbox or a
                                 scenario; each step printed as it starts and ends; undo in reverse on a
                                 failure or Ctrl+C; detect, decide, execute, verify timed; kept in the audit
                                 log. Refused when the dry-run says NOT READY.
                                 Exit 0 restored and verified, 1 failed/undone/rejected, 2 usage/refused/I-O.
    --approve <role>=<name>      answer the role's approval gates: <name> approves (repeatable; recorded
                                 as by flag). Without it a terminal asks; with no terminal the gate rejects
    --sign-key <path>            sign the approval records with this SSH key (ssh-keygen -Y sign; a .pub
                                 signs through ssh-agent; default $ROLLBACK_LENS_SIGNING_KEY); checked
                                 against .rollback-lens/allowed_signers before the rollback starts
    --signer <principal>         sign as this allowed_signers principal (default: the one listing the key)
    --force <reason>             start although the dry-run says NOT READY; the reason is recorded
    --format text|json           text (default) or the report as JSON (progress then goes to stderr)
    --workspace <dir>            files the runbook names must stay inside it (default: the enclosing git work tree, else cwd)
    --no-formats                 do not check \`format\` keywords in the schemas of the contracts verify steps test`;

const REINTRODUCE_HELP = `  reintroduce <runbook>          Walk reintroduction.stages: set each stage's flagd fractional split, wait its
                                 hold, evaluate its checks and the abortOn triggers; on a breach put traffic
                                 back to the previous stage's split and stop. Exit 0 completed, 1 stopped, 2 error.
    --dry-run                    show the stage plan (percent, hold, checks, abort triggers, approvals, flag edit)
    --scenario <id>              rehearse a drill scenario: holds not waited, its inject.reintroduction breach
                                 injected, its expect.reintroduction (completed, aborted-at-N, rejected-at-N) the verdict
    --approve <role=name>        approve a stage's gate for a role, recorded as given by flag (repeatable)
    --poll <duration>            how often the abortOn triggers are read while a stage holds (default 30s):
                                 one that fires cuts the hold short and aborts the stage
    --format text|json           text (default) or the report as JSON
    --workspace <dir>            files the runbook names must stay inside it (default: the enclosing git work tree, else cwd)
    --no-formats                 do not check \`format\` keywords in the schemas of the contracts verify checks test`;

const SIGN_OFF_HELP = `  sign-off <runbook> --role <r>  Record in the audit log that role <r> (one of closure.signOff) signs off
                                 the rollback's closure. Exit 0 recorded, 2 usage or I/O error.
    --reject                     record a refusal instead
    --note <text>                a note kept with the record
    --sign-key <path>            sign the record with this SSH key (ssh-keygen -Y sign; a .pub signs through
                                 ssh-agent; default $ROLLBACK_LENS_SIGNING_KEY); the signer must hold the
                                 role in .rollback-lens/allowed_signers
    --signer <principal>         sign as this allowed_signers principal (default: the one listing the key)
    --workspace <dir>            workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)`;

const CLOSURE_HELP = `  closure <runbook>              Show the closure status of the runbook's latest rollback, from the audit
                                 log: open → verified → signed → closed; do the steps asked for first.
                                 Exit 0 done, 1 refused or verify did not pass, 2 usage or I/O error.
    --verify                     run closure.verify (its contract tests) and record the verdict
    --confirm <n|text>           confirm checklist item n (1-based) or the item with this exact text (repeatable)
    --checklist                  on a terminal, ask for each unconfirmed checklist item in turn
    --format text|json           text (default) or the status as JSON
    --workspace <dir>            workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)
    --no-formats                 do not check \`format\` keywords in the schemas of the contracts verify tests`;

const CLOSE_HELP = `  close <runbook>                Record that the latest rollback is closed: only when closure.verify passed,
                                 every checklist item is confirmed and every closure.signOff role signed off;
                                 otherwise name what is missing. Exit 0 recorded, 1 refused, 2 usage or I/O error.
    --format text|json           text (default) or JSON
    --workspace <dir>            workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)`;

const POSTMORTEM_HELP = `  postmortem <runbook>           Write the after-action review (Markdown) of the runbook's newest drill or
                                 rollback record to postmortems/<runbook>/<day>-<kind>[-<scenario>].md beside
                                 it: timeline, triggers, steps, fidelity, verification, root cause, human
                                 factors, action items. Never overwrites. Exit 0 written, 2 error.
    --record <id>                the record: its line in the audit log as \`audit list\` shows it (12),
                                 or its hash prefix (sha256:1a2b3c4d, at least 8 hex digits)
    --format text|json           text (default) or where it was written as JSON
    --workspace <dir>            workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)`;

const REVIEW_HELP = `  review                         The readiness review of the audit log over a period, per runbook and across
                                 them: drills and rollbacks, success rate, time to decide and to restore
                                 (median, p90, trend) against the windows, fidelity, overdue drills, open
                                 post-mortem action items, unsigned approvals and sign-offs, waivers.
                                 Exit 0 nothing needs attention, 1 an overdue drill or action item or a
                                 newest run that failed, 2 usage or I/O error.
    --since <duration>           the period before now (default 90d)
    --format text|json|html      text (default), the figures as JSON, or one self-contained HTML page
    --out <file>                 write the review to a file (atomically) instead of stdout
    --workspace <dir>            workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)`;

export const AUDIT_USAGE = `Usage: rollback-lens audit verify [--expect-head <sha256>] [--require-signed <role,...>] [options]
       rollback-lens audit list [options]
       rollback-lens audit head [options]
       rollback-lens audit push [--to <url>] [options]

The audit log (.rollback-lens/audit.jsonl in the workspace) records every
dry-run, drill, rollback, staged reintroduction, contract test, approval,
sign-off and closure step; each record carries the SHA-256 of the line before it.
With ROLLBACK_LENS_AUDIT_URL=postgres://… set, the log is in that database instead
(the workspace's log id: ROLLBACK_LENS_AUDIT_LOG, else the workspace folder's name),
and every command, these included, reads and appends there.

  verify                         Check every record and the hash chain; check that every version of the
                                 log committed to git (and the staged one) is a prefix of the file;
                                 with --expect-head, that a head kept elsewhere is still in the log;
                                 check every signature with ssh-keygen -Y verify against
                                 .rollback-lens/allowed_signers, and name unsigned approvals and sign-offs
  list                           Print the records, oldest first
  head                           Print the hash of the last line (the next record's prev): keep it elsewhere
  push                           Copy the workspace's file log into the database (--to, else ROLLBACK_LENS_AUDIT_URL);
                                 records already there (by hash) are not copied again

Options for audit:
  --workspace <dir>              Workspace root holding .rollback-lens/ (default: the enclosing git work tree, else cwd)
  --format text|json             Output format (default text)
  --expect-head <sha256>         verify: a head printed by \`audit head\` earlier (sha256:<hex> or the hex)
  --require-signed <role,...>    verify: unsigned approvals and sign-offs of these roles fail the signatures check
  --policy <file|package>        verify: the policy whose signatures.requiredFor applies (default: each runbook's
                                 nearest *.policy.yaml); its roles' unsigned approvals and sign-offs fail too
  --kind <kind>                  list: only records of this kind (${AUDIT_KINDS.join(', ')})
  --path <file>                  list: only records of this runbook or contract (workspace-relative)
  --to <url>                     push: the database (postgres://user@host:port/db)
${HELP_LINE}

Exit codes: verify 0 no check failed, 1 a check failed, 2 usage or I/O error; list, head and push 0, or 2 on usage or
I/O error; push 1 when the file log is broken (nothing is pushed).`;

export const COMPAT_USAGE = `Usage: rollback-lens compat <old.contract.yaml> <new.contract.yaml> [options]
       rollback-lens compat <contract.yaml> --against <git-revision> [options]
       rollback-lens compat <contract.yaml> [options]
                                 (against its compatibility.file or compatibility.revision)

Classifies every change between two versions of an interface contract (input
and output schemas, output.key, output.labels, deprecations, test tolerances,
encodings) as compatible, risky or breaking.

Options for compat:
  --against <rev>                Compare with the same file at a git revision (HEAD~1, main, v1.4.2);
                                 the schema files it refers to are read at that revision too
  --format text|json             Output format (default text: file:line:col: class code message)
  --today <YYYY-MM-DD>           The date deprecations are checked against (default: today, UTC,
                                 or ROLLBACK_LENS_NOW when set)
  --strict                       Risky changes fail too (exit 1)
${HELP_LINE}

Exit codes: 0 compatible, 1 breaking changes (or risky ones with --strict), 2 usage or I/O error.`;

/** Every command, in the order `rollback-lens --help` lists them. */
export const COMMANDS: readonly Command[] = [
  command({
    name: 'validate',
    options: { format: { type: 'string', default: 'text' }, workspace: { type: 'string' }, 'max-file-size': { type: 'string' }, out: { type: 'string' }, policy: { type: 'string' } },
    help: VALIDATE_HELP,
    usage: usageOf('validate [paths or globs...] [options]', VALIDATE_HELP),
    run: validateCommand,
  }),
  command({
    name: 'test',
    options: {
      test: { type: 'string', multiple: true },
      format: { type: 'string', default: 'text' },
      out: { type: 'string' },
      workspace: { type: 'string' },
      timeout: { type: 'string' },
      concurrency: { type: 'string' },
      'no-formats': { type: 'boolean' },
      'max-heap': { type: 'string' },
    },
    help: TEST_HELP,
    usage: usageOf('test <contract> [--test id]... [options]', TEST_HELP),
    run: testCommand,
  }),
  command({
    name: 'baseline',
    options: { test: { type: 'string' }, 'model-version': { type: 'string' }, 'model-file': { type: 'string' }, force: { type: 'boolean' }, workspace: { type: 'string' } },
    help: BASELINE_HELP,
    usage: usageOf('baseline record <contract> --test <id> [options]', BASELINE_HELP),
    run: baselineCommand,
  }),
  command({
    name: 'dry-run',
    options: { format: { type: 'string', default: 'text' }, workspace: { type: 'string' }, 'no-formats': { type: 'boolean' } },
    help: DRY_RUN_HELP,
    usage: usageOf('dry-run <runbook> [options]', DRY_RUN_HELP),
    run: dryRunCommand,
  }),
  command({
    name: 'drill',
    options: { scenario: { type: 'string' }, 'verify-idempotent': { type: 'boolean' }, format: { type: 'string', default: 'text' }, workspace: { type: 'string' }, 'no-formats': { type: 'boolean' } },
    help: DRILL_HELP,
    usage: usageOf('drill <runbook> --scenario <id> [options]', DRILL_HELP),
    run: drillCommand,
  }),
  command({
    name: 'rollback',
    options: {
      approve: { type: 'string', multiple: true },
      'sign-key': { type: 'string' },
      signer: { type: 'string' },
      force: { type: 'string' },
      format: { type: 'string', default: 'text' },
      workspace: { type: 'string' },
      'no-formats': { type: 'boolean' },
    },
    help: ROLLBACK_HELP,
    usage: usageOf('rollback <runbook> [options]', ROLLBACK_HELP),
    run: rollbackCommand,
  }),
  command({
    name: 'reintroduce',
    options: {
      scenario: { type: 'string' },
      'dry-run': { type: 'boolean' },
      approve: { type: 'string', multiple: true },
      poll: { type: 'string' },
      format: { type: 'string', default: 'text' },
      workspace: { type: 'string' },
      'no-formats': { type: 'boolean' },
    },
    help: REINTRODUCE_HELP,
    usage: usageOf('reintroduce <runbook> [options]', REINTRODUCE_HELP),
    run: reintroduceCommand,
  }),
  command({
    name: 'sign-off',
    options: { role: { type: 'string' }, reject: { type: 'boolean' }, note: { type: 'string' }, 'sign-key': { type: 'string' }, signer: { type: 'string' }, workspace: { type: 'string' } },
    help: SIGN_OFF_HELP,
    usage: usageOf('sign-off <runbook> --role <role> [options]', SIGN_OFF_HELP),
    run: signOffCommand,
  }),
  command({
    name: 'closure',
    options: { verify: { type: 'boolean' }, confirm: { type: 'string', multiple: true }, checklist: { type: 'boolean' }, format: { type: 'string', default: 'text' }, workspace: { type: 'string' }, 'no-formats': { type: 'boolean' } },
    help: CLOSURE_HELP,
    usage: usageOf('closure <runbook> [--verify] [--confirm <n|text>]... [--checklist] [options]', CLOSURE_HELP),
    run: closureCommand,
  }),
  command({
    name: 'close',
    options: { format: { type: 'string', default: 'text' }, workspace: { type: 'string' } },
    help: CLOSE_HELP,
    usage: usageOf('close <runbook> [options]', CLOSE_HELP),
    run: closeCommand,
  }),
  command({
    name: 'postmortem',
    options: { record: { type: 'string' }, format: { type: 'string', default: 'text' }, workspace: { type: 'string' } },
    help: POSTMORTEM_HELP,
    usage: usageOf('postmortem <runbook> [--record <id>] [options]', POSTMORTEM_HELP),
    run: postmortemCommand,
  }),
  command({
    name: 'review',
    options: { since: { type: 'string', default: '90d' }, format: { type: 'string', default: 'text' }, out: { type: 'string' }, workspace: { type: 'string' } },
    help: REVIEW_HELP,
    usage: usageOf('review [--since 90d] [--format text|json|html] [--out file] [options]', REVIEW_HELP),
    run: reviewCommand,
  }),
  command({
    name: 'audit',
    options: {
      workspace: { type: 'string' },
      format: { type: 'string', default: 'text' },
      kind: { type: 'string' },
      path: { type: 'string' },
      'expect-head': { type: 'string' },
      to: { type: 'string' },
      'require-signed': { type: 'string' },
      policy: { type: 'string' },
    },
    help: AUDIT_USAGE,
    usage: AUDIT_USAGE,
    run: auditCommand,
  }),
  command({
    name: 'compat',
    options: { against: { type: 'string' }, format: { type: 'string', default: 'text' }, today: { type: 'string' }, strict: { type: 'boolean' } },
    help: COMPAT_USAGE,
    usage: COMPAT_USAGE,
    run: compatCommand,
  }),
];

/** `rollback-lens --help`: every command's block. */
export const USAGE = `Usage: rollback-lens <command> [options]

Commands:
${COMMANDS.map((c) => c.help).join('\n')}

${HELP_LINE}
  -v, --version                  Show the version

Exit codes: 0 clean / every test passed, 1 errors found / a test failed, 2 usage, I/O or run error.`;
