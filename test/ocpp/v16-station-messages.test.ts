import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
const STATION = 'V16-MSG';

const tokenBody = (uid: string, overrides: Record<string, unknown> = {}) => ({
  countryCode: 'NL',
  partyId: 'EMS',
  type: 'RFID' as const,
  uid,
  contractId: `C-${uid}`,
  issuer: 'Test',
  valid: true,
  cacheMode: 'ALWAYS' as const,
  ...overrides,
});

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_HEARTBEAT_INTERVAL: '120' });
  station = await bootedStation(anode, STATION);
  await anode.admin.POST('/token', { body: tokenBody('0fc673', { expiryDate: '2099-01-01T00:00:00.000Z', groupId: 'FLEET' }) });
  await anode.admin.POST('/token', { body: tokenBody('BLOCKED1', { valid: false }) });
  await anode.admin.POST('/token', { body: tokenBody('EXPIRED1', { expiryDate: '2001-01-01T00:00:00.000Z' }) });
  await anode.admin.POST('/token', { body: tokenBody('LONGGROUP1', { groupId: 'A-GROUP-ID-OF-THIRTY-CHARACTER' }) });
});
afterAll(async () => {
  await station?.close();
  await anode?.stop();
});

const events = async (action: string) =>
  (await anode.admin.GET('/cs/{csId}/events', { params: { path: { csId: STATION }, query: { action } } })).data!;

describe('BootNotification', () => {
  it('accepts a registered station with the configured heartbeat interval and stores what it says of itself', async () => {
    const answer = await station.call('BootNotification', {
      chargePointVendor: 'ACME',
      chargePointModel: 'WALLBOX',
      chargePointSerialNumber: 'SN-1',
      firmwareVersion: '1.2.3',
    });
    expect(answer).toMatchObject({ status: 'Accepted', interval: 120 });
    expect(Math.abs(Date.parse(String(answer.currentTime)) - Date.now())).toBeLessThan(5000);
    const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: STATION } } });
    expect(data?.bootInfo).toMatchObject({ vendor: 'ACME', model: 'WALLBOX', serialNumber: 'SN-1', firmwareVersion: '1.2.3' });
    expect(data?.registrationStatus).toBe('Accepted');
  });
});

describe('Heartbeat', () => {
  it('answers the current time and marks the station as seen', async () => {
    const answer = await station.call('Heartbeat', {});
    expect(Math.abs(Date.parse(String(answer.currentTime)) - Date.now())).toBeLessThan(5000);
    await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: STATION } } });
      expect(Date.now() - Date.parse(data!.connection.lastSeenAt!)).toBeLessThan(5000);
    });
  });
});

describe('Authorize reads the token store', () => {
  it.each([
    ['a valid token', '0fc673', { status: 'Accepted', expiryDate: '2099-01-01T00:00:00.000Z', parentIdTag: 'FLEET' }],
    ['a blocked token', 'BLOCKED1', { status: 'Blocked' }],
    ['an expired token', 'EXPIRED1', { status: 'Expired', expiryDate: '2001-01-01T00:00:00.000Z' }],
    ['an unknown token', 'NOSUCHTAG', { status: 'Invalid' }],
    ['a token whose group id is longer than a 1.6 parentIdTag may be, without it', 'LONGGROUP1', { status: 'Accepted' }],
  ])('answers %s', async (_what, idTag, idTagInfo) => {
    expect(await station.call('Authorize', { idTag })).toEqual({ idTagInfo });
  });
});

