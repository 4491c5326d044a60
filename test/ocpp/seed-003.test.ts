/** The request/response examples of seeds/003 (a Central System on /ws/CentralSystemService/{chargeBoxId}), verbatim. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { exchange, registerStation } from '../support/stations.js';

let anode: TestAnode;
let socket: WebSocket;

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_HEARTBEAT_INTERVAL: '14400' });
  const password = await registerStation(anode, 'CB-4711');
  await anode.admin.POST('/token', {
    body: { countryCode: 'DE', partyId: 'OPI', type: 'RFID', uid: '0fc673', contractId: 'DE-OPI-0fc673', issuer: 'Hackathon', valid: true, cacheMode: 'ALWAYS', expiryDate: '2099-11-11T00:00:00.000Z' },
  });
  socket = new WebSocket(`${anode.url.replace(/^http/, 'ws')}/ws/CentralSystemService/CB-4711`, 'ocpp1.6', {
    headers: { Authorization: `Basic ${Buffer.from(`CB-4711:${password}`).toString('base64')}` },
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
});
afterAll(async () => {
  socket?.close();
  await anode?.stop();
});

const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
let transactionId: number;

describe('seed 003 examples, frame by frame', () => {
  it('Boot notification', async () => {
    const answer = await exchange(socket, '[2, "1", "BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "WALLBOX"}]');
    expect(answer).toEqual([3, '1', { status: 'Accepted', currentTime: iso, interval: 14400 }]);
  });

  it('Authorize', async () => {
    const answer = await exchange(socket, '[2, "2", "Authorize", {"idTag": "0fc673"}]');
    expect(answer).toEqual([3, '2', { idTagInfo: { status: 'Accepted', expiryDate: '2099-11-11T00:00:00.000Z' } }]);
  });

  it('Start Transaction', async () => {
    const answer = (await exchange(
      socket,
      '[2, "3", "StartTransaction", {"connectorId": 1, "idTag": "0fc673", "meterStart": 10000, "timestamp": "2021-11-10T14:00:00.000Z"}]',
    )) as [number, string, { transactionId: number }];
    expect(answer).toEqual([3, '3', { transactionId: expect.any(Number), idTagInfo: { status: 'Accepted', expiryDate: '2099-11-11T00:00:00.000Z' } }]);
    transactionId = answer[2].transactionId;
  });

  it('Stop Transaction', async () => {
    const readings = ['14:15', '14:30', '14:45', '15:00'].map(
      (time, index) => `{"timestamp": "2021-11-10T${time}:00.000Z", "sampledValue": [{"value": "${11000 + index * 1000}"}]}`,
    );
    const answer = await exchange(
      socket,
      `[2, "4", "StopTransaction", {"idTag": "0fc673", "meterStop": 15000, "timestamp": "2021-11-10T15:15:00.000Z", "transactionId": ${transactionId}, "reason": "EVDisconnected", "transactionData": [${readings.join(', ')}]}]`,
    );
    expect(answer).toEqual([3, '4', { idTagInfo: { status: 'Accepted', expiryDate: '2099-11-11T00:00:00.000Z' } }]);
    const { data } = await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } });
    expect(data?.transaction).toMatchObject({ meterStartWh: 10000, meterStopWh: 15000, stopReason: 'EVDisconnected' });
    expect(data?.meterValues.map((sample) => sample.value)).toEqual([11000, 12000, 13000, 14000]);
  });
});
