/**
 * bench:ocpp --gc-probe: loaded with `--import` into the server and each load-generator worker, it writes one JSON line
 * per second to BENCH_GC_PROBE_FILE: the collections of that second (kind, pause), how much the old generation grew
 * outside mark-compacts (what scavenges promote plus what V8 allocates there directly: what sets how often a
 * mark-compact comes), the longest event-loop stall, and the process's CPU time. The bench reads the lines of its
 * measurement window back and prints them per process.
 */
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, constants, performance, type NodeGCPerformanceDetail } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

export interface GcProbeSecond {
  pid: number;
  /** epoch ms at the end of the second */
  at: number;
  scavenges: number[];
  markCompacts: number[];
  /** bytes the old generation grew by in this second, outside mark-compacts */
  oldGrowth: number;
  oldBytes: number;
  /** the longest gap between two 10 ms ticks, less the tick */
  maxStallMs: number;
  cpuMs: number;
}

const file = process.env.BENCH_GC_PROBE_FILE;
const OLD_SPACES = new Set(['old_space', 'large_object_space', 'code_space', 'code_large_object_space']);
const TICK_MS = 10;

function oldBytes(): number {
  let total = 0;
  for (const space of getHeapSpaceStatistics()) if (OLD_SPACES.has(space.space_name)) total += space.space_used_size;
  return total;
}

if (file) {
  let second = { scavenges: [] as number[], markCompacts: [] as number[], oldGrowth: 0, maxStallMs: 0 };
  let lastOld = oldBytes();
  let lastCpu = process.cpuUsage();
  const settleOld = (afterMarkCompact: boolean) => {
    const now = oldBytes();
    if (!afterMarkCompact) second.oldGrowth += Math.max(0, now - lastOld);
    lastOld = now;
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A 'gc' entry's detail is a NodeGCPerformanceDetail; the type leaves it unknown for other entry types.
      const kind = (entry.detail as NodeGCPerformanceDetail | undefined)?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        second.markCompacts.push(entry.duration);
        settleOld(true);
      } else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        second.scavenges.push(entry.duration);
        settleOld(false);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  let lastTick = performance.now();
  setInterval(() => {
    const now = performance.now();
    second.maxStallMs = Math.max(second.maxStallMs, now - lastTick - TICK_MS);
    lastTick = now;
  }, TICK_MS).unref();
  setInterval(() => {
    settleOld(false);
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    const line: GcProbeSecond = {
      pid: process.pid,
      at: Date.now(),
      ...second,
      maxStallMs: Math.round(second.maxStallMs * 10) / 10,
      oldBytes: lastOld,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    appendFileSync(file, JSON.stringify(line) + '\n');
    second = { scavenges: [], markCompacts: [], oldGrowth: 0, maxStallMs: 0 };
  }, 1000).unref();
}
