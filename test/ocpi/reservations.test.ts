import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components as AdminComponents } from '../../generated/admin.js';
import type { components as CpoComponents } from '../../generated/ocpi-2.2.1-cpo.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp, registerEmsp, acConnector } from '../support/emsp.js';
import { bootedStation, eventually, registerStation, type SimulatedStation } from '../support/stations.js';

type Reservation = AdminComponents['schemas']['Reservation'];
type ReserveNow = CpoComponents['schemas']['ReserveNow'];
type Token = CpoComponents['schemas']['Token'];

let anode: TestAnode;
let emsp: SimulatedEmsp;
let other: SimulatedEmsp;
let tokenC: string;
let otherC: string;
const stations: Record<string, SimulatedStation> = {};

const FAR = '2030-01-01T00:00:00Z';
const FAR_ISO = '2030-01-01T00:00:00.000Z';

/** How a simulated station answers an action: with a status, never, or with a CALLERROR. */
type Behaviour = { status: string } | { hang: true } | { error: string };
const behaviour: Record<string, Record<string, Behaviour>> = {};
const set = (stationId: string, action: string, how: Behaviour) => {
  behaviour[stationId] = { ...behaviour[stationId], [action]: how };
};
function answer(stationId: string, action: string): unknown {
  const how = behaviour[stationId]?.[action] ?? { status: 'Accepted' };
  if ('hang' in how) return new Promise(() => {});
  if ('error' in how) throw Object.assign(new Error(`${action} is not supported here`), { rpcErrorCode: how.error });
  return { status: how.status };
}
const reservationHandlers = (stationId: string) => ({
  ReserveNow: () => answer(stationId, 'ReserveNow'),
  CancelReservation: () => answer(stationId, 'CancelReservation'),
});

const register = (partner: SimulatedEmsp, tokenA: string) => registerEmsp(anode, partner, tokenA);

const connector = acConnector;
const token = (uid: string, issuer: { country_code: string; party_id: string } = { country_code: 'NL', party_id: 'EMS' }, extra: Partial<Token> = {}): Token => ({
  ...issuer,
  uid,
  type: 'APP_USER',
  contract_id: `${issuer.country_code}-${issuer.party_id}-${uid}`,
  issuer: 'Simulated eMSP',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2024-01-01T00:00:00Z',
  ...extra,
});
const OTH = { country_code: 'DE', party_id: 'OTH' };

const reserve = (partner: SimulatedEmsp, credentials: string, path: string, body: Partial<ReserveNow> & { reservation_id: string }) =>
  partner.client(credentials).POST('/2.2.1/commands/RESERVE_NOW', {
    params: { header: ids() },
    body: { response_url: `${partner.url}${path}`, token: token('APP-R'), expiry_date: FAR, location_id: 'RES-LOC', ...body },
  });

const cancel = (partner: SimulatedEmsp, credentials: string, path: string, reservationId: string) =>
  partner.client(credentials).POST('/2.2.1/commands/CANCEL_RESERVATION', {
    params: { header: ids() },
    body: { response_url: `${partner.url}${path}`, reservation_id: reservationId },
  });

/** The CommandResult the eMSP received at this response URL. */
const resultAt = (partner: SimulatedEmsp, path: string) =>
  eventually(async () => {
    const call = partner.received.find((received) => received.method === 'POST' && received.path === path);
    expect(call).toBeDefined();
    return call!;
  }, 8000);

async function reservations(query: { status?: Reservation['status'] } = {}): Promise<Reservation[]> {
  const { data } = await anode.admin.GET('/reservations', { params: { query: { limit: 100, ...query } } });
  return data!;
}
const reservationOf = async (countryCode: string, partyId: string, reservationId: string) =>
  (await reservations()).find((r) => r.countryCode === countryCode && r.partyId === partyId && r.reservationId === reservationId);

const callsOf = (stationId: string, action: string) => stations[stationId].received.filter((call) => call.action === action);
const lastCall = (stationId: string, action: string) => callsOf(stationId, action).at(-1)?.params;

