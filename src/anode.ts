/** Composition root: config → database → bus → domain → HTTP server with the OCPP gateway on the same port. */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { InProcessBus } from './cluster/bus.js';
import type { ClusterMember } from './cluster/member.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { createDomain } from './domain/index.js';
import { createApp } from './http/app.js';
import type { Logger } from './log.js';
import { OcppGateway } from './ocpp/gateway.js';

export interface RunningAnode {
  /** e.g. http://127.0.0.1:8080 (https when Anode serves TLS) */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function listen(server: ServerType): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve(server.address() as AddressInfo));
    server.once('error', reject);
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** `member`: this process is one worker of several serving the node's port (WORKERS > 1). */
export async function startAnode(config: Config, logger: Logger, member?: ClusterMember): Promise<RunningAnode> {
  const database = await openDatabase(config.database);
  const bus = member ?? new InProcessBus();
  const domain = createDomain(database.db, bus, {
    cpo: config.cpo,
    defaultTimeZone: config.defaultTimeZone,
    defaultCurrency: config.defaultCurrency,
    dataVersionPollMs: config.dataVersionPollMs,
    sessionUpdateSeconds: config.ocpi.sessionUpdateSeconds,
    meterSyncSeconds: config.meterSyncSeconds,
  });
  domain.dataVersions.start();
  await domain.stations.clearConnections(config.nodeId, { andItsWorkers: !member });
  const gateway = new OcppGateway(domain, bus, logger, { nodeId: config.nodeId, settings: config.ocpp, ...config.ocpp, connections: member });
  member?.attach(gateway);
  const stationLink = member ?? gateway;

  // The app is built once the port is known: links default to where the node listens (PORT may be 0).
  let app: Hono | undefined;
  const tls = config.tls;
  const server = createAdaptorServer({
    fetch: (request, env) => app!.fetch(request, env),
    ...(tls && {
      createServer: createHttpsServer,
      serverOptions: { cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: false },
    }),
  }) as Server;
  server.on('upgrade', gateway.handleUpgrade);
  let address: AddressInfo;
  try {
    // A long accept queue: thousands of stations reconnect at once after an outage.
    const listening = listen(server);
    server.listen({ host: config.host, port: config.port, backlog: 4096 });
    address = await listening;
  } catch (error) {
    await database.close();
    throw error;
  }
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const scheme = tls ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const publicBaseUrl = config.publicBaseUrl ?? url;
  domain.reservations.startSweeper(config.reservationSweepMs, (error) => logger.warn({ err: error }, 'expiring reservations failed'));
  const stopTasks: Array<() => Promise<void>> = [];
  const onStop = (task: () => Promise<void>) => stopTasks.push(task);
  const ocppFaults = () => gateway.faultCounts();
  app = createApp({ config, publicBaseUrl, database, domain, stationLink, bus, logger, version, startedAt: Date.now(), ocppFaults, onStop });
  const ocppUrl = `${tls ? 'wss' : 'ws'}://${host}:${address.port}/ocpp/{stationId}`;
  logger.info(
    { database: database.kind, docs: `${url}/docs`, admin: `${url}/api/v0`, health: `${url}/health`, ocpp: ocppUrl },
    `Anode ${version} listening on ${url}: docs ${url}/docs, admin API ${url}/api/v0, health ${url}/health, OCPP ${ocppUrl}, OCPI ${publicBaseUrl}/ocpi/versions`,
  );
  if (config.adminApiToken === undefined) {
    logger.warn('ADMIN_API_TOKEN is not set: the admin API answers loopback clients only');
  }
  if (config.ocpp.allowUnregistered) {
    logger.warn('OCPP_ALLOW_UNREGISTERED is on: any station id is admitted without authentication (labs only)');
  }
  return {
    url,
    port: address.port,
    stop: async () => {
      domain.dataVersions.stop();
      await domain.reservations.stopSweeper();
      await gateway.close();
      await closeServer(server, 5000);
      await Promise.all(stopTasks.map((task) => task()));
      await domain.flush();
      await database.close();
    },
  };
}
