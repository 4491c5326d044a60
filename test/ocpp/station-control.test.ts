/**
 * The station-control operations an operator makes, on both OCPP versions: ClearCache (C11), Reset (B11, B12),
 * UnlockConnector (F05), TriggerMessage (F06), each answered with the station's own answer and recorded; and a call
 * the station never answered because it went away (502) told apart from one that could not be sent (409).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, registerStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let v201: SimulatedStation;
let v16: SimulatedStation;

/** Answers by action; a test may replace one. */
const answers: Record<string, Record<string, (params: Record<string, unknown>) => unknown>> = {
  'CTL-201': {
    ClearCache: () => ({ status: 'Accepted' }),
    Reset: (params) => ({ status: params.type === 'OnIdle' ? 'Scheduled' : 'Accepted' }),
    UnlockConnector: () => ({ status: 'Unlocked' }),
    TriggerMessage: () => ({ status: 'Accepted' }),
  },
  'CTL-16': {
    ClearCache: () => ({ status: 'Rejected' }),
    Reset: () => ({ status: 'Accepted' }),
    UnlockConnector: () => ({ status: 'UnlockFailed' }),
    TriggerMessage: () => ({ status: 'Accepted' }),
  },
};
const routed = (id: string) =>
  Object.fromEntries(['ClearCache', 'Reset', 'UnlockConnector', 'TriggerMessage'].map((action) => [action, (params: Record<string, unknown>) => answers[id][action](params)]));

beforeAll(async () => {
  anode = await startIsolatedAnode();
  v201 = await bootedStation(anode, 'CTL-201', { version: 'ocpp2.0.1', handlers: routed('CTL-201') });
  v16 = await bootedStation(anode, 'CTL-16', { handlers: routed('CTL-16') });
});
afterAll(async () => {
  await v201?.close();
  await v16?.close();
  await anode?.stop();
});

const path = (csId: string) => ({ params: { path: { csId } } });

/** The newest call Anode recorded on the station. */
const lastCall = async (csId: string) => (await anode.admin.GET('/cs/{csId}/calls', path(csId))).data![0];

describe('C11 ClearCache', () => {
  it('OCPP 2.0.1: the station is sent ClearCache and its answer is returned and recorded', async () => {
    const { data, response } = await anode.admin.POST('/cs/{csId}/clear-cache', path('CTL-201'));
    expect(response.status).toBe(200);
    expect(data).toEqual({ action: 'ClearCache', ocppVersion: 'ocpp2.0.1', status: 'Answered', response: { status: 'Accepted' } });
    expect(v201.received.at(-1)).toEqual({ action: 'ClearCache', params: {} });
    expect(await lastCall('CTL-201')).toMatchObject({ action: 'ClearCache', request: {}, status: 'Answered', response: { status: 'Accepted' } });
  });

  it('OCPP 1.6: a Rejected answer is returned as the station gave it', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/clear-cache', path('CTL-16'));
    expect(data).toMatchObject({ ocppVersion: 'ocpp1.6', status: 'Answered', response: { status: 'Rejected' } });
    expect(await lastCall('CTL-16')).toMatchObject({ action: 'ClearCache', status: 'Answered', response: { status: 'Rejected' } });
  });
});

