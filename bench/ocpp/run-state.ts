/**
 * What one bench:ocpp run shares across its parts: its id, the machine it runs on, the result it prints as the
 * `BENCH_RESULT {...}` line, and its end: the cleanups (run once, on success, failure, Ctrl-C or the hard timeout)
 * and `finish`, which prints the result and exits.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { portRangeSize, readFdLimit, readSysctl } from '../shared/proc.js';
import { round } from './histogram.js';
import { say, startedAt, warnings } from './log.js';
import { config, serverKind, useDb } from './options.js';
import { withTimeout } from './wait.js';

export const runId = randomBytes(4).toString('hex').slice(0, 6);
export const stationPrefix = `bench-${runId}`;

export const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  fdLimit: readFdLimit('self'),
  ephemeralPorts: portRangeSize(),
  somaxconn: readSysctl('/proc/sys/net/core/somaxconn'),
};

export const result: Record<string, any> = {
  version: 1,
  runId,
  startedAt: new Date().toISOString(),
  machine,
  config: { ...config, serverKind, database: useDb },
  server: {},
  scenarios: {} as Record<string, unknown>,
  warnings,
  ok: false,
};

const cleanups: Array<{ what: string; fn: () => Promise<void> }> = [];
let cleanedUp: Promise<void> | undefined;

export function onCleanup(what: string, fn: () => Promise<void>): void {
  cleanups.push({ what, fn });
}

/** Takes the cleanup registered as `what` out of the list, to run it now instead of at the end. */
export function takeCleanup(what: string): (() => Promise<void>) | undefined {
  const index = cleanups.findIndex((c) => c.what === what);
  return index < 0 ? undefined : cleanups.splice(index, 1)[0].fn;
}

function cleanup(): Promise<void> {
  cleanedUp ??= (async () => {
    for (const { what, fn } of cleanups.reverse()) {
      try {
        await withTimeout(fn(), 20_000, what);
      } catch (error) {
        process.stdout.write(`cleanup: ${what} failed: ${String((error as Error)?.message ?? error)}\n`);
      }
    }
  })();
  return cleanedUp;
}

let exiting = false;
/** True once `finish` has begun: the run is stopping. */
export const isExiting = () => exiting;

/**
 * Milliseconds for a fixed amount of integer work, best of three: these machines' speed has been seen to change by half
 * within a session (a hypervisor's doing that /proc/stat's steal did not show), so each run says how fast its machine was.
 */
export function cpuProbeMs(): number {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    let x = 0;
    for (let i = 0; i < 100_000_000; i++) x += i % 7;
    if (x < 0) throw new Error('unreachable');
    best = Math.min(best, performance.now() - start);
  }
  return Math.round(best);
}

export async function finish(code: number, error?: string): Promise<never> {
  if (exiting) {
    // A second Ctrl-C: stop waiting.
    process.exit(code);
  }
  exiting = true;
  clearTimeout(hardTimer);
  if (error) {
    result.error = error;
    process.stdout.write(`\nbench:ocpp: ${error}\n`);
  }
  await cleanup();
  if (result.cpuProbeMs) {
    result.cpuProbeMs.end = cpuProbeMs();
    say(`CPU probe (a fixed loop, lower is faster): ${result.cpuProbeMs.start} ms at the start, ${result.cpuProbeMs.end} ms at the end`);
  }
  result.finishedAt = new Date().toISOString();
  result.seconds = round((performance.now() - startedAt) / 1000, 1);
  result.exitCode = code;
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
  process.exit(code);
}

const hardTimer = setTimeout(() => {
  void finish(124, `hard timeout: the run took longer than --max-seconds ${config.maxSeconds}; everything was killed`);
}, config.maxSeconds * 1000);
process.on('SIGINT', () => void finish(130, 'interrupted (SIGINT)'));
process.on('SIGTERM', () => void finish(143, 'terminated (SIGTERM)'));
