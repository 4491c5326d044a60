/**
 * Strict validation of the simulated stations' OCPP-J payloads against the OCPP JSON schemas that ship inside the
 * ocpp-rpc package (lib/schemas/, ids like `urn:BootNotification.req`), so that the load is strictly valid OCPP and a
 * server answer that is not is caught. One Ajv per subprotocol; each action's schema is compiled the first time it is
 * used and kept.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';

export type Subprotocol = 'ocpp1.6' | 'ocpp2.0.1';

const SCHEMA_FILES: Record<Subprotocol, string> = { 'ocpp1.6': 'ocpp1_6.json', 'ocpp2.0.1': 'ocpp2_0_1.json' };

/** A payload that failed its schema: the OCPP-J error code that names the kind of failure, and Ajv's description. */
export interface SchemaFailure {
  code: string;
  message: string;
}

/** The OCPP-J error code for the first failed keyword; anything not listed is a FormatViolation. */
const CODE_BY_KEYWORD: Record<string, string> = {
  type: 'TypeConstraintViolation',
  pattern: 'PropertyConstraintViolation',
  propertyNames: 'PropertyConstraintViolation',
  additionalProperties: 'PropertyConstraintViolation',
  required: 'OccurrenceConstraintViolation',
  minItems: 'OccurrenceConstraintViolation',
  maxItems: 'OccurrenceConstraintViolation',
  additionalItems: 'OccurrenceConstraintViolation',
  minProperties: 'OccurrenceConstraintViolation',
  maxProperties: 'OccurrenceConstraintViolation',
};

export class SchemaSet {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction | null>();

  constructor(readonly subprotocol: Subprotocol) {
    const require = createRequire(import.meta.url);
    const directory = join(dirname(require.resolve('ocpp-rpc/package.json')), 'lib', 'schemas');
    const schemas = JSON.parse(readFileSync(join(directory, SCHEMA_FILES[subprotocol]), 'utf8')) as Array<{ $id: string }>;
    // strictSchema off: 2.0.1's schemas use additionalItems beside a single `items`, which Ajv's strict mode rejects.
    // multipleOfPrecision: 1.6's charging-profile limits are multiples of 0.1, which binary floating point can't divide.
    this.ajv = new Ajv({ strictSchema: false, multipleOfPrecision: 6, formats: fullFormats });
    // Each schema is added under its id without the `urn:` (Ajv's URI library refuses to resolve `urn:Action.req`,
    // a URN without a namespace); its own $refs are local (#/definitions/...).
    for (const { $id, ...schema } of schemas) this.ajv.addSchema(schema, $id.replace(/^urn:/, ''));
  }

  /** Whether the subprotocol has a schema for `action` (an action it does not define is a ProtocolError). */
  has(action: string): boolean {
    return this.validator(`${action}.req`) !== null;
  }

  /** null when `payload` is valid for the schema `urn:<action>.<kind>`. */
  check(action: string, kind: 'req' | 'conf', payload: unknown): SchemaFailure | null {
    const validate = this.validator(`${action}.${kind}`);
    if (!validate) return { code: 'ProtocolError', message: `no schema urn:${action}.${kind} in ${this.subprotocol}` };
    if (validate(payload)) return null;
    const errors: ErrorObject[] = validate.errors ?? [];
    return { code: CODE_BY_KEYWORD[errors[0]?.keyword ?? ''] ?? 'FormatViolation', message: this.ajv.errorsText(errors) };
  }

  private validator(id: string): ValidateFunction | null {
    let validate = this.compiled.get(id);
    if (validate === undefined) {
      validate = this.ajv.getSchema(id) ?? null;
      this.compiled.set(id, validate);
    }
    return validate;
  }
}

const sets = new Map<Subprotocol, SchemaSet>();

/** The schemas of one subprotocol, loaded once per process. */
export function schemasFor(subprotocol: Subprotocol): SchemaSet {
  let set = sets.get(subprotocol);
  if (!set) {
    set = new SchemaSet(subprotocol);
    sets.set(subprotocol, set);
  }
  return set;
}
