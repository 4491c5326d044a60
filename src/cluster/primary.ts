/**
 * The primary process of a multi-process node (WORKERS > 1). It migrates the database once, forks the workers (each a
 * whole Anode sharing the listening port; the primary hands each accepted connection to one of them), keeps the
 * directory of which worker holds which station, relays calls and cluster-wide bus events, and replaces a worker
 * that dies. It serves no traffic itself.
 *
 * Why: one process can hold only as many sockets as its open-file limit allows, and uses one core.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config.js';
import { openDatabase } from '../db/client.js';
import { Stations } from '../domain/stations.js';
import type { Logger } from '../log.js';
import { InProcessBus } from './bus.js';
import { StationDirectory } from './directory.js';
import type { PrimaryToWorker, WorkerToPrimary } from './messages.js';

/**
 * A worker that dies sooner than this after it started listening is replaced only after a pause, which doubles with
 * each such death in a row up to the longest (a worker that cannot start, say while the database is away, must not
 * spin the CPU).
 */
const MIN_WORKER_LIFE_MS = 10_000;
const REFORK_PAUSE_MS = 2_000;
const REFORK_PAUSE_MAX_MS = 60_000;
const STOP_GRACE_MS = 15_000;

export interface RunningCluster {
  stop(): Promise<void>;
  /** resolves when every worker has exited by itself (e.g. each was sent SIGINT by the terminal) */
  ended: Promise<void>;
}

