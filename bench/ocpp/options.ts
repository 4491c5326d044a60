/**
 * bench:ocpp's command line: the options, their defaults (and --quick's), and what they make of the run (`config`,
 * `serverKind`, `useDb`). Bad options exit 2 here, --help exits 0.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_ADMIN_DATABASE_URL } from '../shared/database.js';
import { SCENARIOS, type ScenarioName } from './messages.js';

/**
 * The simulated stations are the load, not what is measured: V8 flags that keep their own collections from stalling
 * them. With allocation-site pretenuring V8 sometimes decided, early in a run, to allocate a call's objects straight
 * in the old generation, which then filled at ~9 MB/s per worker and was mark-compacted every ~15 s; without it, and
 * with a 32 MB young generation, it grows ~0.2 MB/s (bench:ocpp --gc-probe).
 */
export const DEFAULT_WORKER_NODE_ARGS = '--no-allocation-site-pretenuring --max-semi-space-size=32';

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
  (BENCH_ADMIN_DATABASE_URL  env: a role with CREATEDB; default ${DEFAULT_ADMIN_DATABASE_URL})

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
export const args = parseCommandLine();

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

export function usage(message: string): never {
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

export const serverKind: 'anode' | 'stub' | 'command' | 'external' = args.url
  ? 'external'
  : args['server-cmd']
    ? 'command'
    : args.server === 'stub'
      ? 'stub'
      : args.server === undefined || args.server === 'anode'
        ? 'anode'
        : usage(`--server must be anode or stub, got "${args.server}"`);

/** The scale the targets are set for. */
export const DEFAULTS = { boot: 5000, hold: 20000, mv: 5000, mvPerSecond: 5000 };
const workerNodeArgs = (args['worker-node-args'] ?? DEFAULT_WORKER_NODE_ARGS).split(/\s+/).filter(Boolean);
export const config = {
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
export const useDb = !(args['no-db'] || serverKind === 'stub' || (serverKind === 'external' && !args['database-url']));

if (args.url && !/^http:\/\/127\.0\.0\.1(:\d+)?\/?$/.test(args.url)) usage('--url must be http://127.0.0.1:<port> (the benchmark only talks to loopback)');
