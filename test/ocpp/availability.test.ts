/**
 * Availability (G03, G04; OCPP 1.6 ChangeAvailability) kept and shown to OCPI partners as INOPERATIVE, and stations
 * offline past the grace shown as UNKNOWN, both pushed through the outbox and read back through the admin API and
 * OCPI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector, ids, registerEmsp, startEmsp, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation, connectStation, eventually, type SimulatedStation } from '../support/stations.js';

const GRACE_SECONDS = 2;

let anode: TestAnode;
let emsp: SimulatedEmsp;
let emspToken: string;

/** What the next ChangeAvailability is answered with, per station. */
const nextAnswer: Record<string, string> = {};
const answering = (id: string) => ({ ChangeAvailability: () => ({ status: nextAnswer[id] ?? 'Accepted' }) });

const evse = (uid: string, stationId: string, ocppEvseId: number) => ({ uid, station_id: stationId, ocpp_evse_id: ocppEvseId, connectors: [acConnector] });

beforeAll(async () => {
  anode = await startIsolatedAnode({
    OCPI_PUSH_POLL_MS: '50',
    OCPI_PUSH_RETRY_BASE_MS: '100',
    OCPI_PUSH_RETRY_MAX_MS: '300',
    OCPI_PARTNER_TIMEOUT_SECONDS: '2',
    OCPI_OFFLINE_GRACE_SECONDS: String(GRACE_SECONDS),
  });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  emspToken = await registerEmsp(anode, emsp, 'availability-emsp');
  const { response } = await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'AV-LOC' } },
    body: {
      address: 'Stationsplein 1',
      city: 'Zwolle',
      country: 'NLD',
      coordinates: { latitude: '52.50500', longitude: '6.09000' },
      evses: [
        evse('AV-201-1', 'AV-201', 1),
        evse('AV-201-2', 'AV-201', 2),
        evse('AV-16-1', 'AV-16', 1),
        evse('AV-16-2', 'AV-16', 2),
        evse('OFF-16-1', 'OFF-16', 1),
        evse('OFF-201-1', 'OFF-201', 1),
        evse('BLIP-16-1', 'BLIP-16', 1),
      ],
    },
  });
  expect(response.status).toBe(201);
});
afterAll(async () => {
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp?.findings ?? []).toEqual([]));

const adminStatus = async (uid: string) => {
  const { data } = await anode.admin.GET('/location/{locationId}', { params: { path: { locationId: 'AV-LOC' } } });
  return data!.evses.find((candidate) => candidate.uid === uid)!.status;
};

const ocpiStatus = async (uid: string) => {
  const { data } = await emsp.client(emspToken).GET('/2.2.1/locations/{location_id}/{evse_uid}', {
    params: { header: ids(), path: { location_id: 'AV-LOC', evse_uid: uid } },
  });
  return data!.data!.status;
};

/** The statuses PATCHed to the eMSP for this EVSE, in order. */
const pushed = (uid: string) =>
  emsp.received
    .filter((call) => call.method === 'PATCH' && call.path === `/ocpi/2.2.1/locations/NL/ANO/AV-LOC/${uid}`)
    .map((call) => (call.body as { status: string }).status);

/** Waits until the eMSP was pushed `status` for the EVSE as its latest, and both APIs show it. */
async function shown(uid: string, status: string): Promise<void> {
  await eventually(async () => expect(pushed(uid).at(-1)).toBe(status));
  expect(await adminStatus(uid)).toBe(status);
  expect(await ocpiStatus(uid)).toBe(status);
}

const change = (csId: string, body: { operative: boolean; evseId?: number; connectorId?: number }) =>
  anode.admin.POST('/cs/{csId}/availability', { params: { path: { csId } }, body });

const listed = async (csId: string) => (await anode.admin.GET('/cs/{csId}/availability', { params: { path: { csId } } })).data!;

let v201: SimulatedStation;
let v16: SimulatedStation;
beforeAll(async () => {
  v201 = await bootedStation(anode, 'AV-201', { version: 'ocpp2.0.1', handlers: answering('AV-201') });
  v16 = await bootedStation(anode, 'AV-16', { handlers: answering('AV-16') });
  for (const [evseId, connectorId] of [[1, 1], [2, 1], [2, 2]]) {
    await v201.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId, connectorId });
  }
  for (const connectorId of [1, 2]) await v16.call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Available' });
  await shown('AV-201-1', 'AVAILABLE');
  await shown('AV-16-2', 'AVAILABLE');
});
afterAll(async () => {
  await v201?.close();
  await v16?.close();
});

