/**
 * mod_charging_profiles, the CPO keeping a Sender up to date: once a partner set a charging profile on its session
 * and the station accepted it, every change of the session's active charging profile Anode learns of is PUT to that
 * partner's chargingprofiles endpoint (`{chargingprofiles}/{session_id}`, an ActiveChargingProfile the station
 * computed), and to nobody else. The simulated eMSPs check each body against the OCPI schemas.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector, ids, registerEmsp, startEmsp, type Received, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const FAST = { OCPI_PUSH_POLL_MS: '50', OCPI_PUSH_RETRY_BASE_MS: '100', OCPI_PUSH_RETRY_MAX_MS: '300', OCPI_COMMAND_TIMEOUT_SECONDS: '2' };

let anode: TestAnode;
let emsp: SimulatedEmsp;
let other: SimulatedEmsp;
let emspC: string;
let otherC: string;
let v16: SimulatedStation;
let v201: SimulatedStation;
let otherStation: SimulatedStation;
let session16: string;
let session201: string;
let sessionOther: string;
let sessionUnset: string;

/** The limit (A) each station's composite schedule has now; undefined: no schedule (no limit left). */
const limits: Record<string, number | undefined> = {};
const composite16 = (stationId: string) => (params: Record<string, unknown>) =>
  limits[stationId] === undefined
    ? { status: 'Accepted' }
    : {
        status: 'Accepted',
        connectorId: params.connectorId,
        scheduleStart: '2030-01-01T10:00:00Z',
        chargingSchedule: { duration: params.duration, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: limits[stationId] }] },
      };
const accept = () => ({ status: 'Accepted' });

async function pushToken(partner: SimulatedEmsp, credentials: string, countryCode: string, partyId: string, uid: string): Promise<void> {
  const { response } = await partner.client(credentials).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: countryCode, party_id: partyId, token_uid: uid }, query: { type: 'RFID' } },
    body: { country_code: countryCode, party_id: partyId, uid, type: 'RFID', contract_id: `${countryCode}-${partyId}-${uid}`, issuer: 'Simulated eMSP', valid: true, whitelist: 'ALLOWED', last_updated: '2024-01-01T00:00:00Z' },
  });
  expect(response.status).toBe(201);
}

async function start16(station: SimulatedStation, connectorId: number, idTag: string): Promise<string> {
  const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId, idTag, meterStart: 0, timestamp: new Date().toISOString() });
  return String(transactionId);
}

/** The partner sets a profile on its session and waits for the station's ACCEPTED result. */
async function setProfile(partner: SimulatedEmsp, credentials: string, sessionId: string, limit: number): Promise<void> {
  const resultPath = `/results/set-${randomUUID()}`;
  const { data } = await partner.client(credentials).PUT('/2.2.1/chargingprofiles/{session_id}', {
    params: { header: ids(), path: { session_id: sessionId } },
    body: { charging_profile: { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit }] }, response_url: `${partner.url}${resultPath}` },
  });
  expect(data?.data?.result).toBe('ACCEPTED');
  await eventually(async () => {
    const posted = partner.received.find((call) => call.method === 'POST' && call.path === resultPath);
    expect(posted?.body).toEqual({ result: 'ACCEPTED' });
  });
}

/** The ActiveChargingProfile PUTs a partner received for a session, in order. */
const activePuts = (partner: SimulatedEmsp, sessionId: string): Received[] =>
  partner.received.filter((call) => call.method === 'PUT' && call.path === `/ocpi/2.2.1/chargingprofiles/${sessionId}`);
const allActivePuts = (partner: SimulatedEmsp): Received[] =>
  partner.received.filter((call) => call.method === 'PUT' && call.path.startsWith('/ocpi/2.2.1/chargingprofiles/'));
const limitsOf = (calls: Received[]) =>
  calls.map((call) => {
    const profile = (call.body as { charging_profile: { charging_rate_unit: string; charging_profile_period: Array<{ limit: number }> } }).charging_profile;
    return `${profile.charging_profile_period[0].limit} ${profile.charging_rate_unit}`;
  });

