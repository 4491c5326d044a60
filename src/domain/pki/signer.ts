/** Who signs a station's certificate: Anode's own CA, or an external CA (est.ts). One signer per certificate type. */
import type { SignedCertificateType } from './settings.js';
import type { CertificateAuthority } from './authority.js';
import type { x509 } from './x509.js';

export interface SigningRequest {
  stationId: string;
  certificateType: SignedCertificateType;
  csr: x509.Pkcs10CertificateRequest;
}

export interface SignedChain {
  leaf: x509.X509Certificate;
  /** PEM, leaf first, then the CAs up to (not including) the root */
  chainPem: string;
}

export interface CertificateSigner {
  /** how the signing is recorded: local, est, … */
  readonly name: string;
  sign(request: SigningRequest): Promise<SignedChain>;
}

export type Signers = Record<SignedCertificateType, CertificateSigner>;

export class LocalSigner implements CertificateSigner {
  readonly name = 'local';

  constructor(
    private readonly authority: CertificateAuthority,
    private readonly days: number,
  ) {}

  sign(request: SigningRequest): Promise<SignedChain> {
    return this.authority.sign(request.certificateType, request.csr, this.days);
  }
}
