/** boot-storm: every station connects and sends BootNotification at once; how long until all are Accepted. */
import { readListenOverflows, readRssKb } from '../../shared/proc.js';
import { capacityFor, waitServerQuiet } from '../capacity.js';
import { cpuRow, cpuSnapshot, cpuSplit } from '../cpu.js';
import { fmt, fmtCounts, fmtLatency, table } from '../format.js';
import { round } from '../histogram.js';
import { say } from '../log.js';
import { errorsOf, hist, mergeStats, phaseActions } from '../merge.js';
import { config, DEFAULTS } from '../options.js';
import { makeStations, register } from '../registration.js';
import { commonJson, commonRows, loadGenRows, target } from '../report.js';
import { machine, result } from '../run-state.js';
import type { ServerHandle } from '../server.js';
import { WorkerPool } from '../worker-pool.js';
import { scenarioOptions } from './worker-options.js';

export async function bootStorm(server: ServerHandle): Promise<void> {
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