describe('G03 Change availability EVSE/connector', () => {

  it('OCPP 2.0.1: an EVSE made Inoperative is kept, and shown and pushed INOPERATIVE; Operative again shows what it reports', async () => {
    const { data, response } = await change('AV-201', { operative: false, evseId: 1 });
    expect(response.status).toBe(200);
    expect(v201.received.at(-1)).toEqual({ action: 'ChangeAvailability', params: { operationalStatus: 'Inoperative', evse: { id: 1 } } });
    expect(data).toMatchObject({
      availability: { evseId: 1, connectorId: 0, operative: false, status: 'Accepted' },
      answer: { action: 'ChangeAvailability', ocppVersion: 'ocpp2.0.1', status: 'Answered', response: { status: 'Accepted' } },
    });
    expect(await listed('AV-201')).toEqual([expect.objectContaining({ evseId: 1, connectorId: 0, operative: false, status: 'Accepted' })]);
    await shown('AV-201-1', 'INOPERATIVE');
    expect(await adminStatus('AV-201-2')).toBe('AVAILABLE');

    await change('AV-201', { operative: true, evseId: 1 });
    await shown('AV-201-1', 'AVAILABLE');
    expect(await listed('AV-201')).toEqual([expect.objectContaining({ evseId: 1, connectorId: 0, operative: true, status: 'Accepted' })]);
  });

  it('OCPP 2.0.1: a connector made Inoperative is sent as the EVSE and connector; the EVSE is INOPERATIVE once none of its connectors is in service', async () => {
    await change('AV-201', { operative: false, evseId: 2, connectorId: 2 });
    expect(v201.received.at(-1)?.params).toEqual({ operationalStatus: 'Inoperative', evse: { id: 2, connectorId: 2 } });
    expect(await adminStatus('AV-201-2')).toBe('AVAILABLE');
    await change('AV-201', { operative: false, evseId: 2, connectorId: 1 });
    await shown('AV-201-2', 'INOPERATIVE');
    await change('AV-201', { operative: true, evseId: 2, connectorId: 1 });
    await shown('AV-201-2', 'AVAILABLE');
    await change('AV-201', { operative: true, evseId: 2, connectorId: 2 });
  });

  it('a Rejected change is kept as the answer and changes no status; a Scheduled Inoperative shows INOPERATIVE', async () => {
    nextAnswer['AV-201'] = 'Rejected';
    const { data } = await change('AV-201', { operative: false, evseId: 1 });
    expect(data?.availability).toMatchObject({ evseId: 1, operative: false, status: 'Rejected' });
    expect(await adminStatus('AV-201-1')).toBe('AVAILABLE');
    nextAnswer['AV-201'] = 'Scheduled';
    await change('AV-201', { operative: false, evseId: 1 });
    await shown('AV-201-1', 'INOPERATIVE');
    nextAnswer['AV-201'] = 'Accepted';
    await change('AV-201', { operative: true, evseId: 1 });
    await shown('AV-201-1', 'AVAILABLE');
  });

  it('OCPP 1.6: the EVSE is the 1.6 connectorId; the Unavailable the station then reports keeps it INOPERATIVE until it reports Available', async () => {
    await change('AV-16', { operative: false, evseId: 2 });
    expect(v16.received.at(-1)).toEqual({ action: 'ChangeAvailability', params: { connectorId: 2, type: 'Inoperative' } });
    await shown('AV-16-2', 'INOPERATIVE');
    await v16.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Unavailable' });
    await change('AV-16', { operative: true, evseId: 2 });
    expect(v16.received.at(-1)?.params).toEqual({ connectorId: 2, type: 'Operative' });
    expect(await listed('AV-16')).toEqual([expect.objectContaining({ evseId: 2, connectorId: 0, operative: true, status: 'Accepted' })]);
    expect(await adminStatus('AV-16-2')).toBe('INOPERATIVE');
    await v16.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available' });
    await shown('AV-16-2', 'AVAILABLE');
    expect(await adminStatus('AV-16-1')).toBe('AVAILABLE');
  });

  it('OCPP 1.6 has no connector within an EVSE: connectorId is refused (400) and nothing is sent', async () => {
    const before = v16.received.length;
    const { response, error } = await change('AV-16', { operative: false, evseId: 1, connectorId: 1 });
    expect(response.status).toBe(400);
    expect(error?.error).toMatch(/connectorId/);
    expect(v16.received.length).toBe(before);
  });

  it('a connector without its EVSE is refused (400); a station that is not connected gets 409; an unknown one 404', async () => {
    expect((await change('AV-201', { operative: false, connectorId: 1 })).response.status).toBe(400);
    expect((await change('AV-UNKNOWN', { operative: false })).response.status).toBe(404);
    await anode.admin.POST('/cs/{csId}', { params: { path: { csId: 'AV-OFFLINE' } }, body: { securityProfile: 0, base64SHA256Password: 'x'.repeat(43) + '=' } });
    const { response, error } = await change('AV-OFFLINE', { operative: false });
    expect(response.status).toBe(409);
    expect(error?.error).toMatch(/not connected/);
    expect(await listed('AV-OFFLINE')).toEqual([]);
  });
});

