/**
 * What a station's call may carry beyond what its OCPP schema says: the values Anode stores must fit where it stores
 * them. The schemas accept any JSON string and any integer, but the database refuses text with a NUL character or an
 * unpaired UTF-16 surrogate, and its integer columns hold 32 bits. Such a call is refused at the edge with the CALLERROR
 * OCPP-J names for it, before any handler runs:
 *   - a string (or an object key) with NUL or an unpaired surrogate is not a valid OCPP string, and so is no number
 *     that parsed to Infinity (in a field of any type) nor a value nested deeper than db/storable's bound:
 *     FormatViolation (FormationViolation in OCPP 1.6);
 *   - an integer field outside 32 bits, a meter register (`meterStart`, `meterStop`) beyond 2^53, or a date-time outside
 *     the years 1 to 9999 in UTC: PropertyConstraintViolation.
 */
import { findUnstorable, isStorableInstant } from '../db/storable.js';
import { createRPCError } from './rpc.js';

type JsonSchema = {
  $id?: string;
  $ref?: string;
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
};

/** Checks one value at a path; answers what is wrong with it, or undefined. */
type ValueCheck = (value: unknown, path: string) => string | undefined;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Integer fields stored as 64-bit meter registers (OCPP 1.6 StartTransaction and StopTransaction). */
const REGISTER_FIELDS = new Set(['meterStart', 'meterStop']);

function checkInteger(name: string): ValueCheck {
  const register = REGISTER_FIELDS.has(name);
  return (value, path) => {
    if (typeof value !== 'number') return undefined;
    if (register) return Number.isSafeInteger(value) ? undefined : `${path} ${value} is beyond any meter register`;
    return value >= INT32_MIN && value <= INT32_MAX ? undefined : `${path} ${value} is out of range`;
  };
}

const checkDateTime: ValueCheck = (value, path) => {
  if (typeof value !== 'string') return undefined;
  return isStorableInstant(Date.parse(value)) ? undefined : `${path} ${value} is not in the years 1 to 9999 (UTC)`;
};

/** The range checks a schema asks for, compiled once per action; undefined when there is nothing to check. */
function compileRanges(schema: JsonSchema, root: JsonSchema, name: string, seen: Set<JsonSchema>): ValueCheck | undefined {
  if (schema.$ref) {
    const target = root.definitions?.[schema.$ref.replace('#/definitions/', '')];
    if (!target || seen.has(target)) return undefined;
    return compileRanges(target, root, name, new Set(seen).add(target));
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('integer')) return checkInteger(name);
  if (types.includes('string') && schema.format === 'date-time') return checkDateTime;
  if (schema.items) {
    const item = compileRanges(schema.items, root, name, seen);
    if (!item) return undefined;
    return (value, path) => {
      if (!Array.isArray(value)) return undefined;
      for (let i = 0; i < value.length; i += 1) {
        const problem = item(value[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    };
  }
  if (schema.properties) {
    const fields: Array<[string, ValueCheck]> = [];
    for (const [key, property] of Object.entries(schema.properties)) {
      const check = compileRanges(property, root, key, seen);
      if (check) fields.push([key, check]);
    }
    if (fields.length === 0) return undefined;
    return (value, path) => {
      if (typeof value !== 'object' || value === null) return undefined;
      for (const [key, check] of fields) {
        const field = (value as Record<string, unknown>)[key];
        if (field === undefined) continue;
        const problem = check(field, path ? `${path}.${key}` : key);
        if (problem) return problem;
      }
      return undefined;
    };
  }
  return undefined;
}

export interface CallValueRules {
  /** Throws the CALLERROR for a value of this call that Anode cannot store; returns when every value fits. */
  check(action: string, params: unknown): void;
}

/** Rules for one OCPP version, from its request schemas (ocpp-rpc's schema files: an array of `urn:Action.req` …). */
export function callValueRules(schemas: JsonSchema[]): CallValueRules {
  const ranges = new Map<string, ValueCheck | undefined>();
  for (const schema of schemas) {
    const match = /^urn:(.+)\.req$/.exec(schema.$id ?? '');
    if (match) ranges.set(match[1], compileRanges(schema, schema, '', new Set()));
  }
  return {
    check(action, params) {
      const text = findUnstorable(params, '');
      if (text) throw createRPCError('FormatViolation', text, {});
      const range = ranges.get(action)?.(params, '');
      if (range) throw createRPCError('PropertyConstraintViolation', range, {});
    },
  };
}