interface VersionCase {
  version: 'ocpp1.6' | 'ocpp2.0.1';
  station: string;
  ocppEvseId: number;
  wholeLocation: string;
  /** the CALLERROR a station without reservations answers */
  notSupported: string;
  /** what the station must receive to hold reservation `id` for `holder` until `expiry` */
  reserveNow(id: number, ocppEvseId: number, holder: Token, expiry: string): Record<string, unknown>;
  /** the station starts a transaction with the reservation: Anode's transaction id */
  startWith(reservationId: number, uid: string): Promise<number>;
}

const VERSIONS: VersionCase[] = [
  {
    version: 'ocpp1.6',
    station: 'RES-16',
    ocppEvseId: 1,
    wholeLocation: 'RES-W16',
    notSupported: 'NotImplemented',
    reserveNow: (id, ocppEvseId, holder, expiry) => ({
      connectorId: ocppEvseId,
      expiryDate: expiry,
      idTag: holder.uid,
      reservationId: id,
      ...(holder.group_id && { parentIdTag: holder.group_id }),
    }),
    startWith: async (reservationId, uid) => {
      const { transactionId } = await stations['RES-16'].call<{ transactionId: number }>('StartTransaction', {
        connectorId: 1,
        idTag: uid,
        meterStart: 0,
        timestamp: new Date().toISOString(),
        reservationId,
      });
      return transactionId;
    },
  },
  {
    version: 'ocpp2.0.1',
    station: 'RES-201',
    ocppEvseId: 2,
    wholeLocation: 'RES-W201',
    notSupported: 'NotSupported',
    // an RFID card reads as an ISO 14443 idToken when the driver presents it; app and ad-hoc users as Central
    reserveNow: (id, ocppEvseId, holder, expiry) => ({
      id,
      expiryDateTime: expiry,
      idToken: { idToken: holder.uid, type: holder.type === 'RFID' ? 'ISO14443' : 'Central' },
      ...(ocppEvseId > 0 && { evseId: ocppEvseId }),
      ...(holder.group_id && { groupIdToken: { idToken: holder.group_id, type: 'Central' } }),
    }),
    startWith: async (reservationId, uid) => {
      const stationTransactionId = `tx-res-${reservationId}`;
      await stations['RES-201'].call('TransactionEvent', {
        eventType: 'Started',
        timestamp: new Date().toISOString(),
        triggerReason: 'Authorized',
        seqNo: 0,
        transactionInfo: { transactionId: stationTransactionId },
        evse: { id: 2, connectorId: 1 },
        idToken: { idToken: uid, type: 'Central' },
        reservationId,
      });
      const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'RES-201' } } });
      return data!.find((transaction) => transaction.stationTransactionId === stationTransactionId)!.id;
    },
  },
];

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COMMAND_TIMEOUT_SECONDS: '1', RESERVATION_SWEEP_MS: '50' });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
  tokenC = await register(emsp, 'reservations-a-1');
  otherC = await register(other, 'reservations-a-2');
  const location = (evses: Array<{ uid: string; station_id: string; ocpp_evse_id: number }>) => ({
    address: 'Plein 1',
    city: 'Zwolle',
    country: 'NLD',
    coordinates: { latitude: '52.51250', longitude: '6.09444' },
    evses: evses.map((evse) => ({ ...evse, connectors: [connector] })),
  });
  const locations = {
    'RES-LOC': location([
      { uid: 'RES-16', station_id: 'RES-16', ocpp_evse_id: 1 },
      { uid: 'RES-201', station_id: 'RES-201', ocpp_evse_id: 2 },
      { uid: 'RES-OFF', station_id: 'RES-OFF', ocpp_evse_id: 1 },
      { uid: 'RES-GONE', station_id: 'RES-GONE', ocpp_evse_id: 1 },
    ]),
    // two EVSEs of one station each: reservable as a whole station
    'RES-W16': location([
      { uid: 'RES-16-W2', station_id: 'RES-16', ocpp_evse_id: 2 },
      { uid: 'RES-16-W3', station_id: 'RES-16', ocpp_evse_id: 3 },
    ]),
    'RES-W201': location([
      { uid: 'RES-201-W1', station_id: 'RES-201', ocpp_evse_id: 1 },
      { uid: 'RES-201-W3', station_id: 'RES-201', ocpp_evse_id: 3 },
    ]),
  };
  for (const [locationId, body] of Object.entries(locations)) {
    const { response } = await anode.admin.POST('/location/{locationId}', { params: { path: { locationId } }, body });
    expect(response.status).toBe(201);
  }
  stations['RES-16'] = await bootedStation(anode, 'RES-16', { handlers: reservationHandlers('RES-16') });
  stations['RES-201'] = await bootedStation(anode, 'RES-201', { version: 'ocpp2.0.1', handlers: reservationHandlers('RES-201') });
  await registerStation(anode, 'RES-OFF');
});
afterAll(async () => {
  for (const station of Object.values(stations)) await station.close();
  await emsp?.stop();
  await other?.stop();
  await anode?.stop();
});
afterAll(() => expect([...emsp.findings, ...other.findings]).toEqual([]));

