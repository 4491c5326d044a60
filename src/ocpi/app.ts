/**
 * The OCPI wing: its HTTP surface under /ocpi (transport: tokens, ids, envelope; the CPO operations; errors as
 * envelopes) and what it runs in the background (partner push delivery, the registration handshake on the bus).
 */
import { Hono } from 'hono';
import type { operations } from '../../generated/ocpi-2.2.1-cpo.js';
import type { Bus } from '../cluster/bus.js';
import type { Config } from '../config.js';
import type { RealtimeAuthorization } from '../domain/authorization.js';
import type { Domain } from '../domain/index.js';
import type { Partner } from '../domain/parties.js';
import type { StationLink } from '../domain/station-calls.js';
import { loadBundledDocument, mountOperations } from '../http/contract.js';
import { serverFailure } from '../http/failures.js';
import type { Logger } from '../log.js';
import type { OcpiContext } from './context.js';
import { cpoHandlers } from './handlers.js';
import { sayFarewell } from './modules/credentials.js';
import { realtimeAuthorization } from './modules/realtime-authorization.js';
import { startPartnerPush } from './push/index.js';
import { ocpiAnswerOf } from './failures.js';
import { errorEnvelope, ocpiTransport, StatusCode, type OcpiEnv } from './transport.js';
import { mountOcpi211, sayFarewell211, speaks211, startRegistrationInBestVersion } from './v211/index.js';

export const OCPI_BASE_PATH = '/ocpi';

export interface OcpiWingOptions {
  domain: Domain;
  bus: Bus;
  stationLink: StationLink;
  logger: Logger;
  publicBaseUrl: string;
  cpo: Config['cpo'];
  settings: Config['ocpi'];
  validateResponses: boolean;
}

export interface OcpiWing {
  app: Hono<OcpiEnv>;
  /** asks the eMSP that issued a token (for the domain's authorizer) */
  realtimeAuthorization: RealtimeAuthorization;
  /** tells a party it was unregistered */
  sayFarewell(partner: Partner): Promise<void>;
  stop(): Promise<void>;
}

export function createOcpiApp(ctx: OcpiContext, options: { openData: boolean; validateResponses: boolean }): Hono<OcpiEnv> {
  const app = new Hono<OcpiEnv>();
  app.use('*', ocpiTransport(ctx.domain.parties, { openData: options.openData, self: { countryCode: ctx.cpo.countryCode, partyId: ctx.cpo.partyId } }));
  const mount = {
    validateResponses: options.validateResponses,
    onResponseMismatch: (operationId: string, status: number, message: string) =>
      ctx.logger.error({ operationId, status }, `OCPI response does not match the contract: ${message}`),
  };
  mountOperations<operations, OcpiEnv>(app, loadBundledDocument('ocpi-2.2.1-cpo'), '', cpoHandlers(ctx), mount);
  mountOcpi211(app, ctx, mount);
  app.all('*', (c) => c.json(errorEnvelope(StatusCode.clientError, `no OCPI operation ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    const known = ocpiAnswerOf(error);
    if (known) return c.json(errorEnvelope(known.code, known.message), known.http as 400);
    const failure = serverFailure(error, ctx.logger, 'OCPI', { path: c.req.path });
    // Data the database refused is the client's (2001), answered inside OCPI like any other refused field.
    if (failure.status === 400) return c.json(errorEnvelope(StatusCode.invalidParameters, failure.message), 200);
    return c.json(errorEnvelope(StatusCode.serverError, failure.message), failure.status, failure.headers);
  });
  return app;
}

/** Starts partner push delivery and the registration handshake; `stop` ends both. */
export function startOcpi(options: OcpiWingOptions): OcpiWing {
  const { settings } = options;
  const ctx: OcpiContext = {
    domain: options.domain,
    bus: options.bus,
    stationLink: options.stationLink,
    commandTimeoutSeconds: settings.commandTimeoutSeconds,
    remoteStartWindowSeconds: settings.remoteStartWindowSeconds,
    logger: options.logger,
    publicBaseUrl: options.publicBaseUrl,
    cpo: { ...options.cpo, name: settings.businessName, website: settings.website },
    maxPageSize: settings.maxPageSize,
    partnerTimeoutMs: settings.partnerTimeoutMs,
  };
  const push = startPartnerPush(ctx, settings.push);
  // The operator registered a party with its versions URL: Anode starts the handshake.
  const unsubscribe = ctx.bus.subscribe('ocpi.party.registered', ({ partyId }) => {
    ctx.domain.parties
      .get(partyId)
      .then((partner) => startRegistrationInBestVersion(ctx, partner))
      .catch((error: unknown) => ctx.logger.error({ err: error, partyId }, 'starting the OCPI registration failed'));
  });
  return {
    app: createOcpiApp(ctx, { openData: settings.openData, validateResponses: options.validateResponses }),
    realtimeAuthorization: realtimeAuthorization(ctx, settings.authorizeTimeoutMs),
    sayFarewell: (partner) => (speaks211(partner) ? sayFarewell211(ctx, partner) : sayFarewell(ctx, partner)),
    stop: async () => {
      unsubscribe();
      await push.stop();
    },
  };
}
