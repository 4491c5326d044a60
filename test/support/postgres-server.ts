/**
 * A PostgreSQL server of a test's own, to stop and start under a running Anode: a fresh data directory in a temp dir,
 * listening on 127.0.0.1 on a free port, trusting every local connection. Uses the machine's PostgreSQL binaries
 * (initdb refuses root, so as root they run as the `postgres` user). `destroy` removes everything it made.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './main-process.js';

const run = promisify(execFile);


/** The directory with initdb and pg_ctl (the newest installed version), or undefined when there is none. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'pg_ctl')) && existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : undefined;
}

export interface PostgresServer {
  port: number;
  /** started and not stopped since */
  readonly running: boolean;
  /** a superuser connection URL to `database` (default `postgres`) */
  url(database?: string): string;
  /** starts the server on its port and data directory (again, after `stop`) */
  start(): Promise<void>;
  /** fast shutdown: open sessions are terminated, then it stops */
  stop(): Promise<void>;
  /** stops it if it runs and removes its directory */
  destroy(): Promise<void>;
  /** the server's log so far */
  log(): string;
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

async function runAsOwner(command: string, args: string[], timeoutMs = 30_000): Promise<void> {
  const [file, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  await run(file, argv, { timeout: timeoutMs });
}

async function ownerIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (!asRoot()) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid), gid: Number(gid) };
}

export async function createPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql/*/bin');
  const root = mkdtempSync(join(tmpdir(), 'anode-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  const logFile = join(root, 'server.log');
  let running = false;
  try {
    mkdirSync(socketDir);
    const owner = await ownerIds();
    if (owner) {
      chownSync(root, owner.uid, owner.gid);
      chownSync(socketDir, owner.uid, owner.gid);
    }
    await runAsOwner(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], 60_000);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${socketDir} -c fsync=off -c max_connections=100`;
  const server: PostgresServer = {
    port,
    get running() {
      return running;
    },
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      await runAsOwner(join(bin, 'pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', options]);
      running = true;
    },
    stop: async () => {
      await runAsOwner(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']);
      running = false;
    },
    destroy: async () => {
      try {
        if (running || existsSync(join(dataDir, 'postmaster.pid'))) {
          await runAsOwner(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30']);
        }
      } finally {
        running = false;
        rmSync(root, { recursive: true, force: true });
      }
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
