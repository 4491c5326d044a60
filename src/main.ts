import cluster from 'node:cluster';
import { startAnode } from './anode.js';
import { ClusterMember } from './cluster/member.js';
import type { PrimaryToWorker, WorkerToPrimary } from './cluster/messages.js';
import { startCluster } from './cluster/primary.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { isConnectionFault } from './ocpp/socket-guard.js';

/**
 * The last line of defence. An error of one connection (a frame ws refused, a reset socket) that escaped every
 * listener has already closed that connection and touches nothing else: it is logged and the process goes on. Anything
 * else uncaught is a bug whose state cannot be trusted: logged as fatal, and the process ends (a supervisor or the
 * cluster primary starts it again). A promise rejection nobody handled is logged as an error, a bug to fix, without
 * ending the process: Node would end it, and every station with it, for one lost promise.
 */
function guardProcess(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    if (isConnectionFault(error)) {
      logger.warn({ err: error }, 'a connection error escaped its listeners; that connection is closed, the rest go on');
      return;
    }
    logger.fatal({ err: error }, 'uncaught exception: stopping');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
}

/** One worker of several (WORKERS > 1): a whole Anode, wired to the others through the primary. */
function startWorker(config: Config, logger: Logger) {
  const index = process.env.ANODE_WORKER_INDEX ?? '0';
  const workerLogger = logger.child({ worker: Number(index) });
  const member = new ClusterMember(cluster.worker!.id, (message: WorkerToPrimary) => process.send!(message), config.ocpp.callTimeoutMs, workerLogger);
  process.on('message', (message: PrimaryToWorker) => member.receive(message));
  return startAnode({ ...config, nodeId: `${config.nodeId}-w${index}` }, workerLogger, member);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`anode: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  guardProcess(logger);
  const running =
    config.workers > 1 && cluster.isPrimary
      ? await startCluster(config, logger)
      : cluster.isWorker
        ? await startWorker(config, logger)
        : await startAnode(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  if ('ended' in running) void running.ended.then(() => shutdown('workers ended'));
}

main().catch((error: unknown) => {
  console.error('anode: failed to start:', error);
  process.exit(1);
});
