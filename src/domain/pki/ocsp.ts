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

/** What Authorize answers of an ISO 15118 contract certificate (OCPP's AuthorizeCertificateStatusEnumType). */
export type ContractCertificateStatus =
  | 'Accepted'
  | 'SignatureError'
  | 'CertificateExpired'
  | 'CertificateRevoked'
  | 'NoCertificateAvailable'
  | 'CertChainError'
  | 'ContractCancelled';

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

  /**
   * The status of a car's contract certificate at Authorize: from the certificate chain itself (PEM, leaf first) or
   * from the hash data of its chain (leaf first), checked with each certificate's OCSP responder.
   */
  async contractStatus(_stationId: string | null, _contract: { certificate?: string; hashData?: OcspRequestData[] }): Promise<ContractCertificateStatus> {
    return 'NoCertificateAvailable';
  }
}
