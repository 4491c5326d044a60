/**
 * How an API answers a request that failed for no fault of its own rules: the database away (503, try again), data the
 * database refused (400), or a bug (500, details in the log only). Each API wraps the answer in its own error body.
 */
import { isDatabaseUnavailable } from '../db/availability.js';
import type { Logger } from '../log.js';
import { dataErrorMessage, dataErrorOf } from './data-errors.js';

/** The reason phrase of each status a server failure may have. */
export const FAILURE_STATUS_TEXT = { 400: 'Bad Request', 500: 'Internal Server Error', 503: 'Service Unavailable' } as const;

export interface ServerFailure {
  status: 400 | 500 | 503;
  message: string;
  /** Retry-After on a 503 */
  headers: Record<string, string>;
}

/** `api` names the API in the log line (e.g. 'OCPI'); `fields` are logged with it. */
export function serverFailure(error: unknown, logger: Logger, api: string, fields: Record<string, unknown> = {}): ServerFailure {
  if (isDatabaseUnavailable(error)) {
    logger.warn({ err: error, ...fields }, `${api} request answered 503: the database is unavailable`);
    return { status: 503, message: 'database unavailable, try again', headers: { 'Retry-After': '5' } };
  }
  const dataError = dataErrorOf(error);
  if (dataError) {
    logger.warn({ err: error, sqlState: dataError.sqlState, ...fields }, `${api} request refused by the database for its data`);
    return { status: 400, message: dataErrorMessage(dataError), headers: {} };
  }
  logger.error({ err: error, ...fields }, `${api} request failed`);
  return { status: 500, message: 'unexpected error; see the server log', headers: {} };
}
