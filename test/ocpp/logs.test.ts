import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let v201: SimulatedStation;
let v16: SimulatedStation;
const V201 = 'LOG-201';
const V16 = 'LOG-16';
const MAX_BYTES = 4096;

/** What the stations answer, per action; a test sets what it needs. */
const answers: Record<string, (params: Record<string, unknown>) => unknown> = {};
const answering = (action: string) => (params: Record<string, unknown>) => {
  const answer = answers[action];
  if (!answer) throw Object.assign(new Error(`no answer for ${action}`), { rpcErrorCode: 'NotSupported' });
  return answer(params);
};

beforeAll(async () => {
  anode = await startIsolatedAnode({ UPLOAD_MAX_BYTES: String(MAX_BYTES) });
  const handlers = Object.fromEntries(['GetLog', 'GetDiagnostics'].map((action) => [action, answering(action)]));
  v201 = await bootedStation(anode, V201, { version: 'ocpp2.0.1', handlers });
  v16 = await bootedStation(anode, V16, { version: 'ocpp1.6', handlers });
});
afterAll(async () => {
  await v201?.close();
  await v16?.close();
  await anode?.stop();
});

type LogRetrieval = { logType: 'DiagnosticsLog' | 'SecurityLog'; remoteLocation?: string; oldestAt?: string; latestAt?: string; retries?: number; retryIntervalSeconds?: number };
type DiagnosticsRetrieval = { location?: string; startAt?: string; stopAt?: string; retries?: number; retryIntervalSeconds?: number };
const retrieveLog = (csId: string, body: LogRetrieval) => anode.admin.POST('/cs/{csId}/logs', { params: { path: { csId } }, body });
const retrieveDiagnostics = (csId: string, body: DiagnosticsRetrieval) => anode.admin.POST('/cs/{csId}/diagnostics', { params: { path: { csId } }, body });
const lastCall = (station: SimulatedStation, action: string) => [...station.received].reverse().find((call) => call.action === action)?.params;
const getJob = async (csId: string, jobId: number) => (await anode.admin.GET('/cs/{csId}/jobs/{jobId}', { params: { path: { csId, jobId } } })).data!;
const statuses = (job: { history: Array<{ status: string }> }) => job.history.map(({ status }) => status);
const download = (csId: string, jobId: number) =>
  anode.admin.GET('/cs/{csId}/jobs/{jobId}/file', { params: { path: { csId, jobId } }, parseAs: 'arrayBuffer' });
/** The upload URL the station was sent in its last GetLog. */
const logUploadUrl = (station: SimulatedStation) => (lastCall(station, 'GetLog')!.log as { remoteLocation: string }).remoteLocation;
const put = (url: string, body: Uint8Array | string) => fetch(url, { method: 'PUT', body });

