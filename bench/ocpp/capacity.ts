/**
 * How many stations fit: the load generator's and the server's open-files limits and the ephemeral port range cap a
 * scenario's sockets; a scenario that asks for more is scaled down, with a warning that says how to raise the limit.
 */
import { performance } from 'node:perf_hooks';
import { portRangeSize, readFdCount, readFdLimit } from '../shared/proc.js';
import { warn } from './log.js';
import { config, serverKind } from './options.js';
import type { ServerHandle } from './server.js';
import { sleep } from './wait.js';

/** The server's open fds once it is up, before any station connects. */
let serverFdBaseline: number | null = null;

export function setServerFdBaseline(fds: number | null): void {
  serverFdBaseline = fds;
}

export function capacityFor(server: ServerHandle, requested: number, what: string): number {
  let cap = Infinity;
  const reasons: string[] = [];
  const own = readFdLimit('self');
  if (own) {
    // Each worker holds its share of the sockets (+ ~64 for itself); workers inherit this limit.
    const perWorker = own.soft - 64;
    if (perWorker * config.workers < cap) {
      cap = perWorker * config.workers;
      reasons.push(`the load generator's open-files limit is ${own.soft} per worker process`);
    }
  }
  const serverLimit = server.pid ? readFdLimit(server.pid) : null;
  if (serverLimit) {
    // With --server-workers the primary holds no sockets: each worker holds its share, under its own limit.
    const processes = serverKind === 'anode' ? config.serverWorkers : 1;
    const spare = processes * (serverLimit.soft - 100) - (serverFdBaseline ?? 64);
    if (spare < cap) {
      cap = spare;
      reasons.push(
        `the server's open-files limit is ${serverLimit.soft} (hard ${serverLimit.hard}) per process, ${processes} process(es) hold sockets, and they already use ${serverFdBaseline ?? '?'}`,
      );
    }
  }
  const ports = portRangeSize();
  if (ports !== null && ports - 500 < cap) {
    cap = ports - 500;
    reasons.push(`the ephemeral port range (net.ipv4.ip_local_port_range) has ${ports} ports`);
  }
  if (requested <= cap) return requested;
  const scaled = Math.max(1, Math.floor(cap));
  warn(
    `${what}: ${requested} stations requested but only ${scaled} fit: ${reasons.join('; ')}. Scaling down to ${scaled}. ` +
      `To go higher raise the limit before starting (ulimit -n can't be set from Node): e.g. \`ulimit -n 65536\` in the shell ` +
      `(needs a hard limit that high: /etc/security/limits.conf, or LimitNOFILE= for a service) and widen ` +
      `net.ipv4.ip_local_port_range if ports are the limit.`,
  );
  return scaled;
}

/** Waits (up to 20 s) until the server has closed the previous scenario's sockets. */
export async function waitServerQuiet(server: ServerHandle): Promise<void> {
  if (!server.pid || serverFdBaseline === null) return;
  const until = performance.now() + 20_000;
  while (performance.now() < until) {
    const fds = readFdCount(server.pid);
    if (fds === null || fds <= serverFdBaseline + 50) return;
    await sleep(250);
  }
  warn(`the server still holds ${readFdCount(server.pid)} file descriptors 20 s after the last scenario's sockets closed (baseline ${serverFdBaseline})`);
}
