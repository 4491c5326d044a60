import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
let v16: SimulatedStation;
const STATION = 'DISPLAY-201';
const V16 = 'DISPLAY-16';

/** What the station answers, per action; a test sets what it needs. */
const answers: Record<string, (params: Record<string, unknown>) => unknown> = {};
const answering = (action: string) => (params: Record<string, unknown>) => {
  const answer = answers[action];
  if (!answer) throw Object.assign(new Error(`no answer for ${action}`), { rpcErrorCode: 'NotSupported' });
  return answer(params);
};

beforeAll(async () => {
  anode = await startIsolatedAnode();
  const handlers = Object.fromEntries(['SetDisplayMessage', 'GetDisplayMessages', 'ClearDisplayMessage'].map((action) => [action, answering(action)]));
  station = await bootedStation(anode, STATION, { version: 'ocpp2.0.1', handlers });
  v16 = await bootedStation(anode, V16, { version: 'ocpp1.6', handlers });
});
afterAll(async () => {
  await station?.close();
  await v16?.close();
  await anode?.stop();
});

const csId = STATION;
const listMessages = async (id = csId) => {
  const { data, response } = await anode.admin.GET('/cs/{csId}/display-messages', { params: { path: { csId: id } } });
  expect(response.status).toBe(200);
  return data!;
};
const lastCall = (action: string) => [...station.received].reverse().find((call) => call.action === action)?.params;
const getJob = async (jobId: number) => (await anode.admin.GET('/cs/{csId}/jobs/{jobId}', { params: { path: { csId, jobId } } })).data!;

describe('O01 Set display message', () => {
  it('without an id Anode picks one, words the message as MessageInfo and keeps it with the Accepted answer', async () => {
    answers.SetDisplayMessage = () => ({ status: 'Accepted' });
    const { data, response } = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: {
        priority: 'NormalCycle',
        state: 'Idle',
        startAt: '2030-01-01T08:00:00.000Z',
        message: { format: 'UTF8', language: 'en', content: 'Welcome' },
        display: { component: 'Display', evseId: 1, connectorId: 2 },
      },
    });
    expect(response.status).toBe(200);
    expect(data?.answer).toMatchObject({ action: 'SetDisplayMessage', status: 'Answered', response: { status: 'Accepted' } });
    expect(lastCall('SetDisplayMessage')).toEqual({
      message: {
        id: 1,
        priority: 'NormalCycle',
        state: 'Idle',
        startDateTime: '2030-01-01T08:00:00.000Z',
        message: { format: 'UTF8', language: 'en', content: 'Welcome' },
        display: { name: 'Display', evse: { id: 1, connectorId: 2 } },
      },
    });
    expect(await listMessages()).toEqual([
      {
        id: 1,
        priority: 'NormalCycle',
        state: 'Idle',
        startAt: '2030-01-01T08:00:00.000Z',
        endAt: null,
        transactionId: null,
        message: { format: 'UTF8', language: 'en', content: 'Welcome' },
        display: { component: 'Display', evseId: 1, connectorId: 2 },
        status: 'Accepted',
        updatedAt: expect.any(String),
      },
    ]);
    expect(data?.message).toMatchObject({ id: 1, status: 'Accepted' });
  });

  it('the next message without an id gets an id no stored message has', async () => {
    answers.SetDisplayMessage = () => ({ status: 'Accepted' });
    const { data } = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { priority: 'InFront', message: { format: 'ASCII', content: 'Second' } },
    });
    expect(data?.message?.id).toBe(2);
    expect((await listMessages()).map(({ id }) => id)).toEqual([1, 2]);
  });

  it("keeps a refusal with the station's status, without replacing the message the station holds under that id", async () => {
    answers.SetDisplayMessage = () => ({ status: 'NotSupportedPriority' });
    const refused = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { id: 1, priority: 'AlwaysFront', message: { format: 'UTF8', content: 'Replacement' } },
    });
    expect(refused.data?.message).toMatchObject({ id: 1, status: 'NotSupportedPriority', message: { content: 'Replacement' } });
    answers.SetDisplayMessage = () => ({ status: 'NotSupportedMessageFormat' });
    await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { id: 7, priority: 'NormalCycle', message: { format: 'HTML', content: '<b>Hi</b>' } },
    });
    const stored = await listMessages();
    expect(stored.find(({ id }) => id === 1)).toMatchObject({ status: 'Accepted', message: { content: 'Welcome' } });
    expect(stored.find(({ id }) => id === 7)).toMatchObject({ status: 'NotSupportedMessageFormat', message: { format: 'HTML' } });
  });

  it('a station that answers with a CALLERROR has nothing stored', async () => {
    delete answers.SetDisplayMessage;
    const { data, response } = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { id: 50, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Lost' } },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ message: null, answer: { status: 'CallError', errorCode: 'NotSupported' } });
    expect((await listMessages()).some(({ id }) => id === 50)).toBe(false);
  });

  it('refuses a message the contract does not allow with 400, sending nothing', async () => {
    const before = station.received.length;
    const tooLong = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { priority: 'NormalCycle', message: { format: 'UTF8', content: 'x'.repeat(513) } },
    });
    expect(tooLong.response.status).toBe(400);
    const badPriority = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { priority: 'Urgent' as never, message: { format: 'UTF8', content: 'Hi' } },
    });
    expect(badPriority.response.status).toBe(400);
    expect(badPriority.error).toMatchObject({ error: expect.stringContaining('priority') });
    expect(station.received.length).toBe(before);
  });
});