describe('N01 Retrieve log', () => {
  it('GetLog carries the job id and the log parameters; the file name and every LogStatusNotification land in the job; Uploaded ends it', async () => {
    answers.GetLog = () => ({ status: 'Accepted', filename: 'diagnostics-2030.tar.gz' });
    const { data, response } = await retrieveLog(V201, {
      logType: 'DiagnosticsLog',
      remoteLocation: 'https://logs.example.com/upload',
      oldestAt: '2030-01-01T00:00:00.000Z',
      latestAt: '2030-01-02T00:00:00.000Z',
      retries: 2,
      retryIntervalSeconds: 30,
    });
    expect(response.status).toBe(200);
    const job = data!.job;
    expect(job).toMatchObject({ kind: 'Log', requestId: job.id, status: 'Accepted', result: { filename: 'diagnostics-2030.tar.gz' } });
    expect(lastCall(v201, 'GetLog')).toEqual({
      logType: 'DiagnosticsLog',
      requestId: job.id,
      log: { remoteLocation: 'https://logs.example.com/upload', oldestTimestamp: '2030-01-01T00:00:00.000Z', latestTimestamp: '2030-01-02T00:00:00.000Z' },
      retries: 2,
      retryInterval: 30,
    });
    await v201.call('LogStatusNotification', { status: 'Uploading', requestId: job.id });
    expect((await getJob(V201, job.id)).finishedAt).toBeNull();
    await v201.call('LogStatusNotification', { status: 'Uploaded', requestId: job.id });
    const done = await getJob(V201, job.id);
    expect(statuses(done)).toEqual(['Requested', 'Accepted', 'Uploading', 'Uploaded']);
    expect(done.finishedAt).not.toBeNull();
    const station = (await anode.admin.GET('/cs/{csId}', { params: { path: { csId: V201 } } })).data!;
    expect(station.diagnosticsStatus).toBe('Uploaded');
  });

  it('each failure status ends the job, and so does a refusal', async () => {
    answers.GetLog = () => ({ status: 'Accepted' });
    for (const failure of ['UploadFailure', 'BadMessage', 'NotSupportedOperation', 'PermissionDenied']) {
      const job = (await retrieveLog(V201, { logType: 'SecurityLog', remoteLocation: 'https://logs.example.com/u' })).data!.job;
      await v201.call('LogStatusNotification', { status: failure, requestId: job.id });
      const ended = await getJob(V201, job.id);
      expect(ended.status).toBe(failure);
      expect(ended.finishedAt).not.toBeNull();
    }
    answers.GetLog = () => ({ status: 'Rejected' });
    const rejected = (await retrieveLog(V201, { logType: 'SecurityLog', remoteLocation: 'https://logs.example.com/u' })).data!.job;
    expect(rejected.status).toBe('Rejected');
    expect(rejected.finishedAt).not.toBeNull();
  });

  it('AcceptedCanceled: the upload the station dropped for the new one ends as Canceled', async () => {
    answers.GetLog = () => ({ status: 'Accepted' });
    const first = (await retrieveLog(V201, { logType: 'DiagnosticsLog', remoteLocation: 'https://logs.example.com/1' })).data!.job;
    await v201.call('LogStatusNotification', { status: 'Uploading', requestId: first.id });
    answers.GetLog = () => ({ status: 'AcceptedCanceled' });
    const second = (await retrieveLog(V201, { logType: 'DiagnosticsLog', remoteLocation: 'https://logs.example.com/2' })).data!.job;
    expect(second).toMatchObject({ status: 'AcceptedCanceled', finishedAt: null });
    const dropped = await getJob(V201, first.id);
    expect(dropped).toMatchObject({ status: 'Canceled' });
    expect(dropped.finishedAt).not.toBeNull();
  });

  it('the OCPP 1.6 security extension GetLog is worded the same and answered by LogStatusNotification with the requestId', async () => {
    answers.GetLog = () => ({ status: 'Accepted', filename: 'security.log' });
    const job = (await retrieveLog(V16, { logType: 'SecurityLog', remoteLocation: 'ftp://logs.example.com/in/' })).data!.job;
    expect(lastCall(v16, 'GetLog')).toEqual({ logType: 'SecurityLog', requestId: job.id, log: { remoteLocation: 'ftp://logs.example.com/in/' } });
    await v16.call('LogStatusNotification', { status: 'Uploading', requestId: job.id });
    await v16.call('LogStatusNotification', { status: 'UploadFailure', requestId: job.id });
    const failed = await getJob(V16, job.id);
    expect(statuses(failed)).toEqual(['Requested', 'Accepted', 'Uploading', 'UploadFailure']);
    expect(failed.finishedAt).not.toBeNull();
  });
});

