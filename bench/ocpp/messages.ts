/**
 * Shared between the OCPP load benchmark's orchestrator (run.ts) and its station workers
 * (station/worker.ts): the IPC message shapes, the stats a worker reports, and a small
 * mergeable latency histogram.
 */

// ---------------------------------------------------------------------------------------------
// Latency histogram: log-spaced buckets 2% wide from 1 µs up, so memory stays bounded however
// long a run is, two workers' histograms merge exactly, and a percentile is within 2% of the
// true sample (max and min are kept exactly).
// ---------------------------------------------------------------------------------------------

const BASE_MS = 0.001;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export interface HistogramJSON {
  /** Sparse buckets, flattened [index, count, index, count, ...]. */
  b: number[];
  n: number;
  sum: number;
  min: number;
  max: number;
}

export interface LatencySummary {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  static bucketOf(ms: number): number {
    if (!(ms > BASE_MS)) return 0;
    return Math.ceil(Math.log(ms / BASE_MS) / LOG_GROWTH);
  }

  static upperBoundOf(bucket: number): number {
    return BASE_MS * GROWTH ** bucket;
  }

  record(ms: number): void {
    const bucket = Histogram.bucketOf(ms);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram | HistogramJSON): void {
    const json = other instanceof Histogram ? other.toJSON() : other;
    for (let i = 0; i < json.b.length; i += 2) {
      this.buckets.set(json.b[i], (this.buckets.get(json.b[i]) ?? 0) + json.b[i + 1]);
    }
    this.count += json.n;
    this.sum += json.sum;
    if (json.n > 0) {
      if (json.min < this.min) this.min = json.min;
      if (json.max > this.max) this.max = json.max;
    }
  }

  /** The value at quantile q (0..1): the upper bound of the bucket holding it, capped by the exact max. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    const sorted = [...this.buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const bucket of sorted) {
      seen += this.buckets.get(bucket)!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, Histogram.upperBoundOf(bucket)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, max: null };
    return {
      count: this.count,
      mean: round(this.sum / this.count),
      p50: round(this.quantile(0.5)!),
      p90: round(this.quantile(0.9)!),
      p99: round(this.quantile(0.99)!),
      max: round(this.max),
    };
  }

  toJSON(): HistogramJSON {
    const b: number[] = [];
    for (const [bucket, count] of this.buckets) b.push(bucket, count);
    return { b, n: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  static fromJSON(json: HistogramJSON): Histogram {
    const h = new Histogram();
    h.merge(json);
    return h;
  }
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------
// What a worker counts. Every call a station makes is recorded in the phase current when it
// started (boot-storm: "boot"; hold: "hold"; meter-values: "setup", "window", "teardown").
// ---------------------------------------------------------------------------------------------

export type OcppVersion = '1.6' | '2.0.1';
export type ScenarioName = 'boot-storm' | 'hold' | 'meter-values';
export const SCENARIOS: readonly ScenarioName[] = ['boot-storm', 'hold', 'meter-values'];

export interface StationSpec {
  id: string;
  password: string;
  version: OcppVersion;
  /** Token uid used as idTag (1.6) / idToken (2.0.1); only meter-values stations have one. */
  idTag?: string;
}

export interface ActionStatsJSON {
  hist: HistogramJSON;
  /** Failed calls by kind: "timeout", "CALLERROR:<code>", "disconnected", "strict:<...>", ... */
  errors: Record<string, number>;
}

/** The meter-values target's latency bound: p99 under this; the stations count the answers slower than it per second. */
export const MV_LATENCY_TARGET_MS = 100;

export interface PhaseStatsJSON {
  actions: Record<string, ActionStatsJSON>;
  /** Answered calls per action at the instant the phase's measurement window closed (meter-values window). */
  answeredAtEnd?: Record<string, number>;
  /** Length of the measurement window in ms, measured by the worker. */
  windowMs?: number;
  /** Answers over MV_LATENCY_TARGET_MS by the second of the phase their call was sent in (index 0 = the first second). */
  slowBySecond?: number[];
  /** When the phase began, in ms since the epoch (to line its seconds up with the server's own logs). */
  startedAt?: number;
  /** The worker's own CPU time and event-loop delay during the phase: is the load generator the bottleneck? */
  cpuUserMs: number;
  cpuSystemMs: number;
  wallMs: number;
  loopDelayP99Ms: number | null;
  loopDelayMaxMs: number | null;
}

