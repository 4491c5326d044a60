import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, registerStation, type SimulatedStation } from '../support/stations.js';

const pem = readFileSync(new URL('../fixtures/station-client.pem', import.meta.url), 'utf8');

let anode: TestAnode;
let v201: SimulatedStation;
let v16: SimulatedStation;
const V201 = 'FW-201';
const V16 = 'FW-16';

/** What the stations answer, per action; a test sets what it needs. */
const answers: Record<string, (params: Record<string, unknown>) => unknown> = {};
const answering = (action: string) => (params: Record<string, unknown>) => {
  const answer = answers[action];
  if (!answer) throw Object.assign(new Error(`no answer for ${action}`), { rpcErrorCode: 'NotSupported' });
  return answer(params);
};
const ACTIONS = ['UpdateFirmware', 'SignedUpdateFirmware', 'PublishFirmware', 'UnpublishFirmware'];

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_CALL_TIMEOUT_SECONDS: '2' });
  const handlers = Object.fromEntries(ACTIONS.map((action) => [action, answering(action)]));
  v201 = await bootedStation(anode, V201, { version: 'ocpp2.0.1', handlers });
  v16 = await bootedStation(anode, V16, { version: 'ocpp1.6', handlers });
});
afterAll(async () => {
  await v201?.close();
  await v16?.close();
  await anode?.stop();
});

const lastCall = (station: SimulatedStation, action: string) => [...station.received].reverse().find((call) => call.action === action)?.params;
const getJob = async (csId: string, jobId: number) => (await anode.admin.GET('/cs/{csId}/jobs/{jobId}', { params: { path: { csId, jobId } } })).data!;
const getStation = async (csId: string) => (await anode.admin.GET('/cs/{csId}', { params: { path: { csId } } })).data!;
const firmwareJobs = async (csId: string) =>
  (await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId }, query: { kind: 'Firmware', limit: 100 } } })).data!;
const statuses = (job: { history: Array<{ status: string }> }) => job.history.map(({ status }) => status);
type FirmwareUpdate = { location: string; retrieveAt: string; installAt?: string; signingCertificate?: string; signature?: string; retries?: number; retryIntervalSeconds?: number };
const update = (csId: string, body: FirmwareUpdate) => anode.admin.POST('/cs/{csId}/firmware', { params: { path: { csId } }, body });
const boot201 = (firmwareVersion: string, reason = 'PowerUp') =>
  v201.call('BootNotification', { reason, chargingStation: { vendorName: 'Anode', model: 'Test', firmwareVersion } });
const boot16 = (firmwareVersion: string) => v16.call('BootNotification', { chargePointVendor: 'Anode', chargePointModel: 'Test', firmwareVersion });

