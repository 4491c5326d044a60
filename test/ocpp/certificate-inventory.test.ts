/**
 * The operator's certificate operations, on both OCPP versions, kept as the station's certificate inventory:
 * M03 GetInstalledCertificateIds (the report replaces what was reported of the types asked for), M05
 * InstallCertificate (an accepted root is kept with its subject, expiry and hash data) and M04 DeleteCertificate (an
 * accepted delete removes it). OCPP 1.6 goes through its security extension for the CSMS and manufacturer roots and
 * through Plug & Charge DataTransfer for the V2G types. The roots and their expected hash data are made with the
 * openssl command (its OCSP request's CertID), independently of Anode's own code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { bootedStation, registerStation, type SimulatedStation } from '../support/stations.js';

const PNC = 'org.openchargealliance.iso15118pnc';
const openssl = new OpensslWorkbench();
let testPki: TestPki;
let anode: TestAnode;
let v201: SimulatedStation;
let v16: SimulatedStation;

type Handler = (params: Record<string, unknown>) => unknown;
/** What each station answers, by action; a test sets the answers it needs. */
const answers: Record<string, Record<string, Handler>> = { 'INV-201': {}, 'INV-16': {} };
const routed = (id: string, actions: string[]) =>
  Object.fromEntries(actions.map((action) => [action, (params: Record<string, unknown>) => answers[id][action](params)]));

/** The 2.0.1 message a Plug & Charge DataTransfer carried, and its payload. */
const pncMessage = (params: Record<string, unknown>) => ({ vendorId: params.vendorId, messageId: params.messageId, payload: JSON.parse(String(params.data)) as unknown });
const pncAnswer = (payload: Record<string, unknown>) => ({ status: 'Accepted', data: JSON.stringify(payload) });

interface Root {
  pem: string;
  subject: string;
  validTo: string;
  hashData: { hashAlgorithm: 'SHA256'; issuerNameHash: string; issuerKeyHash: string; serialNumber: string };
}

