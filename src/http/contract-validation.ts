/**
 * Runtime validation compiled from a bundled OpenAPI 3.1 document (generated/openapi/<name>.json): the document's
 * component schemas are the only schemas; nothing is restated here.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FormatCompare } from 'ajv/dist/types/index.js';
import addFormatsPlugin from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { isStorableInstant } from '../db/storable.js';

// ajv-formats is CommonJS with a default export; under NodeNext its callable is on `.default`.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

const rfc3339DateTime = fullFormats['date-time'] as { validate: (value: string) => boolean; compare: FormatCompare<string> };

/**
 * RFC 3339 as ajv-formats checks it, and an instant JavaScript can represent (ajv-formats allows a leap second,
 * 23:59:60, which `new Date` does not) between the years 1 and 9999 in UTC (PostgreSQL takes neither year 0 nor
 * five-digit years in the ISO text Anode writes).
 */
export function isStorableDateTime(value: string): boolean {
  return rfc3339DateTime.validate(value) && isStorableInstant(new Date(value).getTime());
}

export type JsonSchema = Record<string, unknown>;

const COMPONENT_REF = '#/components/schemas/';
/** OpenAPI annotations that may sit inside a schema and mean nothing to validation. */
const OPENAPI_KEYWORDS = ['example', 'externalDocs', 'xml', 'discriminator'];

/** Rewrites `#/components/schemas/X` to `<id>#/$defs/X` so that a schema can stand on its own in Ajv. */
function rewriteRefs(value: unknown, documentId: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, documentId));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string' && child.startsWith(COMPONENT_REF)) {
      out[key] = `${documentId}#/$defs/${child.slice(COMPONENT_REF.length)}`;
    } else {
      out[key] = rewriteRefs(child, documentId);
    }
  }
  return out;
}

/** A compiled schema: true when the data holds; otherwise `errors` says why. */
export type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * Data with more values than this is described by its first error only. Ajv's allErrors mode concatenates the error
 * arrays of every `$ref` it passes, which is quadratic in the number of offending values: a 28,000-item array of
 * wrong entries took 17 s of the event loop.
 */
const DESCRIBE_EVERY_ERROR_UP_TO = 2000;

/** Whether `data` holds at most `limit` values (objects, arrays and scalars), counted until the limit is passed. */
function valuesAtMost(data: unknown, limit: number): boolean {
  const pending: unknown[] = [data];
  let count = 0;
  while (pending.length > 0) {
    const value = pending.pop();
    if (++count > limit) return false;
    if (Array.isArray(value)) pending.push(...value);
    else if (value !== null && typeof value === 'object') pending.push(...Object.values(value));
  }
  return true;
}

export class SchemaCompiler {
  /** stops at the first error: every input is validated by it */
  private readonly firstError: Ajv2020;
  /** collects every error, to name every offending field of an input that fails (a small one) */
  private readonly everyError: Ajv2020;
  private readonly cache = new Map<string, Validator>();

  constructor(
    private readonly documentId: string,
    componentSchemas: Record<string, JsonSchema>,
  ) {
    const ajvFor = (allErrors: boolean) => {
      const ajv = new Ajv2020({ allErrors, strict: true, strictRequired: false, allowUnionTypes: true });
      addFormats(ajv);
      ajv.addFormat('date-time', { type: 'string', validate: isStorableDateTime, compare: rfc3339DateTime.compare });
      for (const keyword of OPENAPI_KEYWORDS) ajv.addKeyword(keyword);
      ajv.addKeyword({ keyword: 'x-anode', schemaType: ['object', 'string', 'boolean'] });
      ajv.addSchema({ $id: documentId, $defs: rewriteRefs(componentSchemas, documentId) as object });
      return ajv;
    };
    this.firstError = ajvFor(false);
    this.everyError = ajvFor(true);
  }

  /** A validator for a schema taken from the document (it may reference the document's components). */
  compile(schema: JsonSchema): Validator {
    const key = JSON.stringify(schema);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const rewritten = rewriteRefs(schema, this.documentId) as JsonSchema;
    const first = this.firstError.compile(rewritten);
    let every: ValidateFunction | undefined;
    const validator: Validator = (data) => {
      if (first(data)) {
        validator.errors = null;
        return true;
      }
      if (valuesAtMost(data, DESCRIBE_EVERY_ERROR_UP_TO)) {
        every ??= this.everyError.compile(rewritten);
        every(data);
        validator.errors = every.errors;
      } else {
        validator.errors = first.errors;
      }
      return false;
    };
    this.cache.set(key, validator);
    return validator;
  }

  /** A validator for one named component schema. */
  component(name: string): Validator {
    return this.compile({ $ref: `${COMPONENT_REF}${name}` });
  }
}

/** `/evses/0/connectors/1/standard` → `evses[0].connectors[1].standard` */
function fieldPath(prefix: string, instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = prefix;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  return path || '(root)';
}

function describeError(prefix: string, error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${fieldPath(prefix, `${error.instancePath}/${String(params.additionalProperty)}`)} is not a known field`;
    case 'required':
      return `${fieldPath(prefix, `${error.instancePath}/${String(params.missingProperty)}`)} is required`;
    case 'enum':
      return `${fieldPath(prefix, error.instancePath)} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'propertyNames':
      return `${fieldPath(prefix, error.instancePath)} has a key that is not allowed (${String(params.propertyName)})`;
    default:
      return `${fieldPath(prefix, error.instancePath)} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * One line naming every offending field. Wrapper errors (`if`/`then`, `allOf`) repeat what their inner errors say,
 * so they are dropped when anything more specific was found.
 */
export function describeErrors(prefix: string, errors: ErrorObject[] | null | undefined): string {
  const all = errors ?? [];
  const specific = all.filter((error) => !['if', 'allOf', 'anyOf', 'oneOf', 'then', 'else'].includes(error.keyword));
  const messages = [...new Set((specific.length > 0 ? specific : all).map((error) => describeError(prefix, error)))];
  return messages.join('; ');
}