describe('L01 Secure firmware update', () => {
  it('UpdateFirmware carries the job id as requestId; every status lands in the job; Installed ends it with the version the station booted into', async () => {
    await boot201('1.0');
    answers.UpdateFirmware = () => ({ status: 'Accepted' });
    const { data, response } = await update(V201, {
      location: 'https://fw.example.com/2.0.bin',
      retrieveAt: '2030-01-01T00:00:00.000Z',
      installAt: '2030-01-01T02:00:00.000Z',
      signingCertificate: pem,
      signature: 'c2lnbmF0dXJl',
      retries: 3,
      retryIntervalSeconds: 60,
    });
    expect(response.status).toBe(200);
    const job = data!.job;
    expect(data!.answer).toMatchObject({ action: 'UpdateFirmware', ocppVersion: 'ocpp2.0.1', status: 'Answered', response: { status: 'Accepted' } });
    expect(job).toMatchObject({ kind: 'Firmware', requestId: job.id, status: 'Accepted', finishedAt: null, result: { firmwareVersionBefore: '1.0' } });
    expect(lastCall(v201, 'UpdateFirmware')).toEqual({
      requestId: job.id,
      firmware: {
        location: 'https://fw.example.com/2.0.bin',
        retrieveDateTime: '2030-01-01T00:00:00.000Z',
        installDateTime: '2030-01-01T02:00:00.000Z',
        signingCertificate: pem,
        signature: 'c2lnbmF0dXJl',
      },
      retries: 3,
      retryInterval: 60,
    });
    expect(job.request).toEqual(lastCall(v201, 'UpdateFirmware'));

    for (const status of ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting']) {
      expect(await v201.call('FirmwareStatusNotification', { status, requestId: job.id })).toEqual({});
    }
    expect((await getStation(V201)).firmwareStatus).toBe('InstallRebooting');
    // The station reboots into the new firmware, then reports Installed.
    await boot201('2.0', 'FirmwareUpdate');
    await v201.call('FirmwareStatusNotification', { status: 'Installed', requestId: job.id });

    const done = await getJob(V201, job.id);
    expect(statuses(done)).toEqual(['Requested', 'Accepted', 'Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed']);
    expect(done.status).toBe('Installed');
    expect(done.finishedAt).not.toBeNull();
    expect(done.result).toMatchObject({ firmwareVersionBefore: '1.0', firmwareVersion: '2.0' });
    const station = await getStation(V201);
    expect(station.firmwareStatus).toBe('Installed');
    expect(station.bootInfo.firmwareVersion).toBe('2.0');
  });

  it('an update the station refuses ends at once, with the reason it gave', async () => {
    answers.UpdateFirmware = () => ({ status: 'InvalidCertificate', statusInfo: { reasonCode: 'CertExpired', additionalInfo: 'expired in 2020' } });
    const { data } = await update(V201, { location: 'https://fw.example.com/x.bin', retrieveAt: '2030-01-01T00:00:00.000Z', signingCertificate: pem, signature: 'c2ln' });
    expect(data!.answer.response).toMatchObject({ status: 'InvalidCertificate' });
    const job = await getJob(V201, data!.job.id);
    expect(job.status).toBe('InvalidCertificate');
    expect(job.finishedAt).not.toBeNull();
    expect(job.history.at(-1)).toMatchObject({ status: 'InvalidCertificate', info: 'CertExpired: expired in 2020' });
  });

  it('AcceptedCanceled: the update the station dropped for the new one ends as Canceled', async () => {
    answers.UpdateFirmware = () => ({ status: 'Accepted' });
    const first = (await update(V201, { location: 'https://fw.example.com/a.bin', retrieveAt: '2030-01-01T00:00:00.000Z' })).data!.job;
    await v201.call('FirmwareStatusNotification', { status: 'Downloading', requestId: first.id });
    answers.UpdateFirmware = () => ({ status: 'AcceptedCanceled' });
    const second = (await update(V201, { location: 'https://fw.example.com/b.bin', retrieveAt: '2030-01-01T00:00:00.000Z' })).data!.job;
    expect(second).toMatchObject({ status: 'AcceptedCanceled', finishedAt: null });
    const dropped = await getJob(V201, first.id);
    expect(dropped.status).toBe('Canceled');
    expect(dropped.finishedAt).not.toBeNull();
    expect(statuses(dropped)).toEqual(['Requested', 'Accepted', 'Downloading', 'Canceled']);
  });

  it('each failure status ends the job; a status without requestId goes to the latest open firmware job', async () => {
    answers.UpdateFirmware = () => ({ status: 'Accepted' });
    for (const failure of ['DownloadFailed', 'InstallationFailed', 'InstallVerificationFailed', 'InvalidSignature']) {
      const job = (await update(V201, { location: 'https://fw.example.com/f.bin', retrieveAt: '2030-01-01T00:00:00.000Z' })).data!.job;
      await v201.call('FirmwareStatusNotification', { status: 'Downloading' });
      await v201.call('FirmwareStatusNotification', { status: failure, requestId: job.id });
      const ended = await getJob(V201, job.id);
      expect(statuses(ended).slice(-2)).toEqual(['Downloading', failure]);
      expect(ended.finishedAt).not.toBeNull();
    }
  });

  it('a status for a request Anode did not make opens a job for it', async () => {
    await v201.call('FirmwareStatusNotification', { status: 'Downloading', requestId: 777 });
    const [job] = (await firmwareJobs(V201)).filter((found) => found.requestId === 777);
    expect(job).toMatchObject({ status: 'Downloading', request: null, finishedAt: null });
  });
});

