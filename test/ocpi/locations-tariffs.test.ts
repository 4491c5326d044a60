import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation } from '../support/stations.js';

let anode: TestAnode;
let emsp: SimulatedEmsp;
const TOKEN = 'locations-test-token';

const location = (id: string, publish = true) => ({
  name: `Location ${id}`,
  address: 'Stationsplein 1',
  city: 'Arnhem',
  postal_code: '6811KL',
  country: 'NLD',
  coordinates: { latitude: '51.98473', longitude: '5.89916' },
  parking_type: 'PARKING_LOT' as const,
  publish,
  evses: [
    {
      uid: `${id}-E1`,
      evse_id: `NL*ANO*E${id}1`,
      station_id: `${id}-CS`,
      connectors: [{ id: '1', standard: 'IEC_62196_T2' as const, format: 'SOCKET' as const, power_type: 'AC_3_PHASE' as const, max_voltage: 400, max_amperage: 32, max_electric_power: 22000 }],
    },
  ],
});

const tariff = (id: string) => ({
  country_code: 'NL',
  party_id: 'ANO',
  id,
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY' as const, price: 0.25, vat: 21, step_size: 1 }] }],
  last_updated: '2020-01-01T00:00:00Z',
});

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_MAX_PAGE_SIZE: '5' });
  emsp = await startEmsp(anode.url);
  await anode.admin.POST('/register', { body: { token: TOKEN, status: 'REGISTERED' } });
  for (let i = 0; i < 12; i += 1) {
    const id = `L${String(i).padStart(2, '0')}`;
    await anode.admin.POST('/location/{locationId}', { params: { path: { locationId: id } }, body: location(id, i !== 3) });
  }
  for (const id of ['T1', 'T2']) await anode.admin.PUT('/tariff/{tariffId}', { params: { path: { tariffId: id } }, body: tariff(id) });
});
afterAll(async () => {
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp.findings).toEqual([]));

describe('locations sender: GET list with pagination', () => {
  it('pages through every location following Link, with X-Total-Count and X-Limit capped at the configured maximum', async () => {
    const cpo = emsp.client(TOKEN);
    const first = await cpo.GET('/2.2.1/locations', { params: { header: ids(), query: { limit: 50 } } });
    expect(first.response.headers.get('X-Total-Count')).toBe('12');
    expect(first.response.headers.get('X-Limit')).toBe('5');
    expect(first.data?.data).toHaveLength(5);
    const seen = first.data!.data!.map((entry) => entry.id);
    let link = first.response.headers.get('Link');
    let pages = 1;
    while (link) {
      const next = /^<([^>]+)>; rel="next"$/.exec(link)![1];
      expect(next.startsWith(`${anode.url}/ocpi/2.2.1/locations?`)).toBe(true);
      const response = await fetch(next, { headers: { Authorization: `Token ${Buffer.from(TOKEN).toString('base64')}` } });
      const body = (await response.json()) as { data: Array<{ id: string }> };
      seen.push(...body.data.map((entry) => entry.id));
      link = response.headers.get('Link');
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `L${String(i).padStart(2, '0')}`));
  });

  it('filters by last_updated: date_from inclusive, date_to exclusive', async () => {
    const cpo = emsp.client(TOKEN);
    const { data: all } = await cpo.GET('/2.2.1/locations', { params: { header: ids(), query: { limit: 5 } } });
    const pivot = all!.data![2].last_updated;
    const from = await cpo.GET('/2.2.1/locations', { params: { header: ids(), query: { date_from: pivot } } });
    expect(from.data!.data!.every((entry) => entry.last_updated >= pivot)).toBe(true);
    const before = await cpo.GET('/2.2.1/locations', { params: { header: ids(), query: { date_to: pivot } } });
    expect(before.data!.data!.every((entry) => entry.last_updated < pivot)).toBe(true);
    expect(Number(from.response.headers.get('X-Total-Count')) + Number(before.response.headers.get('X-Total-Count'))).toBe(12);
  });

  it('a list read again after a change shows the change (cached pages follow the data version)', async () => {
    const cpo = emsp.client(TOKEN);
    const read = async () => (await cpo.GET('/2.2.1/locations', { params: { header: ids(), query: { limit: 5 } } })).data!.data![0];
    expect((await read()).name).toBe('Location L00');
    await anode.admin.POST('/location/{locationId}', { params: { path: { locationId: 'L00' } }, body: { ...location('L00'), name: 'Renamed' } });
    expect((await read()).name).toBe('Renamed');
    const station = await bootedStation(anode, 'L00-CS');
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Faulted' });
    expect((await read()).evses![0].status).toBe('OUTOFORDER');
    await station.close();
  });

  it('rejects a malformed date_from with 2001 (HTTP 200: the request reached OCPI)', async () => {
    const { response, data } = await emsp.client(TOKEN).GET('/2.2.1/locations', { params: { header: ids(), query: { date_from: 'yesterday' } } });
    expect(response.status).toBe(200);
    expect(data?.status_code).toBe(2001);
  });
});