describe('B11/B12 Reset', () => {
  it('OCPP 2.0.1 B11: Immediate, of one EVSE when evseId is given', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/reset', { ...path('CTL-201'), body: { type: 'Immediate', evseId: 1 } });
    expect(v201.received.at(-1)).toEqual({ action: 'Reset', params: { type: 'Immediate', evseId: 1 } });
    expect(data?.response).toEqual({ status: 'Accepted' });
  });

  it('OCPP 2.0.1 B12: OnIdle, answered Scheduled', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/reset', { ...path('CTL-201'), body: { type: 'OnIdle' } });
    expect(v201.received.at(-1)).toEqual({ action: 'Reset', params: { type: 'OnIdle' } });
    expect(data?.response).toEqual({ status: 'Scheduled' });
    expect(await lastCall('CTL-201')).toMatchObject({ action: 'Reset', request: { type: 'OnIdle' }, response: { status: 'Scheduled' } });
  });

  it('OCPP 1.6: Hard and Soft are sent as they are', async () => {
    for (const type of ['Hard', 'Soft'] as const) {
      const { data } = await anode.admin.POST('/cs/{csId}/reset', { ...path('CTL-16'), body: { type } });
      expect(v16.received.at(-1)).toEqual({ action: 'Reset', params: { type } });
      expect(data).toMatchObject({ ocppVersion: 'ocpp1.6', response: { status: 'Accepted' } });
    }
  });

  it("a type of the other version, or an EVSE on 1.6, is refused (400) and nothing is sent", async () => {
    const before = [v201.received.length, v16.received.length];
    const onIdle16 = await anode.admin.POST('/cs/{csId}/reset', { ...path('CTL-16'), body: { type: 'OnIdle' } });
    expect(onIdle16.response.status).toBe(400);
    expect(onIdle16.error?.error).toMatch(/Hard or Soft/);
    expect((await anode.admin.POST('/cs/{csId}/reset', { ...path('CTL-16'), body: { type: 'Soft', evseId: 1 } })).response.status).toBe(400);
    expect((await anode.admin.POST('/cs/{csId}/reset', { ...path('CTL-201'), body: { type: 'Hard' } })).response.status).toBe(400);
    expect([v201.received.length, v16.received.length]).toEqual(before);
  });
});

describe('F05 UnlockConnector', () => {
  it('OCPP 2.0.1: the EVSE and its connector are sent', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/unlock', { ...path('CTL-201'), body: { evseId: 2, connectorId: 1 } });
    expect(v201.received.at(-1)).toEqual({ action: 'UnlockConnector', params: { evseId: 2, connectorId: 1 } });
    expect(data?.response).toEqual({ status: 'Unlocked' });
  });

  it('OCPP 1.6: the EVSE is the 1.6 connectorId; the station\'s UnlockFailed is returned', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/unlock', { ...path('CTL-16'), body: { evseId: 2 } });
    expect(v16.received.at(-1)).toEqual({ action: 'UnlockConnector', params: { connectorId: 2 } });
    expect(data?.response).toEqual({ status: 'UnlockFailed' });
    expect(await lastCall('CTL-16')).toMatchObject({ action: 'UnlockConnector', response: { status: 'UnlockFailed' } });
  });

  it('a 2.0.1 unlock without connectorId, or a 1.6 one with it, is refused (400)', async () => {
    expect((await anode.admin.POST('/cs/{csId}/unlock', { ...path('CTL-201'), body: { evseId: 1 } })).response.status).toBe(400);
    expect((await anode.admin.POST('/cs/{csId}/unlock', { ...path('CTL-16'), body: { evseId: 1, connectorId: 1 } })).response.status).toBe(400);
  });
});

