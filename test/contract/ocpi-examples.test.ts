/**
 * Proves the OCPI 2.2.1 contracts in openapi/ocpi/2.2.1/ against the specification:
 *  - cpo.yaml and emsp.yaml bundle (redocly) into sound OpenAPI 3.1 documents: every $ref resolves inside the
 *    bundle, every operation has a unique, prefixed operationId, path templates match their parameters;
 *  - every example payload of the specification validates against the component schema it illustrates (Ajv 2020,
 *    strict), except the known defects of the examples, which must keep failing;
 *  - whatever our schemas accept is also accepted by an independent schema set (draft-07), so ours are not looser;
 *  - hand-made invalid payloads (missing field, bad enum, over-long string...) are rejected.
 *
 * Reference data: OCPI_REFERENCE_DIR (default ../shared/ocpi-2.2.1 beside the repository) with examples/*.json and schemas/*.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, lint, loadConfig } from '@redocly/openapi-core';
import { Ajv } from 'ajv';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

// ajv-formats is CommonJS with a default export; under NodeNext its callable is on `.default`.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type BundleName = 'cpo' | 'emsp';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docsDir = join(repoRoot, 'openapi', 'ocpi', '2.2.1');
// ../shared beside the repository, as on every developer machine and in CI.
const referenceDir = process.env.OCPI_REFERENCE_DIR ?? join(repoRoot, '..', 'shared', 'ocpi-2.2.1');
const examplesDir = join(referenceDir, 'examples');
const oracleDir = join(referenceDir, 'schemas');
if (!existsSync(examplesDir) || !existsSync(oracleDir)) {
  throw new Error(`OCPI reference data not found in ${referenceDir} (set OCPI_REFERENCE_DIR)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Bundles
// ---------------------------------------------------------------------------------------------------------------

const config = await loadConfig();

async function bundleOf(name: BundleName) {
  const ref = join(docsDir, `${name}.yaml`);
  const { bundle: result, problems } = await bundle({ ref, config, dereference: false });
  return { ref, doc: result.parsed as JsonObject, problems };
}

const bundles = { cpo: await bundleOf('cpo'), emsp: await bundleOf('emsp') };

const asObject = (value: Json | undefined): JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};

function schemasOf(name: BundleName): JsonObject {
  return asObject(asObject(bundles[name].doc.components).schemas);
}

/** Resolves a local JSON pointer (`#/a/b`) in a document. */
function resolvePointer(doc: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: Json | undefined = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(part)] : node[part];
    if (node === undefined) return undefined;
  }
  return node;
}

function collectRefs(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((child) => collectRefs(child, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (key === '$ref' && typeof child === 'string') out.push(child);
      else collectRefs(child, out);
    }
  }
  return out;
}

const deref = (doc: JsonObject, value: Json | undefined): JsonObject => {
  const obj = asObject(value);
  return typeof obj.$ref === 'string' ? deref(doc, resolvePointer(doc, obj.$ref)) : obj;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

interface Operation {
  path: string;
  method: string;
  op: JsonObject;
  pathItem: JsonObject;
}

function operationsOf(name: BundleName): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(asObject(bundles[name].doc.paths))) {
    const pathItem = asObject(item);
    for (const method of METHODS) {
      if (pathItem[method]) out.push({ path, method, op: asObject(pathItem[method]), pathItem });
    }
  }
  return out;
}

const EXPECTED_OPERATIONS: Record<BundleName, string[]> = {
  cpo: [
    'cpoGetVersions', 'cpoGetVersionDetails',
    'cpoGetCredentials', 'cpoPostCredentials', 'cpoPutCredentials', 'cpoDeleteCredentials',
    'cpoGetLocations', 'cpoGetLocation', 'cpoGetEvse', 'cpoGetConnector',
    'cpoGetSessions', 'cpoPutChargingPreferences',
    'cpoGetCdrs',
    'cpoGetTariffs',
    'cpoGetToken', 'cpoPutToken', 'cpoPatchToken', 'cpoGetPartyTokens', 'cpoDeletePartyTokens',
    'cpoPostStartSession', 'cpoPostStopSession', 'cpoPostReserveNow', 'cpoPostCancelReservation',
    'cpoPostUnlockConnector',
    'cpoGetActiveChargingProfile', 'cpoPutChargingProfile', 'cpoDeleteChargingProfile',
    'cpoGetClientInfo', 'cpoPutClientInfo',
  ],
  emsp: [
    'emspGetVersions', 'emspGetVersionDetails',
    'emspGetCredentials', 'emspPostCredentials', 'emspPutCredentials', 'emspDeleteCredentials',
    'emspGetLocation', 'emspPutLocation', 'emspPatchLocation',
    'emspGetEvse', 'emspPutEvse', 'emspPatchEvse',
    'emspGetConnector', 'emspPutConnector', 'emspPatchConnector',
    'emspGetSession', 'emspPutSession', 'emspPatchSession',
    'emspPostCdr', 'emspGetCdr',
    'emspGetTariff', 'emspPutTariff', 'emspDeleteTariff',
    'emspGetTokens', 'emspPostAuthorize',
    'emspPostCommandResult',
    'emspPutActiveChargingProfile', 'emspPostActiveChargingProfileResult', 'emspPostChargingProfileResult',
    'emspPostClearProfileResult',
    'emspPutClientInfo',
  ],
};

/** Every schema name defined in the source files: bundling must keep these names (no `schemas-X` renames). */
const sourceSchemaNames = new Set(
  readdirSync(docsDir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => {
      const doc = parseYaml(readFileSync(join(docsDir, file), 'utf8')) as JsonObject;
      return Object.keys(asObject(asObject(doc.components).schemas));
    }),
);

