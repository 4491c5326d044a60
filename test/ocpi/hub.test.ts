/**
 * A hub serves the parties behind it (transport_and_format, Message Routing; credentials: a hub reports itself as HUB
 * only; mod_hub_client_info). Two eMSPs behind one hub, DE/AAA and NL/BBB: each pushes its tokens through the hub
 * (OCPI-from-* naming it), commands and charging profiles come through the hub on its behalf, and what concerns it
 * (command and profile results, its sessions and CDRs) goes back to the hub addressed to it (OCPI-to-*), from Anode's
 * own party (OCPI-from-*). Neither party behind the hub ever sees the other's data, and a party the hub reports
 * unreachable is sent nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/ocpi-2.2.1-cpo.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { acConnector, ids, registerEmsp, startEmsp, type Received, type SimulatedEmsp } from '../support/emsp.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

type Token = components['schemas']['Token'];
type Session = components['schemas']['Session'];
type Cdr = components['schemas']['CDR'];

const ANODE = { countryCode: 'NL', partyId: 'ANO' };
const AAA = { countryCode: 'DE', partyId: 'AAA' };
const BBB = { countryCode: 'NL', partyId: 'BBB' };
type Party = typeof AAA;

let anode: TestAnode;
let hub: SimulatedEmsp;
let direct: SimulatedEmsp;
let hubToken: string;
let hubPartyId: number;
let station: SimulatedStation;

beforeAll(async () => {
  anode = await startIsolatedAnode({
    OCPI_COUNTRY_CODE: ANODE.countryCode,
    OCPI_PARTY_ID: ANODE.partyId,
    OCPI_COMMAND_TIMEOUT_SECONDS: '2',
    OCPI_PUSH_POLL_MS: '50',
    OCPI_PUSH_RETRY_BASE_MS: '50',
    OCPI_PUSH_RETRY_MAX_MS: '200',
    OCPI_SESSION_UPDATE_SECONDS: '1',
  });
  hub = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'HBX' }, { role: 'HUB' });
  direct = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  hubToken = await registerEmsp(anode, hub, 'hub-scenario-a');
  await registerEmsp(anode, direct, 'hub-scenario-direct-a');
  const { data: parties } = await anode.admin.GET('/ocpi/parties', {});
  hubPartyId = parties!.find((party) => party.roles.some((role) => role.role === 'HUB'))!.id;
  await anode.admin.POST('/location/{locationId}', {
    params: { path: { locationId: 'HUB-LOC' } },
    body: {
      address: 'Domplein 1',
      city: 'Utrecht',
      country: 'NLD',
      coordinates: { latitude: '52.09083', longitude: '5.12222' },
      evses: [
        { uid: 'HUB-1', station_id: 'HUB-CS', ocpp_evse_id: 1, connectors: [acConnector] },
        { uid: 'HUB-2', station_id: 'HUB-CS', ocpp_evse_id: 2, connectors: [acConnector] },
      ],
    },
  });
  station = await bootedStation(anode, 'HUB-CS', {
    handlers: {
      RemoteStartTransaction: () => ({ status: 'Accepted' }),
      RemoteStopTransaction: () => ({ status: 'Accepted' }),
      SetChargingProfile: () => ({ status: 'Accepted' }),
      ReserveNow: () => ({ status: 'Accepted' }),
      CancelReservation: () => ({ status: 'Accepted' }),
    },
  });
});
afterAll(async () => {
  await station?.close();
  await hub?.stop();
  await direct?.stop();
  await anode?.stop();
});
afterAll(() => expect([...hub.findings, ...direct.findings]).toEqual([]));

/** The hub's client for a request it routes from `party` to Anode. */
const via = (party: Party) =>
  hub.client(hubToken, {
    headers: {
      'OCPI-from-country-code': party.countryCode,
      'OCPI-from-party-id': party.partyId,
      'OCPI-to-country-code': ANODE.countryCode,
      'OCPI-to-party-id': ANODE.partyId,
    },
  });

const token = (party: Party, uid: string, overrides: Partial<Token> = {}): Token => ({
  country_code: party.countryCode,
  party_id: party.partyId,
  uid,
  type: 'RFID',
  contract_id: `${party.countryCode}-${party.partyId}-${uid}`,
  issuer: `party ${party.partyId}`,
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2024-01-01T00:00:00Z',
  ...overrides,
});

