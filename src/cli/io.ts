// What every command of the CLI is given and may throw: CliIO, the streams and
// folder it runs with (main() passes the process's; the tests pass buffers),
// and UsageError, a mistake in the command line rather than in the files.
// main() prints a UsageError as `rollback-lens <command>: <message>` with the
// command's usage and exits 2. This module imports nothing, so every command
// can import it without importing main.ts, which imports every command.

export class UsageError extends Error {}

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  cwd: string;
}
