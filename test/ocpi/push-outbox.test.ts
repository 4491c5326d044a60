/**
 * The push outbox: what happens at the stations and in the admin API reaches the right OCPI partners, in order,
 * exactly once per version of each object, through failures of the partner and restarts of Anode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startIsolatedAnode, startTestAnode, type TestAnode, type TestDatabase } from '../support/anode.js';
import { ids, startEmsp, type Received, type SimulatedEmsp, registerEmsp, acConnector, appToken } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const FAST_PUSH = {
  OCPI_PUSH_POLL_MS: '50',
  OCPI_PUSH_RETRY_BASE_MS: '100',
  OCPI_PUSH_RETRY_MAX_MS: '300',
  OCPI_SESSION_UPDATE_SECONDS: '1',
  OCPI_COMMAND_TIMEOUT_SECONDS: '2',
  OCPI_PARTNER_TIMEOUT_SECONDS: '2',
};

const connector = (tariffIds: string[] = []) => ({ ...acConnector, ...(tariffIds.length > 0 && { tariff_ids: tariffIds }) });

const token = (countryCode: string, partyId: string, uid: string) => appToken(uid, countryCode, partyId);

const register = registerEmsp;

async function partyIdOf(anode: TestAnode, partner: SimulatedEmsp): Promise<number> {
  const { data } = await anode.admin.GET('/ocpi/parties');
  return data!.find((party) => party.endpoints.some((endpoint) => endpoint.url.startsWith(partner.url)))!.id;
}

const sessionCalls = (partner: SimulatedEmsp, sessionId: string) =>
  partner.received.filter((call) => call.path.endsWith(`/sessions/NL/ANO/${sessionId}`) || (call.path === '/ocpi/2.2.1/cdrs' && (call.body as { session_id?: string })?.session_id === sessionId));

const describeCall = (call: Received) => {
  const body = call.body as { status?: string } | undefined;
  return `${call.method} ${call.path.replace('/ocpi/2.2.1/', '').split('/')[0]}${body?.status ? ` ${body.status}` : ''}`;
};

/** An eMSP endpoint that can be made to fail; `taken` is what it accepted, in order. */
function flakyEndpoint(partner: SimulatedEmsp, key: string) {
  const state = { failing: false, taken: [] as unknown[] };
  partner.answers.set(key, (body) => {
    if (state.failing) return { status: 503, body: { status_code: 3000, status_message: 'down for maintenance', timestamp: new Date().toISOString() } };
    state.taken.push(body);
    return { status: 200, body: { status_code: 1000, timestamp: new Date().toISOString() } };
  });
  return state;
}

