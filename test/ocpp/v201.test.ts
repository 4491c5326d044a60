import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, connectStation, eventually, registerStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
const STATION = 'V201-CORE';

const answers: Record<string, Record<string, unknown>> = {
  RequestStartTransaction: { status: 'Accepted', transactionId: 'tx-remote-1' },
  RequestStopTransaction: { status: 'Accepted' },
  Reset: { status: 'Scheduled' },
  TriggerMessage: { status: 'Accepted' },
  SetVariables: { setVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
  GetVariables: { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
  UnlockConnector: { status: 'Unlocked' },
  ChangeAvailability: { status: 'Accepted' },
};

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_PENDING_INTERVAL: '1' });
  station = await bootedStation(anode, STATION, {
    version: 'ocpp2.0.1',
    handlers: Object.fromEntries(Object.entries(answers).map(([action, answer]) => [action, () => answer])),
  });
  await anode.admin.POST('/token', {
    body: { countryCode: 'NL', partyId: 'EMS', type: 'RFID', uid: 'AA11BB22', contractId: 'C1', issuer: 'I', valid: true, cacheMode: 'ALWAYS', groupId: 'G1' },
  });
});
afterAll(async () => {
  await station?.close();
  await anode?.stop();
});

const now = () => new Date().toISOString();

describe('OCPP 2.0.1 BootNotification, Heartbeat, StatusNotification', () => {
  it('BootNotification is Accepted with an interval and the station described', async () => {
    const answer = await station.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { vendorName: 'Volta', model: 'V2', serialNumber: 'S-9', firmwareVersion: '2.0' },
    });
    expect(answer).toMatchObject({ status: 'Accepted', interval: 300 });
    const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: STATION } } });
    expect(data?.bootInfo).toMatchObject({ vendor: 'Volta', model: 'V2', serialNumber: 'S-9', firmwareVersion: '2.0' });
    expect(data?.connection.ocppVersion).toBe('ocpp2.0.1');
  });

  it('Heartbeat answers the current time', async () => {
    const answer = await station.call('Heartbeat', {});
    expect(Math.abs(Date.parse(String(answer.currentTime)) - Date.now())).toBeLessThan(5000);
  });

  it('StatusNotification keeps the status per EVSE and connector', async () => {
    await station.call('StatusNotification', { timestamp: now(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    await station.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 2 });
    const { data } = await anode.admin.GET('/cs/{csId}/connectors', { params: { path: { csId: STATION } } });
    expect(data?.map(({ evseId, connectorId, status }) => [evseId, connectorId, status])).toEqual([
      [1, 1, 'Occupied'],
      [1, 2, 'Available'],
    ]);
  });
});

describe('OCPP 2.0.1 Authorize', () => {
  it('answers from the token store, with the group token', async () => {
    expect(await station.call('Authorize', { idToken: { idToken: 'AA11BB22', type: 'ISO14443' } })).toEqual({
      idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: 'G1', type: 'Central' } },
    });
    expect(await station.call('Authorize', { idToken: { idToken: 'NOPE', type: 'ISO14443' } })).toEqual({
      idTokenInfo: { status: 'Unknown' },
    });
  });
});

describe('OCPP 2.0.1 TransactionEvent: Started, Updated, Ended', () => {
  const transactionId = randomUUID();
  const energy = (wh: number, timestamp = now()) => [
    { timestamp, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh', multiplier: -3 } }] },
  ];
  const event = (eventType: string, seqNo: number, extra: Record<string, unknown> = {}) => ({
    eventType,
    timestamp: now(),
    triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'StopAuthorized' : 'MeterValuePeriodic',
    seqNo,
    transactionInfo: { transactionId, ...(eventType === 'Ended' && { stoppedReason: 'EVDisconnected' }) },
    ...extra,
  });

  it('Started opens a transaction with its EVSE, token and meter start, and answers the token status', async () => {
    const answer = await station.call('TransactionEvent',
      event('Started', 0, { idToken: { idToken: 'AA11BB22', type: 'ISO14443' }, evse: { id: 1, connectorId: 1 }, meterValue: energy(1000) }),
    );
    expect(answer).toEqual({ idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: 'G1', type: 'Central' } } });
    const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: STATION } } });
    expect(data?.[0]).toMatchObject({ stationTransactionId: transactionId, evseId: 1, connectorId: 1, idTag: 'AA11BB22', meterStartWh: 1000, stoppedAt: null });
  });

  it('a retried event (same seqNo) is answered but applied once', async () => {
    const updated = event('Updated', 1, { meterValue: energy(5000) });
    expect(await station.call('TransactionEvent', updated)).toEqual({});
    expect(await station.call('TransactionEvent', updated)).toEqual({});
    const { data: list } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: STATION } } });
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: list![0].id } } });
    expect(data?.meterValues).toHaveLength(2);
    expect(data?.meterValues[1]).toMatchObject({ measurand: 'Energy.Active.Import.Register', unit: 'kWh', value: 5 });
  });

  it('Ended closes it with the stop reason; a repeated Ended changes nothing', async () => {
    await station.call('TransactionEvent', event('Ended', 2, { meterValue: energy(9000) }));
    await station.call('TransactionEvent', event('Ended', 3, { meterValue: energy(99999) }));
    const { data: list } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: STATION } } });
    expect(list).toHaveLength(1);
    expect(list?.[0]).toMatchObject({ stopReason: 'EVDisconnected', meterStopWh: 9000 });
    expect(list?.[0].stoppedAt).not.toBeNull();
  });

  it('an event for an unknown transaction without an EVSE is a PropertyConstraintViolation', async () => {
    await expect(
      station.call('TransactionEvent', { ...event('Updated', 0), transactionInfo: { transactionId: 'never-started' } }),
    ).rejects.toMatchObject({ rpcErrorCode: 'PropertyConstraintViolation' });
  });
});

