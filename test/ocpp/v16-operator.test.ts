import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, connectStation, eventually, registerStation } from '../support/stations.js';

const pem = readFileSync(new URL('../fixtures/station-client.pem', import.meta.url), 'utf8');

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_PENDING_INTERVAL: '1' });
});
afterAll(() => anode?.stop());

const requests = async (csId: string) =>
  (await anode.admin.GET('/cs/{csId}/requests', { params: { path: { csId } } })).data!;

describe('reconfigure: a registered station boots Pending, takes its configuration, then is Accepted', () => {
  it('ChangeConfiguration per key, then a BootNotification trigger, then Accepted', async () => {
    const password = await registerStation(anode, 'CFG-1');
    await anode.admin.POST('/cs/{csId}/reconfigure', {
      params: { path: { csId: 'CFG-1' } },
      body: { HeartbeatInterval: '300', MeterValueSampleInterval: '60' },
    });
    const station = await connectStation(anode, {
      id: 'CFG-1',
      password,
      handlers: {
        ChangeConfiguration: () => ({ status: 'Accepted' }),
        TriggerMessage: () => ({ status: 'Accepted' }),
      },
    });
    const first = await station.call('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' });
    expect(first).toMatchObject({ status: 'Pending', interval: 1 });
    await eventually(async () => {
      expect(station.received.map((call) => call.action)).toEqual(['ChangeConfiguration', 'ChangeConfiguration', 'TriggerMessage']);
    });
    expect(station.received[0].params).toEqual({ key: 'HeartbeatInterval', value: '300' });
    expect(station.received[2].params).toEqual({ requestedMessage: 'BootNotification' });
    const [request] = await requests('CFG-1');
    expect(request).toMatchObject({
      kind: 'reconfigure',
      status: 'Accepted',
      outcome: { settings: { HeartbeatInterval: 'Accepted', MeterValueSampleInterval: 'Accepted' } },
    });
    const second = await station.call('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' });
    expect(second.status).toBe('Accepted');
    await station.close();
  });

  it('resets the station when a setting needs a reboot, and records a rejected setting', async () => {
    const password = await registerStation(anode, 'CFG-2');
    await anode.admin.POST('/cs/{csId}/reconfigure', {
      params: { path: { csId: 'CFG-2' } },
      body: { WebSocketPingInterval: '30', Unknown: 'x' },
    });
    const station = await connectStation(anode, {
      id: 'CFG-2',
      password,
      handlers: {
        ChangeConfiguration: (params) => ({ status: params.key === 'Unknown' ? 'NotSupported' : 'RebootRequired' }),
        Reset: () => ({ status: 'Accepted' }),
      },
    });
    expect((await station.call('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' })).status).toBe('Pending');
    await eventually(async () => {
      expect(station.received.map((call) => call.action)).toEqual(['ChangeConfiguration', 'ChangeConfiguration', 'Reset']);
    });
    expect(station.received[2].params).toEqual({ type: 'Hard' });
    await eventually(async () => {
      const [request] = await requests('CFG-2');
      expect(request).toMatchObject({
        status: 'Rejected',
        outcome: { settings: { WebSocketPingInterval: 'RebootRequired', Unknown: 'NotSupported' }, reboot: 'Accepted' },
      });
    });
    await station.close();
  });

  it('a connected, booted station gets new settings at once, with a reset when the operator asks for one', async () => {
    const station = await bootedStation(anode, 'CFG-3', {
      handlers: { ChangeConfiguration: () => ({ status: 'Accepted' }), Reset: () => ({ status: 'Accepted' }) },
    });
    await anode.admin.POST('/cs/{csId}/reconfigure', {
      params: { path: { csId: 'CFG-3' }, query: { reboot: true } },
      body: { LightIntensity: '50' },
    });
    await eventually(async () => {
      expect(station.received.map((call) => call.action)).toEqual(['ChangeConfiguration', 'Reset']);
    });
    await eventually(async () => expect((await requests('CFG-3'))[0].status).toBe('Accepted'));
    await station.close();
  });
});