describe('pushes to the eMSP that issued the token, and to every receiver', () => {
  let anode: TestAnode;
  let emsp: SimulatedEmsp;
  let other: SimulatedEmsp;
  let emspC: string;
  let v16: SimulatedStation;
  let v201: SimulatedStation;

  beforeAll(async () => {
    anode = await startIsolatedAnode(FAST_PUSH);
    emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
    other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
    emspC = await register(anode, emsp, 'push-a-1');
    await register(anode, other, 'push-a-2');
    await anode.admin.PUT('/tariff/{tariffId}', {
      params: { path: { tariffId: 'PUSH-KWH' } },
      body: { country_code: 'NL', party_id: 'ANO', id: 'PUSH-KWH', currency: 'EUR', elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, step_size: 1 }] }], last_updated: '2024-01-01T00:00:00Z' },
    });
    await anode.admin.POST('/location/{locationId}', {
      params: { path: { locationId: 'PUSH-LOC' } },
      body: {
        address: 'Markt 1',
        city: 'Gouda',
        country: 'NLD',
        coordinates: { latitude: '52.01167', longitude: '4.71056' },
        evses: [
          { uid: 'PUSH-16', station_id: 'PUSH-16', connectors: [connector(['PUSH-KWH'])] },
          { uid: 'PUSH-201', station_id: 'PUSH-201', ocpp_evse_id: 1, connectors: [connector(['PUSH-KWH'])] },
        ],
      },
    });
    v16 = await bootedStation(anode, 'PUSH-16', { handlers: { RemoteStartTransaction: () => ({ status: 'Accepted' }) } });
    v201 = await bootedStation(anode, 'PUSH-201', { version: 'ocpp2.0.1' });
  });
  afterAll(async () => {
    await v16?.close();
    await v201?.close();
    await emsp?.stop();
    await other?.stop();
    await anode?.stop();
  });
  afterAll(() => expect([...(emsp?.findings ?? []), ...(other?.findings ?? [])]).toEqual([]));

  it('a location registered in the admin API is PUT to every locations receiver', async () => {
    for (const partner of [emsp, other]) {
      const put = await eventually(async () => {
        const call = partner.received.find((received) => received.method === 'PUT' && received.path === '/ocpi/2.2.1/locations/NL/ANO/PUSH-LOC');
        expect(call).toBeDefined();
        return call!;
      });
      expect(put.body).toMatchObject({ id: 'PUSH-LOC', city: 'Gouda', evses: [{ uid: 'PUSH-16' }, { uid: 'PUSH-201' }] });
      expect(put.headers['ocpi-from-party-id']).toBe('ANO');
    }
  });

  it('a tariff is PUT to every tariffs receiver, and a deleted one DELETEd', async () => {
    await anode.admin.PUT('/tariff/{tariffId}', {
      params: { path: { tariffId: 'PUSH-GONE' } },
      body: { country_code: 'NL', party_id: 'ANO', id: 'PUSH-GONE', currency: 'EUR', elements: [{ price_components: [{ type: 'FLAT', price: 1, step_size: 1 }] }], last_updated: '2024-01-01T00:00:00Z' },
    });
    await anode.admin.DELETE('/tariff/{tariffId}', { params: { path: { tariffId: 'PUSH-GONE' } } });
    for (const partner of [emsp, other]) {
      await eventually(async () => {
        const calls = partner.received.filter((received) => received.path === '/ocpi/2.2.1/tariffs/NL/ANO/PUSH-GONE').map((call) => call.method);
        expect(calls).toEqual(['PUT', 'DELETE']);
      });
    }
  });

  it('a station status change is PATCHed on the EVSE to every locations receiver', async () => {
    await v16.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Faulted', timestamp: new Date().toISOString() });
    for (const partner of [emsp, other]) {
      await eventually(async () => {
        const patch = partner.received.find((received) => received.method === 'PATCH' && received.path === '/ocpi/2.2.1/locations/NL/ANO/PUSH-LOC/PUSH-16');
        expect(patch?.body).toMatchObject({ status: 'OUTOFORDER' });
        expect(typeof (patch?.body as { last_updated?: unknown }).last_updated).toBe('string');
      });
    }
    await v16.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: new Date().toISOString() });
  });

  it('OCPP 1.6: remote start → session PUT, progress PATCHed, stop → session PUT COMPLETED, then the CDR POSTed, to that eMSP only', async () => {
    const { data } = await emsp.client(emspC).POST('/2.2.1/commands/START_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/push-start`, token: token('NL', 'EMS', 'PUSH-APP-1'), location_id: 'PUSH-LOC', evse_uid: 'PUSH-16', connector_id: '1' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    await eventually(async () => expect(v16.received.some((call) => call.action === 'RemoteStartTransaction')).toBe(true));
    const started = new Date();
    const { transactionId } = await v16.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'PUSH-APP-1', meterStart: 1000, timestamp: started.toISOString() });
    const sessionId = String(transactionId);
    await eventually(async () => expect(sessionCalls(emsp, sessionId).map(describeCall)).toEqual(['PUT sessions ACTIVE']));

    // Two readings within one update interval make one PATCH; a reading after the interval makes another.
    const reading = async (wh: number) =>
      v16.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await reading(3000);
    await reading(3500);
    await eventually(async () => expect(sessionCalls(emsp, sessionId).map(describeCall)).toEqual(['PUT sessions ACTIVE', 'PATCH sessions ACTIVE']));
    expect(sessionCalls(emsp, sessionId)[1].body).toMatchObject({ kwh: 2, status: 'ACTIVE' });

    await v16.call('StopTransaction', { transactionId, meterStop: 6000, timestamp: new Date().toISOString(), reason: 'Remote' });
    const calls = await eventually(async () => {
      const seen = sessionCalls(emsp, sessionId);
      expect(seen.map(describeCall)).toEqual(['PUT sessions ACTIVE', 'PATCH sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']);
      return seen;
    });
    expect(calls[2].body).toMatchObject({ id: sessionId, status: 'COMPLETED', kwh: 5, cdr_token: { uid: 'PUSH-APP-1', party_id: 'EMS' } });
    expect(calls[3].body).toMatchObject({
      id: `NLANO-${transactionId}`,
      session_id: sessionId,
      total_energy: 5,
      currency: 'EUR',
      total_cost: { excl_vat: 1.5 },
      cdr_location: { evse_uid: 'PUSH-16', evse_id: 'NL*ANO*EPUSH16' },
    });
    expect(other.received.filter((call) => call.path.includes('/sessions/') || call.path.endsWith('/cdrs'))).toEqual([]);
  });

  it('OCPP 2.0.1: TransactionEvent Started and Ended push the session and the CDR the same way', async () => {
    await emsp.client(emspC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: 'PUSH-CARD-2' } },
      body: { ...token('NL', 'EMS', 'PUSH-CARD-2'), type: 'RFID' },
    });
    const event = (eventType: string, seqNo: number, wh: number, extra: Record<string, unknown> = {}) =>
      v201.call('TransactionEvent', {
        eventType,
        timestamp: new Date().toISOString(),
        triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'StopAuthorized' : 'MeterValuePeriodic',
        seqNo,
        transactionInfo: { transactionId: 'PUSH-TX-201', ...(eventType === 'Ended' && { stoppedReason: 'Local' }) },
        evse: { id: 1, connectorId: 1 },
        meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }],
        ...extra,
      });
    await event('Started', 0, 0, { idToken: { idToken: 'PUSH-CARD-2', type: 'ISO14443' } });
    await event('Ended', 1, 2000);
    const calls = await eventually(async () => {
      const seen = emsp.received.filter((call) => (call.body as { cdr_token?: { uid?: string } } | undefined)?.cdr_token?.uid === 'PUSH-CARD-2');
      expect(seen.map(describeCall)).toEqual(['PUT sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']);
      return seen;
    });
    expect(calls[1].body).toMatchObject({ status: 'COMPLETED', kwh: 2, evse_uid: 'PUSH-201' });
    expect(calls[2].body).toMatchObject({ total_energy: 2, cdr_location: { evse_uid: 'PUSH-201' } });
    expect(other.received.filter((call) => JSON.stringify(call.body ?? {}).includes('PUSH-CARD-2'))).toEqual([]);
  });

  it('OCPP 2.0.1 E02, cable plugged in first: the token of a later Updated event is authorized and kept, and the session and CDR reach its eMSP', async () => {
    await emsp.client(emspC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: 'PUSH-CARD-E02' } },
      body: { ...token('NL', 'EMS', 'PUSH-CARD-E02'), type: 'RFID' },
    });
    const event = (eventType: string, seqNo: number, wh: number, triggerReason: string, extra: Record<string, unknown> = {}) =>
      v201.call('TransactionEvent', {
        eventType,
        timestamp: new Date().toISOString(),
        triggerReason,
        seqNo,
        transactionInfo: { transactionId: 'PUSH-TX-E02', ...(eventType === 'Ended' && { stoppedReason: 'EVDisconnected' }) },
        evse: { id: 1, connectorId: 1 },
        meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }],
        ...extra,
      });
    expect(await event('Started', 0, 0, 'CablePluggedIn')).toEqual({});
    const answer = await event('Updated', 1, 100, 'Authorized', { idToken: { idToken: 'PUSH-CARD-E02', type: 'ISO14443' } });
    expect(answer).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    // the same event again (a station retrying) changes nothing
    await event('Updated', 1, 100, 'Authorized', { idToken: { idToken: 'PUSH-CARD-E02', type: 'ISO14443' } });
    await event('Ended', 2, 3000, 'EVCommunicationLost');

    const calls = await eventually(async () => {
      const seen = emsp.received.filter((call) => (call.body as { cdr_token?: { uid?: string } } | undefined)?.cdr_token?.uid === 'PUSH-CARD-E02');
      expect(seen.map(describeCall)).toEqual(['PUT sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']);
      return seen;
    });
    expect(calls[1].body).toMatchObject({ status: 'COMPLETED', kwh: 3, evse_uid: 'PUSH-201', cdr_token: { uid: 'PUSH-CARD-E02', type: 'RFID' } });
    expect(calls[2].body).toMatchObject({ total_energy: 3, cdr_token: { uid: 'PUSH-CARD-E02' }, cdr_location: { evse_uid: 'PUSH-201' } });
    expect(other.received.filter((call) => JSON.stringify(call.body ?? {}).includes('PUSH-CARD-E02'))).toEqual([]);

    const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'PUSH-201' } } });
    expect(data?.find((transaction) => transaction.stationTransactionId === 'PUSH-TX-E02')).toMatchObject({
      idTag: 'PUSH-CARD-E02',
      authorizationStatus: 'Accepted',
    });
  });

  it('OCPP 2.0.1: a transaction started with a token keeps the status Anode answered it with', async () => {
    const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'PUSH-201' } } });
    expect(data?.find((transaction) => transaction.stationTransactionId === 'PUSH-TX-201')).toMatchObject({
      idTag: 'PUSH-CARD-2',
      authorizationStatus: 'Accepted',
    });
  });

  it('the admin API shows each party with an empty outbox once everything is delivered', async () => {
    await eventually(async () => {
      const { data } = await anode.admin.GET('/ocpi/parties');
      expect(data?.map((party) => party.outbox)).toEqual([
        { pending: 0, failed: 0, lastError: null },
        { pending: 0, failed: 0, lastError: null },
      ]);
    });
  });
});

