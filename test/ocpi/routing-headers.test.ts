/**
 * Message routing (transport_and_format, "Message Routing"): every request Anode sends to a partner's functional
 * module names both ends (OCPI-from-* is Anode's CPO party, OCPI-to-* the party it is for); the configuration modules
 * (versions, version details, credentials, hubclientinfo) are platform to platform and carry none of the four headers,
 * neither in Anode's requests nor in its answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector, ids, registerEmsp, startEmsp, type Received, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
/** one platform serving two eMSP parties: NL/EMS and BE/EMX */
let emsp: SimulatedEmsp;
let tokenC: string;
let station: SimulatedStation;

const ROUTING = ['ocpi-from-country-code', 'ocpi-from-party-id', 'ocpi-to-country-code', 'ocpi-to-party-id'];
const routingOf = (headers: Record<string, string>) => Object.fromEntries(ROUTING.filter((name) => name in headers).map((name) => [name, headers[name]]));
const addressed = (toCountry: string, toParty: string) => ({
  'ocpi-from-country-code': 'NL',
  'ocpi-from-party-id': 'ANO',
  'ocpi-to-country-code': toCountry,
  'ocpi-to-party-id': toParty,
});

/** The one request the eMSP received that `match` picks, once it came. */
const receivedOne = (match: (request: Received) => boolean) =>
  eventually(async () => {
    const found = emsp.received.filter(match);
    expect(found.length).toBeGreaterThan(0);
    return found[0];
  }, 8000);

const pushToken = (countryCode: string, partyId: string, uid: string, whitelist: 'ALLOWED' | 'NEVER' = 'ALLOWED') =>
  emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: countryCode, party_id: partyId, token_uid: uid } },
    body: { country_code: countryCode, party_id: partyId, uid, type: 'RFID', contract_id: `${countryCode}-${partyId}-${uid}`, issuer: 'x', valid: true, whitelist, last_updated: '2024-01-01T00:00:00Z' },
  });

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COMMAND_TIMEOUT_SECONDS: '2' });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  tokenC = await registerEmsp(anode, emsp, 'routing-a-1', [
    ...emsp.roles,
    { role: 'EMSP', country_code: 'BE', party_id: 'EMX', business_details: { name: 'Second eMSP on the same platform' } },
  ]);
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'RH-LOC' } },
    body: {
      address: 'Markt 1',
      city: 'Gouda',
      country: 'NLD',
      coordinates: { latitude: '52.01160', longitude: '4.71040' },
      evses: [{ uid: 'RH-E1', station_id: 'RH-CS', connectors: [acConnector] }],
    },
  });
  await pushToken('NL', 'EMS', 'RH-NL');
  await pushToken('BE', 'EMX', 'RH-BE', 'NEVER');
  station = await bootedStation(anode, 'RH-CS', {
    handlers: {
      UnlockConnector: () => ({ status: 'Unlocked' }),
      GetCompositeSchedule: (params) => ({ status: 'Accepted', connectorId: params.connectorId }),
    },
  });
});
afterAll(async () => {
  await station?.close();
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp.findings).toEqual([]));

