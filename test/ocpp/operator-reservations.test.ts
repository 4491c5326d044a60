/**
 * Reservations the operator makes from the admin API (H01 Reservation, H02 Cancel reservation; OCPP 1.6 ReserveNow,
 * CancelReservation): kept in the reservations OCPI partners make too, with their status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/admin.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector } from '../support/emsp.js';
import { bootedStation, eventually, registerStation, type SimulatedStation } from '../support/stations.js';

type Reservation = components['schemas']['Reservation'];

let anode: TestAnode;
const stations: Record<string, SimulatedStation> = {};
const FAR = '2030-01-01T00:00:00Z';
const FAR_ISO = '2030-01-01T00:00:00.000Z';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How a simulated station answers: with a status, never, or with a CALLERROR. */
type Behaviour = { status: string } | { hang: true } | { error: string };
const behaviour: Record<string, Record<string, Behaviour>> = {};
const set = (stationId: string, action: string, how?: Behaviour) => {
  behaviour[stationId] = { ...behaviour[stationId], [action]: how ?? { status: 'Accepted' } };
};
function answer(stationId: string, action: string): unknown {
  const how = behaviour[stationId]?.[action] ?? { status: 'Accepted' };
  if ('hang' in how) return new Promise(() => {});
  if ('error' in how) throw Object.assign(new Error(`${action} is not supported here`), { rpcErrorCode: how.error });
  return { status: how.status };
}
const handlers = (stationId: string) => ({
  ReserveNow: () => answer(stationId, 'ReserveNow'),
  CancelReservation: () => answer(stationId, 'CancelReservation'),
});

const calls = (stationId: string, action: string) => stations[stationId].received.filter((call) => call.action === action).map((call) => call.params);

const reserve = (csId: string, body: components['schemas']['OperatorReservationRequest']) =>
  anode.admin.POST('/cs/{csId}/reservations', { params: { path: { csId } }, body });
const cancel = (csId: string, reservationId: number) =>
  anode.admin.POST('/cs/{csId}/reservations/{reservationId}/cancel', { params: { path: { csId, reservationId } } });

async function listed(id: number): Promise<Reservation | undefined> {
  const { data } = await anode.admin.GET('/reservations', { params: { query: { limit: 100 } } });
  return data!.find((reservation) => reservation.id === id);
}
const count = async () => (await anode.admin.GET('/reservations', { params: { query: { limit: 100 } } })).response.headers.get('x-total-count');

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COUNTRY_CODE: 'DE', OCPI_PARTY_ID: 'CPX', OCPP_CALL_TIMEOUT_SECONDS: '1' });
  const { response } = await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'OPR-LOC' } },
    body: {
      address: 'Plein 1',
      city: 'Zwolle',
      country: 'NLD',
      coordinates: { latitude: '52.51250', longitude: '6.09444' },
      evses: [
        { uid: 'OPR-201-E1', station_id: 'OPR-201', ocpp_evse_id: 1, connectors: [acConnector] },
        { uid: 'OPR-201-E2', station_id: 'OPR-201', ocpp_evse_id: 2, connectors: [acConnector] },
        { uid: 'OPR-16-C1', station_id: 'OPR-16', ocpp_evse_id: 1, connectors: [acConnector] },
      ],
    },
  });
  expect(response.status).toBe(201);
  await anode.admin.POST('/token', {
    body: { countryCode: 'DE', partyId: 'CPX', type: 'RFID', uid: 'OPR-RFID', contractId: 'DE-CPX-OPR-RFID', issuer: 'Anode', valid: true, cacheMode: 'ALWAYS' },
  });
  stations['OPR-201'] = await bootedStation(anode, 'OPR-201', { version: 'ocpp2.0.1', handlers: handlers('OPR-201') });
  stations['OPR-BARE'] = await bootedStation(anode, 'OPR-BARE', { version: 'ocpp2.0.1', handlers: handlers('OPR-BARE') });
  stations['OPR-16'] = await bootedStation(anode, 'OPR-16', { handlers: handlers('OPR-16') });
});
afterAll(async () => {
  for (const station of Object.values(stations)) await station.close();
  await anode?.stop();
});