describe('O02 Set display message for a transaction', () => {
  it('sends the transactionId and keeps UnknownTransaction when the station has no such transaction', async () => {
    answers.SetDisplayMessage = ({ message }) => ({ status: (message as { transactionId: string }).transactionId === 'tx-1' ? 'Accepted' : 'UnknownTransaction' });
    const known = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { id: 30, priority: 'InFront', transactionId: 'tx-1', message: { format: 'UTF8', content: 'Your price: 0.30/kWh' } },
    });
    const unknown = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId } },
      body: { id: 31, priority: 'InFront', transactionId: 'tx-none', message: { format: 'UTF8', content: 'Nobody' } },
    });
    expect(lastCall('SetDisplayMessage')).toMatchObject({ message: { id: 31, transactionId: 'tx-none' } });
    expect(known.data?.message).toMatchObject({ status: 'Accepted', transactionId: 'tx-1' });
    expect(unknown.data?.message).toMatchObject({ status: 'UnknownTransaction' });
    const stored = await listMessages();
    expect(stored.find(({ id }) => id === 30)).toMatchObject({ transactionId: 'tx-1', status: 'Accepted' });
    expect(stored.find(({ id }) => id === 31)).toMatchObject({ status: 'UnknownTransaction' });
  });
});

describe('O03 Get display messages', () => {
  it('the messages listed in several NotifyDisplayMessages parts are stored as Reported; the job completes with the last part', async () => {
    answers.GetDisplayMessages = () => ({ status: 'Accepted' });
    const { data, response } = await anode.admin.POST('/cs/{csId}/display-messages/report', {
      params: { path: { csId } },
      body: { priority: 'InFront', state: 'Charging' },
    });
    expect(response.status).toBe(200);
    const job = data!.job;
    expect(job).toMatchObject({ kind: 'DisplayMessages', status: 'Accepted', finishedAt: null });
    expect(lastCall('GetDisplayMessages')).toEqual({ requestId: job.requestId, priority: 'InFront', state: 'Charging' });
    expect(job.request).toEqual({ requestId: job.requestId, priority: 'InFront', state: 'Charging' });

    await station.call('NotifyDisplayMessages', {
      requestId: job.requestId,
      tbc: true,
      messageInfo: [{ id: 20, priority: 'InFront', state: 'Charging', message: { format: 'UTF8', content: 'Charging…' } }],
    });
    expect(await getJob(job.id)).toMatchObject({ status: 'Receiving', partsReceived: 1, finishedAt: null });
    await station.call('NotifyDisplayMessages', {
      requestId: job.requestId,
      messageInfo: [
        { id: 21, priority: 'InFront', endDateTime: '2031-05-01T00:00:00.000Z', message: { format: 'URI', content: 'https://example.com/ad' }, display: { name: 'Display', instance: 'rear' } },
        { id: 1, priority: 'InFront', message: { format: 'UTF8', language: 'nl', content: 'Welkom' } },
      ],
    });
    const done = await getJob(job.id);
    expect(done).toMatchObject({ status: 'Complete', partsReceived: 2, result: { messages: 3, messageIds: [20, 21, 1] } });
    expect(done.finishedAt).not.toBeNull();
    expect(done.history.map(({ status }) => status)).toEqual(['Requested', 'Accepted', 'Receiving', 'Complete']);

    const stored = await listMessages();
    expect(stored.find(({ id }) => id === 20)).toMatchObject({ status: 'Reported', state: 'Charging', message: { content: 'Charging…' } });
    expect(stored.find(({ id }) => id === 21)).toMatchObject({
      status: 'Reported',
      endAt: '2031-05-01T00:00:00.000Z',
      display: { component: 'Display', componentInstance: 'rear' },
    });
    expect(stored.find(({ id }) => id === 1)).toMatchObject({ status: 'Reported', priority: 'InFront', message: { language: 'nl', content: 'Welkom' } });
  });

  it('asks for messages by id; Unknown (the station has none of them) finishes the job', async () => {
    answers.GetDisplayMessages = () => ({ status: 'Unknown' });
    const { data } = await anode.admin.POST('/cs/{csId}/display-messages/report', { params: { path: { csId } }, body: { ids: [404, 405] } });
    expect(lastCall('GetDisplayMessages')).toEqual({ requestId: data!.job.requestId, id: [404, 405] });
    expect(data!.job.status).toBe('Unknown');
    expect(data!.job.finishedAt).not.toBeNull();
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId }, query: { kind: 'DisplayMessages' } } });
    expect(jobs?.[0]).toMatchObject({ id: data!.job.id, status: 'Unknown' });
  });
});

