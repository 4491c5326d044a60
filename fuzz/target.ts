/**
 * A fuzz target: Anode as a process of its own (test/support/anode-process.ts, as `npm start` runs it), so a crash is
 * an exit and not a failed test worker; with its log lines at level 50 (error) or above, and its RSS from /proc.
 */
import { readFileSync } from 'node:fs';
import { startAnodeProcess } from '../test/support/anode-process.js';

export interface FuzzTarget {
  url: string;
  pid: number;
  /** the process has not exited */
  alive(): boolean;
  /** log lines at level 50 or above so far (as parsed JSON) */
  errorLines(): Array<Record<string, unknown>>;
  /** resident set size in KiB (from /proc), undefined once exited */
  rssKiB(): number | undefined;
  /** everything the process wrote (a crash's stack trace is there) */
  otherOutput(): string;
  exitCode(): number | null | undefined;
  stop(): Promise<void>;
}

/** `env` is added to the current environment; LOG_LEVEL defaults to warn. */
export async function startFuzzTarget(env: Record<string, string>, startTimeoutMs = 60_000): Promise<FuzzTarget> {
  const anode = await startAnodeProcess(env, startTimeoutMs);
  return {
    url: anode.url,
    pid: anode.pid,
    alive: anode.alive,
    errorLines: () => anode.lines(50),
    otherOutput: anode.output,
    exitCode: anode.exitCode,
    rssKiB: () => {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${anode.pid}/status`, 'utf8'));
        return match ? Number(match[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    stop: anode.stop,
  };
}
