/**
 * OCPP 2.0.1 transactions (E, F): every TransactionEvent kept with its details, offline events that arrive late and
 * out of order, sequence number gaps, stop reasons, and the operator's remote start and stop.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, registerStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
const STATION = 'TX201-A';
/** the station's answer to RequestStartTransaction, changed by the tests that need another */
let startAnswer: Record<string, unknown> = { status: 'Accepted' };

beforeAll(async () => {
  anode = await startIsolatedAnode();
  station = await bootedStation(anode, STATION, {
    version: 'ocpp2.0.1',
    handlers: { RequestStartTransaction: () => startAnswer, RequestStopTransaction: () => ({ status: 'Accepted' }) },
  });
  await anode.admin.POST('/token', {
    body: { countryCode: 'NL', partyId: 'EMS', type: 'RFID', uid: 'TX201-CARD', contractId: 'C1', issuer: 'I', valid: true, cacheMode: 'ALWAYS' },
  });
});
afterAll(async () => {
  await station?.close();
  await anode?.stop();
});

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const energy = (wh: number, timestamp: string) => [{ timestamp, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }];

/** A TransactionEvent of transaction `transactionId`; `info` goes into transactionInfo. */
function event(transactionId: string, eventType: string, seqNo: number, triggerReason: string, extra: Record<string, unknown> = {}, info: Record<string, unknown> = {}) {
  return {
    eventType,
    timestamp: new Date().toISOString(),
    triggerReason,
    seqNo,
    evse: { id: 1, connectorId: 1 },
    ...extra,
    transactionInfo: { transactionId, ...info },
  };
}

async function transactionOf(stationTransactionId: string, stationId = STATION) {
  const { data: list } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: stationId } } });
  const listed = list?.find((transaction) => transaction.stationTransactionId === stationTransactionId);
  if (!listed) throw new Error(`no transaction ${stationTransactionId}`);
  const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: listed.id } } });
  return data!;
}