describe('an eMSP that fails for a while, then recovers', () => {
  let anode: TestAnode;
  let emsp: SimulatedEmsp;
  let other: SimulatedEmsp;
  let station: SimulatedStation;

  beforeAll(async () => {
    anode = await startIsolatedAnode(FAST_PUSH);
    emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
    other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
    await register(anode, emsp, 'flaky-a-1');
    await register(anode, other, 'flaky-a-2');
    await anode.admin.POST('/location/{locationId}', {
      params: { path: { locationId: 'FLAKY-LOC' } },
      body: { address: 'Dam 1', city: 'Amsterdam', country: 'NLD', coordinates: { latitude: '52.37302', longitude: '4.89279' }, evses: [{ uid: 'FLAKY-CS', connectors: [connector()] }] },
    });
    station = await bootedStation(anode, 'FLAKY-CS');
  });
  afterAll(async () => {
    await station?.close();
    await emsp?.stop();
    await other?.stop();
    await anode?.stop();
  });

  const statuses = ['Charging', 'Faulted', 'Unavailable', 'Reserved', 'Available'];
  const expected = ['CHARGING', 'OUTOFORDER', 'INOPERATIVE', 'RESERVED', 'AVAILABLE'];

  it('receives every status in order, each exactly once, and the others are not held up meanwhile', async () => {
    const evse = flakyEndpoint(emsp, 'PATCH /ocpi/2.2.1/locations/NL/ANO/FLAKY-LOC/FLAKY-CS');
    const seenByOther = flakyEndpoint(other, 'PATCH /ocpi/2.2.1/locations/NL/ANO/FLAKY-LOC/FLAKY-CS');
    await eventually(async () => expect(emsp.received.some((call) => call.path === '/ocpi/2.2.1/locations/NL/ANO/FLAKY-LOC')).toBe(true));
    evse.failing = true;
    for (const status of statuses) {
      await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status, timestamp: new Date().toISOString() });
    }
    // The other eMSP has all of it while the first one still refuses.
    await eventually(async () => expect(seenByOther.taken.map((body) => (body as { status: string }).status)).toEqual(expected));
    expect(evse.taken).toEqual([]);
    const emspParty = await partyIdOf(anode, emsp);
    const { data: waiting } = await anode.admin.GET('/ocpi/parties/{partyId}/outbox', { params: { path: { partyId: emspParty }, query: {} } });
    expect(waiting?.map((entry) => (entry.body as { status: string }).status)).toEqual(expected);
    await eventually(async () => {
      const { data } = await anode.admin.GET('/ocpi/parties/{partyId}/outbox', { params: { path: { partyId: emspParty }, query: {} } });
      expect(data?.[0]).toMatchObject({ kind: 'evse.patch', status: 'PENDING', lastError: expect.stringContaining('HTTP 503') });
      expect(data?.[0].attempts).toBeGreaterThan(0);
    });
    const { data: party } = await anode.admin.GET('/ocpi/parties/{partyId}', { params: { path: { partyId: emspParty } } });
    expect(party?.outbox).toMatchObject({ pending: expected.length, failed: 0, lastError: expect.stringContaining('down for maintenance') });

    evse.failing = false;
    await eventually(async () => expect(evse.taken.map((body) => (body as { status: string }).status)).toEqual(expected), 10_000);
    const lastUpdated = evse.taken.map((body) => (body as { last_updated: string }).last_updated);
    expect([...lastUpdated].sort()).toEqual(lastUpdated);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(evse.taken).toHaveLength(expected.length);
    const { data: empty } = await anode.admin.GET('/ocpi/parties/{partyId}/outbox', { params: { path: { partyId: emspParty }, query: {} } });
    expect(empty).toEqual([]);
  });

  it('a partner that does not answer at all holds up only itself', async () => {
    const silent = { asked: 0, answered: 0 };
    emsp.answers.set('PATCH /ocpi/2.2.1/locations/NL/ANO/FLAKY-LOC/FLAKY-CS', async () => {
      silent.asked += 1;
      await new Promise((resolve) => setTimeout(resolve, 5000));
      silent.answered += 1;
      return { status: 200, body: { status_code: 1000, timestamp: new Date().toISOString() } };
    });
    const before = other.received.length;
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: new Date().toISOString() });
    await eventually(async () => expect(silent.asked).toBe(1));
    await eventually(async () => expect(other.received.slice(before).some((call) => (call.body as { status?: string })?.status === 'CHARGING')).toBe(true));
    expect(silent.answered).toBe(0);
    emsp.answers.delete('PATCH /ocpi/2.2.1/locations/NL/ANO/FLAKY-LOC/FLAKY-CS');
  });
});

