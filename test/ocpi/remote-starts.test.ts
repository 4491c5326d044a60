/**
 * Sessions started by a partner's START_SESSION: the transaction the station then starts is the partner's commanded
 * session (auth_method COMMAND, with the command's authorization_reference, in the Session and its CDR). An OCPP
 * 2.0.1 station names the remote start by the remoteStartId it was given; an OCPP 1.6 station cannot, so its
 * StartTransaction at the same connector with the same idTag within the remote start window is taken to answer it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/ocpi-2.2.1-cpo.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp, acConnector, appToken } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

type Session = components['schemas']['Session'];
type Cdr = components['schemas']['CDR'];

const WINDOW_SECONDS = 3;

let anode: TestAnode;
let emsp: SimulatedEmsp;
let tokenC: string;
let v16: SimulatedStation;
let v201: SimulatedStation;
/** how each station answers a remote start; changed by the tests */
const answers = { RemoteStartTransaction: 'Accepted', RequestStartTransaction: 'Accepted' };

const connector = acConnector;
const token = (uid: string) => appToken(uid);

beforeAll(async () => {
  anode = await startIsolatedAnode({
    OCPI_COMMAND_TIMEOUT_SECONDS: '1',
    OCPI_REMOTE_START_WINDOW_SECONDS: String(WINDOW_SECONDS),
    OCPI_PUSH_POLL_MS: '50',
  });
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  await anode.admin.POST('/register', { body: { token: 'remote-starts-a' } });
  const { data } = await emsp.client('remote-starts-a').POST('/2.2.1/credentials', {
    params: { header: ids() },
    body: { token: emsp.tokenForAnode, url: emsp.versionsUrl, roles: emsp.roles },
  });
  tokenC = data!.data!.token;
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'RS-LOC' } },
    body: {
      address: 'Brink 2',
      city: 'Deventer',
      country: 'NLD',
      coordinates: { latitude: '52.25500', longitude: '6.16000' },
      evses: [
        { uid: 'RS-16-1', station_id: 'RS-16', ocpp_evse_id: 1, connectors: [connector] },
        { uid: 'RS-16-2', station_id: 'RS-16', ocpp_evse_id: 2, connectors: [connector] },
        { uid: 'RS-201-1', station_id: 'RS-201', ocpp_evse_id: 1, connectors: [connector] },
        { uid: 'RS-201-2', station_id: 'RS-201', ocpp_evse_id: 2, connectors: [connector] },
      ],
    },
  });
  v16 = await bootedStation(anode, 'RS-16', { handlers: { RemoteStartTransaction: () => ({ status: answers.RemoteStartTransaction }) } });
  v201 = await bootedStation(anode, 'RS-201', { version: 'ocpp2.0.1', handlers: { RequestStartTransaction: () => ({ status: answers.RequestStartTransaction }) } });
});
afterAll(async () => {
  await v16?.close();
  await v201?.close();
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp.findings).toEqual([]));

/** Sends START_SESSION and waits for the CommandResult the station's answer gave. */
async function startSession(evseUid: string, uid: string, authorizationReference?: string): Promise<unknown> {
  const path = `/results/${evseUid}/${uid}`;
  const { data } = await emsp.client(tokenC).POST('/2.2.1/commands/START_SESSION', {
    params: { header: ids() },
    body: {
      response_url: `${emsp.url}${path}`,
      token: token(uid),
      location_id: 'RS-LOC',
      evse_uid: evseUid,
      connector_id: '1',
      ...(authorizationReference && { authorization_reference: authorizationReference }),
    },
  });
  expect(data?.data?.result).toBe('ACCEPTED');
  const posted = await eventually(async () => {
    const call = emsp.received.find((received) => received.method === 'POST' && received.path === path);
    expect(call).toBeDefined();
    return call!;
  }, 8000);
  return (posted.body as { result: string }).result;
}

/** The session as the partner pulls it, and as Anode pushed it when it started. */
async function sessionSeen(sessionId: string | number): Promise<{ pulled: Session; pushed: Session }> {
  const { data } = await emsp.client(tokenC).GET('/2.2.1/sessions', { params: { header: ids(), query: { date_from: '2000-01-01T00:00:00Z' } } });
  const pulled = data!.data!.find((session) => session.id === String(sessionId));
  expect(pulled).toBeDefined();
  const pushed = await eventually(async () => {
    const call = emsp.received.find((received) => received.method === 'PUT' && received.path === `/ocpi/2.2.1/sessions/NL/ANO/${sessionId}`);
    expect(call).toBeDefined();
    return call!.body as Session;
  });
  return { pulled: pulled!, pushed };
}

