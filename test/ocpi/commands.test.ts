import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp, registerEmsp, acConnector, appToken } from '../support/emsp.js';
import { bootedStation, eventually, registerStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let emsp: SimulatedEmsp;
let other: SimulatedEmsp;
let tokenC: string;
let otherC: string;
let v16: SimulatedStation;
let v201: SimulatedStation;

const register = (partner: SimulatedEmsp, tokenA: string) => registerEmsp(anode, partner, tokenA);

const connector = acConnector;
const token = (uid: string) => appToken(uid);

/** The CommandResult the eMSP received at this response URL. */
const resultAt = (partner: SimulatedEmsp, path: string) =>
  eventually(async () => {
    const call = partner.received.find((received) => received.method === 'POST' && received.path === path);
    expect(call).toBeDefined();
    return call!;
  }, 8000);

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COMMAND_TIMEOUT_SECONDS: '1' });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
  tokenC = await register(emsp, 'commands-a-1');
  otherC = await register(other, 'commands-a-2');
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'CMD-LOC' } },
    body: {
      address: 'Plein 1',
      city: 'Zwolle',
      country: 'NLD',
      coordinates: { latitude: '52.51250', longitude: '6.09444' },
      evses: [
        { uid: 'CMD-16', station_id: 'CMD-16', connectors: [connector] },
        { uid: 'CMD-201', station_id: 'CMD-201', ocpp_evse_id: 1, connectors: [connector] },
        { uid: 'CMD-SLOW', station_id: 'CMD-SLOW', connectors: [connector] },
        { uid: 'CMD-OFF', station_id: 'CMD-OFF', connectors: [connector] },
      ],
    },
  });
  v16 = await bootedStation(anode, 'CMD-16', {
    handlers: {
      RemoteStartTransaction: () => ({ status: 'Accepted' }),
      RemoteStopTransaction: () => ({ status: 'Accepted' }),
      UnlockConnector: () => ({ status: 'Unlocked' }),
      ReserveNow: () => ({ status: 'Accepted' }),
    },
  });
  v201 = await bootedStation(anode, 'CMD-201', {
    version: 'ocpp2.0.1',
    handlers: { RequestStartTransaction: () => ({ status: 'Rejected' }), UnlockConnector: () => ({ status: 'UnlockFailed' }) },
  });
  await registerStation(anode, 'CMD-OFF');
});
afterAll(async () => {
  await v16?.close();
  await v201?.close();
  await emsp?.stop();
  await other?.stop();
  await anode?.stop();
});
afterAll(() => expect([...emsp.findings, ...other.findings]).toEqual([]));

const start = (partner: SimulatedEmsp, credentials: string, evseUid: string, uid: string, responsePath: string) =>
  partner.client(credentials).POST('/2.2.1/commands/START_SESSION', {
    params: { header: ids() },
    body: { response_url: `${partner.url}${responsePath}`, token: token(uid), location_id: 'CMD-LOC', evse_uid: evseUid, connector_id: '1' },
  });

