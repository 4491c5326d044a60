/**
 * Every one of the 25 messages OCPP 2.0.1 lets a station send, sent with a valid payload by a strict client (which
 * also checks Anode's answer against the response schema), gets a valid answer, and what it carried can be read
 * back through the admin API. The use cases themselves are tested in their own files.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const CS = 'EVERY-201';
const openssl = new OpensslWorkbench();
let anode: TestAnode;
let station: SimulatedStation;
const now = () => new Date().toISOString();
const path = { path: { csId: CS } };

beforeAll(async () => {
  anode = await startIsolatedAnode();
  const accepted = () => ({ status: 'Accepted' });
  station = await bootedStation(anode, CS, {
    version: 'ocpp2.0.1',
    handlers: {
      GetBaseReport: accepted,
      UpdateFirmware: accepted,
      PublishFirmware: accepted,
      GetLog: () => ({ status: 'Accepted', filename: 'log.txt' }),
      CustomerInformation: accepted,
      GetDisplayMessages: accepted,
      GetMonitoringReport: accepted,
      GetChargingProfiles: accepted,
      ReserveNow: accepted,
      CertificateSigned: accepted,
    },
  });
  await anode.admin.POST('/token', {
    body: { countryCode: 'NL', partyId: 'EMS', type: 'RFID', uid: 'EVERY-TOKEN', contractId: 'C-EVERY', issuer: 'I', valid: true, cacheMode: 'ALWAYS' },
  });
});
afterAll(async () => {
  await station?.close();
  await anode?.stop();
  openssl.remove();
});

const component = { name: 'EVSE', evse: { id: 1 } };
const variable = { name: 'AvailabilityState' };

/** Starts a job through the admin API and answers its requestId. */
async function requestIdOf(started: Promise<{ data?: { job: { requestId: number | null } } }>): Promise<number> {
  const { data } = await started;
  return data!.job.requestId!;
}

const jobsOf = async (kind: string) =>
  (await anode.admin.GET('/cs/{csId}/jobs', { params: { ...path, query: { kind: kind as never } } })).data!;
const eventsOf = async (action: string) =>
  (await anode.admin.GET('/cs/{csId}/events', { params: { ...path, query: { action } } })).data!.map((event) => event.payload);
const noticesOf = async (kind: string) =>
  (await anode.admin.GET('/cs/{csId}/charging-notices', { params: { ...path, query: { kind: kind as never } } })).data!;

/** [action, payload (may need a job started first), what the answer must contain, what the admin API must show] */
type Case = [
  action: string,
  payload: () => Promise<Record<string, unknown>>,
  answer: Record<string, unknown>,
  readBack: (sent: Record<string, unknown>) => Promise<void>,
];

const transactionId = randomUUID();