/** The CDR Anode pushed once the session ended. */
const cdrPushed = (sessionId: string | number) =>
  eventually(async () => {
    const call = emsp.received.find((received) => received.method === 'POST' && received.path === '/ocpi/2.2.1/cdrs' && (received.body as Cdr).session_id === String(sessionId));
    expect(call).toBeDefined();
    return call!.body as Cdr;
  });

/** How a session tells who authorised it. */
const authOf = (object: Session | Cdr) => ({ auth_method: object.auth_method, authorization_reference: object.authorization_reference });

let clock = Date.parse('2025-03-01T10:00:00Z');
const stamp = () => new Date((clock += 60_000)).toISOString();

const start16 = async (connectorId: number, idTag: string) =>
  (await v16.call<{ transactionId: number }>('StartTransaction', { connectorId, idTag, meterStart: 0, timestamp: stamp() })).transactionId;
const stop16 = (transactionId: number) => v16.call('StopTransaction', { transactionId, meterStop: 1000, timestamp: stamp() });

/** A 2.0.1 TransactionEvent; `remoteStartId` only when the station names one. */
async function event201(eventType: 'Started' | 'Ended', transactionId: string, seqNo: number, extra: { idTag?: string; evseId?: number; remoteStartId?: number } = {}) {
  await v201.call('TransactionEvent', {
    eventType,
    timestamp: stamp(),
    triggerReason: eventType === 'Started' ? (extra.remoteStartId !== undefined ? 'RemoteStart' : 'Authorized') : 'EVCommunicationLost',
    seqNo,
    transactionInfo: { transactionId, ...(extra.remoteStartId !== undefined && { remoteStartId: extra.remoteStartId }), ...(eventType === 'Ended' && { stoppedReason: 'EVDisconnected' }) },
    ...(extra.idTag && { idToken: { idToken: extra.idTag, type: 'Central' } }),
    ...(extra.evseId !== undefined && { evse: { id: extra.evseId, connectorId: 1 } }),
  });
}

/** The session Anode made of a 2.0.1 transaction, by the station's transaction id. */
async function sessionIdOf201(stationTransactionId: string): Promise<number> {
  const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'RS-201' } } });
  const transaction = data!.find((candidate) => candidate.stationTransactionId === stationTransactionId);
  expect(transaction).toBeDefined();
  return transaction!.id;
}

describe('START_SESSION on an OCPP 1.6 station: the StartTransaction that answers it is found by connector, idTag and time', () => {
  it('the StartTransaction at that connector with that idTag is the commanded session: COMMAND and the authorization_reference, pushed at start and in the CDR', async () => {
    expect(await startSession('RS-16-1', 'R16-A', 'AUTH-16-A')).toBe('ACCEPTED');
    expect(v16.received.at(-1)).toEqual({ action: 'RemoteStartTransaction', params: { idTag: 'R16-A', connectorId: 1 } });
    const transactionId = await start16(1, 'R16-A');
    const { pulled, pushed } = await sessionSeen(transactionId);
    expect(authOf(pulled)).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-16-A' });
    expect(authOf(pushed)).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-16-A' });
    await stop16(transactionId);
    expect(authOf(await cdrPushed(transactionId))).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-16-A' });
  });

  it('a remote start answers one transaction: the next start with the same idTag at that connector is WHITELIST', async () => {
    const transactionId = await start16(1, 'R16-A');
    const { pulled, pushed } = await sessionSeen(transactionId);
    expect(authOf(pulled)).toEqual({ auth_method: 'WHITELIST', authorization_reference: undefined });
    expect(authOf(pushed)).toEqual({ auth_method: 'WHITELIST', authorization_reference: undefined });
    await stop16(transactionId);
  });

  it('a start with that idTag at another connector is WHITELIST, and leaves the remote start to its own connector', async () => {
    expect(await startSession('RS-16-1', 'R16-B', 'AUTH-16-B')).toBe('ACCEPTED');
    const elsewhere = await start16(2, 'R16-B');
    expect(authOf((await sessionSeen(elsewhere)).pulled)).toEqual({ auth_method: 'WHITELIST', authorization_reference: undefined });
    const there = await start16(1, 'R16-B');
    expect(authOf((await sessionSeen(there)).pulled)).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-16-B' });
    await stop16(elsewhere);
    await stop16(there);
  });

  it('a START_SESSION without authorization_reference gives COMMAND and no reference', async () => {
    expect(await startSession('RS-16-2', 'R16-C')).toBe('ACCEPTED');
    const transactionId = await start16(2, 'R16-C');
    expect(authOf((await sessionSeen(transactionId)).pulled)).toEqual({ auth_method: 'COMMAND', authorization_reference: undefined });
    await stop16(transactionId);
  });

  it('a remote start the station rejected is answered by no transaction: a start with that idTag is WHITELIST', async () => {
    answers.RemoteStartTransaction = 'Rejected';
    try {
      expect(await startSession('RS-16-1', 'R16-D', 'AUTH-16-D')).toBe('REJECTED');
    } finally {
      answers.RemoteStartTransaction = 'Accepted';
    }
    const transactionId = await start16(1, 'R16-D');
    expect(authOf((await sessionSeen(transactionId)).pulled)).toEqual({ auth_method: 'WHITELIST', authorization_reference: undefined });
    await stop16(transactionId);
  });

  it('a start with that idTag at that connector after the window is WHITELIST', async () => {
    expect(await startSession('RS-16-1', 'R16-E', 'AUTH-16-E')).toBe('ACCEPTED');
    await new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 1000 + 300));
    const transactionId = await start16(1, 'R16-E');
    expect(authOf((await sessionSeen(transactionId)).pulled)).toEqual({ auth_method: 'WHITELIST', authorization_reference: undefined });
    await stop16(transactionId);
  });
});