describe('START_SESSION', () => {
  it('on an OCPP 1.6 station: answered ACCEPTED at once, RemoteStartTransaction sent, ACCEPTED posted to response_url', async () => {
    const { data } = await start(emsp, tokenC, 'CMD-16', 'APP-1', '/results/start-16');
    expect(data?.data).toEqual({ result: 'ACCEPTED', timeout: 1 });
    const result = await resultAt(emsp, '/results/start-16');
    expect(result.body).toEqual({ result: 'ACCEPTED' });
    expect(result.authorization).toBe(`Token ${Buffer.from(emsp.tokenForAnode).toString('base64')}`);
    expect(v16.received.at(-1)).toEqual({ action: 'RemoteStartTransaction', params: { idTag: 'APP-1', connectorId: 1 } });
  });

  it('the session the station then starts belongs to the partner that sent the command', async () => {
    const { transactionId } = await v16.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'APP-1', meterStart: 0, timestamp: new Date().toISOString() });
    const mine = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
    expect(mine.data?.data?.map((session) => session.id)).toEqual([String(transactionId)]);
    const theirs = await other.client(otherC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
    expect(theirs.data?.data).toEqual([]);
  });

  it('on an OCPP 2.0.1 station: RequestStartTransaction, and its Rejected posted as REJECTED', async () => {
    await start(emsp, tokenC, 'CMD-201', 'APP-2', '/results/start-201');
    expect((await resultAt(emsp, '/results/start-201')).body).toEqual({ result: 'REJECTED' });
    expect(v201.received.at(-1)?.action).toBe('RequestStartTransaction');
    expect(v201.received.at(-1)?.params).toMatchObject({ idToken: { idToken: 'APP-2', type: 'Central' }, evseId: 1 });
  });

  it('a station that never answers gives TIMEOUT', async () => {
    const slow = await bootedStation(anode, 'CMD-SLOW', { handlers: { RemoteStartTransaction: () => new Promise(() => {}) } });
    await start(emsp, tokenC, 'CMD-SLOW', 'APP-3', '/results/start-slow');
    expect((await resultAt(emsp, '/results/start-slow')).body).toMatchObject({ result: 'TIMEOUT' });
    await slow.close();
  });

  it('an offline station: REJECTED at once with a message (the command could not be sent to the charge point), no result follows', async () => {
    const { data } = await start(emsp, tokenC, 'CMD-OFF', 'APP-4', '/results/start-off');
    expect(data?.data).toEqual({ result: 'REJECTED', timeout: 1, message: [{ language: 'en', text: 'the charge point is offline' }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emsp.received.some((received) => received.path === '/results/start-off')).toBe(false);
  });

  it('an unknown location is answered with OCPI status 2003 in an HTTP 200, its CommandResponse REJECTED', async () => {
    const unknown = await emsp.client(tokenC).POST('/2.2.1/commands/START_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/x`, token: token('APP-5'), location_id: 'NOWHERE' },
    });
    expect(unknown.response.status).toBe(200);
    expect(unknown.data).toMatchObject({ status_code: 2003, data: { result: 'REJECTED' } });
  });

  it('a token of another party is REJECTED at once', async () => {
    const foreign = await start(other, otherC, 'CMD-16', 'APP-6', '/results/foreign');
    expect(foreign.data?.data?.result).toBe('REJECTED');
  });
});

describe('STOP_SESSION', () => {
  it('stops the partner own session (RemoteStopTransaction) and posts ACCEPTED', async () => {
    const sessions = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
    const sessionId = sessions.data!.data![0].id;
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/STOP_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/stop`, session_id: sessionId },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(emsp, '/results/stop')).body).toEqual({ result: 'ACCEPTED' });
    expect(v16.received.at(-1)).toEqual({ action: 'RemoteStopTransaction', params: { transactionId: Number(sessionId) } });
  });

  it('another party session, or an unknown one, is UNKNOWN_SESSION', async () => {
    const sessions = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
    const foreign = await other.client(otherC).POST('/2.2.1/commands/STOP_SESSION', {
      params: { header: ids() },
      body: { response_url: `${other.url}/results/stop`, session_id: sessions.data!.data![0].id },
    });
    expect(foreign.data?.data?.result).toBe('UNKNOWN_SESSION');
    const unknown = await emsp.client(tokenC).POST('/2.2.1/commands/STOP_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/none`, session_id: '999999' },
    });
    expect(unknown.data?.data?.result).toBe('UNKNOWN_SESSION');
  });
});

describe('UNLOCK_CONNECTOR', () => {
  it.each([
    ['CMD-16', '/results/unlock-16', 'ACCEPTED'],
    ['CMD-201', '/results/unlock-201', 'FAILED'],
  ])('on %s posts %s', async (evseUid, path, expected) => {
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/UNLOCK_CONNECTOR', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}${path}`, location_id: 'CMD-LOC', evse_uid: evseUid, connector_id: '1' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(emsp, path)).body).toEqual({ result: expected });
  });

  it('an unknown location is answered with OCPI status 2003 in an HTTP 200 and a REJECTED CommandResponse (the spec sequence)', async () => {
    const { data, response } = await emsp.client(tokenC).POST('/2.2.1/commands/UNLOCK_CONNECTOR', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/unlock-nowhere`, location_id: 'NOWHERE', evse_uid: 'CMD-16', connector_id: '1' },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ status_code: 2003, data: { result: 'REJECTED', timeout: 1 } });
  });

  it('an offline station is REJECTED at once with a message', async () => {
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/UNLOCK_CONNECTOR', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/unlock-off`, location_id: 'CMD-LOC', evse_uid: 'CMD-OFF', connector_id: '1' },
    });
    expect(data?.data).toEqual({ result: 'REJECTED', timeout: 1, message: [{ language: 'en', text: 'the charge point is offline' }] });
  });
});

