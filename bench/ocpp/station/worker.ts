/**
 * OCPP load benchmark: a child process (forked by bench/ocpp/worker-pool.ts) that runs many simulated charge
 * stations (station.ts, each over its own OCPP-J client) and reports what it measured to the parent over IPC. It
 * never talks to anything but the endpoint it is given (127.0.0.1).
 *
 * Protocol (see ../messages.ts): `scenario` → runs setup → `ready`; [`go` → measurement window →
 * `window-done`]; `stop` → teardown, sockets closed → `done`; `exit`.
 */
import { performance } from 'node:perf_hooks';
import { incr, type ParentToWorker, type ScenarioOptions, type StationSpec, type WorkerToParent } from '../messages.js';
import { errorKind, inflightCalls, Station } from './station.js';
import { beginPhase, counters, currentPhase, snapshot, totals } from './stats.js';

const WORKER = Number(process.env.BENCH_WORKER_INDEX ?? '0');

function send(message: WorkerToParent): void {
  if (process.connected) process.send!(message);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let specs: StationSpec[] = [];
let stations: Station[] = [];

/**
 * Call timeouts for every station of this worker, from one interval rather than a timer per call. A call times out
 * once it has waited `timeoutMs` for its answer; one queued behind another of its station's calls waits for that one
 * first.
 */
let callSweeper: NodeJS.Timeout | undefined;
function sweepOverdueCalls(timeoutMs: number): void {
  clearInterval(callSweeper);
  callSweeper = setInterval(() => {
    const now = performance.now();
    for (const station of stations) station.client?.expireOverdue(now, timeoutMs);
  }, 250).unref();
}


/** Start `task` for every station, `rampBatch` every `rampEveryMs` (all at once when rampBatch is 0); wait for all. */
async function ramp(o: ScenarioOptions, task: (station: Station) => Promise<unknown>): Promise<void> {
  const batch = o.rampBatch > 0 ? o.rampBatch : stations.length;
  const running: Promise<unknown>[] = [];
  for (let i = 0; i < stations.length; i += batch) {
    if (i > 0 && o.rampEveryMs > 0) await sleep(o.rampEveryMs);
    for (const station of stations.slice(i, i + batch)) {
      running.push(task(station).catch((error: unknown) => incr(counters.uncaught, errorKind(error))));
    }
  }
  await Promise.all(running);
}

async function settleInflight(maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  while (inflightCalls() > 0 && performance.now() < until) await sleep(20);
}

let progressTimer: NodeJS.Timeout | undefined;
let goResolve: (() => void) | undefined;
let stopResolve: (() => void) | undefined;

async function runScenario(o: ScenarioOptions): Promise<void> {
  specs = o.stations;
  stations = o.stations.map((spec) => new Station(spec, o));
  sweepOverdueCalls(o.callTimeoutMs);
  progressTimer = setInterval(() => {
    send({
      type: 'progress',
      progress: {
        worker: WORKER,
        open: counters.openNow,
        accepted: counters.bootAccepted,
        connectFailed: connectFailures(),
        answered: totals.answered,
        failed: totals.failed,
      },
    });
  }, 1000);
  const stopped = new Promise<void>((resolve) => (stopResolve = resolve));

  if (o.scenario === 'boot-storm') {
    beginPhase('boot');
    await ramp(o, (s) => s.connectAndBoot());
    currentPhase().freeze();
    send({ type: 'ready', stats: snapshot(WORKER, specs) });
    await stopped;
    beginPhase('teardown');
  } else if (o.scenario === 'hold') {
    // Heartbeats start as each station is Accepted; those answered during the ramp are the 'ramp'
    // phase's, those after 'go' (every worker ramped) the steady 'hold' phase's.
    beginPhase('ramp');
    await ramp(o, async (s) => {
      if (!(await s.connectAndBoot())) return;
      await s.sendStatus();
      s.startHeartbeats();
    });
    currentPhase().freeze();
    const go = new Promise<void>((resolve) => (goResolve = resolve));
    send({ type: 'ready', stats: snapshot(WORKER, specs) });
    await Promise.race([go, stopped]);
    beginPhase('hold');
    await stopped;
    currentPhase().freeze();
    beginPhase('teardown');
    for (const s of stations) s.clearTimers();
  } else {
    beginPhase('setup');
    await ramp(o, async (s) => {
      if (!(await s.connectAndBoot())) return;
      await s.startTransaction();
    });
    await settleInflight(o.callTimeoutMs + 1000);
    currentPhase().freeze();
    const go = new Promise<void>((resolve) => (goResolve = resolve));
    send({ type: 'ready', stats: snapshot(WORKER, specs) });
    await Promise.race([go, stopped]);
    if (goResolve === undefined) {
      // 'go' arrived: MeterValues and Heartbeats start; after the warm-up (reported on its own), the measurement window.
      beginPhase('warmup');
      for (const s of stations) {
        if (!s.open) continue;
        s.startMeterValues();
        s.startHeartbeats();
      }
      if (o.warmupMs > 0) await Promise.race([sleep(o.warmupMs), stopped]);
      beginPhase('window');
      const window = currentPhase();
      const t0 = performance.now();
      await Promise.race([sleep(o.windowMs), stopped.then(() => undefined)]);
      window.answeredAtEnd = window.answeredNow();
      window.windowMs = performance.now() - t0;
      for (const s of stations) s.clearTimers();
      window.freeze();
      // At most one MeterValues and one Heartbeat per station are outstanding, one behind the other.
      await settleInflight(2 * o.callTimeoutMs + 1000);
      send({ type: 'window-done', stats: snapshot(WORKER, specs) });
      await stopped;
    }
    beginPhase('teardown');
    await ramp(o, (s) => s.stopTransaction());
  }

  await Promise.all(stations.map((s) => s.close().catch(() => undefined)));
  clearInterval(progressTimer);
  clearInterval(callSweeper);
  currentPhase().freeze();
  send({ type: 'done', stats: snapshot(WORKER, specs) });
}

function connectFailures(): number {
  let failed = 0;
  for (const count of Object.values(counters.connectFailures)) failed += count;
  return failed;
}

process.on('message', (raw) => {
  const message = raw as ParentToWorker;
  switch (message.type) {
    case 'scenario':
      runScenario(message.options).catch((error: unknown) => {
        send({ type: 'fatal', worker: WORKER, error: String((error as Error)?.stack ?? error) });
      });
      break;
    case 'go': {
      const resolve = goResolve;
      goResolve = undefined;
      resolve?.();
      break;
    }
    case 'report':
      send({ type: 'report', stats: snapshot(WORKER, specs) });
      break;
    case 'stop':
      stopResolve?.();
      break;
    case 'exit':
      setImmediate(() => process.exit(0));
      break;
  }
});

// A stray socket error must not take 10,000 simulated stations down with it: count it instead.
process.on('uncaughtException', (error) => incr(counters.uncaught, errorKind(error)));
process.on('unhandledRejection', (error) => incr(counters.uncaught, errorKind(error)));
// The parent went away (crash, hard timeout): nothing left to report to.
process.on('disconnect', () => process.exit(0));

send({ type: 'online', worker: WORKER, pid: process.pid });