describe('E01 / E03 Start transaction: each event is kept with its trigger, charging state and moment', () => {
  const tx = randomUUID();
  const startedAt = ago(3);

  it('Started and Updated events are listed by sequence number, and the transaction has the last charging state', async () => {
    await station.call('TransactionEvent', {
      ...event(tx, 'Started', 0, 'Authorized', { idToken: { idToken: 'TX201-CARD', type: 'ISO14443' }, meterValue: energy(100, startedAt) }, { chargingState: 'EVConnected' }),
      timestamp: startedAt,
    });
    await station.call('TransactionEvent', event(tx, 'Updated', 1, 'ChargingStateChanged', {}, { chargingState: 'Charging' }));
    const { transaction, events, missingSeqNos } = await transactionOf(tx);
    expect(transaction).toMatchObject({ idTag: 'TX201-CARD', startedAt: new Date(startedAt).toISOString(), chargingState: 'Charging', offline: false, closedBy: null });
    expect(events.map(({ seqNo, eventType, triggerReason, chargingState, offline }) => ({ seqNo, eventType, triggerReason, chargingState, offline }))).toEqual([
      { seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', chargingState: 'EVConnected', offline: false },
      { seqNo: 1, eventType: 'Updated', triggerReason: 'ChargingStateChanged', chargingState: 'Charging', offline: false },
    ]);
    expect(events[0].occurredAt).toBe(new Date(startedAt).toISOString());
    expect(Date.now() - Date.parse(events[1].receivedAt)).toBeLessThan(60_000);
    expect(missingSeqNos).toEqual([]);
  });

  it('an event without a charging state keeps the one before; a later one that carries one replaces it', async () => {
    await station.call('TransactionEvent', event(tx, 'Updated', 2, 'MeterValuePeriodic', { meterValue: energy(500, new Date().toISOString()) }));
    expect((await transactionOf(tx)).transaction.chargingState).toBe('Charging');
    await station.call('TransactionEvent', event(tx, 'Updated', 3, 'ChargingStateChanged', {}, { chargingState: 'SuspendedEV' }));
    expect((await transactionOf(tx)).transaction.chargingState).toBe('SuspendedEV');
  });

  it('a retried event (same seqNo, another charging state) is answered and changes nothing', async () => {
    expect(await station.call('TransactionEvent', event(tx, 'Updated', 3, 'ChargingStateChanged', {}, { chargingState: 'Charging' }))).toEqual({});
    const { transaction, events } = await transactionOf(tx);
    expect(transaction.chargingState).toBe('SuspendedEV');
    expect(events.filter(({ seqNo }) => seqNo === 3)).toHaveLength(1);
  });
});

describe('E02 Start transaction, cable plugged in first', () => {
  it('the token of a later event is authorized and kept with the status Anode answered; both events are listed', async () => {
    const tx = randomUUID();
    expect(await station.call('TransactionEvent', event(tx, 'Started', 0, 'CablePluggedIn', {}, { chargingState: 'EVConnected' }))).toEqual({});
    const answer = await station.call('TransactionEvent', event(tx, 'Updated', 1, 'Authorized', { idToken: { idToken: 'TX201-CARD', type: 'ISO14443' } }));
    expect(answer).toEqual({ idTokenInfo: { status: 'Accepted' } });
    const { transaction, events } = await transactionOf(tx);
    expect(transaction).toMatchObject({ idTag: 'TX201-CARD', authorizationStatus: 'Accepted', chargingState: 'EVConnected' });
    expect(events.map(({ triggerReason }) => triggerReason)).toEqual(['CablePluggedIn', 'Authorized']);
  });
});

describe('E04 Transaction started while the station was offline: a burst after reconnecting, old timestamps, out of order', () => {
  const tx = randomUUID();
  const [t0, t1, t2, t3] = [ago(120), ago(100), ago(80), ago(60)];
  const offline = { offline: true };

  it('the events are answered whatever their order', async () => {
    // the Updated comes first (it carries the EVSE, so it can open the transaction), the Started after it
    await station.call('TransactionEvent', { ...event(tx, 'Updated', 1, 'ChargingStateChanged', { ...offline, meterValue: energy(1500, t1) }, { chargingState: 'Charging' }), timestamp: t1 });
    const started = await station.call('TransactionEvent', {
      ...event(tx, 'Started', 0, 'Authorized', { ...offline, idToken: { idToken: 'TX201-CARD', type: 'ISO14443' }, meterValue: energy(1000, t0) }, { chargingState: 'EVConnected' }),
      timestamp: t0,
    });
    expect(started).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    await station.call('TransactionEvent', {
      ...event(tx, 'Ended', 3, 'EVCommunicationLost', { ...offline, meterValue: energy(4000, t3) }, { stoppedReason: 'EVDisconnected' }),
      timestamp: t3,
    });
    // an Updated older than the end arrives after it
    expect(
      await station.call('TransactionEvent', { ...event(tx, 'Updated', 2, 'ChargingStateChanged', { ...offline, meterValue: energy(3000, t2) }, { chargingState: 'SuspendedEV' }), timestamp: t2 }),
    ).toEqual({});
  });

  it('start and stop are the events’ own moments and readings, the token is kept, and the transaction is marked offline', async () => {
    const { transaction } = await transactionOf(tx);
    expect(transaction).toMatchObject({
      idTag: 'TX201-CARD',
      startedAt: new Date(t0).toISOString(),
      stoppedAt: new Date(t3).toISOString(),
      meterStartWh: 1000,
      meterStopWh: 4000,
      lastMeterWh: 4000,
      stopReason: 'EVDisconnected',
      offline: true,
    });
  });

  it('the Updated that came after the Ended neither reopened it nor changed its charging state', async () => {
    const { transaction } = await transactionOf(tx);
    expect(transaction.stoppedAt).not.toBeNull();
    // the Ended event reported no charging state: the transaction keeps the one it ended in
    expect(transaction.chargingState).toBe('Charging');
  });

  it('meter values are in the order they were sampled, events in the order of their sequence numbers', async () => {
    const { meterValues, events, missingSeqNos } = await transactionOf(tx);
    expect(meterValues.map(({ value, sampledAt }) => [value, sampledAt])).toEqual([
      [1000, new Date(t0).toISOString()],
      [1500, new Date(t1).toISOString()],
      [3000, new Date(t2).toISOString()],
      [4000, new Date(t3).toISOString()],
    ]);
    expect(events.map(({ seqNo, eventType, offline, occurredAt }) => [seqNo, eventType, offline, occurredAt])).toEqual([
      [0, 'Started', true, new Date(t0).toISOString()],
      [1, 'Updated', true, new Date(t1).toISOString()],
      [2, 'Updated', true, new Date(t2).toISOString()],
      [3, 'Ended', true, new Date(t3).toISOString()],
    ]);
    expect(missingSeqNos).toEqual([]);
  });
});

describe('Sequence number gaps are tolerated and visible', () => {
  const tx = randomUUID();

  it('events after a gap are answered and applied; the view lists the sequence numbers that never came', async () => {
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'CablePluggedIn'));
    expect(await station.call('TransactionEvent', event(tx, 'Updated', 2, 'MeterValuePeriodic', { meterValue: energy(200, new Date().toISOString()) }))).toEqual({});
    expect(await station.call('TransactionEvent', event(tx, 'Updated', 5, 'ChargingStateChanged', {}, { chargingState: 'Charging' }))).toEqual({});
    const { transaction, missingSeqNos, meterValues } = await transactionOf(tx);
    expect(missingSeqNos).toEqual([1, 3, 4]);
    expect(transaction.chargingState).toBe('Charging');
    expect(meterValues.map(({ value }) => value)).toEqual([200]);
  });

  it('a late event fills its gap', async () => {
    await station.call('TransactionEvent', event(tx, 'Updated', 3, 'ChargingStateChanged', {}, { chargingState: 'EVConnected' }));
    const { transaction, missingSeqNos } = await transactionOf(tx);
    expect(missingSeqNos).toEqual([1, 4]);
    // seqNo 3 is older than 5, which had already reported Charging
    expect(transaction.chargingState).toBe('Charging');
  });
});

