/**
 * A backstop: the database refused a value for what it is (SQLSTATE class 22, "data exception": a NUL in text,
 * a number out of an integer column's range, a date it cannot store …). The edges (the contracts, db/storable.ts)
 * refuse such input first; what still gets through is the client's input, so a 400, and a warning rather than an
 * error in the log. Any other failure stays a 500.
 */
import { causes } from '../db/availability.js';

export interface DataError {
  /** the SQLSTATE, for example 22021 */
  sqlState: string;
  /** the database's own message, for example `invalid byte sequence for encoding "UTF8": 0x00` */
  message: string;
}

/** The data exception behind `error` (the ORM wraps the driver's error in `cause`), or undefined. */
export function dataErrorOf(error: unknown): DataError | undefined {
  for (const cause of causes(error)) {
    const { code, message } = cause;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) {
      return { sqlState: code, message: typeof message === 'string' ? message : 'invalid value' };
    }
  }
  return undefined;
}

/** What the client is told: no query, no parameters, only what the database disliked. */
export function dataErrorMessage(error: DataError): string {
  return `the request holds a value the database cannot store (${error.message})`;
}
