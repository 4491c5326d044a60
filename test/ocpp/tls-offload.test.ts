/**
 * TLS offloaded at a load balancer: Anode serves plain HTTP and believes the client-certificate header only from the
 * proxies in TLS_TRUSTED_PROXIES. The test's own WebSocket clients stand for the load balancer: they connect from
 * 127.0.0.1 and send the header the balancer would add. Certificates are made with openssl (test/support/pki.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { createTestPki, type KeyPair, type TestPki } from '../support/pki.js';
import { connectStation, eventually, passwordHash, upgradeStatus } from '../support/stations.js';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { x509 } from '../../src/domain/pki/x509.js';

/**
 * A certificate for `commonName` valid only in 2020, signed by `issuer` (or by its own key when none): openssl's
 * command line cannot date a certificate in the past, so the test makes it with the X.509 library.
 */
async function expiredCertificate(commonName: string, issuer?: KeyPair): Promise<string> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const signingKey = issuer
    ? await webcrypto.subtle.importKey('pkcs8', createPrivateKey(issuer.key).export({ format: 'der', type: 'pkcs8' }), algorithm, false, ['sign'])
    : keys.privateKey;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '0a1b2c',
    subject: `CN=${commonName}`,
    issuer: issuer ? new x509.X509Certificate(issuer.cert).subject : `CN=${commonName}`,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2020-12-31T00:00:00Z'),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: algorithm,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
  return certificate.toString('pem');
}

let pki: TestPki;
let behindProxy: TestAnode;
let elsewhere: TestAnode;
const openssl = new OpensslWorkbench();
let uploaded: KeyPair;
let fromClientCa: KeyPair;

const HEADER = 'X-Forwarded-Client-Cert';
const urlEncodedPem = (pem: string) => ({ [HEADER]: encodeURIComponent(pem) });
const xfcc = (pem: string) => ({
  [HEADER]: `By=spiffe://lb.example/anode;Hash=4e1b;Subject="CN=unused, O=Example";Cert="${encodeURIComponent(pem)}";URI=`,
});
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const wsUrl = (anode: TestAnode, id: string) => `${anode.url.replace(/^http/, 'ws')}/ocpp/${id}`;

async function register(anode: TestAnode, csId: string, body: { securityProfile: 0 | 1 | 2; base64SHA256Password?: string }): Promise<void> {
  const { response } = await anode.admin.POST('/cs/{csId}', { params: { path: { csId } }, body });
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  pki = createTestPki();
  behindProxy = await startIsolatedAnode({ TLS_TRUSTED_PROXIES: '127.0.0.1', TLS_CLIENT_CA: pki.ca.certPath });
  elsewhere = await startIsolatedAnode({ TLS_TRUSTED_PROXIES: '10.1.2.3', TLS_CLIENT_CA: pki.ca.certPath });
  // A self-signed certificate: only its upload makes it trusted.
  uploaded = pki.stranger('OFF-UPLOADED');
  fromClientCa = pki.client('OFF-CHAIN');
  for (const anode of [behindProxy, elsewhere]) {
    for (const id of ['OFF-UPLOADED', 'OFF-CHAIN', 'OFF-STRANGER']) await register(anode, id, { securityProfile: 2 });
    await register(anode, 'OFF-BASIC', { securityProfile: 1, base64SHA256Password: passwordHash('offload-pw') });
    const { response } = await anode.admin.POST('/certificate', { body: { certificate: uploaded.cert } });
    expect(response.status).toBe(201);
  }
});
afterAll(async () => {
  await behindProxy?.stop();
  await elsewhere?.stop();
  pki?.remove();
  openssl.remove();
});