describe('L02 Non-secure firmware update', () => {
  it('UpdateFirmware without certificate and signature; the station answers the trigger Idle while nothing is under way, and no job is opened for it', async () => {
    answers.UpdateFirmware = () => ({ status: 'Accepted' });
    await v201.call('FirmwareStatusNotification', { status: 'Installed', requestId: 777 });
    const before = (await firmwareJobs(V201)).length;
    const { data } = await update(V201, { location: 'https://fw.example.com/plain.bin', retrieveAt: '2030-06-01T00:00:00.000Z' });
    expect(lastCall(v201, 'UpdateFirmware')).toEqual({
      requestId: data!.job.id,
      firmware: { location: 'https://fw.example.com/plain.bin', retrieveDateTime: '2030-06-01T00:00:00.000Z' },
    });
    // The retrieve time is still to come: an Idle (TriggerMessage, nothing ongoing) leaves the job open.
    await v201.call('FirmwareStatusNotification', { status: 'Idle' });
    const waiting = await getJob(V201, data!.job.id);
    expect(waiting).toMatchObject({ status: 'Idle', finishedAt: null });
    await v201.call('FirmwareStatusNotification', { status: 'Downloading', requestId: data!.job.id });
    // Idle once the station had begun: it stopped working on the job.
    await v201.call('FirmwareStatusNotification', { status: 'Idle' });
    const stopped = await getJob(V201, data!.job.id);
    expect(stopped.finishedAt).not.toBeNull();
    expect(statuses(stopped)).toEqual(['Requested', 'Accepted', 'Idle', 'Downloading', 'Idle']);
    await v201.call('FirmwareStatusNotification', { status: 'Idle' });
    expect((await firmwareJobs(V201)).length).toBe(before + 1);
    expect((await getStation(V201)).firmwareStatus).toBe('Idle');
  });
});

describe('L03 Publish firmware', () => {
  it('PublishFirmware carries the job id; Published ends the job with the locations the controller serves it at', async () => {
    answers.PublishFirmware = () => ({ status: 'Accepted' });
    const { data, response } = await anode.admin.POST('/cs/{csId}/firmware/publish', {
      params: { path: { csId: V201 } },
      body: { location: 'https://fw.example.com/lc.bin', checksum: '0123456789abcdef0123456789abcdef', retries: 2 },
    });
    expect(response.status).toBe(200);
    const job = data!.job;
    expect(job).toMatchObject({ kind: 'PublishFirmware', requestId: job.id, status: 'Accepted' });
    expect(lastCall(v201, 'PublishFirmware')).toEqual({
      location: 'https://fw.example.com/lc.bin',
      checksum: '0123456789abcdef0123456789abcdef',
      requestId: job.id,
      retries: 2,
    });
    for (const status of ['DownloadScheduled', 'Downloading', 'Downloaded', 'ChecksumVerified']) {
      await v201.call('PublishFirmwareStatusNotification', { status, requestId: job.id });
    }
    const locations = ['http://lc.local/fw/lc.bin', 'ftp://lc.local/fw/lc.bin'];
    await v201.call('PublishFirmwareStatusNotification', { status: 'Published', location: locations, requestId: job.id });
    const published = await getJob(V201, job.id);
    expect(statuses(published)).toEqual(['Requested', 'Accepted', 'DownloadScheduled', 'Downloading', 'Downloaded', 'ChecksumVerified', 'Published']);
    expect(published.result).toEqual({ locations });
    expect(published.finishedAt).not.toBeNull();
  });

  it('InvalidChecksum ends the job', async () => {
    answers.PublishFirmware = () => ({ status: 'Accepted' });
    const { data } = await anode.admin.POST('/cs/{csId}/firmware/publish', {
      params: { path: { csId: V201 } },
      body: { location: 'https://fw.example.com/lc2.bin', checksum: 'ffffffffffffffffffffffffffffffff' },
    });
    await v201.call('PublishFirmwareStatusNotification', { status: 'InvalidChecksum', requestId: data!.job.id });
    const failed = await getJob(V201, data!.job.id);
    expect(failed).toMatchObject({ status: 'InvalidChecksum' });
    expect(failed.finishedAt).not.toBeNull();
  });

  it('an OCPP 1.6 station cannot publish firmware: 400, and no job', async () => {
    const before = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: V16 } } });
    const { response, error } = await anode.admin.POST('/cs/{csId}/firmware/publish', {
      params: { path: { csId: V16 } },
      body: { location: 'https://fw.example.com/lc.bin', checksum: '0123456789abcdef0123456789abcdef' },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toContain('not an operation of OCPP 1.6');
    const after = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: V16 } } });
    expect(after.data!.length).toBe(before.data!.length);
  });
});

