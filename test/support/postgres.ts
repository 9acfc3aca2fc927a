// A real PostgreSQL server for the tests of the PostgreSQL audit store
// (test/system/audit-pg.test.ts) and the bench (test/bench/pg.mjs): Debian's
// `postgresql` package (installed by test/postgres/setup.sh), its binaries in
// /usr/lib/postgresql/<version>/bin (the newest there). startPostgres() runs
// initdb into a new temporary directory and starts `postgres` on a free
// loopback port, its unix socket in that directory, trust authentication for
// the `postgres` role; stop() shuts it down (fast mode) and removes the
// directory. PostgreSQL refuses to run as root: when the tests run as root
// (here and in CI) both run as the `postgres` system user (runuser), the
// directory chowned to it. One server per suite: start it in `before`, stop it
// in `after`; each test takes its own database (createDatabase).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../prometheus/server';

export interface PgServer {
  port: number;
  dir: string;
  /** A URL of database `db` (default `postgres`) on the server, over TCP loopback. */
  url(db?: string): string;
  /** Creates an empty database and resolves with its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one SQL statement (in database `db`) and resolves with its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], db?: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb): run `bash test/postgres/setup.sh` (as root)');
}

/** uid and gid of the `postgres` system user, from /etc/passwd. */
function postgresUser(): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no `postgres` system user (the postgresql package creates it): run `bash test/postgres/setup.sh` (as root)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}


export async function startPostgres(options: { settings?: Record<string, string> } = {}): Promise<PgServer> {
  const bin = postgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-pg-'));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const { uid, gid } = postgresUser();
    fs.chownSync(dir, uid, gid);
  }
  const cmd = (exe: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, exe), ...args]] : [path.join(bin, exe), args]);
  const [initCmd, initArgs] = cmd('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.error?.message}`);
  }
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, max_connections: '100', ...options.settings };
  const [pgCmd, pgArgs] = cmd('postgres', ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
  const proc: ChildProcess = spawn(pgCmd, pgArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const killOnExit = (): void => void proc.kill('SIGKILL');
  process.once('exit', killOnExit);

  const url = (db = 'postgres'): string => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const query = async <T,>(sql: string, params: unknown[] = [], db = 'postgres'): Promise<T[]> => {
    const c = new Client({ connectionString: url(db) });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  // ready when it accepts a connection
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await query('SELECT 1');
      break;
    } catch (e) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`postgres did not start: ${(e as Error).message}\n${log}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    dir,
    url,
    query,
    createDatabase: async (name) => {
      await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return url(name);
    },
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (proc.exitCode === null) {
        proc.kill('SIGINT'); // fast shutdown: ends the sessions, then exits
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      // runuser can exit before the postgres under it has finished its shutdown checkpoint (a CI run's
      // rmSync met pg_wal being written): the server is down once it has removed postmaster.pid, its last act
      const pid = path.join(data, 'postmaster.pid');
      const until = Date.now() + 10_000;
      while (fs.existsSync(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
