import { createRPCError } from './rpc.js';

/** A CALLERROR for a well-formed call whose values make no sense here (an unknown transaction, connector 0 …). */
export function propertyConstraintViolation(message: string): Error {
  return createRPCError('PropertyConstraintViolation', message, {}) as unknown as Error;
}
