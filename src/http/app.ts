/** Assembles the HTTP surface: system endpoints, docs, and each wing's API under its base path. */
import { Hono } from 'hono';
import type { operations as systemOperations } from '../../generated/system.js';
import { ADMIN_BASE_PATH, createAdminApp } from '../admin/app.js';
import type { Bus } from '../cluster/bus.js';
import { createOcpiApp, OCPI_BASE_PATH } from '../ocpi/app.js';
import type { OcpiContext } from '../ocpi/context.js';
import { sayFarewell } from '../ocpi/modules/credentials.js';
import { realtimeAuthorization } from '../ocpi/modules/realtime-authorization.js';
import { startPartnerPush } from '../ocpi/push/index.js';
import type { Config } from '../config.js';
import { describeUnavailability } from '../db/availability.js';
import { pingDatabase, type DatabaseHandle } from '../db/client.js';
import type { Domain } from '../domain/index.js';
import type { StationLink } from '../domain/station-calls.js';
import type { Logger } from '../log.js';
import type { GatewayFaults } from '../ocpp/gateway.js';
import { loadBundledDocument, mountOperations, type OperationHandlers } from './contract.js';
import { dataErrorMessage, dataErrorOf } from './data-errors.js';
import { mountDocs } from './docs.js';

export interface AppContext {
  config: Config;
  publicBaseUrl: string;
  database: DatabaseHandle;
  domain: Domain;
  stationLink: StationLink;
  bus: Bus;
  logger: Logger;
  version: string;
  startedAt: number;
  /** what this process's OCPP gateway refused or lost since it started */
  ocppFaults(): GatewayFaults;
  /** what must be stopped with the server (background work the app started) */
  onStop(task: () => Promise<void>): void;
}

function systemHandlers(ctx: AppContext): OperationHandlers<systemOperations> {
  return {
    getHealth: async () => {
      const started = performance.now();
      const uptimeSeconds = (Date.now() - ctx.startedAt) / 1000;
      try {
        await pingDatabase(ctx.database.db);
        const latencyMs = Math.round((performance.now() - started) * 100) / 100;
        return {
          status: 200,
          body: {
            status: 'ok',
            version: ctx.version,
            uptimeSeconds,
            database: { kind: ctx.database.kind, ok: true, latencyMs },
            ocpp: ctx.ocppFaults(),
          },
        };
      } catch (error) {
        return {
          status: 503,
          body: {
            status: 'unavailable',
            version: ctx.version,
            uptimeSeconds,
            database: { kind: ctx.database.kind, ok: false, latencyMs: null, error: describeUnavailability(error) },
            ocpp: ctx.ocppFaults(),
          },
        };
      }
    },
  };
}

export function createApp(ctx: AppContext): Hono {
  const app = new Hono();
  const { ocpi } = ctx.config;
  const ocpiContext: OcpiContext = {
    domain: ctx.domain,
    bus: ctx.bus,
    stationLink: ctx.stationLink,
    commandTimeoutSeconds: ocpi.commandTimeoutSeconds,
    remoteStartWindowSeconds: ocpi.remoteStartWindowSeconds,
    logger: ctx.logger,
    publicBaseUrl: ctx.publicBaseUrl,
    cpo: { ...ctx.config.cpo, name: ocpi.businessName, website: ocpi.website },
    maxPageSize: ocpi.maxPageSize,
    partnerTimeoutMs: ocpi.partnerTimeoutMs,
  };
  const push = startPartnerPush(ocpiContext, ocpi.push);
  ctx.onStop(() => push.stop());
  ctx.domain.authorizer.useRealtime(realtimeAuthorization(ocpiContext, ocpi.authorizeTimeoutMs));
  mountOperations<systemOperations>(app, loadBundledDocument('system'), '', systemHandlers(ctx), {
    validateResponses: ctx.config.validateResponses,
  });
  mountDocs(app);
  app.route(
    ADMIN_BASE_PATH,
    createAdminApp({
      domain: ctx.domain,
      stationLink: ctx.stationLink,
      sayFarewell: (partner) => sayFarewell(ocpiContext, partner),
      logger: ctx.logger,
      adminApiToken: ctx.config.adminApiToken,
      publicBaseUrl: ctx.publicBaseUrl,
      validateResponses: ctx.config.validateResponses,
    }),
  );
  app.route(OCPI_BASE_PATH, createOcpiApp(ocpiContext, { openData: ocpi.openData, validateResponses: ctx.config.validateResponses }));
  app.get('/', (c) => c.redirect('/docs/'));
  app.notFound((c) => c.json({ status: 'Not Found', error: `nothing at ${c.req.path}` }, 404));
  app.onError((error, c) => {
    const dataError = dataErrorOf(error);
    if (dataError) {
      ctx.logger.warn({ err: error, sqlState: dataError.sqlState }, 'request refused by the database for its data');
      return c.json({ status: 'Bad Request', error: dataErrorMessage(dataError) }, 400);
    }
    ctx.logger.error({ err: error }, 'request failed');
    return c.json({ status: 'Internal Server Error', error: 'unexpected error; see the server log' }, 500);
  });
  return app;
}
