/**
 * The OCPI 2.1.1 contract as tests use it: Ajv validators for the component schemas of the bundled 2.1.1 documents
 * (generated/openapi/ocpi-2.1.1-cpo.json and -emsp.json), by name.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

type Bundle = 'cpo' | 'emsp';

const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false, strictTypes: false });
addFormats(ajv);
ajv.addKeyword('example');
// The bundles' schemas refer to each other as #/components/schemas/…: the document is added as one schema resource.
ajv.addKeyword('components');

for (const bundle of ['cpo', 'emsp'] as const) {
  const document = JSON.parse(readFileSync(new URL(`../../generated/openapi/ocpi-2.1.1-${bundle}.json`, import.meta.url), 'utf8'));
  ajv.addSchema({ $id: `https://anode.invalid/ocpi-2.1.1-${bundle}`, components: document.components }, `https://anode.invalid/ocpi-2.1.1-${bundle}`);
}

const cache = new Map<string, ValidateFunction>();

/** The validator of one component schema of a 2.1.1 bundle (the eMSP bundle has what Anode sends, the CPO one what it serves). */
export function schema211(name: string, bundle: Bundle = 'emsp'): ValidateFunction {
  const key = `${bundle}:${name}`;
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `https://anode.invalid/ocpi-2.1.1-${bundle}#/components/schemas/${name}` });
    cache.set(key, validate);
  }
  return validate;
}

/** Why a value does not fit a 2.1.1 schema, or undefined when it does. */
export function problems211(name: string, value: unknown, bundle: Bundle = 'emsp'): string | undefined {
  const validate = schema211(name, bundle);
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}