describe('H01 Reservation (OCPP 2.0.1 ReserveNow)', () => {
  it("the station is given Anode's id, the token, expiry and EVSE; Accepted makes it ACTIVE, owned by the CPO, at the station's location and EVSE", async () => {
    const { data, response } = await reserve('OPR-201', { evseId: 2, idToken: 'OPR-RFID', expiresAt: FAR });
    expect(response.status).toBe(201);
    const { reservation } = data!;
    expect(calls('OPR-201', 'ReserveNow').at(-1)).toEqual({
      id: reservation.id,
      expiryDateTime: FAR_ISO,
      idToken: { idToken: 'OPR-RFID', type: 'ISO14443' },
      evseId: 2,
    });
    expect(data!.answer).toEqual({ action: 'ReserveNow', ocppVersion: 'ocpp2.0.1', status: 'Answered', response: { status: 'Accepted' } });
    expect(reservation).toMatchObject({
      status: 'ACTIVE',
      partnerId: null,
      countryCode: 'DE',
      partyId: 'CPX',
      tokenUid: 'OPR-RFID',
      authorizationReference: null,
      locationId: 'OPR-LOC',
      evseUid: 'OPR-201-E2',
      chargeStationId: 'OPR-201',
      ocppEvseId: 2,
      expiresAt: FAR_ISO,
      transactionId: null,
    });
    expect(reservation.reservationId).toMatch(UUID);
    expect(await listed(reservation.id)).toEqual(reservation);
  });

  it('evseId 0 reserves any EVSE (no evseId sent); a group token goes as groupIdToken; a station at no location: locationId null', async () => {
    const { data } = await reserve('OPR-BARE', { evseId: 0, idToken: 'UNSTORED', type: 'KeyCode', groupIdToken: 'OPR-GROUP', expiresAt: FAR });
    expect(calls('OPR-BARE', 'ReserveNow').at(-1)).toEqual({
      id: data!.reservation.id,
      expiryDateTime: FAR_ISO,
      idToken: { idToken: 'UNSTORED', type: 'KeyCode' },
      groupIdToken: { idToken: 'OPR-GROUP', type: 'Central' },
    });
    expect(data!.reservation).toMatchObject({ status: 'ACTIVE', locationId: null, evseUid: null, ocppEvseId: 0 });
    // a token the store does not know, without a type: ISO14443
    await reserve('OPR-BARE', { evseId: 1, idToken: 'UNSTORED-2', expiresAt: FAR });
    expect(calls('OPR-BARE', 'ReserveNow').at(-1)).toMatchObject({ idToken: { idToken: 'UNSTORED-2', type: 'ISO14443' }, evseId: 1 });
  });

  it('Occupied, or a CALLERROR, makes it REJECTED; the answer is returned', async () => {
    set('OPR-201', 'ReserveNow', { status: 'Occupied' });
    const occupied = await reserve('OPR-201', { evseId: 1, idToken: 'OPR-RFID', expiresAt: FAR });
    expect(occupied.response.status).toBe(201);
    expect(occupied.data).toMatchObject({ reservation: { status: 'REJECTED' }, answer: { response: { status: 'Occupied' } } });
    expect((await listed(occupied.data!.reservation.id))?.status).toBe('REJECTED');

    set('OPR-201', 'ReserveNow', { error: 'NotSupported' });
    const refused = await reserve('OPR-201', { evseId: 1, idToken: 'OPR-RFID', expiresAt: FAR });
    expect(refused.data).toMatchObject({ reservation: { status: 'REJECTED' }, answer: { status: 'CallError', errorCode: 'NotSupported' } });
    set('OPR-201', 'ReserveNow');
  });

  it('a station that does not answer: 504, and the reservation is REJECTED', async () => {
    set('OPR-201', 'ReserveNow', { hang: true });
    const { response } = await reserve('OPR-201', { evseId: 1, idToken: 'OPR-SILENT', expiresAt: FAR });
    set('OPR-201', 'ReserveNow');
    expect(response.status).toBe(504);
    const { data } = await anode.admin.GET('/reservations', { params: { query: { limit: 100 } } });
    expect(data!.find((reservation) => reservation.tokenUid === 'OPR-SILENT')?.status).toBe('REJECTED');
  });

  it('a station whose connection closes before it answers: 502, and the reservation is REJECTED', async () => {
    const gone = await bootedStation(anode, 'OPR-GONE', {
      version: 'ocpp2.0.1',
      handlers: {
        ReserveNow: () => {
          void gone.close();
          return new Promise(() => {});
        },
      },
    });
    const { response } = await reserve('OPR-GONE', { evseId: 1, idToken: 'OPR-GONE-TOKEN', expiresAt: FAR });
    expect(response.status).toBe(502);
    const { data } = await anode.admin.GET('/reservations', { params: { query: { limit: 100 } } });
    expect(data!.find((reservation) => reservation.tokenUid === 'OPR-GONE-TOKEN')?.status).toBe('REJECTED');
  });

  it('an expiry in the past: 400; a station not connected: 409; not registered: 404; nothing is stored or sent', async () => {
    await registerStation(anode, 'OPR-OFF');
    const before = await count();
    const sent = calls('OPR-201', 'ReserveNow').length;
    expect((await reserve('OPR-201', { evseId: 1, idToken: 'OPR-RFID', expiresAt: '2020-01-01T00:00:00Z' })).response.status).toBe(400);
    expect((await reserve('OPR-201', { evseId: -1, idToken: 'OPR-RFID', expiresAt: FAR })).response.status).toBe(400);
    expect((await reserve('OPR-OFF', { evseId: 1, idToken: 'OPR-RFID', expiresAt: FAR })).response.status).toBe(409);
    expect((await reserve('OPR-NOBODY', { evseId: 1, idToken: 'OPR-RFID', expiresAt: FAR })).response.status).toBe(404);
    expect(await count()).toBe(before);
    expect(calls('OPR-201', 'ReserveNow')).toHaveLength(sent);
  });

  it("the station's ReservationStatusUpdate ends it EXPIRED; a transaction that names a reservation makes it USED", async () => {
    const expiring = (await reserve('OPR-201', { evseId: 1, idToken: 'OPR-RFID', expiresAt: FAR })).data!.reservation;
    await stations['OPR-201'].call('ReservationStatusUpdate', { reservationId: expiring.id, reservationUpdateStatus: 'Expired' });
    expect((await listed(expiring.id))?.status).toBe('EXPIRED');

    const used = (await reserve('OPR-201', { evseId: 1, idToken: 'OPR-RFID', expiresAt: FAR })).data!.reservation;
    await stations['OPR-201'].call('TransactionEvent', {
      eventType: 'Started',
      timestamp: new Date().toISOString(),
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'opr-tx-1' },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'OPR-RFID', type: 'ISO14443' },
      reservationId: used.id,
    });
    const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'OPR-201' } } });
    const transaction = data!.find((candidate) => candidate.stationTransactionId === 'opr-tx-1')!;
    await eventually(async () => expect(await listed(used.id)).toMatchObject({ status: 'USED', transactionId: transaction.id }));
  });
});

