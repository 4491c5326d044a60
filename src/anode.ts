/**
 * Composition root: config → database → bus → domain → the wings (OCPP gateway, OCPI, admin API, system endpoints) on
 * one HTTP server. Every background job is started and stopped here, and nowhere else.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { ADMIN_BASE_PATH, createAdminApp } from './admin/app.js';
import { InProcessBus } from './cluster/bus.js';
import type { ClusterMember } from './cluster/member.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { createDomain } from './domain/index.js';
import { LocalListSync } from './domain/local-list-sync.js';
import { mountDocs } from './http/docs.js';
import { FAILURE_STATUS_TEXT, serverFailure } from './http/failures.js';
import type { Logger } from './log.js';
import { OCPI_BASE_PATH, startOcpi } from './ocpi/app.js';
import type { OcpiEnv } from './ocpi/transport.js';
import { DataTransferVendors, type VendorHandler } from './ocpp/data-transfer.js';
import { PNC_VENDOR_ID, pncVendor } from './ocpp/v16/pnc.js';
import { forwardedCertificates } from './ocpp/client-certificate.js';
import { OcppGateway } from './ocpp/gateway.js';
import { localListWording } from './ocpp/local-list-wording.js';
import { createUploadsApp } from './ocpp/uploads.js';
import { UPLOADS_PATH } from './domain/station-uploads.js';
import { createSystemApp } from './system/app.js';

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

/** Every wing's HTTP surface on one app, with the answers for what no wing serves. */
function assembleApp(wings: { system: Hono; admin: Hono; ocpi: Hono<OcpiEnv>; uploads: Hono }, logger: Logger): Hono {
  const app = new Hono();
  app.route('/', wings.system);
  mountDocs(app);
  app.route(ADMIN_BASE_PATH, wings.admin);
  app.route(OCPI_BASE_PATH, wings.ocpi);
  app.route(UPLOADS_PATH, wings.uploads);
  app.get('/', (c) => c.redirect('/docs/'));
  app.notFound((c) => c.json({ status: 'Not Found', error: `nothing at ${c.req.path}` }, 404));
  app.onError((error, c) => {
    const failure = serverFailure(error, logger, 'HTTP', { path: c.req.path });
    return c.json({ status: FAILURE_STATUS_TEXT[failure.status], error: failure.message }, failure.status, failure.headers);
  });
  return app;
}

/** What an embedding program adds to Anode: handlers of vendors' DataTransfer messages. */
export interface AnodeExtensions {
  dataTransferVendors?: Record<string, VendorHandler>;
}

/** `member`: this process is one worker of several serving the node's port (WORKERS > 1). */
export async function startAnode(config: Config, logger: Logger, member?: ClusterMember, extensions: AnodeExtensions = {}): Promise<RunningAnode> {
  const database = await openDatabase(config.database);
  const bus = member ?? new InProcessBus();
  const domain = await createDomain(database.db, bus, {
    cpo: config.cpo,
    defaultTimeZone: config.defaultTimeZone,
    defaultCurrency: config.defaultCurrency,
    dataVersionPollMs: config.dataVersionPollMs,
    sessionUpdateSeconds: config.ocpi.sessionUpdateSeconds,
    meterSyncSeconds: config.meterSyncSeconds,
    remoteStartWindowSeconds: config.ocpi.remoteStartWindowSeconds,
    remoteStartKeepSeconds: config.ocpi.remoteStartKeepSeconds,
    offlineGraceMs: config.ocpi.offlineGraceSeconds * 1000,
  }, { config: config.pki, onSigningError: (error, signingId) => logger.error({ err: error, signingId }, 'signing a station certificate failed') });
  await domain.stations.clearConnections(config.nodeId, { andItsWorkers: !member });
  const gateway = new OcppGateway(domain, bus, logger, {
    nodeId: config.nodeId,
    settings: config.ocpp,
    ...config.ocpp,
    connections: member,
    dataTransferVendors: new DataTransferVendors({ [PNC_VENDOR_ID]: pncVendor(domain), ...extensions.dataTransferVendors }),
    forwardedCertificates: forwardedCertificates(config.tlsOffload, domain),
  });
  member?.attach(gateway);
  const stationLink = member ?? gateway;
  domain.localLists.useWording(localListWording);
  // The sync reaches only the stations this process holds: each process keeps its own stations' lists.
  const localListSync = new LocalListSync(domain.localLists, gateway, bus, { intervalMs: config.localListSyncSeconds * 1000 }, (error, stationId) =>
    logger.warn({ err: error, stationId }, 'keeping a local list in step failed'),
  );

  // The app is built once the port is known: links default to where the node listens (PORT may be 0).
  let app: Hono | undefined;
  const tls = config.tls;
  const server = createAdaptorServer({
    fetch: (request, env) => app!.fetch(request, env),
    ...(tls && {
      createServer: createHttpsServer,
      // Station certificates Anode's CA issued are trusted besides those of the configured client CA.
      serverOptions: { cert: tls.cert, key: tls.key, ca: [...(tls.clientCa ? [tls.clientCa] : []), domain.pki.authority.stationTrustPem()], requestCert: true, rejectUnauthorized: false },
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
  const ocpi = startOcpi({ domain, bus, stationLink, logger, publicBaseUrl, cpo: config.cpo, settings: config.ocpi, validateResponses: config.validateResponses });
  domain.authorizer.useRealtime(ocpi.realtimeAuthorization);
  const admin = createAdminApp({
    domain,
    stationLink,
    sayFarewell: ocpi.sayFarewell,
    logger,
    adminApiToken: config.adminApiToken,
    publicBaseUrl,
    validateResponses: config.validateResponses,
  });
  const system = createSystemApp({ database, version, startedAt: Date.now(), ocppFaults: () => gateway.faultCounts(), validateResponses: config.validateResponses });
  const uploads = createUploadsApp({ uploads: domain.stationUploads, maxBytes: config.uploadMaxBytes, logger });
  app = assembleApp({ system, admin, ocpi: ocpi.app, uploads }, logger);
  domain.dataVersions.start();
  domain.reservations.startSweeper(config.reservationSweepMs, (error) => logger.warn({ err: error }, 'expiring reservations failed'));
  domain.remoteStarts.startSweeper((error) => logger.warn({ err: error }, 'pruning remote starts failed'));
  const { sweepMs, ...closingRules } = config.transactionClosing;
  domain.transactionClosing.startSweeper(sweepMs, closingRules, {
    onClosed: (closed) => logger.info(closed, 'closed a transaction its station did not end'),
    onError: (error) => logger.warn({ err: error }, 'closing transactions nobody ends failed'),
  });
  // Stations past their offline grace are looked for a few times per grace, at least every 10 s.
  const offlineSweepMs = Math.min(10_000, Math.max(100, (config.ocpi.offlineGraceSeconds * 1000) / 4));
  domain.offlineStations.start(offlineSweepMs, (error) => logger.warn({ err: error }, 'showing offline stations failed'));
  domain.pki.renewal.start(config.pki.renewSweepSeconds * 1000, (error, stationId) => logger.warn({ err: error, stationId }, 'asking for a certificate renewal failed'));
  gateway.start();
  localListSync.start();
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
      await localListSync.stop();
      await domain.reservations.stopSweeper();
      await domain.remoteStarts.stopSweeper();
      await domain.transactionClosing.stopSweeper();
      await domain.offlineStations.stop();
      await domain.pki.renewal.stop();
      await gateway.close();
      await closeServer(server, 5000);
      await ocpi.stop();
      await domain.flush();
      await database.close();
    },
  };
}