describe.each(['cpo', 'emsp'] as const)('%s.yaml bundle', (name) => {
  const { doc, problems, ref } = bundles[name];

  it('bundles without problems and is an OpenAPI 3.1.0 document', () => {
    expect(problems.map((problem) => problem.message)).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(asObject(doc.paths)).length).toBeGreaterThan(0);
  });

  it('passes the redocly lint rules without errors', async () => {
    const results = await lint({ ref, config });
    const errors = results.filter((problem) => problem.severity === 'error');
    expect(errors.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
  });

  it('has only internal $refs, and every one of them resolves', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(0);
    const broken = refs.filter((target) => !target.startsWith('#/') || resolvePointer(doc, target) === undefined);
    expect(broken).toEqual([]);
  });

  it(`gives every operation a unique operationId starting with "${name}"`, () => {
    const ids = operationsOf(name).map(({ op, method, path }) => op.operationId ?? `${method} ${path} (none)`);
    expect(ids.filter((id) => typeof id !== 'string' || !new RegExp(`^${name}[A-Z][A-Za-z]*$`).test(id))).toEqual([]);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });

  it('has exactly the expected operations', () => {
    const ids = operationsOf(name).map(({ op }) => op.operationId as string);
    expect([...ids].sort()).toEqual([...EXPECTED_OPERATIONS[name]].sort());
  });

  it('declares every path template variable as a path parameter, and nothing more', () => {
    for (const { path, op, pathItem } of operationsOf(name)) {
      const declared = [...(pathItem.parameters as Json[] ?? []), ...(op.parameters as Json[] ?? [])]
        .map((parameter) => deref(doc, parameter))
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name as string);
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      expect([...declared].sort(), `${path}`).toEqual([...inTemplate].sort());
    }
  });

  it('keeps the source names of all component schemas', () => {
    expect(Object.keys(schemasOf(name)).filter((schema) => !sourceSchemaNames.has(schema))).toEqual([]);
  });

  it('answers 200/201 with a concrete envelope and every error with OcpiErrorResponse', () => {
    const schemaRefOf = (response: Json) =>
      asObject(asObject(asObject(deref(doc, response).content)['application/json']).schema).$ref;
    for (const { path, method, op } of operationsOf(name)) {
      const responses = asObject(op.responses);
      expect(Object.keys(responses), `${method} ${path}`).toContain('default');
      expect(Object.keys(responses), `${method} ${path}`).toContain('401');
      for (const [status, response] of Object.entries(responses)) {
        const schemaRef = schemaRefOf(response);
        expect(typeof schemaRef, `${method} ${path} ${status}`).toBe('string');
        const schemaName = String(schemaRef).replace('#/components/schemas/', '');
        if (status.startsWith('2')) {
          expect(schemaName, `${method} ${path} ${status}`).toMatch(/(Response|OcpiEmptyResponse)$/);
          expect(schemaName).not.toBe('OcpiErrorResponse');
        } else {
          expect(schemaName, `${method} ${path} ${status}`).toBe('OcpiErrorResponse');
        }
      }
    }
  });

  it('gives paginated lists the pagination parameters and headers', () => {
    const lists = operationsOf(name).filter(({ op }) => /^(cpo|emsp)Get(Locations|Sessions|Cdrs|Tariffs|Tokens|PartyTokens)$/.test(String(op.operationId)));
    expect(lists.length).toBeGreaterThan(0);
    for (const { op } of lists) {
      const params = (op.parameters as Json[]).map((parameter) => deref(doc, parameter).name);
      expect(params, String(op.operationId)).toEqual(expect.arrayContaining(['date_from', 'date_to', 'offset', 'limit']));
      const headers = Object.keys(asObject(deref(doc, asObject(op.responses)['200']).headers));
      expect(headers, String(op.operationId)).toEqual(expect.arrayContaining(['Link', 'X-Total-Count', 'X-Limit']));
    }
  });
});

