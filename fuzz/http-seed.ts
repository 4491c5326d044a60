/**
 * Data for an HTTP fuzz to hit: a charge station, tokens, a location with an EVSE, a tariff, and three OCPI parties
 * registered through the real credentials handshake (so that they have roles and their tokens open every module).
 * The parties' side of the handshake, and every URL the fuzz puts in a body, is a tiny loopback stub that answers
 * OCPI calls with success: Anode's calls back (versions, command results, farewells) stay on this machine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackTarget } from './http-send.js';

export interface FuzzSeed {
  adminToken: string;
  /** the parties' credentials tokens (token C); the first party is the one the fuzz must keep */
  ocpiTokens: string[];
  keepPartyIds: number[];
  known: Record<string, string[]>;
  /** the stub's base URL; pass it as callbackUrl */
  callbackUrl: string;
  /** stops the stub */
  stop(): Promise<void>;
}

const ok = (data: unknown) => JSON.stringify({ data, status_code: 1000, timestamp: new Date().toISOString() });

/** A loopback stand-in for the parties' OCPI endpoints. */
async function startPartyStub(): Promise<{ url: string; server: Server }> {
  let base = '';
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('Content-Type', 'application/json');
      const path = (request.url ?? '').split('?')[0];
      if (request.method === 'GET' && path === '/versions') response.end(ok([{ version: '2.2.1', url: `${base}/2.2.1` }]));
      else if (request.method === 'GET' && path === '/2.2.1') {
        response.end(ok({ version: '2.2.1', endpoints: [{ identifier: 'credentials', role: 'RECEIVER', url: `${base}/2.2.1/credentials` }] }));
      } else response.end(ok(null));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, server };
}

async function call(baseUrl: string, method: string, path: string, authorization: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: authorization, ...(body !== undefined && { 'Content-Type': 'application/json' }), 'X-Request-ID': 'seed', 'X-Correlation-ID': 'seed' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`seeding: ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

const role = (countryCode: string, partyId: string, kind = 'EMSP') => ({
  role: kind,
  country_code: countryCode,
  party_id: partyId,
  business_details: { name: `Fuzz ${partyId}` },
});

/** Seeds `baseUrl` (an Anode with ADMIN_API_TOKEN = adminToken) through its admin API and OCPI credentials. */
export async function seedFuzzData(baseUrl: string, adminToken: string): Promise<FuzzSeed> {
  loopbackTarget(baseUrl);
  const stub = await startPartyStub();
  try {
    const admin = (method: string, path: string, body?: unknown) => call(baseUrl, method, `/api/v0${path}`, `Bearer ${adminToken}`, body);
    const parties = [
      { countryCode: 'NL', partyId: 'FUZ', roles: [role('NL', 'FUZ'), role('NL', 'FZH', 'HUB')] },
      { countryCode: 'NL', partyId: 'FZA', roles: [role('NL', 'FZA')] },
      { countryCode: 'DE', partyId: 'FZB', roles: [role('DE', 'FZB')] },
    ];
    const ocpiTokens: string[] = [];
    for (const [index, party] of parties.entries()) {
      const tokenA = `fuzz-registration-token-${index}`;
      await admin('POST', '/register', { token: tokenA });
      const answer = (await call(baseUrl, 'POST', '/ocpi/2.2.1/credentials', `Token ${Buffer.from(tokenA).toString('base64')}`, {
        token: `fuzz-party-token-b-${index}`,
        url: `${stub.url}/versions`,
        roles: party.roles,
      })) as { data: { token: string } };
      ocpiTokens.push(answer.data.token);
    }
    const registered = (await admin('GET', '/ocpi/parties')) as Array<{ id: number; roles: Array<{ party_id: string }> }>;
    const keeper = registered.find((entry) => entry.roles.some((entry) => entry.party_id === 'FUZ'));

    await admin('POST', '/cs/FUZZ-CS-1', { securityProfile: 0, base64SHA256Password: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' });
    await admin('POST', '/token', {
      countryCode: 'NL', partyId: 'ANO', type: 'RFID', uid: 'FUZZTOKEN1', contractId: 'NL-ANO-C00000001', issuer: 'Fuzz', valid: true, cacheMode: 'ALWAYS',
    });
    const ocpi = (method: string, path: string, body?: unknown) => call(baseUrl, method, `/ocpi/2.2.1${path}`, `Token ${Buffer.from(ocpiTokens[0]).toString('base64')}`, body);
    await ocpi('PUT', '/tokens/NL/FUZ/FUZZTOKEN2', {
      country_code: 'NL', party_id: 'FUZ', uid: 'FUZZTOKEN2', type: 'RFID', contract_id: 'NL-FUZ-C00000002', issuer: 'Fuzz', valid: true, whitelist: 'ALLOWED', last_updated: '2024-01-01T00:00:00Z',
    });
    await admin('POST', '/location/FUZZ-LOC-1', {
      name: 'Fuzz location', address: 'Stationsplein 1', city: 'Arnhem', postal_code: '6811KL', country: 'NLD',
      coordinates: { latitude: '51.98473', longitude: '5.89916' }, parking_type: 'PARKING_LOT', publish: true,
      evses: [{
        uid: 'FUZZ-EVSE-1', evse_id: 'NL*ANO*EFUZZ1', station_id: 'FUZZ-CS-1',
        connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 400, max_amperage: 32, max_electric_power: 22000 }],
      }],
    });
    await admin('PUT', '/tariff/FUZZ-TARIFF-1', {
      country_code: 'NL', party_id: 'ANO', id: 'FUZZ-TARIFF-1', currency: 'EUR',
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 21, step_size: 1 }] }], last_updated: '2024-01-01T00:00:00Z',
    });
    const ids = (values: string[]) => values;
    return {
      adminToken,
      ocpiTokens,
      keepPartyIds: keeper ? [keeper.id] : [],
      callbackUrl: stub.url,
      known: {
        csId: ids(['FUZZ-CS-1']),
        station_id: ids(['FUZZ-CS-1']),
        tokenUid: ids(['FUZZTOKEN1', 'FUZZTOKEN2']),
        uid: ids(['FUZZTOKEN1', 'FUZZTOKEN2']),
        token_uid: ids(['FUZZTOKEN1', 'FUZZTOKEN2']),
        locationId: ids(['FUZZ-LOC-1']),
        location_id: ids(['FUZZ-LOC-1']),
        evse_uid: ids(['FUZZ-EVSE-1']),
        connector_id: ids(['1']),
        tariffId: ids(['FUZZ-TARIFF-1']),
        tariff_id: ids(['FUZZ-TARIFF-1']),
        partyId: registered.map((entry) => String(entry.id)),
        country_code: ids(['NL', 'DE']),
        party_id: ids(['FUZ', 'FZA', 'FZB', 'FZH', 'ANO']),
      },
      stop: () => new Promise<void>((resolve) => stub.server.close(() => resolve())),
    };
  } catch (error) {
    stub.server.close();
    throw error;
  }
}
