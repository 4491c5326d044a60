/**
 * OCPP load benchmark for Anode: `npm run bench:ocpp` (see --help).
 *
 * Starts a CSMS (Anode's src/main.ts on a throw-away PostgreSQL database, or the stub in
 * stub-csms.ts, or any command), registers simulated charge stations and tokens through the
 * admin API, then drives them from forked worker processes (station/worker.ts) through
 * three scenarios: boot-storm, hold and meter-values. Prints a table per scenario and one
 * `BENCH_RESULT {...}` JSON line with every figure. Only ever talks to 127.0.0.1.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import {
  Histogram,
  incr,
  mergeCounts,
  MV_LATENCY_TARGET_MS,
  round,
  SCENARIOS,
  type LatencySummary,
  type OcppVersion,
  type ParentToWorker,
  type ScenarioName,
  type ScenarioOptions,
  type StationSpec,
  type WorkerProgress,
  type WorkerStatsJSON,
  type WorkerToParent,
} from './messages.js';
import { ANODE_ENTRY, npmStartNodeOptions } from '../../scripts/start-command.js';
import type { GcProbeSecond } from './gc-probe.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const WORKER_SCRIPT = join(HERE, 'station/worker.ts');
const STUB_SCRIPT = join(HERE, 'stub-csms.ts');
const GC_PROBE_SCRIPT = join(HERE, 'gc-probe.ts');
const DEFAULT_ADMIN_DB = 'postgres://anode_ci:anode_ci@127.0.0.1:5432/anode_ci';

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

/**
 * The simulated stations are the load, not what is measured: V8 flags that keep their own collections from stalling
 * them. With allocation-site pretenuring V8 sometimes decided, early in a run, to allocate a call's objects straight
 * in the old generation, which then filled at ~9 MB/s per worker and was mark-compacted every ~15 s; without it, and
 * with a 32 MB young generation, it grows ~0.2 MB/s (bench:ocpp --gc-probe).
 */
const DEFAULT_WORKER_NODE_ARGS = '--no-allocation-site-pretenuring --max-semi-space-size=32';

const HELP = `OCPP load benchmark (bench/ocpp/run.ts)

  npm run bench:ocpp -- [options]        npx tsx bench/ocpp/run.ts [options]

What to run
  --scenario <list>          all (default) | boot-storm | hold | meter-values, or a comma list; always run in the order
                             boot-storm, hold, meter-values, one after the other on one server
  --quick                    small smoke run, under a minute: 200 boot, 500 hold, 200 mv stations, 10 s each
  --ocpp201-share <0..1>     share of stations speaking OCPP 2.0.1 instead of 1.6 (default 0)

Server under test
  --server anode|stub        anode (default): node --import tsx src/main.ts on a fresh PostgreSQL database;
                             stub: bench/ocpp/stub-csms.ts (no database), for profiling the load generator alone
  --server-cmd "<command>"   start this instead (run with sh -c 'exec …' in the repo root; gets PORT, HOST, DATABASE_URL…)
  --url http://127.0.0.1:P   use an already running server (nothing started or stopped; no RSS unless --server-pid)
  --server-pid <pid>         with --url: the server's pid, for RSS/CPU/fd figures
  --no-db                    create no database (implied by --server stub); the persisted-count check is skipped
  --database-url <url>       use this existing database (not created, not dropped)
  --keep-db                  don't drop the created database at the end (to inspect it)
  --server-log-level <lvl>   LOG_LEVEL for the server (default warn); its output goes to a log file (path printed)
  --server-workers <n>       WORKERS for Anode: processes sharing its port (default 1; above 1 needs PostgreSQL)
  --server-node-args "<a b>" node options for Anode's process (default: those of npm start, from package.json)
  (BENCH_ADMIN_DATABASE_URL  env: a role with CREATEDB; default ${DEFAULT_ADMIN_DB})

Load
  --workers <n>              load-generator processes (default 3: each one's collections stall fewer stations)
  --boot-stations <n>        boot-storm: stations connecting and booting at once (default 5000)
  --hold-stations <n>        hold: stations held open (default 20000)
  --hold-seconds <s>         hold: how long to hold them after the ramp (default 30)
  --heartbeat-interval <s>   Heartbeat period per station, hold and meter-values (default 60)
  --mv-stations <n>          meter-values: stations with a transaction open (default 5000)
  --mv-interval <s>          meter-values: MeterValues period per station (default 1)
  --mv-seconds <s>           meter-values: length of the measurement window (default 30)
  --mv-warmup-seconds <s>    meter-values: MeterValues flow this long before the window opens; reported apart as the
                             warm-up (default 10; 0 = none)
  --ramp-batch <n>           hold/meter-values connect ramp: sockets per step, all workers together (default 500)
  --ramp-every-ms <ms>       ramp step (default 100)

Limits
  --boot-timeout <s>         a station not Accepted this long after it began connecting gives up (default 60)
  --boot-retry-ms <ms>       after Pending, retry BootNotification after ms..2×ms (default 1000)
  --connect-retries <n>      a failed connect is tried again up to n times, after n×(boot-retry-ms..2×) as real
                             stations back off (default 5; 0 = one try only). Each failed try counts as a connect failure
  --call-timeout <s>         OCPP call timeout (default 30)
  --connect-timeout <s>      WebSocket opening handshake timeout (default 30)
  --ws-ping <s>              WebSocket ping interval of the stations, 0 = off (default 0)
  --gc-probe                 meter-values: per process (server, each load-generator worker), its collections in the
                             window: scavenges and their pauses, mark-compacts, how fast the old generation grows
                             (which sets how often a mark-compact comes), event-loop stalls, CPU (bench/ocpp/gc-probe.ts)
  --worker-node-args "<a b>" node options for each load-generator worker (default: ${DEFAULT_WORKER_NODE_ARGS})
  --worker-cpu-prof <dir>    write a V8 CPU profile of each load-generator worker into <dir> (to see what the
                             load generator itself costs)
  --registration-concurrency <n>  admin API requests in flight while registering (default 50)
  --max-seconds <s>          hard timeout for the whole run: kill everything, exit 124 (default 600)
  --strict-targets           exit 3 when a target is missed (default: targets are informational)
  --help

Notes
  Latency is measured in the station from call() to the answer (p50/p90/p99/max from a 2%-resolution
  histogram). A station keeps at most one MeterValues (2.0.1: TransactionEvent Updated) and one Heartbeat
  unanswered; a tick that finds one still unanswered is skipped and counted, so an overloaded server shows
  as a lower rate plus skips rather than an ever-growing queue. Targets are judged only at the default scale.
  The persisted-count check compares sampled values the server acknowledged with the sampled values stored in
  meter_values for this run's stations (with --server stub: the stub's counters).
  Exit codes: 0 done, 1 a scenario/setup failed or the persisted count mismatched, 2 bad options,
  3 a target missed with --strict-targets, 124 hard timeout, 130/143 interrupted.
`;

