// `rollback-lens compat` run in process, its output collected, for
// test/unit/compat.test.ts (files) and test/system/compat.test.ts (--against a
// real git repository).
import { main } from '../../src/cli/main';

class Sink {
  chunks: string[] = [];
  write(s: string | Uint8Array): boolean {
    this.chunks.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8'));
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

/** `rollback-lens compat` in process: exit code, stdout and stderr. */
export async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(['compat', ...argv], { stdout, stderr, cwd } as unknown as Parameters<typeof main>[1]);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
