/**
 * Locations that partners must drop (mod_locations): OCPI has no DELETE of a location or EVSE on the receiver's side.
 * A removed EVSE is pushed with status REMOVED; a location that stops being published is pushed once with `publish`
 * false (it may then be shown to nobody), and a location whose EVSEs are all removed is pushed with every EVSE REMOVED.
 * Every locations receiver gets it, through the outbox; the simulated eMSPs check each body against the OCPI schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/admin.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector, registerEmsp, startEmsp, type Received, type SimulatedEmsp } from '../support/emsp.js';
import { eventually } from '../support/stations.js';

type LocationBody = components['schemas']['Location'];

const FAST_PUSH = { OCPI_PUSH_POLL_MS: '50', OCPI_PUSH_RETRY_BASE_MS: '100', OCPI_PUSH_RETRY_MAX_MS: '300' };

let anode: TestAnode;
let emsp: SimulatedEmsp;
let other: SimulatedEmsp;

const place = { address: 'Havenstraat 5', city: 'Zwolle', country: 'NLD', coordinates: { latitude: '52.51250', longitude: '6.09444' } };
const evse = (uid: string) => ({ uid, station_id: uid, connectors: [acConnector] });

async function register(id: string, body: Omit<LocationBody, 'address' | 'city' | 'country' | 'coordinates'>): Promise<void> {
  const { response } = await anode.admin.POST('/location/{locationId}', { params: { path: { locationId: id } }, body: { ...place, ...body } as LocationBody });
  expect(response.status).toBe(201);
}

/** The PUTs of a location a partner received, in order. */
const putsOf = (partner: SimulatedEmsp, id: string): Received[] =>
  partner.received.filter((call) => call.method === 'PUT' && call.path === `/ocpi/2.2.1/locations/NL/ANO/${id}`);

type PushedLocation = { publish: boolean; evses: Array<{ uid: string; status: string }> };
const shown = (call: Received) => {
  const body = call.body as PushedLocation;
  return { publish: body.publish, evses: Object.fromEntries(body.evses.map((entry) => [entry.uid, entry.status])) };
};

/** Waits until every receiver got `count` PUTs of the location, and answers the last one of each. */
async function lastPuts(id: string, count: number): Promise<Received[]> {
  return eventually(async () =>
    [emsp, other].map((partner) => {
      const puts = putsOf(partner, id);
      expect(puts).toHaveLength(count);
      return puts[count - 1];
    }),
  );
}

/** Lets the outbox settle: every party's outbox empty. */
async function settled(): Promise<void> {
  await eventually(async () => {
    const { data } = await anode.admin.GET('/ocpi/parties');
    expect(data?.map((party) => party.outbox.pending + party.outbox.failed)).toEqual([0, 0]);
  });
}

beforeAll(async () => {
  anode = await startIsolatedAnode(FAST_PUSH);
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'OTH' });
  await registerEmsp(anode, emsp, 'withdrawn-a-1');
  await registerEmsp(anode, other, 'withdrawn-a-2');
});
afterAll(async () => {
  await emsp?.stop();
  await other?.stop();
  await anode?.stop();
});
afterAll(() => expect([...(emsp?.findings ?? []), ...(other?.findings ?? [])]).toEqual([]));

describe('an EVSE taken out of a location', () => {
  it('is PUT with status REMOVED in its location to every locations receiver, the other EVSEs unchanged', async () => {
    await register('WD-EVSE', { evses: [evse('WD-EVSE-1'), evse('WD-EVSE-2')] });
    await lastPuts('WD-EVSE', 1);
    await register('WD-EVSE', { evses: [evse('WD-EVSE-1')] });
    for (const put of await lastPuts('WD-EVSE', 2)) {
      expect(shown(put)).toEqual({ publish: true, evses: { 'WD-EVSE-1': 'UNKNOWN', 'WD-EVSE-2': 'REMOVED' } });
    }
  });
});

describe('a location that stops being published', () => {
  it('is PUT once with publish false to every locations receiver, so that they no longer show it', async () => {
    await register('WD-PUB', { evses: [evse('WD-PUB-1')] });
    await lastPuts('WD-PUB', 1);
    await register('WD-PUB', { publish: false, evses: [evse('WD-PUB-1')] });
    for (const put of await lastPuts('WD-PUB', 2)) {
      expect(shown(put)).toEqual({ publish: false, evses: { 'WD-PUB-1': 'UNKNOWN' } });
      expect(put.headers['ocpi-from-party-id']).toBe('ANO');
    }
  });

  it('is not pushed again while it stays unpublished, and is PUT again once published again', async () => {
    await register('WD-PUB', { publish: false, evses: [evse('WD-PUB-1'), evse('WD-PUB-2')] });
    await settled();
    expect([emsp, other].map((partner) => putsOf(partner, 'WD-PUB').length)).toEqual([2, 2]);
    await register('WD-PUB', { publish: true, evses: [evse('WD-PUB-1'), evse('WD-PUB-2')] });
    for (const put of await lastPuts('WD-PUB', 3)) {
      expect(shown(put)).toEqual({ publish: true, evses: { 'WD-PUB-1': 'UNKNOWN', 'WD-PUB-2': 'UNKNOWN' } });
    }
  });

  it('a location that was never published is never pushed', async () => {
    await register('WD-NEVER', { publish: false, evses: [evse('WD-NEVER-1')] });
    await register('WD-NEVER', { publish: false, evses: [] });
    await settled();
    expect([emsp, other].map((partner) => putsOf(partner, 'WD-NEVER').length)).toEqual([0, 0]);
  });
});

describe('a location removed altogether', () => {
  it('(its EVSEs all removed and the location unpublished in one edit) is PUT with every EVSE REMOVED and publish false', async () => {
    await register('WD-GONE', { evses: [evse('WD-GONE-1'), evse('WD-GONE-2')] });
    await lastPuts('WD-GONE', 1);
    await register('WD-GONE', { publish: false, evses: [] });
    for (const put of await lastPuts('WD-GONE', 2)) {
      expect(shown(put)).toEqual({ publish: false, evses: { 'WD-GONE-1': 'REMOVED', 'WD-GONE-2': 'REMOVED' } });
    }
  });

  it('(its EVSEs all removed, still published) is PUT with every EVSE REMOVED', async () => {
    await register('WD-EMPTY', { evses: [evse('WD-EMPTY-1')] });
    await lastPuts('WD-EMPTY', 1);
    await register('WD-EMPTY', { evses: [] });
    for (const put of await lastPuts('WD-EMPTY', 2)) {
      expect(shown(put)).toEqual({ publish: true, evses: { 'WD-EMPTY-1': 'REMOVED' } });
    }
  });
});
