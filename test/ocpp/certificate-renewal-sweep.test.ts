/**
 * Automatic renewal: certificates Anode issued are renewed before they expire, by a sweep that asks the station for a
 * new CSR (a trigger, delivered as a stored request), and the renewed certificate shows in the inventory next to
 * the one it replaces. Anode issues certificates for 1 day and renews them 2 days before expiry, so every certificate
 * it issues is due at once: the renewed one must still not be renewed again (no loop), since the station was just
 * asked for that type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { OpensslWorkbench } from '../support/openssl-csr.js';
import { bootedStation, eventually, type SimulatedStation } from '../support/stations.js';

const CS = 'RENEW-201';
const TYPES = ['ChargingStationCertificate', 'V2GCertificate'] as const;
const TRIGGER_OF = { SignChargingStationCertificate: 'ChargingStationCertificate', SignV2GCertificate: 'V2GCertificate' } as const;
const openssl = new OpensslWorkbench();
let anode: TestAnode;
let station: SimulatedStation;
const path = { params: { path: { csId: CS } } };

/** The station sends a CSR of a new key, as a station does when it makes or renews a certificate. */
async function sendCsr(certificateType: (typeof TYPES)[number]): Promise<void> {
  const answer = await station.call('SignCertificate', { csr: openssl.csr(`/CN=${CS}`).csr, certificateType });
  if (answer.status !== 'Accepted') throw new Error(`the CSR was not accepted: ${JSON.stringify(answer)}`);
}

const signings = async () => (await anode.admin.GET('/cs/{csId}/certificate-signings', path)).data!;
const inventory = async () => (await anode.admin.GET('/cs/{csId}/installed-certificates', path)).data!;
const triggers = () => station.received.filter((call) => call.action === 'TriggerMessage');

beforeAll(async () => {
  anode = await startIsolatedAnode({ PKI_CERTIFICATE_DAYS: '1', PKI_RENEW_BEFORE_DAYS: '2', PKI_RENEW_SWEEP_SECONDS: '1' });
  station = await bootedStation(anode, CS, {
    version: 'ocpp2.0.1',
    handlers: {
      CertificateSigned: () => ({ status: 'Accepted' }),
      TriggerMessage: (params) => {
        const certificateType = TRIGGER_OF[params.requestedMessage as keyof typeof TRIGGER_OF];
        if (!certificateType) return { status: 'NotImplemented' };
        // The CSR follows the answer, as a station sends it.
        setTimeout(() => void sendCsr(certificateType).catch(() => undefined), 10);
        return { status: 'Accepted' };
      },
    },
  });
});
afterAll(async () => {
  await station?.close();
  await anode?.stop();
  openssl.remove();
});

describe('renewal of the certificates Anode issued', () => {
  it('a certificate within PKI_RENEW_BEFORE_DAYS of expiry is renewed: the station is asked, and the new one is installed next to the old', async () => {
    for (const type of TYPES) await sendCsr(type);
    // The first certificates are installed; the sweep asks for their renewal by itself; the renewed ones are installed.
    const done = await eventually(async () => {
      const installed = (await signings()).filter((signing) => signing.status === 'Installed');
      if (installed.length < 4) throw new Error(`${installed.length} of 4 certificates installed`);
      return installed;
    }, 20_000);
    expect(triggers().map((call) => call.params.requestedMessage).sort()).toEqual(['SignChargingStationCertificate', 'SignV2GCertificate']);
    // The renewals answered the sweep's triggers: each newest signing is linked to a trigger request.
    for (const type of TYPES) {
      const [renewed, first] = done.filter((signing) => signing.certificateType === type);
      expect(first.stationRequestId).toBeNull();
      expect(renewed.stationRequestId).not.toBeNull();
      const { data: request } = await anode.admin.GET('/cs/{csId}/requests/{requestId}', { params: { path: { csId: CS, requestId: renewed.stationRequestId! } } });
      expect(request).toMatchObject({ kind: 'trigger', payload: { trigger: type === 'V2GCertificate' ? 'SignV2GCertificate' : 'SignChargingStationCertificate' } });
    }

    const rows = await inventory();
    for (const type of TYPES) {
      // Oldest first. X.509 dates have whole seconds, so a renewal within the same second ties on validTo: the row
      // stored first is the older one.
      const ofType = rows.filter((row) => row.certificateType === type).sort((a, b) => a.validTo!.localeCompare(b.validTo!) || a.id - b.id);
      expect(ofType).toHaveLength(2);
      const [old, renewed] = ofType;
      expect(old).toMatchObject({ source: 'Issued' });
      expect(renewed).toMatchObject({ source: 'Issued', renewalRequestedAt: null });
      expect(old.renewalRequestedAt).not.toBeNull();
      expect(renewed.serialNumber).not.toBe(old.serialNumber);
    }
  });

  it('the renewed certificate, though also within the window, is not renewed again: a station is asked once per window for each type', async () => {
    const asked = triggers().length;
    // The sweep runs every second: three runs at least.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(triggers()).toHaveLength(asked);
    const rows = await inventory();
    expect(rows.filter((row) => row.renewalRequestedAt === null)).toHaveLength(2);
    expect((await signings()).filter((signing) => signing.status === 'Installed')).toHaveLength(4);
  });
});
