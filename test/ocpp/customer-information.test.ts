import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
let v16: SimulatedStation;
const csId = 'CUSTOMER-201';
const V16 = 'CUSTOMER-16';

/** The station's answer to CustomerInformation; a test sets it. */
let answer: () => unknown = () => ({ status: 'Accepted' });

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_CALL_TIMEOUT_SECONDS: '1' });
  const handlers = { CustomerInformation: () => answer() };
  station = await bootedStation(anode, csId, { version: 'ocpp2.0.1', handlers });
  v16 = await bootedStation(anode, V16, { version: 'ocpp1.6', handlers });
});
afterAll(async () => {
  await station?.close();
  await v16?.close();
  await anode?.stop();
});

const lastCall = () => [...station.received].reverse().find((call) => call.action === 'CustomerInformation')?.params;
const getJob = async (jobId: number) => (await anode.admin.GET('/cs/{csId}/jobs/{jobId}', { params: { path: { csId, jobId } } })).data!;
/** Bodies the contract may refuse are sent as they are. */
const ask = (body: Record<string, unknown>, id = csId) =>
  anode.admin.POST('/cs/{csId}/customer-information', { params: { path: { csId: id } }, body: body as { report: boolean; clear: boolean } });
const notify = (requestId: number, seqNo: number, data: string, tbc: boolean) =>
  station.call('NotifyCustomerInformation', { requestId, seqNo, data, tbc, generatedAt: new Date().toISOString() });

describe('N09 Get customer information', () => {
  it('the NotifyCustomerInformation parts are joined in seqNo order into the job, Complete with the last part', async () => {
    answer = () => ({ status: 'Accepted' });
    const { data, response } = await ask({ report: true, clear: false, idToken: { idToken: 'AA11BB22', type: 'ISO14443' } });
    expect(response.status).toBe(200);
    const job = data!.job;
    expect(job).toMatchObject({ kind: 'CustomerInformation', status: 'Accepted', finishedAt: null });
    expect(lastCall()).toEqual({ requestId: job.requestId, report: true, clear: false, idToken: { idToken: 'AA11BB22', type: 'ISO14443' } });

    await notify(job.requestId!, 1, 'sessions: 12; ', true);
    await notify(job.requestId!, 0, 'token AA11BB22 seen 2030-01-01; ', true);
    expect(await getJob(job.id)).toMatchObject({ status: 'Receiving', finishedAt: null, result: { data: 'token AA11BB22 seen 2030-01-01; sessions: 12; ' } });
    await notify(job.requestId!, 2, 'last seen at EVSE 2', false);

    const done = await getJob(job.id);
    expect(done).toMatchObject({
      status: 'Complete',
      partsReceived: 3,
      lastSeqNo: 2,
      result: { data: 'token AA11BB22 seen 2030-01-01; sessions: 12; last seen at EVSE 2' },
    });
    expect((done.result!.parts as Array<{ seqNo: number }>).map(({ seqNo }) => seqNo)).toEqual([0, 1, 2]);
    expect(done.finishedAt).not.toBeNull();
    expect(done.history.map(({ status }) => status)).toEqual(['Requested', 'Accepted', 'Receiving', 'Complete']);
  });

  it('a report of many full parts is kept whole', async () => {
    answer = () => ({ status: 'Accepted' });
    const { data } = await ask({ report: true, clear: true, customerIdentifier: 'customer-42' });
    const requestId = data!.job.requestId!;
    expect(lastCall()).toEqual({ requestId, report: true, clear: true, customerIdentifier: 'customer-42' });
    const chunks = ['a', 'b', 'c', 'd', 'e'].map((letter) => letter.repeat(512));
    for (const [seqNo, chunk] of chunks.entries()) await notify(requestId, seqNo, chunk, seqNo < chunks.length - 1);
    const done = await getJob(data!.job.id);
    expect(done.status).toBe('Complete');
    expect(done.result!.data).toBe(chunks.join(''));
  });

  it('Rejected and Invalid finish the job with that status', async () => {
    for (const status of ['Rejected', 'Invalid']) {
      answer = () => ({ status });
      const { data } = await ask({
        report: true,
        clear: false,
        customerCertificate: { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' },
      });
      expect(data!.job.status).toBe(status);
      expect(data!.job.finishedAt).not.toBeNull();
    }
  });

  it('a station that does not answer gets a 504 and its job is Failed', async () => {
    answer = () => new Promise(() => {});
    const { response } = await ask({ report: true, clear: false, customerIdentifier: 'slow' });
    expect(response.status).toBe(504);
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId }, query: { kind: 'CustomerInformation' } } });
    expect(jobs?.[0]).toMatchObject({ status: 'Failed', request: { report: true, clear: false, customerIdentifier: 'slow' } });
    expect(jobs?.[0].finishedAt).not.toBeNull();
  });
});

describe('N10 Clear customer information', () => {
  it('a clear alone is finished when the station accepts it', async () => {
    answer = () => ({ status: 'Accepted' });
    const { data } = await ask({ report: false, clear: true, idToken: { idToken: 'CC33', type: 'Central' } });
    expect(lastCall()).toMatchObject({ report: false, clear: true, idToken: { idToken: 'CC33', type: 'Central' } });
    expect(data!.job).toMatchObject({ status: 'Accepted', request: { clear: true } });
    expect(data!.job.finishedAt).not.toBeNull();
  });

  it('asking for nothing, or naming the customer twice, is a 400 and nothing is sent', async () => {
    const before = station.received.length;
    const nothing = await ask({ report: false, clear: false, customerIdentifier: 'x' });
    expect(nothing.response.status).toBe(400);
    expect(nothing.error).toMatchObject({ error: expect.stringContaining('report or clear') });
    const twice = await ask({ report: true, clear: false, customerIdentifier: 'x', idToken: { idToken: 'AA', type: 'Local' } });
    expect(twice.response.status).toBe(400);
    const badToken = await ask({ report: true, clear: false, idToken: { idToken: 'AA', type: 'Badge' } });
    expect(badToken.response.status).toBe(400);
    expect(station.received.length).toBe(before);
  });
});

describe('Customer information needs OCPP 2.0.1', () => {
  it('a 1.6 station is refused with 400: nothing is sent and no job started', async () => {
    const { response, error } = await ask({ report: true, clear: false, customerIdentifier: 'x' }, V16);
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ error: 'CustomerInformation is not an operation of OCPP 1.6' });
    expect(v16.received).toEqual([]);
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: V16 } } });
    expect(jobs).toEqual([]);
  });
});