describe('Anode-specific additions in cpo.yaml', () => {
  const byId = new Map(operationsOf('cpo').map((operation) => [operation.op.operationId as string, operation]));

  it('marks exactly the two WWCP token bulk operations with x-ocpi-extension', () => {
    const marked = operationsOf('cpo').filter(({ op }) => 'x-ocpi-extension' in op);
    expect(marked.map(({ op }) => [op.operationId, op['x-ocpi-extension']])).toEqual([
      ['cpoGetPartyTokens', 'WWCP'],
      ['cpoDeletePartyTokens', 'WWCP'],
    ]);
    expect(marked.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'get /2.2.1/tokens/{country_code}/{party_id}',
      'delete /2.2.1/tokens/{country_code}/{party_id}',
    ]);
  });

  it('sends an ETag with a token and takes If-Match on token PUT and PATCH; a mismatch is a refusal in an HTTP 200, no 412', () => {
    const doc = bundles.cpo.doc;
    const getToken = byId.get('cpoGetToken')!;
    expect(Object.keys(asObject(deref(doc, asObject(getToken.op.responses)['200']).headers))).toContain('ETag');
    for (const id of ['cpoPutToken', 'cpoPatchToken']) {
      const { op } = byId.get(id)!;
      const params = (op.parameters as Json[]).map((parameter) => deref(doc, parameter));
      expect(params.some((parameter) => parameter.name === 'If-Match' && parameter.in === 'header'), id).toBe(true);
      expect(Object.keys(asObject(op.responses)), id).not.toContain('412');
    }
  });

  it('has one commands path per command, each with its own request body', () => {
    const doc = bundles.cpo.doc;
    const bodies = Object.fromEntries(
      operationsOf('cpo')
        .filter(({ path }) => path.startsWith('/2.2.1/commands/'))
        .map(({ path, op }) => [
          path.replace('/2.2.1/commands/', ''),
          asObject(asObject(asObject(deref(doc, op.requestBody).content)['application/json']).schema).$ref,
        ]),
    );
    expect(bodies).toEqual({
      START_SESSION: '#/components/schemas/StartSession',
      STOP_SESSION: '#/components/schemas/StopSession',
      RESERVE_NOW: '#/components/schemas/ReserveNow',
      CANCEL_RESERVATION: '#/components/schemas/CancelReservation',
      UNLOCK_CONNECTOR: '#/components/schemas/UnlockConnector',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------------------------------------------

/**
 * Ajv 2020 in strict mode over the bundle's component schemas, addressed as `<id>#/components/schemas/<Name>`.
 * strictRequired stays off (as in src/http/contract-validation.ts): "at least one of" rules such as
 * PublishTokenType's `anyOf: [{required: [uid]}, ...]` name properties declared one level up, which that lint flags.
 */
function ourValidators(name: BundleName) {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword('components');
  const id = `https://anode.invalid/openapi/ocpi/2.2.1/${name}.json`;
  ajv.addSchema({ $id: id, components: { schemas: schemasOf(name) } });
  const cache = new Map<string, ValidateFunction>();
  return (schema: string): ValidateFunction => {
    let validate = cache.get(schema);
    if (!validate) {
      validate = ajv.compile({ $ref: `${id}#/components/schemas/${schema}` });
      cache.set(schema, validate);
    }
    return validate;
  };
}

const ours: Record<BundleName, (schema: string) => ValidateFunction> = { cpo: ourValidators('cpo'), emsp: ourValidators('emsp') };

/** Validates against whichever bundle defines the schema (cpo first). */
function validatorFor(schema: string): ValidateFunction {
  if (schema in schemasOf('cpo')) return ours.cpo(schema);
  if (schema in schemasOf('emsp')) return ours.emsp(schema);
  throw new Error(`no bundle defines schema ${schema}`);
}

const oracleAjv = new Ajv({ strict: false, allErrors: true });
addFormats(oracleAjv);
const oracleCache = new Map<string, ValidateFunction>();
/** The independent draft-07 schema set; `name` is the middle of `ocpi.2_2_1.<name>.json`. */
function oracle(name: string): ValidateFunction {
  let validate = oracleCache.get(name);
  if (!validate) {
    validate = oracleAjv.compile(JSON.parse(readFileSync(join(oracleDir, `ocpi.2_2_1.${name}.json`), 'utf8')) as object);
    oracleCache.set(name, validate);
  }
  return validate;
}

const errorsOf = (validate: ValidateFunction) =>
  (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''}`);

// ---------------------------------------------------------------------------------------------------------------
// The examples of the specification
// ---------------------------------------------------------------------------------------------------------------

interface ExampleEntry {
  /** component schema the payload must satisfy */
  schema: string;
  /** JSON pointer into the file when the specification shows only part of it */
  pointer?: string;
  /** independent schema covering the same object (name inside ocpi.2_2_1.<name>.json) */
  oracle?: string;
}

/** Every example file of the specification and what it illustrates. */
const EXAMPLES: Record<string, ExampleEntry> = {
  'cdr_example.json': { schema: 'CDR', oracle: 'cdr' },
  'credentials_example.json': { schema: 'Credentials', oracle: 'credentials' },
  'credentials_example2.json': { schema: 'Credentials', oracle: 'credentials' },
  'credentials_example3.json': { schema: 'Credentials', oracle: 'credentials' },
  'credentials_example4.json': { schema: 'Credentials', oracle: 'credentials' },
  'location_energymix_example_complete.json': { schema: 'EnergyMix', pointer: '/energy_mix' },
  'location_energymix_example_energy_provider.json': { schema: 'EnergyMix', pointer: '/energy_mix' },
  'location_energymix_example_simple.json': { schema: 'EnergyMix', pointer: '/energy_mix' },
  'location_example.json': { schema: 'Location', oracle: 'location' },
  'location_example_parking_garage_opening_hours.json': { schema: 'Location', oracle: 'location' },
  'location_example_uc2_destination_charger.json': { schema: 'Location', oracle: 'location' },
  'location_example_uc3_destination_charger_not_published.json': { schema: 'Location', oracle: 'location' },
  'location_example_uc4_limited_visibility.json': { schema: 'Location', oracle: 'location' },
  'location_example_uc5_home_charge_point.json': { schema: 'Location', oracle: 'location' },
  'location_hours_247_open_exception_closing.json': { schema: 'Hours' },
  'location_hours_opening_hours_with_exceptional_closing.json': { schema: 'Hours' },
  'location_hours_opening_hours_with_exceptional_opening.json': { schema: 'Hours' },
  'location_patch_example_location.json': { schema: 'LocationPatch', oracle: 'location.partial' },
  'location_patch_example_remove_evse.json': { schema: 'EVSEPatch', oracle: 'evse.partial' },
  'location_patch_example_status.json': { schema: 'EVSEPatch', oracle: 'evse.partial' },
  'location_patch_example_tariff.json': { schema: 'ConnectorPatch', oracle: 'connector.partial' },
  'location_put_example_add_evse.json': { schema: 'EVSE', oracle: 'evse' },
  'location_regularhours_example.json': { schema: 'Hours', pointer: '/opening_times' },
  'session_example_1_simple_start.json': { schema: 'Session', oracle: 'session' },
  'session_example_2_short_finished.json': { schema: 'Session', oracle: 'session' },
  'session_patch_example_charging_period.json': { schema: 'SessionPatch', oracle: 'session.partial' },
  'session_patch_example_total_cost.json': { schema: 'SessionPatch', oracle: 'session.partial' },
  'tariff_10_025kwh_parking_start.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_11_not_possible_alt_text.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_12_025kwh_min_price.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_13_simple_3hour_5parking.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_14_step_size.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_15_reservation_5_euro_per_hour.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_16_reservation_2_euro_fee_5_euro_per_hour.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_17_reservation_with_expire_fee.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_18_reservation_with_expire_time.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_1_simple_2hour.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_2_alt_text.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_3_alt_url.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_4_complex.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_5_free_of_charge.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_6_025kwh_start_max_price.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_8_simple_025kwh.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_9_025kwh_start.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariff_put_example.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariffrestriction_example_max_duration.json': { schema: 'Tariff', oracle: 'tariff' },
  'tariffrestriction_example_max_power.json': { schema: 'Tariff', oracle: 'tariff' },
  'token_example_1_app_user.json': { schema: 'Token', oracle: 'token' },
  'token_example_2_full_rfid.json': { schema: 'Token', oracle: 'token' },
  'token_patch_example.json': { schema: 'TokenPatch', oracle: 'token.partial' },
  'token_put_example.json': { schema: 'Token', oracle: 'token' },
  'transport_and_format_get_token_example.json': { schema: 'TokenResponse', oracle: 'token.response' },
  'transport_and_format_get_token_list_example.json': { schema: 'TokenListResponse', oracle: 'tokens.response' },
  'transport_and_format_version_details_example.json': { schema: 'VersionDetailsResponse', oracle: 'version_details.response' },
  'transport_and_format_version_info_example.json': { schema: 'VersionListResponse', oracle: 'versions.response' },
  'type_displaytext_example.json': { schema: 'DisplayText' },
  'version_details_example.json': { schema: 'VersionDetails', oracle: 'version_details' },
  'version_details_example2.json': { schema: 'VersionDetails', oracle: 'version_details' },
  'versions_info_example.json': { schema: 'VersionList', oracle: 'versions' },
};

/**
 * Examples that are wrong in the specification itself (README of the reference data): they must stay rejected, and
 * for the reasons given (the errors listed must be among those reported).
 */
const expectedDefects: Record<string, { reason: string; errors: string[] }> = {
  'location_put_example_add_evse.json': {
    reason: 'physical_reference is a number, `floor` stands for `floor_level`, the connector is abbreviated',
    errors: [
      '/physical_reference must be string',
      "/connectors/0 must have required property 'power_type'",
      "/connectors/0 must have required property 'max_voltage'",
      "/connectors/0 must have required property 'max_amperage'",
      "/connectors/0 must have required property 'last_updated'",
    ],
  },
  'tariff_put_example.json': {
    reason: 'no last_updated',
    errors: ["(root) must have required property 'last_updated'"],
  },
};

/** Examples our schemas accept that the independent schemas reject, because their VersionNumber enum lacks "2.2". */
const oracleVersionEnumDefects = [
  'transport_and_format_version_details_example.json',
  'transport_and_format_version_info_example.json',
  'version_details_example.json',
  'version_details_example2.json',
];

const MODULE_OF: Array<[RegExp, string]> = [
  [/^cdr_/, 'cdrs'],
  [/^credentials_/, 'credentials'],
  [/^location_/, 'locations'],
  [/^session_/, 'sessions'],
  [/^tariff/, 'tariffs'],
  [/^token_/, 'tokens'],
  [/^transport_and_format_/, 'transport and format (envelopes)'],
  [/^type_/, 'types'],
  [/^version/, 'versions'],
];
const moduleOf = (file: string) => MODULE_OF.find(([pattern]) => pattern.test(file))?.[1] ?? 'unassigned';

const exampleFiles = readdirSync(examplesDir).filter((file) => file.endsWith('.json')).sort();

function loadExample(file: string): Json {
  const data = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as Json;
  const pointer = EXAMPLES[file]?.pointer;
  return pointer ? (resolvePointer(data, `#${pointer}`) as Json) : data;
}

describe('the example table', () => {
  it('covers every example file of the specification, and only those', () => {
    expect(exampleFiles.length).toBe(59);
    expect(exampleFiles.filter((file) => !(file in EXAMPLES))).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((file) => !exampleFiles.includes(file))).toEqual([]);
  });

  it('names only schemas that exist in a bundle, and only defects that are in the table', () => {
    for (const [file, entry] of Object.entries(EXAMPLES)) {
      expect(entry.schema in schemasOf('cpo') || entry.schema in schemasOf('emsp'), file).toBe(true);
    }
    expect(Object.keys(expectedDefects).filter((file) => !(file in EXAMPLES))).toEqual([]);
  });

  it('assigns every example to a module', () => {
    expect(exampleFiles.filter((file) => moduleOf(file) === 'unassigned')).toEqual([]);
  });
});

const modules = [...new Set(exampleFiles.map(moduleOf))];

describe.each(modules)('examples: %s', (module) => {
  const files = exampleFiles.filter((file) => moduleOf(file) === module);
  const valid = files.filter((file) => !(file in expectedDefects));
  const defects = files.filter((file) => file in expectedDefects);

  it.each(valid.map((file) => [file, EXAMPLES[file].schema] as const))('%s satisfies %s', (file, schema) => {
    const validate = validatorFor(schema);
    const ok = validate(loadExample(file));
    expect(errorsOf(validate), file).toEqual([]);
    expect(ok).toBe(true);
  });

  if (defects.length > 0) {
    it.each(defects.map((file) => [file, EXAMPLES[file].schema, expectedDefects[file].reason] as const))(
      '%s is rejected by %s (known defect: %s)',
      (file, schema) => {
        const validate = validatorFor(schema);
        expect(validate(loadExample(file))).toBe(false);
        expect(errorsOf(validate)).toEqual(expect.arrayContaining(expectedDefects[file].errors));
      },
    );
  }

  const crossChecked = valid.filter((file) => EXAMPLES[file].oracle && !oracleVersionEnumDefects.includes(file));
  if (crossChecked.length > 0) {
    it.each(crossChecked.map((file) => [file, EXAMPLES[file].oracle!] as const))(
      '%s is also accepted by the independent schema %s',
      (file, name) => {
        const validate = oracle(name);
        const ok = validate(loadExample(file));
        expect(errorsOf(validate), file).toEqual([]);
        expect(ok).toBe(true);
      },
    );
  }

  const versionDefects = files.filter((file) => oracleVersionEnumDefects.includes(file));
  if (versionDefects.length > 0) {
    it.each(versionDefects)('%s uses version "2.2": accepted here, rejected by the independent VersionNumber enum', (file) => {
      expect(validatorFor(EXAMPLES[file].schema)(loadExample(file))).toBe(true);
      expect(oracle(EXAMPLES[file].oracle!)(loadExample(file))).toBe(false);
    });
  }

  if (defects.length > 0) {
    it.each(defects.filter((file) => EXAMPLES[file].oracle))('%s is rejected by the independent schema too', (file) => {
      expect(oracle(EXAMPLES[file].oracle!)(loadExample(file))).toBe(false);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Payloads without an example in the specification (commands, charging profiles, hub client info, ...)
// ---------------------------------------------------------------------------------------------------------------

const token = loadExample('token_example_2_full_rfid.json') as JsonObject;
const chargingProfile: JsonObject = {
  start_date_time: '2024-05-01T10:00:00Z',
  duration: 3600,
  charging_rate_unit: 'A',
  min_charging_rate: 6.5,
  charging_profile_period: [
    { start_period: 0, limit: 16 },
    { start_period: 1800, limit: 10.5 },
  ],
};

/** Valid payloads written from the object tables, checked against our schema and (when it has one) the oracle. */
const HANDMADE: Array<{ title: string; schema: string; oracle?: string; data: Json }> = [
  {
    title: 'StartSession with EVSE and connector',
    schema: 'StartSession',
    oracle: 'commands.start_session.request',
    data: {
      response_url: 'https://emsp.example.com/ocpi/2.2.1/commands/START_SESSION/42',
      token,
      location_id: 'LOC1',
      evse_uid: '3256',
      connector_id: '1',
      authorization_reference: 'ref-42',
    },
  },
  {
    title: 'StopSession',
    schema: 'StopSession',
    oracle: 'commands.stop_session.request',
    data: { response_url: 'https://emsp.example.com/cmd/STOP_SESSION/43', session_id: '101' },
  },
  {
    title: 'ReserveNow without EVSE',
    schema: 'ReserveNow',
    oracle: 'commands.reserve_now.request',
    data: {
      response_url: 'https://emsp.example.com/cmd/RESERVE_NOW/44',
      token,
      expiry_date: '2024-05-01T10:15:00Z',
      reservation_id: 'R-1',
      location_id: 'LOC1',
    },
  },
  {
    title: 'CancelReservation',
    schema: 'CancelReservation',
    oracle: 'commands.cancel_reservation.request',
    data: { response_url: 'https://emsp.example.com/cmd/CANCEL_RESERVATION/45', reservation_id: 'R-1' },
  },
  {
    title: 'UnlockConnector',
    schema: 'UnlockConnector',
    oracle: 'commands.unlock_connector.request',
    data: { response_url: 'https://emsp.example.com/cmd/UNLOCK_CONNECTOR/46', location_id: 'LOC1', evse_uid: '3256', connector_id: '1' },
  },
  {
    title: 'CommandResponse in its envelope',
    schema: 'CommandResponseResponse',
    oracle: 'commands.response',
    data: {
      data: { result: 'ACCEPTED', timeout: 30, message: [{ language: 'en', text: 'Sent to the charge point' }] },
      status_code: 1000,
      timestamp: '2024-05-01T10:00:00Z',
    },
  },
  { title: 'CommandResult', schema: 'CommandResult', oracle: 'commands.result', data: { result: 'EVSE_OCCUPIED' } },
  { title: 'SetChargingProfile', schema: 'SetChargingProfile', data: { charging_profile: chargingProfile, response_url: 'https://scsp.example.com/cp/1' } },
  {
    title: 'ActiveChargingProfile',
    schema: 'ActiveChargingProfile',
    oracle: 'chargingprofiles.active',
    data: { start_date_time: '2024-05-01T10:00:00Z', charging_profile: chargingProfile },
  },
  {
    title: 'ChargingProfileResponse in its envelope',
    schema: 'ChargingProfileResponseResponse',
    oracle: 'chargingprofiles.response',
    data: { data: { result: 'TOO_OFTEN', timeout: 60 }, status_code: 1000, timestamp: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'ActiveChargingProfileResult',
    schema: 'ActiveChargingProfileResult',
    oracle: 'chargingprofiles.active_charging_profile.result',
    data: { result: 'ACCEPTED', profile: { start_date_time: '2024-05-01T10:00:00Z', charging_profile: chargingProfile } },
  },
  { title: 'ChargingProfileResult', schema: 'ChargingProfileResult', oracle: 'chargingprofiles.charging_profile.result', data: { result: 'REJECTED' } },
  { title: 'ClearProfileResult', schema: 'ClearProfileResult', oracle: 'chargingprofiles.clear_profile.result', data: { result: 'UNKNOWN' } },
  {
    title: 'ClientInfo',
    schema: 'ClientInfo',
    oracle: 'hubclientinfo',
    data: { party_id: 'ALL', country_code: 'NL', role: 'CPO', status: 'PLANNED', last_updated: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'ChargingPreferences',
    schema: 'ChargingPreferences',
    data: { profile_type: 'GREEN', departure_time: '2024-05-01T18:00:00Z', energy_need: 32.5, discharge_allowed: false },
  },
  {
    title: 'ChargingPreferencesResponse in its envelope',
    schema: 'ChargingPreferencesResponseResponse',
    data: { data: 'DEPARTURE_REQUIRED', status_code: 1000, timestamp: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'AuthorizationInfo in its envelope',
    schema: 'AuthorizationInfoResponse',
    data: {
      data: {
        allowed: 'ALLOWED',
        token,
        location: { location_id: 'LOC1', evse_uids: ['3256'] },
        authorization_reference: 'auth-1',
        info: { language: 'en', text: 'Welcome' },
      },
      status_code: 1000,
      timestamp: '2024-05-01T10:00:00Z',
    },
  },
  { title: 'LocationReferences', schema: 'LocationReferences', data: { location_id: 'LOC1' } },
  {
    title: 'Credentials in its envelope',
    schema: 'CredentialsResponse',
    oracle: 'credentials.response',
    data: { data: loadExample('credentials_example3.json'), status_code: 1000, timestamp: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'Location list in its envelope',
    schema: 'LocationListResponse',
    oracle: 'locations.response',
    data: { data: [loadExample('location_example.json')], status_code: 1000, timestamp: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'CDR list in its envelope',
    schema: 'CDRListResponse',
    oracle: 'cdrs.response',
    data: { data: [loadExample('cdr_example.json')], status_code: 1000, timestamp: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'Session list in its envelope',
    schema: 'SessionListResponse',
    oracle: 'sessions.response',
    data: { data: [loadExample('session_example_2_short_finished.json')], status_code: 1000, timestamp: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'Tariff list in its envelope',
    schema: 'TariffListResponse',
    oracle: 'tariffs.response',
    data: { data: [loadExample('tariff_4_complex.json')], status_code: 1000, timestamp: '2024-05-01T10:00:00Z' },
  },
  {
    title: 'error envelope without data',
    schema: 'OcpiErrorResponse',
    data: { status_code: 2001, status_message: 'Missing required field: type', timestamp: '2015-06-30T21:59:59Z' },
  },
  { title: 'empty success envelope', schema: 'OcpiEmptyResponse', data: { status_code: 1000, timestamp: '2024-05-01T10:00:00Z' } },
];

describe('payloads the specification has no example for', () => {
  it.each(HANDMADE.map((entry) => [entry.title, entry] as const))('%s is valid', (_title, entry) => {
    const validate = validatorFor(entry.schema);
    const ok = validate(entry.data);
    expect(errorsOf(validate)).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each(HANDMADE.filter((entry) => entry.oracle).map((entry) => [entry.title, entry] as const))(
    '%s is also accepted by the independent schema',
    (_title, entry) => {
      const validate = oracle(entry.oracle!);
      const ok = validate(entry.data);
      expect(errorsOf(validate)).toEqual([]);
      expect(ok).toBe(true);
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------
// What must be rejected
// ---------------------------------------------------------------------------------------------------------------

const clone = <T extends Json>(value: T): T => structuredClone(value);

/** A copy of an example with one change applied. */
function variant(file: string, change: (data: JsonObject) => void): JsonObject {
  const data = clone(loadExample(file)) as JsonObject;
  change(data);
  return data;
}

const firstEvse = (location: JsonObject) => (location.evses as JsonObject[])[0];

const INVALID: Array<{ schema: string; rule: string; data: Json }> = [
  // Location, EVSE, Connector
  { schema: 'Location', rule: 'requires coordinates', data: variant('location_example.json', (l) => delete l.coordinates) },
  { schema: 'Location', rule: 'requires last_updated', data: variant('location_example.json', (l) => delete l.last_updated) },
  { schema: 'Location', rule: 'knows only the ParkingType values', data: variant('location_example.json', (l) => (l.parking_type = 'ROOFTOP')) },
  { schema: 'Location', rule: 'limits address to 45 characters', data: variant('location_example.json', (l) => (l.address = 'x'.repeat(46))) },
  { schema: 'Location', rule: 'takes a 2-letter country_code', data: variant('location_example.json', (l) => (l.country_code = 'BEL')) },
  { schema: 'Location', rule: 'takes a 3-character party_id', data: variant('location_example.json', (l) => (l.party_id = 'BECX')) },
  { schema: 'Location', rule: 'checks the latitude format', data: variant('location_example.json', (l) => ((l.coordinates as JsonObject).latitude = '51.04')) },
  { schema: 'Location', rule: 'needs a date-time for last_updated', data: variant('location_example.json', (l) => (l.last_updated = 'yesterday')) },
  { schema: 'Location', rule: 'requires at least one connector per EVSE', data: variant('location_example.json', (l) => (firstEvse(l).connectors = [])) },
  { schema: 'Location', rule: 'knows only the EVSE Status values', data: variant('location_example.json', (l) => (firstEvse(l).status = 'BROKEN')) },
  {
    schema: 'Location',
    rule: 'knows only the ConnectorType values',
    data: variant('location_example.json', (l) => ((firstEvse(l).connectors as JsonObject[])[0].standard = 'IEC_62196_T4')),
  },
  {
    schema: 'Location',
    rule: 'wants uid with type in a PublishTokenType',
    data: variant('location_example_uc4_limited_visibility.json', (l) => (l.publish_allowed_to = [{ uid: '12345678905880' }])),
  },
  {
    schema: 'Location',
    rule: 'wants at least one of uid, visual_number, group_id in a PublishTokenType',
    data: variant('location_example_uc4_limited_visibility.json', (l) => (l.publish_allowed_to = [{ issuer: 'ANWB' }])),
  },
  { schema: 'EVSE', rule: 'limits physical_reference to 16 characters', data: { ...firstEvse(variant('location_example.json', () => {})), physical_reference: 'p'.repeat(17) } },
  { schema: 'Connector', rule: 'needs an integer max_voltage', data: { ...(firstEvse(variant('location_example.json', () => {})).connectors as JsonObject[])[0], max_voltage: 230.5 } },
  { schema: 'Hours', rule: 'needs regular_hours when not open 24/7', data: { twentyfourseven: false } },
  { schema: 'Hours', rule: 'checks the HH:MM format', data: { twentyfourseven: false, regular_hours: [{ weekday: 1, period_begin: '8:00', period_end: '20:00' }] } },
  { schema: 'Hours', rule: 'numbers weekdays 1 to 7', data: { twentyfourseven: false, regular_hours: [{ weekday: 0, period_begin: '08:00', period_end: '20:00' }] } },
  { schema: 'LocationPatch', rule: 'requires last_updated in a PATCH', data: { name: 'Interparking Gent Zuid' } },
  { schema: 'EVSEPatch', rule: 'checks enums in a PATCH', data: { status: 'GONE', last_updated: '2019-06-24T12:39:09Z' } },
  // Session
  { schema: 'Session', rule: 'requires cdr_token', data: variant('session_example_1_simple_start.json', (s) => delete s.cdr_token) },
  { schema: 'Session', rule: 'knows only the SessionStatus values', data: variant('session_example_1_simple_start.json', (s) => (s.status = 'STARTED')) },
  { schema: 'Session', rule: 'limits currency to 3 characters', data: variant('session_example_1_simple_start.json', (s) => (s.currency = 'EURO')) },
  { schema: 'Session', rule: 'needs a number for kwh', data: variant('session_example_1_simple_start.json', (s) => (s.kwh = '0.0')) },
  { schema: 'SessionPatch', rule: 'requires last_updated in a PATCH', data: { kwh: 15 } },
  {
    schema: 'SessionPatch',
    rule: 'requires at least one dimension per charging period',
    data: { charging_periods: [{ start_date_time: '2019-06-23T08:16:02Z', dimensions: [] }], last_updated: '2019-06-23T08:16:02Z' },
  },
  { schema: 'ChargingPreferences', rule: 'requires profile_type', data: { energy_need: 10 } },
  // CDR
  { schema: 'CDR', rule: 'requires total_cost', data: variant('cdr_example.json', (c) => delete c.total_cost) },
  { schema: 'CDR', rule: 'requires at least one charging period', data: variant('cdr_example.json', (c) => (c.charging_periods = [])) },
  { schema: 'CDR', rule: 'limits id to 39 characters', data: variant('cdr_example.json', (c) => (c.id = '1'.repeat(40))) },
  { schema: 'CDR', rule: 'wants credit_reference_id on a credit CDR', data: variant('cdr_example.json', (c) => (c.credit = true)) },
  { schema: 'CDR', rule: 'knows only the AuthMethod values', data: variant('cdr_example.json', (c) => (c.auth_method = 'PIN')) },
  { schema: 'CDR', rule: 'requires cdr_location.evse_id', data: variant('cdr_example.json', (c) => delete (c.cdr_location as JsonObject).evse_id) },
  // Tariff
  { schema: 'Tariff', rule: 'requires at least one element', data: variant('tariff_1_simple_2hour.json', (t) => (t.elements = [])) },
  {
    schema: 'Tariff',
    rule: 'knows only the TariffDimensionType values',
    data: variant('tariff_1_simple_2hour.json', (t) => (((t.elements as JsonObject[])[0].price_components as JsonObject[])[0].type = 'DISTANCE')),
  },
  {
    schema: 'Tariff',
    rule: 'requires step_size',
    data: variant('tariff_1_simple_2hour.json', (t) => delete ((t.elements as JsonObject[])[0].price_components as JsonObject[])[0].step_size),
  },
  {
    schema: 'Tariff',
    rule: 'checks the restriction date format',
    data: variant('tariff_1_simple_2hour.json', (t) => ((t.elements as JsonObject[])[0].restrictions = { start_date: '24-12-2015' })),
  },
  { schema: 'Tariff', rule: 'knows only the TariffType values', data: variant('tariff_1_simple_2hour.json', (t) => (t.type = 'PROFILE_SLOW')) },
  // Token
  { schema: 'Token', rule: 'requires whitelist', data: variant('token_put_example.json', (t) => delete t.whitelist) },
  { schema: 'Token', rule: 'knows only the TokenType values', data: variant('token_put_example.json', (t) => (t.type = 'CARD')) },
  { schema: 'Token', rule: 'limits uid to 36 characters', data: variant('token_put_example.json', (t) => (t.uid = 'u'.repeat(37))) },
  { schema: 'Token', rule: 'requires supplier_name in energy_contract', data: variant('token_example_2_full_rfid.json', (t) => (t.energy_contract = { contract_id: 'x' })) },
  { schema: 'TokenPatch', rule: 'requires last_updated in a PATCH', data: { valid: false } },
  { schema: 'TokenPatch', rule: 'checks types in a PATCH', data: { valid: 'no', last_updated: '2019-06-19T02:11:11Z' } },
  // Envelopes
  { schema: 'TokenResponse', rule: 'requires status_code and timestamp', data: { data: token } },
  { schema: 'TokenResponse', rule: 'types data as a Token', data: { data: { uid: 'x' }, status_code: 1000, timestamp: '2015-06-30T21:59:59Z' } },
  { schema: 'TokenListResponse', rule: 'types data as a list', data: { data: token, status_code: 1000, timestamp: '2015-06-30T21:59:59Z' } },
  { schema: 'OcpiErrorResponse', rule: 'uses an error status_code', data: { status_code: 1000, timestamp: '2015-06-30T21:59:59Z' } },
  { schema: 'OcpiResponse', rule: 'uses four-digit status codes', data: { status_code: 200, timestamp: '2015-06-30T21:59:59Z' } },
  // Versions, credentials
  { schema: 'VersionDetails', rule: 'knows only the VersionNumber values', data: variant('version_details_example.json', (v) => (v.version = '3.0')) },
  { schema: 'VersionDetails', rule: 'requires at least one endpoint', data: variant('version_details_example.json', (v) => (v.endpoints = [])) },
  { schema: 'VersionDetails', rule: 'knows only the InterfaceRole values', data: variant('version_details_example.json', (v) => ((v.endpoints as JsonObject[])[0].role = 'BOTH')) },
  { schema: 'VersionList', rule: 'requires at least one version', data: [] },
  { schema: 'Credentials', rule: 'requires at least one role', data: variant('credentials_example.json', (c) => (c.roles = [])) },
  { schema: 'Credentials', rule: 'forbids whitespace in the token', data: variant('credentials_example.json', (c) => (c.token = 'abc def')) },
  { schema: 'Credentials', rule: 'limits the token to 64 characters', data: variant('credentials_example.json', (c) => (c.token = 't'.repeat(65))) },
  { schema: 'Credentials', rule: 'needs an absolute URL', data: variant('credentials_example.json', (c) => (c.url = 'not a url')) },
  { schema: 'Credentials', rule: 'knows only the Role values', data: variant('credentials_example.json', (c) => ((c.roles as JsonObject[])[0].role = 'DSO')) },
  // Commands, charging profiles, hub client info
  {
    schema: 'StartSession',
    rule: 'wants evse_uid when connector_id is given',
    data: { response_url: 'https://emsp.example.com/r/1', token, location_id: 'LOC1', connector_id: '1' },
  },
  { schema: 'StartSession', rule: 'requires a full Token', data: { response_url: 'https://emsp.example.com/r/1', token: { uid: 'x' }, location_id: 'LOC1' } },
  { schema: 'StopSession', rule: 'requires response_url', data: { session_id: '101' } },
  { schema: 'UnlockConnector', rule: 'requires connector_id', data: { response_url: 'https://emsp.example.com/r/1', location_id: 'LOC1', evse_uid: '3256' } },
  { schema: 'CommandResponse', rule: 'requires timeout', data: { result: 'ACCEPTED' } },
  { schema: 'CommandResult', rule: 'knows only the CommandResultType values', data: { result: 'DONE' } },
  { schema: 'SetChargingProfile', rule: 'knows only the ChargingRateUnit values', data: { charging_profile: { charging_rate_unit: 'kW' }, response_url: 'https://scsp.example.com/cp/1' } },
  { schema: 'SetChargingProfile', rule: 'has no negative limit', data: { charging_profile: { ...chargingProfile, charging_profile_period: [{ start_period: 0, limit: -1 }] }, response_url: 'https://scsp.example.com/cp/1' } },
  { schema: 'ActiveChargingProfile', rule: 'requires start_date_time', data: { charging_profile: chargingProfile } },
  { schema: 'ChargingProfileResponse', rule: 'knows only the ChargingProfileResponseType values', data: { result: 'OK', timeout: 10 } },
  { schema: 'ClientInfo', rule: 'knows only the ConnectionStatus values', data: { party_id: 'ALL', country_code: 'NL', role: 'CPO', status: 'ONLINE', last_updated: '2024-05-01T10:00:00Z' } },
];

describe('invalid payloads', () => {
  it.each(INVALID.map((entry) => [entry.schema, entry.rule, entry.data] as const))('%s %s', (schema, _rule, data) => {
    expect(validatorFor(schema)(data)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Shape rules
// ---------------------------------------------------------------------------------------------------------------

describe('PATCH bodies', () => {
  const pairs = [
    ['Location', 'LocationPatch'],
    ['EVSE', 'EVSEPatch'],
    ['Connector', 'ConnectorPatch'],
    ['Session', 'SessionPatch'],
    ['Token', 'TokenPatch'],
  ] as const;
  const schemaNamed = (name: string) => asObject(schemasOf('emsp')[name] ?? schemasOf('cpo')[name]);

  it.each(pairs)('%s and %s have the same properties, and the PATCH requires only last_updated', (full, patch) => {
    expect(Object.keys(asObject(schemaNamed(patch).properties))).toEqual(Object.keys(asObject(schemaNamed(full).properties)));
    expect(schemaNamed(patch).required).toEqual(['last_updated']);
  });
});

describe('schema conventions', () => {
  it.each(['cpo', 'emsp'] as const)('every component schema of %s.yaml compiles under strict Ajv', (name) => {
    const failures: string[] = [];
    for (const schema of Object.keys(schemasOf(name))) {
      try {
        ours[name](schema);
      } catch (error) {
        failures.push(`${schema}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });


  const all: Array<[string, JsonObject]> = [
    ...Object.entries(schemasOf('cpo')),
    ...Object.entries(schemasOf('emsp')),
  ].map(([name, schema]) => [name, asObject(schema)]);

  function walk(node: Json, visit: (schema: JsonObject) => void) {
    if (Array.isArray(node)) node.forEach((child) => walk(child, visit));
    else if (node !== null && typeof node === 'object') {
      visit(node);
      Object.values(node).forEach((child) => walk(child, visit));
    }
  }

  it('never forbids unknown fields, never allows null, and uses no OpenAPI-only keywords', () => {
    const offending: string[] = [];
    for (const [name, schema] of all) {
      walk(schema, (node) => {
        if ('additionalProperties' in node) offending.push(`${name}: additionalProperties`);
        if (Array.isArray(node.type) || node.type === 'null') offending.push(`${name}: null type`);
        for (const keyword of ['nullable', 'example', 'discriminator', 'xml', 'externalDocs']) {
          if (keyword in node) offending.push(`${name}: ${keyword}`);
        }
      });
    }
    expect([...new Set(offending)]).toEqual([]);
  });
});