describe('L04 Unpublish firmware', () => {
  it("UnpublishFirmware sends the checksum and answers the controller's status", async () => {
    answers.UnpublishFirmware = () => ({ status: 'Unpublished' });
    const { data, response } = await anode.admin.POST('/cs/{csId}/firmware/unpublish', {
      params: { path: { csId: V201 } },
      body: { checksum: '0123456789abcdef0123456789abcdef' },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ action: 'UnpublishFirmware', status: 'Answered', response: { status: 'Unpublished' } });
    expect(lastCall(v201, 'UnpublishFirmware')).toEqual({ checksum: '0123456789abcdef0123456789abcdef' });
  });

  it('OCPP 1.6 stations get 400', async () => {
    const { response } = await anode.admin.POST('/cs/{csId}/firmware/unpublish', { params: { path: { csId: V16 } }, body: { checksum: '0123456789abcdef0123456789abcdef' } });
    expect(response.status).toBe(400);
  });
});

describe('OCPP 1.6 firmware update (UpdateFirmware, SignedUpdateFirmware)', () => {
  it('UpdateFirmware has no requestId: the job has none, and the station’s FirmwareStatusNotifications go to its latest open firmware job', async () => {
    await boot16('1.6.0');
    answers.UpdateFirmware = () => ({});
    const { data, response } = await update(V16, { location: 'https://fw.example.com/16.bin', retrieveAt: '2030-01-01T00:00:00.000Z', retries: 1, retryIntervalSeconds: 30 });
    expect(response.status).toBe(200);
    expect(data!.answer).toMatchObject({ action: 'UpdateFirmware', ocppVersion: 'ocpp1.6', response: {} });
    expect(data!.job).toMatchObject({ kind: 'Firmware', requestId: null, status: 'Accepted', result: { firmwareVersionBefore: '1.6.0' } });
    expect(lastCall(v16, 'UpdateFirmware')).toEqual({ location: 'https://fw.example.com/16.bin', retrieveDate: '2030-01-01T00:00:00.000Z', retries: 1, retryInterval: 30 });
    for (const status of ['Downloading', 'Downloaded', 'Installing', 'Installed']) {
      await v16.call('FirmwareStatusNotification', { status });
    }
    const installed = await getJob(V16, data!.job.id);
    expect(statuses(installed)).toEqual(['Requested', 'Accepted', 'Downloading', 'Downloaded', 'Installing', 'Installed']);
    expect(installed.finishedAt).not.toBeNull();
    // Installed first, then the reboot: the version of the next boot still lands on the job, and only that boot's.
    await boot16('1.7.0');
    await boot16('1.7.1');
    expect((await getJob(V16, data!.job.id)).result).toMatchObject({ firmwareVersionBefore: '1.6.0', firmwareVersion: '1.7.0' });
    expect((await getStation(V16)).bootInfo.firmwareVersion).toBe('1.7.1');
  });

  it('an Idle before the download leaves the job open; DownloadFailed ends it; a later Idle opens no job', async () => {
    answers.UpdateFirmware = () => ({});
    const { data } = await update(V16, { location: 'https://fw.example.com/16b.bin', retrieveAt: '2030-01-01T00:00:00.000Z' });
    await v16.call('FirmwareStatusNotification', { status: 'Idle' });
    expect((await getJob(V16, data!.job.id)).finishedAt).toBeNull();
    await v16.call('FirmwareStatusNotification', { status: 'Downloading' });
    await v16.call('FirmwareStatusNotification', { status: 'DownloadFailed' });
    const failed = await getJob(V16, data!.job.id);
    expect(statuses(failed)).toEqual(['Requested', 'Accepted', 'Idle', 'Downloading', 'DownloadFailed']);
    expect(failed.finishedAt).not.toBeNull();
    const count = (await firmwareJobs(V16)).length;
    await v16.call('FirmwareStatusNotification', { status: 'Idle' });
    expect((await firmwareJobs(V16)).length).toBe(count);
    expect((await getStation(V16)).firmwareStatus).toBe('Idle');
  });

  it('with certificate and signature: SignedUpdateFirmware with the job id, and SignedFirmwareStatusNotification by requestId', async () => {
    answers.SignedUpdateFirmware = () => ({ status: 'Accepted' });
    const { data } = await update(V16, {
      location: 'https://fw.example.com/signed.bin',
      retrieveAt: '2030-01-01T00:00:00.000Z',
      installAt: '2030-01-02T00:00:00.000Z',
      signingCertificate: pem,
      signature: 'c2ln',
    });
    const job = data!.job;
    expect(job).toMatchObject({ requestId: job.id, status: 'Accepted' });
    expect(lastCall(v16, 'SignedUpdateFirmware')).toEqual({
      requestId: job.id,
      firmware: {
        location: 'https://fw.example.com/signed.bin',
        retrieveDateTime: '2030-01-01T00:00:00.000Z',
        installDateTime: '2030-01-02T00:00:00.000Z',
        signingCertificate: pem,
        signature: 'c2ln',
      },
    });
    await v16.call('SignedFirmwareStatusNotification', { status: 'Downloading', requestId: job.id });
    await v16.call('SignedFirmwareStatusNotification', { status: 'InvalidSignature', requestId: job.id });
    const ended = await getJob(V16, job.id);
    expect(statuses(ended)).toEqual(['Requested', 'Accepted', 'Downloading', 'InvalidSignature']);
    expect(ended.finishedAt).not.toBeNull();
    expect((await getStation(V16)).firmwareStatus).toBe('InvalidSignature');
  });

  it('what OCPP 1.6 cannot word is refused with 400 before a job is opened', async () => {
    const count = (await firmwareJobs(V16)).length;
    const onlySignature = await update(V16, { location: 'https://fw.example.com/x.bin', retrieveAt: '2030-01-01T00:00:00.000Z', signature: 'c2ln' });
    expect(onlySignature.response.status).toBe(400);
    const installTime = await update(V16, { location: 'https://fw.example.com/x.bin', retrieveAt: '2030-01-01T00:00:00.000Z', installAt: '2030-01-02T00:00:00.000Z' });
    expect(installTime.response.status).toBe(400);
    expect(installTime.error?.error).toContain('installAt');
    expect((await firmwareJobs(V16)).length).toBe(count);
  });
});

