import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/ocpi-2.2.1-cpo-client.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp, registerEmsp } from '../support/emsp.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

type Token = components['schemas']['Token'];

let anode: TestAnode;
let emsp: SimulatedEmsp;
let other: SimulatedEmsp;
let tokenC: string;
let otherC: string;

const token = (uid: string, overrides: Partial<Token> = {}): Token => ({
  country_code: 'NL',
  party_id: 'EMS',
  uid,
  type: 'RFID',
  contract_id: `NL-EMS-${uid}`,
  issuer: 'Simulated eMSP',
  valid: true,
  whitelist: 'ALWAYS',
  last_updated: '2024-05-01T10:00:00Z',
  ...overrides,
});

const register = (partner: SimulatedEmsp, tokenA: string) => registerEmsp(anode, partner, tokenA);

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_AUTHORIZE_TIMEOUT_MS: '500' });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  other = await startEmsp(anode.url, { countryCode: 'BE', partyId: 'OTH' });
  tokenC = await register(emsp, 'tokens-a-1');
  otherC = await register(other, 'tokens-a-2');
});
afterAll(async () => {
  await emsp?.stop();
  await other?.stop();
  await anode?.stop();
});
afterAll(() => expect([...emsp.findings, ...other.findings]).toEqual([]));

const put = (client: SimulatedEmsp, credentials: string, body: Token, headers: Record<string, string> = {}) =>
  client.client(credentials).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: { ...ids(), ...headers }, path: { country_code: body.country_code, party_id: body.party_id, token_uid: body.uid }, query: { type: body.type } },
    body,
  });
const get = (client: SimulatedEmsp, credentials: string, countryCode: string, partyId: string, uid: string) =>
  client.client(credentials).GET('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: countryCode, party_id: partyId, token_uid: uid } },
  });

