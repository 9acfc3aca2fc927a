// The rollback-lens command line. Exit codes: 0 clean, 1 problems found,
// 2 usage or I/O error (an invalid ROLLBACK_LENS_NOW, src/node/clock.ts, is
// one, for every command). Anything unexpected that reaches the top is one
// line on stderr and exit 2, never a stack trace (unexpected()).
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { DIAGNOSTIC_CODES } from '../core';
import { writeFileAtomic } from '../node/atomic';
import { clockProblem } from '../node/clock';
import { toJson, toSarif, toText } from './format';
import { AUDIT_USAGE, auditCommand } from './audit';
import { BASELINE_USAGE, baselineCommand } from './baseline';
import { COMPAT_USAGE, compatCommand } from './compat';
import { DRILL_USAGE, drillCommand } from './drill';
import { DRY_RUN_USAGE, dryRunCommand } from './dryrun';
import { SIGN_OFF_USAGE, signOffCommand } from './signoff';
import { TEST_USAGE, testCommand } from './test';
import { validatePaths } from './validate';
import { findWorkspace } from '../node/workspace';
import { UsageError, type CliIO } from './io';

declare const __VERSION__: string | undefined;
export const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

const USAGE = `Usage: rollback-lens <command> [options]

Commands:
  validate [paths or globs...]   Check runbooks (*.runbook.yaml) and contracts (*.contract.yaml).
                                 Folders are searched; default: the current folder.
    --format text|json|sarif     Output format (default text: file:line:col: severity code message)
    --workspace <dir>            Workspace root; referenced files must stay inside (default: the enclosing git work tree, else cwd)
    --max-file-size <bytes>      Largest file checked (default 5 MiB)
    --out <file>                 Write the report to a file instead of stdout
${TEST_USAGE}
${BASELINE_USAGE}
${DRY_RUN_USAGE}
${DRILL_USAGE}
${SIGN_OFF_USAGE}
${AUDIT_USAGE}
${COMPAT_USAGE}

  -h, --help                     Show this help
  -v, --version                  Show the version

Exit codes: 0 clean / every test passed, 1 errors found / a test failed, 2 usage, I/O or run error.`;

/** Every subcommand: argv after the command name -> exit code (0 ok, 1 findings/failures, 2 usage or I/O). */
const COMMANDS: Record<string, (argv: string[], io: CliIO) => Promise<number>> = {
  validate: (argv, io) => validateCommand(argv, io),
  test: (argv, io) => testCommand(argv, io, (m) => new UsageError(m)),
  baseline: (argv, io) => baselineCommand(argv, io, (m) => new UsageError(m), VERSION),
  compat: (argv, io) => compatCommand(argv, io),
  'dry-run': (argv, io) => dryRunCommand(argv, io, (m) => new UsageError(m)),
  drill: (argv, io) => drillCommand(argv, io, (m) => new UsageError(m)),
  'sign-off': (argv, io) => signOffCommand(argv, io, (m) => new UsageError(m)),
  audit: (argv, io) => auditCommand(argv, io),
};

export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (command === '-v' || command === '--version') {
    io.stdout.write(VERSION + '\n');
    return 0;
  }
  try {
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command \`${command}\``);
    // the calendar every command judges dates against: a value that is not a time stops here, before anything runs
    const clock = clockProblem();
    if (clock) {
      io.stderr.write(`rollback-lens: ${clock}\n`);
      return 2;
    }
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`rollback-lens: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    io.stderr.write(unexpected(e));
    return 2;
  }
}

/** Anything no command turned into a finding: one line, never a stack trace (ROLLBACK_LENS_DEBUG=1 adds it, for a bug report). */
export function unexpected(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = `rollback-lens: ${message.split('\n')[0] || 'unexpected error'}\n`;
  return process.env.ROLLBACK_LENS_DEBUG && e instanceof Error && e.stack ? line + e.stack + '\n' : line;
}

async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      workspace: { type: 'string' },
      'max-file-size': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  const format = values.format!;
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not \`${format}\``);
  const maxFileSize = values['max-file-size'] !== undefined ? Number(values['max-file-size']) : undefined;
  if (maxFileSize !== undefined && !(maxFileSize > 0)) throw new UsageError('--max-file-size must be a positive number of bytes');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const result = await validatePaths(positionals.length ? positionals : ['.'], { cwd: io.cwd, workspace, ...(maxFileSize ? { maxFileSize } : {}) });
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
    io.stderr.write(`${result.files} file${result.files === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  if (result.ioErrors.length || (result.unmatched.length && result.files === 0)) return 2;
  if (result.unmatched.length) return 2;
  return errors > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(unexpected(e));
      process.exitCode = 2;
    },
  );
}