describe('requests Anode sends to functional modules carry OCPI-from-* and OCPI-to-*', () => {
  it('a location push is from Anode and to the partner’s own party', async () => {
    const put = await receivedOne((request) => request.method === 'PUT' && request.path === '/ocpi/2.2.1/locations/NL/ANO/RH-LOC');
    expect(routingOf(put.headers)).toEqual(addressed('NL', 'EMS'));
  });

  it('real-time authorization is addressed to the party that issued the token', async () => {
    await station.call('Authorize', { idTag: 'RH-BE' });
    const post = await receivedOne((request) => request.method === 'POST' && request.path === '/ocpi/2.2.1/tokens/RH-BE/authorize');
    expect(routingOf(post.headers)).toEqual(addressed('BE', 'EMX'));
  });

  it('a session push and its CDR are addressed to the party that issued the token, not just the platform’s first', async () => {
    const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'RH-BE', meterStart: 0, timestamp: new Date().toISOString() });
    await station.call('StopTransaction', { transactionId, meterStop: 1500, timestamp: new Date().toISOString() });
    const session = await receivedOne((request) => request.method === 'PUT' && request.path === `/ocpi/2.2.1/sessions/NL/ANO/${transactionId}`);
    const cdr = await receivedOne((request) => request.method === 'POST' && request.path === '/ocpi/2.2.1/cdrs');
    expect(routingOf(session.headers)).toEqual(addressed('BE', 'EMX'));
    expect(routingOf(cdr.headers)).toEqual(addressed('BE', 'EMX'));
  });

  it('a command result posted to response_url is from Anode and to the partner', async () => {
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/UNLOCK_CONNECTOR', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/unlock`, location_id: 'RH-LOC', evse_uid: 'RH-E1', connector_id: '1' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    const result = await receivedOne((request) => request.method === 'POST' && request.path === '/results/unlock');
    expect(result.body).toMatchObject({ result: 'ACCEPTED' });
    expect(routingOf(result.headers)).toEqual(addressed('NL', 'EMS'));
  });

  it('a charging-profile result posted to response_url is from Anode and to the partner', async () => {
    const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'RH-NL', meterStart: 0, timestamp: new Date().toISOString() });
    const { data } = await emsp.client(tokenC).GET('/2.2.1/chargingprofiles/{session_id}', {
      params: { header: ids(), path: { session_id: String(transactionId) }, query: { duration: 600, response_url: `${emsp.url}/results/profile` } },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    const result = await receivedOne((request) => request.method === 'POST' && request.path === '/results/profile');
    expect(routingOf(result.headers)).toEqual(addressed('NL', 'EMS'));
    await station.call('StopTransaction', { transactionId, meterStop: 10, timestamp: new Date().toISOString() });
  });
});

describe('configuration modules carry none of the four routing headers', () => {
  it('the versions and version details Anode read during the handshake were asked without them', async () => {
    const handshake = emsp.received.filter((request) => request.path === '/ocpi/versions' || request.path === '/ocpi/2.2.1');
    expect(handshake.length).toBeGreaterThanOrEqual(2);
    expect(handshake.map((request) => routingOf(request.headers))).toEqual(handshake.map(() => ({})));
  });

  it('the credentials Anode POSTs when it starts the handshake itself carry none', async () => {
    const party = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'SND' });
    try {
      await anode.admin.POST('/register', { body: { token: party.tokenForAnode, url: party.versionsUrl } });
      const post = await eventually(async () => {
        const found = party.received.find((request) => request.method === 'POST' && request.path === '/ocpi/2.2.1/credentials');
        expect(found).toBeDefined();
        return found!;
      });
      const calls = party.received.filter((request) => ['/ocpi/versions', '/ocpi/2.2.1', '/ocpi/2.2.1/credentials'].includes(request.path));
      expect(calls.length).toBeGreaterThanOrEqual(3);
      expect(routingOf(post.headers)).toEqual({});
      expect(calls.map((request) => routingOf(request.headers))).toEqual(calls.map(() => ({})));
    } finally {
      await party.stop();
    }
  });

  it('Anode answers versions, version details and credentials without them, even to a request that carried them', async () => {
    const routed = emsp.client(tokenC, { headers: addressed('NL', 'ANO') });
    const from = emsp.answered.length;
    expect((await routed.GET('/versions', { params: { header: ids() } })).response.status).toBe(200);
    expect((await routed.GET('/2.2.1', { params: { header: ids() } })).response.status).toBe(200);
    expect((await routed.GET('/2.2.1/credentials', { params: { header: ids() } })).response.status).toBe(200);
    const answers = emsp.answered.slice(from);
    expect(answers).toHaveLength(3);
    expect(answers.map((answer) => routingOf(answer.headers))).toEqual([{}, {}, {}]);
  });

  it('a functional module still answers a routed request the other way round', async () => {
    const routed = emsp.client(tokenC, { headers: { 'OCPI-from-country-code': 'BE', 'OCPI-from-party-id': 'EMX', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'ANO' } });
    await routed.GET('/2.2.1/locations', { params: { header: ids() } });
    expect(routingOf(emsp.answered.at(-1)!.headers)).toEqual(addressed('BE', 'EMX'));
  });

  it('a functional module answers a request that names no parties to the caller’s own party, from Anode’s', async () => {
    await emsp.client(tokenC).GET('/2.2.1/locations', { params: { header: ids() } });
    expect(routingOf(emsp.answered.at(-1)!.headers)).toEqual(addressed('NL', 'EMS'));
  });
});
