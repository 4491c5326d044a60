/**
 * fast-check arbitraries for what a hostile or broken station sends: calls derived from the OCPP request schemas of
 * both versions (most well-formed enough to reach a handler, with hostile strings, numbers and dates mixed in, and
 * some missing or extra fields), and frames that are not OCPP at all (bad JSON, wrong message types, stray results,
 * invalid UTF-8, binary).
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';

export type OcppVersion = 'ocpp1.6' | 'ocpp2.0.1';

interface JsonSchema {
  $id?: string;
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
}

/** One frame to send: text (a string, or bytes that need not be UTF-8) or binary. `messageId` when it has one. */
export interface FuzzFrame {
  data: string | Buffer;
  binary: boolean;
  messageId?: string;
  /** what kind of frame it is, for the report */
  kind: string;
}

const require = createRequire(import.meta.url);
const SCHEMA_FILES: Record<OcppVersion, string> = {
  'ocpp1.6': 'ocpp-rpc/lib/schemas/ocpp1_6.json',
  'ocpp2.0.1': 'ocpp-rpc/lib/schemas/ocpp2_0_1.json',
};

/** Actions a station sends that Anode handles; they get most of the frames. */
export const STATION_ACTIONS: Record<OcppVersion, string[]> = {
  'ocpp1.6': [
    'BootNotification', 'Heartbeat', 'Authorize', 'StartTransaction', 'StopTransaction', 'MeterValues', 'StatusNotification',
    'DataTransfer', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'SecurityEventNotification',
    'SignCertificate', 'LogStatusNotification', 'SignedFirmwareStatusNotification',
  ],
  'ocpp2.0.1': [
    'BootNotification', 'Heartbeat', 'StatusNotification', 'Authorize', 'TransactionEvent', 'MeterValues', 'NotifyReport',
    'SecurityEventNotification', 'SignCertificate', 'FirmwareStatusNotification', 'LogStatusNotification', 'NotifyEvent',
  ],
};

const HOSTILE_STRINGS = ['\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\u0000\ud800', '🔌', '', ' ', "'; drop table stations; --", '%00', '\\u0000', 'é'.repeat(300)];
const HOSTILE_INTEGERS = [-1e308, 1e308, 2 ** 31, -(2 ** 31) - 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, 1e20, -0, 0, -1];
const HOSTILE_DATES = ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+14:00', '9999-12-31T23:59:59-14:00', '2024-02-30T00:00:00Z', '1970-01-01T00:00:00Z'];

function hostile<T>(normal: fc.Arbitrary<T>, values: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: normal, weight: 8 }, { arbitrary: fc.constantFrom(...values), weight: 2 });
}

const text = (maxLength: number) =>
  hostile(
    fc.oneof(fc.string({ maxLength: Math.min(maxLength, 40) }), fc.string({ unit: 'binary', maxLength: Math.min(maxLength, 20) })),
    HOSTILE_STRINGS,
  );
const dateTime = hostile(
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()),
  HOSTILE_DATES,
);
/** Mostly small numbers, so that connector, EVSE and transaction numbers hit ones that exist. */
const integer = hostile(fc.oneof({ arbitrary: fc.integer({ min: -2, max: 50 }), weight: 4 }, { arbitrary: fc.integer(), weight: 1 }), HOSTILE_INTEGERS);
const decimal = hostile(fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.double({ noNaN: true, noDefaultInfinity: true })), HOSTILE_INTEGERS);
/** Whatever JSON (2.0.1's anyType, customData's extensions), with hostile strings among it. */
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), text(50), fc.dictionary(text(10) as fc.Arbitrary<string>, text(10), { maxKeys: 3 }));

function arbitraryOf(schema: JsonSchema, root: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const target = root.definitions?.[schema.$ref.replace('#/definitions/', '')];
    return target && depth < 8 ? arbitraryOf(target, root, depth + 1) : fc.constant({});
  }
  if (schema.enum) return hostile(fc.constantFrom(...schema.enum), ['NotAnEnumValue', '\u0000']);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return schema.format === 'date-time' ? dateTime : text(schema.maxLength ?? 500);
    case 'integer':
      return integer;
    case 'number':
      return decimal;
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = schema.items ? arbitraryOf(schema.items, root, depth + 1) : anyJson;
      return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    }
    case 'object':
      return objectOf(schema, root, depth);
    default:
      return anyJson;
  }
}

