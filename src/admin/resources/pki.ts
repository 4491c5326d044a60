/** Anode's certificate authority: its roots, the certificates it signed for a station, and a station's inventory. */
import type { Domain } from '../../domain/index.js';
import type { CertificateSigning } from '../../domain/pki/signings.js';
import type { StationCertificate } from '../../domain/pki/inventory.js';
import { iso, type AdminHandlers, type Schemas } from './shared.js';

export function signingView(row: CertificateSigning): Schemas['CertificateSigning'] {
  return {
    id: row.id,
    chargeStationId: row.stationId,
    certificateType: row.certificateType as Schemas['CertificateSigning']['certificateType'],
    channel: row.channel as Schemas['CertificateSigning']['channel'],
    status: row.status,
    reason: row.reason,
    signer: row.signer,
    certificateChain: row.certificateChain,
    serialNumber: row.serialNumber,
    validTo: iso(row.validTo),
    stationRequestId: row.stationRequestId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function stationCertificateView(row: StationCertificate): Schemas['StationCertificate'] {
  return {
    id: row.id,
    chargeStationId: row.stationId,
    certificateType: row.certificateType,
    hashAlgorithm: row.hashAlgorithm,
    issuerNameHash: row.issuerNameHash,
    issuerKeyHash: row.issuerKeyHash,
    serialNumber: row.serialNumber,
    source: row.source as Schemas['StationCertificate']['source'],
    pem: row.pem,
    subject: row.subject,
    validTo: iso(row.validTo),
    children: (row.children as Schemas['StationCertificate']['children']) ?? null,
    renewalRequestedAt: iso(row.renewalRequestedAt),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function pkiHandlers({ stations, pki }: Pick<Domain, 'stations' | 'pki'>): AdminHandlers<'getCertificateAuthorityRoots' | 'listCertificateSignings' | 'listStationCertificates'> {
  return {
    getCertificateAuthorityRoots: async () => ({ status: 200, body: pki.authority.roots() }),
    listCertificateSignings: async ({ path }) => {
      await stations.assertRegistered(path.csId);
      return { status: 200, body: (await pki.signings.list(path.csId)).map(signingView) };
    },
    listStationCertificates: async ({ path, query }) => {
      await stations.assertRegistered(path.csId);
      return { status: 200, body: (await pki.inventory.list(path.csId, query.certificateType)).map(stationCertificateView) };
    },
  };
}