const optionSpec = {
  scenario: { type: 'string', default: 'all' },
  quick: { type: 'boolean', default: false },
  'ocpp201-share': { type: 'string' },
  server: { type: 'string' },
  'server-cmd': { type: 'string' },
  url: { type: 'string' },
  'server-pid': { type: 'string' },
  'no-db': { type: 'boolean', default: false },
  'database-url': { type: 'string' },
  'keep-db': { type: 'boolean', default: false },
  'server-log-level': { type: 'string', default: 'warn' },
  'server-node-args': { type: 'string' },
  'server-workers': { type: 'string' },
  'worker-cpu-prof': { type: 'string' },
  'worker-node-args': { type: 'string' },
  'gc-probe': { type: 'boolean', default: false },
  workers: { type: 'string' },
  'boot-stations': { type: 'string' },
  'hold-stations': { type: 'string' },
  'hold-seconds': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'mv-stations': { type: 'string' },
  'mv-interval': { type: 'string' },
  'mv-seconds': { type: 'string' },
  'mv-warmup-seconds': { type: 'string' },
  'ramp-batch': { type: 'string' },
  'ramp-every-ms': { type: 'string' },
  'boot-timeout': { type: 'string' },
  'boot-retry-ms': { type: 'string' },
  'connect-retries': { type: 'string' },
  'call-timeout': { type: 'string' },
  'connect-timeout': { type: 'string' },
  'ws-ping': { type: 'string' },
  'registration-concurrency': { type: 'string' },
  'max-seconds': { type: 'string' },
  'strict-targets': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function parseCommandLine() {
  try {
    return parseArgs({ options: optionSpec, strict: true, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`bench:ocpp: ${(error as Error).message}\n(run with --help for the options)\n`);
    process.exit(2);
  }
}
const args = parseCommandLine();

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function usage(message: string): never {
  process.stderr.write(`bench:ocpp: ${message}\n(run with --help for the options)\n`);
  process.exit(2);
}

function num(name: keyof typeof args, fallback: number, quickFallback: number, min: number, max: number, integer = true): number {
  const raw = args[name];
  if (raw === undefined) return args.quick ? quickFallback : fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    usage(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${String(raw)}"`);
  }
  return value;
}

const scenarioList: ScenarioName[] = (() => {
  if (args.scenario === 'all') return [...SCENARIOS];
  const list = args.scenario.split(',').map((s) => s.trim());
  for (const s of list) if (!SCENARIOS.includes(s as ScenarioName)) usage(`unknown scenario "${s}" (${SCENARIOS.join(', ')}, all)`);
  return SCENARIOS.filter((s) => list.includes(s));
})();

const serverKind: 'anode' | 'stub' | 'command' | 'external' = args.url
  ? 'external'
  : args['server-cmd']
    ? 'command'
    : args.server === 'stub'
      ? 'stub'
      : args.server === undefined || args.server === 'anode'
        ? 'anode'
        : usage(`--server must be anode or stub, got "${args.server}"`);

const DEFAULTS = { boot: 5000, hold: 20000, mv: 5000, mvPerSecond: 5000 };
const workerNodeArgs = (args['worker-node-args'] ?? DEFAULT_WORKER_NODE_ARGS).split(/\s+/).filter(Boolean);
const config = {
  scenarios: scenarioList,
  quick: args.quick,
  workers: num('workers', 3, 3, 1, 64),
  serverWorkers: num('server-workers', 1, 1, 1, 64),
  ocpp201Share: num('ocpp201-share', 0, 0, 0, 1, false),
  bootStations: num('boot-stations', DEFAULTS.boot, 200, 1, 1_000_000),
  holdStations: num('hold-stations', DEFAULTS.hold, 500, 1, 1_000_000),
  holdSeconds: num('hold-seconds', 30, 10, 0, 86_400, false),
  heartbeatIntervalS: num('heartbeat-interval', 60, 10, 0, 86_400, false),
  mvStations: num('mv-stations', DEFAULTS.mv, 200, 1, 1_000_000),
  mvIntervalS: num('mv-interval', 1, 1, 0.01, 3600, false),
  mvSeconds: num('mv-seconds', 30, 10, 1, 86_400, false),
  mvWarmupS: num('mv-warmup-seconds', 10, 3, 0, 3600, false),
  rampBatch: num('ramp-batch', 500, 500, 1, 1_000_000),
  rampEveryMs: num('ramp-every-ms', 100, 100, 0, 60_000),
  bootTimeoutS: num('boot-timeout', 60, 30, 1, 3600, false),
  bootRetryMs: num('boot-retry-ms', 1000, 1000, 10, 600_000),
  connectRetries: num('connect-retries', 5, 5, 0, 100),
  callTimeoutS: num('call-timeout', 30, 30, 1, 3600, false),
  connectTimeoutS: num('connect-timeout', 30, 30, 1, 3600, false),
  wsPingS: num('ws-ping', 0, 0, 0, 3600, false),
  registrationConcurrency: num('registration-concurrency', 50, 50, 1, 1000),
  maxSeconds: num('max-seconds', 600, 600, 10, 7 * 86_400, false),
  serverLogLevel: args['server-log-level'],
  workerNodeArgs,
};
const useDb = !(args['no-db'] || serverKind === 'stub' || (serverKind === 'external' && !args['database-url']));

if (args.url && !/^http:\/\/127\.0\.0\.1(:\d+)?\/?$/.test(args.url)) usage('--url must be http://127.0.0.1:<port> (the benchmark only talks to loopback)');

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** A failure the benchmark expects and explains: printed without a stack trace. */
class BenchError extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const t0 = performance.now();
const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
function say(message: string): void {
  process.stdout.write(`[${elapsed()}s] ${message}\n`);
}
const warnings: string[] = [];
function warn(message: string): void {
  warnings.push(message);
  process.stdout.write(`[${elapsed()}s] WARNING: ${message}\n`);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BenchError(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function fmt(value: number | null | undefined, unit = '', digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits })}${unit}`;
}

function fmtLatency(s: LatencySummary): string {
  if (s.count === 0) return 'no answers';
  return `p50 ${fmt(s.p50)} / p90 ${fmt(s.p90)} / p99 ${fmt(s.p99)} / max ${fmt(s.max)} ms (n=${s.count.toLocaleString('en-US')})`;
}

function fmtCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n.toLocaleString('en-US')}`)
    .join(', ');
}

type Row = [label: string, value: string, target?: string];
function table(title: string, rows: Row[]): void {
  const w0 = Math.max(...rows.map((r) => r[0].length), 6);
  const w1 = Math.min(Math.max(...rows.map((r) => r[1].length), 5), 64);
  const line = '-'.repeat(Math.min(w0 + w1 + 40, 160));
  process.stdout.write(`\n${title}\n${line}\n`);
  for (const [label, value, target] of rows) {
    process.stdout.write(`  ${label.padEnd(w0)}  ${value.padEnd(w1)}${target ? `  ${target}` : ''}\n`);
  }
  process.stdout.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux): fd limits, RSS, CPU time, open fds
// ---------------------------------------------------------------------------------------------

function readFdLimit(pid: number | 'self'): { soft: number; hard: number } | null {
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
function readRssKb(pid: number | undefined): number | null {
  return sumOverTree(pid, (p) => {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  });
}

const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds (user+system) of the process and its descendants. */
function readCpuSeconds(pid: number | undefined): number | null {
  const ticks = sumOverTree(pid, (p) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  });
  return ticks === null ? null : ticks / CLK_TCK;
}

/** Open file descriptors of the process and its descendants. */
function readFdCount(pid: number | undefined): number | null {
  return sumOverTree(pid, (p) => readdirSync(`/proc/${p}/fd`).length);
}

function portRangeSize(): number | null {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return hi - lo + 1;
  } catch {
    return null;
  }
}

