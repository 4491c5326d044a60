/**
 * meter-values: stations with a transaction open send MeterValues (2.0.1: TransactionEvent Updated) at a fixed rate;
 * the rate answered and its latency in a measurement window after a warm-up, then the persisted-count check.
 */
import { readRssKb } from '../../shared/proc.js';
import { capacityFor } from '../capacity.js';
import { cpuRow, cpuSnapshot, cpuSplit } from '../cpu.js';
import { verifyPersisted, type Verification } from '../database.js';
import { fmt, fmtCounts, fmtLatency, fmtSlowSeconds, table, type Row } from '../format.js';
import { gcRows, gcSummaries } from '../gc.js';
import { round } from '../histogram.js';
import { say } from '../log.js';
import { MV_LATENCY_TARGET_MS } from '../messages.js';
import { errorsOf, hist, mergeStats, phaseActions } from '../merge.js';
import { config, DEFAULTS } from '../options.js';
import { makeStations, register } from '../registration.js';
import { commonJson, commonRows, loadGenRows, target } from '../report.js';
import { result } from '../run-state.js';
import type { ServerHandle } from '../server.js';
import { WorkerPool } from '../worker-pool.js';
import { sleep } from '../wait.js';
import { rampSeconds, scenarioOptions } from './worker-options.js';

/** Set when the count did not match: run.ts counts again once the server has stopped (it may flush then). */
export let pendingRecheck: { databaseUrl: string; verification: Verification } | undefined;

export async function meterValues(server: ServerHandle, databaseUrl: string | undefined): Promise<void> {
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

function expected(v: Verification): string {
  return v.expectedSampledValues.toLocaleString('en-US');
}