describe('locations sender: one location, EVSE, connector', () => {
  it('serves the location in OCPI shape with the CPO identity and live EVSE status', async () => {
    const station = await bootedStation(anode, 'L01-CS');
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    const { data } = await emsp.client(TOKEN).GET('/2.2.1/locations/{location_id}', { params: { header: ids(), path: { location_id: 'L01' } } });
    expect(data?.data).toMatchObject({
      country_code: 'NL',
      party_id: 'ANO',
      id: 'L01',
      publish: true,
      time_zone: 'Europe/Amsterdam',
      evses: [{ uid: 'L01-E1', evse_id: 'NL*ANO*EL011', status: 'CHARGING', connectors: [{ id: '1', standard: 'IEC_62196_T2', max_electric_power: 22000 }] }],
    });
    await station.close();
  });

  it('serves one EVSE and one connector', async () => {
    const cpo = emsp.client(TOKEN);
    const evse = await cpo.GET('/2.2.1/locations/{location_id}/{evse_uid}', { params: { header: ids(), path: { location_id: 'L02', evse_uid: 'L02-E1' } } });
    expect(evse.data?.data?.uid).toBe('L02-E1');
    const connector = await cpo.GET('/2.2.1/locations/{location_id}/{evse_uid}/{connector_id}', {
      params: { header: ids(), path: { location_id: 'L02', evse_uid: 'L02-E1', connector_id: '1' } },
    });
    expect(connector.data?.data).toMatchObject({ id: '1', power_type: 'AC_3_PHASE', max_voltage: 400 });
  });

  it.each([
    ['an unknown location', '/2.2.1/locations/NOPE'],
    ['an unknown EVSE', '/2.2.1/locations/L02/NOPE'],
    ['an unknown connector', '/2.2.1/locations/L02/L02-E1/9'],
  ])('answers %s with 404 and status 2003', async (_what, path) => {
    const response = await fetch(`${anode.url}/ocpi${path}`, { headers: { Authorization: `Token ${Buffer.from(TOKEN).toString('base64')}` } });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { status_code: number }).status_code).toBe(2003);
  });
});

describe('tariffs: managed through the admin API, published over OCPI', () => {
  it('the admin API stores an OCPI tariff and sets last_updated', async () => {
    const { data, response } = await anode.admin.GET('/tariff/{tariffId}', { params: { path: { tariffId: 'T1' } } });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ id: 'T1', currency: 'EUR', country_code: 'NL', party_id: 'ANO' });
    expect(data?.last_updated).not.toBe('2020-01-01T00:00:00Z');
  });

  it('refuses a tariff whose id is not the path one, or of another party', async () => {
    const wrongId = await anode.admin.PUT('/tariff/{tariffId}', { params: { path: { tariffId: 'T9' } }, body: tariff('T8') });
    expect(wrongId.response.status).toBe(400);
    const otherParty = await anode.admin.PUT('/tariff/{tariffId}', { params: { path: { tariffId: 'T9' } }, body: { ...tariff('T9'), party_id: 'XXX' } });
    expect(otherParty.response.status).toBe(400);
    const invalid = await anode.admin.PUT('/tariff/{tariffId}', { params: { path: { tariffId: 'T9' } }, body: { ...tariff('T9'), currency: 'EURO' } });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error?.error).toContain('body.currency');
  });

  it('OCPI GET tariffs lists them; a deleted one is gone', async () => {
    const cpo = emsp.client(TOKEN);
    const before = await cpo.GET('/2.2.1/tariffs', { params: { header: ids() } });
    expect(before.data?.data?.map((entry) => entry.id)).toEqual(['T1', 'T2']);
    await anode.admin.DELETE('/tariff/{tariffId}', { params: { path: { tariffId: 'T2' } } });
    const after = await cpo.GET('/2.2.1/tariffs', { params: { header: ids() } });
    expect(after.data?.data?.map((entry) => entry.id)).toEqual(['T1']);
  });
});

describe('open data (WWCP): OCPI_OPEN_DATA lets unauthenticated clients read', () => {
  it('is off by default', async () => {
    expect((await fetch(`${anode.url}/ocpi/2.2.1/locations`)).status).toBe(401);
  });

  it('when on: versions, published locations and tariffs, and nothing else', async () => {
    const open = await startIsolatedAnode({ OCPI_OPEN_DATA: 'true' });
    try {
      await open.admin.POST('/location/{locationId}', { params: { path: { locationId: 'PUB' } }, body: location('PUB') });
      await open.admin.POST('/location/{locationId}', { params: { path: { locationId: 'HIDDEN' } }, body: location('HIDDEN', false) });
      const details = (await (await fetch(`${open.url}/ocpi/2.2.1`)).json()) as { data: { endpoints: Array<{ identifier: string }> } };
      expect(details.data.endpoints.map((endpoint) => endpoint.identifier).sort()).toEqual(['locations', 'tariffs']);
      const list = (await (await fetch(`${open.url}/ocpi/2.2.1/locations`)).json()) as { data: Array<{ id: string }> };
      expect(list.data.map((entry) => entry.id)).toEqual(['PUB']);
      expect((await fetch(`${open.url}/ocpi/2.2.1/locations/HIDDEN`)).status).toBe(404);
      expect((await fetch(`${open.url}/ocpi/2.2.1/tariffs`)).status).toBe(200);
      expect((await fetch(`${open.url}/ocpi/2.2.1/credentials`)).status).toBe(401);
      expect((await fetch(`${open.url}/ocpi/2.2.1/tokens/NL/EMS`)).status).toBe(401);
    } finally {
      await open.stop();
    }
  });
});