describe.each(VERSIONS)('RESERVE_NOW and CANCEL_RESERVATION on an OCPP $version station', (v) => {
  const evse = { evse_uid: v.station };

  it('is answered ACCEPTED at once; the station gets ReserveNow with Anode reservation id; ACCEPTED is posted, the reservation is ACTIVE', async () => {
    const path = `/results/${v.station}/accepted`;
    const { data } = await reserve(emsp, tokenC, path, { ...evse, reservation_id: `${v.station}-A`, token: token(`APP-A-${v.station}`) });
    expect(data?.data).toEqual({ result: 'ACCEPTED', timeout: 1 });
    const result = await resultAt(emsp, path);
    expect(result.body).toEqual({ result: 'ACCEPTED' });
    expect(result.authorization).toBe(`Token ${Buffer.from(emsp.tokenForAnode).toString('base64')}`);
    const stored = await reservationOf('NL', 'EMS', `${v.station}-A`);
    expect(stored).toMatchObject({
      status: 'ACTIVE',
      locationId: 'RES-LOC',
      evseUid: v.station,
      chargeStationId: v.station,
      ocppEvseId: v.ocppEvseId,
      tokenUid: `APP-A-${v.station}`,
      expiresAt: FAR_ISO,
      transactionId: null,
    });
    expect(lastCall(v.station, 'ReserveNow')).toEqual(v.reserveNow(stored!.id, v.ocppEvseId, token(`APP-A-${v.station}`), FAR_ISO));
  });

  it.each([
    ['Occupied', 'EVSE_OCCUPIED'],
    ['Faulted', 'EVSE_INOPERATIVE'],
    ['Unavailable', 'EVSE_INOPERATIVE'],
    ['Rejected', 'REJECTED'],
  ])('the station answers %s: %s is posted and the reservation is REJECTED', async (status, expected) => {
    set(v.station, 'ReserveNow', { status });
    const path = `/results/${v.station}/${status}`;
    const { data } = await reserve(emsp, tokenC, path, { ...evse, reservation_id: `${v.station}-${status}` });
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(emsp, path)).body).toEqual({ result: expected });
    const stored = await reservationOf('NL', 'EMS', `${v.station}-${status}`);
    expect(stored?.status).toBe('REJECTED');
    expect(lastCall(v.station, 'ReserveNow')).toMatchObject(v.version === 'ocpp1.6' ? { reservationId: stored!.id } : { id: stored!.id });
    set(v.station, 'ReserveNow', { status: 'Accepted' });
  });

  it('a station that does not answer in time gives TIMEOUT, and the reservation is REJECTED', async () => {
    set(v.station, 'ReserveNow', { hang: true });
    const before = callsOf(v.station, 'ReserveNow').length;
    const path = `/results/${v.station}/timeout`;
    await reserve(emsp, tokenC, path, { ...evse, reservation_id: `${v.station}-T` });
    expect((await resultAt(emsp, path)).body).toMatchObject({ result: 'TIMEOUT' });
    expect(callsOf(v.station, 'ReserveNow')).toHaveLength(before + 1);
    expect((await reservationOf('NL', 'EMS', `${v.station}-T`))?.status).toBe('REJECTED');
    set(v.station, 'ReserveNow', { status: 'Accepted' });
  });

  it(`a station that answers ReserveNow with a CALLERROR ${v.notSupported} gives NOT_SUPPORTED`, async () => {
    set(v.station, 'ReserveNow', { error: v.notSupported });
    const path = `/results/${v.station}/not-supported`;
    await reserve(emsp, tokenC, path, { ...evse, reservation_id: `${v.station}-NS` });
    expect((await resultAt(emsp, path)).body).toMatchObject({ result: 'NOT_SUPPORTED' });
    expect((await reservationOf('NL', 'EMS', `${v.station}-NS`))?.status).toBe('REJECTED');
    set(v.station, 'ReserveNow', { status: 'Accepted' });
  });

  it('the same reservation_id again replaces the reservation: one reservation, the same id at the station, the new expiry (UTC without a zone)', async () => {
    await reserve(emsp, tokenC, `/results/${v.station}/replace-1`, { ...evse, reservation_id: `${v.station}-REPL` });
    await resultAt(emsp, `/results/${v.station}/replace-1`);
    const first = await reservationOf('NL', 'EMS', `${v.station}-REPL`);
    const { data } = await reserve(emsp, tokenC, `/results/${v.station}/replace-2`, {
      ...evse,
      reservation_id: `${v.station}-REPL`,
      expiry_date: '2031-06-01T12:00:00',
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(emsp, `/results/${v.station}/replace-2`)).body).toEqual({ result: 'ACCEPTED' });
    const all = (await reservations()).filter((r) => r.reservationId === `${v.station}-REPL`);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: first!.id, status: 'ACTIVE', expiresAt: '2031-06-01T12:00:00.000Z' });
    const [one, two] = callsOf(v.station, 'ReserveNow').slice(-2).map((call) => call.params);
    expect(one).toEqual(v.reserveNow(first!.id, v.ocppEvseId, token('APP-R'), FAR_ISO));
    expect(two).toEqual(v.reserveNow(first!.id, v.ocppEvseId, token('APP-R'), '2031-06-01T12:00:00.000Z'));
  });

  it('without evse_uid, at a location whose EVSEs are all on one station, the station as a whole is reserved', async () => {
    const rfid = token(`RFID-W-${v.station}`, undefined, { type: 'RFID', group_id: 'GROUP-1' });
    const path = `/results/${v.station}/whole`;
    await reserve(emsp, tokenC, path, { location_id: v.wholeLocation, reservation_id: `${v.station}-W`, token: rfid });
    expect((await resultAt(emsp, path)).body).toEqual({ result: 'ACCEPTED' });
    const stored = await reservationOf('NL', 'EMS', `${v.station}-W`);
    expect(stored).toMatchObject({ status: 'ACTIVE', locationId: v.wholeLocation, evseUid: null, chargeStationId: v.station, ocppEvseId: 0 });
    expect(lastCall(v.station, 'ReserveNow')).toEqual(v.reserveNow(stored!.id, 0, rfid, FAR_ISO));
  });

  it('a transaction the station starts with the reservation id makes it USED, with the transaction recorded', async () => {
    const uid = `APP-U-${v.station}`;
    const reference = `AUTH-U-${v.station}`;
    await reserve(emsp, tokenC, `/results/${v.station}/used`, { ...evse, reservation_id: `${v.station}-U`, token: token(uid), authorization_reference: reference });
    await resultAt(emsp, `/results/${v.station}/used`);
    const stored = await reservationOf('NL', 'EMS', `${v.station}-U`);
    expect(stored?.status).toBe('ACTIVE');
    const transactionId = await v.startWith(stored!.id, uid);
    expect(await reservationOf('NL', 'EMS', `${v.station}-U`)).toMatchObject({ status: 'USED', transactionId });
    // the session carries the reservation's authorization_reference, as OCPI asks
    const { data } = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z', limit: 100 } } });
    expect(data?.data?.find((session) => session.id === String(transactionId))).toMatchObject({ authorization_reference: reference });
  });

  it('CANCEL_RESERVATION: CancelReservation with the station reservation id; Accepted posts CANCELED_RESERVATION and the reservation is CANCELLED', async () => {
    await reserve(emsp, tokenC, `/results/${v.station}/to-cancel`, { ...evse, reservation_id: `${v.station}-C` });
    await resultAt(emsp, `/results/${v.station}/to-cancel`);
    const stored = await reservationOf('NL', 'EMS', `${v.station}-C`);
    const { data } = await cancel(emsp, tokenC, `/results/${v.station}/cancel`, `${v.station}-C`);
    expect(data?.data).toEqual({ result: 'ACCEPTED', timeout: 1 });
    expect((await resultAt(emsp, `/results/${v.station}/cancel`)).body).toEqual({ result: 'CANCELED_RESERVATION' });
    expect(lastCall(v.station, 'CancelReservation')).toEqual({ reservationId: stored!.id });
    expect((await reservationOf('NL', 'EMS', `${v.station}-C`))?.status).toBe('CANCELLED');
  });

  it('cancelling it again (no longer open) posts UNKNOWN_RESERVATION without calling the station', async () => {
    const before = callsOf(v.station, 'CancelReservation').length;
    const { data } = await cancel(emsp, tokenC, `/results/${v.station}/cancel-again`, `${v.station}-C`);
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(emsp, `/results/${v.station}/cancel-again`)).body).toMatchObject({ result: 'UNKNOWN_RESERVATION' });
    expect(callsOf(v.station, 'CancelReservation')).toHaveLength(before);
  });

  it('the station answers CancelReservation Rejected: REJECTED is posted and the reservation stays ACTIVE', async () => {
    await reserve(emsp, tokenC, `/results/${v.station}/to-keep`, { ...evse, reservation_id: `${v.station}-K` });
    await resultAt(emsp, `/results/${v.station}/to-keep`);
    set(v.station, 'CancelReservation', { status: 'Rejected' });
    await cancel(emsp, tokenC, `/results/${v.station}/cancel-rejected`, `${v.station}-K`);
    expect((await resultAt(emsp, `/results/${v.station}/cancel-rejected`)).body).toEqual({ result: 'REJECTED' });
    expect((await reservationOf('NL', 'EMS', `${v.station}-K`))?.status).toBe('ACTIVE');
    set(v.station, 'CancelReservation', { status: 'Accepted' });
  });

  it('the station does not answer CancelReservation in time: TIMEOUT, the reservation stays ACTIVE', async () => {
    set(v.station, 'CancelReservation', { hang: true });
    await cancel(emsp, tokenC, `/results/${v.station}/cancel-timeout`, `${v.station}-K`);
    expect((await resultAt(emsp, `/results/${v.station}/cancel-timeout`)).body).toMatchObject({ result: 'TIMEOUT' });
    expect((await reservationOf('NL', 'EMS', `${v.station}-K`))?.status).toBe('ACTIVE');
    set(v.station, 'CancelReservation', { status: 'Accepted' });
  });
});

