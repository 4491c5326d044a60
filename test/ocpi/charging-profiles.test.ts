/**
 * OCPI 2.2.1 ChargingProfiles, Anode as Receiver: a partner asks for the active profile of its session, sets one,
 * clears it. The answer comes at once; the station's outcome is POSTed to the response_url. Checked on both ends:
 * what the simulated OCPP 1.6 / 2.0.1 station received, and what the simulated eMSP received.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp, registerEmsp, acConnector } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

// The independent OCPI schemas judge what Anode answers and posts (limits are decimals: compare with a tolerance).
const referenceDir = process.env.OCPI_REFERENCE_DIR ?? new URL('../../../shared/ocpi-2.2.1/', import.meta.url).pathname;
const oracle = new Ajv({ strict: false, allErrors: true, multipleOfPrecision: 6 });
addFormats(oracle);
const oracleSchema = (name: string) => oracle.compile(JSON.parse(readFileSync(`${referenceDir}/schemas/ocpi.2_2_1.${name}.json`, 'utf8')));
const judges = {
  response: oracleSchema('chargingprofiles.response'),
  active: oracleSchema('chargingprofiles.active_charging_profile.result'),
  set: oracleSchema('chargingprofiles.charging_profile.result'),
  clear: oracleSchema('chargingprofiles.clear_profile.result'),
};
function judged(kind: keyof typeof judges, body: unknown): unknown {
  const validate = judges[kind];
  expect(validate(body), oracle.errorsText(validate.errors)).toBe(true);
  return body;
}

let anode: TestAnode;
let emsp: SimulatedEmsp;
let other: SimulatedEmsp;
let tokenC: string;
let otherC: string;
let v16: SimulatedStation;
let v201: SimulatedStation;
let silent: SimulatedStation;
/** answers of the stations, changed by the tests */
const answers16: Record<string, (params: Record<string, unknown>) => unknown> = {};
const answers201: Record<string, (params: Record<string, unknown>) => unknown> = {};
/** sessions (Anode transaction ids) */
let session16: string;
let session201: string;
let station201Tx: string;
let sessionSilent: string;
let sessionOffline: string;
let sessionEnded: string;

const register = (partner: SimulatedEmsp, tokenA: string) => registerEmsp(anode, partner, tokenA);

const connector = acConnector;

async function pushToken(uid: string): Promise<void> {
  const { response } = await emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: uid }, query: { type: 'RFID' } },
    body: { country_code: 'NL', party_id: 'EMS', uid, type: 'RFID', contract_id: `NL-EMS-${uid}`, issuer: 'Simulated eMSP', valid: true, whitelist: 'ALLOWED', last_updated: '2024-01-01T00:00:00Z' },
  });
  expect(response.status).toBe(201);
}

async function start16(station: SimulatedStation, idTag: string): Promise<string> {
  const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: new Date().toISOString() });
  return String(transactionId);
}

/** What the eMSP received at this response path (the one POST Anode makes there). */
const postedTo = (partner: SimulatedEmsp, path: string) =>
  eventually(async () => {
    const calls = partner.received.filter((received) => received.method === 'POST' && received.path === path);
    expect(calls).toHaveLength(1);
    return calls[0];
  }, 8000);

/** The calls of one action the station received after `from`. */
const callsOf = (station: SimulatedStation, action: string, from = 0) => station.received.slice(from).filter((call) => call.action === action);

const getActive = (partner: SimulatedEmsp, credentials: string, sessionId: string, responsePath: string, duration = 900) =>
  partner.client(credentials).GET('/2.2.1/chargingprofiles/{session_id}', {
    params: { header: ids(), path: { session_id: sessionId }, query: { duration, response_url: `${partner.url}${responsePath}` } },
  });
const put = (partner: SimulatedEmsp, credentials: string, sessionId: string, responsePath: string, profile: Record<string, unknown>) =>
  partner.client(credentials).PUT('/2.2.1/chargingprofiles/{session_id}', {
    params: { header: ids(), path: { session_id: sessionId } },
    body: { charging_profile: profile as never, response_url: `${partner.url}${responsePath}` },
  });
