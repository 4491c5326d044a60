import { Hono } from 'hono';
import type { operations } from '../../generated/admin.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { InvalidStationCallError, StationNotConnectedError, StationTimeoutError, StationWentAwayError } from '../domain/station-calls.js';
import type { Domain } from '../domain/index.js';
import type { StationLink } from '../domain/station-calls.js';
import { loadBundledDocument, mountOperations } from '../http/contract.js';
import { HttpError } from '../http/errors.js';
import { FAILURE_STATUS_TEXT, serverFailure } from '../http/failures.js';
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
function statusBody(error: unknown, logger: Logger): { status: number; body: { status: string; error: string }; headers?: Record<string, string> } {
  if (error instanceof HttpError) return { status: error.status, body: { status: error.statusText, error: error.message } };
  if (error instanceof NotFoundError) return { status: 404, body: { status: 'Not Found', error: error.message } };
  if (error instanceof ConflictError) return { status: 409, body: { status: 'Conflict', error: error.message } };
  if (error instanceof InvalidInputError || error instanceof InvalidStationCallError) {
    return { status: 400, body: { status: 'Bad Request', error: error.message } };
  }
  // Went away is a kind of not connected: the call was sent and may have been acted on, so it is not a 409.
  if (error instanceof StationWentAwayError) return { status: 502, body: { status: 'Bad Gateway', error: error.message } };
  if (error instanceof StationNotConnectedError) return { status: 409, body: { status: 'Conflict', error: error.message } };
  if (error instanceof StationTimeoutError) return { status: 504, body: { status: 'Gateway Timeout', error: error.message } };
  const failure = serverFailure(error, logger, 'admin API');
  return { status: failure.status, body: { status: FAILURE_STATUS_TEXT[failure.status], error: failure.message }, headers: failure.headers };
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
    const { status, body, headers } = statusBody(error, options.logger);
    return c.json(body, status as 400, headers);
  });
  return app;
}
