/** The OCPI wing's HTTP surface under /ocpi: transport (tokens, ids, envelope), the CPO operations, errors as envelopes. */
import { Hono } from 'hono';
import type { operations } from '../../generated/ocpi-2.2.1-cpo.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, PreconditionFailedError, StaleUpdateError } from '../domain/errors.js';
import { loadBundledDocument, mountOperations } from '../http/contract.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { dataErrorMessage, dataErrorOf } from '../http/data-errors.js';
import { HttpError } from '../http/errors.js';
import type { OcpiContext } from './context.js';
import { cpoHandlers } from './handlers.js';
import { startRegistration } from './modules/credentials.js';
import { errorEnvelope, ocpiTransport, OcpiError, StatusCode } from './transport.js';

export const OCPI_BASE_PATH = '/ocpi';

function statusOf(error: unknown): { http: number; code: number; message: string } | undefined {
  if (error instanceof OcpiError) return { http: error.httpStatus, code: error.statusCode, message: error.message };
  if (error instanceof HttpError) return { http: error.status, code: StatusCode.invalidParameters, message: error.message };
  if (error instanceof InvalidInputError) return { http: 400, code: StatusCode.invalidParameters, message: error.message };
  if (error instanceof NotFoundError) return { http: 404, code: StatusCode.clientError, message: error.message };
  if (error instanceof PreconditionFailedError) return { http: 412, code: StatusCode.clientError, message: error.message };
  if (error instanceof StaleUpdateError || error instanceof ConflictError) return { http: 409, code: StatusCode.clientError, message: error.message };
  if (error instanceof ForbiddenError) return { http: 403, code: StatusCode.clientError, message: error.message };
  return undefined;
}

export function createOcpiApp(ctx: OcpiContext, options: { openData: boolean; validateResponses: boolean }): Hono {
  const app = new Hono();
  app.use('*', ocpiTransport(ctx.domain.parties, { openData: options.openData }));
  mountOperations<operations>(app, loadBundledDocument('ocpi-2.2.1-cpo'), '', cpoHandlers(ctx), {
    validateResponses: options.validateResponses,
    onResponseMismatch: (operationId, status, message) =>
      ctx.logger.error({ operationId, status }, `OCPI response does not match the contract: ${message}`),
  });
  app.all('*', (c) => c.json(errorEnvelope(StatusCode.clientError, `no OCPI operation ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    const known = statusOf(error);
    if (known) return c.json(errorEnvelope(known.code, known.message), known.http as 400);
    if (isDatabaseUnavailable(error)) {
      ctx.logger.warn({ err: error, path: c.req.path }, 'OCPI request answered 503: the database is unavailable');
      c.header('Retry-After', '5');
      return c.json(errorEnvelope(StatusCode.serverError, 'database unavailable, try again'), 503);
    }
    const dataError = dataErrorOf(error);
    if (dataError) {
      ctx.logger.warn({ err: error, sqlState: dataError.sqlState, path: c.req.path }, 'OCPI request refused by the database for its data');
      return c.json(errorEnvelope(StatusCode.invalidParameters, dataErrorMessage(dataError)), 400);
    }
    ctx.logger.error({ err: error, path: c.req.path }, 'OCPI request failed');
    return c.json(errorEnvelope(StatusCode.serverError, 'unexpected error; see the server log'), 500);
  });
  // The operator registered a party with its versions URL: Anode starts the handshake.
  ctx.bus.subscribe('ocpi.party.registered', ({ partyId }) => {
    ctx.domain.parties
      .get(partyId)
      .then((partner) => startRegistration(ctx, partner))
      .catch((error: unknown) => ctx.logger.error({ err: error, partyId }, 'starting the OCPI registration failed'));
  });
  return app;
}