describe('an offline station: the CommandResponse says the command could not be sent to the charge point', () => {
  it('RESERVE_NOW at an offline station is REJECTED at once with a message; nothing is stored, no result follows', async () => {
    const { data } = await reserve(emsp, tokenC, '/results/offline', { evse_uid: 'RES-OFF', reservation_id: 'OFF-1' });
    expect(data?.data).toEqual({ result: 'REJECTED', timeout: 1, message: [{ language: 'en', text: 'the charge point is offline' }] });
    expect(await reservationOf('NL', 'EMS', 'OFF-1')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emsp.received.some((received) => received.path === '/results/offline')).toBe(false);
  });

  it('CANCEL_RESERVATION of a reservation whose station went offline is REJECTED at once; the reservation stays ACTIVE', async () => {
    const gone = await bootedStation(anode, 'RES-GONE', { handlers: reservationHandlers('RES-GONE') });
    await reserve(emsp, tokenC, '/results/gone-reserve', { evse_uid: 'RES-GONE', reservation_id: 'GONE-1' });
    expect((await resultAt(emsp, '/results/gone-reserve')).body).toEqual({ result: 'ACCEPTED' });
    await gone.close();
    await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: 'RES-GONE' } } });
      expect(data?.connection.connected).toBe(false);
    });
    const { data } = await cancel(emsp, tokenC, '/results/gone-cancel', 'GONE-1');
    expect(data?.data).toMatchObject({ result: 'REJECTED', message: [{ language: 'en', text: 'the charge point is offline' }] });
    expect((await reservationOf('NL', 'EMS', 'GONE-1'))?.status).toBe('ACTIVE');
  });
});

