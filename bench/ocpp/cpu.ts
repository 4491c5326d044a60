/**
 * Where the CPU went during a scenario: snapshots of the server's, the load generator's, PostgreSQL's and the whole
 * machine's CPU time, and the split between two of them.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { readCpuSeconds, readMachineCpuSeconds, readPostgresCpuSeconds } from '../shared/proc.js';
import { fmt, type Row } from './format.js';
import { round } from './histogram.js';
import { warn } from './log.js';
import { useDb } from './options.js';
import type { ServerHandle } from './server.js';
import type { WorkerPool } from './worker-pool.js';

export interface CpuSnapshot {
  at: number;
  machine: number | null;
  stolen: number | null;
  server: number | null;
  loadGen: number | null;
  postgres: number | null;
}

export function cpuSnapshot(server: ServerHandle, pool: WorkerPool): CpuSnapshot {
  let loadGen: number | null = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  for (const w of pool.workers) {
    const cpu = readCpuSeconds(w.proc.pid);
    if (cpu === null) loadGen = null;
    else if (loadGen !== null) loadGen += cpu;
  }
  const machineCpu = readMachineCpuSeconds();
  return {
    at: performance.now(),
    machine: machineCpu?.busy ?? null,
    stolen: machineCpu?.stolen ?? null,
    server: readCpuSeconds(server.pid),
    loadGen,
    postgres: useDb ? readPostgresCpuSeconds() : null,
  };
}

/**
 * Where the CPU went between two snapshots, 100% = one core: the server, PostgreSQL (all its
 * processes on this machine, when the run uses a database), the load generator (its workers and
 * this process), everything else on the machine (other processes: their share disturbs the
 * figures), and idle.
 */
export function cpuSplit(a: CpuSnapshot, b: CpuSnapshot) {
  const seconds = (b.at - a.at) / 1000;
  const pct = (x: number | null, y: number | null) => (x === null || y === null || seconds <= 0 ? null : round(((y - x) * 100) / seconds, 0));
  const machine = pct(a.machine, b.machine);
  const serverPct = pct(a.server, b.server);
  const loadGen = pct(a.loadGen, b.loadGen);
  const pg = pct(a.postgres, b.postgres);
  const stolen = pct(a.stolen, b.stolen);
  const other = machine === null ? null : Math.max(0, machine - (serverPct ?? 0) - (loadGen ?? 0) - (pg ?? 0) - (stolen ?? 0));
  const idle = machine === null ? null : Math.max(0, machineCpus() * 100 - machine);
  return { seconds: round(seconds, 1), cores: machineCpus(), server: serverPct, postgres: pg, loadGenerator: loadGen, otherProcesses: other, stolen, idle };
}
export type CpuSplit = ReturnType<typeof cpuSplit>;

function machineCpus(): number {
  return os.cpus().length;
}

export function cpuRow(label: string, cpu: CpuSplit): Row {
  const disturbed = (cpu.otherProcesses ?? 0) >= 30;
  if (disturbed) {
    warn(`${label}: other processes on this machine used ${cpu.otherProcesses}% CPU (of ${cpu.cores * 100}%) meanwhile: the figures are disturbed; rerun on a quiet machine`);
  }
  return [
    `CPU ${label} (100% = 1 core of ${cpu.cores})`,
    `server ${fmt(cpu.server, '%', 0)}${cpu.postgres === null ? '' : `, PostgreSQL ${fmt(cpu.postgres, '%', 0)}`}, load generator ${fmt(cpu.loadGenerator, '%', 0)}, other processes ${fmt(cpu.otherProcesses, '%', 0)}, taken by the hypervisor ${fmt(cpu.stolen, '%', 0)}, idle ${fmt(cpu.idle, '%', 0)}`,
    disturbed ? 'DISTURBED by other processes' : '',
  ];
}
