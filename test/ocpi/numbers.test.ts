import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, registerEmsp, startEmsp, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

// OCPI's number type (types.asciidoc) allows at most four digits after the decimal point.

let anode: TestAnode;
let emsp: SimulatedEmsp;
let tokenC: string;
let station: SimulatedStation;

/** Every number in a JSON value whose decimal form has more than four digits after the point, with its path. */
function longNumbers(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return /^-?\d+(\.\d{1,4})?$/.test(String(value)) ? [] : [`${path} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((item, index) => longNumbers(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => longNumbers(item, `${path}.${key}`));
  return [];
}

beforeAll(async () => {
  anode = await startIsolatedAnode();
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  tokenC = await registerEmsp(anode, emsp, 'numbers-a-1');
  // Prices with more decimals than OCPI allows, as an operator may type them.
  const tariff = await anode.admin.PUT('/tariff/{tariffId}', {
    params: { path: { tariffId: 'ODD' } },
    body: {
      country_code: 'NL',
      party_id: 'ANO',
      id: 'ODD',
      currency: 'EUR',
      elements: [
        {
          price_components: [
            { type: 'ENERGY', price: 0.123456789, vat: 21.123456, step_size: 1 },
            { type: 'TIME', price: 1.23456789, vat: 21.123456, step_size: 1 },
          ],
          restrictions: { min_kwh: 0.000011, max_power: 22.22222222 },
        },
      ],
      last_updated: '2024-01-01T00:00:00Z',
    },
  });
  expect(tariff.response.status).toBeLessThan(300);
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'NUM-LOC' } },
    body: {
      address: 'Kerkstraat 1',
      city: 'Delft',
      country: 'NLD',
      coordinates: { latitude: '52.01160', longitude: '4.35712' },
      evses: [
        {
          uid: 'NUM-E1',
          station_id: 'NUM-CS',
          connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 400, max_amperage: 32, tariff_ids: ['ODD'] }],
        },
      ],
    },
  });
  await emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: 'NUM-CARD' } },
    body: { country_code: 'NL', party_id: 'EMS', uid: 'NUM-CARD', type: 'RFID', contract_id: 'NL-EMS-NUM', issuer: 'x', valid: true, whitelist: 'ALWAYS', last_updated: '2024-01-01T00:00:00Z' },
  });
  station = await bootedStation(anode, 'NUM-CS');
});
afterAll(async () => {
  await station?.close();
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp.findings).toEqual([]));

describe('numbers in sessions, CDRs and tariffs have at most four decimals', () => {
  it('a session whose energy and time divide unevenly is pushed, and its CDR posted, with no number longer than four decimals', async () => {
    // 1237 s is 0.34361… h; 3333 Wh over it at the odd prices above gives long fractions everywhere.
    const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: 'NUM-CARD',
      meterStart: 1000,
      timestamp: '2024-06-01T10:00:00Z',
    });
    await station.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: '2024-06-01T10:07:13Z', sampledValue: [{ value: '2111', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    await station.call('StopTransaction', { transactionId, meterStop: 4333, timestamp: '2024-06-01T10:20:37Z', reason: 'EVDisconnected' });
    const cdrPush = await eventually(async () => {
      const post = emsp.received.find((request) => request.method === 'POST' && request.path === '/ocpi/2.2.1/cdrs');
      expect(post).toBeDefined();
      return post!;
    });
    const sessionPushes = emsp.received.filter((request) => request.path.startsWith('/ocpi/2.2.1/sessions/'));
    expect(sessionPushes.length).toBeGreaterThan(0);
    const cdr = cdrPush.body as { total_time: number; total_energy: number; total_cost: { excl_vat: number } };
    // The figures are there, rounded rather than dropped.
    expect(cdr.total_time).toBe(0.3436);
    expect(cdr.total_energy).toBe(3.333);
    expect(cdr.total_cost.excl_vat).toBeGreaterThan(0);
    expect(longNumbers(cdrPush.body, 'pushed CDR')).toEqual([]);
    expect(sessionPushes.flatMap((push) => longNumbers(push.body, `${push.method} ${push.path}`))).toEqual([]);
  });

  it('the sessions and CDRs lists answer the same numbers rounded', async () => {
    const sessions = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids() } });
    const cdrs = await emsp.client(tokenC).GET('/2.2.1/cdrs', { params: { header: ids() } });
    expect(sessions.data?.data?.length).toBeGreaterThan(0);
    expect(cdrs.data?.data?.length).toBeGreaterThan(0);
    expect(longNumbers(sessions.data, 'sessions')).toEqual([]);
    expect(longNumbers(cdrs.data, 'cdrs')).toEqual([]);
  });

  it('a tariff stored with long prices is answered and pushed with four decimals at most', async () => {
    const { data } = await emsp.client(tokenC).GET('/2.2.1/tariffs', { params: { header: ids() } });
    const tariff = data?.data?.find((candidate) => candidate.id === 'ODD');
    expect(tariff?.elements[0].price_components[0]).toMatchObject({ price: 0.1235, vat: 21.1235 });
    expect(longNumbers(data, 'tariffs')).toEqual([]);
    const pushed = emsp.received.filter((request) => request.method === 'PUT' && request.path.startsWith('/ocpi/2.2.1/tariffs/'));
    expect(pushed.length).toBeGreaterThan(0);
    expect(pushed.flatMap((push) => longNumbers(push.body, push.path))).toEqual([]);
  });
});
