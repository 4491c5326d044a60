/**
 * Real-time authorization (mod_tokens) and what the session and CDR say of it: when the eMSP's AuthorizationInfo
 * allows a token, the session is AUTH_REQUEST with the authorization_reference it gave (the Session SHALL carry the
 * same value, and so does the CDR). A token that came with the eMSP's START_SESSION or RESERVE_NOW was authorized by
 * the eMSP when it sent it: the station's Authorize and start for it are not asked about again (mod_commands).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/ocpi-2.2.1-cpo.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector, appToken, ids, registerEmsp, startEmsp, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

type Session = components['schemas']['Session'];
type Cdr = components['schemas']['CDR'];
type Token = components['schemas']['Token'];

let anode: TestAnode;
let emsp: SimulatedEmsp;
let tokenC: string;
let v16: SimulatedStation;
let v201: SimulatedStation;

const rfid = (uid: string, whitelist: Token['whitelist']): Token => ({ ...appToken(uid), type: 'RFID', whitelist });

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_PUSH_POLL_MS: '50', OCPI_COMMAND_TIMEOUT_SECONDS: '1', OCPI_AUTHORIZE_TIMEOUT_MS: '2000' });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  tokenC = await registerEmsp(anode, emsp, 'realtime-a');
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'RT-LOC' } },
    body: {
      address: 'Markt 1',
      city: 'Kampen',
      country: 'NLD',
      coordinates: { latitude: '52.55500', longitude: '5.91100' },
      evses: [
        { uid: 'RT-16-1', station_id: 'RT-16', ocpp_evse_id: 1, connectors: [acConnector] },
        { uid: 'RT-16-2', station_id: 'RT-16', ocpp_evse_id: 2, connectors: [acConnector] },
        { uid: 'RT-201-1', station_id: 'RT-201', ocpp_evse_id: 1, connectors: [acConnector] },
      ],
    },
  });
  v16 = await bootedStation(anode, 'RT-16', { handlers: { RemoteStartTransaction: () => ({ status: 'Accepted' }), ReserveNow: () => ({ status: 'Accepted' }) } });
  v201 = await bootedStation(anode, 'RT-201', { version: 'ocpp2.0.1' });
});
afterAll(async () => {
  await v16?.close();
  await v201?.close();
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp.findings).toEqual([]));

const put = (token: Token) =>
  emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: token.country_code, party_id: token.party_id, token_uid: token.uid }, query: { type: token.type } },
    body: token,
  });

/** The eMSP answers the real-time authorization of `uid` with ALLOWED and this reference. */
function allowWith(uid: string, reference: string): void {
  emsp.answers.set(`POST /ocpi/2.2.1/tokens/${uid}/authorize`, () => ({
    status: 200,
    body: { data: { allowed: 'ALLOWED', token: rfid(uid, 'NEVER'), authorization_reference: reference }, status_code: 1000, timestamp: new Date().toISOString() },
  }));
}

const authorizeCalls = (uid: string) => emsp.received.filter((call) => call.method === 'POST' && call.path === `/ocpi/2.2.1/tokens/${uid}/authorize`);

const sessionPushed = (sessionId: string | number) =>
  eventually(async () => {
    const call = emsp.received.find((received) => received.method === 'PUT' && received.path === `/ocpi/2.2.1/sessions/NL/ANO/${sessionId}`);
    expect(call).toBeDefined();
    return call!.body as Session;
  });

const cdrPushed = (sessionId: string | number) =>
  eventually(async () => {
    const call = emsp.received.find((received) => received.method === 'POST' && received.path === '/ocpi/2.2.1/cdrs' && (received.body as Cdr).session_id === String(sessionId));
    expect(call).toBeDefined();
    return call!.body as Cdr;
  });

const authOf = (object: Session | Cdr) => ({ auth_method: object.auth_method, authorization_reference: object.authorization_reference });

let clock = Date.parse('2025-04-01T10:00:00Z');
const stamp = () => new Date((clock += 60_000)).toISOString();

