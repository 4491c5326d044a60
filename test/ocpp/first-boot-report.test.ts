import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, eventually } from '../support/stations.js';

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_BASE_REPORT_ON_FIRST_BOOT: 'FullInventory' });
});
afterAll(() => anode?.stop());

describe('B07 at first boot (OCPP_BASE_REPORT_ON_FIRST_BOOT)', () => {
  it('a 2.0.1 station is asked for a base report at its first boot, once; its report fills the device model', async () => {
    const station = await bootedStation(anode, 'FB-201', { version: 'ocpp2.0.1', handlers: { GetBaseReport: () => ({ status: 'Accepted' }) } });
    try {
      await eventually(async () => expect(station.received.map((call) => call.action)).toEqual(['GetBaseReport']));
      const { requestId, reportBase } = station.received[0].params as { requestId: number; reportBase: string };
      expect(reportBase).toBe('FullInventory');
      const jobs = async () => (await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: 'FB-201' }, query: { kind: 'BaseReport' } } })).data!;
      await eventually(async () => expect(await jobs()).toMatchObject([{ requestId, status: 'Accepted' }]));
      await station.call('NotifyReport', {
        requestId,
        generatedAt: new Date().toISOString(),
        seqNo: 0,
        tbc: false,
        reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ value: '300', persistent: true, constant: false }] }],
      });
      expect(await jobs()).toMatchObject([{ requestId, status: 'Complete' }]);

      await station.call('BootNotification', { reason: 'RemoteReset', chargingStation: { vendorName: 'Anode', model: 'Test' } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(station.received.map((call) => call.action)).toEqual(['GetBaseReport']);
    } finally {
      await station.close();
    }
  });

  it('a 1.6 station is not asked', async () => {
    const station = await bootedStation(anode, 'FB-16', { handlers: {} });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(station.received).toEqual([]);
    } finally {
      await station.close();
    }
  });
});
