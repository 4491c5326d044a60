/**
 * OCSP (RFC 6960) for OCPP 2.0.1 stations: GetCertificateStatus (use case M06) and Authorize with a car's contract
 * certificate (use case C07). The OCSP responder stands for a Mobility Operator's, an external party: openssl
 * answers from its index.txt, served by the test on 127.0.0.1 (see test/support/ocsp-responder.ts).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OcspLab, withBadSignature, type ContractCertificate } from '../support/ocsp-responder.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

const CS = 'OCSP-201';
const lab = new OcspLab();
let anode: TestAnode;
let station: SimulatedStation;
let closedUrl: string;

type StatusAnswer = { status: string; ocspResult?: string; statusInfo?: { reasonCode: string; additionalInfo?: string } };
type AuthorizeAnswer = { idTokenInfo: { status: string; cacheExpiryDateTime?: string }; certificateStatus?: string };

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const getStatus = (data: Record<string, unknown>) => station.call<StatusAnswer>('GetCertificateStatus', { ocspRequestData: data });
const ocspData = (certificate: ContractCertificate, responderURL: string) => ({ ...lab.hashData(certificate), responderURL });

async function checks() {
  const { data, response } = await anode.admin.GET('/cs/{csId}/certificate-status-checks', { params: { path: { csId: CS } } });
  expect(response.status).toBe(200);
  return data!;
}

const authorize = (token: string, contract: { certificate?: string; iso15118CertificateHashData?: Record<string, unknown>[] }) =>
  station.call<AuthorizeAnswer>('Authorize', { idToken: { idToken: token, type: 'eMAID' }, ...contract });

beforeAll(async () => {
  await lab.start();
  closedUrl = `http://127.0.0.1:${await closedPort()}/ocsp`;
  anode = await startIsolatedAnode();
  station = await bootedStation(anode, CS, { version: 'ocpp2.0.1' });
  const { response } = await anode.admin.POST('/token', {
    body: { countryCode: 'NL', partyId: 'EMS', type: 'RFID', uid: 'NLEMSC0001', contractId: 'NL-EMS-C0001', issuer: 'EMS', valid: true, cacheMode: 'ALWAYS' },
  });
  expect(response.status).toBe(201);
});

afterAll(async () => {
  await station?.close();
  await anode?.stop();
  await lab.remove();
});

describe('M06 Get certificate status: the CSMS asks the responder the station names', () => {
  const url = () => `${lab.url}/m06`;

  it('a certificate the responder holds valid: Accepted, with the responder signed answer saying good', async () => {
    const answer = await getStatus(ocspData(lab.good, url()));
    expect(answer.status).toBe('Accepted');
    const text = lab.readResult(answer.ocspResult!);
    expect(text).toContain('Response verify OK');
    expect(text).toMatch(/Serial Number: 1001\s+Cert Status: good/);
    const [latest] = await checks();
    expect(latest).toMatchObject({ chargeStationId: CS, serialNumber: '1001', responderUrl: url(), status: 'Good', error: null, cached: false });
    expect(new Date(latest.nextUpdate!).getTime()).toBeGreaterThan(Date.now());
  });

  it('a revoked certificate: Accepted (the responder answered), the answer saying revoked', async () => {
    const answer = await getStatus(ocspData(lab.revoked, url()));
    expect(answer.status).toBe('Accepted');
    expect(lab.readResult(answer.ocspResult!)).toMatch(/Serial Number: 1002\s+Cert Status: revoked/);
    expect((await checks())[0]).toMatchObject({ serialNumber: '1002', status: 'Revoked', cached: false });
  });

  it('a certificate the responder does not know: Accepted, the answer saying unknown', async () => {
    const answer = await getStatus(ocspData(lab.unknown, url()));
    expect(answer.status).toBe('Accepted');
    expect(lab.readResult(answer.ocspResult!)).toMatch(/Serial Number: 1003\s+Cert Status: unknown/);
    expect((await checks())[0]).toMatchObject({ serialNumber: '1003', status: 'Unknown', cached: false });
  });

  it('the same question again is answered from the cache, without asking the responder', async () => {
    const first = await getStatus(ocspData(lab.good, url()));
    const asked = lab.requests;
    const again = await getStatus(ocspData(lab.good, url()));
    expect(lab.requests).toBe(asked);
    expect(again).toEqual(first);
    expect((await checks())[0]).toMatchObject({ serialNumber: '1001', status: 'Good', cached: true });
  });

  it('an unreachable responder: Failed with statusInfo, the error kept, and not cached', async () => {
    for (const round of [1, 2]) {
      const answer = await getStatus(ocspData(lab.good, closedUrl));
      expect(answer).toMatchObject({ status: 'Failed', statusInfo: { reasonCode: 'OcspCheckFailed' } });
      expect(answer.ocspResult).toBeUndefined();
      expect(answer.statusInfo!.additionalInfo).toContain('could not be reached: ECONNREFUSED');
      const [latest] = await checks();
      expect(latest, `round ${round}`).toMatchObject({ responderUrl: closedUrl, status: 'Failed', cached: false });
      expect(latest.error).toContain('ECONNREFUSED');
    }
  });

  it('an answer whose signature does not verify: Failed', async () => {
    const answer = await getStatus(ocspData(lab.good, `${lab.url}/tampered`));
    expect(answer.status).toBe('Failed');
    expect(answer.statusInfo!.additionalInfo).toContain('signature does not verify');
    expect((await checks())[0]).toMatchObject({ status: 'Failed', error: expect.stringContaining('signature does not verify') });
  });

  it('an answer signed by a certificate that is no OCSP signer of the issuer: Failed', async () => {
    const answer = await getStatus(ocspData(lab.revoked, `${lab.url}/rogue`));
    expect(answer.status).toBe('Failed');
    expect(answer.statusInfo!.additionalInfo).toContain('CN=Test MO Rogue Signer, which may not answer');
  });

  it('hash data that is no hash, or a responder URL that is not http: Failed with the reason, nothing sent', async () => {
    const asked = lab.requests;
    const notHex = await getStatus({ ...ocspData(lab.good, url()), issuerNameHash: 'not-hex' });
    expect(notHex).toMatchObject({ status: 'Failed', statusInfo: { additionalInfo: 'issuerNameHash is not hexadecimal bytes: "not-hex"' } });
    const shortHash = await getStatus({ ...ocspData(lab.good, url()), issuerKeyHash: 'abcd' });
    expect(shortHash.statusInfo!.additionalInfo).toBe('issuerKeyHash has 2 bytes, its hash algorithm makes 32');
    const ftp = await getStatus(ocspData(lab.good, 'ftp://127.0.0.1/ocsp'));
    expect(ftp.statusInfo!.additionalInfo).toBe('responderURL must be an http(s) URL, got "ftp://127.0.0.1/ocsp"');
    expect(lab.requests).toBe(asked);
  });

  it('a station that is not registered has no checks to list: 404', async () => {
    const { response } = await anode.admin.GET('/cs/{csId}/certificate-status-checks', { params: { path: { csId: 'NO-SUCH-CS' } } });
    expect(response.status).toBe(404);
  });
});

describe('C07 Authorization using Contract Certificates: iso15118CertificateHashData', () => {
  const hashData = (certificate: ContractCertificate, url = lab.url) => [ocspData(certificate, url)];

  it('a good contract certificate: certificateStatus Accepted, the token as the token store has it', async () => {
    const answer = await authorize('NLEMSC0001', { iso15118CertificateHashData: hashData(lab.good, `${lab.url}/c07`) });
    expect(answer).toMatchObject({ idTokenInfo: { status: 'Accepted' }, certificateStatus: 'Accepted' });
    expect((await checks())[0]).toMatchObject({ serialNumber: '1001', responderUrl: `${lab.url}/c07`, status: 'Good' });
  });

  it('a revoked contract certificate: CertificateRevoked, and the token Invalid (C07.FR.16)', async () => {
    const answer = await authorize('NLEMSC0001', { iso15118CertificateHashData: hashData(lab.revoked, `${lab.url}/c07`) });
    expect(answer).toEqual({ idTokenInfo: { status: 'Invalid' }, certificateStatus: 'CertificateRevoked' });
  });

  it('a contract certificate its responder does not know: CertChainError, the token Invalid', async () => {
    const answer = await authorize('NLEMSC0001', { iso15118CertificateHashData: hashData(lab.unknown, `${lab.url}/c07`) });
    expect(answer).toEqual({ idTokenInfo: { status: 'Invalid' }, certificateStatus: 'CertChainError' });
  });

  it('a responder that cannot be reached: NoCertificateAvailable, the token Invalid', async () => {
    const answer = await authorize('NLEMSC0001', { iso15118CertificateHashData: hashData(lab.good, closedUrl) });
    expect(answer).toEqual({ idTokenInfo: { status: 'Invalid' }, certificateStatus: 'NoCertificateAvailable' });
  });

  it('a good certificate does not make an unknown token accepted', async () => {
    const answer = await authorize('NLEMSC9999', { iso15118CertificateHashData: hashData(lab.good, `${lab.url}/c07`) });
    expect(answer).toMatchObject({ idTokenInfo: { status: 'Unknown' }, certificateStatus: 'Accepted' });
  });
});

describe('C07 Authorization using Contract Certificates: the certificate chain (PEM)', () => {
  it('a good chain: Accepted, its leaf checked with the responder its Authority Information Access names', async () => {
    const answer = await authorize('NLEMSC0001', { certificate: lab.chain(lab.good) });
    expect(answer).toMatchObject({ idTokenInfo: { status: 'Accepted' }, certificateStatus: 'Accepted' });
    expect((await checks())[0]).toMatchObject({ ...lab.hashData(lab.good), responderUrl: lab.url, status: 'Good' });
  });

  it('a revoked leaf: CertificateRevoked', async () => {
    expect(await authorize('NLEMSC0001', { certificate: lab.chain(lab.revoked) })).toEqual({ idTokenInfo: { status: 'Invalid' }, certificateStatus: 'CertificateRevoked' });
  });

  it('an expired leaf: CertificateExpired, no responder asked', async () => {
    const asked = lab.requests;
    expect(await authorize('NLEMSC0001', { certificate: lab.chain(lab.expired) })).toEqual({ idTokenInfo: { status: 'Invalid' }, certificateStatus: 'CertificateExpired' });
    expect(lab.requests).toBe(asked);
  });

  it('a leaf whose signature does not verify with the sub-CA: SignatureError', async () => {
    const answer = await authorize('NLEMSC0001', { certificate: `${withBadSignature(lab.good.pem)}${lab.subCaPem}` });
    expect(answer.certificateStatus).toBe('SignatureError');
  });

  it('a leaf followed by a certificate that did not issue it, or by nothing: CertChainError', async () => {
    expect((await authorize('NLEMSC0001', { certificate: `${lab.good.pem}${lab.rootPem}` })).certificateStatus).toBe('CertChainError');
    expect((await authorize('NLEMSC0001', { certificate: lab.good.pem })).certificateStatus).toBe('CertChainError');
  });

  it('text with no certificate in it: NoCertificateAvailable', async () => {
    expect((await authorize('NLEMSC0001', { certificate: 'not a certificate' })).certificateStatus).toBe('NoCertificateAvailable');
  });
});

describe('M06 Get certificate status: answers kept while current', () => {
  it('with the responder gone, a question answered before is still answered, from the cache', async () => {
    const before = await getStatus(ocspData(lab.revoked, `${lab.url}/m06`));
    await lab.stop();
    const after = await getStatus(ocspData(lab.revoked, `${lab.url}/m06`));
    expect(after).toEqual(before);
    expect(after.status).toBe('Accepted');
    expect((await checks())[0]).toMatchObject({ serialNumber: '1002', status: 'Revoked', cached: true });
    const notAsked = await getStatus(ocspData(lab.good, `${lab.url}/never-asked`));
    expect(notAsked.status).toBe('Failed');
  });
});
