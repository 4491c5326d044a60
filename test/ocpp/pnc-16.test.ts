/**
 * Plug & Charge on OCPP 1.6 (the OCA application note "Using ISO 15118 Plug & Charge with OCPP 1.6"): the OCPP 2.0.1
 * messages travel in DataTransfer, vendorId org.openchargealliance.iso15118pnc, messageId the 2.0.1 action, data the
 * 2.0.1 payload as JSON text, both ways. Every answer Anode gives inside the envelope is checked here against the 2.0.1
 * response schema, with ocpp-rpc's own validator. No server in this file stands for an external party; the OCSP
 * responder URL below names a closed loopback port.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const PNC = 'org.openchargealliance.iso15118pnc';
const requireCjs = createRequire(import.meta.url);
const { createValidator } = requireCjs('ocpp-rpc') as typeof import('ocpp-rpc');
const schemas201 = createValidator('ocpp2.0.1', requireCjs('ocpp-rpc/lib/schemas/ocpp2_0_1.json'));

const openssl = new OpensslWorkbench();
let anode: TestAnode;
let roots: { csms: string; v2g: string };

/** A 1.6 station that speaks the application note: what Anode sends it inside DataTransfer, parsed, by messageId. */
interface PncStation extends SimulatedStation {
  pncReceived: Array<{ messageId: string; payload: Record<string, unknown> }>;
  /** the certificate chains it was given, by the action that carried them */
  chains: Array<{ via: 'DataTransfer' | 'CertificateSigned'; certificateChain: string; certificateType?: string }>;
}

/** Sends a PnC message, `data` as given (a payload is sent as JSON text), and answers the DataTransfer.conf. */
async function pnc(station: SimulatedStation, messageId: string, data: unknown): Promise<{ status: string; data?: string }> {
  return station.call('DataTransfer', { vendorId: PNC, messageId, ...(data !== undefined && { data: typeof data === 'string' ? data : JSON.stringify(data) }) });
}

/** The 2.0.1 response inside an Accepted DataTransfer.conf, after checking it against the 2.0.1 response schema. */
function inner(action: string, conf: { status: string; data?: string }): Record<string, unknown> {
  expect(conf.status).toBe('Accepted');
  const response = JSON.parse(conf.data!) as Record<string, unknown>;
  expect(() => schemas201.validate(`urn:${action}.conf`, response)).not.toThrow();
  return response;
}

/**
 * Registers and boots a 1.6 station that accepts what Anode sends it; asked by a trigger for a certificate, it
 * answers Accepted and then sends a CSR for it (CN = its id): over DataTransfer for V2G, SignCertificate otherwise.
 */
async function pncStation(id: string): Promise<PncStation> {
  const pncReceived: PncStation['pncReceived'] = [];
  const chains: PncStation['chains'] = [];
  const later = (run: () => Promise<unknown>) => setTimeout(() => void run().catch(() => undefined), 10);
  const station: SimulatedStation = await bootedStation(anode, id, {
    handlers: {
      DataTransfer: (params) => {
        if (params.vendorId !== PNC) return { status: 'UnknownVendorId' };
        const payload = JSON.parse(String(params.data)) as Record<string, unknown>;
        pncReceived.push({ messageId: String(params.messageId), payload });
        if (params.messageId === 'CertificateSigned') {
          chains.push({ via: 'DataTransfer', certificateChain: String(payload.certificateChain), certificateType: payload.certificateType as string | undefined });
          return { status: 'Accepted', data: JSON.stringify({ status: 'Accepted' }) };
        }
        if (params.messageId === 'TriggerMessage' && payload.requestedMessage === 'SignV2GCertificate') {
          later(() => pnc(station, 'SignCertificate', { csr: openssl.csr(`/CN=${id}`).csr }));
          return { status: 'Accepted', data: JSON.stringify({ status: 'Accepted' }) };
        }
        return { status: 'UnknownMessageId' };
      },
      ExtendedTriggerMessage: (params) => {
        if (params.requestedMessage !== 'SignChargePointCertificate') return { status: 'NotImplemented' };
        later(() => station.call('SignCertificate', { csr: openssl.csr(`/CN=${id}`).csr }));
        return { status: 'Accepted' };
      },
      CertificateSigned: (params) => {
        chains.push({ via: 'CertificateSigned', certificateChain: String(params.certificateChain) });
        return { status: 'Accepted' };
      },
    },
  });
  return Object.assign(station, { pncReceived, chains });
}

const keptDataTransfers = async (csId: string) =>
  (await anode.admin.GET('/cs/{csId}/events', { params: { path: { csId }, query: { action: 'DataTransfer' } } })).data!.map((event) => event.payload);