describe('certificates and triggers are delivered to a connected station, and their outcome is readable', () => {
  it('InstallCertificate: the CSMS root through the security extension, the V2G root through Plug & Charge DataTransfer', async () => {
    const station = await bootedStation(anode, 'CERT-1', {
      handlers: {
        InstallCertificate: () => ({ status: 'Accepted' }),
        DataTransfer: () => ({ status: 'Accepted', data: JSON.stringify({ status: 'Rejected' }) }),
      },
    });
    await anode.admin.POST('/cs/{csId}/certificates', {
      params: { path: { csId: 'CERT-1' } },
      body: { certificates: [{ type: 'CSMS', certificate: pem.trim().split('\n').join('\\n') }, { type: 'V2G', certificate: pem }] },
    });
    await eventually(async () => expect((await requests('CERT-1'))[0].status).toBe('Rejected'));
    const [request] = await requests('CERT-1');
    expect(request.outcome).toEqual({
      certificates: [
        { type: 'CSMS', status: 'Accepted' },
        { type: 'V2G', status: 'Rejected' },
      ],
    });
    expect(station.received).toHaveLength(2);
    expect(station.received[0]).toEqual({
      action: 'InstallCertificate',
      params: { certificateType: 'CentralSystemRootCertificate', certificate: pem.trim() },
    });
    expect(station.received[1].action).toBe('DataTransfer');
    expect(station.received[1].params).toMatchObject({ vendorId: 'org.openchargealliance.iso15118pnc', messageId: 'InstallCertificate' });
    expect(JSON.parse(String(station.received[1].params.data))).toEqual({ certificateType: 'V2GRootCertificate', certificate: pem });
    // The root the station took joins its inventory; the one it refused does not.
    const { data: inventory } = await anode.admin.GET('/cs/{csId}/installed-certificates', { params: { path: { csId: 'CERT-1' } } });
    expect(inventory!.map(({ certificateType, source, subject }) => ({ certificateType, source, subject }))).toEqual([
      { certificateType: 'CSMSRootCertificate', source: 'Installed', subject: 'CN=CS001, O=Anode test' },
    ]);
    await station.close();
  });

  it('TriggerMessage for StatusNotification, ExtendedTriggerMessage for the station certificate', async () => {
    const station = await bootedStation(anode, 'TRIG-1', {
      handlers: { TriggerMessage: () => ({ status: 'Accepted' }), ExtendedTriggerMessage: () => ({ status: 'Rejected' }) },
    });
    await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: 'TRIG-1' } }, body: { trigger: 'StatusNotification' } });
    await anode.admin.POST('/cs/{csId}/trigger', {
      params: { path: { csId: 'TRIG-1' } },
      body: { trigger: 'SignChargingStationCertificate' },
    });
    await eventually(async () => {
      const [second, first] = await requests('TRIG-1');
      expect(first).toMatchObject({ status: 'Accepted', outcome: { trigger: 'Accepted' } });
      expect(second).toMatchObject({ status: 'Rejected', outcome: { trigger: 'Rejected' } });
    });
    expect(station.received.map((call) => [call.action, call.params.requestedMessage])).toEqual([
      ['TriggerMessage', 'StatusNotification'],
      ['ExtendedTriggerMessage', 'SignChargePointCertificate'],
    ]);
    await station.close();
  });

  it('work for an offline station waits for its next boot', async () => {
    const password = await registerStation(anode, 'LATER-1');
    await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: 'LATER-1' } }, body: { trigger: 'BootNotification' } });
    expect((await requests('LATER-1'))[0].status).toBe('Pending');
    const station = await connectStation(anode, { id: 'LATER-1', password, handlers: { TriggerMessage: () => ({ status: 'Accepted' }) } });
    expect(station.received).toHaveLength(0);
    await station.call('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' });
    await eventually(async () => expect((await requests('LATER-1'))[0].status).toBe('Accepted'));
    await station.close();
  });
});