const putToken = (from: Party, body: Token) =>
  via(from).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: body.country_code, party_id: body.party_id, token_uid: body.uid } },
    body,
  });

/** An answer that is not a success: an OCPI status of 2000 or more, and no data. */
function expectRefused(answer: { data?: unknown; error?: unknown }): void {
  const envelope = (answer.data ?? answer.error) as { status_code?: number; data?: unknown } | undefined;
  expect(envelope?.status_code).toBeGreaterThanOrEqual(2000);
  expect(envelope?.data).toBeUndefined();
}

/** The routing headers a request to the hub carried. */
const routing = (received: Received) => ({
  to: { countryCode: received.headers['ocpi-to-country-code'], partyId: received.headers['ocpi-to-party-id'] },
  from: { countryCode: received.headers['ocpi-from-country-code'], partyId: received.headers['ocpi-from-party-id'] },
});

/** What the hub received on a path (its response_url paths, or Anode's pushes). */
const receivedAt = (method: string, path: string) => hub.received.filter((received) => received.method === method && received.path === path);

/** The session and CDR pushes the hub received for one session, in order. */
const sessionPushes = (sessionId: string) =>
  hub.received.filter(
    (received) =>
      (received.path === `/ocpi/2.2.1/sessions/NL/ANO/${sessionId}` && ['PUT', 'PATCH'].includes(received.method)) ||
      (received.method === 'POST' && received.path === '/ocpi/2.2.1/cdrs' && (received.body as Cdr).session_id === sessionId),
  );

const describeCall = (received: Received) =>
  `${received.method} ${received.path.split('/')[3]}${(received.body as { status?: string }).status ? ` ${(received.body as { status: string }).status}` : ''}`;

const hubOutbox = async () => (await anode.admin.GET('/ocpi/parties/{partyId}/outbox', { params: { path: { partyId: hubPartyId }, query: {} } })).data!;

describe('a hub registers with its own HUB role and receives broadcasts as a hub', () => {
  it('the location Anode publishes reaches the hub as a broadcast: addressed to the hub itself, from Anode', async () => {
    const push = await eventually(async () => {
      const [put] = receivedAt('PUT', '/ocpi/2.2.1/locations/NL/ANO/HUB-LOC');
      expect(put).toBeDefined();
      return put;
    });
    expect(routing(push)).toEqual({ to: { countryCode: 'DE', partyId: 'HBX' }, from: ANODE });
  });
});

describe('tokens pushed through a hub: each party behind it keeps its own', () => {
  it('a token of the party the OCPI-from headers name is stored (201), for each party behind the hub', async () => {
    expect((await putToken(AAA, token(AAA, 'AAA-CARD'))).response.status).toBe(201);
    expect((await putToken(BBB, token(BBB, 'BBB-CARD'))).response.status).toBe(201);
    expect((await putToken(BBB, token(BBB, 'BBB-NEVER', { whitelist: 'NEVER' }))).response.status).toBe(201);
  });

  it('a party behind the hub cannot push, read or delete another party’s tokens', async () => {
    expectRefused(await putToken(BBB, token(AAA, 'AAA-FORGED')));
    expectRefused(
      await via(BBB).GET('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
        params: { header: ids(), path: { country_code: 'DE', party_id: 'AAA', token_uid: 'AAA-CARD' } },
      }),
    );
    expectRefused(await via(BBB).GET('/2.2.1/tokens/{country_code}/{party_id}', { params: { header: ids(), path: { country_code: 'DE', party_id: 'AAA' } } }));
    expectRefused(await via(BBB).DELETE('/2.2.1/tokens/{country_code}/{party_id}', { params: { header: ids(), path: { country_code: 'DE', party_id: 'AAA' } } }));
    const { data } = await via(AAA).GET('/2.2.1/tokens/{country_code}/{party_id}', { params: { header: ids(), path: { country_code: 'DE', party_id: 'AAA' } } });
    expect(data?.data?.map((stored) => stored.uid)).toEqual(['AAA-CARD']);
  });

  it('a hub cannot stand in for a party registered with Anode directly, nor for Anode itself', async () => {
    expectRefused(await putToken({ countryCode: 'NL', partyId: 'EMS' }, token({ countryCode: 'NL', partyId: 'EMS' }, 'EMS-FORGED')));
    expectRefused(await putToken(ANODE, token(ANODE, 'ANO-FORGED')));
  });
});