describe('H02 Cancel reservation (OCPP 2.0.1 CancelReservation)', () => {
  it('the station is sent the reservation id; Accepted makes it CANCELLED', async () => {
    const { reservation } = (await reserve('OPR-201', { evseId: 2, idToken: 'OPR-RFID', expiresAt: FAR })).data!;
    const { data, response } = await cancel('OPR-201', reservation.id);
    expect(response.status).toBe(200);
    expect(calls('OPR-201', 'CancelReservation').at(-1)).toEqual({ reservationId: reservation.id });
    expect(data).toMatchObject({ reservation: { id: reservation.id, status: 'CANCELLED' }, answer: { response: { status: 'Accepted' } } });
    expect((await listed(reservation.id))?.status).toBe('CANCELLED');
  });

  it('Rejected leaves it as it was; the answer is returned', async () => {
    const { reservation } = (await reserve('OPR-201', { evseId: 2, idToken: 'OPR-RFID', expiresAt: FAR })).data!;
    set('OPR-201', 'CancelReservation', { status: 'Rejected' });
    const { data } = await cancel('OPR-201', reservation.id);
    set('OPR-201', 'CancelReservation');
    expect(data).toMatchObject({ reservation: { status: 'ACTIVE' }, answer: { response: { status: 'Rejected' } } });
    expect((await listed(reservation.id))?.status).toBe('ACTIVE');
  });

  it('a reservation that has ended: 409; one unknown at this station: 404; nothing is sent', async () => {
    const { reservation } = (await reserve('OPR-201', { evseId: 2, idToken: 'OPR-RFID', expiresAt: FAR })).data!;
    await cancel('OPR-201', reservation.id);
    const sent = calls('OPR-201', 'CancelReservation').length;
    const ended = await cancel('OPR-201', reservation.id);
    expect(ended.response.status).toBe(409);
    expect(ended.error?.error).toBe(`reservation ${reservation.id} has ended (CANCELLED)`);
    expect((await cancel('OPR-BARE', reservation.id)).response.status).toBe(404);
    expect((await cancel('OPR-201', 999999)).response.status).toBe(404);
    expect(calls('OPR-201', 'CancelReservation')).toHaveLength(sent);
  });
});

