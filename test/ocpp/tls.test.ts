import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { connectStation, passwordHash, upgradeStatus } from '../support/stations.js';

let pki: TestPki;
let anode: TestAnode;
let wss: string;

beforeAll(async () => {
  // The admin client (fetch) of this test process talks to the TLS server without knowing the test CA; the station
  // sockets below pass the CA explicitly with rejectUnauthorized, so they still verify the server.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  pki = createTestPki();
  anode = await startIsolatedAnode({ TLS_CERT: pki.server.certPath, TLS_KEY: pki.server.keyPath, TLS_CLIENT_CA: pki.ca.certPath });
  wss = anode.url.replace(/^https/, 'wss');
  const register = (csId: string, body: { securityProfile: 0 | 1 | 2; base64SHA256Password?: string }) =>
    anode.admin.POST('/cs/{csId}', { params: { path: { csId } }, body });
  await register('TLS-BASIC', { securityProfile: 1, base64SHA256Password: passwordHash('tls-pw') });
  await register('MTLS-1', { securityProfile: 2 });
  await register('MTLS-SAN', { securityProfile: 2 });
});
afterAll(async () => {
  await anode?.stop();
  pki?.remove();
});

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('Anode serves TLS itself when TLS_CERT and TLS_KEY are set', () => {
  it('serves HTTPS on the same port', () => {
    expect(anode.url.startsWith('https://')).toBe(true);
  });
});

describe('security profile 1: TLS with HTTP Basic', () => {
  it('admits the station with its password over wss', async () => {
    expect(await upgradeStatus(`${wss}/ocpp/TLS-BASIC`, ['ocpp1.6'], basic('TLS-BASIC', 'tls-pw'), { ca: pki.ca.cert, rejectUnauthorized: true })).toBe(101);
  });

  it('refuses a wrong password with 401', async () => {
    expect(await upgradeStatus(`${wss}/ocpp/TLS-BASIC`, ['ocpp1.6'], basic('TLS-BASIC', 'nope'), { ca: pki.ca.cert, rejectUnauthorized: true })).toBe(401);
  });
});

describe('security profile 2: TLS client certificate naming the station, from the configured CA', () => {
  it('admits a certificate whose CN is the station id, and the station talks OCPP', async () => {
    const client = pki.client('MTLS-1');
    const station = await connectStation(anode, {
      id: 'MTLS-1',
      baseUrl: anode.url,
      wsOpts: { ca: pki.ca.cert, cert: client.cert, key: client.key, rejectUnauthorized: true },
    });
    const boot = await station.call('BootNotification', { chargePointVendor: 'Secure', chargePointModel: 'S' });
    expect(boot.status).toBe('Accepted');
    await station.close();
  });

  it('admits a certificate that names the station in its subject alternative names', async () => {
    const client = pki.client('some-device', ['MTLS-SAN']);
    expect(await upgradeStatus(`${wss}/ocpp/MTLS-SAN`, ['ocpp2.0.1'], {}, { ca: pki.ca.cert, cert: client.cert, key: client.key, rejectUnauthorized: true })).toBe(101);
  });

  it.each([
    ['a certificate of another station', () => pki.client('MTLS-OTHER')],
    ['a certificate from another issuer', () => pki.stranger('MTLS-1')],
  ])('refuses %s with 401', async (_what, make) => {
    const client = make();
    expect(await upgradeStatus(`${wss}/ocpp/MTLS-1`, ['ocpp1.6'], {}, { ca: pki.ca.cert, cert: client.cert, key: client.key, rejectUnauthorized: true })).toBe(401);
  });

  it('refuses a connection without a client certificate, even with a password, with 401', async () => {
    expect(await upgradeStatus(`${wss}/ocpp/MTLS-1`, ['ocpp1.6'], basic('MTLS-1', 'x'), { ca: pki.ca.cert, rejectUnauthorized: true })).toBe(401);
  });
});
