/** hold: many stations connected at once, ramped up, then held with Heartbeats; memory and fds per station. */
import { performance } from 'node:perf_hooks';
import { readFdCount, readRssKb } from '../../shared/proc.js';
import { capacityFor, waitServerQuiet } from '../capacity.js';
import { cpuRow, cpuSnapshot, cpuSplit } from '../cpu.js';
import { fmt, fmtCounts, fmtLatency, table } from '../format.js';
import { round } from '../histogram.js';
import { say } from '../log.js';
import { errorsOf, hist, mergeStats, phaseActions } from '../merge.js';
import { config, DEFAULTS } from '../options.js';
import { makeStations, register } from '../registration.js';
import { commonJson, commonRows, loadGenRows, target } from '../report.js';
import { result } from '../run-state.js';
import type { ServerHandle } from '../server.js';
import { WorkerPool } from '../worker-pool.js';
import { sleep } from '../wait.js';
import { rampSeconds, scenarioOptions } from './worker-options.js';

export async function hold(server: ServerHandle): Promise<void> {
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
