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