describe('tokens receiver: PUT, GET, PATCH', () => {
  it('PUT stores a new token (201) and GET returns it with an ETag', async () => {
    const created = await put(emsp, tokenC, token('RFID-1', { visual_number: 'CARD 1', group_id: 'G1' }));
    expect(created.response.status).toBe(201);
    const { data, response } = await get(emsp, tokenC, 'NL', 'EMS', 'RFID-1');
    expect(data?.data).toEqual(token('RFID-1', { visual_number: 'CARD 1', group_id: 'G1', last_updated: '2024-05-01T10:00:00.000Z' }));
    expect(response.headers.get('ETag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('PUT again replaces it (200); the country code is case-insensitive', async () => {
    const replaced = await put(emsp, tokenC, token('RFID-1', { country_code: 'nl', valid: false, last_updated: '2024-05-02T10:00:00Z' }));
    expect(replaced.response.status).toBe(200);
    expect((await get(emsp, tokenC, 'NL', 'EMS', 'RFID-1')).data?.data?.valid).toBe(false);
  });

  it('PATCH changes the fields it names', async () => {
    const { response } = await emsp.client(tokenC).PATCH('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: 'RFID-1' } },
      body: { valid: true, whitelist: 'ALLOWED', last_updated: '2024-05-03T10:00:00Z' },
    });
    expect(response.status).toBe(200);
    expect((await get(emsp, tokenC, 'NL', 'EMS', 'RFID-1')).data?.data).toMatchObject({ valid: true, whitelist: 'ALLOWED', issuer: 'Simulated eMSP', last_updated: '2024-05-03T10:00:00.000Z' });
  });

  it('GET of an unknown token is 404 with status 2004', async () => {
    const { response, error } = await get(emsp, tokenC, 'NL', 'EMS', 'NOPE');
    expect(response.status).toBe(404);
    expect(error?.status_code).toBe(2004);
  });
});

describe('tokens receiver: ETag / If-Match and last_updated guard concurrent updates (WWCP)', () => {
  it('PUT with the current ETag succeeds; with a stale ETag it is refused (HTTP 200, 2000) and nothing changes', async () => {
    await put(emsp, tokenC, token('RFID-2'));
    const etag = (await get(emsp, tokenC, 'NL', 'EMS', 'RFID-2')).response.headers.get('ETag')!;
    const first = await put(emsp, tokenC, token('RFID-2', { issuer: 'First', last_updated: '2024-06-01T00:00:00Z' }), { 'If-Match': etag });
    expect(first.response.status).toBe(200);
    const second = await put(emsp, tokenC, token('RFID-2', { issuer: 'Second', last_updated: '2024-06-02T00:00:00Z' }), { 'If-Match': etag });
    expect(second.response.status).toBe(200);
    expect((second.data as { status_code?: number } | undefined)?.status_code).toBe(2000);
    expect((await get(emsp, tokenC, 'NL', 'EMS', 'RFID-2')).data?.data?.issuer).toBe('First');
  });

  it('an update older than the stored last_updated is refused (HTTP 200, 2000)', async () => {
    const stale = await put(emsp, tokenC, token('RFID-2', { issuer: 'Old', last_updated: '2023-01-01T00:00:00Z' }));
    expect(stale.response.status).toBe(200);
    expect(stale.data?.status_code).toBe(2000);
    expect((await get(emsp, tokenC, 'NL', 'EMS', 'RFID-2')).data?.data?.issuer).toBe('First');
  });
});

describe('tokens receiver: a partner only touches its own country code and party id', () => {
  it('PUT for another party is refused with 404 and stores nothing', async () => {
    const { response, error } = await put(other, otherC, token('RFID-X'));
    expect(response.status).toBe(404);
    expect(error?.status_code).toBe(2000);
    expect((await get(emsp, tokenC, 'NL', 'EMS', 'RFID-X')).response.status).toBe(404);
  });

  it('GET of another party token is refused', async () => {
    expect((await get(other, otherC, 'NL', 'EMS', 'RFID-1')).response.status).toBe(404);
  });

  it('a uid already issued by another party is not taken over', async () => {
    const { response, data } = await put(other, otherC, token('RFID-1', { country_code: 'BE', party_id: 'OTH' }));
    expect(response.status).toBe(200);
    expect(data?.status_code).toBe(2000);
    expect((await get(emsp, tokenC, 'NL', 'EMS', 'RFID-1')).data?.data?.issuer).toBe('Simulated eMSP');
  });

  it('a body that does not match the URL is refused with 2001 (HTTP 200)', async () => {
    const { response, data } = await emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: 'RFID-9' } },
      body: token('RFID-8'),
    });
    expect(response.status).toBe(200);
    expect(data?.status_code).toBe(2001);
  });
});

describe('tokens receiver: bulk GET and DELETE of a party tokens (WWCP)', () => {
  it('lists the party tokens with pagination, and deletes them all', async () => {
    await put(other, otherC, token('BE-1', { country_code: 'BE', party_id: 'OTH' }));
    await put(other, otherC, token('BE-2', { country_code: 'BE', party_id: 'OTH' }));
    const list = await other.client(otherC).GET('/2.2.1/tokens/{country_code}/{party_id}', {
      params: { header: ids(), path: { country_code: 'BE', party_id: 'OTH' }, query: { limit: 1 } },
    });
    expect(list.data?.data?.map((entry) => entry.uid)).toEqual(['BE-1']);
    expect(list.response.headers.get('X-Total-Count')).toBe('2');
    expect(list.response.headers.get('Link')).toContain('offset=1');
    const deleted = await other.client(otherC).DELETE('/2.2.1/tokens/{country_code}/{party_id}', {
      params: { header: ids(), path: { country_code: 'BE', party_id: 'OTH' } },
    });
    expect(deleted.response.status).toBe(200);
    expect((await get(other, otherC, 'BE', 'OTH', 'BE-1')).response.status).toBe(404);
    expect((await get(emsp, tokenC, 'NL', 'EMS', 'RFID-1')).response.status).toBe(200);
  });

  it('another party cannot delete them', async () => {
    const { response } = await other.client(otherC).DELETE('/2.2.1/tokens/{country_code}/{party_id}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS' } },
    });
    expect(response.status).toBe(404);
  });
});

