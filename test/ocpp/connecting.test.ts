import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { connectStation, eventually, passwordHash, registerStation, upgradeStatus } from '../support/stations.js';

let anode: TestAnode;
let ws: string;
beforeAll(async () => {
  anode = await startIsolatedAnode();
  ws = anode.url.replace(/^http/, 'ws');
});
afterAll(() => anode?.stop());

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('one endpoint negotiates ocpp1.6 and ocpp2.0.1', () => {
  it.each(['ocpp1.6', 'ocpp2.0.1'] as const)('a station offering %s gets it', async (version) => {
    const password = await registerStation(anode, `NEG-${version}`);
    const station = await connectStation(anode, { id: `NEG-${version}`, password, version });
    expect(station.client.protocol).toBe(version);
    await station.close();
  });

  it('prefers ocpp2.0.1 when a station offers both', async () => {
    const password = await registerStation(anode, 'NEG-BOTH');
    const status = await upgradeStatus(`${ws}/ocpp/NEG-BOTH`, ['ocpp1.6', 'ocpp2.0.1'], basic('NEG-BOTH', password));
    expect(status).toBe(101);
  });

  it.each([
    ['an unknown subprotocol', ['ocpp1.5']],
    ['no subprotocol', undefined],
  ])('refuses %s with 400 on the upgrade', async (_what, protocols) => {
    const password = await registerStation(anode, 'NEG-BAD');
    expect(await upgradeStatus(`${ws}/ocpp/NEG-BAD`, protocols, basic('NEG-BAD', password))).toBe(400);
  });

  it('accepts the /ws/CentralSystemService/{chargeBoxId} path too', async () => {
    const password = await registerStation(anode, 'CB-4711');
    const station = await connectStation(anode, { id: 'CB-4711', password, endpointPath: '/ws/CentralSystemService' });
    const boot = await station.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'WALLBOX' });
    expect(boot.status).toBe('Accepted');
    await station.close();
  });

  it('answers 404 for a WebSocket upgrade on any other path', async () => {
    expect(await upgradeStatus(`${ws}/somewhere/else/CS1`, ['ocpp1.6'])).toBe(404);
    expect(await upgradeStatus(`${ws}/ocpp/a/b`, ['ocpp1.6'])).toBe(404);
    expect(await upgradeStatus(`${ws}/ocpp/%E0%A4%A`, ['ocpp1.6'])).toBe(404);
  });
});

describe('security profile 0: HTTP Basic over plain ws', () => {
  beforeAll(async () => {
    await registerStation(anode, 'AUTH-0', 'right-password');
  });

  it('admits the station with its password', async () => {
    expect(await upgradeStatus(`${ws}/ocpp/AUTH-0`, ['ocpp1.6'], basic('AUTH-0', 'right-password'))).toBe(101);
  });

  it.each([
    ['a wrong password', basic('AUTH-0', 'wrong-password')],
    ['no credentials', {}],
    ['another username', basic('SOMEONE-ELSE', 'right-password')],
    ['a malformed header', { Authorization: 'Basic !!!' }],
  ])('answers 401 for %s', async (_what, headers) => {
    expect(await upgradeStatus(`${ws}/ocpp/AUTH-0`, ['ocpp1.6'], headers)).toBe(401);
  });

  it('answers 401 for an unknown station, exactly as for a wrong password', async () => {
    expect(await upgradeStatus(`${ws}/ocpp/NOBODY`, ['ocpp1.6'], basic('NOBODY', 'x'))).toBe(401);
  });

  it('honours invalidUsernameAllowed: any username, the right password', async () => {
    await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'AUTH-ANYUSER' } },
      body: { securityProfile: 0, base64SHA256Password: passwordHash('pw-anyuser'), invalidUsernameAllowed: true },
    });
    expect(await upgradeStatus(`${ws}/ocpp/AUTH-ANYUSER`, ['ocpp1.6'], basic('whatever', 'pw-anyuser'))).toBe(101);
    expect(await upgradeStatus(`${ws}/ocpp/AUTH-ANYUSER`, ['ocpp1.6'], basic('whatever', 'wrong'))).toBe(401);
  });
});

describe('profiles 1 and 2 need TLS', () => {
  it('refuses a profile 1 station over plain ws even with the right password', async () => {
    await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'AUTH-1' } },
      body: { securityProfile: 1, base64SHA256Password: passwordHash('pw1') },
    });
    expect(await upgradeStatus(`${ws}/ocpp/AUTH-1`, ['ocpp1.6'], basic('AUTH-1', 'pw1'))).toBe(401);
  });

  it('refuses a profile 2 station over plain ws', async () => {
    await anode.admin.POST('/cs/{csId}', { params: { path: { csId: 'AUTH-2' } }, body: { securityProfile: 2 } });
    expect(await upgradeStatus(`${ws}/ocpp/AUTH-2`, ['ocpp1.6'])).toBe(401);
  });
});

describe('connection state', () => {
  it('shows a connected station with its OCPP version, and a disconnected one after it leaves', async () => {
    const password = await registerStation(anode, 'STATE-1');
    const station = await connectStation(anode, { id: 'STATE-1', password, version: 'ocpp2.0.1' });
    await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: 'STATE-1' } } });
      expect(data?.connection).toMatchObject({ connected: true, ocppVersion: 'ocpp2.0.1' });
    });
    await station.close();
    await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: 'STATE-1' } } });
      expect(data?.connection.connected).toBe(false);
    });
  });

  it('a second connection for the same station replaces the first, which is closed', async () => {
    const password = await registerStation(anode, 'TWICE-1');
    const first = await connectStation(anode, { id: 'TWICE-1', password });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => first.client.once('close', resolve));
    const second = await connectStation(anode, { id: 'TWICE-1', password });
    expect(await closed).toMatchObject({ code: 1000, reason: 'Replaced by a new connection' });
    const boot = await second.call('BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' });
    expect(boot.status).toBe('Accepted');
    await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: 'TWICE-1' } } });
      expect(data?.connection.connected).toBe(true);
    });
    await second.close();
  });
});

describe('OCPP_ALLOW_UNREGISTERED (labs only, off by default)', () => {
  let labs: TestAnode;
  beforeAll(async () => {
    labs = await startIsolatedAnode({ OCPP_ALLOW_UNREGISTERED: 'true' });
  });
  afterAll(() => labs?.stop());

  it('admits any station id without credentials and records it', async () => {
    const station = await connectStation(labs, { id: 'LAB-STATION-9' });
    const boot = await station.call('BootNotification', { chargePointVendor: 'Lab', chargePointModel: 'X' });
    expect(boot.status).toBe('Accepted');
    const { data } = await labs.admin.GET('/cs/{csId}', { params: { path: { csId: 'LAB-STATION-9' } } });
    expect(data?.bootInfo.vendor).toBe('Lab');
    await station.close();
  });

  it('admits the same unregistered station again on every reconnect', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const station = await connectStation(labs, { id: 'LAB-STATION-AGAIN' });
      expect((await station.call('Heartbeat', {})).currentTime).toBeDefined();
      await station.close();
    }
  });

  it('still checks the password of a station the operator registered with one', async () => {
    await registerStation(labs, 'LAB-REGISTERED', 'right-password');
    await expect(connectStation(labs, { id: 'LAB-REGISTERED', password: 'wrong-password' })).rejects.toThrow();
    const station = await connectStation(labs, { id: 'LAB-REGISTERED', password: 'right-password' });
    await station.close();
  });
});