describe('what the operator can do with an outbox', () => {
  let anode: TestAnode;
  let emsp: SimulatedEmsp;
  let partyId: number;

  beforeAll(async () => {
    anode = await startIsolatedAnode({ ...FAST_PUSH, OCPI_PUSH_MAX_ATTEMPTS: '2' });
    emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
    await register(anode, emsp, 'operator-a-1');
    partyId = await partyIdOf(anode, emsp);
  });
  afterAll(async () => {
    await emsp?.stop();
    await anode?.stop();
  });

  const putTariff = (id: string, price: number) =>
    anode.admin.PUT('/tariff/{tariffId}', {
      params: { path: { tariffId: id } },
      body: { country_code: 'NL', party_id: 'ANO', id, currency: 'EUR', elements: [{ price_components: [{ type: 'FLAT', price, step_size: 1 }] }], last_updated: '2024-01-01T00:00:00Z' },
    });
  const outbox = async (status?: 'PENDING' | 'FAILED') =>
    (await anode.admin.GET('/ocpi/parties/{partyId}/outbox', { params: { path: { partyId }, query: status ? { status } : {} } })).data!;
  const priceOf = (body: unknown) => (body as { elements: Array<{ price_components: Array<{ price: number }> }> }).elements[0].price_components[0].price;

  it('an entry that used up its attempts is FAILED and holds back later versions of its object', async () => {
    const tariff = flakyEndpoint(emsp, 'PUT /ocpi/2.2.1/tariffs/NL/ANO/OP-T');
    tariff.failing = true;
    await putTariff('OP-T', 1);
    await putTariff('OP-T', 2);
    await eventually(async () => expect((await outbox('FAILED')).map((entry) => priceOf(entry.body))).toEqual([1]));
    expect((await outbox('PENDING')).map((entry) => priceOf(entry.body))).toEqual([2]);
    const failed = (await outbox('FAILED'))[0];
    expect(failed.attempts).toBe(2);
    expect(failed.lastError).toContain('HTTP 503');
  });

  it('retry sends it again now, and what it held back follows in order', async () => {
    const tariff = flakyEndpoint(emsp, 'PUT /ocpi/2.2.1/tariffs/NL/ANO/OP-T');
    const [failed] = await outbox('FAILED');
    const { data, response } = await anode.admin.POST('/ocpi/parties/{partyId}/outbox/{entryId}/retry', { params: { path: { partyId, entryId: failed.id } } });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ id: failed.id, status: 'PENDING', attempts: 0 });
    await eventually(async () => expect(tariff.taken.map(priceOf)).toEqual([1, 2]));
    // the eMSP has it before Anode has deleted the entry
    await eventually(async () => expect(await outbox()).toEqual([]));
  });

  it('drop gives up on an entry, and the next version of the object goes', async () => {
    const tariff = flakyEndpoint(emsp, 'PUT /ocpi/2.2.1/tariffs/NL/ANO/OP-T');
    tariff.failing = true;
    await putTariff('OP-T', 3);
    await eventually(async () => expect((await outbox('FAILED')).map((entry) => priceOf(entry.body))).toEqual([3]));
    await putTariff('OP-T', 4);
    tariff.failing = false;
    const [failed] = await outbox('FAILED');
    const dropped = await anode.admin.DELETE('/ocpi/parties/{partyId}/outbox/{entryId}', { params: { path: { partyId, entryId: failed.id } } });
    expect(dropped.response.status).toBe(204);
    await eventually(async () => expect(tariff.taken.map(priceOf)).toEqual([4]));
  });

  it('unregistering a party drops what still waited for it', async () => {
    const tariff = flakyEndpoint(emsp, 'PUT /ocpi/2.2.1/tariffs/NL/ANO/OP-GONE');
    tariff.failing = true;
    await putTariff('OP-GONE', 5);
    await eventually(async () => expect((await outbox()).map((entry) => priceOf(entry.body))).toEqual([5]));
    const other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
    const otherId = await register(anode, other, 'operator-a-2').then(() => partyIdOf(anode, other));
    const gone = await anode.admin.DELETE('/ocpi/parties/{partyId}', { params: { path: { partyId: otherId } } });
    expect(gone.response.status).toBe(204);
    expect(await outbox()).toHaveLength(1); // the first party's entry stays
    await other.stop();
    const dropped = await anode.admin.DELETE('/ocpi/parties/{partyId}', { params: { path: { partyId } } });
    expect(dropped.response.status).toBe(204);
    expect(await outbox()).toEqual([]);
    const { data } = await anode.admin.GET('/ocpi/parties/{partyId}', { params: { path: { partyId } } });
    expect(data?.outbox).toEqual({ pending: 0, failed: 0, lastError: null });
  });

  it('unknown entries and parties are 404 with a JSON body; a bad status filter is a 400', async () => {
    const missing = await anode.admin.DELETE('/ocpi/parties/{partyId}/outbox/{entryId}', { params: { path: { partyId, entryId: 999999 } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ status: expect.any(String) });
    const retryMissing = await anode.admin.POST('/ocpi/parties/{partyId}/outbox/{entryId}/retry', { params: { path: { partyId, entryId: 999999 } } });
    expect(retryMissing.response.status).toBe(404);
    const noParty = await anode.admin.GET('/ocpi/parties/{partyId}/outbox', { params: { path: { partyId: 424242 }, query: {} } });
    expect(noParty.response.status).toBe(404);
    const badFilter = await fetch(`${anode.url}/api/v0/ocpi/parties/${partyId}/outbox?status=SENT`);
    expect(badFilter.status).toBe(400);
    expect(await badFilter.json()).toMatchObject({ error: expect.stringContaining('status') });
  });
});

