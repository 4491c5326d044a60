/** The OCSP checks Anode made for a charge station (GetCertificateStatus, contract certificates at Authorize). */
import type { Domain } from '../../domain/index.js';
import type { CertificateStatusCheck } from '../../domain/pki/ocsp.js';
import { iso, type AdminHandlers, type Schemas } from './shared.js';

export function certificateStatusCheckView(row: CertificateStatusCheck): Schemas['CertificateStatusCheck'] {
  return {
    id: row.id,
    chargeStationId: row.stationId ?? '',
    hashAlgorithm: row.hashAlgorithm,
    issuerNameHash: row.issuerNameHash,
    issuerKeyHash: row.issuerKeyHash,
    serialNumber: row.serialNumber,
    responderUrl: row.responderUrl,
    status: row.status as Schemas['CertificateStatusCheck']['status'],
    error: row.error,
    cached: row.cached,
    thisUpdate: iso(row.thisUpdate),
    nextUpdate: iso(row.nextUpdate),
    checkedAt: row.checkedAt.toISOString(),
  };
}

export function ocspHandlers({ stations, pki }: Pick<Domain, 'stations' | 'pki'>): AdminHandlers<'listCertificateStatusChecks'> {
  return {
    listCertificateStatusChecks: async ({ path }) => {
      await stations.assertRegistered(path.csId);
      return { status: 200, body: (await pki.ocsp.history(path.csId)).map(certificateStatusCheckView) };
    },
  };
}