describe('firmware operations on a station that cannot take them', () => {
  it('not connected: 409 and no job; unknown station: 404; a malformed body: 400', async () => {
    await registerStation(anode, 'FW-OFFLINE');
    const offline = await update('FW-OFFLINE', { location: 'https://fw.example.com/x.bin', retrieveAt: '2030-01-01T00:00:00.000Z' });
    expect(offline.response.status).toBe(409);
    expect((await firmwareJobs('FW-OFFLINE')).length).toBe(0);
    expect((await update('FW-NOBODY', { location: 'https://fw.example.com/x.bin', retrieveAt: '2030-01-01T00:00:00.000Z' })).response.status).toBe(404);
    expect((await update(V201, { location: 'not a uri', retrieveAt: '2030-01-01T00:00:00.000Z' })).response.status).toBe(400);
    const badChecksum = await anode.admin.POST('/cs/{csId}/firmware/publish', { params: { path: { csId: V201 } }, body: { location: 'https://x.example/a', checksum: 'xyz' } });
    expect(badChecksum.response.status).toBe(400);
  });

  it('a silent station: 504, and the job ends Failed', async () => {
    answers.UpdateFirmware = () => new Promise(() => {});
    const { response } = await update(V201, { location: 'https://fw.example.com/silent.bin', retrieveAt: '2030-01-01T00:00:00.000Z' });
    expect(response.status).toBe(504);
    const [job] = await firmwareJobs(V201);
    expect(job).toMatchObject({ status: 'Failed', request: { firmware: { location: 'https://fw.example.com/silent.bin' } } });
    expect(job.finishedAt).not.toBeNull();
  });

  it('a station that goes away before it answers: 502, and the job ends Failed', async () => {
    const leaving: { station?: SimulatedStation } = {};
    leaving.station = await bootedStation(anode, 'FW-LEAVING', {
      version: 'ocpp2.0.1',
      handlers: {
        UpdateFirmware: () => {
          void leaving.station!.close();
          return new Promise(() => {});
        },
      },
    });
    const { response } = await update('FW-LEAVING', { location: 'https://fw.example.com/gone.bin', retrieveAt: '2030-01-01T00:00:00.000Z' });
    expect(response.status).toBe(502);
    const [job] = await firmwareJobs('FW-LEAVING');
    expect(job).toMatchObject({ status: 'Failed' });
    expect(job.finishedAt).not.toBeNull();
  });

  it('a CALLERROR ends the job as CallError', async () => {
    delete answers.UpdateFirmware;
    const { data } = await update(V201, { location: 'https://fw.example.com/x.bin', retrieveAt: '2030-01-01T00:00:00.000Z' });
    expect(data!.answer).toMatchObject({ status: 'CallError', errorCode: 'NotSupported' });
    const job = await getJob(V201, data!.job.id);
    expect(job.status).toBe('CallError');
    expect(job.finishedAt).not.toBeNull();
  });
});