describe('F06 TriggerMessage', () => {
  it('OCPP 2.0.1: requestedMessage with the EVSE and connector', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/trigger-message', {
      ...path('CTL-201'),
      body: { requestedMessage: 'StatusNotification', evseId: 1, connectorId: 1 },
    });
    expect(v201.received.at(-1)).toEqual({ action: 'TriggerMessage', params: { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } } });
    expect(data?.response).toEqual({ status: 'Accepted' });
    expect(await lastCall('CTL-201')).toMatchObject({ action: 'TriggerMessage', status: 'Answered', response: { status: 'Accepted' } });
  });

  it('OCPP 1.6: requestedMessage with the EVSE as connectorId', async () => {
    await anode.admin.POST('/cs/{csId}/trigger-message', { ...path('CTL-16'), body: { requestedMessage: 'MeterValues', evseId: 1 } });
    expect(v16.received.at(-1)).toEqual({ action: 'TriggerMessage', params: { requestedMessage: 'MeterValues', connectorId: 1 } });
  });

  it('a message the version cannot be asked for is refused (400), naming the version', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}/trigger-message', { ...path('CTL-16'), body: { requestedMessage: 'LogStatusNotification' } });
    expect(response.status).toBe(400);
    expect(error?.error).toMatch(/ocpp1\.6/);
    const dated = await anode.admin.POST('/cs/{csId}/trigger-message', { ...path('CTL-201'), body: { requestedMessage: 'DiagnosticsStatusNotification' } });
    expect(dated.response.status).toBe(400);
  });

  it('a CALLERROR from the station is returned as status CallError', async () => {
    answers['CTL-201'].TriggerMessage = () => {
      throw Object.assign(new Error('not today'), { rpcErrorCode: 'NotSupported' });
    };
    const { data } = await anode.admin.POST('/cs/{csId}/trigger-message', { ...path('CTL-201'), body: { requestedMessage: 'Heartbeat' } });
    expect(data).toMatchObject({ action: 'TriggerMessage', status: 'CallError', errorCode: 'NotSupported' });
    expect(await lastCall('CTL-201')).toMatchObject({ action: 'TriggerMessage', status: 'CallError', errorCode: 'NotSupported' });
    answers['CTL-201'].TriggerMessage = () => ({ status: 'Accepted' });
  });

  it('POST /cs/{csId}/trigger stays a stored request delivered to the station', async () => {
    const { data, response } = await anode.admin.POST('/cs/{csId}/trigger', { ...path('CTL-16'), body: { trigger: 'StatusNotification' } });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ kind: 'trigger', chargeStationId: 'CTL-16' });
  });
});

describe('a call the station never answered because it went away is told apart from one that could not be sent', () => {
  it('went away after the call was sent: 502, and the recorded call is WentAway', async () => {
    const leaving = await bootedStation(anode, 'CTL-GONE', {
      version: 'ocpp2.0.1',
      handlers: {
        Reset: () => {
          setTimeout(() => void leaving.close(), 20);
          return new Promise(() => {});
        },
      },
    });
    const { response, error } = await anode.admin.POST('/cs/{csId}/reset', { ...path('CTL-GONE'), body: { type: 'Immediate' } });
    expect(response.status).toBe(502);
    expect(error?.error).toMatch(/went away before answering Reset/);
    expect(await lastCall('CTL-GONE')).toMatchObject({ action: 'Reset', status: 'WentAway', response: null });
  });

  it('POST /cs/{csId}/call says the same: 502 when the station went away', async () => {
    const leaving = await bootedStation(anode, 'CTL-GONE-16', {
      handlers: {
        ClearCache: () => {
          setTimeout(() => void leaving.close(), 20);
          return new Promise(() => {});
        },
      },
    });
    const { response } = await anode.admin.POST('/cs/{csId}/call', { ...path('CTL-GONE-16'), body: { action: 'ClearCache', payload: {} } });
    expect(response.status).toBe(502);
    expect(await lastCall('CTL-GONE-16')).toMatchObject({ action: 'ClearCache', status: 'WentAway' });
  });

  it('not connected: 409, and no call was made', async () => {
    await registerStation(anode, 'CTL-NEVER');
    for (const attempt of [
      anode.admin.POST('/cs/{csId}/clear-cache', path('CTL-NEVER')),
      anode.admin.POST('/cs/{csId}/unlock', { ...path('CTL-NEVER'), body: { evseId: 1 } }),
      anode.admin.POST('/cs/{csId}/call', { ...path('CTL-NEVER'), body: { action: 'ClearCache', payload: {} } }),
    ]) {
      const { response, error } = await attempt;
      expect(response.status).toBe(409);
      expect(error?.error).toMatch(/not connected/);
    }
    expect((await anode.admin.GET('/cs/{csId}/calls', path('CTL-NEVER'))).data).toEqual([]);
  });
});