/** Machine-wide TCP listen-queue overflows (SYNs dropped because a listener's accept queue was full). */
function readListenOverflows(): number | null {
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

function readSysctl(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup: runs once, on success, failure, Ctrl-C or the hard timeout
// ---------------------------------------------------------------------------------------------

const cleanups: Array<{ what: string; fn: () => Promise<void> }> = [];
let cleanedUp: Promise<void> | undefined;
function onCleanup(what: string, fn: () => Promise<void>): void {
  cleanups.push({ what, fn });
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

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

const runId = randomBytes(4).toString('hex').slice(0, 6);
const stationPrefix = `bench-${runId}`;

/** With --gc-probe: node arguments that load the probe after tsx, and the file it writes to set in `env`. */
function withGcProbe(nodeArgs: string[], label: string, env: NodeJS.ProcessEnv): string[] {
  if (!args['gc-probe']) return nodeArgs;
  env.BENCH_GC_PROBE_FILE = gcProbeFile(label);
  const afterTsx = nodeArgs.indexOf('tsx') + 1;
  return [...nodeArgs.slice(0, afterTsx), '--import', GC_PROBE_SCRIPT, ...nodeArgs.slice(afterTsx)];
}

const gcProbeFile = (label: string) => join(os.tmpdir(), `anode-bench-${runId}-gc-${label}.jsonl`);

interface GcSummary {
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
function gcSummaries(labels: string[], from: number, to: number): GcSummary[] {
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

function gcRows(summaries: GcSummary[]): Row[] {
  return summaries.map((gc) => [
    `  GC: ${gc.process}`,
    `CPU ${gc.cpuPercent}%, scavenges ${gc.scavenges} (p50 ${fmt(gc.scavengePauseMs.p50)} / max ${fmt(gc.scavengePauseMs.max)} ms), ` +
      `mark-compacts ${gc.markCompactPausesMs.length}${gc.markCompactPausesMs.length ? ` (${gc.markCompactPausesMs.join(', ')} ms)` : ''}, ` +
      `old gen +${gc.oldGrowthMbPerSecond} MB/s, loop stalls max ${gc.maxStallMs} ms (${gc.secondsWithStallOver50Ms} s over 50 ms)`,
  ]);
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  fdLimit: readFdLimit('self'),
  ephemeralPorts: portRangeSize(),
  somaxconn: readSysctl('/proc/sys/net/core/somaxconn'),
};

const result: Record<string, any> = {
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

let exiting = false;
/**
 * Milliseconds for a fixed amount of integer work, best of three: these machines' speed has been seen to change by half
 * within a session (a hypervisor's doing that /proc/stat's steal did not show), so each run says how fast its machine was.
 */
function cpuProbeMs(): number {
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

async function finish(code: number, error?: string): Promise<never> {
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
  result.seconds = round((performance.now() - t0) / 1000, 1);
  result.exitCode = code;
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
  process.exit(code);
}

const hardTimer = setTimeout(() => {
  void finish(124, `hard timeout: the run took longer than --max-seconds ${config.maxSeconds}; everything was killed`);
}, config.maxSeconds * 1000);
process.on('SIGINT', () => void finish(130, 'interrupted (SIGINT)'));
process.on('SIGTERM', () => void finish(143, 'terminated (SIGTERM)'));

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

async function createDatabase(): Promise<string> {
  const adminUrl = process.env.BENCH_ADMIN_DATABASE_URL || DEFAULT_ADMIN_DB;
  const name = `anode_bench_${runId}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => undefined);
    const message = String((error as Error)?.message ?? error);
    process.stdout.write(
      `\nCould not create a database through ${redact(adminUrl)}: ${message}\n` +
        `The benchmark needs a PostgreSQL role with CREATEDB (CI creates one). To create it locally:\n` +
        `  psql -h /var/run/postgresql -U postgres -c "create role anode_ci login createdb password 'anode_ci'"\n` +
        `  psql -h /var/run/postgresql -U postgres -c "create database anode_ci owner anode_ci"\n` +
        `or point BENCH_ADMIN_DATABASE_URL at another role with CREATEDB, or pass --database-url <url> (an existing database)` +
        ` or --no-db.\n`,
    );
    throw new BenchError('database setup failed');
  }
  onCleanup('drop the benchmark database', async () => {
    if (args['keep-db']) {
      say(`keeping database ${name} (--keep-db)`);
    } else {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      say(`dropped database ${name}`);
    }
    await admin.end({ timeout: 2 });
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  say(`created database ${name}`);
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// Server under test
// ---------------------------------------------------------------------------------------------

interface ServerHandle {
  baseUrl: string;
  endpoint: string;
  pid?: number;
  child?: ChildProcess;
  logFile?: string;
  lastLines: string[];
  exited?: { code: number | null; signal: string | null };
  log: { errors: number; warns: number; firstErrors: string[]; firstWarns: string[]; nonJson: number; firstNonJson: string[] };
  adminToken?: string;
}

function freePort(): Promise<number> {
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

async function waitHealthy(server: ServerHandle, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < until) {
    if (server.exited) {
      await sleep(200); // the rest of its output
      throw new BenchError(
        `the server exited during start-up (code ${server.exited.code}, signal ${server.exited.signal}); its log: ${server.logFile}\n` +
          `last lines:\n${server.lastLines.map((l) => `  | ${l.slice(0, 400)}`).join('\n')}`,
      );
    }
    try {
      const res = await fetch(`${server.baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = String((error as Error)?.message ?? error);
    }
    await sleep(200);
  }
  throw new BenchError(`the server did not answer GET /health with 200 within ${timeoutMs / 1000} s (last: ${last})`);
}

async function startServer(databaseUrl: string | undefined): Promise<ServerHandle> {
  const log: ServerHandle['log'] = { errors: 0, warns: 0, firstErrors: [], firstWarns: [], nonJson: 0, firstNonJson: [] };
  const adminToken = process.env.ADMIN_API_TOKEN || undefined;
  if (serverKind === 'external') {
    const baseUrl = args.url!.replace(/\/$/, '');
    const server: ServerHandle = {
      baseUrl,
      endpoint: `${baseUrl.replace(/^http/, 'ws')}/ocpp`,
      pid: args['server-pid'] ? Number(args['server-pid']) : undefined,
      lastLines: [],
      log,
      adminToken,
    };
    await waitHealthy(server, 10_000);
    return server;
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: config.serverLogLevel,
    NODE_ENV: 'production',
  };
  if (serverKind === 'anode') env.WORKERS = String(config.serverWorkers);
  if (databaseUrl) {
    env.DATABASE_URL = databaseUrl;
  } else {
    delete env.DATABASE_URL;
    // Anode without DATABASE_URL uses PGlite: keep it in memory rather than in ./.anode of the repo.
    env.ANODE_DATA_DIR ||= 'memory://';
  }
  let command: string;
  let commandArgs: string[];
  if (serverKind === 'command') {
    command = '/bin/sh';
    commandArgs = ['-c', `exec ${args['server-cmd']!}`];
  } else {
    command = process.execPath;
    if (serverKind === 'stub') {
      commandArgs = withGcProbe(['--import', 'tsx', STUB_SCRIPT], 'server', env);
    } else {
      const nodeArgs = args['server-node-args'] === undefined ? npmStartNodeOptions() : args['server-node-args'].split(/\s+/).filter(Boolean);
      commandArgs = [...nodeArgs, ...withGcProbe(ANODE_ENTRY, 'server', env)];
    }
  }
  const logFile = join(os.tmpdir(), `anode-bench-${runId}-server.log`);
  const logStream: WriteStream = createWriteStream(logFile);
  const child = spawn(command, commandArgs, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const baseUrl = `http://127.0.0.1:${port}`;
  const lastLines: string[] = [];
  const server: ServerHandle = { baseUrl, endpoint: `ws://127.0.0.1:${port}/ocpp`, pid: child.pid, child, logFile, lastLines, log, adminToken };
  logStream.on('error', () => undefined);
  const onLine = (line: string) => {
    if (!logStream.writableEnded) logStream.write(line + '\n');
    lastLines.push(line);
    if (lastLines.length > 12) lastLines.shift();
    if (!line.trim()) return;
    let level: number | undefined;
    let msg = line;
    try {
      const parsed = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      level = typeof parsed.level === 'number' ? parsed.level : undefined;
      msg = `${parsed.msg ?? ''}${parsed.err?.message ? `: ${parsed.err.message}` : ''}`.slice(0, 300);
    } catch {
      log.nonJson++;
      if (log.firstNonJson.length < 5) log.firstNonJson.push(line.slice(0, 300));
      return;
    }
    if (level !== undefined && level >= 50) {
      log.errors++;
      if (log.firstErrors.length < 5) log.firstErrors.push(msg);
    } else if (level === 40) {
      log.warns++;
      if (log.firstWarns.length < 5) log.firstWarns.push(msg);
    }
  };
  let stoppingServer = false;
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  child.on('exit', (code, signal) => {
    server.exited = { code, signal };
    logStream.end();
    if (!stoppingServer && !exiting) {
      // Let readline deliver what is left of its output first.
      setTimeout(() => {
        void finish(
          1,
          `the server exited unexpectedly (code ${code}, signal ${signal}); its log: ${logFile}\n` +
            `last lines:\n${lastLines.map((l) => `  | ${l.slice(0, 400)}`).join('\n')}`,
        );
      }, 200);
    }
  });
  onCleanup('stop the server', async () => {
    stoppingServer = true;
    if (server.exited) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const graceful = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!graceful) {
      warn('the server did not exit within 10 s of SIGTERM; sent SIGKILL');
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
    const exit = server.exited as ServerHandle['exited'];
    say(`server stopped (${exit ? `code ${exit.code}, signal ${exit.signal}` : 'still running?'})`);
  });
  say(`starting the server: ${serverKind === 'command' ? args['server-cmd'] : commandArgs.join(' ')} on ${baseUrl} (log: ${logFile})`);
  await waitHealthy(server, 90_000);
  return server;
}

// ---------------------------------------------------------------------------------------------
// Registration through the admin API
// ---------------------------------------------------------------------------------------------

async function runLimited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

const registrationTotals = { stations: 0, tokens: 0, seconds: 0, failures: {} as Record<string, number> };

async function register(server: ServerHandle, specs: StationSpec[]): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (server.adminToken) headers.authorization = `Bearer ${server.adminToken}`;
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  let firstFailure = '';
  const post = async (path: string, body: unknown, kind: string) => {
    try {
      const res = await fetch(`${server.baseUrl}/api/v0${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(config.callTimeoutS * 1000),
      });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) {
        ok++;
        return;
      }
      failed++;
      incr(registrationTotals.failures, `${kind} HTTP ${res.status}`);
      firstFailure ||= `POST /api/v0${path} → ${res.status} ${text.slice(0, 300)}`;
    } catch (error) {
      failed++;
      incr(registrationTotals.failures, `${kind} ${String((error as Error)?.name ?? 'error')}`);
      firstFailure ||= `POST /api/v0${path} → ${String((error as Error)?.message ?? error)}`;
    }
  };
  type Job = { path: string; body: unknown; kind: string };
  const jobs: Job[] = [];
  for (const spec of specs) {
    jobs.push({
      path: `/cs/${encodeURIComponent(spec.id)}`,
      body: { securityProfile: 0, base64SHA256Password: createHash('sha256').update(spec.password).digest('base64') },
      kind: 'station',
    });
    if (spec.idTag) {
      jobs.push({
        path: '/token',
        body: {
          countryCode: 'NL',
          partyId: 'EMS',
          type: 'RFID',
          uid: spec.idTag,
          contractId: `NL-EMS-${spec.idTag}`,
          issuer: 'Bench',
          valid: true,
          cacheMode: 'ALWAYS',
        },
        kind: 'token',
      });
    }
  }
  // A first small batch: when the API isn't there at all, say so instead of failing thousands of times.
  const probe = jobs.slice(0, Math.min(jobs.length, config.registrationConcurrency));
  await runLimited(probe, config.registrationConcurrency, (j) => post(j.path, j.body, j.kind));
  if (ok === 0 && failed > 0) throw new BenchError(`registration through the admin API fails: ${firstFailure}`);
  await runLimited(jobs.slice(probe.length), config.registrationConcurrency, (j) => post(j.path, j.body, j.kind));
  const seconds = (performance.now() - started) / 1000;
  registrationTotals.stations += specs.length;
  registrationTotals.tokens += specs.filter((s) => s.idTag).length;
  registrationTotals.seconds += seconds;
  say(`registered ${specs.length} stations${specs.some((s) => s.idTag) ? ' and their tokens' : ''}: ${ok} requests in ${seconds.toFixed(1)} s (${Math.round(ok / seconds)}/s)${failed ? `, ${failed} FAILED (first: ${firstFailure})` : ''}`);
  if (failed) warn(`${failed} registration requests failed; those stations will fail to connect (first: ${firstFailure})`);
}

function makeStations(tag: string, count: number, withTokens: boolean): StationSpec[] {
  const specs: StationSpec[] = [];
  for (let i = 0; i < count; i++) {
    // Spread 2.0.1 stations evenly: station i is 2.0.1 when the running share crosses an integer.
    const version: OcppVersion = Math.floor((i + 1) * config.ocpp201Share) > Math.floor(i * config.ocpp201Share) ? '2.0.1' : '1.6';
    specs.push({
      id: `${stationPrefix}-${tag}-${String(i + 1).padStart(6, '0')}`,
      password: randomBytes(16).toString('hex'),
      version,
      // OCPP 1.6 idTag is at most 20 characters: "BN" + run id (6) + 7 digits.
      idTag: withTokens ? `BN${runId}${String(i + 1).padStart(7, '0')}`.toUpperCase() : undefined,
    });
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------------

interface WorkerHandle {
  index: number;
  proc: ChildProcess;
  progress?: WorkerProgress;
  inbox: Map<string, WorkerStatsJSON>;
  waiters: Set<() => void>;
  failure?: string;
}

class WorkerPool {
  readonly workers: WorkerHandle[] = [];
  private progressTimer?: NodeJS.Timeout;

  static async start(count: number): Promise<WorkerPool> {
    if (exiting) throw new BenchError('stopping');
    const pool = new WorkerPool();
    onCleanup('stop the load-generator workers', async () => pool.kill());
    const online: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const env: NodeJS.ProcessEnv = { ...process.env, BENCH_WORKER_INDEX: String(index) };
      const proc = fork(WORKER_SCRIPT, [], {
        execArgv: [
          ...workerNodeArgs,
          ...withGcProbe(['--import', 'tsx'], `w${index}`, env),
          ...(args['worker-cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['worker-cpu-prof']}`] : [])],
        cwd: REPO_ROOT, // where `--import tsx` resolves
        env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const handle: WorkerHandle = { index, proc, inbox: new Map(), waiters: new Set() };
      pool.workers.push(handle);
      online.push(
        new Promise<void>((resolveOnline, reject) => {
          proc.on('message', (raw) => {
            const message = raw as WorkerToParent;
            if (message.type === 'online') resolveOnline();
            else if (message.type === 'progress') handle.progress = message.progress;
            else if (message.type === 'fatal') handle.failure = `worker ${index} failed: ${message.error}`;
            else handle.inbox.set(message.type, message.stats);
            for (const waiter of handle.waiters) waiter();
          });
          proc.on('exit', (code, signal) => {
            handle.failure ??= `worker ${index} exited (code ${code}, signal ${signal})`;
            for (const waiter of handle.waiters) waiter();
            reject(new BenchError(handle.failure));
          });
        }),
      );
    }
    await withTimeout(Promise.all(online), 60_000, 'starting the load-generator workers');
    return pool;
  }

  send(message: ParentToWorker | ((w: WorkerHandle) => ParentToWorker)): void {
    for (const w of this.workers) {
      if (w.proc.connected) w.proc.send(typeof message === 'function' ? message(w) : message);
    }
  }

  /** Every worker's stats from its next message of this type. */
  async waitAll(type: 'ready' | 'window-done' | 'done' | 'report', timeoutMs: number): Promise<WorkerStatsJSON[]> {
    const one = (w: WorkerHandle) =>
      new Promise<WorkerStatsJSON>((resolveStats, reject) => {
        const check = () => {
          const stats = w.inbox.get(type);
          if (stats) {
            w.waiters.delete(check);
            w.inbox.delete(type);
            resolveStats(stats);
          } else if (w.failure) {
            w.waiters.delete(check);
            reject(new BenchError(w.failure));
          }
        };
        w.waiters.add(check);
        check();
      });
    return withTimeout(Promise.all(this.workers.map(one)), timeoutMs, `waiting for the workers (${type})`);
  }

  progress(): WorkerProgress {
    const sum: WorkerProgress = { worker: -1, open: 0, accepted: 0, connectFailed: 0, answered: 0, failed: 0 };
    for (const w of this.workers) {
      if (!w.progress) continue;
      sum.open += w.progress.open;
      sum.accepted += w.progress.accepted;
      sum.connectFailed += w.progress.connectFailed;
      sum.answered += w.progress.answered;
      sum.failed += w.progress.failed;
    }
    return sum;
  }

  startProgress(label: string, total: number, everyMs: number): void {
    this.stopProgress();
    const started = performance.now();
    let lastAnswered = 0;
    let lastAt = started;
    this.progressTimer = setInterval(() => {
      const p = this.progress();
      const now = performance.now();
      const rate = ((p.answered - lastAnswered) * 1000) / (now - lastAt);
      lastAnswered = p.answered;
      lastAt = now;
      say(
        `  ${label} +${((now - started) / 1000).toFixed(0)}s: open ${p.open}/${total}, accepted ${p.accepted}, connect failures ${p.connectFailed}, ` +
          `answered ${p.answered} (${Math.round(rate)}/s), failed calls ${p.failed}`,
      );
    }, everyMs);
  }

  stopProgress(): void {
    clearInterval(this.progressTimer);
    this.progressTimer = undefined;
  }

  async exit(): Promise<void> {
    this.stopProgress();
    const exits = this.workers.map((w) => (w.proc.exitCode !== null || w.proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => w.proc.once('exit', () => r()))));
    this.send({ type: 'exit' });
    await Promise.race([Promise.all(exits), sleep(5000)]);
    this.kill();
  }

  kill(): void {
    this.stopProgress();
    for (const w of this.workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// Merging what the workers measured
// ---------------------------------------------------------------------------------------------

interface MergedPhase {
  actions: Map<string, { hist: Histogram; errors: Record<string, number> }>;
  /** Σ over workers of answered-in-window / window length: answers per second. */
  windowRate: Record<string, number>;
  windowSeconds: number;
  /** Σ over workers: answers over MV_LATENCY_TARGET_MS by the second of the phase their call was sent in */
  slowBySecond: number[];
  /** the earliest worker's start of the phase, ms since the epoch */
  startedAt: number | null;
  workers: Array<{ worker: number; cpuPercent: number; loopDelayP99Ms: number | null; loopDelayMaxMs: number | null; wallSeconds: number }>;
}

function mergeStats(list: WorkerStatsJSON[]) {
  const phases = new Map<string, MergedPhase>();
  const connectHist = new Histogram();
  const timeToAccepted = new Histogram();
  const merged = {
    stations: 0,
    byVersion: { '1.6': 0, '2.0.1': 0 } as Record<OcppVersion, number>,
    connect: { attempted: 0, ok: 0, failures: {} as Record<string, number> },
    boot: { accepted: 0, pendingAnswers: 0, rejectedAnswers: 0, notAccepted: 0, firstConnectAt: null as number | null, lastAcceptedAt: null as number | null },
    openNow: 0,
    peakOpen: 0,
    unexpectedCloses: {} as Record<string, number>,
    serverCalls: {} as Record<string, number>,
    strictFailures: {} as Record<string, number>,
    skipped: {} as Record<string, number>,
    sampledValuesAcked: 0,
    sampledValuesAckedBy: {} as Record<string, number>,
    sampledValuesUnacked: 0,
    transactions: { started: 0, stopped: 0, authorizeNotAccepted: 0, startNotAccepted: 0, failedToStart: 0 },
  };
  for (const s of list) {
    merged.stations += s.stations;
    merged.byVersion['1.6'] += s.byVersion['1.6'];
    merged.byVersion['2.0.1'] += s.byVersion['2.0.1'];
    merged.connect.attempted += s.connect.attempted;
    merged.connect.ok += s.connect.ok;
    mergeCounts(merged.connect.failures, s.connect.failures);
    connectHist.merge(s.connect.hist);
    merged.boot.accepted += s.boot.accepted;
    merged.boot.pendingAnswers += s.boot.pendingAnswers;
    merged.boot.rejectedAnswers += s.boot.rejectedAnswers;
    merged.boot.notAccepted += s.boot.notAccepted;
    timeToAccepted.merge(s.boot.timeToAccepted);
    if (s.boot.firstConnectAt !== null) merged.boot.firstConnectAt = Math.min(merged.boot.firstConnectAt ?? Infinity, s.boot.firstConnectAt);
    if (s.boot.lastAcceptedAt !== null) merged.boot.lastAcceptedAt = Math.max(merged.boot.lastAcceptedAt ?? -Infinity, s.boot.lastAcceptedAt);
    merged.openNow += s.openNow;
    merged.peakOpen += s.peakOpen;
    mergeCounts(merged.unexpectedCloses, s.unexpectedCloses);
    mergeCounts(merged.serverCalls, s.serverCalls);
    mergeCounts(merged.strictFailures, s.strictFailures);
    mergeCounts(merged.skipped, s.skipped);
    merged.sampledValuesAcked += s.sampledValuesAcked;
    mergeCounts(merged.sampledValuesAckedBy, s.sampledValuesAckedBy);
    merged.sampledValuesUnacked += s.sampledValuesUnacked;
    for (const k of Object.keys(merged.transactions) as Array<keyof typeof merged.transactions>) merged.transactions[k] += s.transactions[k];
    for (const [name, p] of Object.entries(s.phases)) {
      let m = phases.get(name);
      if (!m) {
        m = { actions: new Map(), windowRate: {}, windowSeconds: 0, slowBySecond: [], startedAt: null, workers: [] };
        phases.set(name, m);
      }
      for (const [action, a] of Object.entries(p.actions)) {
        let entry = m.actions.get(action);
        if (!entry) {
          entry = { hist: new Histogram(), errors: {} };
          m.actions.set(action, entry);
        }
        entry.hist.merge(a.hist);
        mergeCounts(entry.errors, a.errors);
      }
      if (p.startedAt !== undefined) m.startedAt = Math.min(m.startedAt ?? Infinity, p.startedAt);
      (p.slowBySecond ?? []).forEach((n, second) => (m.slowBySecond[second] = (m.slowBySecond[second] ?? 0) + n));
      if (p.answeredAtEnd && p.windowMs) {
        for (const [action, n] of Object.entries(p.answeredAtEnd)) incr(m.windowRate, action, (n * 1000) / p.windowMs);
        m.windowSeconds = Math.max(m.windowSeconds, p.windowMs / 1000);
      }
      m.workers.push({
        worker: s.worker,
        cpuPercent: p.wallMs > 0 ? round(((p.cpuUserMs + p.cpuSystemMs) * 100) / p.wallMs, 0) : 0,
        loopDelayP99Ms: p.loopDelayP99Ms === null ? null : round(p.loopDelayP99Ms, 1),
        loopDelayMaxMs: p.loopDelayMaxMs === null ? null : round(p.loopDelayMaxMs, 1),
        wallSeconds: round(p.wallMs / 1000, 1),
      });
    }
  }
  return { ...merged, connectHist, timeToAccepted, phases };
}
type Merged = ReturnType<typeof mergeStats>;

function phaseActions(phase: MergedPhase | undefined) {
  const out: Record<string, { latencyMs: LatencySummary; errors: Record<string, number> }> = {};
  if (!phase) return out;
  for (const [action, entry] of [...phase.actions].sort((a, b) => a[0].localeCompare(b[0]))) {
    out[action] = { latencyMs: entry.hist.summary(), errors: entry.errors };
  }
  return out;
}

function errorsOf(phase: MergedPhase | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!phase) return out;
  for (const [action, entry] of phase.actions) for (const [kind, n] of Object.entries(entry.errors)) incr(out, `${action} ${kind}`, n);
  return out;
}

function hist(phase: MergedPhase | undefined, ...actions: string[]): Histogram {
  const h = new Histogram();
  for (const action of actions) {
    const entry = phase?.actions.get(action);
    if (entry) h.merge(entry.hist);
  }
  return h;
}

function loadGenRows(phase: MergedPhase | undefined, label = ''): Row[] {
  if (!phase) return [];
  const busy = phase.workers.some((w) => w.cpuPercent >= 90 || (w.loopDelayP99Ms ?? 0) >= 50);
  return [
    [
      `load generator${label ? ` ${label}` : ''} (per worker)`,
      phase.workers.map((w) => `w${w.worker}: CPU ${w.cpuPercent}%, loop delay p99 ${fmt(w.loopDelayP99Ms)} ms`).join('; '),
      busy ? 'SATURATED: figures are capped by the load generator' : 'not saturated',
    ],
  ];
}

/**
 * The whole machine's CPU seconds since boot, from /proc/stat: busy (everything but idle and iowait), and of that what
 * the hypervisor took (steal: time the vCPUs wanted to run but the host ran something else, which shows as stalls no
 * process of ours caused).
 */
function readMachineCpuSeconds(): { busy: number; stolen: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal = 0] = fields;
    return { busy: (user + nice + system + irq + softirq + steal) / CLK_TCK, stolen: steal / CLK_TCK };
  } catch {
    return null;
  }
}

/** CPU seconds of every PostgreSQL process on the machine (the server's database work happens there). */
function readPostgresCpuSeconds(): number {
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

interface CpuSnapshot {
  at: number;
  machine: number | null;
  stolen: number | null;
  server: number | null;
  loadGen: number | null;
  postgres: number | null;
}

function cpuSnapshot(server: ServerHandle, pool: WorkerPool): CpuSnapshot {
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
function cpuSplit(a: CpuSnapshot, b: CpuSnapshot) {
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
type CpuSplit = ReturnType<typeof cpuSplit>;

function machineCpus(): number {
  return os.cpus().length;
}

function cpuRow(label: string, cpu: CpuSplit): Row {
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

function commonRows(m: Merged): Row[] {
  const rows: Row[] = [];
  if (Object.keys(m.unexpectedCloses).length) rows.push(['unexpected socket closes (by code)', fmtCounts(m.unexpectedCloses)]);
  if (Object.keys(m.serverCalls).length) rows.push(['calls from the server (answered)', fmtCounts(m.serverCalls)]);
  if (Object.keys(m.strictFailures).length) rows.push(['strict-mode schema failures', fmtCounts(m.strictFailures), 'should be none']);
  if (Object.keys(m.skipped).length) {
    rows.push(['periodic messages skipped', fmtCounts(m.skipped), 'the station\'s previous one was still unanswered: server or load generator overloaded']);
  }
  return rows;
}

function commonJson(m: Merged) {
  return {
    stations: m.stations,
    byVersion: m.byVersion,
    connect: { ...m.connect, latencyMs: m.connectHist.summary() },
    unexpectedCloses: m.unexpectedCloses,
    serverCalls: m.serverCalls,
    strictFailures: m.strictFailures,
    skipped: m.skipped,
  };
}

// ---------------------------------------------------------------------------------------------
// Capacity: file descriptors and ports
// ---------------------------------------------------------------------------------------------

let serverFdBaseline: number | null = null;

function capacityFor(server: ServerHandle, requested: number, what: string): number {
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

async function waitServerQuiet(server: ServerHandle): Promise<void> {
  if (!server.pid || serverFdBaseline === null) return;
  const until = performance.now() + 20_000;
  while (performance.now() < until) {
    const fds = readFdCount(server.pid);
    if (fds === null || fds <= serverFdBaseline + 50) return;
    await sleep(250);
  }
  warn(`the server still holds ${readFdCount(server.pid)} file descriptors 20 s after the last scenario's sockets closed (baseline ${serverFdBaseline})`);
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

function scenarioOptions(scenario: ScenarioName, server: ServerHandle, w: WorkerHandle, all: StationSpec[], ramped: boolean): ScenarioOptions {
  return {
    scenario,
    worker: w.index,
    endpoint: server.endpoint,
    stations: all.filter((_, i) => i % config.workers === w.index),
    rampBatch: ramped ? Math.max(1, Math.ceil(config.rampBatch / config.workers)) : 0,
    rampEveryMs: ramped ? config.rampEveryMs : 0,
    connectTimeoutMs: config.connectTimeoutS * 1000,
    callTimeoutMs: config.callTimeoutS * 1000,
    bootTimeoutMs: config.bootTimeoutS * 1000,
    bootRetryMs: config.bootRetryMs,
    connectRetries: config.connectRetries,
    heartbeatIntervalMs: config.heartbeatIntervalS * 1000,
    meterValuesIntervalMs: config.mvIntervalS * 1000,
    warmupMs: config.mvWarmupS * 1000,
    windowMs: config.mvSeconds * 1000,
    wsPingMs: config.wsPingS * 1000,
  };
}

function rampSeconds(count: number): number {
  return config.rampEveryMs > 0 ? (Math.ceil(count / config.rampBatch) * config.rampEveryMs) / 1000 : 0;
}

let targetsMissed = 0;
function target(met: boolean | null, text: string, notApplicable = 'n/a at this scale'): string {
  if (met === false) targetsMissed++;
  return `target: ${text} — ${met === null ? notApplicable : met ? 'MET' : 'MISSED'}`;
}

async function bootStorm(server: ServerHandle): Promise<void> {
  const count = capacityFor(server, config.bootStations, 'boot-storm');
  const specs = makeStations('b', count, false);
  await register(server, specs);
  const pool = await WorkerPool.start(config.workers);
  const cpu0 = cpuSnapshot(server, pool);
  const rss0 = readRssKb(server.pid);
  const overflows0 = readListenOverflows();
  say(`boot-storm: ${count} stations connect and send BootNotification at once`);
  pool.startProgress('boot-storm', count, 2000);
  pool.send((w) => ({ type: 'scenario', options: scenarioOptions('boot-storm', server, w, specs, false) }));
  const ready = mergeStats(await pool.waitAll('ready', (config.bootTimeoutS + config.connectTimeoutS + 60) * 1000));
  const cpu = cpuSplit(cpu0, cpuSnapshot(server, pool));
  const overflows1 = readListenOverflows();
  const listenOverflows = overflows0 === null || overflows1 === null ? null : overflows1 - overflows0;
  const rssPeak = readRssKb(server.pid);
  pool.stopProgress();
  pool.send({ type: 'stop' });
  const done = mergeStats(await pool.waitAll('done', 120_000));
  await pool.exit();

  const allAccepted = ready.boot.accepted === count;
  const toAllMs =
    allAccepted && ready.boot.firstConnectAt !== null && ready.boot.lastAcceptedAt !== null ? ready.boot.lastAcceptedAt - ready.boot.firstConnectAt : null;
  const toLastMs = ready.boot.firstConnectAt !== null && ready.boot.lastAcceptedAt !== null ? ready.boot.lastAcceptedAt - ready.boot.firstConnectAt : null;
  const boot = ready.phases.get('boot');
  const bootLatency = hist(boot, 'BootNotification').summary();
  const fullScale = config.bootStations >= DEFAULTS.boot && count >= DEFAULTS.boot;
  const json = {
    ...commonJson(done),
    requested: config.bootStations,
    accepted: ready.boot.accepted,
    allAccepted,
    secondsToAllAccepted: toAllMs === null ? null : round(toAllMs / 1000, 2),
    secondsToLastAccepted: toLastMs === null ? null : round(toLastMs / 1000, 2),
    notAccepted: ready.boot.notAccepted,
    connectFailures: ready.connect.attempted - ready.connect.ok,
    pendingAnswers: ready.boot.pendingAnswers,
    rejectedAnswers: ready.boot.rejectedAnswers,
    bootLatencyMs: bootLatency,
    timeToAcceptedMs: ready.timeToAccepted.summary(),
    actions: phaseActions(boot),
    cpu,
    listenOverflows,
    server: { rssKbBefore: rss0, rssKbAfter: rssPeak },
    loadGenerator: boot?.workers ?? [],
    target: { text: 'all Accepted within 30 s', met: fullScale ? allAccepted && toAllMs !== null && toAllMs <= 30_000 : null },
  };
  result.scenarios['boot-storm'] = json;
  table(`boot-storm: ${count} stations at once (OCPP 1.6: ${done.byVersion['1.6']}, 2.0.1: ${done.byVersion['2.0.1']})`, [
    ['Accepted', `${ready.boot.accepted.toLocaleString('en-US')} / ${count.toLocaleString('en-US')}`],
    [
      'time from first connect to all Accepted',
      toAllMs === null ? `not all Accepted (last Accepted after ${fmt(toLastMs === null ? null : toLastMs / 1000, ' s', 2)})` : fmt(toAllMs / 1000, ' s', 2),
      target(json.target.met, 'all Accepted within 30 s'),
    ],
    ['connect failures', `${json.connectFailures}${json.connectFailures ? ` (${fmtCounts(ready.connect.failures)})` : ''}`],
    ['connect (TCP + upgrade + auth)', fmtLatency(ready.connectHist.summary())],
    [
      'TCP listen-queue overflows (machine-wide)',
      fmt(listenOverflows, '', 0),
      listenOverflows ? `SYNs dropped, retried by the client after 1 s, 3 s…: the listen backlog (Node's default 511; somaxconn ${machine.somaxconn ?? '?'}) is too small for the storm` : '',
    ],
    ['BootNotification latency', fmtLatency(bootLatency)],
    ['connect start → Accepted, per station', fmtLatency(json.timeToAcceptedMs)],
    ['Pending / Rejected answers (retried)', `${ready.boot.pendingAnswers} / ${ready.boot.rejectedAnswers}`],
    ['stations never Accepted (after connect)', String(ready.boot.notAccepted)],
    ['failed calls', fmtCounts(errorsOf(boot))],
    ['server RSS before → after', `${fmt(rss0 === null ? null : rss0 / 1024, ' MB')} → ${fmt(rssPeak === null ? null : rssPeak / 1024, ' MB')}`],
    cpuRow('during the storm', cpu),
    ...loadGenRows(boot),
    ...commonRows(done),
  ]);
  await waitServerQuiet(server);
}

async function hold(server: ServerHandle): Promise<void> {
  const count = capacityFor(server, config.holdStations, 'hold');
  const specs = makeStations('h', count, false);
  await register(server, specs);
  const pool = await WorkerPool.start(config.workers);
  await waitServerQuiet(server);
  const rssBefore = readRssKb(server.pid);
  const fdsBefore = readFdCount(server.pid);
  say(
    `hold: ramping ${count} stations (${config.rampBatch} every ${config.rampEveryMs} ms), Heartbeat every ${config.heartbeatIntervalS} s, ` +
      `then holding ${config.holdSeconds} s`,
  );
  pool.startProgress('hold', count, 5000);
  const started = performance.now();
  pool.send((w) => ({ type: 'scenario', options: scenarioOptions('hold', server, w, specs, true) }));
  const ramped = mergeStats(await pool.waitAll('ready', (rampSeconds(count) + config.bootTimeoutS + config.connectTimeoutS + 60) * 1000));
  const rampDone = performance.now();
  const rssAfterRamp = readRssKb(server.pid);
  say(`hold: ramp done in ${((rampDone - started) / 1000).toFixed(1)} s: ${ramped.openNow} open, ${ramped.boot.accepted} Accepted; holding ${config.holdSeconds} s`);
  pool.send({ type: 'go' });
  const cpu0 = cpuSnapshot(server, pool);
  await sleep(config.holdSeconds * 1000);
  const cpu = cpuSplit(cpu0, cpuSnapshot(server, pool));
  const rssEnd = readRssKb(server.pid);
  const fdsEnd = readFdCount(server.pid);
  pool.send({ type: 'report' });
  const end = mergeStats(await pool.waitAll('report', 30_000));
  pool.stopProgress();
  pool.send({ type: 'stop' });
  const done = mergeStats(await pool.waitAll('done', 120_000));
  await pool.exit();

  const held = end.openNow;
  const phase = end.phases.get('hold');
  const rampPhase = end.phases.get('ramp');
  const hb = hist(phase, 'Heartbeat').summary();
  const rssAfter = rssEnd ?? rssAfterRamp;
  const perStationKb = rssBefore !== null && rssAfter !== null && held > 0 ? round((rssAfter - rssBefore) / held, 1) : null;
  // MISSED when stations were lost; n/a when everything held but fewer than 20,000 were tried (scaled or --hold-stations).
  const holdMet = held < count ? false : count >= DEFAULTS.hold ? true : null;
  const json = {
    ...commonJson(done),
    requested: config.holdStations,
    scaledTo: count,
    heldAtEnd: held,
    peakOpen: end.peakOpen,
    accepted: end.boot.accepted,
    connectFailures: end.connect.attempted - end.connect.ok,
    rampSeconds: round((rampDone - started) / 1000, 1),
    holdSeconds: config.holdSeconds,
    heartbeatLatencyMs: hb,
    actions: phaseActions(phase),
    rampActions: phaseActions(rampPhase),
    server: {
      rssKbBefore: rssBefore,
      rssKbAfterRamp: rssAfterRamp,
      rssKbEnd: rssEnd,
      rssKbPerStation: perStationKb,
      fdsBefore,
      fdsEnd,
    },
    cpuDuringHold: cpu,
    loadGenerator: phase?.workers ?? [],
    target: { text: '20,000 held', met: holdMet },
  };
  result.scenarios.hold = json;
  const mb = (kb: number | null) => fmt(kb === null ? null : kb / 1024, ' MB');
  table(`hold: ${count} stations held ${config.holdSeconds} s (OCPP 1.6: ${done.byVersion['1.6']}, 2.0.1: ${done.byVersion['2.0.1']})`, [
    [
      'stations connected at end of hold',
      `${held.toLocaleString('en-US')} / ${count.toLocaleString('en-US')}${count < config.holdStations ? ` (requested ${config.holdStations}, scaled down)` : ''}`,
      target(json.target.met, '20,000 held', count < config.holdStations ? `n/a: only ${count} could be tried here` : 'n/a at this scale'),
    ],
    ['Accepted boots', end.boot.accepted.toLocaleString('en-US')],
    ['connect failures', `${json.connectFailures}${json.connectFailures ? ` (${fmtCounts(end.connect.failures)})` : ''}`],
    ['ramp (connect + boot all)', fmt(json.rampSeconds, ' s')],
    ['server RSS before → after ramp → end', `${mb(rssBefore)} → ${mb(rssAfterRamp)} → ${mb(rssEnd)}`],
    ['server RSS per station', fmt(perStationKb, ' KB'), 'reference: ~15 KB per socket is the library\'s own ceiling'],
    ['server open fds before → end', `${fmt(fdsBefore)} → ${fmt(fdsEnd)}`],
    cpuRow('during the hold', cpu),
    ['Heartbeat latency while holding (event-loop health)', fmtLatency(hb)],
    ['during the ramp: Heartbeat', fmtLatency(hist(rampPhase, 'Heartbeat').summary())],
    ['during the ramp: BootNotification', fmtLatency(hist(rampPhase, 'BootNotification').summary())],
    ['during the ramp: StatusNotification', fmtLatency(hist(rampPhase, 'StatusNotification').summary())],
    ['failed calls: ramp', fmtCounts(errorsOf(rampPhase))],
    ['failed calls: hold', fmtCounts(errorsOf(phase))],
    ...loadGenRows(rampPhase, 'during the ramp'),
    ...loadGenRows(phase, 'while holding'),
    ...commonRows(done),
  ]);
  await waitServerQuiet(server);
}

interface Verification {
  status: 'match' | 'mismatch' | 'skipped';
  reason?: string;
  expectedSampledValues: number;
  persistedSampledValues?: number | null;
  persistedAfterServerStop?: number | null;
  expectedTransactions?: { started: number; stopped: number };
  persistedTransactions?: { total: number; stopped: number } | null;
}

async function countPersisted(databaseUrl: string): Promise<{ meterValues: number | null; transactions: { total: number; stopped: number } | null; missing: string[] }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  const like = `${stationPrefix}-%`;
  const missing: string[] = [];
  const missingTable = (error: unknown) => ['42P01', '42703'].includes(String((error as { code?: string })?.code));
  try {
    let meterValues: number | null = null;
    try {
      const [row] = await sql<{ n: number }[]>`select coalesce(sum(jsonb_array_length(sampled_values)), 0)::int as n from meter_values where station_id like ${like}`;
      meterValues = row.n;
    } catch (error) {
      if (!missingTable(error)) throw error;
      missing.push(`meter_values (${(error as Error).message})`);
    }
    let transactions: { total: number; stopped: number } | null = null;
    try {
      const [row] = await sql<{ total: number; stopped: number }[]>`
        select count(*)::int as total, count(stopped_at)::int as stopped from transactions where station_id like ${like}`;
      transactions = row;
    } catch (error) {
      if (!missingTable(error)) throw error;
      missing.push(`transactions (${(error as Error).message})`);
    }
    return { meterValues, transactions, missing };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

async function verifyPersisted(server: ServerHandle, databaseUrl: string | undefined, m: Merged): Promise<Verification> {
  const expected = m.sampledValuesAcked;
  const base: Verification = {
    status: 'skipped',
    expectedSampledValues: expected,
    expectedTransactions: { started: m.transactions.started, stopped: m.transactions.stopped },
  };
  if (!databaseUrl) {
    if (serverKind !== 'stub') return { ...base, reason: 'no database (--no-db)' };
    // The stub counts what it was sent instead of storing it: the same check against its counters.
    const res = await fetch(`${server.baseUrl}/stub/stats?prefix=${encodeURIComponent(stationPrefix + '-')}`);
    const stub = (await res.json()) as { sampledValues: number; transactionsStarted: number; transactionsStopped: number };
    return {
      ...base,
      status: stub.sampledValues === expected ? 'match' : 'mismatch',
      reason: 'stub counters (no database)',
      persistedSampledValues: stub.sampledValues,
      persistedTransactions: { total: stub.transactionsStarted, stopped: stub.transactionsStopped },
    };
  }
  // The server may write asynchronously: poll for a while until the count stops short of nothing.
  const until = performance.now() + 15_000;
  let counted = await countPersisted(databaseUrl);
  while (counted.meterValues !== null && counted.meterValues < expected && performance.now() < until) {
    await sleep(1000);
    counted = await countPersisted(databaseUrl);
  }
  if (counted.meterValues === null) {
    return {
      ...base,
      reason: `table missing in the benchmark database: ${counted.missing.join('; ')}. The gateway does not persist meter values yet, so the persisted-count check was skipped.`,
      persistedSampledValues: null,
      persistedTransactions: counted.transactions,
    };
  }
  return {
    ...base,
    status: counted.meterValues === expected ? 'match' : 'mismatch',
    persistedSampledValues: counted.meterValues,
    persistedTransactions: counted.transactions,
    reason: counted.missing.length ? `missing: ${counted.missing.join('; ')}` : undefined,
  };
}

let pendingRecheck: { databaseUrl: string; verification: Verification } | undefined;

async function meterValues(server: ServerHandle, databaseUrl: string | undefined): Promise<void> {
  const count = capacityFor(server, config.mvStations, 'meter-values');
  const specs = makeStations('m', count, true);
  await register(server, specs);
  const pool = await WorkerPool.start(config.workers);
  const perSecond = count / config.mvIntervalS;
  say(
    `meter-values: ${count} stations: boot, Authorize, start a transaction; then MeterValues every ${config.mvIntervalS} s ` +
      `(~${Math.round(perSecond)}/s) and Heartbeat every ${config.heartbeatIntervalS} s: ${config.mvWarmupS} s of warm-up, ` +
      `then ${config.mvSeconds} s measured; then stop`,
  );
  pool.startProgress('meter-values', count, 5000);
  pool.send((w) => ({ type: 'scenario', options: scenarioOptions('meter-values', server, w, specs, true) }));
  const setup = mergeStats(
    await pool.waitAll('ready', (rampSeconds(count) + config.bootTimeoutS + config.connectTimeoutS + 6 * config.callTimeoutS + 60) * 1000),
  );
  say(
    `meter-values: ${setup.transactions.started} transactions open (${setup.openNow} sockets); ` +
      `warming up ${config.mvWarmupS} s, then measuring ${config.mvSeconds} s`,
  );
  pool.send({ type: 'go' });
  // The workers open their window this long after 'go'; the CPU figures cover (about) the same span.
  await sleep(config.mvWarmupS * 1000);
  const cpu0 = cpuSnapshot(server, pool);
  const rss0 = readRssKb(server.pid);
  const win = mergeStats(await pool.waitAll('window-done', (config.mvSeconds + config.callTimeoutS + 60) * 1000));
  const cpu = cpuSplit(cpu0, cpuSnapshot(server, pool));
  const rss1 = readRssKb(server.pid);
  say('meter-values: window over; stopping transactions');
  pool.send({ type: 'stop' });
  const done = mergeStats(await pool.waitAll('done', (rampSeconds(count) + 4 * config.callTimeoutS + 60) * 1000));
  pool.stopProgress();
  await pool.exit();

  const window = win.phases.get('window');
  const windowSeconds = window?.windowSeconds ?? config.mvSeconds;
  const mvActions = ['MeterValues', 'TransactionEvent'];
  const mvRate = mvActions.reduce((sum, a) => sum + (window?.windowRate[a] ?? 0), 0);
  const totalRate = Object.values(window?.windowRate ?? {}).reduce((a, b) => a + b, 0);
  const mvLatency = hist(window, ...mvActions).summary();
  const warmup = win.phases.get('warmup');
  const warmupLatency = hist(warmup, ...mvActions).summary();
  const slowBySecond = window?.slowBySecond ?? [];
  const mvSkipped = (done.skipped.MeterValues ?? 0) + (done.skipped.TransactionEvent ?? 0);
  const fullScale = perSecond >= DEFAULTS.mvPerSecond;
  const met = fullScale ? mvRate >= DEFAULTS.mvPerSecond * 0.98 && mvLatency.p99 !== null && mvLatency.p99 < MV_LATENCY_TARGET_MS : null;

  say('meter-values: checking the persisted rows');
  const verification = await verifyPersisted(server, databaseUrl, done);
  if (verification.status === 'mismatch' && databaseUrl) pendingRecheck = { databaseUrl, verification };

  const json = {
    ...commonJson(done),
    requested: config.mvStations,
    offeredMeterValuesPerSecond: round(perSecond, 0),
    windowSeconds: round(windowSeconds, 2),
    transactionsOpened: setup.transactions.started,
    meterValuesPerSecond: round(mvRate, 1),
    messagesPerSecond: round(totalRate, 1),
    answeredPerSecondByAction: Object.fromEntries(Object.entries(window?.windowRate ?? {}).map(([k, v]) => [k, round(v, 1)])),
    meterValuesLatencyMs: mvLatency,
    warmupSeconds: config.mvWarmupS,
    warmupMeterValuesLatencyMs: warmupLatency,
    answersOver100MsBySecond: slowBySecond,
    windowOpenedAt: window?.startedAt ? new Date(window.startedAt).toISOString() : null,
    meterValuesSkipped: mvSkipped,
    window: phaseActions(window),
    setup: phaseActions(done.phases.get('setup')),
    teardown: phaseActions(done.phases.get('teardown')),
    errors: { setup: errorsOf(done.phases.get('setup')), window: errorsOf(window), teardown: errorsOf(done.phases.get('teardown')) },
    transactions: done.transactions,
    sampledValuesAcked: done.sampledValuesAcked,
    sampledValuesAckedBy: done.sampledValuesAckedBy,
    sampledValuesUnacked: done.sampledValuesUnacked,
    verification,
    cpuDuringWindow: cpu,
    server: { rssKbBefore: rss0, rssKbAfter: rss1 },
    loadGenerator: window?.workers ?? [],
    gc: window?.startedAt ? gcSummaries(['server', ...pool.workers.map((w) => `w${w.index}`)], window.startedAt, window.startedAt + windowSeconds * 1000) : [],
    target: { text: '5,000 MeterValues/s with p99 < 100 ms', met },
  };
  result.scenarios['meter-values'] = json;

  const rows: Row[] = [
    ['transactions opened', `${setup.transactions.started.toLocaleString('en-US')} / ${count.toLocaleString('en-US')}`],
    [
      'MeterValues answered per second',
      `${fmt(mvRate, '/s', 0)} (offered ~${fmt(perSecond, '/s', 0)}), p99 ${fmt(mvLatency.p99)} ms`,
      target(met, '5,000 MeterValues/s with p99 < 100 ms'),
    ],
    ['all messages answered per second', `${fmt(totalRate, '/s', 0)} (${fmtCounts(json.answeredPerSecondByAction)})`],
    [
      'MeterValues not sent (previous unanswered)',
      `${fmt(mvSkipped, '', 0)} (${fmt(mvSkipped / windowSeconds, '/s', 0)})`,
      mvSkipped > 0 ? 'the offered rate was not kept up: server or load generator overloaded (see the CPU rows)' : '',
    ],
  ];
  for (const [action, a] of Object.entries(json.window)) rows.push([`  ${action} (window)`, fmtLatency(a.latencyMs)]);
  rows.push([`answers over ${MV_LATENCY_TARGET_MS} ms, by second of the window`, fmtSlowSeconds(json.answersOver100MsBySecond)]);
  if (config.mvWarmupS > 0) {
    rows.push([`  MeterValues (warm-up, ${config.mvWarmupS} s before the window)`, fmtLatency(warmupLatency), 'not part of the target figure']);
  }
  for (const [label, actions] of [
    ['setup', json.setup],
    ['teardown', json.teardown],
  ] as const) {
    for (const [action, a] of Object.entries(actions)) rows.push([`  ${action} (${label})`, fmtLatency(a.latencyMs)]);
  }
  rows.push(
    ['failed calls: setup', fmtCounts(json.errors.setup)],
    ['failed calls: window', fmtCounts(json.errors.window)],
    ['failed calls: teardown', fmtCounts(json.errors.teardown)],
    [
      'authorize / start not Accepted; failed to start',
      `${done.transactions.authorizeNotAccepted} / ${done.transactions.startNotAccepted}; ${done.transactions.failedToStart}`,
    ],
    ['transactions stopped (acknowledged)', done.transactions.stopped.toLocaleString('en-US')],
    cpuRow('during the window', cpu),
    ...loadGenRows(window),
    ...gcRows(json.gc),
    ...commonRows(done),
    ['sampled values acknowledged', `${done.sampledValuesAcked.toLocaleString('en-US')} (${fmtCounts(done.sampledValuesAckedBy)})`],
    ['sampled values in calls that failed', done.sampledValuesUnacked.toLocaleString('en-US'), 'the server may or may not have stored these'],
    [
      verification.reason === 'stub counters (no database)' ? 'sampled values counted by the stub' : 'sampled values in meter_values',
      verification.persistedSampledValues === undefined || verification.persistedSampledValues === null ? 'n/a' : verification.persistedSampledValues.toLocaleString('en-US'),
      verification.status === 'match' ? 'MATCH' : verification.status === 'mismatch' ? '!!! MISMATCH !!!' : 'skipped',
    ],
  );
  if (verification.persistedTransactions) {
    rows.push([
      'transactions rows (total / stopped)',
      `${verification.persistedTransactions.total} / ${verification.persistedTransactions.stopped}`,
      `acknowledged: ${done.transactions.started} started / ${done.transactions.stopped} stopped`,
    ]);
  }
  table(`meter-values: ${count} stations, ${fmt(windowSeconds, ' s', 1)} window (OCPP 1.6: ${done.byVersion['1.6']}, 2.0.1: ${done.byVersion['2.0.1']})`, rows);
  if (verification.status === 'skipped') say(`persisted-count check skipped: ${verification.reason}`);
  if (verification.status === 'mismatch') {
    process.stdout.write(
      `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
        `!!! MISMATCH: the server acknowledged ${expected(verification)} sampled values but ` +
        `${verification.persistedSampledValues} are persisted (difference ${(verification.persistedSampledValues ?? 0) - verification.expectedSampledValues}).\n` +
        `!!! ${done.sampledValuesUnacked} more were in calls that failed/timed out. By message: ${fmtCounts(done.sampledValuesAckedBy)}.\n` +
        `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`,
    );
  }
}

/** "412 in 3 s: s0 300, s12 100, s17 12": how many slow answers, in how many seconds, and the worst of those seconds. */
function fmtSlowSeconds(counts: number[]): string {
  const seconds = counts.map((n, second) => [second, n]).filter(([, n]) => n > 0);
  const total = seconds.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return 'none';
  const worst = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, 8).sort((a, b) => a[0] - b[0]);
  const more = seconds.length > worst.length ? ', …' : '';
  return `${total.toLocaleString('en-US')} in ${seconds.length} s: ${worst.map(([second, n]) => `s${second} ${n}`).join(', ')}${more}`;
}

function expected(v: Verification): string {
  return v.expectedSampledValues.toLocaleString('en-US');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  say(
    `OCPP load benchmark ${runId}: scenarios ${config.scenarios.join(', ')}${config.quick ? ' (--quick)' : ''}; server: ${serverKind}; ` +
      `${config.workers} load-generator workers; 2.0.1 share ${config.ocpp201Share}`,
  );
  say(
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.totalMemoryMb} MB, Node ${machine.node}, ${machine.platform}; ` +
      `open files ${machine.fdLimit ? `${machine.fdLimit.soft} (hard ${machine.fdLimit.hard})` : 'unknown'}; ` +
      `${machine.ephemeralPorts ?? '?'} ephemeral ports; somaxconn ${machine.somaxconn ?? '?'}`,
  );
  result.cpuProbeMs = { start: cpuProbeMs(), end: null };
  say(`CPU probe (a fixed loop, lower is faster): ${result.cpuProbeMs.start} ms`);
  const busy0 = readMachineCpuSeconds()?.busy ?? null;
  await sleep(1000);
  const busy1 = readMachineCpuSeconds()?.busy ?? null;
  if (busy0 !== null && busy1 !== null) {
    const busyPercent = Math.round((busy1 - busy0) * 100);
    result.machine.busyPercentBeforeStart = busyPercent;
    if (busyPercent >= 25) {
      warn(`the machine was already ${busyPercent}% busy (100% = one core) before the benchmark started: other processes will disturb the figures`);
    }
  }
  if (serverKind !== 'external' && machine.cpus <= config.workers + 1) {
    const note =
      `the server and ${config.workers} load-generator worker(s) share ${machine.cpus} CPU(s): they compete for CPU, so the ` +
      `server's figures here are a lower bound of what it does on a machine of its own`;
    result.cpuNote = note;
    say(`note: ${note}`);
  }

  let databaseUrl: string | undefined;
  if (useDb) databaseUrl = args['database-url'] ?? (await createDatabase());
  else say(serverKind === 'stub' ? 'no database: the stub keeps counters in memory' : 'no database (--no-db): the persisted-count check is skipped');
  result.config.databaseUrl = databaseUrl ? redact(databaseUrl) : null;

  const server = await startServer(databaseUrl);
  serverFdBaseline = readFdCount(server.pid);
  result.server = {
    kind: serverKind,
    command: serverKind === 'command' ? args['server-cmd'] : serverKind === 'external' ? args.url : serverKind === 'stub' ? 'bench/ocpp/stub-csms.ts' : 'src/main.ts',
    pid: server.pid ?? null,
    logFile: server.logFile ?? null,
    fdLimit: server.pid ? readFdLimit(server.pid) : null,
    fdsAtStart: serverFdBaseline,
    rssKbAtStart: readRssKb(server.pid),
    log: server.log,
  };
  say(`server ready (pid ${server.pid ?? '?'}, RSS ${fmt((readRssKb(server.pid) ?? NaN) / 1024, ' MB')}, ${serverFdBaseline ?? '?'} fds)`);

  let failures = 0;
  for (const scenario of config.scenarios) {
    if (exiting) break;
    say(`--- ${scenario} ---`);
    try {
      if (scenario === 'boot-storm') await bootStorm(server);
      else if (scenario === 'hold') await hold(server);
      else await meterValues(server, databaseUrl);
    } catch (error) {
      failures++;
      const message = error instanceof BenchError ? error.message : String((error as Error)?.stack ?? error);
      result.scenarios[scenario] = { error: message };
      process.stdout.write(`\n${scenario} FAILED: ${message}\n`);
      // Workers of a failed scenario are killed by their cleanup; a fresh pool starts for the next one.
    }
    if (server.exited) break;
  }

  result.registration = { ...registrationTotals, seconds: round(registrationTotals.seconds, 1) };
  result.server.rssKbAtEnd = readRssKb(server.pid);
  result.server.log = server.log;

  // Stop the server now (before the database is dropped) and re-count if the rows didn't match yet:
  // a server that buffers writes flushes on SIGTERM.
  const stop = cleanups.find((c) => c.what === 'stop the server');
  if (stop) {
    cleanups.splice(cleanups.indexOf(stop), 1);
    await stop.fn().catch(() => undefined);
  }
  if (pendingRecheck) {
    const counted = await countPersisted(pendingRecheck.databaseUrl).catch(() => null);
    const v = pendingRecheck.verification;
    v.persistedAfterServerStop = counted?.meterValues ?? null;
    if (counted?.meterValues === v.expectedSampledValues) {
      v.status = 'match';
      say(`after the server stopped, meter_values holds ${counted.meterValues} sampled values: now a MATCH (the server flushed on shutdown)`);
    } else {
      say(`after the server stopped, meter_values holds ${counted?.meterValues ?? 'n/a'} sampled values: still a MISMATCH (expected ${v.expectedSampledValues})`);
    }
  }

  if (server.log.errors || server.log.warns || server.log.nonJson) {
    table('server log', [
      ['error lines (level ≥ 50)', `${server.log.errors}${server.log.firstErrors.length ? `: ${server.log.firstErrors.join(' | ')}` : ''}`],
      ['warn lines', `${server.log.warns}${server.log.firstWarns.length ? `: ${server.log.firstWarns.join(' | ')}` : ''}`],
      ['non-JSON lines', `${server.log.nonJson}${server.log.firstNonJson.length ? `: ${server.log.firstNonJson.join(' | ')}` : ''}`],
      ['full log', server.logFile ?? 'n/a'],
    ]);
  }
  if (warnings.length) table('warnings', warnings.map((w, i) => [String(i + 1), w] as Row));

  const mismatch = (result.scenarios['meter-values'] as { verification?: Verification } | undefined)?.verification?.status === 'mismatch';
  result.targetsMissed = targetsMissed;
  result.ok = failures === 0 && !mismatch;
  const code = failures > 0 || mismatch ? 1 : args['strict-targets'] && targetsMissed > 0 ? 3 : 0;
  await finish(code, failures ? `${failures} scenario(s) failed` : mismatch ? 'persisted meter values do not match what the server acknowledged' : undefined);
}

main().catch((error: unknown) =>
  finish(1, error instanceof BenchError ? error.message : String((error as Error)?.stack ?? error)),
);