export async function startCluster(config: Config, logger: Logger): Promise<RunningCluster> {
  const database = await openDatabase(config.database); // applies the migrations, once for every worker
  try {
    // Stations a worker of an earlier run held (one beyond today's WORKERS, say) are not connected any more.
    await new Stations(database.db, new InProcessBus()).clearConnections(config.nodeId, { andItsWorkers: true });
  } finally {
    await database.close();
  }

  const directory = new StationDirectory();
  /** routed calls by owner worker, so a dying owner's calls are answered */
  const routed = new Map<number, Map<string, { requester: number; callId: number }>>();
  const indexOf = new Map<number, number>();
  const listeningSince = new Map<number, number>();
  /** by worker index: how many of its workers in a row died young */
  const youngDeaths = new Map<number, number>();
  let stopping = false;
  let failed: ((error: Error) => void) | undefined;
  let port = config.port;
  let ended: () => void = () => {};

  const post = (worker: Worker | undefined, message: PrimaryToWorker) => {
    if (worker?.isConnected()) worker.send(message);
  };
  const broadcast = (message: PrimaryToWorker, except?: number) => {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && worker.id !== except) post(worker, message);
  };
  const workerById = (id: number) => cluster.workers?.[id];

  const onMessage = (worker: Worker, message: WorkerToPrimary) => {
    switch (message.kind) {
      case 'connected': {
        const entry = { stationId: message.stationId, version: message.version, worker: worker.id, connectionId: message.connectionId };
        const previous = directory.set(entry);
        if (previous && previous.worker !== worker.id) {
          post(workerById(previous.worker), { kind: 'replaced', stationId: previous.stationId, connectionId: previous.connectionId });
        }
        broadcast({ kind: 'connected', ...entry }, worker.id);
        return;
      }
      case 'disconnected': {
        directory.drop(message.stationId, worker.id, message.connectionId);
        broadcast({ kind: 'disconnected', stationId: message.stationId, worker: worker.id, connectionId: message.connectionId }, worker.id);
        return;
      }
      case 'bus':
        broadcast(message, worker.id);
        return;
      case 'call': {
        const owner = directory.get(message.stationId)?.worker;
        const ownerWorker = owner === undefined ? undefined : workerById(owner);
        if (!ownerWorker) {
          const outcome = { ok: false as const, error: 'not-connected' as const, message: `charge station ${message.stationId} is not connected` };
          post(worker, { kind: 'call-answer', callId: message.callId, outcome });
          return;
        }
        let calls = routed.get(ownerWorker.id);
        if (!calls) routed.set(ownerWorker.id, (calls = new Map()));
        calls.set(`${worker.id}:${message.callId}`, { requester: worker.id, callId: message.callId });
        post(ownerWorker, { ...message, requester: worker.id });
        return;
      }
      case 'call-answer':
        routed.get(worker.id)?.delete(`${message.requester}:${message.callId}`);
        post(workerById(message.requester), { kind: 'call-answer', callId: message.callId, outcome: message.outcome });
        return;
    }
  };

  /** A worker is gone: its stations are no longer connected, its routed calls get no answer from it. */
  const forget = (worker: Worker) => {
    for (const entry of directory.all()) {
      if (entry.worker !== worker.id) continue;
      directory.drop(entry.stationId, worker.id, entry.connectionId);
      broadcast({ kind: 'disconnected', stationId: entry.stationId, worker: worker.id, connectionId: entry.connectionId });
    }
    for (const { requester, callId } of routed.get(worker.id)?.values() ?? []) {
      post(workerById(requester), { kind: 'call-answer', callId, outcome: { ok: false, error: 'went-away', message: 'the worker holding the station stopped before it answered' } });
    }
    routed.delete(worker.id);
  };

  const fork = (index: number) => {
    const worker = cluster.fork({ ANODE_WORKER_INDEX: String(index) });
    indexOf.set(worker.id, index);
    worker.on('message', (message: WorkerToPrimary) => onMessage(worker, message));
    worker.on('online', () => post(worker, { kind: 'directory', entries: directory.all() }));
    return worker;
  };

  cluster.on('listening', (worker, address) => {
    listeningSince.set(worker.id, Date.now());
    port = address.port;
  });
  cluster.on('exit', (worker, code, signal) => {
    forget(worker);
    const index = indexOf.get(worker.id)!;
    const since = listeningSince.get(worker.id);
    indexOf.delete(worker.id);
    listeningSince.delete(worker.id);
    // A worker that exits cleanly was told to stop (SIGTERM, or SIGINT from the terminal, which reaches every worker).
    const crashed = code !== 0 || signal !== null;
    if (stopping || !crashed) {
      if (Object.keys(cluster.workers ?? {}).length === 0) ended();
      return;
    }
    if (since === undefined && failed) {
      failed(new Error(`worker ${index} exited (code ${code}, signal ${signal}) before it listened`));
      return;
    }
    const young = since === undefined || Date.now() - since < MIN_WORKER_LIFE_MS;
    const deaths = young ? (youngDeaths.get(index) ?? 0) + 1 : 0;
    youngDeaths.set(index, deaths);
    const pauseMs = deaths === 0 ? 0 : Math.min(REFORK_PAUSE_MS * 2 ** (deaths - 1), REFORK_PAUSE_MAX_MS);
    logger.error({ worker: index, code, signal, restartInMs: pauseMs }, 'a worker died: starting another');
    setTimeout(() => stopping || fork(index), pauseMs).unref();
  });

  const stop = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  };

  // Started when every worker listens; a worker that fails before that stops them all.
  const started = new Promise<void>((resolve, reject) => {
    failed = reject;
    let listening = 0;
    const onListening = () => {
      if (++listening < config.workers) return;
      cluster.off('listening', onListening);
      failed = undefined;
      resolve();
    };
    cluster.on('listening', onListening);
  });
  // Workers accept from the shared listening socket themselves. Node's default on Linux has the primary accept every
  // connection and hand it to a worker over IPC; in bench:ocpp's 20,000-station reconnect storm that hand-off was the
  // bottleneck (5,014 handshake timeouts and 1,006 stations never connected, against none). NODE_CLUSTER_SCHED_POLICY
  // (Node's own switch: rr or none) still decides when it is set.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let index = 0; index < config.workers; index++) fork(index);
  try {
    await started;
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ workers: config.workers, port }, `${config.workers} workers share port ${port}`);
  return { stop, ended: new Promise<void>((resolve) => (ended = resolve)) };
}