describe('expiry', () => {
  it('an open reservation past its expiry becomes EXPIRED', async () => {
    const expiry = new Date(Date.now() + 3000).toISOString();
    await reserve(emsp, tokenC, '/results/expiring', { evse_uid: 'RES-16', reservation_id: 'EXP-1', expiry_date: expiry });
    expect((await resultAt(emsp, '/results/expiring')).body).toEqual({ result: 'ACCEPTED' });
    expect((await reservationOf('NL', 'EMS', 'EXP-1'))?.status).toBe('ACTIVE');
    await eventually(async () => expect((await reservationOf('NL', 'EMS', 'EXP-1'))?.status).toBe('EXPIRED'), 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiry));
  });

  it('an expiry_date that has passed is REJECTED at once, and the station is not called', async () => {
    const before = callsOf('RES-16', 'ReserveNow').length;
    const { data } = await reserve(emsp, tokenC, '/results/past', { evse_uid: 'RES-16', reservation_id: 'PAST-1', expiry_date: '2020-01-01T00:00:00Z' });
    expect(data?.data).toMatchObject({ result: 'REJECTED', message: [{ language: 'en', text: 'expiry_date has passed' }] });
    expect(await reservationOf('NL', 'EMS', 'PAST-1')).toBeUndefined();
    expect(callsOf('RES-16', 'ReserveNow')).toHaveLength(before);
  });

  it('OCPP 2.0.1 ReservationStatusUpdate: Expired makes it EXPIRED, Removed makes it CANCELLED', async () => {
    for (const id of ['RSU-E', 'RSU-R']) {
      await reserve(emsp, tokenC, `/results/${id}`, { evse_uid: 'RES-201', reservation_id: id });
      expect((await resultAt(emsp, `/results/${id}`)).body).toEqual({ result: 'ACCEPTED' });
    }
    const expired = await reservationOf('NL', 'EMS', 'RSU-E');
    const removed = await reservationOf('NL', 'EMS', 'RSU-R');
    expect(await stations['RES-201'].call('ReservationStatusUpdate', { reservationId: expired!.id, reservationUpdateStatus: 'Expired' })).toEqual({});
    expect(await stations['RES-201'].call('ReservationStatusUpdate', { reservationId: removed!.id, reservationUpdateStatus: 'Removed' })).toEqual({});
    expect((await reservationOf('NL', 'EMS', 'RSU-E'))?.status).toBe('EXPIRED');
    expect((await reservationOf('NL', 'EMS', 'RSU-R'))?.status).toBe('CANCELLED');
  });
});