const clear = (partner: SimulatedEmsp, credentials: string, sessionId: string, responsePath: string) =>
  partner.client(credentials).DELETE('/2.2.1/chargingprofiles/{session_id}', {
    params: { header: ids(), path: { session_id: sessionId }, query: { response_url: `${partner.url}${responsePath}` } },
  });

/** A request exactly as written, for what the typed client would not send. */
async function raw(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; body: { status_code: number; status_message?: string } }> {
  const response = await fetch(`${anode.url}/ocpi/2.2.1/chargingprofiles/${pathAndQuery}`, {
    method,
    headers: { Authorization: `Token ${Buffer.from(tokenC).toString('base64')}`, ...ids(), ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as { status_code: number; status_message?: string } };
}

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COMMAND_TIMEOUT_SECONDS: '1' });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
  tokenC = await register(emsp, 'profiles-a-1');
  otherC = await register(other, 'profiles-a-2');
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'CP-LOC' } },
    body: {
      address: 'Plein 1',
      city: 'Zwolle',
      country: 'NLD',
      coordinates: { latitude: '52.51250', longitude: '6.09444' },
      evses: ['CP-16', 'CP-201', 'CP-SILENT', 'CP-OFF', 'CP-END'].map((uid) => ({ uid, station_id: uid, ocpp_evse_id: 1, connectors: [connector] })),
    },
  });
  for (const uid of ['RFID-16', 'RFID-201', 'RFID-SILENT', 'RFID-OFF', 'RFID-END']) await pushToken(uid);

  v16 = await bootedStation(anode, 'CP-16', { handlers: answers16 });
  session16 = await start16(v16, 'RFID-16');

  v201 = await bootedStation(anode, 'CP-201', { version: 'ocpp2.0.1', handlers: answers201 });
  station201Tx = randomUUID();
  await v201.call('TransactionEvent', {
    eventType: 'Started',
    timestamp: new Date().toISOString(),
    triggerReason: 'Authorized',
    seqNo: 0,
    transactionInfo: { transactionId: station201Tx },
    idToken: { idToken: 'RFID-201', type: 'ISO14443' },
    evse: { id: 1, connectorId: 1 },
  });
  const sessions = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
  session201 = sessions.data!.data!.find((session) => session.evse_uid === 'CP-201')!.id;

  // A station that takes calls but never answers GetCompositeSchedule, and knows no other charging profile action.
  silent = await bootedStation(anode, 'CP-SILENT', { handlers: { GetCompositeSchedule: () => new Promise(() => {}) } });
  sessionSilent = await start16(silent, 'RFID-SILENT');

  const offline = await bootedStation(anode, 'CP-OFF');
  sessionOffline = await start16(offline, 'RFID-OFF');
  await offline.close();

  const ending = await bootedStation(anode, 'CP-END');
  sessionEnded = await start16(ending, 'RFID-END');
  await ending.call('StopTransaction', { transactionId: Number(sessionEnded), meterStop: 1000, timestamp: new Date().toISOString() });
  await ending.close();
  await eventually(async () => {
    const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: 'CP-OFF' } } });
    expect(data?.connection.connected).toBe(false);
  });
});
afterAll(async () => {
  await v16?.close();
  await v201?.close();
  await silent?.close();
  await emsp?.stop();
  await other?.stop();
  await anode?.stop();
});

describe('the module is offered', () => {
  it('version details list chargingprofiles as a RECEIVER interface for an eMSP', async () => {
    const { data } = await emsp.client(tokenC).GET('/2.2.1', { params: { header: ids() } });
    expect(data?.data?.endpoints).toContainEqual({ identifier: 'chargingprofiles', role: 'RECEIVER', url: `${anode.url}/ocpi/2.2.1/chargingprofiles` });
  });
});