describe('transactions: StartTransaction, MeterValues, StopTransaction', () => {
  const start = { connectorId: 1, idTag: '0fc673', meterStart: 10000, timestamp: '2021-11-10T14:00:00.000Z' };
  let transactionId: number;

  it('StartTransaction returns a persisted transactionId and the idTagInfo', async () => {
    const answer = await station.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', start);
    expect(answer.idTagInfo.status).toBe('Accepted');
    transactionId = answer.transactionId;
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } });
    expect(data?.transaction).toMatchObject({
      chargeStationId: STATION,
      evseId: 1,
      idTag: '0fc673',
      meterStartWh: 10000,
      startedAt: start.timestamp,
      stoppedAt: null,
    });
  });

  it('a repeated StartTransaction gets the same transactionId and makes no second transaction', async () => {
    const again = await station.call<{ transactionId: number }>('StartTransaction', start);
    expect(again.transactionId).toBe(transactionId);
    const { response } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: STATION } } });
    expect(response.headers.get('X-Total-Count')).toBe('1');
  });

  it('a transaction with an unknown token is still recorded, and the station is told Invalid', async () => {
    const answer = await station.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 2,
      idTag: 'STRANGER',
      meterStart: 0,
      timestamp: '2021-11-10T14:01:00.000Z',
    });
    expect(answer.idTagInfo.status).toBe('Invalid');
    expect(answer.transactionId).not.toBe(transactionId);
  });

  it('MeterValues stores every sampled value with measurand, phase, unit, context and location', async () => {
    await station.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: '2021-11-10T14:05:00.000Z',
          sampledValue: [
            { value: '10500', context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet' },
            { value: '16.2', measurand: 'Current.Import', phase: 'L1', unit: 'A', context: 'Sample.Periodic', location: 'Outlet' },
            { value: '7.4', measurand: 'Power.Active.Import', unit: 'kW', location: 'EV' },
            { value: 'AB12CD', format: 'SignedData', measurand: 'Energy.Active.Import.Register', context: 'Sample.Clock' },
          ],
        },
      ],
    });
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } });
    expect(data?.meterValues).toEqual([
      { sampledAt: '2021-11-10T14:05:00.000Z', measurand: 'Energy.Active.Import.Register', phase: null, unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet', value: 10500, rawValue: null },
      { sampledAt: '2021-11-10T14:05:00.000Z', measurand: 'Current.Import', phase: 'L1', unit: 'A', context: 'Sample.Periodic', location: 'Outlet', value: 16.2, rawValue: null },
      { sampledAt: '2021-11-10T14:05:00.000Z', measurand: 'Power.Active.Import', phase: null, unit: 'kW', context: 'Sample.Periodic', location: 'EV', value: 7.4, rawValue: null },
      { sampledAt: '2021-11-10T14:05:00.000Z', measurand: 'Energy.Active.Import.Register', phase: null, unit: 'Wh', context: 'Sample.Clock', location: 'Outlet', value: null, rawValue: 'AB12CD' },
    ]);
    expect(data?.transaction.lastMeterWh).toBe(10500);
  });

  it('StopTransaction (seed 003 example) closes the transaction with meterStop, reason and its transactionData', async () => {
    const answer = await station.call('StopTransaction', {
      idTag: '0fc673',
      meterStop: 15000,
      timestamp: '2021-11-10T15:15:00.000Z',
      transactionId,
      reason: 'EVDisconnected',
      transactionData: ['14:15', '14:30', '14:45', '15:00'].map((time, index) => ({
        timestamp: `2021-11-10T${time}:00.000Z`,
        sampledValue: [{ value: String(11000 + index * 1000) }],
      })),
    });
    expect(answer).toEqual({ idTagInfo: { status: 'Accepted', expiryDate: '2099-01-01T00:00:00.000Z', parentIdTag: 'FLEET' } });
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } });
    expect(data?.transaction).toMatchObject({ meterStopWh: 15000, stopReason: 'EVDisconnected', stoppedAt: '2021-11-10T15:15:00.000Z' });
    expect(data?.meterValues).toHaveLength(8);
  });

  it('a second StopTransaction for the closed transaction is accepted and changes nothing', async () => {
    const again = await station.call('StopTransaction', {
      meterStop: 99999,
      timestamp: '2021-11-10T16:00:00.000Z',
      transactionId,
      reason: 'Other',
      transactionData: [{ timestamp: '2021-11-10T15:30:00.000Z', sampledValue: [{ value: '99999' }] }],
    });
    expect(again).toEqual({});
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } });
    expect(data?.transaction).toMatchObject({ meterStopWh: 15000, stopReason: 'EVDisconnected', stoppedAt: '2021-11-10T15:15:00.000Z' });
    expect(data?.meterValues).toHaveLength(8);
  });

  it('a message with more samples than one INSERT can carry is stored whole', async () => {
    const { transactionId: big } = await station.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 3,
      idTag: '0fc673',
      meterStart: 0,
      timestamp: '2021-11-11T00:00:00.000Z',
    });
    const meterValue = Array.from({ length: 2000 }, (_, minute) => ({
      timestamp: new Date(Date.parse('2021-11-11T00:00:00.000Z') + minute * 60_000).toISOString(),
      sampledValue: [
        { value: String(minute * 10), measurand: 'Energy.Active.Import.Register' as const },
        { value: '11', measurand: 'Power.Active.Import' as const, unit: 'kW' as const },
        { value: '16', measurand: 'Current.Import' as const, phase: 'L1' as const, unit: 'A' as const },
      ],
    }));
    await station.call('MeterValues', { connectorId: 3, transactionId: big, meterValue });
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: big } } });
    expect(data?.meterValues).toHaveLength(6000);
    expect(data?.transaction.lastMeterWh).toBe(19990);
  });

  it('StopTransaction without a reason records Local, as OCPP 1.6 defines', async () => {
    const { transactionId: other } = await station.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: '0fc673',
      meterStart: 15000,
      timestamp: '2021-11-10T17:00:00.000Z',
    });
    await station.call('StopTransaction', { meterStop: 16000, timestamp: '2021-11-10T17:30:00.000Z', transactionId: other });
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: other } } });
    expect(data?.transaction.stopReason).toBe('Local');
  });
});