export interface WorkerStatsJSON {
  worker: number;
  stations: number;
  byVersion: Record<OcppVersion, number>;
  phases: Record<string, PhaseStatsJSON>;
  connect: {
    attempted: number;
    ok: number;
    failures: Record<string, number>;
    /** Time from `new WebSocket` to open (TCP + HTTP upgrade + server auth). */
    hist: HistogramJSON;
  };
  boot: {
    accepted: number;
    pendingAnswers: number;
    rejectedAnswers: number;
    /** Stations that never got an Accepted boot before the deadline (or lost their socket first). */
    notAccepted: number;
    /** Per station: time from the start of its connect to its Accepted BootNotification. */
    timeToAccepted: HistogramJSON;
    /** Epoch ms (performance.timeOrigin based, comparable across processes). */
    firstConnectAt: number | null;
    lastAcceptedAt: number | null;
  };
  openNow: number;
  peakOpen: number;
  /** Sockets the server (or the network) closed while the station still wanted them, by close code. */
  unexpectedCloses: Record<string, number>;
  /** Calls the server made to the simulated stations, by action. */
  serverCalls: Record<string, number>;
  /** Strict-mode schema failures (outbound = a bug in the simulator, inbound = the server sent something invalid). */
  strictFailures: Record<string, number>;
  /**
   * Periodic messages not sent because the station's previous one of the kind was still unanswered
   * (a station keeps at most one MeterValues/TransactionEvent-Updated and one Heartbeat outstanding,
   * so an overloaded server shows as a lower sent rate instead of an ever-growing queue).
   */
  skipped: Record<string, number>;
  /** Sampled values the server acknowledged (MeterValues 1.6, TransactionEvent meterValue 2.0.1). */
  sampledValuesAcked: number;
  sampledValuesAckedBy: Record<string, number>;
  /** Meter values calls that failed or timed out: the server may or may not have stored them. */
  sampledValuesUnacked: number;
  transactions: {
    started: number;
    stopped: number;
    authorizeNotAccepted: number;
    startNotAccepted: number;
    failedToStart: number;
  };
}

// ---------------------------------------------------------------------------------------------
// IPC
// ---------------------------------------------------------------------------------------------

export interface ScenarioOptions {
  scenario: ScenarioName;
  worker: number;
  /** ws://127.0.0.1:PORT/ocpp */
  endpoint: string;
  stations: StationSpec[];
  /** Connect ramp for this worker: open `rampBatch` sockets every `rampEveryMs` (0 = all at once). */
  rampBatch: number;
  rampEveryMs: number;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  /** A station not Accepted this long after it started connecting gives up. */
  bootTimeoutMs: number;
  bootRetryMs: number;
  /** a station whose connect fails tries again, up to this many times, as real stations do (with backoff) */
  connectRetries: number;
  heartbeatIntervalMs: number;
  meterValuesIntervalMs: number;
  /** meter-values: MeterValues flow this long before the measurement window opens (reported as its own phase). */
  warmupMs: number;
  /** meter-values: length of the measurement window. */
  windowMs: number;
  /** WebSocket ping interval of the simulated stations (0 = off). */
  wsPingMs: number;
}

export type ParentToWorker =
  | { type: 'scenario'; options: ScenarioOptions }
  /** meter-values: start the measurement window (MeterValues + Heartbeats) now. */
  | { type: 'go' }
  /** Send a stats snapshot now (hold: at the end of the hold, before the sockets close). */
  | { type: 'report' }
  /** End the scenario: stop timers, close transactions (meter-values), close sockets. */
  | { type: 'stop' }
  | { type: 'exit' };

export interface WorkerProgress {
  worker: number;
  open: number;
  accepted: number;
  connectFailed: number;
  answered: number;
  failed: number;
}

export type WorkerToParent =
  | { type: 'online'; worker: number; pid: number }
  | { type: 'progress'; progress: WorkerProgress }
  /** Setup done: boot-storm: every station Accepted or given up; hold: ramp done; meter-values: transactions open. */
  | { type: 'ready'; stats: WorkerStatsJSON }
  | { type: 'window-done'; stats: WorkerStatsJSON }
  | { type: 'report'; stats: WorkerStatsJSON }
  | { type: 'done'; stats: WorkerStatsJSON }
  | { type: 'fatal'; worker: number; error: string };

export function incr(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

export function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) incr(into, key, value);
}