async function installedSignings(csId: string, count: number) {
  return eventually(async () => {
    const signings = (await anode.admin.GET('/cs/{csId}/certificate-signings', { params: { path: { csId } } })).data!;
    if (signings.length < count || signings.some((signing) => signing.status !== 'Installed')) throw new Error(`not installed yet: ${JSON.stringify(signings.map((s) => s.status))}`);
    return signings;
  }, 10_000);
}

const stations: SimulatedStation[] = [];
beforeAll(async () => {
  anode = await startIsolatedAnode();
  roots = (await anode.admin.GET('/pki/roots', {})).data!;
  await anode.admin.POST('/token', {
    body: { countryCode: 'NL', partyId: 'EMS', type: 'RFID', uid: 'NLEMSC0000001A', contractId: 'NL-EMS-C0000001A', issuer: 'EMS', valid: true, cacheMode: 'ALWAYS' },
  });
});
afterAll(async () => {
  await Promise.all(stations.map((station) => station.close()));
  await anode?.stop();
  openssl.remove();
});

async function station(id: string): Promise<PncStation> {
  const made = await pncStation(id);
  stations.push(made);
  return made;
}

describe('Authorize over DataTransfer (C07): the token and, when the car shows one, its contract certificate', () => {
  it('an eMAID the token store knows is Accepted, one it does not know Unknown; without certificate data no certificateStatus', async () => {
    const cs = await station('PNC-AUTH');
    const known = inner('Authorize', await pnc(cs, 'Authorize', { idToken: { idToken: 'NLEMSC0000001A', type: 'eMAID' } }));
    expect(known).toEqual({ idTokenInfo: { status: 'Accepted' } });
    const unknown = inner('Authorize', await pnc(cs, 'Authorize', { idToken: { idToken: 'NLEMSC9999999Z', type: 'eMAID' } }));
    expect(unknown).toEqual({ idTokenInfo: { status: 'Unknown' } });
  });

  it('with the hash data of the contract chain the answer has a certificateStatus, and a contract whose certificate is not Accepted is not authorized', async () => {
    const cs = await station('PNC-AUTH-CERT');
    const hashData = { hashAlgorithm: 'SHA256', issuerNameHash: 'a1'.repeat(32), issuerKeyHash: 'b2'.repeat(32), serialNumber: '1f', responderURL: 'http://127.0.0.1:1/ocsp' };
    const answer = inner('Authorize', await pnc(cs, 'Authorize', { idToken: { idToken: 'NLEMSC0000001A', type: 'eMAID' }, iso15118CertificateHashData: [hashData] }));
    expect(answer.certificateStatus).toEqual(expect.any(String));
    expect((answer.idTokenInfo as { status: string }).status).toBe(answer.certificateStatus === 'Accepted' ? 'Accepted' : 'Invalid');
  });
});

describe('SignCertificate over DataTransfer (A02 for the V2G certificate): CSR → signed chain back in a CertificateSigned DataTransfer', () => {
  it('a CSR with CN = station id is Accepted, signed by the V2G CA, delivered over DataTransfer and installed', async () => {
    const cs = await station('PNC-SIGN');
    const key = openssl.csr('/CN=PNC-SIGN');
    expect(inner('SignCertificate', await pnc(cs, 'SignCertificate', { csr: key.csr }))).toEqual({ status: 'Accepted' });

    const [signing] = await installedSignings('PNC-SIGN', 1);
    expect(signing).toMatchObject({ certificateType: 'V2GCertificate', channel: 'ocpp1.6-pnc', status: 'Installed' });
    expect(cs.received.map((call) => call.action)).not.toContain('CertificateSigned');
    const [delivered] = cs.chains;
    expect(delivered).toMatchObject({ via: 'DataTransfer', certificateType: 'V2GCertificate' });
    expect(() => schemas201.validate('urn:CertificateSigned.req', cs.pncReceived.find((m) => m.messageId === 'CertificateSigned')!.payload)).not.toThrow();
    expect(openssl.verify(roots.v2g, delivered.certificateChain)).toMatch(/: OK$/);
    expect(openssl.leafField(delivered.certificateChain, '-subject')).toContain('CN = PNC-SIGN');
    expect(openssl.leafField(delivered.certificateChain, '-pubkey')).toBe(openssl.publicKeyOf(key.keyPath));
  });

  it('a CSR for another station is Rejected inside an Accepted DataTransfer, with the reason in statusInfo', async () => {
    const cs = await station('PNC-SIGN-BAD');
    const answer = inner('SignCertificate', await pnc(cs, 'SignCertificate', { csr: openssl.csr('/CN=SOMEONE-ELSE').csr, certificateType: 'V2GCertificate' }));
    expect(answer).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidCSR', additionalInfo: expect.stringContaining('SOMEONE-ELSE') } });
  });
});

