/**
 * bench:ocpp --gc-probe: loads gc-probe.ts into the server and each load-generator worker, and reads back what each saw
 * during the meter-values window.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, type Row } from './format.js';
import type { GcProbeSecond } from './gc-probe.js';
import { round } from './histogram.js';
import { args } from './options.js';
import { runId } from './run-state.js';

const GC_PROBE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'gc-probe.ts');

/** With --gc-probe: node arguments that load the probe after tsx, and the file it writes to set in `env`. */
export function withGcProbe(nodeArgs: string[], label: string, env: NodeJS.ProcessEnv): string[] {
  if (!args['gc-probe']) return nodeArgs;
  env.BENCH_GC_PROBE_FILE = gcProbeFile(label);
  const afterTsx = nodeArgs.indexOf('tsx') + 1;
  return [...nodeArgs.slice(0, afterTsx), '--import', GC_PROBE_SCRIPT, ...nodeArgs.slice(afterTsx)];
}

const gcProbeFile = (label: string) => join(os.tmpdir(), `anode-bench-${runId}-gc-${label}.jsonl`);

export interface GcSummary {
  process: string;
  seconds: number;
  cpuPercent: number;
  scavenges: number;
  scavengePauseMs: { p50: number | null; max: number | null };
  markCompactPausesMs: number[];
  oldGrowthMbPerSecond: number;
  maxStallMs: number;
  secondsWithStallOver50Ms: number;
}

/** What the probe of each process (a server's workers apart) saw in [from, to]. */
export function gcSummaries(labels: string[], from: number, to: number): GcSummary[] {
  const summaries: GcSummary[] = [];
  for (const label of labels) {
    let lines: GcProbeSecond[];
    try {
      lines = readFileSync(gcProbeFile(label), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as GcProbeSecond);
    } catch {
      continue;
    }
    const byPid = new Map<number, GcProbeSecond[]>();
    for (const line of lines) if (line.at > from && line.at <= to + 1000) byPid.set(line.pid, [...(byPid.get(line.pid) ?? []), line]);
    for (const [pid, seconds] of byPid) {
      const scavenges = seconds.flatMap((second) => second.scavenges).sort((a, b) => a - b);
      summaries.push({
        process: byPid.size > 1 ? `${label} (pid ${pid})` : label,
        seconds: seconds.length,
        cpuPercent: round((100 * seconds.reduce((sum, second) => sum + second.cpuMs, 0)) / (seconds.length * 1000), 0),
        scavenges: scavenges.length,
        scavengePauseMs: {
          p50: scavenges.length ? round(scavenges[scavenges.length >> 1], 1) : null,
          max: scavenges.length ? round(scavenges[scavenges.length - 1], 1) : null,
        },
        markCompactPausesMs: seconds.flatMap((second) => second.markCompacts).map((ms) => round(ms, 1)),
        oldGrowthMbPerSecond: round(seconds.reduce((sum, second) => sum + second.oldGrowth, 0) / 1e6 / seconds.length, 2),
        maxStallMs: round(Math.max(0, ...seconds.map((second) => second.maxStallMs)), 1),
        secondsWithStallOver50Ms: seconds.filter((second) => second.maxStallMs > 50).length,
      });
    }
  }
  return summaries;
}

export function gcRows(summaries: GcSummary[]): Row[] {
  return summaries.map((gc) => [
    `  GC: ${gc.process}`,
    `CPU ${gc.cpuPercent}%, scavenges ${gc.scavenges} (p50 ${fmt(gc.scavengePauseMs.p50)} / max ${fmt(gc.scavengePauseMs.max)} ms), ` +
      `mark-compacts ${gc.markCompactPausesMs.length}${gc.markCompactPausesMs.length ? ` (${gc.markCompactPausesMs.join(', ')} ms)` : ''}, ` +
      `old gen +${gc.oldGrowthMbPerSecond} MB/s, loop stalls max ${gc.maxStallMs} ms (${gc.secondsWithStallOver50Ms} s over 50 ms)`,
  ]);
}
