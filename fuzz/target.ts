/**
 * A fuzz target: Anode started as `npm start` starts it, in a process of its own on 127.0.0.1 and a free port, so a
 * crash is an exit and not a failed test worker. It reads the process's log lines (pino JSON) as they come and keeps
 * the ones at level 50 (error) or above, and reads the process's RSS from /proc.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { spawnMain } from '../test/support/main-process.js';

export interface FuzzTarget {
  url: string;
  pid: number;
  /** the process has not exited */
  alive(): boolean;
  /** log lines at level 50 or above so far (as parsed JSON) */
  errorLines(): Array<Record<string, unknown>>;
  /** how many log lines so far, by level */
  linesByLevel(): Record<number, number>;
  /** resident set size in KiB (from /proc), undefined once exited */
  rssKiB(): number | undefined;
  /** every line the process wrote that was not JSON (stack traces of a crash land here) */
  otherOutput(): string;
  exitCode(): number | null | undefined;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `env` is added to the current environment; LOG_LEVEL defaults to warn. */
export async function startFuzzTarget(env: Record<string, string>, startTimeoutMs = 60_000): Promise<FuzzTarget> {
  const port = await freePort();
  const main = spawnMain({ ...process.env, LOG_LEVEL: 'warn', ...env, HOST: '127.0.0.1', PORT: String(port) });
  const errors: Array<Record<string, unknown>> = [];
  const byLevel: Record<number, number> = {};
  let other = '';
  let exitCode: number | null | undefined;
  main.exited.then((code) => (exitCode = code));
  const onLine = (line: string) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (other.length < 100_000) other += `${line}\n`;
      return;
    }
    const level = Number(entry.level);
    byLevel[level] = (byLevel[level] ?? 0) + 1;
    if (level >= 50 && errors.length < 1000) errors.push(entry);
  };
  createInterface({ input: main.child.stdout! }).on('line', onLine);
  createInterface({ input: main.child.stderr! }).on('line', onLine);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`Anode exited with ${exitCode} while starting: ${main.output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      main.child.kill('SIGKILL');
      throw new Error(`Anode did not answer /health within ${startTimeoutMs} ms: ${main.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = main.child.pid!;
  return {
    url,
    pid,
    alive: () => exitCode === undefined,
    errorLines: () => errors,
    linesByLevel: () => ({ ...byLevel }),
    otherOutput: () => other,
    exitCode: () => exitCode,
    rssKiB: () => {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return match ? Number(match[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      if (exitCode !== undefined) return;
      main.child.kill('SIGTERM');
      const timer = setTimeout(() => main.child.kill('SIGKILL'), 10_000);
      await main.exited;
      clearTimeout(timer);
    },
  };
}