const cases: Case[] = [
  [
    'BootNotification',
    async () => ({ reason: 'PowerUp', chargingStation: { vendorName: 'Every', model: 'All25', firmwareVersion: 'v9' } }),
    { status: 'Accepted' },
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}', { params: path });
      expect(data!.bootInfo).toMatchObject({ vendor: 'Every', model: 'All25', firmwareVersion: 'v9' });
    },
  ],
  [
    'Heartbeat',
    async () => ({}),
    {},
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}', { params: path });
      expect(data!.connection.lastSeenAt).not.toBeNull();
    },
  ],
  [
    'StatusNotification',
    async () => ({ timestamp: now(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 }),
    {},
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/connectors', { params: path });
      expect(data).toContainEqual(expect.objectContaining({ evseId: 1, connectorId: 1, status: 'Occupied' }));
    },
  ],
  [
    'Authorize',
    async () => ({ idToken: { idToken: 'EVERY-TOKEN', type: 'ISO14443' } }),
    { idTokenInfo: { status: 'Accepted' } },
    // Authorize asks; it carries nothing to keep. The token store it was answered from is what can be read.
    async () => {
      const { data } = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'EVERY-TOKEN' } } });
      expect(data).toMatchObject({ uid: 'EVERY-TOKEN', valid: true });
    },
  ],
  [
    'TransactionEvent',
    async () => ({
      eventType: 'Started',
      timestamp: now(),
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId, chargingState: 'Charging' },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'EVERY-TOKEN', type: 'ISO14443' },
      meterValue: [{ timestamp: now(), sampledValue: [{ value: 1000, measurand: 'Energy.Active.Import.Register' }] }],
    }),
    { idTokenInfo: { status: 'Accepted' } },
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: path });
      expect(data).toContainEqual(expect.objectContaining({ stationTransactionId: transactionId, idTag: 'EVERY-TOKEN', meterStartWh: 1000 }));
    },
  ],
  [
    'MeterValues',
    async () => ({ evseId: 1, meterValue: [{ timestamp: now(), sampledValue: [{ value: 1500, measurand: 'Energy.Active.Import.Register' }] }] }),
    {},
    async () => {
      const { data: listed } = await anode.admin.GET('/cs/{csId}/transactions', { params: path });
      const running = listed!.find((transaction) => transaction.stationTransactionId === transactionId)!;
      const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: running.id } } });
      expect(JSON.stringify(data)).toContain('1500');
    },
  ],
  [
    'NotifyReport',
    async () => ({
      requestId: await requestIdOf(anode.admin.POST('/cs/{csId}/reports/base', { params: path, body: { reportBase: 'FullInventory' } })),
      generatedAt: now(),
      seqNo: 0,
      tbc: false,
      reportData: [{ component, variable, variableAttribute: [{ value: 'Available', persistent: false, constant: false }] }],
    }),
    {},
    async (sent) => {
      const { data } = await anode.admin.GET('/cs/{csId}/variables', { params: { ...path, query: { variable: 'AvailabilityState' } } });
      expect(data).toMatchObject([{ component: 'EVSE', evseId: 1, value: 'Available' }]);
      expect((await jobsOf('BaseReport')).find((job) => job.requestId === sent.requestId)).toMatchObject({ status: 'Complete' });
    },
  ],
  [
    'NotifyEvent',
    async () => ({
      generatedAt: now(),
      seqNo: 0,
      tbc: false,
      eventData: [{ eventId: 5, timestamp: now(), trigger: 'Delta', actualValue: 'true', eventNotificationType: 'HardWiredNotification', component, variable: { name: 'Problem' } }],
    }),
    {},
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/device-events', { params: { ...path, query: { problem: true } } });
      expect(data).toMatchObject([{ eventId: 5, variable: 'Problem', problem: true }]);
    },
  ],
  [
    'NotifyMonitoringReport',
    async () => ({
      requestId: await requestIdOf(anode.admin.POST('/cs/{csId}/monitors/report', { params: path, body: {} })),
      generatedAt: now(),
      seqNo: 0,
      tbc: false,
      monitor: [{ component, variable: { name: 'Power' }, variableMonitoring: [{ id: 11, transaction: false, value: 22000, type: 'UpperThreshold', severity: 4 }] }],
    }),
    {},
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/monitors', { params: path });
      expect(data).toContainEqual(expect.objectContaining({ id: 11, variable: 'Power', type: 'UpperThreshold', severity: 4 }));
    },
  ],
  [
    'NotifyDisplayMessages',
    async () => ({
      requestId: await requestIdOf(anode.admin.POST('/cs/{csId}/display-messages/report', { params: path, body: {} })),
      tbc: false,
      messageInfo: [{ id: 3, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Welcome' } }],
    }),
    {},
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/display-messages', { params: path });
      expect(data).toContainEqual(expect.objectContaining({ id: 3, status: 'Reported', message: expect.objectContaining({ content: 'Welcome' }) }));
    },
  ],
  [
    'NotifyCustomerInformation',
    async () => ({
      requestId: await requestIdOf(
        anode.admin.POST('/cs/{csId}/customer-information', { params: path, body: { report: true, clear: false, customerIdentifier: 'cust-1' } }),
      ),
      data: 'card EVERY-TOKEN used 3 times',
      seqNo: 0,
      tbc: false,
      generatedAt: now(),
    }),
    {},
    async (sent) => {
      const job = (await jobsOf('CustomerInformation')).find((listed) => listed.requestId === sent.requestId);
      expect(job).toMatchObject({ status: 'Complete', result: { data: 'card EVERY-TOKEN used 3 times' } });
    },
  ],
  [
    'FirmwareStatusNotification',
    async () => ({
      status: 'Downloading',
      requestId: await requestIdOf(anode.admin.POST('/cs/{csId}/firmware', { params: path, body: { location: 'https://fw.example/v10.bin', retrieveAt: now() } })),
    }),
    {},
    async (sent) => {
      const job = (await jobsOf('Firmware')).find((listed) => listed.requestId === sent.requestId);
      expect(job!.history.map((entry) => entry.status)).toContain('Downloading');
    },
  ],
  [
    'PublishFirmwareStatusNotification',
    async () => ({
      status: 'Published',
      location: ['http://local/fw.bin'],
      requestId: await requestIdOf(
        anode.admin.POST('/cs/{csId}/firmware/publish', { params: path, body: { location: 'https://fw.example/v10.bin', checksum: 'd41d8cd98f00b204e9800998ecf8427e' } }),
      ),
    }),
    {},
    async (sent) => {
      const job = (await jobsOf('PublishFirmware')).find((listed) => listed.requestId === sent.requestId);
      expect(job!.history.map((entry) => entry.status)).toContain('Published');
    },
  ],
  [
    'LogStatusNotification',
    async () => ({
      status: 'Uploaded',
      requestId: await requestIdOf(anode.admin.POST('/cs/{csId}/logs', { params: path, body: { logType: 'DiagnosticsLog', remoteLocation: 'ftp://logs.example/' } })),
    }),
    {},
    async (sent) => {
      const job = (await jobsOf('Log')).find((listed) => listed.requestId === sent.requestId);
      expect(job).toMatchObject({ status: 'Uploaded' });
    },
  ],
  [
    'NotifyChargingLimit',
    async () => ({ evseId: 1, chargingLimit: { chargingLimitSource: 'SO', isGridCritical: false } }),
    {},
    async () => expect(await noticesOf('ChargingLimit')).toMatchObject([{ evseId: 1, source: 'SO' }]),
  ],
  [
    'ClearedChargingLimit',
    async () => ({ chargingLimitSource: 'SO', evseId: 1 }),
    {},
    async () => expect(await noticesOf('ClearedChargingLimit')).toMatchObject([{ evseId: 1, source: 'SO' }]),
  ],
  [
    'ReportChargingProfiles',
    async () => ({
      requestId: await requestIdOf(anode.admin.POST('/cs/{csId}/charging-profiles/report', { params: path, body: {} })),
      chargingLimitSource: 'CSO',
      evseId: 1,
      tbc: false,
      chargingProfile: [{ id: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }] }],
    }),
    {},
    async () => expect(await noticesOf('ChargingProfiles')).toMatchObject([{ evseId: 1, source: 'CSO' }]),
  ],
  [
    'NotifyEVChargingNeeds',
    async () => ({ evseId: 1, chargingNeeds: { requestedEnergyTransfer: 'DC', dcChargingParameters: { evMaxCurrent: 200, evMaxVoltage: 800 } } }),
    { status: 'Rejected' },
    async () => expect(await noticesOf('EVChargingNeeds')).toMatchObject([{ evseId: 1, transactionId: expect.any(Number) }]),
  ],
  [
    'NotifyEVChargingSchedule',
    async () => ({ timeBase: now(), evseId: 1, chargingSchedule: { id: 2, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 50000 }] } }),
    { status: 'Accepted' },
    async () => expect(await noticesOf('EVChargingSchedule')).toMatchObject([{ evseId: 1 }]),
  ],
  [
    'ReservationStatusUpdate',
    async () => {
      const { data } = await anode.admin.POST('/cs/{csId}/reservations', {
        params: path,
        body: { evseId: 2, idToken: 'EVERY-TOKEN', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      });
      return { reservationId: data!.reservation.id, reservationUpdateStatus: 'Expired' };
    },
    {},
    async (sent) => {
      const { data } = await anode.admin.GET('/reservations', {});
      expect(data!.find((reservation) => reservation.id === sent.reservationId)).toMatchObject({ status: 'EXPIRED' });
    },
  ],
  [
    'SecurityEventNotification',
    async () => ({ type: 'TamperDetectionActivated', timestamp: now(), techInfo: 'lid open' }),
    {},
    async () => expect(await eventsOf('SecurityEventNotification')).toMatchObject([{ type: 'TamperDetectionActivated', techInfo: 'lid open' }]),
  ],
  [
    'DataTransfer',
    async () => ({ vendorId: 'com.example.unknown', messageId: 'Hello', data: { a: 1 } }),
    { status: 'UnknownVendorId' },
    async () => expect(await eventsOf('DataTransfer')).toMatchObject([{ vendorId: 'com.example.unknown', answer: { status: 'UnknownVendorId' } }]),
  ],
  [
    'SignCertificate',
    async () => ({ csr: openssl.csr(`/CN=${CS}`).csr, certificateType: 'ChargingStationCertificate' }),
    { status: 'Accepted' },
    async () =>
      expect(
        await eventually(async () => {
          const signings = (await anode.admin.GET('/cs/{csId}/certificate-signings', { params: path })).data!;
          if (signings[0]?.status !== 'Installed') throw new Error(`not installed yet: ${signings[0]?.status}`);
          return signings;
        }),
      ).toMatchObject([{ certificateType: 'ChargingStationCertificate', channel: 'ocpp2.0.1', status: 'Installed' }]),
  ],
  [
    'Get15118EVCertificate',
    async () => ({ iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef', action: 'Install', exiRequest: 'AAEC' }),
    { status: 'Failed', statusInfo: { reasonCode: 'NoProvider' } },
    async () =>
      expect(await eventsOf('EvCertificateRequest')).toMatchObject([
        { action: 'Install', exiRequest: 'AAEC', answer: { status: 'Failed', reason: expect.stringContaining('no contract-certificate provider') } },
      ]),
  ],
  [
    'GetCertificateStatus',
    async () => ({ ocspRequestData: { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01', responderURL: 'http://ocsp.example' } }),
    { status: 'Failed' },
    // Hashes of one byte are refused before anything is sent; the check and why it failed are kept.
    async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/certificate-status-checks', { params: path });
      expect(data).toMatchObject([{ serialNumber: '01', responderUrl: 'http://ocsp.example', status: 'Failed', error: 'issuerNameHash has 1 bytes, its hash algorithm makes 32' }]);
    },
  ],
];

describe('every message an OCPP 2.0.1 station may send', () => {
  it('the table covers the 25 actions OCPP 2.0.1 defines for the station to send', () => {
    expect(new Set(cases.map(([action]) => action)).size).toBe(25);
  });

  it.each(cases)('%s gets a valid answer (never NotImplemented) and what it carried can be read back', async (action, payload, answer, readBack) => {
    const sent = await payload();
    const received = await station.call(action, sent);
    expect(received).toMatchObject(answer);
    await readBack(sent);
  });
});
