/**
 * An external CA over EST (RFC 7030 simpleenroll) signs the certificate types Anode is configured to send it; the
 * others stay with Anode's own CA. The EST server here is an HTTP server the test serves on 127.0.0.1: it stands for
 * the external CA (e.g. Hubject's), checks HTTP Basic credentials and signs CSRs with an openssl CA the test made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleEnrollUrl } from '../../src/domain/pki/est.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const USERNAME = 'anode-cpo';
const PASSWORD = 'est-secret';
const openssl = new OpensslWorkbench();
let root = '';

/** What the EST server was sent, and how it answers next. */
const enrollments: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
let pendingAnswers = 0;

/** The external CA: a root and the CPO sub-CA that signs, as a two-level V2G PKI has them. */
function makeExternalCa(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl.file('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl.run(['req', '-x509', ...ec, '-keyout', 'est-root.key', '-out', 'est-root.pem', '-days', '2', '-subj', '/CN=Test V2G Root CA/O=External PKI']);
  openssl.run(['req', '-new', ...ec, '-keyout', 'est-sub.key', '-out', 'est-sub.csr', '-subj', '/CN=Test CPO Sub-CA/O=External PKI']);
  openssl.run(['x509', '-req', '-in', 'est-sub.csr', '-CA', 'est-root.pem', '-CAkey', 'est-root.key', '-CAcreateserial', '-out', 'est-sub.pem', '-days', '2', '-extfile', 'ca.ext']);
  root = openssl.run(['x509', '-in', 'est-root.pem']);
}

/** simpleenroll as RFC 7030 4.2 has it: a base64 PKCS#10 in, a base64 certs-only PKCS#7 out (leaf, sub-CA, root). */
function issue(base64Csr: string): string {
  writeFileSync(join(openssl.dir, 'enroll.der'), Buffer.from(base64Csr, 'base64'));
  openssl.run(['req', '-inform', 'DER', '-in', 'enroll.der', '-out', 'enroll.csr']);
  openssl.file('leaf.ext', 'keyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth\n');
  openssl.run(['x509', '-req', '-in', 'enroll.csr', '-CA', 'est-sub.pem', '-CAkey', 'est-sub.key', '-CAcreateserial', '-out', 'enroll.pem', '-days', '1', '-extfile', 'leaf.ext']);
  openssl.run(['crl2pkcs7', '-nocrl', '-certfile', 'enroll.pem', '-certfile', 'est-sub.pem', '-certfile', 'est-root.pem', '-outform', 'DER', '-out', 'enroll.p7']);
  return readFileSync(join(openssl.dir, 'enroll.p7')).toString('base64').replace(/(.{64})/g, '$1\n');
}

function startEstServer(): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      enrollments.push({ path: request.url ?? '', headers: request.headers, body });
      if (request.method !== 'POST' || request.url !== '/.well-known/est/simpleenroll') return void response.writeHead(404).end('no such EST operation');
      if (request.headers.authorization !== `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`) {
        return void response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="est"', 'Content-Type': 'text/plain' }).end('invalid credentials for this EST account');
      }
      if (pendingAnswers > 0) {
        pendingAnswers -= 1;
        return void response.writeHead(202, { 'Retry-After': '1' }).end();
      }
      response.writeHead(200, { 'Content-Type': 'application/pkcs7-mime; smime-type=certs-only', 'Content-Transfer-Encoding': 'base64' }).end(issue(body));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A port nothing listens on: the EST server is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let estServer: Server;
let estUrl = '';
const anodes: TestAnode[] = [];
const stations: SimulatedStation[] = [];

beforeAll(async () => {
  makeExternalCa();
  estServer = await startEstServer();
  estUrl = `http://127.0.0.1:${(estServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(stations.map((station) => station.close()));
  await Promise.all(anodes.map((anode) => anode.stop()));
  estServer.closeAllConnections();
  await new Promise((resolve) => estServer.close(resolve));
  openssl.remove();
});

async function startAnode(env: Record<string, string>): Promise<TestAnode> {
  const anode = await startIsolatedAnode({ PKI_EST_CERTIFICATE_TYPES: 'V2GCertificate', ...env });
  anodes.push(anode);
  return anode;
}

/** A 2.0.1 station that accepts every CertificateSigned. */
async function station201(anode: TestAnode, id: string): Promise<SimulatedStation> {
  const station = await bootedStation(anode, id, { version: 'ocpp2.0.1', handlers: { CertificateSigned: () => ({ status: 'Accepted' }) } });
  stations.push(station);
  return station;
}

const signingsOf = async (anode: TestAnode, csId: string) => (await anode.admin.GET('/cs/{csId}/certificate-signings', { params: { path: { csId } } })).data!;

async function signingReaches(anode: TestAnode, csId: string, status: string, timeoutMs = 10_000) {
  return eventually(async () => {
    const [signing] = await signingsOf(anode, csId);
    if (signing?.status !== status) throw new Error(`signing is ${signing?.status}, not ${status}`);
    return signing;
  }, timeoutMs);
}

const certificatesSigned = (station: SimulatedStation) => station.received.filter(({ action }) => action === 'CertificateSigned');

describe('the EST server is found from the configured URL', () => {
  it.each([
    ['https://est.example', 'https://est.example/.well-known/est/simpleenroll'],
    ['https://est.example/', 'https://est.example/.well-known/est/simpleenroll'],
    ['https://est.example/.well-known/est', 'https://est.example/.well-known/est/simpleenroll'],
    ['https://est.example/.well-known/est/cpo', 'https://est.example/.well-known/est/cpo/simpleenroll'],
    ['https://est.example/.well-known/est/cpo/simpleenroll', 'https://est.example/.well-known/est/cpo/simpleenroll'],
  ])('%s → %s', (configured, expected) => expect(simpleEnrollUrl(configured)).toBe(expected));
});

describe('a V2GCertificate is enrolled at the external CA over EST', () => {
  let anode: TestAnode;
  beforeAll(async () => {
    anode = await startAnode({ PKI_EST_URL: estUrl, PKI_EST_USERNAME: USERNAME, PKI_EST_PASSWORD: PASSWORD });
  });

  it('SignCertificate is Accepted, the CSR goes to simpleenroll, and CertificateSigned brings the chain the EST server issued', async () => {
    const station = await station201(anode, 'EST-OK');
    const key = openssl.csr('/CN=EST-OK');
    enrollments.length = 0;
    expect(await station.call('SignCertificate', { csr: key.csr, certificateType: 'V2GCertificate' })).toEqual({ status: 'Accepted' });

    const [delivered] = await eventually(async () => {
      const calls = certificatesSigned(station);
      if (calls.length === 0) throw new Error('no CertificateSigned yet');
      return calls;
    }, 10_000);
    expect(delivered.params.certificateType).toBe('V2GCertificate');
    const chain = String(delivered.params.certificateChain);
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(openssl.verify(root, chain)).toContain('OK');
    expect(openssl.leafField(chain, '-pubkey')).toBe(openssl.publicKeyOf(key.keyPath));
    expect(openssl.leafField(chain, '-issuer')).toContain('Test CPO Sub-CA');

    expect(enrollments).toHaveLength(1);
    const [sent] = enrollments;
    expect(sent.path).toBe('/.well-known/est/simpleenroll');
    expect(sent.headers['content-type']).toBe('application/pkcs10');
    const pem = key.csr.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    expect(sent.body.replace(/\s+/g, '')).toBe(pem);

    const signing = await signingReaches(anode, 'EST-OK', 'Installed');
    expect(signing).toMatchObject({ certificateType: 'V2GCertificate', signer: 'est', reason: null, certificateChain: chain });
  });

  it('a server that answers 202 with Retry-After is asked again, and its certificate is installed', async () => {
    const station = await station201(anode, 'EST-PENDING');
    enrollments.length = 0;
    pendingAnswers = 1;
    expect(await station.call('SignCertificate', { csr: openssl.csr('/CN=EST-PENDING').csr, certificateType: 'V2GCertificate' })).toEqual({ status: 'Accepted' });
    const signing = await signingReaches(anode, 'EST-PENDING', 'Installed');
    expect(signing.signer).toBe('est');
    expect(enrollments).toHaveLength(2);
    expect(openssl.verify(root, certificatesSigned(station)[0].params.certificateChain as string)).toContain('OK');
  });

  it('a ChargingStationCertificate in the same Anode is still signed by its own CA', async () => {
    const station = await station201(anode, 'EST-LOCAL');
    enrollments.length = 0;
    expect(await station.call('SignCertificate', { csr: openssl.csr('/CN=EST-LOCAL').csr, certificateType: 'ChargingStationCertificate' })).toEqual({ status: 'Accepted' });
    const signing = await signingReaches(anode, 'EST-LOCAL', 'Installed');
    expect(signing).toMatchObject({ certificateType: 'ChargingStationCertificate', signer: 'local' });
    const { data: roots } = await anode.admin.GET('/pki/roots', {});
    expect(openssl.verify(roots!.csms, signing.certificateChain!)).toContain('OK');
    expect(enrollments).toHaveLength(0);
  });
});

describe('when the EST enrollment fails, the station is answered, no CertificateSigned comes, and the operator sees why', () => {
  let wrongPassword: TestAnode;
  let serverDown: TestAnode;
  beforeAll(async () => {
    const downUrl = `http://127.0.0.1:${await closedPort()}`;
    [wrongPassword, serverDown] = await Promise.all([
      startAnode({ PKI_EST_URL: `${estUrl}/.well-known/est`, PKI_EST_USERNAME: USERNAME, PKI_EST_PASSWORD: 'not-the-password' }),
      startAnode({ PKI_EST_URL: downUrl, PKI_EST_USERNAME: USERNAME, PKI_EST_PASSWORD: PASSWORD }),
    ]);
  });

  async function expectFailedEnrollment(anode: TestAnode, csId: string, reason: RegExp) {
    const station = await station201(anode, csId);
    expect(await station.call('SignCertificate', { csr: openssl.csr(`/CN=${csId}`).csr, certificateType: 'V2GCertificate' })).toEqual({ status: 'Accepted' });
    const signing = await signingReaches(anode, csId, 'Failed');
    expect(signing).toMatchObject({ signer: 'est', certificateChain: null });
    expect(signing.reason).toMatch(reason);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(certificatesSigned(station)).toEqual([]);
  }

  it('wrong credentials: the reason names the 401 and the server’s text', async () => {
    await expectFailedEnrollment(wrongPassword, 'EST-401', /^the est signer failed: the EST server answered 401: invalid credentials for this EST account$/);
  });

  it('the EST server is down: the reason says it could not be reached', async () => {
    await expectFailedEnrollment(serverDown, 'EST-DOWN', /^the est signer failed: the EST server http:\/\/127\.0\.0\.1:\d+ could not be reached: ECONNREFUSED$/);
  });
});
