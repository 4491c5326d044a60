/**
 * Readings from Linux's /proc for the benchmarks: file-descriptor limits, RSS, CPU time and open fds of a process and
 * its descendants, the machine's CPU time, PostgreSQL's CPU time, and a few network settings. Each returns null (or 0
 * for PostgreSQL) where /proc has no answer, e.g. on another OS.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/<pid>/stat and /proc/stat count CPU time in these ticks per second. */
export const CLK_TCK = 100;

export function readFdLimit(pid: number | 'self'): { soft: number; hard: number } | null {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    if (!line) return null;
    const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
    const parse = (v: string) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
    return { soft: parse(soft), hard: parse(hard) };
  } catch {
    return null;
  }
}

function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${out[i]}/task`)) {
        const children = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (children) out.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // gone, or no children file: ignore
    }
  }
  return out;
}

/**
 * A reading summed over the process and its descendants (a `--server-cmd` may start children, `--server-workers`
 * does); null when none could be read. `read` returns undefined or throws for a process that has no such figure or
 * is gone.
 */
function sumOverTree(pid: number | undefined, read: (pid: number) => number | undefined): number | null {
  if (!pid) return null;
  let total = 0;
  let found = false;
  for (const p of processTree(pid)) {
    try {
      const value = read(p);
      if (value === undefined) continue;
      total += value;
      found = true;
    } catch {
      // gone
    }
  }
  return found ? total : null;
}

/** VmRSS in KB of the process and its descendants. */
export function readRssKb(pid: number | undefined): number | null {
  return sumOverTree(pid, (p) => {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  });
}

/** CPU seconds (user+system) of the process and its descendants. */
export function readCpuSeconds(pid: number | undefined): number | null {
  const ticks = sumOverTree(pid, (p) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  });
  return ticks === null ? null : ticks / CLK_TCK;
}

/** Open file descriptors of the process and its descendants. */
export function readFdCount(pid: number | undefined): number | null {
  return sumOverTree(pid, (p) => readdirSync(`/proc/${p}/fd`).length);
}

export function portRangeSize(): number | null {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return hi - lo + 1;
  } catch {
    return null;
  }
}

/** Machine-wide TCP listen-queue overflows (SYNs dropped because a listener's accept queue was full). */
export function readListenOverflows(): number | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0].split(/\s+/).slice(1);
    const values = lines[1].split(/\s+/).slice(1).map(Number);
    const i = names.indexOf('ListenOverflows');
    return i >= 0 ? values[i] : null;
  } catch {
    return null;
  }
}

export function readSysctl(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

/**
 * The whole machine's CPU seconds since boot, from /proc/stat: busy (everything but idle and iowait), and of that what
 * the hypervisor took (steal: time the vCPUs wanted to run but the host ran something else, which shows as stalls no
 * process of ours caused).
 */
export function readMachineCpuSeconds(): { busy: number; stolen: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal = 0] = fields;
    return { busy: (user + nice + system + irq + softirq + steal) / CLK_TCK, stolen: steal / CLK_TCK };
  } catch {
    return null;
  }
}

/** CPU seconds of every PostgreSQL process on the machine (the server's database work happens there). */
export function readPostgresCpuSeconds(): number {
  let ticks = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres' && !comm.startsWith('postgres:')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / CLK_TCK;
}