describe('a party behind the hub charges through it: results, session and CDR go back to the hub, addressed to that party', () => {
  let sessionId: string;

  it('START_SESSION from DE/AAA through the hub is accepted, and its CommandResult is POSTed to the hub addressed to DE/AAA', async () => {
    const { data } = await via(AAA).POST('/2.2.1/commands/START_SESSION', {
      params: { header: ids() },
      body: { response_url: `${hub.url}/results/start-aaa`, token: token(AAA, 'AAA-CARD'), location_id: 'HUB-LOC', evse_uid: 'HUB-1', connector_id: '1' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    const result = await eventually(async () => {
      const [posted] = receivedAt('POST', '/results/start-aaa');
      expect(posted).toBeDefined();
      return posted;
    });
    expect(result.body).toMatchObject({ result: 'ACCEPTED' });
    expect(routing(result)).toEqual({ to: AAA, from: ANODE });
    expect(station.received.at(-1)).toEqual({ action: 'RemoteStartTransaction', params: { idTag: 'AAA-CARD', connectorId: 1 } });
  });

  it('the session the station starts is PUT to the hub, and its progress PATCHed, addressed to DE/AAA', async () => {
    const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'AAA-CARD', meterStart: 0, timestamp: new Date().toISOString() });
    sessionId = String(transactionId);
    await eventually(async () => expect(sessionPushes(sessionId).map(describeCall)).toEqual(['PUT sessions ACTIVE']));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await station.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '2500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    const pushes = await eventually(async () => {
      const seen = sessionPushes(sessionId);
      expect(seen.map(describeCall)).toEqual(['PUT sessions ACTIVE', 'PATCH sessions ACTIVE']);
      return seen;
    });
    expect(pushes[0].body).toMatchObject({ id: sessionId, auth_method: 'COMMAND', cdr_token: { country_code: 'DE', party_id: 'AAA', uid: 'AAA-CARD' } });
    for (const push of pushes) expect(routing(push)).toEqual({ to: AAA, from: ANODE });
  });

  it('DE/AAA sees its session when it pulls through the hub; NL/BBB and the hub on its own account do not', async () => {
    const sessionsOf = async (client: ReturnType<typeof via>) => (await client.GET('/2.2.1/sessions', { params: { header: ids(), query: {} } })).data?.data ?? [];
    expect((await sessionsOf(via(AAA))).map((session: Session) => session.id)).toEqual([sessionId]);
    expect(await sessionsOf(via(BBB))).toEqual([]);
    expect(await sessionsOf(hub.client(hubToken))).toEqual([]);
  });

  it('NL/BBB cannot stop or limit DE/AAA’s session: it is UNKNOWN_SESSION to it', async () => {
    const stop = await via(BBB).POST('/2.2.1/commands/STOP_SESSION', {
      params: { header: ids() },
      body: { response_url: `${hub.url}/results/stop-bbb`, session_id: sessionId },
    });
    expect(stop.data?.data?.result).toBe('UNKNOWN_SESSION');
    const profile = await via(BBB).PUT('/2.2.1/chargingprofiles/{session_id}', {
      params: { header: ids(), path: { session_id: sessionId } },
      body: { charging_profile: { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 6 }] }, response_url: `${hub.url}/profiles/set-bbb` },
    });
    expect(profile.data?.data?.result).toBe('UNKNOWN_SESSION');
    expect(station.received.some((call) => call.action === 'SetChargingProfile' || call.action === 'RemoteStopTransaction')).toBe(false);
  });

  it('a charging profile DE/AAA sets through the hub reaches the station, and its result goes to the hub addressed to DE/AAA', async () => {
    const { data } = await via(AAA).PUT('/2.2.1/chargingprofiles/{session_id}', {
      params: { header: ids(), path: { session_id: sessionId } },
      body: { charging_profile: { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 16 }] }, response_url: `${hub.url}/profiles/set-aaa` },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    const result = await eventually(async () => {
      const [posted] = receivedAt('POST', '/profiles/set-aaa');
      expect(posted).toBeDefined();
      return posted;
    });
    expect(result.body).toEqual({ result: 'ACCEPTED' });
    expect(routing(result)).toEqual({ to: AAA, from: ANODE });
    expect(station.received.at(-1)?.action).toBe('SetChargingProfile');
  });

  it('STOP_SESSION from DE/AAA is accepted, its result addressed to DE/AAA; the ended session and its CDR reach the hub addressed to DE/AAA', async () => {
    const { data } = await via(AAA).POST('/2.2.1/commands/STOP_SESSION', {
      params: { header: ids() },
      body: { response_url: `${hub.url}/results/stop-aaa`, session_id: sessionId },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    const result = await eventually(async () => {
      const [posted] = receivedAt('POST', '/results/stop-aaa');
      expect(posted).toBeDefined();
      return posted;
    });
    expect(result.body).toMatchObject({ result: 'ACCEPTED' });
    expect(routing(result)).toEqual({ to: AAA, from: ANODE });

    await station.call('StopTransaction', { transactionId: Number(sessionId), meterStop: 4000, timestamp: new Date().toISOString(), reason: 'Remote' });
    const pushes = await eventually(async () => {
      const seen = sessionPushes(sessionId);
      expect(seen.map(describeCall)).toEqual(['PUT sessions ACTIVE', 'PATCH sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']);
      return seen;
    });
    expect(pushes[3].body).toMatchObject({ id: `NLANO-${sessionId}`, session_id: sessionId, cdr_token: { country_code: 'DE', party_id: 'AAA' } });
    for (const push of pushes) expect(routing(push)).toEqual({ to: AAA, from: ANODE });
  });

  it('the CDR is DE/AAA’s alone: it pulls it through the hub, NL/BBB does not see it', async () => {
    const cdrsOf = async (client: ReturnType<typeof via>) => (await client.GET('/2.2.1/cdrs', { params: { header: ids(), query: {} } })).data?.data ?? [];
    expect((await cdrsOf(via(AAA))).map((cdr: Cdr) => cdr.session_id)).toEqual([sessionId]);
    expect(await cdrsOf(via(BBB))).toEqual([]);
  });

  it('nothing of DE/AAA was ever sent addressed to NL/BBB', () => {
    const toBbb = hub.received.filter((received) => received.headers['ocpi-to-party-id'] === 'BBB');
    expect(toBbb).toEqual([]);
  });
});