describe('a start the eMSP allowed in real time is an AUTH_REQUEST session with the AuthorizationInfo reference', () => {
  it('OCPP 1.6, whitelist NEVER: the pushed session and the CDR carry AUTH_REQUEST and the reference', async () => {
    await put(rfid('RT-NEVER', 'NEVER'));
    allowWith('RT-NEVER', 'EMSP-REF-1');
    const { transactionId, idTagInfo } = await v16.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 1,
      idTag: 'RT-NEVER',
      meterStart: 0,
      timestamp: stamp(),
    });
    expect(idTagInfo.status).toBe('Accepted');
    expect(authorizeCalls('RT-NEVER')).toHaveLength(1);
    expect(authOf(await sessionPushed(transactionId))).toEqual({ auth_method: 'AUTH_REQUEST', authorization_reference: 'EMSP-REF-1' });
    const { data } = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: {} } });
    expect(authOf(data!.data!.find((session) => session.id === String(transactionId))!)).toEqual({ auth_method: 'AUTH_REQUEST', authorization_reference: 'EMSP-REF-1' });
    await v16.call('StopTransaction', { transactionId, meterStop: 2000, timestamp: stamp() });
    expect(authOf(await cdrPushed(transactionId))).toEqual({ auth_method: 'AUTH_REQUEST', authorization_reference: 'EMSP-REF-1' });
  });

  it('OCPP 2.0.1, whitelist ALLOWED_OFFLINE: the TransactionEvent start gives the same', async () => {
    await put(rfid('RT-OFFLINE', 'ALLOWED_OFFLINE'));
    allowWith('RT-OFFLINE', 'EMSP-REF-2');
    const event = (eventType: 'Started' | 'Ended', seqNo: number) =>
      v201.call('TransactionEvent', {
        eventType,
        timestamp: stamp(),
        triggerReason: eventType === 'Started' ? 'Authorized' : 'EVCommunicationLost',
        seqNo,
        transactionInfo: { transactionId: 'RT-TX-1', ...(eventType === 'Ended' && { stoppedReason: 'EVDisconnected' }) },
        ...(eventType === 'Started' && { idToken: { idToken: 'RT-OFFLINE', type: 'ISO14443' }, evse: { id: 1, connectorId: 1 } }),
      });
    await event('Started', 0);
    const { data: transactions } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'RT-201' } } });
    const sessionId = transactions!.find((transaction) => transaction.stationTransactionId === 'RT-TX-1')!.id;
    expect(authOf(await sessionPushed(sessionId))).toEqual({ auth_method: 'AUTH_REQUEST', authorization_reference: 'EMSP-REF-2' });
    await event('Ended', 1);
    expect(authOf(await cdrPushed(sessionId))).toEqual({ auth_method: 'AUTH_REQUEST', authorization_reference: 'EMSP-REF-2' });
  });

  it('a token whose whitelist lets the stored token decide is WHITELIST, without a reference', async () => {
    await put(rfid('RT-ALWAYS', 'ALWAYS'));
    const { transactionId } = await v16.call<{ transactionId: number }>('StartTransaction', { connectorId: 2, idTag: 'RT-ALWAYS', meterStart: 0, timestamp: stamp() });
    expect(authOf(await sessionPushed(transactionId))).toEqual({ auth_method: 'WHITELIST', authorization_reference: undefined });
    expect(authorizeCalls('RT-ALWAYS')).toHaveLength(0);
    await v16.call('StopTransaction', { transactionId, meterStop: 10, timestamp: stamp() });
  });
});

describe('a token that came with START_SESSION or RESERVE_NOW is not authorized again in real time (mod_commands)', () => {
  it('START_SESSION of a NEVER token: the station Authorize and StartTransaction do not reach the eMSP; the session is COMMAND with the command reference', async () => {
    const token = rfid('RT-CMD', 'NEVER');
    allowWith('RT-CMD', 'NOT-THIS-ONE');
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/START_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/rt-cmd`, token, location_id: 'RT-LOC', evse_uid: 'RT-16-1', connector_id: '1', authorization_reference: 'CMD-REF' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    await eventually(async () => expect(emsp.received.some((received) => received.path === '/results/rt-cmd')).toBe(true));
    expect(await v16.call('Authorize', { idTag: 'RT-CMD' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    const { transactionId } = await v16.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'RT-CMD', meterStart: 0, timestamp: stamp() });
    expect(authOf(await sessionPushed(transactionId))).toEqual({ auth_method: 'COMMAND', authorization_reference: 'CMD-REF' });
    await v16.call('StopTransaction', { transactionId, meterStop: 10, idTag: 'RT-CMD', timestamp: stamp() });
    expect(authorizeCalls('RT-CMD')).toHaveLength(0);
  });

  it('RESERVE_NOW of a NEVER token: the station Authorize at that station does not reach the eMSP; at another station it does', async () => {
    const token = rfid('RT-RES', 'NEVER');
    allowWith('RT-RES', 'RES-RT-REF');
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/RESERVE_NOW', {
      params: { header: ids() },
      body: {
        response_url: `${emsp.url}/results/rt-res`,
        token,
        expiry_date: '2030-01-01T00:00:00Z',
        reservation_id: 'RT-RES-1',
        location_id: 'RT-LOC',
        evse_uid: 'RT-16-2',
        authorization_reference: 'RES-REF',
      },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    await eventually(async () => expect(emsp.received.some((received) => received.path === '/results/rt-res')).toBe(true));
    expect(await v16.call('Authorize', { idTag: 'RT-RES' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(authorizeCalls('RT-RES')).toHaveLength(0);
    await v201.call('Authorize', { idToken: { idToken: 'RT-RES', type: 'ISO14443' } });
    expect(authorizeCalls('RT-RES')).toHaveLength(1);
  });
});