describe('whose reservation it is', () => {
  it('a token of another party is REJECTED at once: nothing is stored, the station is not called', async () => {
    const before = callsOf('RES-16', 'ReserveNow').length;
    const { data } = await reserve(emsp, tokenC, '/results/foreign-token', { evse_uid: 'RES-16', reservation_id: 'FOREIGN-1', token: token('OTH-9', OTH) });
    expect(data?.data).toMatchObject({ result: 'REJECTED', message: [{ language: 'en', text: 'the token is not one of this party' }] });
    expect(await reservationOf('DE', 'OTH', 'FOREIGN-1')).toBeUndefined();
    expect(await reservationOf('NL', 'EMS', 'FOREIGN-1')).toBeUndefined();
    expect(callsOf('RES-16', 'ReserveNow')).toHaveLength(before);
  });

  it('a token not known yet is stored for the party that sent it', async () => {
    await reserve(emsp, tokenC, '/results/new-token', { evse_uid: 'RES-16', reservation_id: 'NEW-TOKEN', token: token('APP-NEW-1') });
    await resultAt(emsp, '/results/new-token');
    const { data } = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'APP-NEW-1' } } });
    expect(data).toMatchObject({ countryCode: 'NL', partyId: 'EMS', uid: 'APP-NEW-1' });
  });

  it('the same reservation_id from two parties makes two reservations with different ids at the station', async () => {
    await reserve(emsp, tokenC, '/results/same-id', { evse_uid: 'RES-16', reservation_id: 'SAME-ID' });
    await reserve(other, otherC, '/results/same-id', { evse_uid: 'RES-16', reservation_id: 'SAME-ID', token: token('OTH-1', OTH) });
    expect((await resultAt(emsp, '/results/same-id')).body).toEqual({ result: 'ACCEPTED' });
    expect((await resultAt(other, '/results/same-id')).body).toEqual({ result: 'ACCEPTED' });
    const mine = await reservationOf('NL', 'EMS', 'SAME-ID');
    const theirs = await reservationOf('DE', 'OTH', 'SAME-ID');
    expect(mine?.status).toBe('ACTIVE');
    expect(theirs?.status).toBe('ACTIVE');
    expect(mine!.id).not.toBe(theirs!.id);
    expect(theirs!.partnerId).not.toBe(mine!.partnerId);
  });

  it('a token uid another issuer holds is REJECTED', async () => {
    const { data } = await reserve(emsp, tokenC, '/results/taken-uid', { evse_uid: 'RES-16', reservation_id: 'TAKEN-1', token: token('OTH-1') });
    expect(data?.data).toMatchObject({ result: 'REJECTED', message: [{ language: 'en', text: 'the token uid belongs to another issuer' }] });
  });

  it('another party cannot cancel it: UNKNOWN_RESERVATION is posted to that party, the reservation stays ACTIVE, the station is not called', async () => {
    await reserve(emsp, tokenC, '/results/only-mine', { evse_uid: 'RES-16', reservation_id: 'ONLY-EMS' });
    await resultAt(emsp, '/results/only-mine');
    const before = callsOf('RES-16', 'CancelReservation').length;
    const { data } = await cancel(other, otherC, '/results/not-yours', 'ONLY-EMS');
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(other, '/results/not-yours')).body).toMatchObject({ result: 'UNKNOWN_RESERVATION' });
    expect((await reservationOf('NL', 'EMS', 'ONLY-EMS'))?.status).toBe('ACTIVE');
    expect(callsOf('RES-16', 'CancelReservation')).toHaveLength(before);
  });

  it('a transaction at another station carrying the same number does not use it', async () => {
    await reserve(emsp, tokenC, '/results/elsewhere', { evse_uid: 'RES-201', reservation_id: 'ELSEWHERE' });
    await resultAt(emsp, '/results/elsewhere');
    const at201 = await reservationOf('NL', 'EMS', 'ELSEWHERE');
    await stations['RES-16'].call('StartTransaction', { connectorId: 1, idTag: 'OTH-1', meterStart: 0, timestamp: new Date().toISOString(), reservationId: at201!.id });
    expect((await reservationOf('NL', 'EMS', 'ELSEWHERE'))?.status).toBe('ACTIVE');
  });

  it('cancelling a reservation_id never made posts UNKNOWN_RESERVATION', async () => {
    await cancel(emsp, tokenC, '/results/never', 'NEVER-MADE');
    expect((await resultAt(emsp, '/results/never')).body).toMatchObject({ result: 'UNKNOWN_RESERVATION' });
  });
});

