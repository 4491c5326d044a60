import { createRPCError } from './rpc.js';

/** A CALLERROR for a well-formed call whose values make no sense here (an unknown transaction, connector 0 …). */
export function propertyConstraintViolation(message: string): Error {
  // ocpp-rpc's typings call its RPCError a record; it is an Error subclass.
  return createRPCError('PropertyConstraintViolation', message, {}) as Error;
}