/** Every party's outbox empty: what was to be pushed went. */
async function settled(): Promise<void> {
  await eventually(async () => {
    const { data } = await anode.admin.GET('/ocpi/parties');
    expect(data?.map((party) => party.outbox.pending + party.outbox.failed)).toEqual([0, 0]);
  });
}

const operatorCall = (csId: string, action: string, payload: Record<string, unknown>) =>
  anode.admin.POST('/cs/{csId}/call', { params: { path: { csId } }, body: { action: action as 'Reset', payload } });

beforeAll(async () => {
  anode = await startIsolatedAnode(FAST);
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
  emspC = await registerEmsp(anode, emsp, 'active-a-1');
  otherC = await registerEmsp(anode, other, 'active-a-2');
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'AP-LOC' } },
    body: {
      address: 'Plein 2',
      city: 'Zwolle',
      country: 'NLD',
      coordinates: { latitude: '52.51250', longitude: '6.09444' },
      evses: [
        { uid: 'AP-16-1', station_id: 'AP-16', ocpp_evse_id: 1, connectors: [acConnector] },
        { uid: 'AP-16-2', station_id: 'AP-16', ocpp_evse_id: 2, connectors: [acConnector] },
        { uid: 'AP-201', station_id: 'AP-201', ocpp_evse_id: 1, connectors: [{ ...acConnector, max_electric_power: 22000 }] },
        { uid: 'AP-OTH', station_id: 'AP-OTH', ocpp_evse_id: 1, connectors: [acConnector] },
      ],
    },
  });
  for (const uid of ['AP-RFID-16', 'AP-RFID-201', 'AP-RFID-UNSET']) await pushToken(emsp, emspC, 'NL', 'EMS', uid);
  await pushToken(other, otherC, 'DE', 'OTH', 'AP-RFID-OTH');

  const handlers16 = (stationId: string) => ({ SetChargingProfile: accept, ClearChargingProfile: accept, GetCompositeSchedule: composite16(stationId) });
  v16 = await bootedStation(anode, 'AP-16', { handlers: handlers16('AP-16') });
  session16 = await start16(v16, 1, 'AP-RFID-16');
  sessionUnset = await start16(v16, 2, 'AP-RFID-UNSET');
  otherStation = await bootedStation(anode, 'AP-OTH', { handlers: handlers16('AP-OTH') });
  sessionOther = await start16(otherStation, 1, 'AP-RFID-OTH');

  v201 = await bootedStation(anode, 'AP-201', {
    version: 'ocpp2.0.1',
    handlers: {
      SetChargingProfile: accept,
      ClearChargingProfile: accept,
      GetCompositeSchedule: (params) =>
        limits['AP-201'] === undefined
          ? { status: 'Accepted' }
          : {
              status: 'Accepted',
              schedule: { evseId: params.evseId, duration: params.duration, scheduleStart: '2030-01-01T10:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: limits['AP-201'] }] },
            },
    },
  });
  await v201.call('TransactionEvent', {
    eventType: 'Started',
    timestamp: new Date().toISOString(),
    triggerReason: 'Authorized',
    seqNo: 0,
    transactionInfo: { transactionId: randomUUID() },
    idToken: { idToken: 'AP-RFID-201', type: 'ISO14443' },
    evse: { id: 1, connectorId: 1 },
  });
  const sessions = await emsp.client(emspC).GET('/2.2.1/sessions', { params: { header: ids(), query: {} } });
  session201 = sessions.data!.data!.find((session) => session.evse_uid === 'AP-201')!.id;

  limits['AP-16'] = 16;
  limits['AP-201'] = 20;
  limits['AP-OTH'] = 16;
  await setProfile(emsp, emspC, session16, 16);
  await setProfile(emsp, emspC, session201, 20);
  await setProfile(other, otherC, sessionOther, 16);
  await settled();
});
afterAll(async () => {
  await v16?.close();
  await v201?.close();
  await otherStation?.close();
  await emsp?.stop();
  await other?.stop();
  await anode?.stop();
});
afterAll(() => expect([...(emsp?.findings ?? []), ...(other?.findings ?? [])]).toEqual([]));