describe('where to reserve', () => {
  it('an unknown location is answered with OCPI status 2003 (HTTP 200) and a REJECTED CommandResponse; nothing is stored', async () => {
    const { data, response } = await reserve(emsp, tokenC, '/results/nowhere', { reservation_id: 'NOWHERE-0', location_id: 'NOWHERE' });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ status_code: 2003, data: { result: 'REJECTED', message: [{ language: 'en', text: 'unknown location NOWHERE' }] } });
    expect(await reservationOf('NL', 'EMS', 'NOWHERE-0')).toBeUndefined();
  });

  it.each([
    ['an unknown EVSE', { evse_uid: 'NO-SUCH-EVSE' }, 'unknown EVSE'],
    ['no EVSE at a location with several stations', {}, 'the location has EVSEs on several charge stations: name the EVSE to reserve'],
  ])('%s is REJECTED at once', async (_, place, message) => {
    const { data } = await reserve(emsp, tokenC, '/results/nowhere', { reservation_id: 'NOWHERE-1', ...place });
    expect(data?.data).toMatchObject({ result: 'REJECTED', message: [{ language: 'en', text: message }] });
    expect(await reservationOf('NL', 'EMS', 'NOWHERE-1')).toBeUndefined();
  });

  it('a reservation moved to another station is cancelled at the one that held it', async () => {
    await reserve(emsp, tokenC, '/results/move-1', { evse_uid: 'RES-16', reservation_id: 'MOVE' });
    await resultAt(emsp, '/results/move-1');
    const before = await reservationOf('NL', 'EMS', 'MOVE');
    await reserve(emsp, tokenC, '/results/move-2', { evse_uid: 'RES-201', reservation_id: 'MOVE' });
    expect((await resultAt(emsp, '/results/move-2')).body).toEqual({ result: 'ACCEPTED' });
    await eventually(async () => expect(lastCall('RES-16', 'CancelReservation')).toEqual({ reservationId: before!.id }));
    expect(lastCall('RES-201', 'ReserveNow')).toMatchObject({ id: before!.id, evseId: 2 });
    expect(await reservationOf('NL', 'EMS', 'MOVE')).toMatchObject({ id: before!.id, chargeStationId: 'RES-201', status: 'ACTIVE' });
  });
});