describe('token uids longer than an OCPP 1.6 idTag (20 characters) start and reserve through a station idTag Anode resolves back', () => {
  const uuid = '8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60';
  const longToken = { ...token(uuid), contract_id: 'NL-EMS-C00000042' };
  let stationIdTag: string;

  it('START_SESSION on an OCPP 1.6 station: RemoteStartTransaction carries a 20-character idTag, not the uid', async () => {
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/START_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/long-16`, token: longToken, location_id: 'CMD-LOC', evse_uid: 'CMD-16', connector_id: '1', authorization_reference: 'LONG-REF' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(emsp, '/results/long-16')).body).toEqual({ result: 'ACCEPTED' });
    const sent = v16.received.at(-1)!;
    expect(sent.action).toBe('RemoteStartTransaction');
    stationIdTag = (sent.params as { idTag: string }).idTag;
    expect(stationIdTag.length).toBeLessThanOrEqual(20);
    expect(stationIdTag).not.toBe(uuid);
  });

  it('the StartTransaction with that idTag is accepted, and the session names the real uid and type, COMMAND and the reference', async () => {
    const started = await v16.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 1,
      idTag: stationIdTag,
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    expect(started.idTagInfo.status).toBe('Accepted');
    expect(await v16.call('Authorize', { idTag: stationIdTag })).toEqual({ idTagInfo: { status: 'Accepted' } });
    const { data } = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
    const session = data?.data?.find((candidate) => candidate.id === String(started.transactionId));
    expect(session).toMatchObject({
      cdr_token: { uid: uuid, type: 'APP_USER', contract_id: 'NL-EMS-C00000042', country_code: 'NL', party_id: 'EMS' },
      auth_method: 'COMMAND',
      authorization_reference: 'LONG-REF',
    });
    await v16.call('StopTransaction', { transactionId: started.transactionId, meterStop: 500, timestamp: new Date().toISOString() });
    const cdrs = await emsp.client(tokenC).GET('/2.2.1/cdrs', { params: { header: ids(), query: {} } });
    expect(cdrs.data?.data?.find((cdr) => cdr.session_id === String(started.transactionId))?.cdr_token).toMatchObject({ uid: uuid, type: 'APP_USER' });
  });

  it('RESERVE_NOW on an OCPP 1.6 station: ReserveNow carries the same station idTag, and a start with it uses the reservation', async () => {
    const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/RESERVE_NOW', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/long-reserve`, token: longToken, expiry_date: '2030-01-01T00:00:00Z', reservation_id: 'LONG-1', location_id: 'CMD-LOC', evse_uid: 'CMD-16' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    expect((await resultAt(emsp, '/results/long-reserve')).body).toEqual({ result: 'ACCEPTED' });
    const sent = v16.received.at(-1)!;
    expect(sent.action).toBe('ReserveNow');
    const { idTag, reservationId } = sent.params as { idTag: string; reservationId: number };
    expect(idTag).toBe(stationIdTag);
    const started = await v16.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 1,
      idTag,
      reservationId,
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    expect(started.idTagInfo.status).toBe('Accepted');
    const sessions = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
    expect(sessions.data?.data?.find((candidate) => candidate.id === String(started.transactionId))?.cdr_token).toMatchObject({ uid: uuid, type: 'APP_USER' });
    const { data: reservations } = await anode.admin.GET('/reservations', { params: { query: { status: 'USED' } } });
    expect(reservations?.find((reservation) => reservation.id === reservationId)?.transactionId).toBe(started.transactionId);
  });

  it('START_SESSION on an OCPP 2.0.1 station: the 36-character uid fits its idToken and is sent as it is', async () => {
    await emsp.client(tokenC).POST('/2.2.1/commands/START_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/long-201`, token: longToken, location_id: 'CMD-LOC', evse_uid: 'CMD-201', connector_id: '1' },
    });
    await resultAt(emsp, '/results/long-201');
    expect(v201.received.at(-1)?.params).toMatchObject({ idToken: { idToken: uuid, type: 'Central' } });
  });
});