describe('the sender of a profile is told of changes of the active charging profile', () => {
  it("its own PUT is answered by the result only: no ActiveChargingProfile is pushed for it", () => {
    expect(allActivePuts(emsp)).toEqual([]);
    expect(allActivePuts(other)).toEqual([]);
  });

  it('OCPP 1.6: a profile the operator sets at the station is PUT to the chargingprofiles endpoint of the partner that set one on the session, and to no other partner', async () => {
    limits['AP-16'] = 10;
    const { data } = await operatorCall('AP-16', 'SetChargingProfile', {
      connectorId: 0,
      csChargingProfiles: { chargingProfileId: 900001, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } },
    });
    expect(data).toMatchObject({ status: 'Answered', response: { status: 'Accepted' } });
    const [put] = await eventually(async () => {
      const puts = activePuts(emsp, session16);
      expect(puts).toHaveLength(1);
      return puts;
    });
    expect(put.body).toEqual({
      start_date_time: '2030-01-01T10:00:00Z',
      charging_profile: { start_date_time: '2030-01-01T10:00:00Z', duration: 3600, charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 10 }] },
    });
    expect(put.headers['ocpi-from-party-id']).toBe('ANO');
    await settled();
    // the station asked for the composite schedule of the session's connector, over an hour
    expect(v16.received.filter((call) => call.action === 'GetCompositeSchedule').at(-1)?.params).toEqual({ connectorId: 1, duration: 3600 });
    // nothing for the session at the other connector (no profile set on it), nor for the other partner
    expect(activePuts(emsp, sessionUnset)).toEqual([]);
    expect(allActivePuts(other)).toEqual([]);
  });

  it('a profile cleared at the station leaves no limit: the EVSE maximum capacity is PUT, and only to the session sender', async () => {
    limits['AP-OTH'] = undefined;
    const { data } = await operatorCall('AP-OTH', 'ClearChargingProfile', {});
    expect(data).toMatchObject({ status: 'Answered', response: { status: 'Accepted' } });
    const [put] = await eventually(async () => {
      const puts = activePuts(other, sessionOther);
      expect(puts).toHaveLength(1);
      return puts;
    });
    expect(limitsOf([put])).toEqual(['32 A']);
    await settled();
    expect(allActivePuts(emsp).map((call) => call.path)).toEqual([`/ocpi/2.2.1/chargingprofiles/${session16}`]);
  });

  it('OCPP 2.0.1: a charging limit the station reports set, then cleared, is PUT each time', async () => {
    const toOther = allActivePuts(other).length;
    limits['AP-201'] = 8;
    await v201.call('NotifyChargingLimit', { evseId: 1, chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: false } });
    await eventually(async () => expect(limitsOf(activePuts(emsp, session201))).toEqual(['8 A']));
    limits['AP-201'] = undefined;
    await v201.call('ClearedChargingLimit', { evseId: 1, chargingLimitSource: 'EMS' });
    // no limit left: the EVSE's 22 kW
    await eventually(async () => expect(limitsOf(activePuts(emsp, session201))).toEqual(['8 A', '22000 W']));
    await settled();
    expect(allActivePuts(other)).toHaveLength(toOther);
  });

  it('a profile the operator sets at one connector is PUT to the sender of the session at that connector only', async () => {
    const before = allActivePuts(emsp).length;
    limits['AP-16'] = 6;
    await operatorCall('AP-16', 'SetChargingProfile', {
      connectorId: 1,
      csChargingProfiles: { chargingProfileId: 900002, stackLevel: 2, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } },
    });
    await eventually(async () => expect(limitsOf(activePuts(emsp, session16))).toEqual(['10 A', '6 A']));
    await settled();
    expect(allActivePuts(emsp)).toHaveLength(before + 1);
  });
});