describe('StatusNotification keeps each connector live status', () => {
  it('stores the latest status per connector, and an older report does not overwrite a newer one', async () => {
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: '2021-11-10T14:00:00.000Z' });
    await station.call('StatusNotification', { connectorId: 2, errorCode: 'GroundFailure', status: 'Faulted', info: 'RCD tripped' });
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: '2021-11-10T13:00:00.000Z' });
    const { data } = await anode.admin.GET('/cs/{csId}/connectors', { params: { path: { csId: STATION } } });
    expect(data?.map(({ evseId, status, errorCode, info }) => ({ evseId, status, errorCode, info }))).toEqual([
      { evseId: 1, status: 'Charging', errorCode: 'NoError', info: null },
      { evseId: 2, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped' },
    ]);
  });
});

describe('notifications are answered and kept', () => {
  it('DataTransfer is kept and answered UnknownVendorId', async () => {
    expect(await station.call('DataTransfer', { vendorId: 'com.acme', messageId: 'm1', data: 'hello' })).toEqual({ status: 'UnknownVendorId' });
    expect((await events('DataTransfer'))[0].payload).toEqual({ vendorId: 'com.acme', messageId: 'm1', data: 'hello', answer: { status: 'UnknownVendorId' } });
  });

  it('DiagnosticsStatusNotification and LogStatusNotification update the diagnostics status', async () => {
    expect(await station.call('DiagnosticsStatusNotification', { status: 'Uploading' })).toEqual({});
    expect(await station.call('LogStatusNotification', { status: 'Uploaded', requestId: 7 })).toEqual({});
    const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: STATION } } });
    expect(data?.diagnosticsStatus).toBe('Uploaded');
    expect((await events('LogStatusNotification'))[0].payload).toEqual({ status: 'Uploaded', requestId: 7 });
    expect(await events('DiagnosticsStatusNotification')).toHaveLength(1);
  });

  it('FirmwareStatusNotification and SignedFirmwareStatusNotification update the firmware status', async () => {
    expect(await station.call('FirmwareStatusNotification', { status: 'Downloading' })).toEqual({});
    expect(await station.call('SignedFirmwareStatusNotification', { status: 'SignatureVerified', requestId: 3 })).toEqual({});
    const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: STATION } } });
    expect(data?.firmwareStatus).toBe('SignatureVerified');
    expect(await events('FirmwareStatusNotification')).toHaveLength(1);
    expect(await events('SignedFirmwareStatusNotification')).toHaveLength(1);
  });

  it('SecurityEventNotification is kept', async () => {
    const event = { type: 'FirmwareUpdated', timestamp: '2021-11-10T14:00:00.000Z', techInfo: 'v1.2.3' };
    expect(await station.call('SecurityEventNotification', event)).toEqual({});
    expect((await events('SecurityEventNotification'))[0].payload).toEqual(event);
  });

  it('SignCertificate with a valid CSR is accepted and kept as a signing (signing itself: certificate-signing.test.ts)', async () => {
    const openssl = new OpensslWorkbench();
    try {
      const { csr } = openssl.csr(`/CN=${STATION}`);
      expect(await station.call('SignCertificate', { csr })).toEqual({ status: 'Accepted' });
      const { data } = await anode.admin.GET('/cs/{csId}/certificate-signings', { params: { path: { csId: STATION } } });
      expect(data![0]).toMatchObject({ certificateType: 'ChargingStationCertificate', channel: 'ocpp1.6' });
    } finally {
      openssl.remove();
    }
  });
});