describe('GET the ActiveChargingProfile of a session', () => {
  it('OCPP 1.6: ACCEPTED at once, GetCompositeSchedule for the connector, the composite schedule posted as OCPI profile', async () => {
    answers16.GetCompositeSchedule = (params) => ({
      status: 'Accepted',
      connectorId: params.connectorId,
      scheduleStart: '2030-01-01T10:00:00Z',
      chargingSchedule: {
        duration: params.duration,
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 600, limit: 10.5, numberPhases: 3 }],
        minChargingRate: 6,
      },
    });
    const before = v16.received.length;
    const { data, response } = await getActive(emsp, tokenC, session16, '/profiles/active-16', 900);
    expect(response.status).toBe(200);
    expect(judged('response', data)).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED', timeout: 1 } });
    const posted = await postedTo(emsp, '/profiles/active-16');
    expect(judged('active', posted.body)).toEqual({
      result: 'ACCEPTED',
      profile: {
        start_date_time: '2030-01-01T10:00:00Z',
        charging_profile: {
          start_date_time: '2030-01-01T10:00:00Z',
          duration: 900,
          charging_rate_unit: 'A',
          min_charging_rate: 6,
          charging_profile_period: [{ start_period: 0, limit: 16 }, { start_period: 600, limit: 10.5 }],
        },
      },
    });
    expect(posted.authorization).toBe(`Token ${Buffer.from(emsp.tokenForAnode).toString('base64')}`);
    expect(posted.headers['ocpi-from-country-code']).toBeDefined();
    expect(callsOf(v16, 'GetCompositeSchedule', before)).toEqual([{ action: 'GetCompositeSchedule', params: { connectorId: 1, duration: 900 } }]);
  });

  it('OCPP 2.0.1: GetCompositeSchedule for the EVSE; limits in W kept, rounded to one decimal', async () => {
    answers201.GetCompositeSchedule = (params) => ({
      status: 'Accepted',
      schedule: {
        evseId: params.evseId,
        duration: params.duration,
        scheduleStart: '2030-01-01T12:30:00.000Z',
        chargingRateUnit: 'W',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }, { startPeriod: 300, limit: 7360.25, numberPhases: 3 }],
      },
    });
    const before = v201.received.length;
    const { data } = await getActive(emsp, tokenC, session201, '/profiles/active-201', 600);
    expect(data?.data).toEqual({ result: 'ACCEPTED', timeout: 1 });
    expect(judged('active', (await postedTo(emsp, '/profiles/active-201')).body)).toEqual({
      result: 'ACCEPTED',
      profile: {
        start_date_time: '2030-01-01T12:30:00Z',
        charging_profile: {
          start_date_time: '2030-01-01T12:30:00Z',
          duration: 600,
          charging_rate_unit: 'W',
          charging_profile_period: [{ start_period: 0, limit: 11000 }, { start_period: 300, limit: 7360.3 }],
        },
      },
    });
    expect(callsOf(v201, 'GetCompositeSchedule', before)).toEqual([{ action: 'GetCompositeSchedule', params: { evseId: 1, duration: 600 } }]);
  });

  it('the station Rejected: REJECTED posted, without a profile', async () => {
    answers201.GetCompositeSchedule = () => ({ status: 'Rejected' });
    await getActive(emsp, tokenC, session201, '/profiles/active-201-rejected');
    expect(judged('active', (await postedTo(emsp, '/profiles/active-201-rejected')).body)).toEqual({ result: 'REJECTED' });
  });

  it('the station Accepted but sent no schedule: UNKNOWN (no profile found)', async () => {
    answers16.GetCompositeSchedule = () => ({ status: 'Accepted' });
    await getActive(emsp, tokenC, session16, '/profiles/active-16-empty');
    expect(judged('active', (await postedTo(emsp, '/profiles/active-16-empty')).body)).toEqual({ result: 'UNKNOWN' });
  });
});

