/**
 * Starting a server under test on this machine: a free loopback port, Anode's start command (what `npm start` runs),
 * and waiting until it answers GET /health.
 */
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ANODE_ENTRY, npmStartNodeOptions } from '../../scripts/start-command.js';

export { ANODE_ENTRY };

/** The repository root: where Anode is started and where `--import tsx` resolves. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Node options for Anode's process: `override` split on whitespace, or those of `npm start` when it is undefined. */
export function anodeNodeOptions(override: string | undefined): string[] {
  return override === undefined ? npmStartNodeOptions() : override.split(/\s+/).filter(Boolean);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Polls GET <baseUrl>/health until it answers 200 (true) or `timeoutMs` pass (false, with the last answer or error in
 * `last`). `beforeEachTry` may throw to give up early, e.g. when the server's process has exited.
 */
export async function waitForHealth(
  baseUrl: string,
  timeoutMs: number,
  beforeEachTry: () => Promise<void> = async () => undefined,
): Promise<{ healthy: boolean; last: string }> {
  const until = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < until) {
    await beforeEachTry();
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return { healthy: true, last: '' };
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = String((error as Error)?.message ?? error);
    }
    await sleep(200);
  }
  return { healthy: false, last };
}