describe('OCPP 1.6 ReserveNow and CancelReservation', () => {
  it('ReserveNow carries connectorId, expiryDate, idTag, parentIdTag and the reservationId; a StartTransaction naming it makes it USED', async () => {
    const { data } = await reserve('OPR-16', { evseId: 1, idToken: 'OPR-RFID', groupIdToken: 'OPR-PARENT', expiresAt: FAR });
    const { reservation } = data!;
    expect(calls('OPR-16', 'ReserveNow').at(-1)).toEqual({
      connectorId: 1,
      expiryDate: FAR_ISO,
      idTag: 'OPR-RFID',
      reservationId: reservation.id,
      parentIdTag: 'OPR-PARENT',
    });
    expect(reservation).toMatchObject({ status: 'ACTIVE', locationId: 'OPR-LOC', evseUid: 'OPR-16-C1', ocppEvseId: 1, countryCode: 'DE', partyId: 'CPX' });
    const { transactionId } = await stations['OPR-16'].call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: 'OPR-RFID',
      meterStart: 0,
      timestamp: new Date().toISOString(),
      reservationId: reservation.id,
    });
    await eventually(async () => expect(await listed(reservation.id)).toMatchObject({ status: 'USED', transactionId }));
  });

  it('an idTag longer than the 20 characters of OCPP 1.6: 400, nothing stored or sent', async () => {
    const before = await count();
    const sent = calls('OPR-16', 'ReserveNow').length;
    const { response, error } = await reserve('OPR-16', { evseId: 1, idToken: 'A-TOKEN-OF-21-CHARSXX', expiresAt: FAR });
    expect(response.status).toBe(400);
    expect(error?.error).toContain('longer than the 20 characters');
    expect(await count()).toBe(before);
    expect(calls('OPR-16', 'ReserveNow')).toHaveLength(sent);
  });

  it('CancelReservation: Accepted makes it CANCELLED', async () => {
    const { reservation } = (await reserve('OPR-16', { evseId: 0, idToken: 'OPR-RFID', expiresAt: FAR })).data!;
    expect(calls('OPR-16', 'ReserveNow').at(-1)).toMatchObject({ connectorId: 0 });
    const { data } = await cancel('OPR-16', reservation.id);
    expect(calls('OPR-16', 'CancelReservation').at(-1)).toEqual({ reservationId: reservation.id });
    expect(data).toMatchObject({ reservation: { status: 'CANCELLED' }, answer: { ocppVersion: 'ocpp1.6' } });
  });
});