describe('N01 Retrieve log: Anode receives the upload itself', () => {
  it('without a remote location the station gets a one-time URL; its PUT is stored and downloadable byte for byte; a second use is refused', async () => {
    answers.GetLog = () => ({ status: 'Accepted', filename: 'station.log' });
    const job = (await retrieveLog(V201, { logType: 'DiagnosticsLog' })).data!.job;
    const url = logUploadUrl(v201);
    expect(url).toMatch(new RegExp(`^${anode.url}/uploads/\\d+/[\\w-]{43}$`));
    expect((await download(V201, job.id)).response.status).toBe(404);

    const bytes = new Uint8Array(randomBytes(3000));
    const upload = await put(url, bytes);
    expect(upload.status).toBe(201);
    expect(await upload.json()).toEqual({ status: 'Created', size: 3000 });

    const { data, response } = await download(V201, job.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toContain('attachment');
    expect(Buffer.from(data!).equals(Buffer.from(bytes))).toBe(true);
    const noted = await getJob(V201, job.id);
    expect(noted.result).toMatchObject({ filename: 'station.log', upload: { size: 3000, fileName: null } });
    expect(Date.parse(String((noted.result!.upload as { at: string }).at))).not.toBeNaN();

    const again = await put(url, 'second');
    expect(again.status).toBe(410);
    // The first file stays.
    expect(Buffer.from((await download(V201, job.id)).data!).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a multipart POST with one file is stored under the file name the station gave', async () => {
    answers.GetLog = () => ({ status: 'Accepted', filename: 'security.log' });
    const job = (await retrieveLog(V16, { logType: 'SecurityLog' })).data!.job;
    const bytes = new Uint8Array(randomBytes(2500));
    const form = new FormData();
    form.append('description', 'security log');
    form.append('file', new Blob([bytes], { type: 'text/plain' }), 'security-2030.log');
    const upload = await fetch(logUploadUrl(v16), { method: 'POST', body: form });
    expect(upload.status).toBe(200);
    const { data, response } = await download(V16, job.id);
    expect(Buffer.from(data!).equals(Buffer.from(bytes))).toBe(true);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="security-2030.log"; filename*=UTF-8''security-2030.log`);
    expect((await getJob(V16, job.id)).result).toMatchObject({ upload: { size: 2500, fileName: 'security-2030.log', contentType: 'text/plain' } });
    expect((await fetch(logUploadUrl(v16), { method: 'POST', body: form })).status).toBe(410);
  });

  it('a multipart POST without exactly one file is refused, and the upload stays open', async () => {
    answers.GetLog = () => ({ status: 'Accepted' });
    const job = (await retrieveLog(V201, { logType: 'DiagnosticsLog' })).data!.job;
    const url = logUploadUrl(v201);
    const none = new FormData();
    none.append('note', 'no file here');
    expect((await fetch(url, { method: 'POST', body: none })).status).toBe(400);
    const two = new FormData();
    two.append('a', new Blob(['a']), 'a.log');
    two.append('b', new Blob(['b']), 'b.log');
    expect((await fetch(url, { method: 'POST', body: two })).status).toBe(400);
    const garbage = await fetch(url, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: 'not multipart at all' });
    expect(garbage.status).toBe(400);
    expect((await put(url, 'finally')).status).toBe(201);
    expect(Buffer.from((await download(V201, job.id)).data!).toString()).toBe('finally');
  });

  it('a wrong secret or an unknown upload is 404 and touches nothing; another method is 405', async () => {
    answers.GetLog = () => ({ status: 'Accepted' });
    const job = (await retrieveLog(V201, { logType: 'DiagnosticsLog' })).data!.job;
    const url = logUploadUrl(v201);
    const [, uploadId, secret] = /\/uploads\/(\d+)\/([\w-]+)$/.exec(url)!;
    const wrong = secret.startsWith('A') ? `B${secret.slice(1)}` : `A${secret.slice(1)}`;
    const refused = await put(`${anode.url}/uploads/${uploadId}/${wrong}`, 'intruder');
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ status: 'Not Found' });
    expect((await put(`${anode.url}/uploads/99999/${secret}`, 'x')).status).toBe(404);
    expect((await put(`${anode.url}/uploads/abc/${secret}`, 'x')).status).toBe(404);
    expect((await fetch(url)).status).toBe(405);
    expect((await download(V201, job.id)).response.status).toBe(404);
    expect((await put(url, 'the real one')).status).toBe(201);
  });

  it('a file over UPLOAD_MAX_BYTES is refused with 413, by its declared length or as it streams; the upload stays open', async () => {
    answers.GetLog = () => ({ status: 'Accepted' });
    const job = (await retrieveLog(V201, { logType: 'DiagnosticsLog' })).data!.job;
    const url = logUploadUrl(v201);
    const declared = await put(url, new Uint8Array(MAX_BYTES + 1));
    expect(declared.status).toBe(413);
    // No Content-Length: chunks are counted as they arrive.
    const chunks = Array.from({ length: 4 }, () => new Uint8Array(MAX_BYTES / 2));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await fetch(url, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(MAX_BYTES + 10)]), 'big.log');
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(413);
    expect((await download(V201, job.id)).response.status).toBe(404);
    const exact = new Uint8Array(randomBytes(MAX_BYTES));
    expect((await put(url, exact)).status).toBe(201);
    expect(Buffer.from((await download(V201, job.id)).data!).equals(Buffer.from(exact))).toBe(true);
  });

  it('the file of another station’s job, or of no job, is 404', async () => {
    answers.GetLog = () => ({ status: 'Accepted' });
    const job = (await retrieveLog(V201, { logType: 'DiagnosticsLog' })).data!.job;
    expect((await put(logUploadUrl(v201), 'mine')).status).toBe(201);
    expect((await download(V16, job.id)).response.status).toBe(404);
    expect((await download(V201, 2147483647)).response.status).toBe(404);
  });
});

describe('OCPP 1.6 GetDiagnostics', () => {
  it('GetDiagnostics has no requestId; its file name is kept and DiagnosticsStatusNotifications go to the latest open diagnostics job', async () => {
    answers.GetDiagnostics = () => ({ fileName: 'diag-16.zip' });
    const { data, response } = await retrieveDiagnostics(V16, {
      location: 'ftp://user:secret@logs.example.com/diag/',
      startAt: '2030-01-01T00:00:00.000Z',
      stopAt: '2030-01-02T00:00:00.000Z',
      retries: 1,
      retryIntervalSeconds: 120,
    });
    expect(response.status).toBe(200);
    const job = data!.job;
    expect(job).toMatchObject({ kind: 'Diagnostics', requestId: null, status: 'Accepted', result: { fileName: 'diag-16.zip' }, finishedAt: null });
    expect(lastCall(v16, 'GetDiagnostics')).toEqual({
      location: 'ftp://user:secret@logs.example.com/diag/',
      startTime: '2030-01-01T00:00:00.000Z',
      stopTime: '2030-01-02T00:00:00.000Z',
      retries: 1,
      retryInterval: 120,
    });
    await v16.call('DiagnosticsStatusNotification', { status: 'Uploading' });
    await v16.call('DiagnosticsStatusNotification', { status: 'Uploaded' });
    const done = await getJob(V16, job.id);
    expect(statuses(done)).toEqual(['Requested', 'Accepted', 'Uploading', 'Uploaded']);
    expect(done.finishedAt).not.toBeNull();
    expect((await anode.admin.GET('/cs/{csId}', { params: { path: { csId: V16 } } })).data!.diagnosticsStatus).toBe('Uploaded');
  });

  it('an answer without a file name means no diagnostics: the job ends', async () => {
    answers.GetDiagnostics = () => ({});
    const job = (await retrieveDiagnostics(V16, { location: 'https://logs.example.com/d' })).data!.job;
    expect(job).toMatchObject({ status: 'NoDiagnosticsAvailable' });
    expect(job.finishedAt).not.toBeNull();
  });

  it('without a location the station uploads to Anode; a file name it appends to the URL is kept', async () => {
    answers.GetDiagnostics = () => ({ fileName: 'diag.zip' });
    const job = (await retrieveDiagnostics(V16, {})).data!.job;
    const location = String(lastCall(v16, 'GetDiagnostics')!.location);
    expect(location).toMatch(new RegExp(`^${anode.url}/uploads/\\d+/[\\w-]{43}$`));
    const bytes = new Uint8Array(randomBytes(1000));
    expect((await put(`${location}/diag.zip`, bytes)).status).toBe(201);
    const { data, response } = await download(V16, job.id);
    expect(Buffer.from(data!).equals(Buffer.from(bytes))).toBe(true);
    expect(response.headers.get('content-disposition')).toContain('filename="diag.zip"');
  });

  it('an OCPP 2.0.1 station has no GetDiagnostics: 400, and no job', async () => {
    const { response, error } = await retrieveDiagnostics(V201, {});
    expect(response.status).toBe(400);
    expect(error?.error).toContain('not an operation of OCPP 2.0.1');
    const jobs = (await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: V201 }, query: { kind: 'Diagnostics' } } })).data!;
    expect(jobs).toHaveLength(0);
  });
});

describe('OCPP 1.6 keeps its two upload status sets apart', () => {
  it('DiagnosticsStatusNotification only moves the Diagnostics job, LogStatusNotification only the Log job', async () => {
    answers.GetDiagnostics = () => ({ fileName: 'apart.zip' });
    answers.GetLog = () => ({ status: 'Accepted' });
    const diagnostics = (await retrieveDiagnostics(V16, { location: 'https://logs.example.com/d' })).data!.job;
    const log = (await retrieveLog(V16, { logType: 'DiagnosticsLog', remoteLocation: 'https://logs.example.com/l' })).data!.job;

    await v16.call('DiagnosticsStatusNotification', { status: 'Uploading' });
    await v16.call('LogStatusNotification', { status: 'Uploading', requestId: log.id });
    await v16.call('DiagnosticsStatusNotification', { status: 'UploadFailed' });

    const diagnosticsJob = await getJob(V16, diagnostics.id);
    const logJob = await getJob(V16, log.id);
    expect(statuses(diagnosticsJob)).toEqual(['Requested', 'Accepted', 'Uploading', 'UploadFailed']);
    expect(diagnosticsJob.finishedAt).not.toBeNull();
    expect(statuses(logJob)).toEqual(['Requested', 'Accepted', 'Uploading']);
    expect(logJob.finishedAt).toBeNull();

    await v16.call('LogStatusNotification', { status: 'Uploaded', requestId: log.id });
    expect((await getJob(V16, log.id)).finishedAt).not.toBeNull();
    expect(statuses(await getJob(V16, diagnostics.id))).toEqual(['Requested', 'Accepted', 'Uploading', 'UploadFailed']);
    // A LogStatusNotification without requestId goes to an open Log job, never to a Diagnostics one.
    const open = (await retrieveDiagnostics(V16, { location: 'https://logs.example.com/d2' })).data!.job;
    await v16.call('LogStatusNotification', { status: 'Uploading' });
    expect(statuses(await getJob(V16, open.id))).toEqual(['Requested', 'Accepted']);
  });
});
