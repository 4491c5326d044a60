/** An HTTP-level failure (bad request, unsupported media type …) raised by transport code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  static badRequest(message: string): HttpError {
    return new HttpError(400, 'Bad Request', message);
  }
}

/**
 * The request was read (its body is JSON) but breaks the API's contract: a parameter or a body field is missing, of the
 * wrong type or out of range, or holds text that cannot be stored. A 400 for APIs that say nothing else; OCPI answers
 * it inside its own layer (HTTP 200, status 2001).
 */
export class ContractViolation extends HttpError {
  constructor(message: string) {
    super(400, 'Bad Request', message);
    this.name = 'ContractViolation';
  }
}
