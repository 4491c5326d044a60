import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp, registerEmsp } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let emsp: SimulatedEmsp;
let other: SimulatedEmsp;
let tokenC: string;
let otherC: string;
let station: SimulatedStation;

const register = (partner: SimulatedEmsp, tokenA: string) => registerEmsp(anode, partner, tokenA);

const pushToken = (partner: SimulatedEmsp, credentials: string, uid: string, countryCode: string, partyId: string) =>
  partner.client(credentials).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: countryCode, party_id: partyId, token_uid: uid } },
    body: { country_code: countryCode, party_id: partyId, uid, type: 'RFID', contract_id: `${countryCode}-${partyId}-${uid}`, issuer: 'x', valid: true, whitelist: 'ALWAYS', last_updated: '2024-01-01T00:00:00Z' },
  });

const since = '2000-01-01T00:00:00Z';

beforeAll(async () => {
  anode = await startIsolatedAnode();
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
  tokenC = await register(emsp, 'sessions-a-1');
  otherC = await register(other, 'sessions-a-2');
  await anode.admin.PUT('/tariff/{tariffId}', {
    params: { path: { tariffId: 'KWH25' } },
    body: { country_code: 'NL', party_id: 'ANO', id: 'KWH25', currency: 'EUR', elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 21, step_size: 1 }] }], last_updated: since },
  });
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'SES-LOC' } },
    body: {
      address: 'Kerkstraat 1',
      city: 'Delft',
      country: 'NLD',
      coordinates: { latitude: '52.01160', longitude: '4.35712' },
      evses: [{ uid: 'SES-E1', evse_id: 'NL*ANO*ESES1', station_id: 'SES-CS', connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 400, max_amperage: 32, tariff_ids: ['KWH25'] }] }],
    },
  });
  await pushToken(emsp, tokenC, 'NL-CARD-1', 'NL', 'EMS');
  await pushToken(other, otherC, 'DE-CARD-1', 'DE', 'OTH');
  station = await bootedStation(anode, 'SES-CS');
});
afterAll(async () => {
  await station?.close();
  await emsp?.stop();
  await other?.stop();
  await anode?.stop();
});
afterAll(() => expect([...emsp.findings, ...other.findings]).toEqual([]));

const sessionsOf = async (partner: SimulatedEmsp, credentials: string, query: Record<string, unknown> = {}) =>
  partner.client(credentials).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: since, ...query } } });

describe('sessions: one per OCPP transaction, seen only by the party that issued the token', () => {
  let transactionId: number;

  it('a running transaction is an ACTIVE session with its kWh and cost from the connector tariff', async () => {
    ({ transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'NL-CARD-1', meterStart: 1000, timestamp: '2024-06-01T10:00:00Z' }));
    await station.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: '2024-06-01T10:30:00Z', sampledValue: [{ value: '6000', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    const { data, response } = await sessionsOf(emsp, tokenC);
    expect(response.headers.get('X-Total-Count')).toBe('1');
    expect(data?.data?.[0]).toMatchObject({
      country_code: 'NL',
      party_id: 'ANO',
      id: String(transactionId),
      kwh: 5,
      status: 'ACTIVE',
      location_id: 'SES-LOC',
      evse_uid: 'SES-E1',
      connector_id: '1',
      currency: 'EUR',
      cdr_token: { uid: 'NL-CARD-1', country_code: 'NL', party_id: 'EMS', type: 'RFID' },
      total_cost: { excl_vat: 1.25, incl_vat: 1.51 },
    });
  });

  it('another party sees none of it', async () => {
    const { data, response } = await sessionsOf(other, otherC);
    expect(data?.data).toEqual([]);
    expect(response.headers.get('X-Total-Count')).toBe('0');
  });

  it('date_from may be left out, as the endpoint structure and its example (…/sessions/?offset=0) do: no lower bound', async () => {
    const response = await fetch(`${anode.url}/ocpi/2.2.1/sessions?offset=0`, { headers: { Authorization: `Token ${Buffer.from(tokenC).toString('base64')}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status_code: number; data: Array<{ id: string }> };
    expect(body.status_code).toBe(1000);
    const withBound = await sessionsOf(emsp, tokenC);
    expect(body.data.map((session) => session.id)).toEqual(withBound.data!.data!.map((session) => session.id));
    expect(body.data.length).toBeGreaterThan(0);
  });

  it('a stopped transaction is COMPLETED and gets a CDR priced with the tariff, for its party only', async () => {
    await station.call('StopTransaction', { transactionId, meterStop: 11000, timestamp: '2024-06-01T11:00:00Z', reason: 'EVDisconnected' });
    const session = await sessionsOf(emsp, tokenC);
    expect(session.data?.data?.[0]).toMatchObject({ status: 'COMPLETED', kwh: 10, end_date_time: '2024-06-01T11:00:00.000Z' });
    const cdr = await eventually(async () => {
      const { data } = await emsp.client(tokenC).GET('/2.2.1/cdrs', { params: { header: ids() } });
      expect(data?.data).toHaveLength(1);
      return data!.data![0];
    });
    expect(cdr).toMatchObject({
      id: `NLANO-${transactionId}`,
      session_id: String(transactionId),
      currency: 'EUR',
      total_energy: 10,
      total_time: 1,
      total_cost: { excl_vat: 2.5, incl_vat: 3.03 },
      total_energy_cost: { excl_vat: 2.5, incl_vat: 3.03 },
      cdr_location: { id: 'SES-LOC', evse_uid: 'SES-E1', evse_id: 'NL*ANO*ESES1', connector_id: '1', connector_standard: 'IEC_62196_T2' },
      tariffs: [expect.objectContaining({ id: 'KWH25' })],
    });
    expect(cdr.charging_periods.length).toBeGreaterThan(0);
    const none = await other.client(otherC).GET('/2.2.1/cdrs', { params: { header: ids() } });
    expect(none.data?.data).toEqual([]);
  });

  it('a repeated StopTransaction makes no second CDR', async () => {
    await station.call('StopTransaction', { transactionId, meterStop: 11000, timestamp: '2024-06-01T11:00:00Z' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { data } = await emsp.client(tokenC).GET('/2.2.1/cdrs', { params: { header: ids() } });
    expect(data?.data).toHaveLength(1);
  });

  it('the other party sees its own sessions, paginated', async () => {
    for (let i = 0; i < 3; i += 1) {
      await station.call('StartTransaction', { connectorId: 1, idTag: 'DE-CARD-1', meterStart: 0, timestamp: `2024-07-0${i + 1}T10:00:00Z` });
    }
    const first = await sessionsOf(other, otherC, { limit: 2 });
    expect(first.data?.data).toHaveLength(2);
    expect(first.response.headers.get('X-Total-Count')).toBe('3');
    expect(first.response.headers.get('Link')).toContain('offset=2');
    const rest = await sessionsOf(other, otherC, { offset: 2, limit: 2 });
    expect(rest.data?.data).toHaveLength(1);
    expect([...first.data!.data!, ...rest.data!.data!].every((entry) => entry.cdr_token.party_id === 'OTH')).toBe(true);
  });
});

describe('charging preferences', () => {
  it('are answered NOT_POSSIBLE: Anode does not plan charging from preferences', async () => {
    const { data } = await emsp.client(tokenC).PUT('/2.2.1/sessions/{session_id}/charging_preferences', {
      params: { header: ids(), path: { session_id: '1' } },
      body: { profile_type: 'FAST' },
    });
    expect(data?.data).toBe('NOT_POSSIBLE');
  });
});
