/**
 * No session stays open forever: a transaction its station had open when it booted and reported nothing of within
 * TRANSACTION_REBOOT_GRACE_SECONDS, one without news for TRANSACTION_STALE_SECONDS, and one the operator closes, end
 * through the normal stop path (the OCPI session ends and one CDR is made), at their last news and last reading; a
 * station's own late end of such a transaction is answered and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector, ids, registerEmsp, startEmsp, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const FAST_PUSH = { OCPI_PUSH_POLL_MS: '50', OCPI_PUSH_RETRY_BASE_MS: '100', OCPI_PUSH_RETRY_MAX_MS: '300', OCPI_SESSION_UPDATE_SECONDS: '1' };
const SWEEP = { TRANSACTION_CLOSE_SWEEP_MS: '200' };
const CARD = 'CLOSE-CARD';

const now = () => new Date().toISOString();

async function start16(station: SimulatedStation, connectorId: number, meterStart: number): Promise<number> {
  return (await station.call<{ transactionId: number }>('StartTransaction', { connectorId, idTag: CARD, meterStart, timestamp: now() })).transactionId;
}

async function reading16(station: SimulatedStation, connectorId: number, transactionId: number, wh: number): Promise<string> {
  const timestamp = now();
  await station.call('MeterValues', { connectorId, transactionId, meterValue: [{ timestamp, sampledValue: [{ value: String(wh), unit: 'Wh' }] }] });
  return timestamp;
}

const transaction = async (anode: TestAnode, transactionId: number) =>
  (await anode.admin.GET('/transactions/{transactionId}', { params: { path: { transactionId } } })).data!.transaction;

/** What the eMSP received of the session `transactionId` and its CDR, as "METHOD module STATUS". */
const sessionTraffic = (emsp: SimulatedEmsp, transactionId: number) =>
  emsp.received
    .filter((call) => call.path.endsWith(`/sessions/NL/ANO/${transactionId}`) || (call.path.endsWith('/cdrs') && (call.body as { session_id?: string }).session_id === String(transactionId)))
    .map((call) => `${call.method} ${call.path.endsWith('/cdrs') ? 'cdrs' : 'sessions'} ${(call.body as { status?: string }).status ?? ''}`.trim());

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a station that reboots, and the operator closing a transaction', () => {
  let anode: TestAnode;
  let emsp: SimulatedEmsp;
  let v16: SimulatedStation;
  let v201: SimulatedStation;

  beforeAll(async () => {
    anode = await startIsolatedAnode({ ...FAST_PUSH, ...SWEEP, TRANSACTION_REBOOT_GRACE_SECONDS: '1', TRANSACTION_STALE_SECONDS: '0' });
    emsp = await startEmsp(anode.url);
    const emspToken = await registerEmsp(anode, emsp, 'close-emsp-a');
    await emsp.client(emspToken).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: CARD } },
      body: { country_code: 'NL', party_id: 'EMS', uid: CARD, type: 'RFID', contract_id: 'NL-EMS-CLOSE', issuer: 'eMSP', valid: true, whitelist: 'ALLOWED', last_updated: '2024-01-01T00:00:00Z' },
    });
    await anode.admin.POST('/location/{locationId}', {
      params: { path: { locationId: 'CLOSE-LOC' } },
      body: {
        address: 'Markt 2',
        city: 'Gouda',
        country: 'NLD',
        coordinates: { latitude: '52.01167', longitude: '4.71056' },
        evses: [1, 2].map((n) => ({ uid: `CLOSE-16-${n}`, station_id: 'CLOSE-16', ocpp_evse_id: n, connectors: [acConnector] })),
      },
    });
    v16 = await bootedStation(anode, 'CLOSE-16');
    v201 = await bootedStation(anode, 'CLOSE-201', { version: 'ocpp2.0.1' });
  });
  afterAll(async () => {
    await v16?.close();
    await v201?.close();
    await emsp?.stop();
    await anode?.stop();
  });
  afterAll(() => expect(emsp?.findings ?? []).toEqual([]));

  describe('closing rule: a transaction its station does not resume or end after a reboot (OCPP 1.6)', () => {
    let lost: number;
    let resumed: number;
    let lastReadingAt: string;

    it('is closed once the grace has passed: at its last reading, stop reason Reboot, closed by station-reboot', async () => {
      lost = await start16(v16, 1, 1000);
      lastReadingAt = await reading16(v16, 1, lost, 1500);
      resumed = await start16(v16, 2, 0);
      await v16.call('BootNotification', { chargePointVendor: 'Anode', chargePointModel: 'Test' });
      await reading16(v16, 2, resumed, 10);
      const closed = await eventually(async () => {
        const read = await transaction(anode, lost);
        expect(read.stoppedAt).not.toBeNull();
        return read;
      }, 10_000);
      expect(closed).toMatchObject({ closedBy: 'station-reboot', stopReason: 'Reboot', meterStopWh: 1500, stoppedAt: new Date(lastReadingAt).toISOString() });
    });

    it('its OCPI session ends and its CDR is made', async () => {
      await eventually(async () => expect(sessionTraffic(emsp, lost)).toEqual(['PUT sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']), 10_000);
    });

    it('a transaction with news since the boot, and one started after it, stay open', async () => {
      const after = await start16(v16, 1, 2000);
      await settle(1500);
      expect((await transaction(anode, resumed)).stoppedAt).toBeNull();
      expect((await transaction(anode, after)).stoppedAt).toBeNull();
      await v16.call('StopTransaction', { transactionId: after, meterStop: 2000, timestamp: now() });
    });

    it('the station’s own late StopTransaction is answered and changes nothing: no second CDR', async () => {
      const answer = await v16.call('StopTransaction', { transactionId: lost, meterStop: 1800, timestamp: now(), idTag: CARD, reason: 'PowerLoss' });
      expect(answer).toEqual({ idTagInfo: { status: 'Accepted' } });
      await settle(500);
      expect(await transaction(anode, lost)).toMatchObject({ closedBy: 'station-reboot', stopReason: 'Reboot', meterStopWh: 1500 });
      expect(sessionTraffic(emsp, lost)).toEqual(['PUT sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']);
    });

    it('a BootNotification Anode asked for (TriggerMessage) is no restart: the transactions stay open', async () => {
      const triggered = await bootedStation(anode, 'CLOSE-TRIGGERED', { handlers: { TriggerMessage: () => ({ status: 'Accepted' }) } });
      try {
        const quiet = await start16(triggered, 1, 0);
        const { data } = await anode.admin.POST('/cs/{csId}/call', {
          params: { path: { csId: 'CLOSE-TRIGGERED' } },
          body: { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } },
        });
        expect(data?.response).toEqual({ status: 'Accepted' });
        await triggered.call('BootNotification', { chargePointVendor: 'Anode', chargePointModel: 'Test' });
        await settle(2000);
        expect((await transaction(anode, quiet)).stoppedAt).toBeNull();
      } finally {
        await triggered.close();
      }
    });
  });

  describe('closing rule: a transaction its station does not resume or end after a reboot (OCPP 2.0.1)', () => {
    const event = (tx: string, eventType: string, seqNo: number, evseId: number, extra: Record<string, unknown> = {}) => ({
      eventType,
      timestamp: now(),
      triggerReason: eventType === 'Started' ? 'CablePluggedIn' : 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId: tx },
      evse: { id: evseId, connectorId: 1 },
      ...extra,
    });
    const lost = randomUUID();
    const resumed = randomUUID();
    const byStationId = async (tx: string) => {
      const { data } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: 'CLOSE-201' } } });
      return data!.find((listed) => listed.stationTransactionId === tx)!;
    };

    it('the one without an event since the boot is closed, the one the station resumed is not', async () => {
      await v201.call('TransactionEvent', event(lost, 'Started', 0, 1));
      await v201.call('TransactionEvent', event(resumed, 'Started', 0, 2));
      await v201.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Anode', model: 'Test' } });
      await v201.call('TransactionEvent', event(resumed, 'Updated', 1, 2));
      const closed = await eventually(async () => {
        const read = await byStationId(lost);
        expect(read.stoppedAt).not.toBeNull();
        return read;
      }, 10_000);
      expect(closed).toMatchObject({ closedBy: 'station-reboot', stopReason: 'Reboot' });
      expect((await byStationId(resumed)).stoppedAt).toBeNull();
    });

    it('a late Ended event for it is answered and changes nothing', async () => {
      expect(await v201.call('TransactionEvent', event(lost, 'Ended', 1, 1, { transactionInfo: { transactionId: lost, stoppedReason: 'PowerLoss' } }))).toEqual({});
      expect(await byStationId(lost)).toMatchObject({ closedBy: 'station-reboot', stopReason: 'Reboot' });
    });
  });

  describe('POST /transactions/{transactionId}/close: the operator closes a transaction its station will not end', () => {
    let open: number;
    let lastReadingAt: string;

    it('ends it at its last news and reading with the operator’s reason, closed by operator', async () => {
      open = await start16(v16, 1, 200);
      lastReadingAt = await reading16(v16, 1, open, 900);
      const { data, response } = await anode.admin.POST('/transactions/{transactionId}/close', {
        params: { path: { transactionId: open } },
        body: { reason: 'station replaced' },
      });
      expect(response.status).toBe(200);
      expect(data).toMatchObject({ id: open, closedBy: 'operator', stopReason: 'station replaced', meterStopWh: 900, stoppedAt: new Date(lastReadingAt).toISOString() });
      expect(await transaction(anode, open)).toMatchObject({ closedBy: 'operator', meterStopWh: 900 });
    });

    it('its OCPI session ends and its CDR is made with the energy it had', async () => {
      await eventually(async () => expect(sessionTraffic(emsp, open)).toEqual(['PUT sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']), 10_000);
      const cdr = emsp.received.find((call) => call.path.endsWith('/cdrs') && (call.body as { session_id?: string }).session_id === String(open));
      expect(cdr?.body).toMatchObject({ total_energy: 0.7, cdr_token: { uid: CARD } });
    });

    it('closing it again is a 409, an unknown transaction a 404, no reason a 400', async () => {
      const again = await anode.admin.POST('/transactions/{transactionId}/close', { params: { path: { transactionId: open } }, body: { reason: 'again' } });
      expect(again.response.status).toBe(409);
      expect(again.error).toMatchObject({ error: expect.stringContaining('ended') });
      const unknown = await anode.admin.POST('/transactions/{transactionId}/close', { params: { path: { transactionId: 987_654 } }, body: { reason: 'x' } });
      expect(unknown.response.status).toBe(404);
      const empty = await anode.admin.POST('/transactions/{transactionId}/close', { params: { path: { transactionId: open } }, body: { reason: '' } });
      expect(empty.response.status).toBe(400);
    });

    it('the station’s late StopTransaction is answered and makes no second CDR', async () => {
      await v16.call('StopTransaction', { transactionId: open, meterStop: 950, timestamp: now() });
      await settle(500);
      expect(sessionTraffic(emsp, open)).toEqual(['PUT sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']);
      expect(await transaction(anode, open)).toMatchObject({ closedBy: 'operator', stopReason: 'station replaced', meterStopWh: 900 });
    });
  });
});