describe('G04 Change availability charging station', () => {
  it('OCPP 2.0.1: the whole station Inoperative (no evse) takes every EVSE out of service, Operative brings them back', async () => {
    await change('AV-201', { operative: false });
    expect(v201.received.at(-1)?.params).toEqual({ operationalStatus: 'Inoperative' });
    expect(await listed('AV-201')).toContainEqual(expect.objectContaining({ evseId: 0, connectorId: 0, operative: false, status: 'Accepted' }));
    await shown('AV-201-1', 'INOPERATIVE');
    await shown('AV-201-2', 'INOPERATIVE');
    await change('AV-201', { operative: true, evseId: 0 });
    await shown('AV-201-1', 'AVAILABLE');
    await shown('AV-201-2', 'AVAILABLE');
  });

  it('OCPP 1.6: connectorId 0 is the whole station', async () => {
    await change('AV-16', { operative: false, evseId: 0 });
    expect(v16.received.at(-1)?.params).toEqual({ connectorId: 0, type: 'Inoperative' });
    await shown('AV-16-1', 'INOPERATIVE');
    await shown('AV-16-2', 'INOPERATIVE');
    await change('AV-16', { operative: true });
    await shown('AV-16-1', 'AVAILABLE');
  });
});

describe('offline stations: UNKNOWN to partners past the grace, their reported status again when back', () => {
  it('a station gone longer than the grace shows UNKNOWN (pushed, admin API and OCPI agree), and CHARGING again when it reconnects', async () => {
    const station = await bootedStation(anode, 'OFF-16');
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    await shown('OFF-16-1', 'CHARGING');
    await station.close();
    // within the grace nothing changes
    expect(await adminStatus('OFF-16-1')).toBe('CHARGING');
    await eventually(async () => expect(pushed('OFF-16-1').at(-1)).toBe('UNKNOWN'), GRACE_SECONDS * 1000 + 8000);
    expect(await adminStatus('OFF-16-1')).toBe('UNKNOWN');
    expect(await ocpiStatus('OFF-16-1')).toBe('UNKNOWN');
    const again = await connectStation(anode, { id: 'OFF-16', password: 'station-password' });
    await shown('OFF-16-1', 'CHARGING');
    expect(pushed('OFF-16-1')).toEqual(['CHARGING', 'UNKNOWN', 'CHARGING']);
    await again.close();
  });

  it('OCPP 2.0.1 the same: AVAILABLE → UNKNOWN → AVAILABLE, each pushed once', async () => {
    const station = await bootedStation(anode, 'OFF-201', { version: 'ocpp2.0.1' });
    await station.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
    await shown('OFF-201-1', 'AVAILABLE');
    await station.close();
    await eventually(async () => expect(pushed('OFF-201-1').at(-1)).toBe('UNKNOWN'), GRACE_SECONDS * 1000 + 8000);
    const again = await connectStation(anode, { id: 'OFF-201', password: 'station-password', version: 'ocpp2.0.1' });
    await shown('OFF-201-1', 'AVAILABLE');
    // well past another grace: connected, so nothing more
    await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 500));
    expect(pushed('OFF-201-1')).toEqual(['AVAILABLE', 'UNKNOWN', 'AVAILABLE']);
    await again.close();
  });

  it('a station back within the grace is never shown offline', async () => {
    const station = await bootedStation(anode, 'BLIP-16');
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    await shown('BLIP-16-1', 'AVAILABLE');
    await station.close();
    const again = await connectStation(anode, { id: 'BLIP-16', password: 'station-password' });
    await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 1000));
    expect(pushed('BLIP-16-1')).toEqual(['AVAILABLE']);
    expect(await adminStatus('BLIP-16-1')).toBe('AVAILABLE');
    await again.close();
  });
});
