/** Errors the domain raises; each protocol wing renders them in its own wire format. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends DomainError {}

/** The request is well-formed but contradicts stored data (a clash of identities, a wrong owner). */
export class ConflictError extends DomainError {}

/** The input passed the contract but is still wrong (a certificate that does not parse, a foreign party id). */
export class InvalidInputError extends DomainError {}

/** The caller's precondition (an If-Match ETag) does not hold. */
export class PreconditionFailedError extends DomainError {}

/** The update is older than what is stored (its last_updated is before the stored one). */
export class StaleUpdateError extends DomainError {}

/** The caller may not touch this object: it belongs to another party. */
export class ForbiddenError extends DomainError {}