describe('O04 Clear display message', () => {
  it('Accepted: the station removed the message, and Anode forgets it', async () => {
    answers.ClearDisplayMessage = () => ({ status: 'Accepted' });
    const { data, response } = await anode.admin.DELETE('/cs/{csId}/display-messages/{messageId}', { params: { path: { csId, messageId: 20 } } });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ removed: true, answer: { response: { status: 'Accepted' } } });
    expect(lastCall('ClearDisplayMessage')).toEqual({ id: 20 });
    expect((await listMessages()).some(({ id }) => id === 20)).toBe(false);
  });

  it('Unknown is answered as such; the station has no such message, so neither does Anode', async () => {
    answers.ClearDisplayMessage = () => ({ status: 'Unknown' });
    const gone = await anode.admin.DELETE('/cs/{csId}/display-messages/{messageId}', { params: { path: { csId, messageId: 7 } } });
    expect(gone.data).toMatchObject({ removed: true, answer: { response: { status: 'Unknown' } } });
    const never = await anode.admin.DELETE('/cs/{csId}/display-messages/{messageId}', { params: { path: { csId, messageId: 999 } } });
    expect(never.data).toMatchObject({ removed: false, answer: { response: { status: 'Unknown' } } });
    expect((await listMessages()).some(({ id }) => id === 7)).toBe(false);
  });

  it('a message id that is not an integer is a 400', async () => {
    const response = await fetch(`${anode.url}/api/v0/cs/${csId}/display-messages/first`, { method: 'DELETE' });
    expect(response.status).toBe(400);
  });
});

describe('Display messages need OCPP 2.0.1', () => {
  it('a 1.6 station is refused with 400: nothing is sent, stored or started', async () => {
    const set = await anode.admin.POST('/cs/{csId}/display-messages', {
      params: { path: { csId: V16 } },
      body: { priority: 'NormalCycle', message: { format: 'UTF8', content: 'Hi' } },
    });
    expect(set.response.status).toBe(400);
    expect(set.error).toMatchObject({ error: 'SetDisplayMessage is not an operation of OCPP 1.6' });
    const report = await anode.admin.POST('/cs/{csId}/display-messages/report', { params: { path: { csId: V16 } }, body: {} });
    expect(report.response.status).toBe(400);
    const clear = await anode.admin.DELETE('/cs/{csId}/display-messages/{messageId}', { params: { path: { csId: V16, messageId: 1 } } });
    expect(clear.response.status).toBe(400);
    expect(v16.received).toEqual([]);
    expect(await listMessages(V16)).toEqual([]);
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: V16 } } });
    expect(jobs).toEqual([]);
  });

  it('a station that is not connected gets 409 and no job; an unknown one 404', async () => {
    const { response: registered } = await anode.admin.POST('/cs/{csId}', { params: { path: { csId: 'DISPLAY-AWAY' } }, body: { securityProfile: 0, base64SHA256Password: 'a'.repeat(43) + '=' } });
    expect(registered.status).toBe(201);
    const away = await anode.admin.POST('/cs/{csId}/display-messages/report', { params: { path: { csId: 'DISPLAY-AWAY' } }, body: {} });
    expect(away.response.status).toBe(409);
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: 'DISPLAY-AWAY' } } });
    expect(jobs).toEqual([]);
    const unknown = await anode.admin.GET('/cs/{csId}/display-messages', { params: { path: { csId: 'NOBODY' } } });
    expect(unknown.response.status).toBe(404);
  });
});