describe('PUT a ChargingProfile on a session', () => {
  const relativeAmps = {
    charging_rate_unit: 'A',
    min_charging_rate: 6,
    charging_profile_period: [{ start_period: 0, limit: 16 }, { start_period: 1800, limit: 8.1 }],
  };
  const absoluteWatts = {
    start_date_time: '2030-01-01T10:00:00Z',
    duration: 3600,
    charging_rate_unit: 'W',
    min_charging_rate: 1380,
    charging_profile_period: [{ start_period: 0, limit: 11000 }, { start_period: 900, limit: 7400.5 }],
  };

  it('OCPP 1.6: a relative profile becomes a Relative TxProfile of the transaction on its connector; ACCEPTED posted', async () => {
    answers16.SetChargingProfile = () => ({ status: 'Accepted' });
    const before = v16.received.length;
    const { data } = await put(emsp, tokenC, session16, '/profiles/set-16', relativeAmps);
    expect(judged('response', data)).toMatchObject({ data: { result: 'ACCEPTED', timeout: 1 } });
    expect(judged('set', (await postedTo(emsp, '/profiles/set-16')).body)).toEqual({ result: 'ACCEPTED' });
    expect(callsOf(v16, 'SetChargingProfile', before)).toEqual([
      {
        action: 'SetChargingProfile',
        params: {
          connectorId: 1,
          csChargingProfiles: {
            chargingProfileId: Number(session16),
            transactionId: Number(session16),
            stackLevel: 1,
            chargingProfilePurpose: 'TxProfile',
            chargingProfileKind: 'Relative',
            chargingSchedule: {
              chargingRateUnit: 'A',
              chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 1800, limit: 8.1 }],
              minChargingRate: 6,
            },
          },
        },
      },
    ]);
  });

  it('a second PUT replaces the first: same profile id, purpose and stack level; an absolute profile is Absolute from its start', async () => {
    const before = v16.received.length;
    await put(emsp, tokenC, session16, '/profiles/set-16-again', absoluteWatts);
    expect((await postedTo(emsp, '/profiles/set-16-again')).body).toEqual({ result: 'ACCEPTED' });
    const [second] = callsOf(v16, 'SetChargingProfile', before);
    expect(second.params).toEqual({
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: Number(session16),
        transactionId: Number(session16),
        stackLevel: 1,
        chargingProfilePurpose: 'TxProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: {
          startSchedule: '2030-01-01T10:00:00.000Z',
          duration: 3600,
          chargingRateUnit: 'W',
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }, { startPeriod: 900, limit: 7400.5 }],
          minChargingRate: 1380,
        },
      },
    });
  });

  it('OCPP 2.0.1: a TxProfile for the station transaction id on the EVSE, its schedule in a list', async () => {
    answers201.SetChargingProfile = () => ({ status: 'Accepted' });
    const before = v201.received.length;
    await put(emsp, tokenC, session201, '/profiles/set-201', absoluteWatts);
    expect(judged('set', (await postedTo(emsp, '/profiles/set-201')).body)).toEqual({ result: 'ACCEPTED' });
    expect(callsOf(v201, 'SetChargingProfile', before)).toEqual([
      {
        action: 'SetChargingProfile',
        params: {
          evseId: 1,
          chargingProfile: {
            id: Number(session201),
            stackLevel: 1,
            chargingProfilePurpose: 'TxProfile',
            chargingProfileKind: 'Absolute',
            transactionId: station201Tx,
            chargingSchedule: [
              {
                id: Number(session201),
                startSchedule: '2030-01-01T10:00:00.000Z',
                duration: 3600,
                chargingRateUnit: 'W',
                chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }, { startPeriod: 900, limit: 7400.5 }],
                minChargingRate: 1380,
              },
            ],
          },
        },
      },
    ]);
  });

  it('the station Rejected (2.0.1) or NotSupported (1.6): REJECTED posted', async () => {
    answers201.SetChargingProfile = () => ({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidSchedule' } });
    await put(emsp, tokenC, session201, '/profiles/set-201-rejected', relativeAmps);
    expect(judged('set', (await postedTo(emsp, '/profiles/set-201-rejected')).body)).toEqual({ result: 'REJECTED' });
    answers16.SetChargingProfile = () => ({ status: 'NotSupported' });
    await put(emsp, tokenC, session16, '/profiles/set-16-unsupported', relativeAmps);
    expect(judged('set', (await postedTo(emsp, '/profiles/set-16-unsupported')).body)).toEqual({ result: 'REJECTED' });
  });
});

describe('DELETE the ChargingProfile of a session', () => {
  it('OCPP 1.6: ClearChargingProfile of the profile Anode set (its id); ACCEPTED posted', async () => {
    answers16.ClearChargingProfile = () => ({ status: 'Accepted' });
    const before = v16.received.length;
    const { data } = await clear(emsp, tokenC, session16, '/profiles/clear-16');
    expect(judged('response', data)).toMatchObject({ data: { result: 'ACCEPTED', timeout: 1 } });
    expect(judged('clear', (await postedTo(emsp, '/profiles/clear-16')).body)).toEqual({ result: 'ACCEPTED' });
    expect(callsOf(v16, 'ClearChargingProfile', before)).toEqual([{ action: 'ClearChargingProfile', params: { id: Number(session16) } }]);
  });

  it('OCPP 2.0.1: ClearChargingProfile by chargingProfileId; the station Unknown is posted as UNKNOWN', async () => {
    answers201.ClearChargingProfile = () => ({ status: 'Unknown' });
    const before = v201.received.length;
    await clear(emsp, tokenC, session201, '/profiles/clear-201');
    expect(judged('clear', (await postedTo(emsp, '/profiles/clear-201')).body)).toEqual({ result: 'UNKNOWN' });
    expect(callsOf(v201, 'ClearChargingProfile', before)).toEqual([{ action: 'ClearChargingProfile', params: { chargingProfileId: Number(session201) } }]);
  });
});

