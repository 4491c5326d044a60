/**
 * OCPI 2.1.1 side by side with 2.2.1: a 2.1.1-only eMSP registers (it, or Anode, starting the handshake), pushes its
 * tokens, starts a session by command on an OCPP station, receives the session and the CDR, and pulls locations page
 * by page. Every body Anode sends it or answers it with is checked against the 2.1.1 contract (see emsp-211.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector } from '../support/emsp.js';
import { startEmsp211, type Received211, type SimulatedEmsp211 } from '../support/emsp-211.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let emsp: SimulatedEmsp211;
let tokenC: string;
let station: SimulatedStation;

const TOKEN = {
  uid: 'E21-CARD-1',
  type: 'RFID' as const,
  auth_id: 'NL-E21-C00000001',
  issuer: 'Simulated 2.1.1 eMSP',
  valid: true,
  whitelist: 'ALWAYS' as const,
  last_updated: '2024-01-01T00:00:00Z',
};

const partyRow = async (predicate: (party: { version: string; roles: Array<{ party_id: string }> }) => boolean) => {
  const { data } = await anode.admin.GET('/ocpi/parties', {});
  return (data ?? []).find(predicate);
};

const pushesTo = (path: RegExp, method: string): Received211[] => emsp.received.filter((call) => call.method === method && path.test(call.path));

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COMMAND_TIMEOUT_SECONDS: '2' });
  emsp = await startEmsp211(anode.url);
  await anode.admin.PUT('/tariff/{tariffId}', {
    params: { path: { tariffId: 'V211-KWH' } },
    body: { country_code: 'NL', party_id: 'ANO', id: 'V211-KWH', currency: 'EUR', elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, vat: 21, step_size: 1 }] }], last_updated: '2024-01-01T00:00:00Z' },
  });
  for (const id of ['V211-LOC-2', 'V211-LOC-3']) {
    await anode.admin.POST('/location/{locationId}', {
      params: { path: { locationId: id } },
      body: { address: 'Dorpsstraat 2', city: 'Gouda', country: 'NLD', coordinates: { latitude: '52.01160', longitude: '4.71040' }, evses: [{ uid: `${id}-E`, station_id: `${id}-CS`, connectors: [acConnector] }] },
    });
  }
  station = await bootedStation(anode, 'V211-CS', {
    handlers: { RemoteStartTransaction: () => ({ status: 'Accepted' }), RemoteStopTransaction: () => ({ status: 'Accepted' }) },
  });
});
afterAll(async () => {
  await station?.close();
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp.findings).toEqual([]));

describe('a 2.1.1 eMSP registers with the credentials of 2.1.1', () => {
  it('GET /ocpi/versions lists 2.1.1 and 2.2.1, also to a token sent as it is', async () => {
    await anode.admin.POST('/register', { body: { token: 'v211-token-a' } });
    const { data, response } = await emsp.client('v211-token-a').GET('/versions');
    expect(response.status).toBe(200);
    expect(data?.data?.map((version) => version.version)).toEqual(['2.1.1', '2.2.1']);
    expect(data?.data?.find((version) => version.version === '2.1.1')?.url).toBe(`${anode.url}/ocpi/2.1.1`);
  });

  it('GET /ocpi/2.1.1 lists the 2.1.1 modules, without roles', async () => {
    const { data } = await emsp.client('v211-token-a').GET('/2.1.1');
    expect(data?.data?.version).toBe('2.1.1');
    const endpoints = data?.data?.endpoints ?? [];
    expect(endpoints.map((endpoint) => endpoint.identifier).sort()).toEqual(['cdrs', 'commands', 'credentials', 'locations', 'sessions', 'tariffs', 'tokens']);
    for (const endpoint of endpoints) expect(endpoint).not.toHaveProperty('role');
  });

  it('the registration token opens no 2.1.1 module but versions and credentials', async () => {
    const { response } = await emsp.client('v211-token-a').GET('/2.1.1/locations', { params: { query: {} } });
    expect(response.status).toBe(401);
  });

  it('POST credentials with token A: Anode reads the 2.1.1 endpoints and answers with 2.1.1 credentials and a fresh token', async () => {
    const { data, response } = await emsp.client('v211-token-a').POST('/2.1.1/credentials', { body: emsp.credentials(emsp.tokenForAnode) });
    expect(response.status).toBe(200);
    expect(data?.data).toMatchObject({ country_code: 'NL', party_id: 'ANO', url: `${anode.url}/ocpi/versions`, business_details: { name: expect.any(String) } });
    expect(data?.data).not.toHaveProperty('roles');
    tokenC = data!.data!.token;
    expect(pushesTo(/^\/ocpi\/2\.1\.1$/, 'GET').at(-1)?.authorization).toBe(`Token ${emsp.tokenForAnode}`);
  });

  it('the admin API shows the party with version 2.1.1 and its one party as an EMSP role', async () => {
    const party = await partyRow((row) => row.roles.some((role) => role.party_id === 'E21'));
    expect(party).toMatchObject({ status: 'REGISTERED', version: '2.1.1', roles: [{ role: 'EMSP', country_code: 'NL', party_id: 'E21' }] });
    expect(party?.endpoints).toContainEqual({ identifier: 'sessions', role: 'RECEIVER', url: `${emsp.url}/ocpi/2.1.1/sessions` });
  });

  it('token A is spent; token C, sent as it is, opens the modules', async () => {
    expect((await emsp.client('v211-token-a').GET('/2.1.1/credentials')).response.status).toBe(401);
    const { data } = await emsp.client(tokenC).GET('/2.1.1/credentials');
    expect(data?.data?.party_id).toBe('ANO');
  });
});

describe('Anode starts the handshake with a party that offers only 2.1.1', () => {
  let other: SimulatedEmsp211;
  afterAll(() => other?.stop());

  it('the highest version both speak is 2.1.1: Anode POSTs 2.1.1 credentials and records the version', async () => {
    other = await startEmsp211(anode.url, { countryCode: 'BE', partyId: 'B21' }, { tokenForAnode: 'v211-b-token-a' });
    await anode.admin.POST('/register', { body: { token: 'v211-b-token-a', url: other.versionsUrl } });
    const party = await eventually(async () => {
      const row = await partyRow((candidate) => candidate.roles.some((role) => role.party_id === 'B21'));
      expect(row?.status).toBe('REGISTERED');
      return row;
    });
    expect(party).toMatchObject({ version: '2.1.1', roles: [{ role: 'EMSP', country_code: 'BE', party_id: 'B21' }] });
    const posted = other.received.find((call) => call.method === 'POST' && call.path === '/ocpi/2.1.1/credentials');
    expect(posted?.authorization).toBe('Token v211-b-token-a');
    expect(posted?.body).toMatchObject({ country_code: 'NL', party_id: 'ANO', url: `${anode.url}/ocpi/versions` });
    expect(other.findings).toEqual([]);
  });
});

describe('tokens: the 2.1.1 eMSP keeps its tokens at Anode, with their whitelist', () => {
  const path = { country_code: 'NL', party_id: 'E21', token_uid: TOKEN.uid };

  it('PUT stores a 2.1.1 token (owner from the URL, auth_id as its contract id)', async () => {
    const { response } = await emsp.client(tokenC).PUT('/2.1.1/tokens/{country_code}/{party_id}/{token_uid}', { params: { path }, body: TOKEN });
    expect([200, 201]).toContain(response.status);
    const { data } = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: TOKEN.uid } } });
    expect(data).toMatchObject({ uid: TOKEN.uid });
  });

  it('GET answers it in 2.1.1 shape, with no type in the URL', async () => {
    const { data } = await emsp.client(tokenC).GET('/2.1.1/tokens/{country_code}/{party_id}/{token_uid}', { params: { path } });
    expect(data?.data).toEqual({ ...TOKEN, last_updated: '2024-01-01T00:00:00.000Z' });
  });

  it('PATCH changes the whitelist and validity without naming the type', async () => {
    await emsp.client(tokenC).PATCH('/2.1.1/tokens/{country_code}/{party_id}/{token_uid}', { params: { path }, body: { valid: false, whitelist: 'ALLOWED' } });
    const { data } = await emsp.client(tokenC).GET('/2.1.1/tokens/{country_code}/{party_id}/{token_uid}', { params: { path } });
    expect(data?.data).toMatchObject({ valid: false, whitelist: 'ALLOWED' });
    await emsp.client(tokenC).PUT('/2.1.1/tokens/{country_code}/{party_id}/{token_uid}', { params: { path }, body: { ...TOKEN, last_updated: new Date().toISOString() } });
  });

  it('a token of another party is refused', async () => {
    const { response, error } = await emsp.client(tokenC).PUT('/2.1.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { path: { ...path, party_id: 'XXX' } },
      body: TOKEN,
    });
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect((error as { status_code?: number } | undefined)?.status_code ?? 2000).toBeGreaterThanOrEqual(2000);
  });
});

describe('START_SESSION on an OCPP station: the command, the session and the CDR reach the 2.1.1 eMSP', () => {
  let transactionId: number;

  it('a published location of the station is pushed to the eMSP in 2.1.1 shape', async () => {
    await anode.admin.POST('/location/{locationId}', {
      params: { path: { locationId: 'V211-LOC-1' } },
      body: {
        address: 'Markt 1',
        city: 'Delft',
        postal_code: '2611GP',
        country: 'NLD',
        coordinates: { latitude: '52.01160', longitude: '4.35712' },
        evses: [{ uid: 'V211-E1', evse_id: 'NL*ANO*EV2111', station_id: 'V211-CS', connectors: [{ ...acConnector, tariff_ids: ['V211-KWH'] }] }],
      },
    });
    const put = await eventually(async () => {
      const call = pushesTo(/^\/ocpi\/2\.1\.1\/locations\/NL\/ANO\/V211-LOC-1$/, 'PUT').at(-1);
      expect(call).toBeDefined();
      return call!;
    });
    expect(put.authorization).toBe(`Token ${emsp.tokenForAnode}`);
    expect(put.body).toMatchObject({
      id: 'V211-LOC-1',
      type: 'UNKNOWN',
      coordinates: { latitude: '52.011600', longitude: '4.357120' },
      evses: [{ uid: 'V211-E1', connectors: [{ id: '1', voltage: 400, amperage: 32, tariff_id: 'V211-KWH' }] }],
    });
  });

  it('the command is answered at once with 2.1.1\'s CommandResponse, and the station\'s answer is POSTed to response_url', async () => {
    const { data } = await emsp.client(tokenC).POST('/2.1.1/commands/START_SESSION', {
      body: { response_url: `${emsp.url}/ocpi/2.1.1/commands/START_SESSION/s1`, token: TOKEN, location_id: 'V211-LOC-1', evse_uid: 'V211-E1' },
    });
    expect(data?.data).toEqual({ result: 'ACCEPTED' });
    const result = await eventually(async () => {
      const call = pushesTo(/^\/ocpi\/2\.1\.1\/commands\/START_SESSION\/s1$/, 'POST')[0];
      expect(call).toBeDefined();
      return call;
    });
    expect(result.body).toEqual({ result: 'ACCEPTED' });
    expect(station.received.find((call) => call.action === 'RemoteStartTransaction')?.params).toMatchObject({ idTag: TOKEN.uid });
  });

  it('the transaction the station starts is PUT to the eMSP as a 2.1.1 session carrying its location', async () => {
    ({ transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: TOKEN.uid, meterStart: 0, timestamp: new Date().toISOString() }));
    const put = await eventually(async () => {
      const call = pushesTo(new RegExp(`^/ocpi/2\\.1\\.1/sessions/NL/ANO/${transactionId}$`), 'PUT')[0];
      expect(call).toBeDefined();
      return call;
    });
    expect(put.body).toMatchObject({
      id: String(transactionId),
      auth_id: TOKEN.auth_id,
      auth_method: 'AUTH_REQUEST',
      status: 'ACTIVE',
      currency: 'EUR',
      location: { id: 'V211-LOC-1', evses: [{ uid: 'V211-E1', connectors: [{ id: '1' }] }] },
    });
  });

  it('STOP_SESSION and the station\'s stop: the session ends COMPLETED and the CDR is POSTed, in 2.1.1 shape', async () => {
    const { data } = await emsp.client(tokenC).POST('/2.1.1/commands/STOP_SESSION', {
      body: { response_url: `${emsp.url}/ocpi/2.1.1/commands/STOP_SESSION/s1`, session_id: String(transactionId) },
    });
    expect(data?.data).toEqual({ result: 'ACCEPTED' });
    await station.call('StopTransaction', { transactionId, meterStop: 10_000, timestamp: new Date().toISOString(), reason: 'Remote' });
    const cdr = await eventually(async () => {
      const call = pushesTo(/^\/ocpi\/2\.1\.1\/cdrs$/, 'POST')[0];
      expect(call).toBeDefined();
      return call;
    });
    expect(cdr.body).toMatchObject({ auth_id: TOKEN.auth_id, total_energy: 10, total_cost: 3, currency: 'EUR', location: { id: 'V211-LOC-1' } });
    const ended = pushesTo(new RegExp(`^/ocpi/2\\.1\\.1/sessions/NL/ANO/${transactionId}$`), 'PUT').at(-1);
    expect(ended?.body).toMatchObject({ status: 'COMPLETED', kwh: 10 });
  });

  it('the sessions and CDRs lists answer the same in 2.1.1 shape', async () => {
    const sessions = await emsp.client(tokenC).GET('/2.1.1/sessions', { params: { query: {} } });
    expect(sessions.data?.data?.map((session) => session.id)).toEqual([String(transactionId)]);
    const cdrs = await emsp.client(tokenC).GET('/2.1.1/cdrs', { params: { query: {} } });
    expect(cdrs.data?.data?.[0]).toMatchObject({ auth_id: TOKEN.auth_id, total_cost: 3 });
  });
});

describe('locations and tariffs pulled in 2.1.1, page by page', () => {
  it('offset and limit page the list; Link, X-Total-Count and X-Limit say where the rest is', async () => {
    const first = await emsp.client(tokenC).GET('/2.1.1/locations', { params: { query: { limit: 2 } } });
    expect(first.response.headers.get('X-Total-Count')).toBe('3');
    expect(first.response.headers.get('X-Limit')).toBe('2');
    expect(first.data?.data).toHaveLength(2);
    const link = /<([^>]+)>; rel="next"/.exec(first.response.headers.get('Link') ?? '')?.[1];
    expect(link).toContain('/ocpi/2.1.1/locations?');
    const next = await emsp.client(tokenC).GET('/2.1.1/locations', { params: { query: Object.fromEntries(new URL(link!).searchParams) as never } });
    expect(next.data?.data).toHaveLength(1);
    expect(next.response.headers.get('Link')).toBeNull();
    const ids = [...first.data!.data!, ...next.data!.data!].map((location) => location.id).sort();
    expect(ids).toEqual(['V211-LOC-1', 'V211-LOC-2', 'V211-LOC-3']);
  });

  it('one location, EVSE and connector', async () => {
    const client = emsp.client(tokenC);
    expect((await client.GET('/2.1.1/locations/{location_id}', { params: { path: { location_id: 'V211-LOC-1' } } })).data?.data?.type).toBe('UNKNOWN');
    expect((await client.GET('/2.1.1/locations/{location_id}/{evse_uid}', { params: { path: { location_id: 'V211-LOC-1', evse_uid: 'V211-E1' } } })).data?.data?.uid).toBe('V211-E1');
    const connector = await client.GET('/2.1.1/locations/{location_id}/{evse_uid}/{connector_id}', { params: { path: { location_id: 'V211-LOC-1', evse_uid: 'V211-E1', connector_id: '1' } } });
    expect(connector.data?.data).toMatchObject({ id: '1', voltage: 400, amperage: 32 });
  });

  it('tariffs carry no VAT and no owner in 2.1.1', async () => {
    const { data } = await emsp.client(tokenC).GET('/2.1.1/tariffs', { params: { query: {} } });
    expect(data?.data?.[0]).toMatchObject({ id: 'V211-KWH', currency: 'EUR', elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, step_size: 1 }] }] });
    expect(data?.data?.[0]).not.toHaveProperty('country_code');
  });
});

describe('a location withdrawn from partners reaches a 2.1.1 eMSP, which has no publish flag', () => {
  it('an unpublished location is PUT with every EVSE REMOVED', async () => {
    const body = {
      address: 'Kade 3',
      city: 'Leiden',
      country: 'NLD',
      coordinates: { latitude: '52.16010', longitude: '4.49701' },
      evses: [{ uid: 'V211-WD-E1', station_id: 'V211-WD-CS', connectors: [acConnector] }],
    };
    const path = /^\/ocpi\/2\.1\.1\/locations\/NL\/ANO\/V211-WD$/;
    await anode.admin.POST('/location/{locationId}', { params: { path: { locationId: 'V211-WD' } }, body });
    await eventually(async () => expect(pushesTo(path, 'PUT')).toHaveLength(1));
    await anode.admin.POST('/location/{locationId}', { params: { path: { locationId: 'V211-WD' } }, body: { ...body, publish: false } });
    const withdrawn = await eventually(async () => {
      const puts = pushesTo(path, 'PUT');
      expect(puts).toHaveLength(2);
      return puts[1].body as { evses: Array<{ uid: string; status: string }> };
    });
    expect(withdrawn.evses).toEqual([expect.objectContaining({ uid: 'V211-WD-E1', status: 'REMOVED' })]);
    expect(withdrawn).not.toHaveProperty('publish');
  });
});
