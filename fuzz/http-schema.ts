/**
 * Values that conform to a schema of a bundled OpenAPI document, as fast-check arbitraries: enough of JSON Schema
 * 2020-12 for the documents Anode serves ($ref, allOf/anyOf/oneOf, enum/const, types, formats, patterns, bounds,
 * properties with required keys, arrays). Strings named like a known id (a seeded station, token, location …) draw
 * from those ids, so that requests reach rows that exist; URL fields point at a loopback address that refuses
 * connections, so that nothing Anode calls back (a response_url, a versions URL) leaves the machine.
 */
import fc from 'fast-check';
import type { OpenApiDocument } from '../src/http/contract.js';
import { resolve, type Schema } from './http-operations.js';

export interface SchemaContext {
  document: OpenApiDocument;
  /** ids worth using for a parameter or property of this name, e.g. `{ csId: ['FUZZ-CS-1'] }` */
  known: Readonly<Record<string, readonly string[]>>;
  /** where URL fields point; a loopback address */
  callbackUrl: string;
}

const MAX_DEPTH = 7;

function refName(schema: Schema): string | undefined {
  return typeof schema.$ref === 'string' ? schema.$ref.split('/').pop() : undefined;
}

/** allOf merged into one schema (properties and required united, the first of any other keyword wins). */
function flatten(document: OpenApiDocument, input: Schema): Schema {
  const schema = resolve(document, input);
  if (!Array.isArray(schema.allOf)) return schema;
  const merged: Schema = { ...schema, allOf: undefined };
  const properties: Record<string, Schema> = { ...((schema.properties as Record<string, Schema>) ?? {}) };
  const required = new Set<string>((schema.required as string[]) ?? []);
  for (const part of schema.allOf as Schema[]) {
    const flat = flatten(document, part);
    for (const [key, value] of Object.entries(flat)) if (merged[key] === undefined) merged[key] = value;
    Object.assign(properties, flat.properties ?? {});
    for (const name of (flat.required as string[]) ?? []) required.add(name);
  }
  return { ...merged, properties, required: [...required] };
}

export function isUrlField(name: string | undefined, schema: Schema, ref?: string): boolean {
  return ref === 'Url' || schema.format === 'uri' || schema.format === 'url' || /(^|_)url$|Url$/.test(name ?? '');
}

function dateTimes(): fc.Arbitrary<string> {
  return fc
    .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-12-31T23:59:59Z'), noInvalidDate: true })
    .map((date) => date.toISOString());
}

function patternString(pattern: string, maxLength: number | undefined): fc.Arbitrary<string> {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
    const arbitrary = fc.stringMatching(regex, { size: 'xsmall' });
    return maxLength === undefined ? arbitrary : arbitrary.map((text) => text.slice(0, maxLength));
  } catch {
    return fc.string({ maxLength: maxLength ?? 20 });
  }
}

function stringValues(name: string | undefined, schema: Schema, context: SchemaContext, ref?: string): fc.Arbitrary<string> {
  if (isUrlField(name, schema, ref)) {
    return fc.constantFrom('', 'versions', 'ocpi/2.2.1', 'results/1').map((path) => `${context.callbackUrl}/${path}`);
  }
  if (schema.format === 'date-time' || ref === 'DateTime') return dateTimes();
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  if (typeof schema.pattern === 'string') return patternString(schema.pattern, maxLength);
  return fc.string({ minLength, maxLength: Math.min(maxLength ?? 24, Math.max(minLength, 24)) });
}

function integerValues(schema: Schema): fc.Arbitrary<number> {
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
  const small = fc.integer({ min: Math.max(min, Math.min(max, 0)), max: Math.min(max, Math.max(min, 0) + 50) });
  return fc.oneof({ arbitrary: small, weight: 3 }, { arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }), weight: 1 });
}

function numberValues(schema: Schema): fc.Arbitrary<number> {
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1e6;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1e6;
  return fc.oneof(
    fc.integer({ min: Math.ceil(min), max: Math.floor(max) }),
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((value) => Math.round(value * 100) / 100),
  );
}

function objectValues(schema: Schema, context: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties as Record<string, Schema>) ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) {
    return schema.additionalProperties === false ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
  }
  const model = Object.fromEntries(names.map((name) => [name, schemaValues(properties[name], context, name, depth + 1)]));
  const required = ((schema.required as string[]) ?? []).filter((name) => names.includes(name));
  const record = fc.record(model, { requiredKeys: required });
  // Near the depth limit only what is required, so that recursive schemas end.
  if (depth < MAX_DEPTH - 2) return record;
  return record.map((value) => Object.fromEntries(Object.entries(value).filter(([key]) => required.includes(key))));
}

/** Values conforming to `input` (a schema of `context.document`); `name` is the parameter's or property's name. */
export function schemaValues(input: Schema, context: SchemaContext, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const ref = refName(input);
  const schema = flatten(context.document, input);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const choices = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (Array.isArray(choices)) return fc.oneof(...choices.map((choice) => schemaValues(choice, context, name, depth + 1)));
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [schema.type as string] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => schemaValues({ ...schema, type }, context, name, depth)));
  const known = name !== undefined ? context.known[name] : undefined;
  switch (types[0]) {
    case 'string': {
      const values = stringValues(name, schema, context, ref);
      return known?.length ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 3 }, { arbitrary: values, weight: 1 }) : values;
    }
    case 'integer':
      return known?.length ? fc.oneof(fc.constantFrom(...known.map(Number)), integerValues(schema)) : integerValues(schema);
    case 'number':
      return numberValues(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.max(minLength, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3));
      return fc.array(schemaValues((schema.items as Schema) ?? {}, context, undefined, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectValues(schema, context, depth);
    default:
      return schema.properties ? objectValues(schema, context, depth) : fc.jsonValue({ maxDepth: 2 });
  }
}