describe('only the caller own, running sessions on an online station', () => {
  const profile = { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 10 }] };

  it('an unknown session, another party session, an ended session or an offline station: refused at once, nothing sent, nothing posted', async () => {
    const before16 = v16.received.length;
    const cases: Array<[string, () => Promise<{ data?: { data?: unknown; status_message?: string } }>, string]> = [
      ['UNKNOWN_SESSION', () => getActive(emsp, tokenC, '999999', '/refused/unknown-get'), '/refused/unknown-get'],
      ['UNKNOWN_SESSION', () => put(emsp, tokenC, 'not-a-session', '/refused/unknown-put', profile), '/refused/unknown-put'],
      ['UNKNOWN_SESSION', () => clear(emsp, tokenC, '99999999999', '/refused/unknown-delete'), '/refused/unknown-delete'],
      ['UNKNOWN_SESSION', () => getActive(other, otherC, session16, '/refused/foreign-get'), '/refused/foreign-get'],
      ['UNKNOWN_SESSION', () => put(other, otherC, session16, '/refused/foreign-put', profile), '/refused/foreign-put'],
      ['UNKNOWN_SESSION', () => clear(other, otherC, session16, '/refused/foreign-delete'), '/refused/foreign-delete'],
      ['REJECTED', () => put(emsp, tokenC, sessionEnded, '/refused/ended-put', profile), '/refused/ended-put'],
      ['REJECTED', () => getActive(emsp, tokenC, sessionOffline, '/refused/offline-get'), '/refused/offline-get'],
    ];
    for (const [expected, request, path] of cases) {
      const { data } = await request();
      expect(judged('response', data), path).toMatchObject({ status_code: 1000, data: { result: expected, timeout: 1 } });
    }
    // The answer explains itself in status_message (ChargingProfileResponse has no message field).
    expect((await put(emsp, tokenC, sessionEnded, '/refused/ended-again', profile)).data?.status_message).toBe('the session has ended');
    expect((await clear(emsp, tokenC, sessionOffline, '/refused/offline-again')).data?.status_message).toBe('the charge station is offline');
    // Longer than a station gets to answer: had anything run in the background, it would have posted by now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const posted = [...emsp.received, ...other.received].filter((call) => call.path.startsWith('/refused/'));
    expect(posted).toEqual([]);
    expect(v16.received.length).toBe(before16);
  });
});

describe('a station that does not answer usefully', () => {
  it('no answer within the command timeout: REJECTED posted (OCPI has no TIMEOUT result)', async () => {
    const started = Date.now();
    const { data } = await getActive(emsp, tokenC, sessionSilent, '/profiles/silent-get');
    expect(data?.data).toEqual({ result: 'ACCEPTED', timeout: 1 });
    expect(judged('active', (await postedTo(emsp, '/profiles/silent-get')).body)).toEqual({ result: 'REJECTED' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(callsOf(silent, 'GetCompositeSchedule')).toEqual([{ action: 'GetCompositeSchedule', params: { connectorId: 1, duration: 900 } }]);
  });

  it('a CALLERROR (NotImplemented) to SetChargingProfile or ClearChargingProfile: REJECTED posted', async () => {
    await put(emsp, tokenC, sessionSilent, '/profiles/silent-put', { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 10 }] });
    expect(judged('set', (await postedTo(emsp, '/profiles/silent-put')).body)).toEqual({ result: 'REJECTED' });
    await clear(emsp, tokenC, sessionSilent, '/profiles/silent-delete');
    expect(judged('clear', (await postedTo(emsp, '/profiles/silent-delete')).body)).toEqual({ result: 'REJECTED' });
    expect(callsOf(silent, 'SetChargingProfile').map((call) => call.params)).toMatchObject([{ connectorId: 1, csChargingProfiles: { chargingProfileId: Number(sessionSilent) } }]);
    expect(callsOf(silent, 'ClearChargingProfile').map((call) => call.params)).toEqual([{ id: Number(sessionSilent) }]);
  });
});

