/**
 * Shared between the OCPP load benchmark's orchestrator (run.ts) and its station workers
 * (station/worker.ts): the IPC message shapes and the stats a worker reports.
 */
import type { HistogramJSON } from './histogram.js';

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
