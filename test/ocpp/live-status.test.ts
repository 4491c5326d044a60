import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evseStatusFromReports } from '../../src/domain/evse-status.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, eventually } from '../support/stations.js';

describe('an EVSE shows one OCPI status made from what its station reports', () => {
  it.each([
    [['Available'], undefined, 'AVAILABLE'],
    [['Preparing'], undefined, 'CHARGING'],
    [['SuspendedEV'], undefined, 'CHARGING'],
    [['Finishing'], undefined, 'CHARGING'],
    [['Reserved'], undefined, 'RESERVED'],
    [['Unavailable'], undefined, 'INOPERATIVE'],
    [['Faulted'], undefined, 'OUTOFORDER'],
    [['Available', 'Occupied'], undefined, 'CHARGING'],
    [['Available', 'Faulted'], undefined, 'AVAILABLE'],
    [['Available'], 'Unavailable', 'INOPERATIVE'],
    [['Charging'], 'Faulted', 'OUTOFORDER'],
    [[], 'Available', 'UNKNOWN'],
    [[], undefined, 'UNKNOWN'],
  ])('connectors %j with station %s → %s', (evse, station, expected) => {
    expect(evseStatusFromReports(evse, station)).toBe(expected);
  });
});

describe('StatusNotification drives the status of the location EVSE mapped to the outlet', () => {
  let anode: TestAnode;
  beforeAll(async () => {
    anode = await startIsolatedAnode();
    await anode.admin.POST('/location/{locationId}', {
      params: { path: { locationId: 'LIVE-LOC' } },
      body: {
        address: 'Main street 1',
        city: 'Utrecht',
        country: 'NLD',
        coordinates: { latitude: '52.09083', longitude: '5.12222' },
        evses: [
          { uid: 'LIVE-16', connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 400, max_amperage: 32 }] },
          { uid: 'LIVE-201-E2', station_id: 'LIVE-201', ocpp_evse_id: 2, connectors: [{ id: '1', standard: 'IEC_62196_T2_COMBO', format: 'CABLE', power_type: 'DC', max_voltage: 800, max_amperage: 200 }] },
        ],
      },
    });
  });
  afterAll(() => anode?.stop());

  const statusOf = async () => {
    const { data } = await anode.admin.GET('/location/{locationId}', { params: { path: { locationId: 'LIVE-LOC' } } });
    return Object.fromEntries(data!.evses.map((evse) => [evse.uid, evse.status]));
  };

  it('is UNKNOWN until the station reports, then follows OCPP 1.6 and 2.0.1 reports', async () => {
    expect(await statusOf()).toEqual({ 'LIVE-16': 'UNKNOWN', 'LIVE-201-E2': 'UNKNOWN' });
    const v16 = await bootedStation(anode, 'LIVE-16');
    const v201 = await bootedStation(anode, 'LIVE-201', { version: 'ocpp2.0.1' });
    await v16.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    await v201.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Reserved', evseId: 2, connectorId: 1 });
    await v201.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    await eventually(async () => expect(await statusOf()).toEqual({ 'LIVE-16': 'CHARGING', 'LIVE-201-E2': 'RESERVED' }));
    await v16.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Unavailable' });
    await eventually(async () => expect((await statusOf())['LIVE-16']).toBe('INOPERATIVE'));
    await v16.close();
    await v201.close();
  });
});
