/**
 * Anode as a real process (spawnMain, as `npm start` runs it) on 127.0.0.1, for tests that take its database away or
 * kill it: it waits until /health answers 200, keeps the process's log lines (pino JSON) by level, and tells whether
 * the process is still alive.
 */
import { createInterface } from 'node:readline';
import { createAdminClient } from '../../generated/admin-client.js';
import type { TestAnode } from './anode.js';
import { freePort, spawnMain, type MainProcess } from './main-process.js';


export interface AnodeProcess {
  url: string;
  pid: number;
  /** what stations and admin calls need of a TestAnode (url and admin client) */
  anode: TestAnode;
  /** milliseconds from spawn until /health first answered 200 */
  readyMs: number;
  alive(): boolean;
  exitCode(): number | null | undefined;
  /** log lines at this level or above so far (pino levels: 40 warn, 50 error, 60 fatal) */
  lines(minLevel: number): Array<Record<string, unknown>>;
  output(): string;
  /** SIGKILL, resolves once it has exited */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s), resolves once it has exited */
  stop(): Promise<void>;
}

/** `env` is added to the current environment; LOG_LEVEL defaults to warn. */
export async function startAnodeProcess(env: Record<string, string>, readyTimeoutMs = 30_000): Promise<AnodeProcess> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const main: MainProcess = spawnMain({ ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env, HOST: '127.0.0.1', PORT: String(port) });
  const lines: Array<Record<string, unknown>> = [];
  const onLine = (line: string) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      // Errors are always kept (a long fuzz run must see its last one); other lines up to a bound.
      if (lines.length < 100_000 || (Number(entry.level) >= 50 && lines.length < 110_000)) lines.push(entry);
    } catch {
      // not a log line: it is in output()
    }
  };
  createInterface({ input: main.child.stdout! }).on('line', onLine);
  createInterface({ input: main.child.stderr! }).on('line', onLine);
  let exitCode: number | null | undefined;
  void main.exited.then((code) => (exitCode = code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`Anode exited with ${exitCode} while starting: ${main.output()}`);
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      main.child.kill('SIGKILL');
      throw new Error(`Anode did not answer /health with 200 within ${readyTimeoutMs} ms: ${main.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const readyMs = Math.round(performance.now() - spawnedAt);
  const ended = async (signal: NodeJS.Signals) => {
    if (exitCode !== undefined) return;
    main.child.kill(signal);
    const force = signal === 'SIGKILL' ? undefined : setTimeout(() => main.child.kill('SIGKILL'), 10_000);
    await main.exited;
    clearTimeout(force);
  };
  return {
    url,
    pid: main.child.pid!,
    anode: { url, port, admin: createAdminClient({ baseUrl: `${url}/api/v0` }), stop: async () => {} } as TestAnode,
    readyMs,
    alive: () => exitCode === undefined,
    exitCode: () => exitCode,
    lines: (minLevel) => lines.filter((entry) => Number(entry.level) >= minLevel),
    output: main.output,
    kill: () => ended('SIGKILL'),
    stop: () => ended('SIGTERM'),
  };
}
