import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, exchange, rawSocket, registerStation } from '../support/stations.js';

let anode: TestAnode;
let socket: WebSocket;
const STATION = 'BAD-IN';

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_MAX_MESSAGE_BYTES: '65536', OCPP_MAX_BAD_MESSAGES: '5' });
  const password = await registerStation(anode, STATION);
  socket = await rawSocket(anode, STATION, password);
  await exchange(socket, JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' }]));
});
afterAll(async () => {
  socket?.terminate();
  await anode?.stop();
});

const closeOf = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('malformed frames get the OCPP-J CALLERROR for framing', () => {
  it.each([
    ['malformed JSON', '[2, "1", "Heartbeat", {', ['RpcFrameworkError', 'Message must be a JSON structure']],
    ['a frame that is not an array', '{"hello": 1}', ['RpcFrameworkError', 'Message must be an array']],
    ['an unknown message type', '[7, "m1", "Heartbeat", {}]', ['MessageTypeNotSupported', 'Unrecognised message type']],
    ['a message id that is not a string', '[2, 1, "Heartbeat", {}]', ['RpcFrameworkError', 'Message ID must be a string']],
  ])('%s', async (_what, frame, [code, description]) => {
    const answer = (await exchange(socket, frame)) as unknown[];
    expect(answer[0]).toBe(4);
    expect(answer[2]).toBe(code);
    expect(answer[3]).toBe(description);
  });
});

describe('calls that break the OCPP 1.6 schema get the matching CALLERROR', () => {
  it.each([
    ['an unknown action', [2, 'a1', 'MakeCoffee', {}], 'NotImplemented'],
    ['a missing required field', [2, 'a2', 'Authorize', {}], 'OccurrenceConstraintViolation'],
    ['a field of the wrong type', [2, 'a3', 'Authorize', { idTag: 42 }], 'TypeConstraintViolation'],
    ['an unknown field', [2, 'a4', 'Heartbeat', { extra: true }], 'PropertyConstraintViolation'],
    ['a string over its maximum length', [2, 'a5', 'Authorize', { idTag: 'X'.repeat(21) }], 'FormationViolation'],
    ['a value outside its enumeration', [2, 'a6', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' }], 'FormationViolation'],
  ])('%s', async (_what, frame, code) => {
    const answer = (await exchange(socket, JSON.stringify(frame))) as unknown[];
    expect(answer.slice(0, 3)).toEqual([4, frame[1], code]);
  });
});

describe('calls about unknown transactions or connectors', () => {
  it.each([
    ['StopTransaction for an unknown transaction', [2, 't1', 'StopTransaction', { transactionId: 987654, meterStop: 1, timestamp: '2024-01-01T00:00:00Z' }], 'unknown transactionId 987654'],
    ['MeterValues for an unknown transaction', [2, 't2', 'MeterValues', { connectorId: 1, transactionId: 987654, meterValue: [{ timestamp: '2024-01-01T00:00:00Z', sampledValue: [{ value: '1' }] }] }], 'unknown transactionId 987654'],
    ['StartTransaction on connector 0 (the station itself)', [2, 't3', 'StartTransaction', { connectorId: 0, idTag: 'X', meterStart: 0, timestamp: '2024-01-01T00:00:00Z' }], 'connectorId must be 1 or more for a transaction'],
  ])('%s is a PropertyConstraintViolation and stores nothing', async (_what, frame, description) => {
    const answer = (await exchange(socket, JSON.stringify(frame))) as unknown[];
    expect(answer.slice(0, 4)).toEqual([4, frame[1], 'PropertyConstraintViolation', description]);
    const { response } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: STATION } } });
    expect(response.headers.get('X-Total-Count')).toBe('0');
  });

  it("another station's transaction is unknown to this one", async () => {
    const other = await bootedStation(anode, 'BAD-OTHER');
    const { transactionId } = await other.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: 'X',
      meterStart: 0,
      timestamp: '2024-01-01T00:00:00Z',
    });
    const frame = [2, 't4', 'StopTransaction', { transactionId, meterStop: 5, timestamp: '2024-01-01T01:00:00Z' }];
    const answer = (await exchange(socket, JSON.stringify(frame))) as unknown[];
    expect(answer[2]).toBe('PropertyConstraintViolation');
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } });
    expect(data?.transaction.stoppedAt).toBeNull();
    await other.close();
  });
});