describe('E06 Stop transaction options: the stoppedReason is kept', () => {
  it('an Ended event’s stoppedReason is the transaction’s stop reason', async () => {
    const tx = randomUUID();
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'CablePluggedIn'));
    await station.call('TransactionEvent', event(tx, 'Ended', 1, 'EVCommunicationLost', {}, { stoppedReason: 'EVDisconnected', chargingState: 'Idle' }));
    const { transaction, events } = await transactionOf(tx);
    expect(transaction).toMatchObject({ stopReason: 'EVDisconnected', chargingState: 'Idle', closedBy: null });
    expect(events[1]).toMatchObject({ eventType: 'Ended', triggerReason: 'EVCommunicationLost' });
  });

  it('an Ended event without one ends the transaction Local, as the specification says of an absent reason', async () => {
    const tx = randomUUID();
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'CablePluggedIn'));
    await station.call('TransactionEvent', event(tx, 'Ended', 1, 'EVDeparted'));
    expect((await transactionOf(tx)).transaction.stopReason).toBe('Local');
  });
});

describe('E07 Transaction locally stopped by IdToken', () => {
  it('the stopping token is authorized in the answer and the transaction ends Local', async () => {
    const tx = randomUUID();
    const idToken = { idToken: 'TX201-CARD', type: 'ISO14443' };
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'Authorized', { idToken }));
    const answer = await station.call('TransactionEvent', event(tx, 'Ended', 1, 'StopAuthorized', { idToken }, { stoppedReason: 'Local' }));
    expect(answer).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect((await transactionOf(tx)).transaction).toMatchObject({ stopReason: 'Local', idTag: 'TX201-CARD' });
  });
});

describe('F02 Remote start first: the operator’s POST /cs/{csId}/transactions/start', () => {
  let remoteStartId: number;

  it('sends RequestStartTransaction with the remote start’s id and answers with it and the station’s answer', async () => {
    const { data, response } = await anode.admin.POST('/cs/{csId}/transactions/start', {
      params: { path: { csId: STATION } },
      body: { idTag: 'OPERATOR-TOKEN', evseId: 1 },
    });
    expect(response.status).toBe(200);
    expect(data?.answer).toMatchObject({ action: 'RequestStartTransaction', ocppVersion: 'ocpp2.0.1', status: 'Answered', response: { status: 'Accepted' } });
    remoteStartId = data!.remoteStartId;
    expect(station.received.at(-1)).toEqual({
      action: 'RequestStartTransaction',
      params: { idToken: { idToken: 'OPERATOR-TOKEN', type: 'Central' }, remoteStartId, evseId: 1 },
    });
  });

  it('a Started event that names the remote start but carries no token charges for the remote start’s token', async () => {
    const tx = randomUUID();
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'RemoteStart', {}, { remoteStartId }));
    expect((await transactionOf(tx)).transaction).toMatchObject({ idTag: 'OPERATOR-TOKEN', remoteStartId });
  });

  it('the same through the generic POST /cs/{csId}/call: the token is found in the request Anode sent', async () => {
    const { response } = await anode.admin.POST('/cs/{csId}/call', {
      params: { path: { csId: STATION } },
      body: { action: 'RequestStartTransaction', payload: { idToken: { idToken: 'CALLED-TOKEN', type: 'ISO14443' }, remoteStartId: 909_090, evseId: 1 } },
    });
    expect(response.status).toBe(200);
    const tx = randomUUID();
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'RemoteStart', {}, { remoteStartId: 909_090 }));
    expect((await transactionOf(tx)).transaction).toMatchObject({ idTag: 'CALLED-TOKEN', remoteStartId: 909_090 });
  });

  it('a Started event naming a remote start nobody asked for keeps no token', async () => {
    const tx = randomUUID();
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'RemoteStart', {}, { remoteStartId: 123_456_789 }));
    expect((await transactionOf(tx)).transaction).toMatchObject({ idTag: null, remoteStartId: 123_456_789 });
  });

  it('the station’s refusal comes back as its answer', async () => {
    startAnswer = { status: 'Rejected' };
    try {
      const { data } = await anode.admin.POST('/cs/{csId}/transactions/start', { params: { path: { csId: STATION } }, body: { idTag: 'OPERATOR-TOKEN' } });
      expect(data?.answer.response).toEqual({ status: 'Rejected' });
      expect(station.received.at(-1)?.params).not.toHaveProperty('evseId');
    } finally {
      startAnswer = { status: 'Accepted' };
    }
  });

  it('a station that is not connected is a 409, an unknown one a 404, a bad token type a 400', async () => {
    await registerStation(anode, 'TX201-OFFLINE');
    const offline = await anode.admin.POST('/cs/{csId}/transactions/start', { params: { path: { csId: 'TX201-OFFLINE' } }, body: { idTag: 'X' } });
    expect(offline.response.status).toBe(409);
    expect(offline.error).toMatchObject({ error: expect.stringContaining('not connected') });
    const unknown = await anode.admin.POST('/cs/{csId}/transactions/start', { params: { path: { csId: 'TX201-NOBODY' } }, body: { idTag: 'X' } });
    expect(unknown.response.status).toBe(404);
    const bad = await anode.admin.POST('/cs/{csId}/transactions/start', {
      params: { path: { csId: STATION } },
      body: { idTag: 'X', idTokenType: 'Magic' as 'Central' },
    });
    expect(bad.response.status).toBe(400);
  });
});

