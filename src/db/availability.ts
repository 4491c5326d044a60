/**
 * Telling "the database is not there" (PostgreSQL stopped, restarting, the connection dropped) from "the database
 * refused this statement": the first is nobody's request's fault and passes once PostgreSQL is back; callers answer
 * it with a "try again" (an OCPP InternalError, an HTTP 503) instead of a failure of their own.
 */

/** postgres.js's own codes for a connection that is gone, and the socket errors that end one. */
const CONNECTION_GONE = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server going away: class 08 (connection exception), 57P01 admin_shutdown (fast shutdown,
 * pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down).
 */
const SERVER_GONE = /^(08[0-9A-Z]{3}|57P0[123])$/;

/** Of those, the ones that say no connection could be made (rather than that one was lost). */
const CONNECT_FAILED = new Set(['CONNECT_TIMEOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** 57P03 cannot_connect_now: PostgreSQL is starting up or shutting down. */
const CANNOT_CONNECT_NOW = '57P03';

export class DatabaseUnavailableError extends Error {
  /** `cause`: the driver's error (drizzle's wrapper of it is left out: it carries the statement and its parameters) */
  constructor(cause: unknown, reason = describeUnavailability(cause)) {
    super(`database unavailable, try again (${reason})`, { cause: innermost(cause) });
    this.name = 'DatabaseUnavailableError';
  }
}

/** The error and the errors it wraps (drizzle wraps the driver's error as `cause`), outermost first. */
export function* causes(error: unknown): Generator<Record<string, unknown>> {
  let cause = error;
  for (let depth = 0; depth < 6 && cause instanceof Object; depth += 1) {
    yield cause as Record<string, unknown>;
    cause = (cause as { cause?: unknown }).cause;
  }
}

/** True when the error, or one it wraps, says the database could not be reached or the connection was lost. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const cause of causes(error)) {
    if (cause instanceof DatabaseUnavailableError) return true;
    const { code, severity } = cause;
    if (typeof code === 'string' && (CONNECTION_GONE.has(code) || SERVER_GONE.test(code))) return true;
    if (severity === 'FATAL' || severity === 'PANIC') return true;
  }
  return false;
}

function innermost(error: unknown): unknown {
  let last = error;
  for (const cause of causes(error)) last = cause;
  return last;
}

/** True when the error, or one it wraps, says that no connection to the database could be made. */
export function isConnectFailure(error: unknown): boolean {
  for (const cause of causes(error)) {
    const { code } = cause;
    if (typeof code === 'string' && (CONNECT_FAILED.has(code) || code === CANNOT_CONNECT_NOW)) return true;
  }
  return false;
}

/** The driver's own words for why the database is unavailable (drizzle's wrapper only repeats the statement). */
export function describeUnavailability(error: unknown): string {
  const { message } = (innermost(error) ?? {}) as { message?: unknown };
  return (typeof message === 'string' && message !== '' ? message : String(error)).split('\n')[0].slice(0, 200);
}

/** `error` as a DatabaseUnavailableError when it is one (see isDatabaseUnavailable), else itself. */
export function asUnavailability(error: unknown): unknown {
  return isDatabaseUnavailable(error) && !(error instanceof DatabaseUnavailableError) ? new DatabaseUnavailableError(error) : error;
}
