/**
 * The server under test: Anode (what `npm start` runs) on the run's database, the stub, a `--server-cmd`, or an already
 * running one (`--url`); its output goes to a log file, its error and warn lines are counted, and it is stopped at the
 * end. Whichever it is, the benchmark talks to it on 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ANODE_ENTRY, REPO_ROOT, anodeNodeOptions, freePort, waitForHealth } from '../shared/local-server.js';
import { withGcProbe } from './gc.js';
import { say, warn } from './log.js';
import { args, config, serverKind } from './options.js';
import { finish, isExiting, onCleanup, runId } from './run-state.js';
import { BenchError, sleep } from './wait.js';

const STUB_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'stub-csms.ts');

export interface ServerHandle {
  baseUrl: string;
  endpoint: string;
  pid?: number;
  child?: ChildProcess;
  logFile?: string;
  lastLines: string[];
  exited?: { code: number | null; signal: string | null };
  log: { errors: number; warns: number; firstErrors: string[]; firstWarns: string[]; nonJson: number; firstNonJson: string[] };
  adminToken?: string;
}

async function waitHealthy(server: ServerHandle, timeoutMs: number): Promise<void> {
  const { healthy, last } = await waitForHealth(server.baseUrl, timeoutMs, async () => {
    if (!server.exited) return;
    await sleep(200); // the rest of its output
    throw new BenchError(
      `the server exited during start-up (code ${server.exited.code}, signal ${server.exited.signal}); its log: ${server.logFile}\n` +
        `last lines:\n${server.lastLines.map((l) => `  | ${l.slice(0, 400)}`).join('\n')}`,
    );
  });
  if (!healthy) throw new BenchError(`the server did not answer GET /health with 200 within ${timeoutMs / 1000} s (last: ${last})`);
}

export async function startServer(databaseUrl: string | undefined): Promise<ServerHandle> {
  const log: ServerHandle['log'] = { errors: 0, warns: 0, firstErrors: [], firstWarns: [], nonJson: 0, firstNonJson: [] };
  const adminToken = process.env.ADMIN_API_TOKEN || undefined;
  if (serverKind === 'external') {
    const baseUrl = args.url!.replace(/\/$/, '');
    const server: ServerHandle = {
      baseUrl,
      endpoint: `${baseUrl.replace(/^http/, 'ws')}/ocpp`,
      pid: args['server-pid'] ? Number(args['server-pid']) : undefined,
      lastLines: [],
      log,
      adminToken,
    };
    await waitHealthy(server, 10_000);
    return server;
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: config.serverLogLevel,
    NODE_ENV: 'production',
  };
  if (serverKind === 'anode') env.WORKERS = String(config.serverWorkers);
  if (databaseUrl) {
    env.DATABASE_URL = databaseUrl;
  } else {
    delete env.DATABASE_URL;
    // Anode without DATABASE_URL uses PGlite: keep it in memory rather than in ./.anode of the repo.
    env.ANODE_DATA_DIR ||= 'memory://';
  }
  let command: string;
  let commandArgs: string[];
  if (serverKind === 'command') {
    command = '/bin/sh';
    commandArgs = ['-c', `exec ${args['server-cmd']!}`];
  } else {
    command = process.execPath;
    if (serverKind === 'stub') {
      commandArgs = withGcProbe(['--import', 'tsx', STUB_SCRIPT], 'server', env);
    } else {
      const nodeArgs = anodeNodeOptions(args['server-node-args']);
      commandArgs = [...nodeArgs, ...withGcProbe(ANODE_ENTRY, 'server', env)];
    }
  }
  const logFile = join(os.tmpdir(), `anode-bench-${runId}-server.log`);
  const logStream: WriteStream = createWriteStream(logFile);
  const child = spawn(command, commandArgs, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const baseUrl = `http://127.0.0.1:${port}`;
  const lastLines: string[] = [];
  const server: ServerHandle = { baseUrl, endpoint: `ws://127.0.0.1:${port}/ocpp`, pid: child.pid, child, logFile, lastLines, log, adminToken };
  logStream.on('error', () => undefined);
  const onLine = (line: string) => {
    if (!logStream.writableEnded) logStream.write(line + '\n');
    lastLines.push(line);
    if (lastLines.length > 12) lastLines.shift();
    if (!line.trim()) return;
    let level: number | undefined;
    let msg = line;
    try {
      const parsed = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      level = typeof parsed.level === 'number' ? parsed.level : undefined;
      msg = `${parsed.msg ?? ''}${parsed.err?.message ? `: ${parsed.err.message}` : ''}`.slice(0, 300);
    } catch {
      log.nonJson++;
      if (log.firstNonJson.length < 5) log.firstNonJson.push(line.slice(0, 300));
      return;
    }
    if (level !== undefined && level >= 50) {
      log.errors++;
      if (log.firstErrors.length < 5) log.firstErrors.push(msg);
    } else if (level === 40) {
      log.warns++;
      if (log.firstWarns.length < 5) log.firstWarns.push(msg);
    }
  };
  let stoppingServer = false;
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  child.on('exit', (code, signal) => {
    server.exited = { code, signal };
    logStream.end();
    if (!stoppingServer && !isExiting()) {
      // Let readline deliver what is left of its output first.
      setTimeout(() => {
        void finish(
          1,
          `the server exited unexpectedly (code ${code}, signal ${signal}); its log: ${logFile}\n` +
            `last lines:\n${lastLines.map((l) => `  | ${l.slice(0, 400)}`).join('\n')}`,
        );
      }, 200);
    }
  });
  onCleanup('stop the server', async () => {
    stoppingServer = true;
    if (server.exited) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const graceful = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!graceful) {
      warn('the server did not exit within 10 s of SIGTERM; sent SIGKILL');
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
    const exit = server.exited as ServerHandle['exited'];
    say(`server stopped (${exit ? `code ${exit.code}, signal ${exit.signal}` : 'still running?'})`);
  });
  say(`starting the server: ${serverKind === 'command' ? args['server-cmd'] : commandArgs.join(' ')} on ${baseUrl} (log: ${logFile})`);
  await waitHealthy(server, 90_000);
  return server;
}
