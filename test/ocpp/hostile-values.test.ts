/**
 * Values the OCPP schemas accept but Anode cannot store are refused at the edge with the CALLERROR OCPP-J names,
 * before any handler or the database sees them: text with NUL or an unpaired UTF-16 surrogate is a FormatViolation
 * (FormationViolation in 1.6), an integer outside 32 bits (a meter register beyond 2^53) or a date-time outside the
 * years 1 to 9999 a PropertyConstraintViolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { exchange, rawSocket, registerStation } from '../support/stations.js';

let anode: TestAnode;
const sockets: Record<'ocpp1.6' | 'ocpp2.0.1', WebSocket> = {} as never;

beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_MAX_BAD_MESSAGES: '1000' });
  for (const version of ['ocpp1.6', 'ocpp2.0.1'] as const) {
    const id = `VALUES-${version === 'ocpp1.6' ? '16' : '201'}`;
    sockets[version] = await rawSocket(anode, id, await registerStation(anode, id), version);
  }
});
afterAll(async () => {
  for (const socket of Object.values(sockets)) socket?.terminate();
  await anode?.stop();
});

let lastId = 0;
async function answerTo(version: 'ocpp1.6' | 'ocpp2.0.1', action: string, payload: unknown): Promise<unknown[]> {
  return (await exchange(sockets[version], JSON.stringify([2, `v${++lastId}`, action, payload]))) as unknown[];
}

const AT = '2024-01-01T00:00:00Z';
const meterValues16 = (extra: Record<string, unknown>) => ({ connectorId: 1, meterValue: [{ timestamp: AT, sampledValue: [{ value: '1' }] }], ...extra });
const event201 = (extra: Record<string, unknown>) => ({
  eventType: 'Started',
  timestamp: AT,
  triggerReason: 'Authorized',
  seqNo: 0,
  transactionInfo: { transactionId: 'hostile-1' },
  evse: { id: 1, connectorId: 1 },
  ...extra,
});

describe('OCPP 1.6: text Anode cannot store is a FormationViolation', () => {
  it.each([
    ['DataTransfer data with a NUL', 'DataTransfer', { vendorId: 'v', data: 'a\u0000b' }, 'data contains a NUL character'],
    ['an Authorize idTag of a NUL', 'Authorize', { idTag: '\u0000' }, 'idTag contains a NUL character'],
    ['a StatusNotification info of a NUL and a lone surrogate', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', info: '\u0000\ud800' }, 'info contains a NUL character'],
    ['a BootNotification vendor with a NUL', 'BootNotification', { chargePointVendor: 'V\u0000', chargePointModel: 'M' }, 'chargePointVendor contains a NUL character'],
    ['a vendorErrorCode with a lone low surrogate', 'StatusNotification', { connectorId: 1, errorCode: 'OtherError', status: 'Faulted', vendorErrorCode: 'E\udc00' }, 'vendorErrorCode contains an unpaired UTF-16 surrogate'],
    ['a sampled value with a lone high surrogate', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: AT, sampledValue: [{ value: '\ud83d' }] }] }, 'meterValue[0].sampledValue[0].value contains an unpaired UTF-16 surrogate'],
  ])('%s', async (_what, action, payload, description) => {
    expect(await answerTo('ocpp1.6', action, payload)).toEqual([4, `v${lastId}`, 'FormationViolation', description, {}]);
  });

  it('a paired surrogate (an emoji) is ordinary text and is stored', async () => {
    const answer = await answerTo('ocpp1.6', 'BootNotification', { chargePointVendor: 'Plug 🔌', chargePointModel: 'M' });
    expect(answer[0]).toBe(3);
    const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: 'VALUES-16' } } });
    expect(data?.bootInfo.vendor).toBe('Plug 🔌');
  });

  it('a station refused for its vendor boots once it sends one Anode can store', async () => {
    expect((await answerTo('ocpp1.6', 'BootNotification', { chargePointVendor: '\u0000', chargePointModel: 'M' }))[2]).toBe('FormationViolation');
    expect((await answerTo('ocpp1.6', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }))[2]).toMatchObject({ status: 'Accepted' });
  });
});

describe('OCPP 1.6: numbers and dates Anode cannot store are a PropertyConstraintViolation', () => {
  it.each([
    ['a MeterValues connectorId of -1e308', 'MeterValues', meterValues16({ connectorId: -1e308 }), 'connectorId -1e+308 is out of range'],
    ['a StatusNotification connectorId just below 32 bits', 'StatusNotification', { connectorId: -(2 ** 31) - 1, errorCode: 'NoError', status: 'Available' }, 'connectorId -2147483649 is out of range'],
    ['a transactionId just above 32 bits', 'MeterValues', meterValues16({ transactionId: 2 ** 31 }), 'transactionId 2147483648 is out of range'],
    ['a reservationId of 1e20', 'StartTransaction', { connectorId: 1, idTag: 'X', meterStart: 0, timestamp: AT, reservationId: 1e20 }, 'reservationId 100000000000000000000 is out of range'],
    ['a meterStart of -1e308', 'StartTransaction', { connectorId: 1, idTag: 'X', meterStart: -1e308, timestamp: AT }, 'meterStart -1e+308 is beyond any meter register'],
    ['a StartTransaction timestamp in the year 0', 'StartTransaction', { connectorId: 1, idTag: 'X', meterStart: 0, timestamp: '0000-06-01T00:00:00Z' }, 'timestamp 0000-06-01T00:00:00Z is not in the years 1 to 9999 (UTC)'],
    ['a StatusNotification timestamp that is the year 10000 in UTC', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: '9999-12-31T23:59:59-14:00' }, 'timestamp 9999-12-31T23:59:59-14:00 is not in the years 1 to 9999 (UTC)'],
  ])('%s', async (_what, action, payload, description) => {
    expect(await answerTo('ocpp1.6', action, payload)).toEqual([4, `v${lastId}`, 'PropertyConstraintViolation', description, {}]);
  });

  it('the largest values that fit are accepted', async () => {
    const answer = await answerTo('ocpp1.6', 'StatusNotification', { connectorId: 2 ** 31 - 1, errorCode: 'NoError', status: 'Available' });
    expect(answer[0]).toBe(3);
  });
});

describe('OCPP 2.0.1: the same rules, with 2.0.1 spelling', () => {
  it.each([
    ['a BootNotification vendorName with a NUL', 'BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V\u0000', model: 'M' } }, 'FormatViolation', 'chargingStation.vendorName contains a NUL character'],
    ['a customData key with a NUL', 'Heartbeat', { customData: { vendorId: 'v', 'k\u0000': 1 } }, 'FormatViolation', 'customData has a key that contains a NUL character'],
    [
      'a NotifyReport holding a lone surrogate deep inside',
      'NotifyReport',
      { requestId: 1, generatedAt: AT, seqNo: 0, reportData: [{ component: { name: 'C' }, variable: { name: 'V' }, variableAttribute: [{ value: 'x\udfff' }] }] },
      'FormatViolation',
      'reportData[0].variableAttribute[0].value contains an unpaired UTF-16 surrogate',
    ],
    ['a TransactionEvent seqNo of 1e20', 'TransactionEvent', event201({ seqNo: 1e20 }), 'PropertyConstraintViolation', 'seqNo 100000000000000000000 is out of range'],
    ['a TransactionEvent evse id of -1e308', 'TransactionEvent', event201({ evse: { id: -1e308 } }), 'PropertyConstraintViolation', 'evse.id -1e+308 is out of range'],
    ['a MeterValues evseId of 2^31', 'MeterValues', { evseId: 2 ** 31, meterValue: [{ timestamp: AT, sampledValue: [{ value: 1 }] }] }, 'PropertyConstraintViolation', 'evseId 2147483648 is out of range'],
  ])('%s', async (_what, action, payload, code, description) => {
    expect(await answerTo('ocpp2.0.1', action, payload)).toEqual([4, `v${lastId}`, code, description, {}]);
  });

  it('a value nested far deeper than any OCPP message is a FormatViolation, however deep (the walk has no recursion)', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const frame = `[2,"deep-1","Heartbeat",{"customData":{"vendorId":"v","deep":${deep}}}]`;
    const answer = (await exchange(sockets['ocpp2.0.1'], frame)) as unknown[];
    expect(answer.slice(0, 3)).toEqual([4, 'deep-1', 'FormatViolation']);
    expect(answer[3]).toMatch(/^customData\.deep(\[0\])+ is nested deeper than 64 levels$/);
  });

  it('a number that parsed to Infinity (1e400) where any JSON is allowed is a FormatViolation', async () => {
    const frame = `[2,"inf-1","Heartbeat",{"customData":{"vendorId":"v","reading":1e400}}]`;
    expect(await exchange(sockets['ocpp2.0.1'], frame)).toEqual([4, 'inf-1', 'FormatViolation', 'customData.reading is a number out of range', {}]);
  });

  it('a missing required field is an OccurrenceConstraintViolation, spelled as 2.0.1 spells it', async () => {
    expect((await answerTo('ocpp2.0.1', 'Authorize', {}))[2]).toBe('OccurrenceConstraintViolation');
  });

  it('/health counts the calls refused for their values', async () => {
    const health = (await (await fetch(`${anode.url}/health`)).json()) as { ocpp: { refusedValues: number } };
    expect(health.ocpp.refusedValues).toBeGreaterThanOrEqual(18);
  });

  it('a sampled value (a decimal, not an integer field) beyond 32 bits is stored as sent', async () => {
    const answer = await answerTo('ocpp2.0.1', 'MeterValues', { evseId: 1, meterValue: [{ timestamp: AT, sampledValue: [{ value: 5e12 }] }] });
    expect(answer[0]).toBe(3);
  });
});
