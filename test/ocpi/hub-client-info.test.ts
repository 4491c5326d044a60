/**
 * OCPI 2.2.1 HubClientInfo module, Receiver interface: a hub pushes the connection status of the parties behind it
 * (PUT {country_code}/{party_id}) and may read back what Anode stored (GET). The operator sees it in the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/ocpi-2.2.1-cpo-client.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp, registerEmsp } from '../support/emsp.js';

type ClientInfo = components['schemas']['ClientInfo'];

let anode: TestAnode;
let hub: SimulatedEmsp;
let emsp: SimulatedEmsp;
let hubToken: string;
let emspToken: string;
let hubPartyId: number;

/** Registers the partner with Anode (credentials POST with token A) under the roles given. */
const register = (partner: SimulatedEmsp, tokenA: string, roles: unknown[]) =>
  registerEmsp(anode, partner, tokenA, roles as SimulatedEmsp['roles']);

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COUNTRY_CODE: 'NL', OCPI_PARTY_ID: 'ANO' });
  hub = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'HBX' });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  hubToken = await register(hub, 'hub-token-a', [{ role: 'HUB', country_code: 'DE', party_id: 'HBX', business_details: { name: 'Simulated hub' } }]);
  emspToken = await register(emsp, 'emsp-token-a', emsp.roles);
  const { data: parties } = await anode.admin.GET('/ocpi/parties', {});
  hubPartyId = parties!.find((party) => party.roles.some((role) => role.role === 'HUB'))!.id;
});
afterAll(async () => {
  await hub?.stop();
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect([...hub.findings, ...emsp.findings]).toEqual([]));

const info = (countryCode: string, partyId: string, overrides: Partial<ClientInfo> = {}): ClientInfo => ({
  country_code: countryCode,
  party_id: partyId,
  role: 'EMSP',
  status: 'CONNECTED',
  last_updated: '2024-05-01T10:00:00Z',
  ...overrides,
});

const put = (partner: SimulatedEmsp, token: string, body: ClientInfo, path = { country_code: body.country_code, party_id: body.party_id }) =>
  partner.client(token).PUT('/2.2.1/hubclientinfo/{country_code}/{party_id}', { params: { header: ids(), path }, body });
const get = (partner: SimulatedEmsp, token: string, countryCode: string, partyId: string) =>
  partner.client(token).GET('/2.2.1/hubclientinfo/{country_code}/{party_id}', {
    params: { header: ids(), path: { country_code: countryCode, party_id: partyId } },
  });

describe('version details: the hubclientinfo receiver is offered to hubs only', () => {
  const endpointsOf = async (partner: SimulatedEmsp, token: string) =>
    (await partner.client(token).GET('/2.2.1', { params: { header: ids() } })).data!.data!.endpoints;

  it('a hub sees hubclientinfo as a RECEIVER module', async () => {
    expect(await endpointsOf(hub, hubToken)).toContainEqual({
      identifier: 'hubclientinfo',
      role: 'RECEIVER',
      url: `${anode.url}/ocpi/2.2.1/hubclientinfo`,
    });
  });

  it('a plain eMSP does not', async () => {
    const endpoints = await endpointsOf(emsp, emspToken);
    expect(endpoints.map((endpoint) => endpoint.identifier)).toContain('tokens');
    expect(endpoints.map((endpoint) => endpoint.identifier)).not.toContain('hubclientinfo');
  });
});

describe('PUT: the hub pushes the connection status of a party behind it', () => {
  it('a new ClientInfo is stored (201) and GET returns it', async () => {
    const created = await put(hub, hubToken, info('BE', 'EMA', { role: 'EMSP', status: 'PLANNED' }));
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ status_code: 1000 });
    const { data, response } = await get(hub, hubToken, 'BE', 'EMA');
    expect(response.status).toBe(200);
    expect(data?.data).toEqual(info('BE', 'EMA', { role: 'EMSP', status: 'PLANNED', last_updated: '2024-05-01T10:00:00.000Z' }));
  });

  it('a newer ClientInfo replaces the stored one (200): the party is now CONNECTED', async () => {
    const updated = await put(hub, hubToken, info('BE', 'EMA', { status: 'CONNECTED', last_updated: '2024-05-02T10:00:00Z' }));
    expect(updated.response.status).toBe(200);
    const { data } = await get(hub, hubToken, 'BE', 'EMA');
    expect(data?.data).toMatchObject({ status: 'CONNECTED', last_updated: '2024-05-02T10:00:00.000Z' });
  });

  it('country code and party id are case-insensitive (CiString)', async () => {
    const updated = await put(hub, hubToken, info('be', 'ema', { status: 'OFFLINE', last_updated: '2024-05-03T10:00:00Z' }));
    expect(updated.response.status).toBe(200);
    const { data } = await get(hub, hubToken, 'Be', 'eMa');
    expect(data?.data).toMatchObject({ country_code: 'BE', party_id: 'EMA', status: 'OFFLINE' });
  });

  it('a re-push with the same last_updated is accepted', async () => {
    const again = await put(hub, hubToken, info('BE', 'EMA', { status: 'OFFLINE', last_updated: '2024-05-03T10:00:00Z' }));
    expect(again.response.status).toBe(200);
  });

  it('an update older than the stored last_updated is refused (HTTP 200, 2000) and the stored one kept', async () => {
    const stale = await put(hub, hubToken, info('BE', 'EMA', { status: 'SUSPENDED', last_updated: '2024-05-02T23:00:00Z' }));
    expect(stale.response.status).toBe(200);
    expect(stale.data).toMatchObject({ status_code: 2000 });
    expect(stale.data?.status_message).toContain('BE/EMA was last updated 2024-05-03T10:00:00.000Z');
    const { data } = await get(hub, hubToken, 'BE', 'EMA');
    expect(data?.data).toMatchObject({ status: 'OFFLINE', last_updated: '2024-05-03T10:00:00.000Z' });
  });

  it('a party that left is SUSPENDED, never deleted', async () => {
    const suspended = await put(hub, hubToken, info('BE', 'EMA', { status: 'SUSPENDED', last_updated: '2024-05-04T10:00:00Z' }));
    expect(suspended.response.status).toBe(200);
    expect((await get(hub, hubToken, 'BE', 'EMA')).data?.data?.status).toBe('SUSPENDED');
  });

  it('a body naming another party than the URL is refused (HTTP 200, 2001) and nothing is stored', async () => {
    const { response, data } = await put(hub, hubToken, info('FR', 'CPA'), { country_code: 'FR', party_id: 'CPB' });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ status_code: 2001, status_message: 'the client info in the body is not the one the URL names' });
    expect((await get(hub, hubToken, 'FR', 'CPA')).response.status).toBe(404);
    expect((await get(hub, hubToken, 'FR', 'CPB')).response.status).toBe(404);
  });

  it('a ClientInfo with an unknown status or without last_updated is refused (HTTP 200, 2001)', async () => {
    const unknownStatus = await put(hub, hubToken, info('FR', 'CPA', { status: 'ONLINE' as ClientInfo['status'] }));
    expect(unknownStatus.response.status).toBe(200);
    expect(unknownStatus.data?.status_code).toBe(2001);
    const { last_updated: _omitted, ...withoutDate } = info('FR', 'CPA');
    const noDate = await put(hub, hubToken, withoutDate as ClientInfo);
    expect(noDate.response.status).toBe(200);
    expect(noDate.data?.status_code).toBe(2001);
    expect((await get(hub, hubToken, 'FR', 'CPA')).response.status).toBe(404);
  });
});