describe('OCPP security profile 3 behind a load balancer: the certificate it forwards from a trusted proxy', () => {
  it('admits a station whose uploaded certificate comes as URL-encoded PEM', async () => {
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-UPLOADED'), ['ocpp1.6'], urlEncodedPem(uploaded.cert))).toBe(101);
  });

  it("admits a station whose uploaded certificate comes in Envoy's XFCC form", async () => {
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-UPLOADED'), ['ocpp2.0.1'], xfcc(uploaded.cert))).toBe(101);
  });

  it('admits a certificate that chains to TLS_CLIENT_CA without being uploaded, and the station talks OCPP', async () => {
    const station = await connectStation(behindProxy, { id: 'OFF-CHAIN', wsOpts: { headers: urlEncodedPem(fromClientCa.cert) } });
    const boot = await station.call('BootNotification', { chargePointVendor: 'Offload', chargePointModel: 'LB' });
    expect(boot.status).toBe('Accepted');
    await station.close();
  });

  it('refuses a certificate from the client CA that names another station with 401', async () => {
    const other = pki.client('OFF-SOMEONE-ELSE');
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-CHAIN'), ['ocpp1.6'], urlEncodedPem(other.cert))).toBe(401);
  });

  it('refuses an uploaded certificate presented for another station with 401', async () => {
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-CHAIN'), ['ocpp1.6'], urlEncodedPem(uploaded.cert))).toBe(401);
  });

  it('refuses an expired certificate from the client CA that names the station with 401', async () => {
    const expired = await expiredCertificate('OFF-CHAIN', pki.ca);
    expect(openssl.run(['x509', '-noout', '-enddate'], expired)).toContain('2020');
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-CHAIN'), ['ocpp1.6'], urlEncodedPem(expired))).toBe(401);
  });

  it('refuses an expired certificate even when it was uploaded, with 401', async () => {
    const expired = await expiredCertificate('OFF-UPLOADED');
    const { response } = await behindProxy.admin.POST('/certificate', { body: { certificate: expired } });
    expect(response.status).toBe(201);
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-UPLOADED'), ['ocpp1.6'], urlEncodedPem(expired))).toBe(401);
  });

  it('refuses a certificate neither uploaded nor from a trusted issuer with 401', async () => {
    const stranger = pki.stranger('OFF-STRANGER');
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-STRANGER'), ['ocpp1.6'], urlEncodedPem(stranger.cert))).toBe(401);
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-STRANGER'), ['ocpp1.6'], xfcc(stranger.cert))).toBe(401);
  });

  it('refuses an OCPP profile 3 station without the header with 401', async () => {
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-UPLOADED'), ['ocpp1.6'])).toBe(401);
  });

  it('refuses a header that holds no certificate with 401', async () => {
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-UPLOADED'), ['ocpp1.6'], { [HEADER]: 'By=spiffe://lb;Hash=00;Cert="%ZZ"' })).toBe(401);
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-UPLOADED'), ['ocpp1.6'], { [HEADER]: encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----') })).toBe(401);
  });

  it('admits an OCPP security profile 2 station with its password: the trusted proxy ended its TLS', async () => {
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-BASIC'), ['ocpp1.6'], basic('OFF-BASIC', 'offload-pw'))).toBe(101);
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-BASIC'), ['ocpp1.6'], basic('OFF-BASIC', 'wrong'))).toBe(401);
  });
});

describe("OCPP security profile 3 behind a load balancer: a certificate Anode's CSMS CA signed", () => {
  it('admits a station with the certificate it obtained through SignCertificate, without uploading it', async () => {
    await register(behindProxy, 'OFF-CSMS', { securityProfile: 1, base64SHA256Password: passwordHash('csms-pw') });
    const chains: string[] = [];
    const station = await connectStation(behindProxy, {
      id: 'OFF-CSMS',
      password: 'csms-pw',
      handlers: {
        CertificateSigned: ({ certificateChain }) => {
          chains.push(String(certificateChain));
          return { status: 'Accepted' };
        },
      },
    });
    expect((await station.call('BootNotification', { chargePointVendor: 'Offload', chargePointModel: 'LB' })).status).toBe('Accepted');
    expect(await station.call('SignCertificate', { csr: openssl.csr('/CN=OFF-CSMS').csr })).toEqual({ status: 'Accepted' });
    const [chain] = await eventually(async () => {
      expect(chains).toHaveLength(1);
      return chains;
    });
    await station.close();
    await register(behindProxy, 'OFF-CSMS', { securityProfile: 2 });
    expect(await upgradeStatus(wsUrl(behindProxy, 'OFF-CSMS'), ['ocpp1.6'], urlEncodedPem(chain))).toBe(101);
  });
});

describe('a forged header from a peer that is not a trusted proxy is ignored', () => {
  it('refuses an OCPP profile 3 station whose valid, uploaded certificate comes in the header from loopback with 401', async () => {
    expect(await upgradeStatus(wsUrl(elsewhere, 'OFF-UPLOADED'), ['ocpp1.6'], urlEncodedPem(uploaded.cert))).toBe(401);
    expect(await upgradeStatus(wsUrl(elsewhere, 'OFF-CHAIN'), ['ocpp1.6'], xfcc(fromClientCa.cert))).toBe(401);
  });

  it('refuses an OCPP profile 2 station over plain ws there, even with its password, with 401', async () => {
    expect(await upgradeStatus(wsUrl(elsewhere, 'OFF-BASIC'), ['ocpp1.6'], basic('OFF-BASIC', 'offload-pw'))).toBe(401);
  });
});
