/**
 * Proves the OCPI 2.1.1 contract (openapi/ocpi/2.1.1/) against the 2.1.1 specification: every ```json example of
 * its markdown files validates against the component schema it illustrates, except the examples known to be wrong
 * or partial, listed below with the reason; those must keep failing (the contract is not loosened for them).
 *
 * The specification is read at test time, never stored in the repository: from OCPI_211_SPEC_DIR (a directory with
 * the markdown files), else from the local mirror of the ocpi/ocpi repository at tag 2.1.1-d2. A machine with neither
 * skips the examples (and says so); the contract's own rules below are checked everywhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { problems211 } from '../support/ocpi-211-contract.js';

const MIRROR = process.env.OCPI_MIRROR ?? '/work/.mirror/ocpi+ocpi/repo';
const TAG = '2.1.1-d2';

/** Whether the 2.1.1 text can be read on this machine. */
const specAvailable = Boolean(process.env.OCPI_211_SPEC_DIR) || existsSync(MIRROR);
if (!specAvailable) console.warn(`OCPI 2.1.1 examples not checked: set OCPI_211_SPEC_DIR or provide the ocpi/ocpi mirror at ${MIRROR}`);

function specFile(name: string): string {
  const dir = process.env.OCPI_211_SPEC_DIR;
  if (dir) return readFileSync(join(dir, name), 'utf8');
  return execFileSync('git', [`--git-dir=${MIRROR}`, 'show', `${TAG}:${name}`], { encoding: 'utf8' });
}