describe('GET of a party the hub never reported', () => {
  it('is a 404 with OCPI status 2000 (the module defines no "unknown" code of its own)', async () => {
    const { response, error } = await get(hub, hubToken, 'XX', 'NOP');
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ status_code: 2000, status_message: 'no client info for XX/NOP' });
  });
});

describe('only a hub may use the module', () => {
  it('a PUT from an eMSP is a 404 (2000: the module is not offered to it) and nothing is stored', async () => {
    const { response, error } = await put(emsp, emspToken, info('IT', 'EMX'));
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ status_code: 2000, status_message: 'only a party registered with the HUB role may use the hubclientinfo module' });
    expect((await get(hub, hubToken, 'IT', 'EMX')).response.status).toBe(404);
  });

  it('an eMSP cannot read what the hub pushed either (404)', async () => {
    const { response, error } = await get(emsp, emspToken, 'BE', 'EMA');
    expect(response.status).toBe(404);
    expect(error?.status_code).toBe(2000);
  });
});

describe('admin: GET /ocpi/hubclientinfo lists every reported client info', () => {
  beforeAll(async () => {
    expect((await put(hub, hubToken, info('NL', 'CPX', { role: 'CPO', status: 'CONNECTED' }))).response.status).toBe(201);
    expect((await put(hub, hubToken, info('AT', 'EMZ', { role: 'EMSP', status: 'PLANNED' }))).response.status).toBe(201);
  });

  it('pages in country code / party id order, with X-Total-Count, X-Limit and a next link', async () => {
    const first = await anode.admin.GET('/ocpi/hubclientinfo', { params: { query: { limit: 2 } } });
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('X-Total-Count')).toBe('3');
    expect(first.response.headers.get('X-Limit')).toBe('2');
    expect(first.response.headers.get('Link')).toBe(`<${anode.url}/api/v0/ocpi/hubclientinfo?limit=2&offset=2>; rel="next"`);
    const rest = await anode.admin.GET('/ocpi/hubclientinfo', { params: { query: { offset: 2, limit: 2 } } });
    expect(rest.response.headers.get('Link')).toBeNull();
    expect([...first.data!, ...rest.data!]).toEqual([
      { country_code: 'AT', party_id: 'EMZ', role: 'EMSP', status: 'PLANNED', last_updated: '2024-05-01T10:00:00.000Z', reported_by: hubPartyId },
      { country_code: 'BE', party_id: 'EMA', role: 'EMSP', status: 'SUSPENDED', last_updated: '2024-05-04T10:00:00.000Z', reported_by: hubPartyId },
      { country_code: 'NL', party_id: 'CPX', role: 'CPO', status: 'CONNECTED', last_updated: '2024-05-01T10:00:00.000Z', reported_by: hubPartyId },
    ]);
  });

  it('the default page is 20', async () => {
    const { data, response } = await anode.admin.GET('/ocpi/hubclientinfo', {});
    expect(response.headers.get('X-Limit')).toBe('20');
    expect(data).toHaveLength(3);
  });

  it('limit 0 and limit 1000 are a 400 with a Status body naming the parameter', async () => {
    for (const limit of [0, 1000]) {
      const { response, error } = await anode.admin.GET('/ocpi/hubclientinfo', { params: { query: { limit } } });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(error).toMatchObject({ status: 'Bad Request', error: expect.stringContaining('limit') });
    }
  });
});