let made = 0;
/** A self-signed root, and its hash data as openssl's OCSP request names it (SHA-256, hex in lower case). */
function root(commonName: string): Root {
  made += 1;
  const name = `root-${made}`;
  openssl.run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${commonName}/O=Anode Test`]);
  openssl.run(['ocsp', '-sha256', '-issuer', `${name}.pem`, '-cert', `${name}.pem`, '-no_nonce', '-reqout', `${name}.der`]);
  const request = openssl.run(['ocsp', '-reqin', `${name}.der`, '-req_text']);
  const field = (label: string) => request.match(new RegExp(`${label}: ([0-9A-F]+)`))![1].toLowerCase();
  const pem = openssl.run(['x509', '-in', `${name}.pem`]);
  const notAfter = openssl.run(['x509', '-in', `${name}.pem`, '-noout', '-enddate']).trim().replace('notAfter=', '');
  return {
    pem,
    subject: commonName,
    validTo: new Date(notAfter).toISOString(),
    hashData: { hashAlgorithm: 'SHA256', issuerNameHash: field('Issuer Name Hash'), issuerKeyHash: field('Issuer Key Hash'), serialNumber: field('Serial Number').replace(/^0+(?=.)/, '') },
  };
}

/** Hash data as a station might write it: hex in upper case, short serial numbers with leading zeroes. */
const shouted = (hashData: Root['hashData']) => ({
  ...hashData,
  issuerNameHash: hashData.issuerNameHash.toUpperCase(),
  issuerKeyHash: hashData.issuerKeyHash.toUpperCase(),
  serialNumber: hashData.serialNumber.toUpperCase().padStart(Math.min(40, hashData.serialNumber.length + 2), '0'),
});
const fakeHashData = (n: number): Root['hashData'] => ({ hashAlgorithm: 'SHA256', issuerNameHash: `a${n}`.padEnd(64, '0'), issuerKeyHash: `b${n}`.padEnd(64, '0'), serialNumber: `c${n}` });

beforeAll(async () => {
  testPki = createTestPki();
  anode = await startIsolatedAnode();
  v201 = await bootedStation(anode, 'INV-201', { version: 'ocpp2.0.1', handlers: routed('INV-201', ['GetInstalledCertificateIds', 'InstallCertificate', 'DeleteCertificate']) });
  v16 = await bootedStation(anode, 'INV-16', { handlers: routed('INV-16', ['GetInstalledCertificateIds', 'InstallCertificate', 'DeleteCertificate', 'DataTransfer']) });
  await registerStation(anode, 'INV-AWAY');
});
afterAll(async () => {
  await v201?.close();
  await v16?.close();
  await anode?.stop();
  openssl.remove();
  testPki?.remove();
});

const path = (csId: string) => ({ params: { path: { csId } } });
const inventory = async (csId: string) => (await anode.admin.GET('/cs/{csId}/installed-certificates', path(csId))).data!;
const query = (csId: string, certificateTypes?: Array<'V2GRootCertificate' | 'MORootCertificate' | 'CSMSRootCertificate' | 'V2GCertificateChain' | 'ManufacturerRootCertificate'>) =>
  anode.admin.POST('/cs/{csId}/installed-certificates/query', { ...path(csId), body: certificateTypes ? { certificateTypes } : {} });
const install = (csId: string, certificateType: 'V2GRootCertificate' | 'MORootCertificate' | 'CSMSRootCertificate' | 'ManufacturerRootCertificate', certificate: string) =>
  anode.admin.POST('/cs/{csId}/installed-certificates/install', { ...path(csId), body: { certificateType, certificate } });
const remove = (csId: string, hashData: Root['hashData']) => anode.admin.POST('/cs/{csId}/installed-certificates/delete', { ...path(csId), body: hashData });

describe('M03 GetInstalledCertificateIds', () => {
  it('OCPP 2.0.1: the report lands in the inventory, hash data as the inventory writes it, with the chain\'s children', async () => {
    const [leaf, sub] = [fakeHashData(1), fakeHashData(2)];
    const csmsRoot = root('Reported CSMS Root');
    answers['INV-201'].GetInstalledCertificateIds = () => ({
      status: 'Accepted',
      certificateHashDataChain: [
        { certificateType: 'V2GCertificateChain', certificateHashData: shouted(leaf), childCertificateHashData: [sub] },
        { certificateType: 'CSMSRootCertificate', certificateHashData: shouted(csmsRoot.hashData) },
      ],
    });
    const { data, response } = await query('INV-201');
    expect(response.status).toBe(200);
    expect(v201.received.at(-1)).toEqual({ action: 'GetInstalledCertificateIds', params: {} });
    expect(data).toMatchObject({ status: 'Accepted', answer: { action: 'GetInstalledCertificateIds', ocppVersion: 'ocpp2.0.1', status: 'Answered' } });
    expect(data!.certificates).toEqual([
      { certificateType: 'V2GCertificateChain', ...leaf, children: [sub] },
      { certificateType: 'CSMSRootCertificate', ...csmsRoot.hashData, children: [] },
    ]);
    const kept = await inventory('INV-201');
    expect(kept).toHaveLength(2);
    expect(kept.find((row) => row.certificateType === 'V2GCertificateChain')).toMatchObject({ source: 'Reported', ...leaf, children: [sub], pem: null, validTo: null });
    expect(kept.find((row) => row.certificateType === 'CSMSRootCertificate')).toMatchObject({ source: 'Reported', ...csmsRoot.hashData, children: null });
  });

  it('OCPP 2.0.1: a report of some types replaces what was reported of those types only', async () => {
    const other = fakeHashData(3);
    answers['INV-201'].GetInstalledCertificateIds = () => ({ status: 'Accepted', certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: other }] });
    const { data } = await query('INV-201', ['CSMSRootCertificate']);
    expect(v201.received.at(-1)).toEqual({ action: 'GetInstalledCertificateIds', params: { certificateType: ['CSMSRootCertificate'] } });
    expect(data!.status).toBe('Accepted');
    const kept = await inventory('INV-201');
    expect(kept.filter((row) => row.certificateType === 'CSMSRootCertificate').map((row) => row.serialNumber)).toEqual([other.serialNumber]);
    expect(kept.filter((row) => row.certificateType === 'V2GCertificateChain')).toHaveLength(1);
  });

  it('OCPP 2.0.1: NotFound (the station holds none of the type) leaves none of that type reported', async () => {
    answers['INV-201'].GetInstalledCertificateIds = () => ({ status: 'NotFound' });
    const { data } = await query('INV-201', ['V2GCertificateChain']);
    expect(data).toMatchObject({ status: 'NotFound', certificates: [] });
    const kept = await inventory('INV-201');
    expect(kept.map((row) => row.certificateType)).toEqual(['CSMSRootCertificate']);
  });

  it('OCPP 2.0.1: a CALLERROR changes nothing', async () => {
    const before = await inventory('INV-201');
    answers['INV-201'].GetInstalledCertificateIds = () => {
      throw Object.assign(new Error('not today'), { rpcErrorCode: 'InternalError' });
    };
    const { data } = await query('INV-201');
    expect(data).toMatchObject({ status: null, certificates: [], answer: { status: 'CallError', errorCode: 'InternalError' } });
    expect(data!.reason).toContain('CALLERROR');
    expect(await inventory('INV-201')).toEqual(before);
  });

  it('OCPP 1.6 security extension: one type, named CentralSystemRootCertificate on the wire and CSMSRootCertificate in the inventory', async () => {
    const reported = fakeHashData(4);
    // The same certificate listed twice, written two ways, is one certificate.
    answers['INV-16'].GetInstalledCertificateIds = () => ({ status: 'Accepted', certificateHashData: [reported, shouted(reported)] });
    const { data } = await query('INV-16', ['CSMSRootCertificate']);
    expect(v16.received.at(-1)).toEqual({ action: 'GetInstalledCertificateIds', params: { certificateType: 'CentralSystemRootCertificate' } });
    expect(data).toMatchObject({ status: 'Accepted', certificates: [{ certificateType: 'CSMSRootCertificate', ...reported, children: [] }, { ...reported }] });
    expect(await inventory('INV-16')).toMatchObject([{ certificateType: 'CSMSRootCertificate', source: 'Reported', ...reported }]);
  });

  it('OCPP 1.6 Plug & Charge: the V2G types are asked for in a DataTransfer carrying the 2.0.1 message', async () => {
    const [v2gRoot, moRoot] = [fakeHashData(5), fakeHashData(6)];
    answers['INV-16'].DataTransfer = () =>
      pncAnswer({
        status: 'Accepted',
        certificateHashDataChain: [
          { certificateType: 'V2GRootCertificate', certificateHashData: v2gRoot },
          { certificateType: 'MORootCertificate', certificateHashData: moRoot },
        ],
      });
    const { data } = await query('INV-16', ['V2GRootCertificate', 'MORootCertificate']);
    const sent = v16.received.at(-1)!;
    expect(sent.action).toBe('DataTransfer');
    expect(pncMessage(sent.params)).toEqual({ vendorId: PNC, messageId: 'GetInstalledCertificateIds', payload: { certificateType: ['V2GRootCertificate', 'MORootCertificate'] } });
    expect(data).toMatchObject({ status: 'Accepted', answer: { action: 'DataTransfer', status: 'Answered' } });
    const kept = await inventory('INV-16');
    expect(kept.map((row) => row.certificateType).sort()).toEqual(['CSMSRootCertificate', 'MORootCertificate', 'V2GRootCertificate']);
  });

  it('OCPP 1.6 Plug & Charge: a DataTransfer the station does not take, or whose data is no answer, changes nothing', async () => {
    const before = await inventory('INV-16');
    answers['INV-16'].DataTransfer = () => ({ status: 'UnknownVendorId' });
    const refused = (await query('INV-16', ['V2GRootCertificate'])).data!;
    expect(refused).toMatchObject({ status: null, certificates: [] });
    expect(refused.reason).toContain('UnknownVendorId');
    answers['INV-16'].DataTransfer = () => pncAnswer({ status: 'Accepted', certificateHashDataChain: [{ certificateType: 'V2GRootCertificate', certificateHashData: { serialNumber: 1 } }] });
    const garbled = (await query('INV-16', ['V2GRootCertificate'])).data!;
    expect(garbled).toMatchObject({ status: null, certificates: [] });
    answers['INV-16'].DataTransfer = () => ({ status: 'Accepted', data: 'not json' });
    expect((await query('INV-16', ['V2GRootCertificate'])).data).toMatchObject({ status: null });
    expect(await inventory('INV-16')).toEqual(before);
  });

  it('OCPP 1.6: no type, or a security extension type with another, is refused (400) and nothing is sent', async () => {
    const calls = v16.received.length;
    for (const types of [undefined, ['CSMSRootCertificate', 'ManufacturerRootCertificate'], ['CSMSRootCertificate', 'V2GRootCertificate']] as const) {
      const { response, error } = await query('INV-16', types ? [...types] : undefined);
      expect(response.status).toBe(400);
      expect(JSON.stringify(error)).toContain('OCPP 1.6');
    }
    expect(v16.received.length).toBe(calls);
  });

  it('a station that is not connected: 409, nothing kept', async () => {
    const { response } = await query('INV-AWAY', ['CSMSRootCertificate']);
    expect(response.status).toBe(409);
    expect(await inventory('INV-AWAY')).toEqual([]);
  });
});

describe('M05 InstallCertificate', () => {
  it('OCPP 2.0.1: an accepted root is kept as Installed, with its subject, expiry and hash data computed against itself', async () => {
    const csmsRoot = root('Installed CSMS Root');
    answers['INV-201'].InstallCertificate = () => ({ status: 'Accepted' });
    const { data, response } = await install('INV-201', 'CSMSRootCertificate', csmsRoot.pem);
    expect(response.status).toBe(200);
    const sent = v201.received.at(-1)!;
    expect(sent).toMatchObject({ action: 'InstallCertificate', params: { certificateType: 'CSMSRootCertificate' } });
    expect(String(sent.params.certificate).replace(/\s+/g, '')).toBe(csmsRoot.pem.replace(/\s+/g, ''));
    expect(data).toMatchObject({ status: 'Accepted', certificate: { source: 'Installed', certificateType: 'CSMSRootCertificate', ...csmsRoot.hashData, validTo: csmsRoot.validTo } });
    expect(data!.certificate!.subject).toContain(`CN=${csmsRoot.subject}`);
    expect((await inventory('INV-201')).find((row) => row.serialNumber === csmsRoot.hashData.serialNumber)).toMatchObject({ source: 'Installed', ...csmsRoot.hashData });
  });

  it('OCPP 2.0.1: Rejected and Failed change nothing', async () => {
    const before = await inventory('INV-201');
    for (const status of ['Rejected', 'Failed']) {
      answers['INV-201'].InstallCertificate = () => ({ status });
      const { data } = await install('INV-201', 'V2GRootCertificate', root('Refused Root').pem);
      expect(data).toMatchObject({ status, certificate: null });
    }
    expect(await inventory('INV-201')).toEqual(before);
  });

  it('OCPP 1.6 security extension: CSMSRootCertificate is installed as CentralSystemRootCertificate', async () => {
    const csmsRoot = root('1.6 CSMS Root');
    answers['INV-16'].InstallCertificate = () => ({ status: 'Accepted' });
    const { data } = await install('INV-16', 'CSMSRootCertificate', csmsRoot.pem);
    expect(v16.received.at(-1)).toMatchObject({ action: 'InstallCertificate', params: { certificateType: 'CentralSystemRootCertificate' } });
    expect(data).toMatchObject({ status: 'Accepted', certificate: { certificateType: 'CSMSRootCertificate', source: 'Installed', ...csmsRoot.hashData } });
  });

  it('OCPP 1.6 Plug & Charge: a V2G root goes in a DataTransfer, and the accepted root is kept', async () => {
    const v2gRoot = root('1.6 V2G Root');
    answers['INV-16'].DataTransfer = () => pncAnswer({ status: 'Accepted' });
    const { data } = await install('INV-16', 'V2GRootCertificate', v2gRoot.pem);
    const message = pncMessage(v16.received.at(-1)!.params);
    expect(message).toMatchObject({ vendorId: PNC, messageId: 'InstallCertificate', payload: { certificateType: 'V2GRootCertificate' } });
    expect(data).toMatchObject({ status: 'Accepted', certificate: { certificateType: 'V2GRootCertificate', ...v2gRoot.hashData } });
    expect((await inventory('INV-16')).filter((row) => row.source === 'Installed').map((row) => row.certificateType).sort()).toEqual(['CSMSRootCertificate', 'V2GRootCertificate']);
  });

  it('a certificate that is not one self-signed PEM certificate is refused (400) and nothing is sent', async () => {
    const calls = v201.received.length;
    const notRoot = testPki.client('INV-LEAF').cert;
    for (const certificate of [notRoot, 'not a certificate', `${root('One').pem}${root('Two').pem}`]) {
      const { response, error } = await install('INV-201', 'MORootCertificate', certificate);
      expect(response.status).toBe(400);
      expect(JSON.stringify(error)).toContain('certificate');
    }
    expect(v201.received.length).toBe(calls);
  });

  it('a station that is not connected: 409', async () => {
    const { response } = await install('INV-AWAY', 'CSMSRootCertificate', root('Away Root').pem);
    expect(response.status).toBe(409);
    expect(await inventory('INV-AWAY')).toEqual([]);
  });
});

describe('M04 DeleteCertificate', () => {
  it('OCPP 2.0.1: an accepted delete removes the certificate from the inventory, however its hash data is written', async () => {
    const moRoot = root('Deleted MO Root');
    answers['INV-201'].InstallCertificate = () => ({ status: 'Accepted' });
    await install('INV-201', 'MORootCertificate', moRoot.pem);
    answers['INV-201'].DeleteCertificate = () => ({ status: 'Accepted' });
    const { data } = await remove('INV-201', shouted(moRoot.hashData));
    expect(v201.received.at(-1)).toEqual({ action: 'DeleteCertificate', params: { certificateHashData: shouted(moRoot.hashData) } });
    expect(data).toMatchObject({ status: 'Accepted', removed: true });
    expect((await inventory('INV-201')).some((row) => row.serialNumber === moRoot.hashData.serialNumber)).toBe(false);
  });

  it('OCPP 2.0.1: NotFound and Failed change nothing', async () => {
    const kept = (await inventory('INV-201')).find((row) => row.source === 'Installed')!;
    const hashData = { hashAlgorithm: 'SHA256' as const, issuerNameHash: kept.issuerNameHash, issuerKeyHash: kept.issuerKeyHash, serialNumber: kept.serialNumber };
    for (const status of ['NotFound', 'Failed']) {
      answers['INV-201'].DeleteCertificate = () => ({ status });
      expect((await remove('INV-201', hashData)).data).toMatchObject({ status, removed: false });
    }
    expect((await inventory('INV-201')).some((row) => row.id === kept.id)).toBe(true);
  });

  it('OCPP 1.6: the security extension deletes a CSMS root, Plug & Charge a V2G root the inventory knows', async () => {
    const rows = await inventory('INV-16');
    const hashDataOf = (type: string) => {
      const row = rows.find((entry) => entry.certificateType === type && entry.source === 'Installed')!;
      return { hashAlgorithm: 'SHA256' as const, issuerNameHash: row.issuerNameHash, issuerKeyHash: row.issuerKeyHash, serialNumber: row.serialNumber };
    };
    answers['INV-16'].DeleteCertificate = () => ({ status: 'Accepted' });
    const csms = hashDataOf('CSMSRootCertificate');
    expect((await remove('INV-16', csms)).data).toMatchObject({ status: 'Accepted', removed: true });
    expect(v16.received.at(-1)).toEqual({ action: 'DeleteCertificate', params: { certificateHashData: csms } });

    answers['INV-16'].DataTransfer = () => pncAnswer({ status: 'Accepted' });
    const v2g = hashDataOf('V2GRootCertificate');
    expect((await remove('INV-16', v2g)).data).toMatchObject({ status: 'Accepted', removed: true, answer: { action: 'DataTransfer' } });
    expect(pncMessage(v16.received.at(-1)!.params)).toEqual({ vendorId: PNC, messageId: 'DeleteCertificate', payload: { certificateHashData: v2g } });
    expect((await inventory('INV-16')).filter((row) => row.source === 'Installed')).toEqual([]);
  });

  it('hash data that is not hex is refused (400); a station that is not connected: 409', async () => {
    expect((await remove('INV-201', { ...fakeHashData(7), serialNumber: 'zz' })).response.status).toBe(400);
    expect((await remove('INV-AWAY', fakeHashData(8))).response.status).toBe(409);
  });
});