describe('closing rule: a transaction without news for TRANSACTION_STALE_SECONDS', () => {
  let anode: TestAnode;
  let station: SimulatedStation;

  beforeAll(async () => {
    anode = await startIsolatedAnode({ ...SWEEP, TRANSACTION_STALE_SECONDS: '3', TRANSACTION_REBOOT_GRACE_SECONDS: '0' });
    station = await bootedStation(anode, 'STALE-16');
  });
  afterAll(async () => {
    await station?.close();
    await anode?.stop();
  });

  it('is closed, stop reason Other, closed by stale; a meter value is news that keeps another open for longer', async () => {
    const quiet = await start16(station, 1, 100);
    const talking = await start16(station, 2, 100);
    await settle(1500);
    await reading16(station, 2, talking, 300);
    const closed = await eventually(async () => {
      const read = await transaction(anode, quiet);
      expect(read.stoppedAt).not.toBeNull();
      return read;
    }, 10_000);
    expect(closed).toMatchObject({ closedBy: 'stale', stopReason: 'Other', meterStopWh: 100 });
    expect((await transaction(anode, talking)).stoppedAt).toBeNull();
    const later = await eventually(async () => {
      const read = await transaction(anode, talking);
      expect(read.stoppedAt).not.toBeNull();
      return read;
    }, 10_000);
    expect(later).toMatchObject({ closedBy: 'stale', meterStopWh: 300 });
  });
});
