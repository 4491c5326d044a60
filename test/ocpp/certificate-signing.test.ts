/**
 * Anode's certificate authority signing stations' CSRs (A02/A03 on OCPP 2.0.1, the 1.6 security extension), with keys
 * and CSRs made by openssl as a station maker's tooling would, and the issued chains checked by `openssl verify`
 * against the roots Anode hands out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startIsolatedAnode, startTestAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { bootedStation, eventually, type OcppVersion, type SimulatedStation } from '../support/stations.js';

const openssl = new OpensslWorkbench();
let anode: TestAnode;
let roots: { csms: string; v2g: string };

/** A booted station that keeps every CertificateSigned it is sent, and answers its triggers. */
async function certificateStation(id: string, version: OcppVersion): Promise<SimulatedStation & { chains: string[] }> {
  const chains: string[] = [];
  const station = await bootedStation(anode, id, {
    version,
    handlers: {
      CertificateSigned: (params) => {
        chains.push(String(params.certificateChain));
        return { status: 'Accepted' };
      },
      TriggerMessage: () => ({ status: 'Accepted' }),
      ExtendedTriggerMessage: () => ({ status: 'Accepted' }),
    },
  });
  return Object.assign(station, { chains });
}

const signings = async (csId: string) => (await anode.admin.GET('/cs/{csId}/certificate-signings', { params: { path: { csId } } })).data!;

async function installedChain(station: { chains: string[] }, count: number): Promise<string> {
  return eventually(async () => {
    if (station.chains.length < count) throw new Error(`the station has ${station.chains.length} chains, waiting for ${count}`);
    return station.chains[count - 1];
  });
}

beforeAll(async () => {
  anode = await startIsolatedAnode();
  roots = (await anode.admin.GET('/pki/roots', {})).data!;
});
afterAll(async () => {
  await anode?.stop();
  openssl.remove();
});

describe("the roots operators hand to station makers (GET /pki/roots)", () => {
  it('are self-signed CA certificates, and no private key is served', async () => {
    for (const root of [roots.csms, roots.v2g]) {
      expect(root).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(root).not.toMatch(/PRIVATE KEY/);
      expect(openssl.verify(root, root)).toMatch(/OK$/);
    }
  });
});