describe('Get15118EVCertificate over DataTransfer (M01/M02): forwarded to the contract-certificate provider', () => {
  it('without a provider configured the station hears Failed with the reason, in a valid Get15118EVCertificateResponse', async () => {
    const cs = await station('PNC-EVCERT');
    const answer = inner('Get15118EVCertificate', await pnc(cs, 'Get15118EVCertificate', { iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef', action: 'Install', exiRequest: 'gAAQ' }));
    expect(answer).toMatchObject({ status: 'Failed', exiResponse: '', statusInfo: { reasonCode: expect.any(String), additionalInfo: expect.any(String) } });
  });
});

describe('GetCertificateStatus over DataTransfer (M06): the OCSP status of a certificate', () => {
  it('a responder that cannot be reached gives Failed with the reason, never an Accepted without ocspResult', async () => {
    const cs = await station('PNC-OCSP');
    const ocspRequestData = { hashAlgorithm: 'SHA256', issuerNameHash: 'a1'.repeat(32), issuerKeyHash: 'b2'.repeat(32), serialNumber: '2a', responderURL: 'http://127.0.0.1:1/ocsp' };
    const answer = inner('GetCertificateStatus', await pnc(cs, 'GetCertificateStatus', { ocspRequestData }));
    expect(answer).toMatchObject({ status: 'Failed', statusInfo: { reasonCode: expect.any(String) } });
    expect(answer).not.toHaveProperty('ocspResult');
  });
});

describe('envelopes that cannot be handled: a DataTransfer status, never a CALLERROR, and the reason kept', () => {
  it('data that is not JSON, is missing, or breaks the 2.0.1 schema is Rejected; a messageId the note does not send from a station is UnknownMessageId', async () => {
    const cs = await station('PNC-BAD');
    expect(await pnc(cs, 'Authorize', '{"idToken": ')).toEqual({ status: 'Rejected' });
    expect(await pnc(cs, 'Authorize', undefined)).toEqual({ status: 'Rejected' });
    expect(await pnc(cs, 'Authorize', { idToken: { idToken: 'NLEMSC0000001A' } })).toEqual({ status: 'Rejected' });
    expect(await pnc(cs, 'SignCertificate', { csr: 'x'.repeat(5501) })).toEqual({ status: 'Rejected' });
    expect(await pnc(cs, 'Authorize', { idToken: { idToken: 'NUL\u0000', type: 'eMAID' } })).toEqual({ status: 'Rejected' });
    expect(await pnc(cs, 'CertificateSigned', { certificateChain: 'x' })).toEqual({ status: 'UnknownMessageId' });
    expect(await pnc(cs, 'Heartbeat', {})).toEqual({ status: 'UnknownMessageId' });
    expect(await cs.call('Heartbeat', {})).toHaveProperty('currentTime');

    const reasons = (await keptDataTransfers('PNC-BAD')).reverse().map((event) => event.answer as { status: string; reason?: string });
    expect(reasons).toEqual([
      { status: 'Rejected', reason: expect.stringContaining('not JSON') },
      { status: 'Rejected', reason: expect.stringContaining('JSON text') },
      { status: 'Rejected', reason: expect.stringMatching(/AuthorizeRequest.*type/) },
      { status: 'Rejected', reason: expect.stringMatching(/SignCertificateRequest.*5500/) },
      { status: 'Rejected', reason: expect.stringContaining('NUL') },
      { status: 'UnknownMessageId', reason: expect.stringContaining('CertificateSigned') },
      { status: 'UnknownMessageId', reason: expect.stringContaining('Heartbeat') },
    ]);
  });

  it('a refused CSR is kept as a signing, like one refused on 2.0.1', async () => {
    const signings = (await anode.admin.GET('/cs/{csId}/certificate-signings', { params: { path: { csId: 'PNC-SIGN-BAD' } } })).data!;
    expect(signings).toMatchObject([{ certificateType: 'V2GCertificate', channel: 'ocpp1.6-pnc', status: 'Rejected', reason: expect.stringContaining('SOMEONE-ELSE') }]);
  });
});

describe("the operator's certificate triggers on 1.6 (POST /cs/{csId}/trigger), end to end", () => {
  async function triggered(csId: string, trigger: 'SignV2GCertificate' | 'SignCombinedCertificate' | 'SignChargingStationCertificate') {
    const { data: request } = await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId } }, body: { trigger } });
    return eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/requests/{requestId}', { params: { path: { csId, requestId: request!.id } } });
      const certificates = (data!.outcome?.certificates ?? {}) as Record<string, { status: string }>;
      const wanted = trigger === 'SignCombinedCertificate' ? ['ChargingStationCertificate', 'V2GCertificate'] : [trigger === 'SignV2GCertificate' ? 'V2GCertificate' : 'ChargingStationCertificate'];
      if (!wanted.every((type) => certificates[type]?.status === 'Installed')) throw new Error(`not installed yet: ${JSON.stringify(data)}`);
      return data!;
    }, 10_000);
  }

  it('SignV2GCertificate goes as a PnC TriggerMessage; the CSR it brings is signed, delivered over DataTransfer and installed', async () => {
    const cs = await station('PNC-TRIG-V2G');
    const request = await triggered('PNC-TRIG-V2G', 'SignV2GCertificate');
    expect(request).toMatchObject({ status: 'Accepted', outcome: { trigger: 'Accepted', certificates: { V2GCertificate: { status: 'Installed' } } } });
    expect(cs.pncReceived[0]).toEqual({ messageId: 'TriggerMessage', payload: { requestedMessage: 'SignV2GCertificate' } });
    expect(cs.received.map((call) => call.action)).not.toContain('ExtendedTriggerMessage');
    const [chain] = cs.chains;
    expect(chain.via).toBe('DataTransfer');
    expect(openssl.verify(roots.v2g, chain.certificateChain)).toMatch(/: OK$/);
  });

  it('SignCombinedCertificate asks for both: the station certificate through ExtendedTriggerMessage, the V2G one through the PnC TriggerMessage', async () => {
    const cs = await station('PNC-TRIG-BOTH');
    const request = await triggered('PNC-TRIG-BOTH', 'SignCombinedCertificate');
    expect(request).toMatchObject({
      status: 'Accepted',
      outcome: { trigger: 'Accepted', certificates: { ChargingStationCertificate: { status: 'Installed' }, V2GCertificate: { status: 'Installed' } } },
    });
    expect(cs.received.find((call) => call.action === 'ExtendedTriggerMessage')?.params).toEqual({ requestedMessage: 'SignChargePointCertificate' });
    expect(cs.pncReceived.find((m) => m.messageId === 'TriggerMessage')?.payload).toEqual({ requestedMessage: 'SignV2GCertificate' });
    const byWay = Object.fromEntries(cs.chains.map((chain) => [chain.via, chain.certificateChain]));
    expect(openssl.verify(roots.csms, byWay.CertificateSigned)).toMatch(/: OK$/);
    expect(openssl.verify(roots.v2g, byWay.DataTransfer)).toMatch(/: OK$/);
    const signings = await installedSignings('PNC-TRIG-BOTH', 2);
    expect(signings.map((signing) => [signing.certificateType, signing.channel]).sort()).toEqual([
      ['ChargingStationCertificate', 'ocpp1.6'],
      ['V2GCertificate', 'ocpp1.6-pnc'],
    ]);
  });

  it('SignChargingStationCertificate stays an ExtendedTriggerMessage (the security extension), no DataTransfer', async () => {
    const cs = await station('PNC-TRIG-CS');
    const request = await triggered('PNC-TRIG-CS', 'SignChargingStationCertificate');
    expect(request).toMatchObject({ status: 'Accepted', outcome: { certificates: { ChargingStationCertificate: { status: 'Installed' } } } });
    expect(cs.pncReceived).toEqual([]);
  });

  it('a combined trigger the station takes only half of is Rejected, its answer naming which half', async () => {
    const cs = await bootedStation(anode, 'PNC-TRIG-HALF', {
      handlers: {
        ExtendedTriggerMessage: () => ({ status: 'Accepted' }),
        DataTransfer: () => ({ status: 'Accepted', data: JSON.stringify({ status: 'Rejected' }) }),
      },
    });
    stations.push(cs);
    const { data: request } = await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: 'PNC-TRIG-HALF' } }, body: { trigger: 'SignCombinedCertificate' } });
    const settled = await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/requests/{requestId}', { params: { path: { csId: 'PNC-TRIG-HALF', requestId: request!.id } } });
      if (data!.status !== 'Rejected') throw new Error(`not settled yet: ${data!.status}`);
      return data!;
    });
    expect(settled.outcome).toEqual({ trigger: 'SignChargePointCertificate Accepted, SignV2GCertificate Rejected' });
  });

  it('a station that does not take the PnC TriggerMessage leaves the trigger Failed with the reason', async () => {
    const cs = await bootedStation(anode, 'PNC-TRIG-NONE', { handlers: { DataTransfer: () => ({ status: 'UnknownVendorId' }) } });
    stations.push(cs);
    const { data: request } = await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: 'PNC-TRIG-NONE' } }, body: { trigger: 'SignV2GCertificate' } });
    const settled = await eventually(async () => {
      const { data } = await anode.admin.GET('/cs/{csId}/requests/{requestId}', { params: { path: { csId: 'PNC-TRIG-NONE', requestId: request!.id } } });
      if (data!.status !== 'Failed') throw new Error(`not settled yet: ${data!.status}`);
      return data!;
    });
    expect(settled.outcome).toMatchObject({ error: expect.stringContaining('UnknownVendorId') });
  });
});
