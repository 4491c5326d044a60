/** OCSP (RFC 6960): is a certificate, named by its hash data, good, revoked or unknown to its responder? */
import type { Database } from '../../db/client.js';
import type { CertificateHashData } from './hash-data.js';

export interface OcspRequestData extends CertificateHashData {
  responderURL: string;
}

/** Failed: no usable answer (unreachable responder, malformed answer, timeout). */
export type CertificateStatus = 'Good' | 'Revoked' | 'Unknown' | 'Failed';

export interface OcspAnswer {
  status: CertificateStatus;
  /** the responder's OCSPResponse, base64 DER, as GetCertificateStatus hands it to the station */
  ocspResult?: string;
  error?: string;
  nextUpdate?: Date;
}

export interface OcspSettings {
  timeoutMs: number;
  maxCacheSeconds: number;
}

export class OcspChecker {
  constructor(
    private readonly db: Database,
    private readonly settings: OcspSettings,
  ) {}

  async check(_stationId: string | null, _data: OcspRequestData): Promise<OcspAnswer> {
    void this.db;
    void this.settings;
    return { status: 'Failed', error: 'OCSP is not built yet' };
  }
}