describe('F01 Remote start, cable plugged in first', () => {
  it('the Updated event that names the operator’s remote start gives the transaction its token', async () => {
    const tx = randomUUID();
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'CablePluggedIn', {}, { chargingState: 'EVConnected' }));
    startAnswer = { status: 'Accepted', transactionId: tx };
    let remoteStartId: number;
    try {
      const { data } = await anode.admin.POST('/cs/{csId}/transactions/start', { params: { path: { csId: STATION } }, body: { idTag: 'CABLE-FIRST', evseId: 1 } });
      expect(data?.answer.response).toEqual({ status: 'Accepted', transactionId: tx });
      remoteStartId = data!.remoteStartId;
    } finally {
      startAnswer = { status: 'Accepted' };
    }
    await station.call('TransactionEvent', event(tx, 'Updated', 1, 'RemoteStart', {}, { remoteStartId, chargingState: 'Charging' }));
    expect((await transactionOf(tx)).transaction).toMatchObject({ idTag: 'CABLE-FIRST', remoteStartId, chargingState: 'Charging' });
  });
});

describe('F03 Remote stop: the operator’s POST /cs/{csId}/transactions/stop', () => {
  const tx = randomUUID();
  let id: number;

  beforeAll(async () => {
    await station.call('TransactionEvent', event(tx, 'Started', 0, 'CablePluggedIn'));
    id = (await transactionOf(tx)).transaction.id;
  });

  it('sends RequestStopTransaction with the station’s own transactionId and returns its answer', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/transactions/stop', { params: { path: { csId: STATION } }, body: { transactionId: id } });
    expect(data).toMatchObject({ action: 'RequestStopTransaction', status: 'Answered', response: { status: 'Accepted' } });
    expect(station.received.at(-1)).toEqual({ action: 'RequestStopTransaction', params: { transactionId: tx } });
  });

  it('the transaction ends when the station reports it: Remote', async () => {
    await station.call('TransactionEvent', event(tx, 'Ended', 1, 'RemoteStop', {}, { stoppedReason: 'Remote' }));
    expect((await transactionOf(tx)).transaction.stopReason).toBe('Remote');
  });

  it('an ended transaction is a 409, one of another station or none a 404', async () => {
    const ended = await anode.admin.POST('/cs/{csId}/transactions/stop', { params: { path: { csId: STATION } }, body: { transactionId: id } });
    expect(ended.response.status).toBe(409);
    const other = await anode.admin.POST('/cs/{csId}/transactions/stop', { params: { path: { csId: 'TX201-OFFLINE' } }, body: { transactionId: id } });
    expect(other.response.status).toBe(404);
    const none = await anode.admin.POST('/cs/{csId}/transactions/stop', { params: { path: { csId: STATION } }, body: { transactionId: 999_999 } });
    expect(none.response.status).toBe(404);
  });
});
