import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station16: SimulatedStation;
let station201: SimulatedStation;

beforeAll(async () => {
  anode = await startIsolatedAnode(
    {},
    {
      dataTransferVendors: {
        'com.example.meter': ({ messageId, data, stationId }) =>
          messageId === 'Ping' ? { status: 'Accepted', data: { pong: data, stationId } } : { status: 'UnknownMessageId' },
        'com.example.broken': () => {
          throw new Error('vendor bug');
        },
      },
    },
  );
  station16 = await bootedStation(anode, 'DT-16');
  station201 = await bootedStation(anode, 'DT-201', { version: 'ocpp2.0.1' });
});
afterAll(async () => {
  await station16?.close();
  await station201?.close();
  await anode?.stop();
});

const kept = async (csId: string) =>
  (await anode.admin.GET('/cs/{csId}/events', { params: { path: { csId }, query: { action: 'DataTransfer' } } })).data!.map((event) => event.payload);

describe('P01/P02 DataTransfer (both versions): a registry of vendor handlers', () => {
  it('a registered vendor answers its messages (2.0.1: any JSON value)', async () => {
    expect(await station201.call('DataTransfer', { vendorId: 'com.example.meter', messageId: 'Ping', data: { n: 1 } })).toEqual({
      status: 'Accepted',
      data: { pong: { n: 1 }, stationId: 'DT-201' },
    });
    expect(await station201.call('DataTransfer', { vendorId: 'com.example.meter', messageId: 'Other' })).toEqual({ status: 'UnknownMessageId' });
  });

  it('on 1.6 a structured answer travels as JSON text', async () => {
    expect(await station16.call('DataTransfer', { vendorId: 'com.example.meter', messageId: 'Ping', data: 'hi' })).toEqual({
      status: 'Accepted',
      data: JSON.stringify({ pong: 'hi', stationId: 'DT-16' }),
    });
  });

  it('an unknown vendor gets UnknownVendorId, never a CALLERROR, on both versions', async () => {
    expect(await station16.call('DataTransfer', { vendorId: 'org.unknown', data: 'x' })).toEqual({ status: 'UnknownVendorId' });
    expect(await station201.call('DataTransfer', { vendorId: 'org.unknown' })).toEqual({ status: 'UnknownVendorId' });
  });

  it('a vendor handler that fails is answered Rejected, and the station stays connected', async () => {
    expect(await station201.call('DataTransfer', { vendorId: 'com.example.broken' })).toEqual({ status: 'Rejected' });
    expect(await station201.call('Heartbeat', {})).toHaveProperty('currentTime');
  });

  it('every DataTransfer is kept with the answer it got', async () => {
    expect(await kept('DT-201')).toEqual([
      { vendorId: 'com.example.broken', answer: { status: 'Rejected' } },
      { vendorId: 'org.unknown', answer: { status: 'UnknownVendorId' } },
      { vendorId: 'com.example.meter', messageId: 'Other', answer: { status: 'UnknownMessageId' } },
      { vendorId: 'com.example.meter', messageId: 'Ping', data: { n: 1 }, answer: { status: 'Accepted', data: { pong: { n: 1 }, stationId: 'DT-201' } } },
    ]);
    expect((await kept('DT-16')).map((payload) => (payload.answer as { status: string }).status)).toEqual(['UnknownVendorId', 'Accepted']);
  });
});