describe('every OCPP 1.6 CSMS call is callable through the admin API and its answer recorded', () => {
  const calls: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['CancelReservation', { reservationId: 1 }, { status: 'Accepted' }],
    ['ChangeAvailability', { connectorId: 1, type: 'Inoperative' }, { status: 'Scheduled' }],
    ['ChangeConfiguration', { key: 'HeartbeatInterval', value: '60' }, { status: 'Accepted' }],
    ['ClearCache', {}, { status: 'Accepted' }],
    ['ClearChargingProfile', { id: 3 }, { status: 'Unknown' }],
    ['DataTransfer', { vendorId: 'com.acme', data: 'x' }, { status: 'Accepted', data: 'y' }],
    ['GetCompositeSchedule', { connectorId: 1, duration: 3600 }, { status: 'Rejected' }],
    ['GetConfiguration', { key: ['HeartbeatInterval'] }, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '60' }] }],
    ['GetDiagnostics', { location: 'ftp://logs.example.com/' }, { fileName: 'diag.zip' }],
    ['GetLocalListVersion', {}, { listVersion: 4 }],
    ['RemoteStartTransaction', { idTag: 'TAG1', connectorId: 1 }, { status: 'Accepted' }],
    ['RemoteStopTransaction', { transactionId: 12 }, { status: 'Rejected' }],
    ['ReserveNow', { connectorId: 1, expiryDate: '2030-01-01T00:00:00Z', idTag: 'TAG1', reservationId: 9 }, { status: 'Occupied' }],
    ['Reset', { type: 'Soft' }, { status: 'Accepted' }],
    ['SendLocalList', { listVersion: 5, updateType: 'Full', localAuthorizationList: [{ idTag: 'TAG1', idTagInfo: { status: 'Accepted' } }] }, { status: 'Accepted' }],
    ['SetChargingProfile', { connectorId: 1, csChargingProfiles: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } } }, { status: 'Accepted' }],
    ['TriggerMessage', { requestedMessage: 'Heartbeat' }, { status: 'Accepted' }],
    ['UnlockConnector', { connectorId: 1 }, { status: 'Unlocked' }],
    ['UpdateFirmware', { location: 'https://fw.example.com/1.bin', retrieveDate: '2030-01-01T00:00:00Z' }, {}],
    ['CertificateSigned', { certificateChain: pem }, { status: 'Accepted' }],
    ['DeleteCertificate', { certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' } }, { status: 'NotFound' }],
    ['ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification' }, { status: 'Accepted' }],
    ['GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }, { status: 'NotFound' }],
    ['GetLog', { logType: 'SecurityLog', requestId: 1, log: { remoteLocation: 'https://logs.example.com/' } }, { status: 'Accepted', filename: 'security.log' }],
    ['InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: pem }, { status: 'Accepted' }],
    ['SignedUpdateFirmware', { requestId: 2, firmware: { location: 'https://fw.example.com/2.bin', retrieveDateTime: '2030-01-01T00:00:00Z', signingCertificate: pem, signature: 'c2ln' } }, { status: 'Accepted' }],
  ];

  let station: Awaited<ReturnType<typeof bootedStation>>;
  beforeAll(async () => {
    station = await bootedStation(anode, 'CALL-16', {
      handlers: Object.fromEntries(calls.map(([action, , answer]) => [action, () => answer])),
    });
  });
  afterAll(() => station?.close());

  it.each(calls)('%s reaches the station and its answer comes back and is recorded', async (action, payload, answer) => {
    const { data, response } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: 'CALL-16' } },
      body: { action: action as 'Reset', payload },
    });
    expect(response.status).toBe(200);
    expect(data).toEqual({ action, ocppVersion: 'ocpp1.6', status: 'Answered', response: answer });
    expect(station.received.at(-1)).toEqual({ action, params: payload });
    const recorded = await anode.admin.GET('/cs/{csId}/calls', { params: { path: { csId: 'CALL-16' }, query: { limit: 1 } } });
    expect(recorded.data?.[0]).toMatchObject({ action, request: payload, status: 'Answered', response: answer });
  });

  it('a payload that breaks the OCPP 1.6 schema is a 400 and nothing is sent', async () => {
    const before = station.received.length;
    const { response, error } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: 'CALL-16' } },
      body: { action: 'Reset', payload: { type: 'Immediate' } },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toMatch(/^Reset payload is invalid for ocpp1\.6: /);
    expect(station.received).toHaveLength(before);
  });

  it('an OCPP 2.0.1-only action is a 400 for an OCPP 1.6 station', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: 'CALL-16' } },
      body: { action: 'GetVariables', payload: { getVariableData: [] } },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toBe('GetVariables is not an ocpp1.6 action a CSMS can send');
  });
});

describe('calls to stations that cannot answer', () => {
  it('a station that is not connected is a 409', async () => {
    await registerStation(anode, 'OFFLINE-1');
    const { response, error } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: 'OFFLINE-1' } },
      body: { action: 'ClearCache', payload: {} },
    });
    expect(response.status).toBe(409);
    expect(error?.error).toBe('charge station OFFLINE-1 is not connected');
  });

  it('an unknown station is a 404', async () => {
    const { response } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: 'NO-SUCH' } },
      body: { action: 'ClearCache', payload: {} },
    });
    expect(response.status).toBe(404);
  });

  it('a station that does not answer in time is a 504, recorded as Timeout', async () => {
    const station = await bootedStation(anode, 'SLOW-1', { handlers: { ClearCache: () => new Promise(() => {}) } });
    const { response, error } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: 'SLOW-1' } },
      body: { action: 'ClearCache', payload: {}, timeoutSeconds: 1 },
    });
    expect(response.status).toBe(504);
    expect(error?.error).toBe('charge station SLOW-1 did not answer ClearCache in time');
    const recorded = await anode.admin.GET('/cs/{csId}/calls', { params: { path: { csId: 'SLOW-1' } } });
    expect(recorded.data?.[0]).toMatchObject({ action: 'ClearCache', status: 'Timeout' });
    await station.close();
  });

  it('a station answering with a CALLERROR gives status CallError with its code', async () => {
    const station = await bootedStation(anode, 'ERR-1', {});
    const { data } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: 'ERR-1' } },
      body: { action: 'ClearCache', payload: {} },
    });
    expect(data).toMatchObject({ status: 'CallError', errorCode: 'NotImplemented', errorDescription: 'station does not handle ClearCache' });
    const recorded = await anode.admin.GET('/cs/{csId}/calls', { params: { path: { csId: 'ERR-1' } } });
    expect(recorded.data?.[0]).toMatchObject({ status: 'CallError', errorCode: 'NotImplemented' });
    await station.close();
  });
});
