/** The words of OCSP checks (RFC 6960) and of the contract-certificate status Authorize answers. */
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
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** answered from the cache, without asking the responder */
  cached?: boolean;
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