describe("A transaction's energy: every reading is stored, the row's copy is refreshed at most every TRANSACTION_METER_SYNC_SECONDS", () => {
  const transactionId = randomUUID();
  const updated = (seqNo: number, wh: number) => ({
    eventType: 'Updated',
    timestamp: now(),
    triggerReason: 'MeterValuePeriodic',
    seqNo,
    transactionInfo: { transactionId },
    meterValue: [{ timestamp: now(), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }],
  });
  const listed = async () => {
    const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: STATION } } });
    return data!.find((t) => t.stationTransactionId === transactionId)!;
  };

  it("within the interval the list keeps the reading of the start, while the transaction's own view shows the latest", async () => {
    await station.call('TransactionEvent', {
      ...updated(0, 2000),
      eventType: 'Started',
      triggerReason: 'Authorized',
      idToken: { idToken: 'AA11BB22', type: 'ISO14443' },
      evse: { id: 2, connectorId: 1 },
    });
    await station.call('TransactionEvent', updated(1, 2500));
    await station.call('TransactionEvent', updated(2, 3100));
    const row = await listed();
    expect(row.lastMeterWh).toBe(2000);
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: row.id } } });
    expect(data?.transaction.lastMeterWh).toBe(3100);
  });

  it('an Ended event without a reading ends the transaction at its highest stored reading, not at the lagging copy', async () => {
    await station.call('TransactionEvent', {
      eventType: 'Ended',
      timestamp: now(),
      triggerReason: 'StopAuthorized',
      seqNo: 3,
      transactionInfo: { transactionId, stoppedReason: 'Local' },
    });
    expect(await listed()).toMatchObject({ meterStopWh: 3100, lastMeterWh: 3100 });
  });
});

describe('OCPP 2.0.1 MeterValues, NotifyReport, SecurityEventNotification are kept', () => {
  it('MeterValues outside a transaction are stored', async () => {
    expect(await station.call('MeterValues', { evseId: 0, meterValue: [{ timestamp: now(), sampledValue: [{ value: 230, measurand: 'Voltage', phase: 'L1-N', unitOfMeasure: { unit: 'V' } }] }] })).toEqual({});
  });

  it('NotifyReport is kept in the device model (test/ocpp/device-model.test.ts has the use cases)', async () => {
    const report = {
      requestId: 1,
      generatedAt: now(),
      seqNo: 0,
      tbc: false,
      reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ value: '300', persistent: true, constant: false }] }],
    };
    expect(await station.call('NotifyReport', report)).toEqual({});
    const { data } = await anode.admin.GET('/cs/{csId}/variables', { params: { path: { csId: STATION }, query: { component: 'OCPPCommCtrlr' } } });
    expect(data).toMatchObject([{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '300', source: 'NotifyReport' }]);
  });

  it('SecurityEventNotification is kept', async () => {
    expect(await station.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: now() })).toEqual({});
  });

  // An action no version defines is NotImplemented (test/ocpp/bad-input.test.ts sends one in a raw frame).
  it('a message OCPP 2.0.1 defines for the CSMS to send is answered NotSupported', async () => {
    await expect(station.call('Reset', { type: 'Immediate' })).rejects.toMatchObject({ rpcErrorCode: 'NotSupported' });
  });
});