describe.each<[OcppVersion, string]>([
  ['ocpp2.0.1', 'SIGN-201'],
  ['ocpp1.6', 'SIGN-16'],
])('A02/A03 a station certificate signed for a %s station', (version, id) => {
  let station: SimulatedStation & { chains: string[] };
  beforeAll(async () => {
    station = await certificateStation(id, version);
  });
  afterAll(async () => station?.close());

  const sign = (csr: string) =>
    station.call('SignCertificate', version === 'ocpp2.0.1' ? { csr, certificateType: 'ChargingStationCertificate' } : { csr });

  it.each([['ec-p256'], ['ec-p384'], ['rsa-2048']] as const)('a CSR over %s is Accepted, then CertificateSigned brings a chain that verifies against the CSMS root', async (kind) => {
    const key = openssl.csr(`/CN=${id}/O=Anode Test`, kind);
    const before = station.chains.length;
    expect(await sign(key.csr)).toEqual({ status: 'Accepted' });
    const chain = await installedChain(station, before + 1);
    expect(openssl.verify(roots.csms, chain)).toMatch(/: OK$/);
    expect(openssl.leafField(chain, '-subject')).toContain(`CN = ${id}`);
    expect(openssl.leafField(chain, '-pubkey')).toBe(openssl.publicKeyOf(key.keyPath));
    expect(openssl.leafField(chain, '-ext', 'extendedKeyUsage')).toContain('TLS Web Client Authentication');
    const [latest] = await eventually(async () => {
      const rows = await signings(id);
      if (rows[0]?.status !== 'Installed') throw new Error(`signing is ${rows[0]?.status}`);
      return rows;
    });
    expect(latest).toMatchObject({ certificateType: 'ChargingStationCertificate', channel: version === 'ocpp2.0.1' ? 'ocpp2.0.1' : 'ocpp1.6', signer: 'local', reason: null });
    const inventory = (await anode.admin.GET('/cs/{csId}/installed-certificates', { params: { path: { csId: id } } })).data!;
    expect(inventory.find((entry) => entry.serialNumber === latest.serialNumber!.replace(/^0+/, ''))).toMatchObject({ source: 'Issued', certificateType: 'ChargingStationCertificate' });
  });

  it.each([
    ['a CSR for another station', () => openssl.csr('/CN=SOMEONE-ELSE').csr, /CN is "SOMEONE-ELSE", not the station id/],
    ['an RSA key of 1024 bits', () => openssl.csr(`/CN=${id}`, 'rsa-1024').csr, /1024 bits; at least 2048/],
    ['an EC key on P-521', () => openssl.csr(`/CN=${id}`, 'ec-p521').csr, /secp521r1; P-256 or P-384/],
    ['a CSR whose signature does not verify', () => openssl.tampered(openssl.csr(`/CN=${id}`).csr), /signature does not verify/],
    ['text that is no CSR', () => 'not a certificate request', /not a (PEM or base64|valid) PKCS#10/],
  ])('%s is Rejected, no certificate follows, and a security event is kept', async (_what, make, reason) => {
    const before = station.chains.length;
    const answer = await sign(make());
    expect(answer.status).toBe('Rejected');
    if (version === 'ocpp2.0.1') expect(answer.statusInfo).toMatchObject({ reasonCode: 'InvalidCSR', additionalInfo: expect.stringMatching(reason) });
    const [latest] = await signings(id);
    expect(latest).toMatchObject({ status: 'Rejected', reason: expect.stringMatching(reason), certificateChain: null });
    const events = (await anode.admin.GET('/cs/{csId}/events', { params: { path: { csId: id }, query: { action: 'SecurityEvent' } } })).data!;
    expect(events[0].payload).toMatchObject({ type: 'InvalidCsr', signingId: latest.id });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(station.chains.length).toBe(before);
  });
});

describe('A02 the operator triggers a new certificate (OCPP 2.0.1 TriggerMessage)', () => {
  it.each([
    ['SignChargingStationCertificate', ['ChargingStationCertificate']],
    ['SignV2GCertificate', ['V2GCertificate']],
    ['SignCombinedCertificate', ['ChargingStationCertificate', 'V2GCertificate']],
  ] as const)('%s: trigger → CSR → signed → installed, each step in the request outcome', async (trigger, types) => {
    const id = `TRIG-${trigger.length}-${types.length}`;
    const station = await certificateStation(id, 'ocpp2.0.1');
    try {
      const { data: request } = await anode.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: id } }, body: { trigger } });
      await eventually(async () => {
        if (!station.received.some((call) => call.action === 'TriggerMessage')) throw new Error('no TriggerMessage yet');
      });
      expect(station.received.find((call) => call.action === 'TriggerMessage')!.params).toEqual({ requestedMessage: trigger });
      for (const certificateType of types) {
        const csr = openssl.csr(`/CN=${id}`).csr;
        expect(await station.call('SignCertificate', { csr, certificateType })).toEqual({ status: 'Accepted' });
      }
      const chains = await eventually(async () => {
        if (station.chains.length < types.length) throw new Error('waiting for CertificateSigned');
        return station.chains;
      });
      const outcome = await eventually(async () => {
        const { data } = await anode.admin.GET('/cs/{csId}/requests/{requestId}', { params: { path: { csId: id, requestId: request!.id } } });
        const certificates = (data!.outcome ?? {}).certificates as Record<string, { status: string }> | undefined;
        if (!types.every((type) => certificates?.[type]?.status === 'Installed')) throw new Error(`outcome ${JSON.stringify(data!.outcome)}`);
        return data!.outcome!;
      });
      expect(outcome).toMatchObject({ trigger: 'Accepted' });
      const v2gChain = types.includes('V2GCertificate' as never) ? chains[types.indexOf('V2GCertificate' as never)] : undefined;
      if (v2gChain) {
        expect(openssl.verify(roots.v2g, v2gChain)).toMatch(/: OK$/);
        expect(openssl.leafField(v2gChain, '-ext', 'extendedKeyUsage')).toContain('TLS Web Server Authentication');
        expect(v2gChain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
      }
    } finally {
      await station.close();
    }
  });
});

describe("an SECC certificate's CN is the station id or one of its EVSE ids (ISO 15118-2)", () => {
  it('a V2G CSR for the EVSE id, with or without its separators, is signed; one for another EVSE is Rejected', async () => {
    const id = 'SECC-1';
    const station = await certificateStation(id, 'ocpp2.0.1');
    try {
      const { response } = await anode.admin.POST('/location/{locationId}', {
        params: { path: { locationId: 'LOC-SECC' } },
        body: {
          name: 'SECC',
          address: 'Straat 1',
          city: 'Gent',
          postal_code: '9000',
          country: 'BEL',
          coordinates: { latitude: '51.047599', longitude: '3.729944' },
          evses: [{ uid: 'SECC-1-1', evse_id: 'NL*ANO*E0001', station_id: id, ocpp_evse_id: 1, connectors: [{ id: '1', standard: 'IEC_62196_T2_COMBO', format: 'CABLE', power_type: 'DC', max_voltage: 920, max_amperage: 200 }] }],
        },
      });
      expect(response.status).toBe(201);
      for (const cn of ['NL*ANO*E0001', 'NLANOE0001']) {
        expect(await station.call('SignCertificate', { csr: openssl.csr(`/CN=${cn}/DC=CPO`).csr, certificateType: 'V2GCertificate' })).toEqual({ status: 'Accepted' });
      }
      const refused = await station.call<{ status: string; statusInfo: { additionalInfo: string } }>('SignCertificate', {
        csr: openssl.csr('/CN=NL*ANO*E9999').csr,
        certificateType: 'V2GCertificate',
      });
      expect(refused.status).toBe('Rejected');
      expect(refused.statusInfo.additionalInfo).toMatch(/not the station id "SECC-1" or one of its EVSE ids/);
      await installedChain(station, 2);
      expect(station.chains.map((chain) => openssl.leafField(chain, '-subject')).sort()).toEqual(['subject=CN = NL*ANO*E0001, DC = CPO', 'subject=CN = NLANOE0001, DC = CPO']);
    } finally {
      await station.close();
    }
  });
});