describe('reservations through the hub: each party reaches only its own, and hears back addressed to it', () => {
  const expiry = () => new Date(Date.now() + 3_600_000).toISOString();
  const resultAt = (path: string) =>
    eventually(async () => {
      const [posted] = receivedAt('POST', path);
      expect(posted).toBeDefined();
      return posted;
    });
  const cancel = (from: Party, path: string) =>
    via(from).POST('/2.2.1/commands/CANCEL_RESERVATION', { params: { header: ids() }, body: { response_url: `${hub.url}${path}`, reservation_id: 'R-AAA-1' } });

  it('RESERVE_NOW from DE/AAA is accepted and its result addressed to DE/AAA', async () => {
    const { data } = await via(AAA).POST('/2.2.1/commands/RESERVE_NOW', {
      params: { header: ids() },
      body: { response_url: `${hub.url}/results/reserve-aaa`, token: token(AAA, 'AAA-CARD'), expiry_date: expiry(), reservation_id: 'R-AAA-1', location_id: 'HUB-LOC', evse_uid: 'HUB-2' },
    });
    expect(data?.data?.result).toBe('ACCEPTED');
    const result = await resultAt('/results/reserve-aaa');
    expect(result.body).toMatchObject({ result: 'ACCEPTED' });
    expect(routing(result)).toEqual({ to: AAA, from: ANODE });
  });

  it('NL/BBB cannot cancel DE/AAA’s reservation: UNKNOWN_RESERVATION, addressed to NL/BBB', async () => {
    expect((await cancel(BBB, '/results/cancel-bbb')).data?.data?.result).toBe('ACCEPTED');
    const result = await resultAt('/results/cancel-bbb');
    expect(result.body).toMatchObject({ result: 'UNKNOWN_RESERVATION' });
    expect(routing(result)).toEqual({ to: BBB, from: ANODE });
    expect(station.received.some((call) => call.action === 'CancelReservation')).toBe(false);
  });

  it('DE/AAA cancels it: CANCELED_RESERVATION, addressed to DE/AAA', async () => {
    expect((await cancel(AAA, '/results/cancel-aaa')).data?.data?.result).toBe('ACCEPTED');
    const result = await resultAt('/results/cancel-aaa');
    expect(result.body).toMatchObject({ result: 'CANCELED_RESERVATION' });
    expect(routing(result)).toEqual({ to: AAA, from: ANODE });
  });
});

