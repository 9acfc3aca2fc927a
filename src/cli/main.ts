// The rollback-lens command line: dispatches through the commands table
// (src/cli/commands.ts). Exit codes: 0 clean, 1 problems found, 2 usage or
// I/O error (an invalid ROLLBACK_LENS_NOW, src/node/clock.ts, is one, for
// every command). A usage error, whichever command finds it, is one form:
// `rollback-lens <command>: <what>`, a blank line, the command's usage, on
// stderr, exit 2; `rollback-lens <command> --help` prints that usage on stdout.
// Anything unexpected that reaches the top is one line on stderr and exit 2,
// never a stack trace (unexpected()).
import { parseArgs } from 'node:util';
import { clockProblem } from '../node/clock';
import { COMMANDS, USAGE, type Command } from './commands';
import { UsageError, type CliIO } from './io';
import { VERSION } from './version';

export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(VERSION + '\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`rollback-lens: unknown command \`${name}\`\n\n${USAGE}\n`);
    return 2;
  }
  // the calendar every command judges dates against: a value that is not a time stops here, before anything runs
  const clock = clockProblem();
  if (clock) {
    io.stderr.write(`rollback-lens: ${clock}\n`);
    return 2;
  }
  try {
    return await run(command, rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`rollback-lens ${command.name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    io.stderr.write(unexpected(e));
    return 2;
  }
}

/** Parses the command line with the command's options (a mistake is a UsageError), then runs it, unless asked for help. */
async function run(command: Command, argv: string[], io: CliIO): Promise<number> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...command.options, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((e as Error).message);
    throw e;
  }
  if (parsed.values.help) {
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  return command.run(parsed, io);
}

/** Anything no command turned into a finding: one line, never a stack trace (ROLLBACK_LENS_DEBUG=1 adds it, for a bug report). */
export function unexpected(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = `rollback-lens: ${message.split('\n')[0] || 'unexpected error'}\n`;
  return process.env.ROLLBACK_LENS_DEBUG && e instanceof Error && e.stack ? line + e.stack + '\n' : line;
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