/** The ```json blocks of a file, each without the "PUT To URL: …" line some of them start with. */
function jsonBlocks(name: string): string[] {
  return [...specFile(name).matchAll(/```json\n([\s\S]*?)```/g)].map(([, body]) => {
    const start = body.search(/^\s*[[{"]/m);
    return body.slice(start).trim();
  });
}

/** A block that is a fragment (`"energy_mix": {…}`) is read as the value of its one property. */
function parse(block: string): unknown {
  if (block.startsWith('"')) return Object.values(JSON.parse(`{${block}}`) as Record<string, unknown>)[0];
  return JSON.parse(block);
}

/** Which schema each example illustrates, by file and position; `bundle` when it is one Anode serves. */
const EXAMPLES: Record<string, Array<{ schema: string; bundle?: 'cpo' | 'emsp' }>> = {
  'credentials.md': [{ schema: 'Credentials' }],
  'version_information_endpoint.md': [{ schema: 'VersionList' }, { schema: 'VersionDetails' }],
  'transport_and_format.md': [
    { schema: 'VersionListResponse' },
    { schema: 'VersionDetailsResponse' },
    { schema: 'TokenResponse', bundle: 'cpo' },
    { schema: 'TokenListResponse' },
    { schema: 'OcpiErrorResponse' },
  ],
  'mod_locations.md': [
    { schema: 'EvsePatch' },
    { schema: 'LocationPatch' },
    { schema: 'ConnectorPatch' },
    { schema: 'EVSE' },
    { schema: 'EvsePatch' },
    { schema: 'Location' },
    { schema: 'EnergyMix' },
    { schema: 'EnergyMix' },
    { schema: 'EnergyMix' },
    { schema: 'Hours' },
  ],
  'mod_tariffs.md': [
    { schema: 'Tariff' },
    { schema: 'Tariff' },
    { schema: 'Tariff' },
    { schema: 'Tariff' },
    { schema: 'Tariff' },
    { schema: 'Tariff' },
    { schema: 'Tariff' },
  ],
  'mod_sessions.md': [{ schema: 'SessionPatch' }, { schema: 'Session' }, { schema: 'Session' }],
  'mod_cdrs.md': [{ schema: 'CDR' }],
  'mod_tokens.md': [{ schema: 'Token', bundle: 'cpo' }, { schema: 'TokenPatch', bundle: 'cpo' }, { schema: 'Token', bundle: 'cpo' }],
};

/** Examples of the specification that are wrong or partial, by `file#position`: they must fail, for this reason. */
const KNOWN_DEFECTS: Record<string, string> = {
  'mod_locations.md#3':
    'the "add an EVSE" PUT lacks last_updated, its connector lacks power_type, voltage, amperage and last_updated, ' +
    'physical_reference is a number and "floor" is no EVSE field (floor_level is)',
  'mod_tariffs.md#0': 'the "2 euro per hour" PUT example has no last_updated, which a Tariff requires',
  'mod_tariffs.md#1': 'a partial tariff (elements only) under a heading that calls it a PUT, which needs the whole object',
  'mod_sessions.md#1': 'the location\'s country is "BE", an alpha-2 code where an ISO 3166 alpha-3 one ("BEL") is required',
  'mod_sessions.md#2': 'the location\'s country is "BE", an alpha-2 code where an ISO 3166 alpha-3 one ("BEL") is required',
  'mod_cdrs.md#0': 'not JSON: the CDR example has trailing commas',
};

describe.skipIf(!specAvailable)('the 2.1.1 examples of the specification fit the 2.1.1 contract', () => {
  for (const [file, expected] of Object.entries(EXAMPLES)) {
    const blocks = specAvailable ? jsonBlocks(file) : [];

    it(`${file} has the ${expected.length} examples the contract maps`, () => {
      expect(blocks).toHaveLength(expected.length);
    });

    blocks.forEach((block, index) => {
      const { schema, bundle } = expected[index] ?? { schema: '?' };
      const defect = KNOWN_DEFECTS[`${file}#${index}`];
      if (defect) {
        it(`${file} example ${index} is a known defect and is refused as ${schema}: ${defect}`, () => {
          let value: unknown;
          try {
            value = parse(block);
          } catch {
            return; // not even JSON
          }
          expect(problems211(schema, value, bundle)).toBeDefined();
        });
        return;
      }
      it(`${file} example ${index} is a valid ${schema}`, () => {
        expect(problems211(schema, parse(block), bundle)).toBeUndefined();
      });
    });
  }
});

describe('the 2.1.1 contract refuses what 2.1.1 does not allow', () => {
  const location = {
    id: 'LOC1',
    type: 'ON_STREET',
    address: 'Street 1',
    city: 'Town',
    postal_code: '1234',
    country: 'NLD',
    coordinates: { latitude: '52.011600', longitude: '4.357120' },
    last_updated: '2015-06-29T20:39:09Z',
  };

  it('a well-formed location is accepted', () => {
    expect(problems211('Location', location)).toBeUndefined();
  });

  it('2.2.1 fields (country_code, party_id, publish) are no part of a 2.1.1 location', () => {
    expect(problems211('Location', { ...location, country_code: 'NL', party_id: 'ANO', publish: true })).toBeDefined();
  });

  it('coordinates have exactly six decimals', () => {
    expect(problems211('Location', { ...location, coordinates: { latitude: '52.0116', longitude: '4.35712' } })).toBeDefined();
  });

  it('an EVSE needs at least one connector, with voltage and amperage', () => {
    const evse = { uid: 'E1', status: 'AVAILABLE', last_updated: '2015-06-29T20:39:09Z' };
    expect(problems211('EVSE', { ...evse, connectors: [] })).toBeDefined();
    const connector = { id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', last_updated: '2015-06-29T20:39:09Z' };
    expect(problems211('EVSE', { ...evse, connectors: [connector] })).toBeDefined();
    expect(problems211('EVSE', { ...evse, connectors: [{ ...connector, voltage: 230, amperage: 16 }] })).toBeUndefined();
  });

  it('a token type of 2.2.1 (APP_USER) and an auth method of 2.2.1 (COMMAND) are not 2.1.1 values', () => {
    const token = { uid: 'X', type: 'APP_USER', auth_id: 'A', issuer: 'I', valid: true, whitelist: 'ALWAYS', last_updated: '2015-06-29T20:39:09Z' };
    expect(problems211('Token', token, 'cpo')).toBeDefined();
    expect(problems211('AuthMethod', 'COMMAND')).toBeDefined();
  });

  it('a CommandResponse is its result alone', () => {
    expect(problems211('CommandResponse', { result: 'ACCEPTED' })).toBeUndefined();
    expect(problems211('CommandResponse', { result: 'ACCEPTED', timeout: 30 })).toBeDefined();
    expect(problems211('CommandResponse', { result: 'FAILED' })).toBeDefined();
  });
});
