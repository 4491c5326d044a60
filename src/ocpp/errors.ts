import { createRPCError } from './rpc.js';

/** A CALLERROR for a well-formed call whose values make no sense here (an unknown transaction, connector 0 …). */
export function propertyConstraintViolation(message: string): Error {
  return createRPCError('PropertyConstraintViolation', message, {}) as unknown as Error;
}

/** Connector, EVSE and transaction numbers are stored as 32-bit integers; the OCPP schemas give them no maximum. */
const LARGEST_STORED_NUMBER = 2 ** 31 - 1;

/** The number itself, or a PropertyConstraintViolation when no connector, EVSE or transaction can have it. */
export function storedNumber(name: string, value: number): number {
  if (value > LARGEST_STORED_NUMBER) throw propertyConstraintViolation(`${name} ${value} is out of range`);
  return value;
}

/** A meter register value in Wh, or a PropertyConstraintViolation when it is beyond what an integer holds exactly. */
export function meterRegisterWh(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw propertyConstraintViolation(`${name} ${value} is beyond any meter register`);
  return value;
}