describe('CertificateSigned reaches a station that was away', () => {
  it('a station that goes away before answering CertificateSigned gets the chain when it is back', async () => {
    const id = 'SIGN-AWAY';
    let first: SimulatedStation | undefined;
    first = await bootedStation(anode, id, {
      version: 'ocpp2.0.1',
      handlers: {
        // The connection drops while CertificateSigned is on its way: no answer ever comes.
        CertificateSigned: () => new Promise(() => void first!.close()),
      },
    });
    expect(await first.call('SignCertificate', { csr: openssl.csr(`/CN=${id}`).csr })).toEqual({ status: 'Accepted' });
    await eventually(async () => {
      if (!first!.received.some((call) => call.action === 'CertificateSigned')) throw new Error('not sent yet');
    });
    const [kept] = await signings(id);
    expect(kept.status).toBe('Signed');
    const back = await certificateStation(id, 'ocpp2.0.1');
    try {
      expect(openssl.verify(roots.csms, await installedChain(back, 1))).toMatch(/: OK$/);
      await eventually(async () => {
        const [latest] = await signings(id);
        if (latest.status !== 'Installed') throw new Error(`signing is ${latest.status}`);
      });
    } finally {
      await back.close();
    }
  });
});

describe("the CA: the operator's own from files, or Anode's own kept across restarts", () => {
  it("signs with the operator's CA from PKI_CSMS_CA_CERT / PKI_CSMS_CA_KEY and requires PKI_ORGANIZATION's O", { timeout: 60_000 }, async () => {
    openssl.run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'own-ca.key', '-out', 'own-ca.pem', '-days', '30', '-subj', '/CN=Operator CA/O=Operator']);
    const own = await startIsolatedAnode({ PKI_CSMS_CA_CERT: `${openssl.dir}/own-ca.pem`, PKI_CSMS_CA_KEY: `${openssl.dir}/own-ca.key`, PKI_ORGANIZATION: 'Operator' });
    const chains: string[] = [];
    const station = await bootedStation(own, 'OWN-CA', {
      version: 'ocpp2.0.1',
      handlers: { CertificateSigned: (params) => (chains.push(String(params.certificateChain)), { status: 'Accepted' }) },
    });
    try {
      const ownRoot = (await own.admin.GET('/pki/roots', {})).data!.csms;
      expect(ownRoot.replace(/\s+/g, '')).toBe(openssl.run(['x509', '-in', 'own-ca.pem']).replace(/\s+/g, ''));
      expect((await station.call('SignCertificate', { csr: openssl.csr('/CN=OWN-CA/O=Someone Else').csr })).status).toBe('Rejected');
      expect(await station.call('SignCertificate', { csr: openssl.csr('/CN=OWN-CA/O=Operator').csr })).toEqual({ status: 'Accepted' });
      const chain = await eventually(async () => chains[0] ?? Promise.reject(new Error('no chain yet')));
      expect(openssl.verify(openssl.run(['x509', '-in', 'own-ca.pem']), chain)).toMatch(/: OK$/);
    } finally {
      await station.close();
      await own.stop();
    }
  });

  it("keeps its own CA across restarts, and refuses to start with another key secret (the key is sealed with it)", { timeout: 120_000 }, async () => {
    const database = await createTestDatabase({ persistent: true });
    try {
      const first = await startTestAnode(database, { PKI_KEY_SECRET: 'the-first-secret-of-this-test' });
      const before = (await first.admin.GET('/pki/roots', {})).data!;
      await first.stop();
      const second = await startTestAnode(database, { PKI_KEY_SECRET: 'the-first-secret-of-this-test' });
      expect((await second.admin.GET('/pki/roots', {})).data).toEqual(before);
      await second.stop();
      await expect(startTestAnode(database, { PKI_KEY_SECRET: 'another-secret-entirely' })).rejects.toThrow(/cannot be decrypted/);
    } finally {
      await database.drop();
    }
  });
});