describe('START_SESSION on an OCPP 2.0.1 station: the transaction that answers it names its remoteStartId', () => {
  const remoteStartIdSent = () => {
    const sent = v201.received.at(-1);
    expect(sent?.action).toBe('RequestStartTransaction');
    return (sent!.params as { remoteStartId: number }).remoteStartId;
  };

  it('the transaction naming the remoteStartId is the commanded session: COMMAND and the authorization_reference, pushed at start and in the CDR', async () => {
    expect(await startSession('RS-201-1', 'R201-A', 'AUTH-201-A')).toBe('ACCEPTED');
    const remoteStartId = remoteStartIdSent();
    expect(v201.received.at(-1)?.params).toEqual({ idToken: { idToken: 'R201-A', type: 'Central' }, remoteStartId, evseId: 1 });
    await event201('Started', 'tx-201-a', 0, { idTag: 'R201-A', evseId: 1, remoteStartId });
    const sessionId = await sessionIdOf201('tx-201-a');
    const { pulled, pushed } = await sessionSeen(sessionId);
    expect(authOf(pulled)).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-201-A' });
    expect(authOf(pushed)).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-201-A' });
    await event201('Ended', 'tx-201-a', 1);
    expect(authOf(await cdrPushed(sessionId))).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-201-A' });
  });

  it('each remote start gets its own remoteStartId', async () => {
    const first = remoteStartIdSent();
    expect(await startSession('RS-201-2', 'R201-B')).toBe('ACCEPTED');
    const second = remoteStartIdSent();
    expect(Number.isInteger(second) && second > 0).toBe(true);
    expect(second).not.toBe(first);
  });

  it('a start with the same idTag that names no remote start is WHITELIST, at that EVSE within the window as at another', async () => {
    expect(await startSession('RS-201-1', 'R201-C', 'AUTH-201-C')).toBe('ACCEPTED');
    const remoteStartId = remoteStartIdSent();
    await event201('Started', 'tx-201-c-local', 0, { idTag: 'R201-C', evseId: 1 });
    await event201('Started', 'tx-201-c-other', 0, { idTag: 'R201-C', evseId: 2 });
    for (const local of ['tx-201-c-local', 'tx-201-c-other']) {
      expect(authOf((await sessionSeen(await sessionIdOf201(local))).pulled)).toEqual({ auth_method: 'WHITELIST', authorization_reference: undefined });
      await event201('Ended', local, 1);
    }
    // The remote start is still there for the transaction that names it.
    await event201('Started', 'tx-201-c-remote', 0, { idTag: 'R201-C', evseId: 1, remoteStartId });
    expect(authOf((await sessionSeen(await sessionIdOf201('tx-201-c-remote'))).pulled)).toEqual({ auth_method: 'COMMAND', authorization_reference: 'AUTH-201-C' });
    await event201('Ended', 'tx-201-c-remote', 1);
  });
});
