/**
 * OCPP 1.6 transactions: MeterValues without a transactionId go to the transaction running on their connector, and
 * the operator's remote start and stop (RemoteStartTransaction matched to the transaction the station then starts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, connectStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
const STATION = 'TX16-A';

beforeAll(async () => {
  anode = await startIsolatedAnode();
  station = await bootedStation(anode, STATION, {
    handlers: { RemoteStartTransaction: () => ({ status: 'Accepted' }), RemoteStopTransaction: () => ({ status: 'Accepted' }) },
  });
});
afterAll(async () => {
  await station?.close();
  await anode?.stop();
});

const now = () => new Date().toISOString();

async function start(on: SimulatedStation, connectorId: number, idTag: string, meterStart = 0): Promise<number> {
  const answer = await on.call<{ transactionId: number }>('StartTransaction', { connectorId, idTag, meterStart, timestamp: now() });
  return answer.transactionId;
}

const meterValues = (connectorId: number, wh: number, transactionId?: number) => ({
  connectorId,
  ...(transactionId !== undefined && { transactionId }),
  meterValue: [{ timestamp: now(), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
});

async function readingsOf(transactionId: number): Promise<Array<number | null>> {
  const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } });
  return data!.meterValues.map(({ value }) => value);
}

describe('OCPP 1.6 MeterValues without a transactionId', () => {
  let running: number;

  beforeAll(async () => {
    running = await start(station, 1, 'TX16-CARD', 1000);
  });

  it('are attached to the transaction running on their connector', async () => {
    expect(await station.call('MeterValues', meterValues(1, 1100))).toEqual({});
    expect(await readingsOf(running)).toEqual([1100]);
  });

  it('on another connector, or the main meter (connector 0), are not', async () => {
    await station.call('MeterValues', meterValues(2, 50));
    await station.call('MeterValues', meterValues(0, 99_000));
    expect(await readingsOf(running)).toEqual([1100]);
  });

  it('go to a transaction started on a connector that was idle a moment ago', async () => {
    const second = await start(station, 2, 'TX16-CARD', 60);
    await station.call('MeterValues', meterValues(2, 70));
    expect(await readingsOf(second)).toEqual([70]);
  });

  it('after a reconnect (nothing remembered of the connection) the running transaction is found in the database', async () => {
    await station.close();
    station = await connectStation(anode, {
      id: STATION,
      password: 'station-password',
      handlers: { RemoteStartTransaction: () => ({ status: 'Accepted' }), RemoteStopTransaction: () => ({ status: 'Accepted' }) },
    });
    await station.call('MeterValues', meterValues(1, 1200));
    expect(await readingsOf(running)).toEqual([1100, 1200]);
  });

  it('once the transaction has stopped, they are not attached to it', async () => {
    await station.call('StopTransaction', { transactionId: running, meterStop: 1300, timestamp: now() });
    await station.call('MeterValues', meterValues(1, 1400));
    expect(await readingsOf(running)).toEqual([1100, 1200]);
  });
});

describe('F02 Remote start (operator) on OCPP 1.6: RemoteStartTransaction, matched by connector, idTag and time', () => {
  it('sends RemoteStartTransaction and the transaction the station starts there for that idTag answers it', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/transactions/start', { params: { path: { csId: STATION } }, body: { idTag: 'OP16-TOKEN', evseId: 3 } });
    expect(data?.answer).toMatchObject({ action: 'RemoteStartTransaction', ocppVersion: 'ocpp1.6', status: 'Answered', response: { status: 'Accepted' } });
    expect(station.received.at(-1)).toEqual({ action: 'RemoteStartTransaction', params: { idTag: 'OP16-TOKEN', connectorId: 3 } });
    const other = await start(station, 3, 'SOMEONE-ELSE');
    const answering = await start(station, 3, 'OP16-TOKEN');
    const read = async (id: number) => (await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: id } } })).data!.transaction;
    expect((await read(other)).remoteStartId).toBeNull();
    expect((await read(answering)).remoteStartId).toBe(data!.remoteStartId);
    // taken once: a second start there does not answer it again
    expect((await read(await start(station, 3, 'OP16-TOKEN', 5))).remoteStartId).toBeNull();
  });

  it('without an EVSE the station chooses, and a start on any connector answers it', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/transactions/start', { params: { path: { csId: STATION } }, body: { idTag: 'OP16-ANY' } });
    expect(station.received.at(-1)).toEqual({ action: 'RemoteStartTransaction', params: { idTag: 'OP16-ANY' } });
    const id = await start(station, 4, 'OP16-ANY');
    const { data: read } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId: id } } });
    expect(read?.transaction.remoteStartId).toBe(data!.remoteStartId);
  });

  it('what OCPP 1.6 cannot carry is a 400 (an idTag over 20 characters)', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}/transactions/start', {
      params: { path: { csId: STATION } },
      body: { idTag: 'A-TOKEN-OF-TWENTY-ONE' },
    });
    expect(response.status).toBe(400);
    expect(error).toHaveProperty('error');
  });
});

describe('F03 Remote stop (operator) on OCPP 1.6', () => {
  it('sends RemoteStopTransaction with Anode’s transactionId', async () => {
    const id = await start(station, 5, 'TX16-CARD');
    const { data } = await anode.admin.POST('/cs/{csId}/transactions/stop', { params: { path: { csId: STATION } }, body: { transactionId: id } });
    expect(data).toMatchObject({ action: 'RemoteStopTransaction', status: 'Answered', response: { status: 'Accepted' } });
    expect(station.received.at(-1)).toEqual({ action: 'RemoteStopTransaction', params: { transactionId: id } });
  });
});
