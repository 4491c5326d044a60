/**
 * Use cases A02/A03: a station's certificate from Anode's CSMS CA, renewed on the operator's trigger, with Anode
 * serving TLS itself. The station first gets a certificate over TLS with HTTP Basic (OCPP security profile 2), then
 * is registered for profile 3 (admin securityProfile 2) and connects with mutual TLS. Keys and CSRs are made with
 * openssl, as a station maker's tooling would. No server here stands for an external party.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { connectStation, eventually, passwordHash, upgradeStatus, type OcppVersion, type SimulatedStation } from '../support/stations.js';

let pki: TestPki;
let anode: TestAnode;
let wss: string;
const openssl = new OpensslWorkbench();

beforeAll(async () => {
  // The admin client (fetch) of this test process does not know the test CA; the station sockets verify the server.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  pki = createTestPki();
  anode = await startIsolatedAnode({ TLS_CERT: pki.server.certPath, TLS_KEY: pki.server.keyPath });
  wss = anode.url.replace(/^https/, 'wss');
});
afterAll(async () => {
  await anode?.stop();
  pki?.remove();
  openssl.remove();
});

/** How each version words what the station sends and is sent. */
const WORDING: Record<OcppVersion, { boot: Record<string, unknown>; trigger: string; triggerAnswer: (params: Record<string, unknown>) => boolean }> = {
  'ocpp1.6': {
    boot: { chargePointVendor: 'Renew', chargePointModel: 'R' },
    trigger: 'ExtendedTriggerMessage',
    triggerAnswer: (params) => params.requestedMessage === 'SignChargePointCertificate',
  },
  'ocpp2.0.1': {
    boot: { reason: 'PowerUp', chargingStation: { vendorName: 'Renew', model: 'R' } },
    trigger: 'TriggerMessage',
    triggerAnswer: (params) => params.requestedMessage === 'SignChargingStationCertificate',
  },
};

/** A station that keeps the chains it is sent, and on the certificate trigger sends a CSR for a new key. */
class RenewingStation {
  readonly chains: string[] = [];
  readonly keys: string[] = [];
  constructor(
    readonly id: string,
    readonly version: OcppVersion,
  ) {}

  async signCertificate(station: SimulatedStation): Promise<unknown> {
    const { csr, key } = openssl.csr(`/CN=${this.id}`);
    this.keys.push(key);
    const payload = this.version === 'ocpp1.6' ? { csr } : { csr, certificateType: 'ChargingStationCertificate' };
    return station.call('SignCertificate', payload);
  }

  connect(options: { password?: string; mtls?: number }): Promise<SimulatedStation> {
    const tls: Record<string, unknown> = { ca: pki.ca.cert, rejectUnauthorized: true };
    if (options.mtls !== undefined) Object.assign(tls, { cert: this.chains[options.mtls], key: this.keys[options.mtls] });
    const handlers = {
      CertificateSigned: (params: Record<string, unknown>) => {
        this.chains.push(String(params.certificateChain));
        return { status: 'Accepted' };
      },
      [WORDING[this.version].trigger]: (params: Record<string, unknown>) => {
        if (!WORDING[this.version].triggerAnswer(params)) return { status: 'Rejected' };
        setImmediate(() => void this.signCertificate(station).catch(() => undefined));
        return { status: 'Accepted' };
      },
    };
    let station: SimulatedStation;
    return connectStation(anode, { id: this.id, version: this.version, password: options.password, baseUrl: anode.url, wsOpts: tls, handlers }).then((connected) => {
      station = connected;
      return connected;
    });
  }

  /** Admitted (101) or not with the certificate of this index, over mutual TLS. */
  upgradeWith(index: number): Promise<number> {
    return upgradeStatus(`${wss}/ocpp/${this.id}`, [this.version], {}, { ca: pki.ca.cert, cert: this.chains[index], key: this.keys[index], rejectUnauthorized: true });
  }
}

async function register(csId: string, body: { securityProfile: 0 | 1 | 2; base64SHA256Password?: string }): Promise<void> {
  const { response } = await anode.admin.POST('/cs/{csId}', { params: { path: { csId } }, body });
  expect(response.status).toBe(201);
}

async function boot(station: SimulatedStation, version: OcppVersion): Promise<void> {
  expect((await station.call('BootNotification', WORDING[version].boot)).status).toBe('Accepted');
}

describe.each<[OcppVersion, string]>([
  ['ocpp1.6', 'RENEW-16'],
  ['ocpp2.0.1', 'RENEW-201'],
])('A02/A03 on %s: a certificate from Anode\'s CA, renewed on the operator\'s trigger', (version, id) => {
  const renewing = new RenewingStation(id, version);

  it('the station gets its first certificate over TLS with HTTP Basic, then is admitted with it over mutual TLS', async () => {
    await register(id, { securityProfile: 1, base64SHA256Password: passwordHash('renew-pw') });
    const station = await renewing.connect({ password: 'renew-pw' });
    await boot(station, version);
    expect(await renewing.signCertificate(station)).toEqual({ status: 'Accepted' });
    await eventually(async () => expect(renewing.chains).toHaveLength(1));
    const { data: roots } = await anode.admin.GET('/pki/roots');
    expect(openssl.verify(roots!.csms, renewing.chains[0])).toContain('OK');
    await station.close();

    await register(id, { securityProfile: 2 });
    const secure = await renewing.connect({ mtls: 0 });
    await boot(secure, version);
    await secure.close();
  });

  it('without a certificate the station is refused once it is registered for profile 3', async () => {
    expect(await upgradeStatus(`${wss}/ocpp/${id}`, [version], {}, { ca: pki.ca.cert, rejectUnauthorized: true })).toBe(401);
  });

  it('the trigger brings a new certificate, installed, and the station reconnects with it over mutual TLS', async () => {
    const station = await renewing.connect({ mtls: 0 });
    await boot(station, version);
    const { data: trigger } = await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: id } }, body: { trigger: 'SignChargingStationCertificate' } });
    const outcome = await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/requests/{requestId}', { params: { path: { csId: id, requestId: trigger!.id } } });
      expect(data?.outcome).toMatchObject({ certificates: { ChargingStationCertificate: { status: 'Installed' } } });
      return data!.outcome!;
    }, 10_000);
    expect(outcome).toMatchObject({ trigger: 'Accepted' });
    expect(renewing.chains).toHaveLength(2);
    const { data: roots } = await anode.admin.GET('/pki/roots');
    expect(openssl.verify(roots!.csms, renewing.chains[1])).toContain('OK');
    expect(openssl.leafField(renewing.chains[1], '-serial')).not.toBe(openssl.leafField(renewing.chains[0], '-serial'));
    expect(openssl.publicKeyOf(openssl.file(`${id}-new.key`, renewing.keys[1]))).not.toBe(openssl.publicKeyOf(openssl.file(`${id}-old.key`, renewing.keys[0])));
    await station.close();

    const renewed = await renewing.connect({ mtls: 1 });
    await boot(renewed, version);
    await renewed.close();
  });

  it('the old certificate is still admitted until it expires', async () => {
    expect(await renewing.upgradeWith(0)).toBe(101);
  });

  it('a certificate naming the station from another issuer is refused with 401', async () => {
    const stranger = pki.stranger(id);
    expect(await upgradeStatus(`${wss}/ocpp/${id}`, [version], {}, { ca: pki.ca.cert, cert: stranger.cert, key: stranger.key, rejectUnauthorized: true })).toBe(401);
  });
});