describe('bad requests are OCPI 2001 with HTTP 400', () => {
  const responseUrl = encodeURIComponent('http://127.0.0.1:9/never');
  const period = (start_period: number, limit: number) => ({ start_period, limit });
  const body = (profile: Record<string, unknown>) => ({ charging_profile: profile, response_url: 'http://127.0.0.1:9/never' });

  it.each([
    ['GET without duration', 'GET', `SESSION?response_url=${responseUrl}`],
    ['GET with a duration that is not a number', 'GET', `SESSION?duration=soon&response_url=${responseUrl}`],
    ['GET with a negative duration', 'GET', `SESSION?duration=-5&response_url=${responseUrl}`],
    ['GET with a fractional duration', 'GET', `SESSION?duration=1.5&response_url=${responseUrl}`],
    ['GET without response_url', 'GET', 'SESSION?duration=900'],
    ['GET with a response_url that is not a URL', 'GET', 'SESSION?duration=900&response_url=not%20a%20url'],
    ['DELETE without response_url', 'DELETE', 'SESSION'],
    ['a session_id longer than 36 characters', 'DELETE', `${'1'.repeat(37)}?response_url=${responseUrl}`],
  ])('%s', async (_title, method, pathAndQuery) => {
    const before = v16.received.length;
    const answer = await raw(method, pathAndQuery.replace('SESSION', session16));
    // Parameters that break the contract reached OCPI: HTTP 200 with 2001.
    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(2001);
    expect(answer.body.status_message).toBeTruthy();
    expect(v16.received.length).toBe(before);
  });

  it.each([
    ['an empty body', ''],
    ['a body that is not JSON', '{"charging_profile": '],
    ['no charging_profile', { response_url: 'http://127.0.0.1:9/never' }],
    ['no response_url', { charging_profile: { charging_rate_unit: 'A', charging_profile_period: [period(0, 10)] } }],
    ['a unit OCPI does not know', body({ charging_rate_unit: 'kW', charging_profile_period: [period(0, 10)] })],
    ['no charging_rate_unit', body({ charging_profile_period: [period(0, 10)] })],
    ['a period without limit', body({ charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0 }] })],
    ['a fractional start_period', body({ charging_rate_unit: 'A', charging_profile_period: [period(0.5, 10)] })],
    ['a negative limit', body({ charging_rate_unit: 'A', charging_profile_period: [period(0, -1)] })],
    ['a limit with two decimals', body({ charging_rate_unit: 'A', charging_profile_period: [period(0, 16.25)] })],
    ['a min_charging_rate with two decimals', body({ charging_rate_unit: 'A', min_charging_rate: 6.05, charging_profile_period: [period(0, 16)] })],
    ['periods whose start_period does not increase', body({ charging_rate_unit: 'A', charging_profile_period: [period(0, 16), period(600, 10), period(600, 8)] })],
    ['no period at all', body({ charging_rate_unit: 'A', charging_profile_period: [] })],
    ['a start_date_time that is not an OCPI DateTime', body({ start_date_time: 'tomorrow', charging_rate_unit: 'A', charging_profile_period: [period(0, 16)] })],
    ['a start_date_time on no calendar', body({ start_date_time: '2030-13-45T10:00:00Z', charging_rate_unit: 'A', charging_profile_period: [period(0, 16)] })],
  ])('PUT with %s', async (_title, payload) => {
    const before = v16.received.length;
    const answer = await raw('PUT', session16, payload);
    // Only what is not JSON at all is the HTTP layer's (400); JSON that breaks a rule is HTTP 200 with 2001.
    expect(answer.status).toBe(typeof payload === 'string' ? 400 : 200);
    expect(answer.body.status_code).toBe(2001);
    expect(answer.body.status_message).toBeTruthy();
    expect(v16.received.length).toBe(before);
  });
});