describe('OCPP authorization uses OCPI tokens, asking the eMSP in real time where the whitelist says so', () => {
  let station: SimulatedStation;
  beforeAll(async () => {
    station = await bootedStation(anode, 'RT-CS');
  });
  afterAll(() => station?.close());

  const authorizeCalls = (uid: string) => emsp.received.filter((call) => call.path === `/ocpi/2.2.1/tokens/${uid}/authorize`);

  it('ALWAYS: the stored token decides and the eMSP is not asked', async () => {
    await put(emsp, tokenC, token('WL-ALWAYS', { whitelist: 'ALWAYS' }));
    expect(await station.call('Authorize', { idTag: 'WL-ALWAYS' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(authorizeCalls('WL-ALWAYS')).toHaveLength(0);
  });

  it('NEVER: the eMSP is asked through the generated client, and its verdict is the answer', async () => {
    await put(emsp, tokenC, token('WL-NEVER', { whitelist: 'NEVER' }));
    emsp.answers.set('POST /ocpi/2.2.1/tokens/WL-NEVER/authorize', () => ({
      status: 200,
      body: { data: { allowed: 'BLOCKED', token: token('WL-NEVER') }, status_code: 1000, timestamp: new Date().toISOString() },
    }));
    expect(await station.call('Authorize', { idTag: 'WL-NEVER' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    const [call] = authorizeCalls('WL-NEVER');
    expect(call.authorization).toBe(`Token ${Buffer.from(emsp.tokenForAnode).toString('base64')}`);
    expect(call.headers['ocpi-from-party-id']).toBe('ANO');
    expect(call.headers['ocpi-to-party-id']).toBe('EMS');
  });

  it('NEVER with the eMSP failing: no answer, no charge', async () => {
    await put(emsp, tokenC, token('WL-NEVER-DOWN', { whitelist: 'NEVER' }));
    emsp.answers.set('POST /ocpi/2.2.1/tokens/WL-NEVER-DOWN/authorize', () => ({ status: 503, body: { status_code: 3000, timestamp: new Date().toISOString() } }));
    expect(await station.call('Authorize', { idTag: 'WL-NEVER-DOWN' })).toEqual({ idTagInfo: { status: 'Invalid' } });
  });

  it('ALLOWED_OFFLINE with the eMSP too slow: after the short timeout the stored token decides', async () => {
    await put(emsp, tokenC, token('WL-OFFLINE', { whitelist: 'ALLOWED_OFFLINE' }));
    emsp.answers.set('POST /ocpi/2.2.1/tokens/WL-OFFLINE/authorize', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { status: 200, body: { data: { allowed: 'BLOCKED', token: token('WL-OFFLINE') }, status_code: 1000, timestamp: new Date().toISOString() } };
    });
    const started = Date.now();
    expect(await station.call('Authorize', { idTag: 'WL-OFFLINE' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(authorizeCalls('WL-OFFLINE')).toHaveLength(1);
  });
});

describe('token identity is uid and type within its issuer (mod_tokens: PUT …/{uid}[?type=], RFID when left out)', () => {
  let station: SimulatedStation;
  beforeAll(async () => {
    station = await bootedStation(anode, 'ID-CS');
  });
  afterAll(() => station?.close());

  const getTyped = (uid: string, type?: Token['type']) =>
    emsp.client(tokenC).GET('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: uid }, ...(type && { query: { type } }) },
    });

  it('an RFID and an APP_USER token of one party with the same uid are both stored (201 each) and both GETtable; neither overwrites the other', async () => {
    expect((await put(emsp, tokenC, token('SHARED-1', { issuer: 'Card' }))).response.status).toBe(201);
    expect((await put(emsp, tokenC, token('SHARED-1', { type: 'APP_USER', issuer: 'App', valid: false }))).response.status).toBe(201);
    expect((await getTyped('SHARED-1')).data?.data).toMatchObject({ type: 'RFID', issuer: 'Card', valid: true });
    expect((await getTyped('SHARED-1', 'RFID')).data?.data).toMatchObject({ type: 'RFID', issuer: 'Card' });
    expect((await getTyped('SHARED-1', 'APP_USER')).data?.data).toMatchObject({ type: 'APP_USER', issuer: 'App', valid: false });
    expect((await getTyped('SHARED-1', 'AD_HOC_USER')).response.status).toBe(404);
    const list = await emsp.client(tokenC).GET('/2.2.1/tokens/{country_code}/{party_id}', { params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS' } } });
    expect(list.data?.data?.filter((entry) => entry.uid === 'SHARED-1').map((entry) => entry.type)).toEqual(['APP_USER', 'RFID']);
  });

  it('PUT again of one type replaces that one only (200)', async () => {
    expect((await put(emsp, tokenC, token('SHARED-1', { type: 'APP_USER', issuer: 'App 2', valid: false, last_updated: '2024-05-02T10:00:00Z' }))).response.status).toBe(200);
    expect((await getTyped('SHARED-1', 'APP_USER')).data?.data?.issuer).toBe('App 2');
    expect((await getTyped('SHARED-1')).data?.data?.issuer).toBe('Card');
  });

  it('a PATCH changes the token its URL names (type from the query, RFID when left out), and cannot change its type', async () => {
    const patch = (type: Token['type'] | undefined, body: Record<string, unknown>) =>
      emsp.client(tokenC).PATCH('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
        params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: 'SHARED-1' }, ...(type && { query: { type } }) },
        body: { last_updated: '2024-05-03T10:00:00Z', ...body },
      });
    expect((await patch('APP_USER', { visual_number: 'APP 1' })).response.status).toBe(200);
    expect((await getTyped('SHARED-1', 'APP_USER')).data?.data?.visual_number).toBe('APP 1');
    expect((await getTyped('SHARED-1')).data?.data?.visual_number).toBeUndefined();
    const renaming = await patch(undefined, { type: 'OTHER' });
    expect(renaming.response.status).toBe(200);
    expect((renaming.data as { status_code?: number } | undefined)?.status_code).toBe(2001);
    expect((await getTyped('SHARED-1', 'OTHER')).response.status).toBe(404);
  });

  it('another issuer cannot push the uid, whatever the type', async () => {
    const { response, data } = await put(other, otherC, token('SHARED-1', { country_code: 'BE', party_id: 'OTH', type: 'OTHER' }));
    expect(response.status).toBe(200);
    expect((data as { status_code?: number } | undefined)?.status_code).toBe(2000);
    expect((await getTyped('SHARED-1', 'OTHER')).response.status).toBe(404);
  });

  it('OCPP authorization of the shared uid still works: a station presenting it without a type is taken to mean the RFID card', async () => {
    // the app account is blocked, the card is valid: the card decides
    expect(await station.call('Authorize', { idTag: 'SHARED-1' })).toEqual({ idTagInfo: { status: 'Accepted' } });
  });

  it('the admin API reads and deletes one of them by uid and type; the uid alone is 409 while it names both', async () => {
    const ambiguous = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'SHARED-1' } } });
    expect(ambiguous.response.status).toBe(409);
    const app = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'SHARED-1' }, query: { type: 'APP_USER' } } });
    expect(app.data).toMatchObject({ type: 'APP_USER', issuer: 'App 2' });
    expect((await anode.admin.DELETE('/token/{tokenUid}', { params: { path: { tokenUid: 'SHARED-1' }, query: { type: 'APP_USER' } } })).response.status).toBe(204);
    expect((await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'SHARED-1' } } })).data).toMatchObject({ type: 'RFID', issuer: 'Card' });
  });
});