describe('OCPP 2.0.1 calls from the operator', () => {
  const calls: Array<[string, Record<string, unknown>]> = [
    ['RequestStartTransaction', { idToken: { idToken: 'AA11BB22', type: 'ISO14443' }, remoteStartId: 7, evseId: 1 }],
    ['RequestStopTransaction', { transactionId: 'tx-remote-1' }],
    ['Reset', { type: 'OnIdle' }],
    ['TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }],
    ['SetVariables', { setVariableData: [{ attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }],
    ['GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }],
    ['UnlockConnector', { evseId: 1, connectorId: 1 }],
    ['ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }],
  ];

  it.each(calls)('%s reaches the station and its answer comes back', async (action, payload) => {
    const { data } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: STATION } },
      body: { action: action as 'Reset', payload },
    });
    expect(data).toEqual({ action, ocppVersion: 'ocpp2.0.1', status: 'Answered', response: answers[action] });
    expect(station.received.at(-1)).toEqual({ action, params: payload });
  });

  it('an OCPP 1.6-only action is refused for an OCPP 2.0.1 station', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: STATION } },
      body: { action: 'RemoteStartTransaction', payload: { idTag: 'X' } },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toBe('RemoteStartTransaction is not an ocpp2.0.1 action a CSMS can send');
  });
});

describe('OCPP 2.0.1 reconfigure and triggers from the operator', () => {
  it('settings named component/variable become SetVariables, then the station is Accepted', async () => {
    const password = await registerStation(anode, 'V201-CFG');
    await anode.admin.POST('/cs/{csId}/reconfigure', {
      params: { path: { csId: 'V201-CFG' } },
      body: { 'OCPPCommCtrlr/HeartbeatInterval': '60', 'EVSE;;1/AvailabilityState;;Actual': 'Available', NotAComponent: 'x' },
    });
    const cfg = await connectStation(anode, {
      id: 'V201-CFG',
      password,
      version: 'ocpp2.0.1',
      handlers: {
        SetVariables: (params) => ({
          setVariableResult: (params.setVariableData as Array<{ component: object; variable: object }>).map((item) => ({
            attributeStatus: 'Accepted',
            component: item.component,
            variable: item.variable,
          })),
        }),
        TriggerMessage: () => ({ status: 'Accepted' }),
      },
    });
    const boot = await cfg.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
    expect(boot.status).toBe('Pending');
    await eventually(async () => expect(cfg.received.map((call) => call.action)).toEqual(['SetVariables', 'SetVariables', 'TriggerMessage']));
    expect(cfg.received[1].params).toEqual({
      setVariableData: [{ attributeValue: 'Available', attributeType: 'Actual', component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } }],
    });
    const { data } = await anode.admin.GET('/cs/{csId}/requests', { params: { path: { csId: 'V201-CFG' } } });
    expect(data?.[0]).toMatchObject({
      status: 'Rejected',
      outcome: {
        settings: {
          'OCPPCommCtrlr/HeartbeatInterval': 'Accepted',
          'EVSE;;1/AvailabilityState;;Actual': 'Accepted',
          NotAComponent: 'Failed: "NotAComponent" is not <component>/<variable> as OCPP 2.0.1 settings are named',
        },
      },
    });
    expect((await cfg.call('BootNotification', { reason: 'Triggered', chargingStation: { vendorName: 'V', model: 'M' } })).status).toBe('Accepted');
    await cfg.close();
  });

  it('certificates and triggers use the OCPP 2.0.1 names', async () => {
    const other = await bootedStation(anode, 'V201-CERT', {
      version: 'ocpp2.0.1',
      handlers: { InstallCertificate: () => ({ status: 'Accepted' }), TriggerMessage: () => ({ status: 'Accepted' }) },
    });
    await anode.admin.POST('/cs/{csId}/certificates', {
      params: { path: { csId: 'V201-CERT' } },
      body: { certificates: [{ type: 'V2G', certificate: 'PEM-1' }, { type: 'MO', certificate: 'PEM-2' }] },
    });
    await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: 'V201-CERT' } }, body: { trigger: 'SignV2GCertificate' } });
    await eventually(async () => expect(other.received).toHaveLength(3));
    expect(other.received).toEqual([
      { action: 'InstallCertificate', params: { certificateType: 'V2GRootCertificate', certificate: 'PEM-1' } },
      { action: 'InstallCertificate', params: { certificateType: 'MORootCertificate', certificate: 'PEM-2' } },
      { action: 'TriggerMessage', params: { requestedMessage: 'SignV2GCertificate' } },
    ]);
    await other.close();
  });
});