describe('bad requests', () => {
  const post = (command: string, body: unknown) =>
    fetch(`${anode.url}/ocpi/2.2.1/commands/${command}`, {
      method: 'POST',
      headers: { Authorization: `Token ${Buffer.from(tokenC).toString('base64')}`, 'Content-Type': 'application/json', ...ids() },
      body: JSON.stringify(body),
    });
  const valid = () => ({ response_url: `${emsp.url}/results/bad`, token: token('APP-BAD'), expiry_date: FAR, reservation_id: 'BAD-1', location_id: 'RES-LOC', evse_uid: 'RES-16' });

  it.each([
    ['RESERVE_NOW without reservation_id', 'RESERVE_NOW', () => ({ ...valid(), reservation_id: undefined })],
    ['RESERVE_NOW with a reservation_id longer than 36', 'RESERVE_NOW', () => ({ ...valid(), reservation_id: 'X'.repeat(37) })],
    ['RESERVE_NOW with an expiry_date that is no date-time', 'RESERVE_NOW', () => ({ ...valid(), expiry_date: 'tomorrow' })],
    ['RESERVE_NOW with an expiry_date that is no date', 'RESERVE_NOW', () => ({ ...valid(), expiry_date: '2030-13-45T00:00:00Z' })],
    ['RESERVE_NOW with a token without uid', 'RESERVE_NOW', () => ({ ...valid(), token: { ...token('APP-BAD'), uid: undefined } })],
    ['RESERVE_NOW without a body', 'RESERVE_NOW', () => undefined],
    ['CANCEL_RESERVATION without reservation_id', 'CANCEL_RESERVATION', () => ({ response_url: `${emsp.url}/results/bad` })],
  ])('%s gets OCPI status 2001 (HTTP 400 only without a body, which is no JSON)', async (_, command, body) => {
    const payload = body();
    const response = await post(command, payload);
    expect(response.status).toBe(payload === undefined ? 400 : 200);
    const envelope = (await response.json()) as { status_code: number; status_message: string };
    expect(envelope.status_code).toBe(2001);
    expect(envelope.status_message).toBeTruthy();
  });

  it('none of them stored a reservation or a token, or reached the station', async () => {
    expect((await reservations()).filter((r) => r.tokenUid === 'APP-BAD')).toEqual([]);
    expect((await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'APP-BAD' } } })).response.status).toBe(404);
    expect(callsOf('RES-16', 'ReserveNow').some((call) => call.params.idTag === 'APP-BAD')).toBe(false);
  });
});

describe('GET /api/v0/reservations', () => {
  it('pages newest first with X-Total-Count, X-Limit and a next link, and filters by status', async () => {
    const all = await reservations();
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((a, b) => b - a));
    const { data, response } = await anode.admin.GET('/reservations', { params: { query: { limit: 2 } } });
    expect(data).toEqual(all.slice(0, 2));
    expect(response.headers.get('X-Total-Count')).toBe(String(all.length));
    expect(response.headers.get('X-Limit')).toBe('2');
    expect(response.headers.get('Link')).toContain('offset=2');
    const active = await reservations({ status: 'ACTIVE' });
    expect(active.length).toBeGreaterThan(0);
    expect(active).toEqual(all.filter((r) => r.status === 'ACTIVE'));
    const bad = await anode.admin.GET('/reservations', { params: { query: { status: 'NOPE' as never } } });
    expect(bad.response.status).toBe(400);
  });
});