/** An object with its required fields (now and then one missing) and some optional ones (now and then an unknown one). */
function objectOf(schema: JsonSchema, root: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) model[key] = arbitraryOf(property, root, depth + 1);
  const record = fc.record(model, { requiredKeys: [...required].filter((key) => key in model) });
  const extended = schema.additionalProperties === false ? record : fc.tuple(record, fc.dictionary(text(12) as fc.Arbitrary<string>, anyJson, { maxKeys: 2 })).map(([known, extra]) => ({ ...extra, ...known }));
  return fc.oneof(
    { arbitrary: extended, weight: 18 },
    { arbitrary: record.chain((value) => dropOne(value as Record<string, unknown>)), weight: 1 },
    { arbitrary: record.map((value) => ({ ...(value as object), unknownField: 1 })), weight: 1 },
  );
}

function dropOne(value: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(value);
  if (keys.length === 0) return fc.constant(value);
  return fc.constantFrom(...keys).map((key) => {
    const copy = { ...value };
    delete copy[key];
    return copy;
  });
}

function requestSchemas(version: OcppVersion): Map<string, JsonSchema> {
  const schemas = require(SCHEMA_FILES[version]) as JsonSchema[];
  const byAction = new Map<string, JsonSchema>();
  for (const schema of schemas) {
    const match = /^urn:(.+)\.req$/.exec(schema.$id ?? '');
    if (match) byAction.set(match[1], schema);
  }
  return byAction;
}

let lastMessageId = 0;
const nextMessageId = () => `fz${(++lastMessageId).toString(36)}`;

/** A call [2, id, action, payload] for one of the actions, its payload drawn from the action's schema. */
function callsOf(version: OcppVersion, actions: string[]): fc.Arbitrary<FuzzFrame> {
  const schemas = requestSchemas(version);
  const perAction = actions
    .filter((action) => schemas.has(action))
    .map((action) => {
      const schema = schemas.get(action)!;
      return objectOf(schema, schema, 0).map((payload): FuzzFrame => {
        const messageId = nextMessageId();
        return { data: JSON.stringify([2, messageId, action, payload]), binary: false, messageId, kind: `call ${action}` };
      });
    });
  return fc.oneof(...perAction);
}

/** Frames that are not well-formed OCPP-J. */
const junk: fc.Arbitrary<FuzzFrame> = fc.oneof(
  fc.string({ maxLength: 60 }).map((data): FuzzFrame => ({ data, binary: false, kind: 'text' })),
  fc.jsonValue({ maxDepth: 4 }).map((value): FuzzFrame => ({ data: JSON.stringify(value) ?? 'null', binary: false, kind: 'json' })),
  fc.tuple(fc.constantFrom(3, 4), anyJson).map(([type, payload]): FuzzFrame => {
    const messageId = nextMessageId();
    return { data: JSON.stringify(type === 3 ? [3, messageId, payload] : [4, messageId, 'GenericError', 'x', payload]), binary: false, kind: 'stray result' };
  }),
  fc.tuple(fc.oneof(fc.integer(), fc.constantFrom(2, 5, 7, -1, 1e308)), anyJson, text(30), anyJson).map(([type, id, action, payload]): FuzzFrame => ({
    data: JSON.stringify([type, id, action, payload]),
    binary: false,
    kind: 'odd message',
  })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): FuzzFrame => ({ data: Buffer.concat([Buffer.from('[2,"'), Buffer.from(bytes), Buffer.from([0xff])]), binary: false, kind: 'invalid UTF-8' })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): FuzzFrame => ({ data: Buffer.from(bytes), binary: true, kind: 'binary' })),
);

/** What one station of `version` may send: mostly calls Anode handles, some to others, some junk. */
export function stationFrames(version: OcppVersion): fc.Arbitrary<FuzzFrame> {
  const all = [...requestSchemas(version).keys()];
  return fc.oneof(
    { arbitrary: callsOf(version, STATION_ACTIONS[version]), weight: 16 },
    { arbitrary: callsOf(version, all), weight: 2 },
    { arbitrary: junk, weight: 2 },
  );
}
