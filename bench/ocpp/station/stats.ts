/**
 * What a station worker counts: per phase (boot, ramp, hold, setup, warmup, window, teardown) each action's latency
 * and failures and the worker's own CPU and event-loop delay, plus counters over the whole scenario; `snapshot` is
 * what it reports to the orchestrator.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Histogram } from '../histogram.js';
import {
  incr,
  MV_LATENCY_TARGET_MS,
  type ActionStatsJSON,
  type OcppVersion,
  type PhaseStatsJSON,
  type StationSpec,
  type WorkerStatsJSON,
} from '../messages.js';

const LOOP_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loopDelay.enable();

export class Phase {
  readonly actions = new Map<string, { hist: Histogram; errors: Record<string, number> }>();
  answeredAtEnd?: Record<string, number>;
  windowMs?: number;
  /** answers slower than MV_LATENCY_TARGET_MS, by the second of the phase in which their call was sent */
  readonly slowBySecond: number[] = [];
  private readonly cpuStart = process.cpuUsage();
  private readonly wallStart = performance.now();
  private readonly startedAt = Date.now();
  private frozen?: Pick<PhaseStatsJSON, 'cpuUserMs' | 'cpuSystemMs' | 'wallMs' | 'loopDelayP99Ms' | 'loopDelayMaxMs'>;

  constructor(readonly name: string) {
    loopDelay.reset();
  }

  private action(name: string) {
    let entry = this.actions.get(name);
    if (!entry) {
      entry = { hist: new Histogram(), errors: {} };
      this.actions.set(name, entry);
    }
    return entry;
  }

  ok(action: string, ms: number, sentAt: number): void {
    this.action(action).hist.record(ms);
    if (ms > MV_LATENCY_TARGET_MS) {
      const second = Math.max(0, Math.floor((sentAt - this.wallStart) / 1000));
      while (this.slowBySecond.length <= second) this.slowBySecond.push(0);
      this.slowBySecond[second]++;
    }
    totals.answered++;
  }

  fail(action: string, kind: string): void {
    incr(this.action(action).errors, kind);
    totals.failed++;
  }

  answeredNow(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, entry] of this.actions) out[name] = entry.hist.count;
    return out;
  }

  private measure() {
    const cpu = process.cpuUsage(this.cpuStart);
    const hasDelay = loopDelay.count > 0;
    return {
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      wallMs: Math.round(performance.now() - this.wallStart),
      // The histogram records whole intervals between its ticks: subtract the tick to get the delay.
      loopDelayP99Ms: hasDelay ? Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) : null,
      loopDelayMaxMs: hasDelay ? Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS) : null,
    };
  }

  /** Called when the phase's work is over (at the latest when the next begins): fixes CPU, wall time and loop delay. */
  freeze(): void {
    if (!this.frozen) this.frozen = this.measure();
  }

  toJSON(): PhaseStatsJSON {
    const actions: Record<string, ActionStatsJSON> = {};
    for (const [name, entry] of this.actions) actions[name] = { hist: entry.hist.toJSON(), errors: entry.errors };
    return {
      actions,
      answeredAtEnd: this.answeredAtEnd,
      windowMs: this.windowMs,
      slowBySecond: this.slowBySecond,
      startedAt: this.startedAt,
      ...(this.frozen ?? this.measure()),
    };
  }
}

export const totals = { answered: 0, failed: 0 };

let phase = new Phase('init');
const phases = new Map<string, Phase>();

/** The phase calls are being recorded in: the one current when each call starts. */
export const currentPhase = () => phase;

/** Ends the current phase (see Phase.freeze) and starts recording in a new one. */
export function beginPhase(name: string): void {
  phase.freeze();
  phase = new Phase(name);
  phases.set(name, phase);
}

export const counters = {
  connectAttempted: 0,
  connectOk: 0,
  connectFailures: {} as Record<string, number>,
  connectHist: new Histogram(),
  bootAccepted: 0,
  bootPending: 0,
  bootRejected: 0,
  bootNotAccepted: 0,
  timeToAccepted: new Histogram(),
  firstConnectAt: null as number | null,
  lastAcceptedAt: null as number | null,
  openNow: 0,
  peakOpen: 0,
  unexpectedCloses: {} as Record<string, number>,
  serverCalls: {} as Record<string, number>,
  strictFailures: {} as Record<string, number>,
  skipped: {} as Record<string, number>,
  sampledValuesAcked: 0,
  sampledValuesAckedBy: {} as Record<string, number>,
  sampledValuesUnacked: 0,
  txStarted: 0,
  txStopped: 0,
  authorizeNotAccepted: 0,
  startNotAccepted: 0,
  failedToStart: 0,
  uncaught: {} as Record<string, number>,
};

/** Everything this worker has counted so far, for the orchestrator (`stations`: the scenario's). */
export function snapshot(worker: number, stations: StationSpec[]): WorkerStatsJSON {
  const byVersion: Record<OcppVersion, number> = { '1.6': 0, '2.0.1': 0 };
  for (const station of stations) byVersion[station.version]++;
  const phaseJson: Record<string, PhaseStatsJSON> = {};
  for (const [name, p] of phases) phaseJson[name] = p.toJSON();
  const strictFailures = { ...counters.strictFailures };
  for (const [kind, count] of Object.entries(counters.uncaught)) strictFailures[`uncaught:${kind}`] = count;
  return {
    worker,
    stations: stations.length,
    byVersion,
    phases: phaseJson,
    connect: {
      attempted: counters.connectAttempted,
      ok: counters.connectOk,
      failures: counters.connectFailures,
      hist: counters.connectHist.toJSON(),
    },
    boot: {
      accepted: counters.bootAccepted,
      pendingAnswers: counters.bootPending,
      rejectedAnswers: counters.bootRejected,
      notAccepted: counters.bootNotAccepted,
      timeToAccepted: counters.timeToAccepted.toJSON(),
      firstConnectAt: counters.firstConnectAt,
      lastAcceptedAt: counters.lastAcceptedAt,
    },
    openNow: counters.openNow,
    peakOpen: counters.peakOpen,
    unexpectedCloses: counters.unexpectedCloses,
    serverCalls: counters.serverCalls,
    strictFailures,
    skipped: counters.skipped,
    sampledValuesAcked: counters.sampledValuesAcked,
    sampledValuesAckedBy: counters.sampledValuesAckedBy,
    sampledValuesUnacked: counters.sampledValuesUnacked,
    transactions: {
      started: counters.txStarted,
      stopped: counters.txStopped,
      authorizeNotAccepted: counters.authorizeNotAccepted,
      startNotAccepted: counters.startNotAccepted,
      failedToStart: counters.failedToStart,
    },
  };
}
