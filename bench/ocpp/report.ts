/** Rows and JSON every scenario reports: targets, the load generator's own load, and what all scenarios count. */
import { fmt, fmtCounts, type Row } from './format.js';
import type { Merged, MergedPhase } from './merge.js';

let targetsMissed = 0;
/** How many targets `target` has judged MISSED so far. */
export const missedTargets = () => targetsMissed;

/** The target column of a row: MET, MISSED (counted), or `notApplicable` when `met` is null. */
export function target(met: boolean | null, text: string, notApplicable = 'n/a at this scale'): string {
  if (met === false) targetsMissed++;
  return `target: ${text} — ${met === null ? notApplicable : met ? 'MET' : 'MISSED'}`;
}

export function loadGenRows(phase: MergedPhase | undefined, label = ''): Row[] {
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

export function commonRows(m: Merged): Row[] {
  const rows: Row[] = [];
  if (Object.keys(m.unexpectedCloses).length) rows.push(['unexpected socket closes (by code)', fmtCounts(m.unexpectedCloses)]);
  if (Object.keys(m.serverCalls).length) rows.push(['calls from the server (answered)', fmtCounts(m.serverCalls)]);
  if (Object.keys(m.strictFailures).length) rows.push(['strict-mode schema failures', fmtCounts(m.strictFailures), 'should be none']);
  if (Object.keys(m.skipped).length) {
    rows.push(['periodic messages skipped', fmtCounts(m.skipped), 'the station\'s previous one was still unanswered: server or load generator overloaded']);
  }
  return rows;
}

export function commonJson(m: Merged) {
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
