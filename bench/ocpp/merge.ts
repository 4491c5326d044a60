/** Merging what the workers measured into one view per phase, and reading figures out of it. */
import { Histogram, round, type LatencySummary } from './histogram.js';
import { incr, mergeCounts, type OcppVersion, type WorkerStatsJSON } from './messages.js';

export interface MergedPhase {
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

export function mergeStats(list: WorkerStatsJSON[]) {
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
export type Merged = ReturnType<typeof mergeStats>;

export function phaseActions(phase: MergedPhase | undefined) {
  const out: Record<string, { latencyMs: LatencySummary; errors: Record<string, number> }> = {};
  if (!phase) return out;
  for (const [action, entry] of [...phase.actions].sort((a, b) => a[0].localeCompare(b[0]))) {
    out[action] = { latencyMs: entry.hist.summary(), errors: entry.errors };
  }
  return out;
}

export function errorsOf(phase: MergedPhase | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!phase) return out;
  for (const [action, entry] of phase.actions) for (const [kind, n] of Object.entries(entry.errors)) incr(out, `${action} ${kind}`, n);
  return out;
}

export function hist(phase: MergedPhase | undefined, ...actions: string[]): Histogram {
  const h = new Histogram();
  for (const action of actions) {
    const entry = phase?.actions.get(action);
    if (entry) h.merge(entry.hist);
  }
  return h;
}