describe('hubclientinfo: a party the hub reports unreachable is sent nothing through it', () => {
  const report = (party: Party, status: 'CONNECTED' | 'OFFLINE', lastUpdated: string) =>
    hub.client(hubToken).PUT('/2.2.1/hubclientinfo/{country_code}/{party_id}', {
      params: { header: ids(), path: { country_code: party.countryCode, party_id: party.partyId } },
      body: { country_code: party.countryCode, party_id: party.partyId, role: 'EMSP', status, last_updated: lastUpdated },
    });
  const charge = async (idTag: string) => {
    const { transactionId } = await station.call<{ transactionId: number }>('StartTransaction', { connectorId: 2, idTag, meterStart: 0, timestamp: new Date().toISOString() });
    return transactionId;
  };
  const stop = (transactionId: number) => station.call('StopTransaction', { transactionId, meterStop: 1000, timestamp: new Date().toISOString() });
  const sessionEntries = async (transactionId: number) => (await hubOutbox()).filter((entry) => entry.objectKey === `session:${transactionId}`);

  it('while NL/BBB is OFFLINE its session and CDR are not queued for the hub, nor sent', async () => {
    expect((await report(BBB, 'OFFLINE', '2024-06-01T10:00:00Z')).response.ok).toBe(true);
    const transactionId = await charge('BBB-CARD');
    expect(await sessionEntries(transactionId)).toEqual([]);
    await stop(transactionId);
    expect(await sessionEntries(transactionId)).toEqual([]);
    expect(sessionPushes(String(transactionId))).toEqual([]);
  });

  it('while NL/BBB is OFFLINE Anode does not ask it through the hub to authorize a token in real time', async () => {
    const answer = await station.call<{ idTagInfo: { status: string } }>('Authorize', { idTag: 'BBB-NEVER' });
    expect(answer.idTagInfo.status).not.toBe('Accepted');
    expect(receivedAt('POST', '/ocpi/2.2.1/tokens/BBB-NEVER/authorize')).toEqual([]);
  });

  it('once NL/BBB is CONNECTED again its sessions go to the hub, addressed to NL/BBB; the real-time authorization too', async () => {
    expect((await report(BBB, 'CONNECTED', '2024-06-01T11:00:00Z')).response.ok).toBe(true);
    const transactionId = await charge('BBB-CARD');
    await stop(transactionId);
    const pushes = await eventually(async () => {
      const seen = sessionPushes(String(transactionId));
      expect(seen.map(describeCall)).toEqual(['PUT sessions ACTIVE', 'PUT sessions COMPLETED', 'POST cdrs']);
      return seen;
    });
    for (const push of pushes) expect(routing(push)).toEqual({ to: BBB, from: ANODE });
    await station.call('Authorize', { idTag: 'BBB-NEVER' });
    const [asked] = receivedAt('POST', '/ocpi/2.2.1/tokens/BBB-NEVER/authorize');
    expect(asked && routing(asked)).toEqual({ to: BBB, from: ANODE });
  });

  it('a push still waiting when the hub reports its party OFFLINE is dropped, not sent later', async () => {
    hub.answers.set('PUT /ocpi/2.2.1/sessions/NL/ANO/*', () => ({ status: 503, body: { status_code: 3000, status_message: 'busy', timestamp: new Date().toISOString() } }));
    const transactionId = await charge('BBB-CARD');
    const tries = () => sessionPushes(String(transactionId)).length;
    await eventually(async () => expect(tries()).toBeGreaterThan(0));
    const waiting = await sessionEntries(transactionId);
    expect(waiting).toHaveLength(1);
    expect(waiting[0].addressee).toEqual(BBB); // the operator sees whom it is for
    expect((await report(BBB, 'OFFLINE', '2024-06-01T12:00:00Z')).response.ok).toBe(true);
    await eventually(async () => expect(await sessionEntries(transactionId)).toEqual([]));
    hub.answers.delete('PUT /ocpi/2.2.1/sessions/NL/ANO/*');
    const triedBefore = tries();
    await stop(transactionId);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(tries()).toBe(triedBefore);
    expect(await sessionEntries(transactionId)).toEqual([]);
  });
});