describe('energy readings beyond any real meter', () => {
  const reading = (transactionId: number, value: string, unit = 'Wh') => ({
    connectorId: 1,
    transactionId,
    meterValue: [{ timestamp: '2024-01-01T00:30:00Z', sampledValue: [{ value, unit, measurand: 'Energy.Active.Import.Register' }] }],
  });
  const transactionOf = async (transactionId: number) =>
    (await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } })).data!;

  it('a register reading above 2^31 Wh is stored, and readings written in the same batch are stored too', async () => {
    const [huge, usual] = await Promise.all([bootedStation(anode, 'BIG-METER'), bootedStation(anode, 'USUAL-METER')]);
    const start = { connectorId: 1, idTag: 'X', meterStart: 4_000_000_000, timestamp: '2024-01-01T00:00:00Z' };
    const [a, b] = await Promise.all([
      huge.call<{ transactionId: number }>('StartTransaction', start),
      usual.call<{ transactionId: number }>('StartTransaction', { ...start, meterStart: 1000 }),
    ]);
    const answers = await Promise.all([
      huge.call('MeterValues', reading(a.transactionId, '5000000000000')),
      usual.call('MeterValues', reading(b.transactionId, '1500')),
    ]);
    expect(answers).toEqual([{}, {}]);
    expect((await transactionOf(a.transactionId)).meterValues.map((sample) => sample.value)).toEqual([5_000_000_000_000]);
    expect((await transactionOf(b.transactionId)).meterValues.map((sample) => sample.value)).toEqual([1500]);
    expect((await transactionOf(a.transactionId)).transaction.lastMeterWh).toBe(5_000_000_000_000);
    await huge.call('StopTransaction', { transactionId: a.transactionId, meterStop: 5_000_000_001_000, timestamp: '2024-01-01T01:00:00Z' });
    expect((await transactionOf(a.transactionId)).transaction).toMatchObject({ meterStartWh: 4_000_000_000, meterStopWh: 5_000_000_001_000 });
    await Promise.all([huge.close(), usual.close()]);
  });

  it('a reading no integer can hold is stored as sent, and no transaction takes it as its energy', async () => {
    const station = await bootedStation(anode, 'ABSURD-METER');
    const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'X', meterStart: 10, timestamp: '2024-01-01T00:00:00Z' });
    expect(await station.call('MeterValues', reading(transactionId, '1e300', 'kWh'))).toEqual({});
    expect(await station.call('MeterValues', reading(transactionId, '20'))).toEqual({});
    const { transaction, meterValues } = await transactionOf(transactionId);
    expect(meterValues.map((sample) => sample.value)).toEqual([1e300, 20]);
    expect(transaction.lastMeterWh).toBe(20);
    await station.close();
  });

  it('an OCPP 2.0.1 transaction ended without a reading ends at its highest reading an integer holds', async () => {
    const station = await bootedStation(anode, 'ABSURD-201', { version: 'ocpp2.0.1' });
    const event = (eventType: string, seqNo: number, value?: number, unit = 'Wh') => ({
      eventType,
      timestamp: '2024-01-01T00:00:00Z',
      triggerReason: 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId: 'absurd-1' },
      ...(value !== undefined && { meterValue: [{ timestamp: '2024-01-01T00:00:00Z', sampledValue: [{ value, unitOfMeasure: { unit } }] }] }),
    });
    await station.call('TransactionEvent', { ...event('Started', 0, 10), evse: { id: 1, connectorId: 1 } });
    await station.call('TransactionEvent', event('Updated', 1, 1e300, 'kWh'));
    await station.call('TransactionEvent', event('Updated', 2, 35));
    await station.call('TransactionEvent', event('Ended', 3));
    const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'ABSURD-201' } } });
    expect(data?.[0]).toMatchObject({ meterStartWh: 10, meterStopWh: 35 });
    await station.close();
  });

  it.each([
    ['a meterStart beyond 2^53 Wh', [2, 'r1', 'StartTransaction', { connectorId: 1, idTag: 'X', meterStart: 2 ** 60, timestamp: '2024-01-01T00:00:00Z' }]],
    ['a meterStop beyond 2^53 Wh', [2, 'r2', 'StopTransaction', { transactionId: 1, meterStop: 2 ** 60, timestamp: '2024-01-01T00:00:00Z' }]],
    ['a connectorId no connector has', [2, 'r3', 'MeterValues', { connectorId: 2 ** 40, meterValue: [{ timestamp: '2024-01-01T00:00:00Z', sampledValue: [{ value: '1' }] }] }]],
    ['a transactionId no transaction has', [2, 'r4', 'MeterValues', { connectorId: 1, transactionId: 2 ** 40, meterValue: [{ timestamp: '2024-01-01T00:00:00Z', sampledValue: [{ value: '1' }] }] }]],
    ['a StatusNotification for a connectorId no connector has', [2, 'r5', 'StatusNotification', { connectorId: 2 ** 40, errorCode: 'NoError', status: 'Available' }]],
  ])('%s is refused with a PropertyConstraintViolation', async (_what, frame) => {
    // a refused value counts towards OCPP_MAX_BAD_MESSAGES until the station's next good call
    expect(((await exchange(socket, JSON.stringify([2, `${frame[1]}-ok`, 'Heartbeat', {}]))) as unknown[])[0]).toBe(3);
    const answer = (await exchange(socket, JSON.stringify(frame))) as unknown[];
    expect(answer.slice(0, 3)).toEqual([4, frame[1], 'PropertyConstraintViolation']);
  });
});

