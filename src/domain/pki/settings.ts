/** What the certificate authority service is configured with (read from the environment by config-pki.ts). */

/** A CA of the operator's, from PEM files: its certificate, its key, and the certificates between it and a root. */
export interface CaFiles {
  cert: string;
  key: string;
  chain: string | undefined;
}

export type SignedCertificateType = 'ChargingStationCertificate' | 'V2GCertificate';

export interface PkiConfig {
  /** signs ChargingStationCertificates (security profile 3); Anode's own CA when unset */
  csmsCa: CaFiles | undefined;
  /** signs V2GCertificates (the SECC leaf); Anode's own V2G root and sub-CA when unset */
  v2gCa: CaFiles | undefined;
  /** the secret the private keys of Anode's own CAs are encrypted with at rest */
  keySecret: string | undefined;
  /** where a generated key secret is kept when PKI_KEY_SECRET is unset (undefined: in memory only) */
  keySecretFile: string | undefined;
  /** the O a station's CSR must carry, and the O of Anode's own CAs */
  organization: string | undefined;
  certificateDays: number;
  /** station certificates this many days before their expiry are renewed (a trigger sent); 0: never */
  renewBeforeDays: number;
  renewSweepSeconds: number;
  /** an external CA reached over EST (RFC 7030) for the certificate types listed */
  est:
    | { url: string; username: string | undefined; password: string | undefined; ca: Buffer | undefined; types: SignedCertificateType[]; timeoutMs: number }
    | undefined;
  /** where Get15118EVCertificate requests are forwarded (a contract-certificate pool) */
  contractProvider: { url: string; token: string | undefined; timeoutMs: number } | undefined;
  ocsp: { timeoutMs: number; maxCacheSeconds: number };
}
