/**
 * How every failure of an OCPI request is answered: its HTTP status and OCPI status code, in one table (documented in
 * docs/ocpi.md "Transport"). OCPI's rule: the HTTP layer answers only for what never reached OCPI (no usable token,
 * no such route or object, a body that is not JSON, a method the registration state forbids); a request that did
 * reach it and is refused by a rule is HTTP 200 with a 2xxx or 3xxx status.
 */
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, PreconditionFailedError, StaleUpdateError } from '../domain/errors.js';
import { ContractViolation, HttpError } from '../http/errors.js';
import { OcpiError, StatusCode } from './transport.js';

export interface OcpiFailureAnswer {
  http: number;
  code: number;
  message: string;
}

/** The answer to a failure the OCPI wing knows; undefined for anything else (a server failure). */
export function ocpiAnswerOf(error: unknown): OcpiFailureAnswer | undefined {
  const answer = (http: number, code: number) => ({ http, code, message: (error as Error).message });
  if (error instanceof OcpiError) return answer(error.httpStatus, error.statusCode);
  // JSON that breaks the contract (a missing or mistyped field, a bad parameter) reached OCPI: 2001, not an HTTP error.
  if (error instanceof ContractViolation) return answer(200, StatusCode.invalidParameters);
  // Not JSON at all, no body, a body too large or not declared as JSON: the HTTP layer's own statuses.
  if (error instanceof HttpError) return answer(error.status, StatusCode.invalidParameters);
  if (error instanceof InvalidInputError) return answer(200, StatusCode.invalidParameters);
  if (error instanceof StaleUpdateError || error instanceof ConflictError) return answer(200, StatusCode.clientError);
  if (error instanceof NotFoundError) return answer(404, StatusCode.clientError);
  // The spec allows a 404 for objects of a party the client does not act for: it tells nothing of what exists.
  if (error instanceof ForbiddenError) return answer(404, StatusCode.clientError);
  // If-Match (Anode's extension) naming an ETag the token no longer has: refused like a stale last_updated.
  if (error instanceof PreconditionFailedError) return answer(200, StatusCode.clientError);
  return undefined;
}