describe('abuse closes the socket and leaves the server and its data intact', () => {
  it('a frame over OCPP_MAX_MESSAGE_BYTES closes the socket with 1009', async () => {
    const password = await registerStation(anode, 'BAD-BIG');
    const big = await rawSocket(anode, 'BAD-BIG', password);
    const closed = closeOf(big);
    big.send(JSON.stringify([2, 'x', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(70_000) }]));
    expect(await closed).toBe(1009);
  });

  it('a flood of malformed frames closes the socket after the limit', async () => {
    const password = await registerStation(anode, 'BAD-FLOOD');
    const flood = await rawSocket(anode, 'BAD-FLOOD', password);
    const closed = closeOf(flood);
    for (let i = 0; i < 20 && flood.readyState === flood.OPEN; i += 1) flood.send('not json');
    expect(await closed).toBe(1002);
  });

  it('a flood of schema-violating calls closes the socket after the limit', async () => {
    const password = await registerStation(anode, 'BAD-SCHEMA');
    const flood = await rawSocket(anode, 'BAD-SCHEMA', password);
    const closed = closeOf(flood);
    for (let i = 0; i < 20 && flood.readyState === flood.OPEN; i += 1) {
      flood.send(JSON.stringify([2, `s${i}`, 'Authorize', {}]));
    }
    expect(await closed).toBe(1008);
  });

  it('the server still serves stations and its data is as it was', async () => {
    const station = await bootedStation(anode, 'BAD-AFTER');
    expect((await station.call('Heartbeat', {})).currentTime).toBeDefined();
    const { response } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: STATION } } });
    expect(response.headers.get('X-Total-Count')).toBe('0');
    expect((await fetch(`${anode.url}/health`)).status).toBe(200);
    await station.close();
  });
});
