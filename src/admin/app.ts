import { Hono } from 'hono';
import type { operations } from '../../generated/admin.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { InvalidStationCallError, StationNotConnectedError, StationTimeoutError } from '../domain/station-calls.js';
import type { Domain } from '../domain/index.js';
import type { StationLink } from '../domain/station-calls.js';
import { loadBundledDocument, mountOperations } from '../http/contract.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { dataErrorMessage, dataErrorOf } from '../http/data-errors.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../log.js';
import { adminAccess } from './access.js';
import { adminHandlers, type PartyFarewell } from './handlers.js';

export const ADMIN_BASE_PATH = '/api/v0';

export interface AdminAppOptions {
  domain: Domain;
  stationLink: StationLink;
  /** tells an OCPI party it was unregistered (the OCPI wing's part) */
  sayFarewell: PartyFarewell;
  logger: Logger;
  adminApiToken: string | undefined;
  publicBaseUrl: string;
  validateResponses: boolean;
}

/** Every failure as the MaEVe `Status` body with a fitting HTTP code. */
function statusBody(error: unknown, logger: Logger): { status: number; body: { status: string; error: string } } {
  if (error instanceof HttpError) return { status: error.status, body: { status: error.statusText, error: error.message } };
  if (error instanceof NotFoundError) return { status: 404, body: { status: 'Not Found', error: error.message } };
  if (error instanceof ConflictError) return { status: 409, body: { status: 'Conflict', error: error.message } };
  if (error instanceof InvalidInputError || error instanceof InvalidStationCallError) {
    return { status: 400, body: { status: 'Bad Request', error: error.message } };
  }
  if (error instanceof StationNotConnectedError) return { status: 409, body: { status: 'Conflict', error: error.message } };
  if (error instanceof StationTimeoutError) return { status: 504, body: { status: 'Gateway Timeout', error: error.message } };
  if (isDatabaseUnavailable(error)) {
    logger.warn({ err: error }, 'admin API request answered 503: the database is unavailable');
    return { status: 503, body: { status: 'Service Unavailable', error: 'database unavailable, try again' } };
  }
  const dataError = dataErrorOf(error);
  if (dataError) {
    logger.warn({ err: error, sqlState: dataError.sqlState }, 'admin API request refused by the database for its data');
    return { status: 400, body: { status: 'Bad Request', error: dataErrorMessage(dataError) } };
  }
  logger.error({ err: error }, 'admin API request failed');
  return { status: 500, body: { status: 'Internal Server Error', error: 'unexpected error; see the server log' } };
}

export function createAdminApp(options: AdminAppOptions): Hono {
  const app = new Hono();
  app.use('*', adminAccess(options.adminApiToken));
  mountOperations<operations>(app, loadBundledDocument('admin'), '', adminHandlers(options.domain, options.stationLink, options.publicBaseUrl, options.sayFarewell), {
    validateResponses: options.validateResponses,
    onResponseMismatch: (operationId, status, message) =>
      options.logger.error({ operationId, status }, `response does not match the contract: ${message}`),
  });
  app.all('*', (c) => c.json({ status: 'Not Found', error: `no operation ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    const { status, body } = statusBody(error, options.logger);
    if (status === 503) c.header('Retry-After', '5');
    return c.json(body, status as 400);
  });
  return app;
}