describe('an Anode restart in the middle loses nothing', () => {
  let database: TestDatabase;
  let emsp: SimulatedEmsp;
  afterAll(async () => {
    await emsp?.stop();
    await database?.drop();
  });

  it('what was queued before the stop is delivered after the start, in order', async () => {
    database = await createTestDatabase({ persistent: true });
    const first = await startTestAnode(database, FAST_PUSH);
    emsp = await startEmsp(first.url, { countryCode: 'NL', partyId: 'EMS' });
    const emspC = await register(first, emsp, 'restart-a-1');
    const sessions = flakyEndpoint(emsp, 'PUT /ocpi/2.2.1/sessions/NL/ANO/1');
    const cdrs = flakyEndpoint(emsp, 'POST /ocpi/2.2.1/cdrs');
    const evse = flakyEndpoint(emsp, 'PATCH /ocpi/2.2.1/locations/NL/ANO/RESTART-LOC/RESTART-CS');
    sessions.failing = true;
    cdrs.failing = true;
    evse.failing = true;
    await first.admin.POST('/location/{locationId}', {
      params: { path: { locationId: 'RESTART-LOC' } },
      body: { address: 'Vaartweg 1', city: 'Hilversum', country: 'NLD', coordinates: { latitude: '52.22333', longitude: '5.17639' }, evses: [{ uid: 'RESTART-CS', connectors: [connector()] }] },
    });
    await emsp.client(emspC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: 'RESTART-CARD' } },
      body: { ...token('NL', 'EMS', 'RESTART-CARD'), type: 'RFID' },
    });
    const cs = await bootedStation(first, 'RESTART-CS');
    await cs.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: new Date().toISOString() });
    const { transactionId } = await cs.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'RESTART-CARD', meterStart: 0, timestamp: new Date().toISOString() });
    expect(transactionId).toBe(1);
    await cs.call('StopTransaction', { transactionId, meterStop: 4000, timestamp: new Date().toISOString(), reason: 'Local' });
    await cs.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: new Date().toISOString() });
    await eventually(async () => {
      const { data } = await first.admin.GET('/ocpi/parties/{partyId}/outbox', { params: { path: { partyId: await partyIdOf(first, emsp) }, query: {} } });
      expect(data?.map((entry) => entry.kind)).toEqual(['evse.patch', 'session.put', 'session.put', 'cdr.post', 'evse.patch']);
      // the first entry of each object was tried; the later ones wait behind it
      expect(data?.map((entry) => entry.attempts > 0)).toEqual([true, true, false, false, false]);
    });
    await cs.close();
    await first.stop();

    const second = await startTestAnode(database, FAST_PUSH);
    try {
      sessions.failing = false;
      cdrs.failing = false;
      evse.failing = false;
      await eventually(async () => {
        expect(sessions.taken.map((body) => (body as { status: string }).status)).toEqual(['ACTIVE', 'COMPLETED']);
        expect(cdrs.taken.map((body) => (body as { session_id: string }).session_id)).toEqual(['1']);
        expect(evse.taken.map((body) => (body as { status: string }).status)).toEqual(['CHARGING', 'AVAILABLE']);
      }, 10_000);
    } finally {
      await second.stop();
    }
  });
});

