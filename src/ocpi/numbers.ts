/**
 * OCPI's number type has at most four digits after the decimal point. Sessions, CDRs and tariffs are rounded to that
 * where they leave Anode (the modules' mappers), so float noise (0.30000000000000004) or hours of a session that do
 * not divide evenly (0.3436111…) never reach a partner.
 */

/** `value` rounded half away from zero to at most four decimals. */
export function ocpiNumber(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  const rounded = Math.round(Math.abs(value) * 10_000) / 10_000;
  return value < 0 ? -rounded : rounded;
}

/** A copy of a JSON value with every number in it rounded by `ocpiNumber`; strings, booleans, nulls and anything
 * that is not plain JSON (a Date) are kept as they are. */
export function withOcpiNumbers<T>(value: T): T {
  if (typeof value === 'number') return ocpiNumber(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withOcpiNumbers(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withOcpiNumbers(item as unknown)])) as T;
  }
  return value;
}
